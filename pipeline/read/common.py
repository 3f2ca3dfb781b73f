"""What the register and overview readers share: opening, identity and unplaced text."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.forms.overview import build_overview
from pipeline.forms.register import build_evidence_library
from pipeline.model.findings import Finding, error, excerpt
from pipeline.xlsx.identity import IDENTITY_SHEET, LIBRARY, TEMPLATE_KINDS
from pipeline.xlsx.write import (
    Style,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import ReadWorkbook, Sheet


def _open(
    ws: Workspace, path: Path, template: str, what: str
) -> tuple[ReadWorkbook | None, bool, list[Finding]]:
    """The workbook, whether it carries our identity, and any finding that stops reading it."""
    from pipeline.xlsx.cells import WorkbookRejected
    from pipeline.xlsx.identity import identity_places, read_identity
    from pipeline.xlsx.reader import open_workbook

    file = ws.relative(path)
    if not path.is_file():
        return (
            None,
            False,
            [
                error(
                    "missing-file",
                    file,
                    f"The {what} is missing. Put it back as {file} (a blank one is made by "
                    "'selfassess init' in a new folder).",
                )
            ],
        )
    try:
        wb = open_workbook(path, ws.settings.limits)
        if not identity_places(wb):
            return wb, False, []
        identity = read_identity(wb)
    except WorkbookRejected as e:
        return None, False, [e.finding(file)]
    if identity.get("template") != template:
        found = identity.get("template") or "unknown"
        return (
            None,
            False,
            [
                error(
                    "template-mismatch",
                    file,
                    f"is a '{found}' workbook, not the {what}. Put the {what} here, and the "
                    "other workbook where it belongs.",
                )
            ],
        )
    return wb, True, []


@lru_cache(maxsize=8)
def _template_texts(
    framework: Framework, template: str, cache: Path | None = None
) -> dict[str, frozenset[str]]:
    """The texts of a blank workbook, by sheet, as read-back sees them: what people did not type.

    Compared as sets of texts, not cell by cell, so that inserted rows do not matter. Kept in
    ``cache`` between runs (see :func:`pipeline.read.expected.cached_expected_cells`)."""
    from pipeline.read.expected import cached_expected_cells, framework_digest
    from pipeline.resources import template_path

    def build() -> Workbook:
        # The texts do not depend on the style or the council.
        style = Style.load(template_path("xlsx/style.toml"))
        if template == LIBRARY.kind:
            return build_evidence_library(framework, style)
        return build_overview(framework, style, "")

    key = [framework_digest(framework), template, TEMPLATE_KINDS[template].version]
    cells = cached_expected_cells(cache, template, key, build, key)
    return {name: frozenset(texts.values()) for name, texts in cells.items()}


def _ignored(file: str, sheet: str, ref: str, text: str, why: str) -> Finding:
    return error(
        "ignored-content",
        file,
        f"Text {why} is not read: “{excerpt(text)}”. Move it into the right cell, or delete it.",
        sheet=sheet,
        cell=ref,
    )


def _other_sheets(wb: ReadWorkbook, known: set[str], file: str) -> list[Finding]:
    """One ``ignored-content`` finding for each extra sheet that holds anything."""
    found: list[Finding] = []
    for name, sheet in wb.sheets.items():
        if name in known or name == IDENTITY_SHEET or sheet.state != "visible":
            continue  # hidden sheets hold lists for dropdowns, not what people type
        filled = [ref for ref in sheet.cells if sheet.text(ref).strip()]
        if not filled:
            continue
        first = next(ref for _row, cells in sheet.rows() for ref, _c in cells if ref in filled)
        found.append(
            error(
                "ignored-content",
                file,
                f"The sheet '{name}' is not read ({len(filled)} cells with text, from "
                f"“{excerpt(sheet.text(first))}”). Move what matters into the "
                "register or notes, or delete the sheet.",
                sheet=name,
                cell=first,
            )
        )
    return found


# How far down a sheet a table's header row is looked for (a council may add rows above it).
HEADER_SEARCH_ROWS = 30


def find_header_row(
    sheet: Sheet, keys: dict[str, str], needed: set[str]
) -> tuple[int, dict[int, str]] | None:
    """A table's header row, found by its headings: the first row (within
    ``HEADER_SEARCH_ROWS``) whose cells name every key in ``needed``, and its columns (column
    number -> key; ``keys`` maps a normalised heading to its key, the first of each kept)."""
    from pipeline.read.labels import normalise_label
    from pipeline.xlsx.cells import split_ref

    for row, cells in sheet.rows():
        if row > HEADER_SEARCH_ROWS:
            break
        columns: dict[int, str] = {}
        for ref, _cell in cells:
            key = keys.get(normalise_label(sheet.text(ref), notes=False))
            if key is not None and key not in columns.values():
                columns[split_ref(ref)[1]] = key
        if needed <= set(columns.values()):
            return row, columns
    return None
