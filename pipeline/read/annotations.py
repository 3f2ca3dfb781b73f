"""Comments (notes) and text in shapes or text boxes that a reader did not read: reported with
their sheet and cell, so that nothing a person typed into a workbook is silently lost."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, excerpt, warning
from pipeline.xlsx.identity import IDENTITY_SHEET

if TYPE_CHECKING:
    from pipeline.xlsx.cells import ReadWorkbook


# At most this many findings of each kind for one sheet, then one that counts the rest.
MAX_PER_SHEET = 20


def note_text(text: str) -> str:
    """A comment as it is added to the evidence of its row: ``[note: I really mean 2]``."""
    return f"[note: {text}]"


def unread_annotations(
    wb: ReadWorkbook, file: str, read: Collection[tuple[str, str]] = ()
) -> list[Finding]:
    """``comment-not-read`` for each comment not in ``read`` ((sheet, cell) pairs the reader
    used), and ``shape-text-not-read`` for each shape or text box with text, on every sheet but
    the hidden identity sheet."""
    found: list[Finding] = []
    for name, sheet in wb.sheets.items():
        if name == IDENTITY_SHEET:
            continue
        comments = [
            warning(
                "comment-not-read",
                file,
                f"The comment on {ref} is not read: “{excerpt(text)}”. If it matters, type it "
                "into the cell it is about, then delete the comment.",
                sheet=name,
                cell=ref,
            )
            for ref, text in sheet.comments.items()
            if (name, ref) not in read
        ]
        found += _capped(comments, "comments", file, name)
        shapes = [
            warning(
                "shape-text-not-read",
                file,
                f"A text box or shape{_named(shape.name)} on the sheet '{name}' holds text that is "
                f"not read: “{excerpt(shape.text)}”. If it matters, type it into the right cell, "
                "then delete the text box.",
                sheet=name,
                cell=shape.cell,
            )
            for shape in sheet.shapes
        ]
        found += _capped(shapes, "text boxes or shapes with text", file, name)
    return found


def _named(name: str) -> str:
    return f" (‘{excerpt(name, 40)}’)" if name.strip() else ""


def _capped(found: list[Finding], what: str, file: str, sheet: str) -> list[Finding]:
    if len(found) <= MAX_PER_SHEET:
        return found
    rest = len(found) - MAX_PER_SHEET
    code = found[0].code
    return [
        *found[:MAX_PER_SHEET],
        warning(
            code,
            file,
            f"… and {rest} more {what} on this sheet are not read.",
            sheet=sheet,
        ).with_data(count=rest),
    ]
