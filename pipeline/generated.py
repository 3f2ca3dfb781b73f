"""Rules for generated workbooks in outputs/: never overwrite one that people have filled in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx import IDENTITY_SHEET

if TYPE_CHECKING:
    from pipeline.findings import Finding
    from pipeline.readback import ReadWorkbook


def is_filled(path: Path, input_cells: dict[str, set[str]]) -> bool:
    """Whether a generated workbook at ``path`` has anything typed in its input cells.

    A file that cannot be read counts as filled: we cannot tell, so we keep it.
    """
    from pipeline.readback import WorkbookRejected, open_workbook

    if not path.exists():
        return False
    try:
        wb = open_workbook(path)
    except WorkbookRejected:
        return True
    for sheet_name, cells in input_cells.items():
        sheet = wb.sheets.get(sheet_name)
        if sheet is not None and any(sheet.text(ref).strip() for ref in cells):
            return True
    return False


def expected_cells(wb: Any) -> dict[str, dict[str, str]]:
    """What a freshly generated (openpyxl) workbook holds, as read-back sees it: sheet -> cell
    -> text. Read-back compares a returned workbook with this to find text typed outside the
    input cells."""
    import io
    import tempfile

    from pipeline.readback import open_workbook

    buffer = io.BytesIO()
    wb.save(buffer)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        tmp.write(buffer.getvalue())
        tmp.flush()
        read = open_workbook(Path(tmp.name))
    return {
        name: {ref: sheet.text(ref) for ref in sheet.cells} for name, sheet in read.sheets.items()
    }


def unplaced_cells(
    wb: ReadWorkbook,
    expected: dict[str, dict[str, str]],
    input_cells: dict[str, set[str]],
    file: str,
    skip_sheets: frozenset[str] = frozenset({IDENTITY_SHEET}),
) -> list[Finding]:
    """``ignored-content`` for every non-empty cell that is neither an input cell nor the
    template's own unchanged text: whatever a person typed there would otherwise be lost."""
    from pipeline.findings import error

    found: list[Finding] = []
    for name, sheet in wb.sheets.items():
        if name in skip_sheets:
            continue
        template = expected.get(name)
        inputs = input_cells.get(name, set())
        for ref in sheet.cells:
            if ref in inputs:
                continue
            text = sheet.text(ref)
            if template is not None and template.get(ref) == text:
                continue
            if not text.strip():
                continue
            if template is None:
                why = f"a sheet the template does not have ('{name}')"
            elif ref in template:
                why = "a cell of the form that was changed"
            else:
                why = "a cell outside the form"
            found.append(
                error(
                    "ignored-content",
                    file,
                    f"Text in {why} is not read: “{_excerpt(text)}”. Move it into the right "
                    "input cell, or delete it.",
                    sheet=name,
                    cell=ref,
                )
            )
    return found


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
