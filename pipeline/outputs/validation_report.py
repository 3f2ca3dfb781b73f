"""``outputs/validation-report.xlsx``: every finding, filterable, each linked to its file.

The pen holder sorts and filters it, sends lead officers their rows, and ticks them off; so it is
one plain table (a header row, an autofilter, frozen panes) with a short summary above it, and a
second sheet counting findings by file and by code.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pipeline.model.findings import Finding, Findings, Severity
from pipeline.xlsx.write import CELL_LIMIT, Style, print_setup, row_height, save_atomic

if TYPE_CHECKING:
    from pipeline.workspace import Workspace


FINDINGS_SHEET = "Findings"


SUMMARY_SHEET = "Summary"


CANDIDATES_SHEET = "Library candidates"


COLUMNS = ["Severity", "Code", "File", "Sheet", "Cell", "Field", "Message"]


WIDTHS = {"A": 10, "B": 21, "C": 40, "D": 13, "E": 7, "F": 24, "G": 70}


# A file name this long or shorter is a link; a longer one is plain text, wrapped to show it
# whole: LibreOffice prints a link on one line, cut at the column's edge.
LINK_FITS = WIDTHS["C"]


# A path wraps only at a space, "/" or "-", so its lines are shorter than a sentence's: its row
# height is estimated for a narrower column.
PATH_FILL = 0.8


HEADER_ROW = 4


# Excel's own "bad" and "neutral" cell styles: red for errors, amber for warnings.
_ERROR_FILL, _ERROR_FONT = "FFC7CE", "9C0006"


_WARNING_FILL, _WARNING_FONT = "FFEB9C", "9C5700"


_CLEAR_FILL, _CLEAR_FONT = "C6EFCE", "006100"


def write_validation_report(ws: Workspace, findings: Findings) -> Path:
    """Write every finding to ``outputs/validation-report.xlsx`` (atomically); its path."""
    from openpyxl import Workbook

    style = Style.load(ws.template("xlsx/style.toml"))
    wb = Workbook()
    # Errors first (they stop the build), then warnings; by file within each, as found.
    ordered = sorted(findings.sorted(), key=lambda f: f.severity is not Severity.ERROR)
    _findings_sheet(wb.active, ws, findings, ordered, style)
    _summary_sheet(wb.create_sheet(SUMMARY_SHEET), ordered, style)
    _candidates_sheet(wb.create_sheet(CANDIDATES_SHEET), ordered, style)
    wb.properties.title = "Validation report"
    wb.properties.creator = "selfassess"
    path = ws.validation_report
    save_atomic(wb, path)
    return path


def file_link(ws: Workspace, file: str) -> str:
    """A link from ``outputs/`` to a workspace-relative ``file``: ``../inputs/stage2/a%20b.xlsx``.

    Relative, so the link still works when the whole workspace is moved or shared; spaces and
    other characters are %-encoded as Excel and LibreOffice expect in a link.
    """
    target = os.path.relpath(ws.root / file, ws.outputs)
    return quote(Path(target).as_posix(), safe="/._-~")


def _counts(findings: list[Finding]) -> str:
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    files = len({f.file for f in findings})
    return (
        f"{errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)} "
        f"in {files} file{'s' * (files != 1)}."
    )


def _findings_sheet(
    sheet: Any, ws: Workspace, findings: Findings, ordered: list[Finding], style: Style
) -> None:
    sheet.title = FINDINGS_SHEET
    for col, width in WIDTHS.items():
        sheet.column_dimensions[col].width = width
    council = ws.settings.council
    title = f"Validation report{' — ' + council if council else ''}"
    style.text(sheet["A1"], title, style.title, wrap=False)
    sheet.row_dimensions[1].height = 24
    made = dt.datetime.now().strftime("%d %B %Y at %H:%M").lstrip("0")
    if ordered:
        advice = (
            "Errors must be fixed before the self-assessment can be built; warnings are worth "
            "a look. Click a file name to open it; filter with the arrows in the header row."
        )
        summary = f"{_counts(ordered)} {advice}"
    else:
        summary = "All clear: no errors and no warnings."
    sheet.merge_cells("A2:G2")
    style.text(sheet["A2"], summary, style.bold if findings.errors else style.body)
    sheet.row_dimensions[2].height = row_height([(summary, 170)])
    style.text(
        sheet["A3"],
        f"Made by selfassess validate on {made}. Run it again after changing any input.",
        style.note,
    )
    sheet.merge_cells("A3:G3")
    style.header_row(sheet, HEADER_ROW, COLUMNS)
    sheet.row_dimensions[HEADER_ROW].height = 20

    colours = {
        Severity.ERROR: (_ERROR_FILL, _ERROR_FONT),
        Severity.WARNING: (_WARNING_FILL, _WARNING_FONT),
    }
    row = HEADER_ROW
    for f in ordered:
        row += 1
        _table_row(
            sheet,
            row,
            [f.severity.value, f.code, f.file, f.sheet, f.cell, f.field, f.message],
            style,
        )
        _badge(sheet.cell(row, 1), *colours[f.severity], style)
        if len(f.file) <= LINK_FITS:
            link = sheet.cell(row, 3)
            link.hyperlink = file_link(ws, f.file)
            link.font = style.link
        sheet.row_dimensions[row].height = row_height(
            # Arial fits about one character per unit of column width (measured in print).
            [
                (f.message, WIDTHS["G"] * 0.95),
                (f.file, WIDTHS["C"] * PATH_FILL),
                (f.field or "", WIDTHS["F"]),
            ]
        )
    if not ordered:
        row += 1
        message = "All clear: every input was read and no problem was found."
        _table_row(sheet, row, ["ok", "all-clear", "", "", "", "", message], style)
        _badge(sheet.cell(row, 1), _CLEAR_FILL, _CLEAR_FONT, style)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:G{row}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(sheet, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _table_row(sheet: Any, row: int, values: list[Any], style: Style) -> None:
    for number, value in enumerate(values, start=1):
        cell = sheet.cell(row, number)
        style.text(cell, "" if value is None else _fits(value))
        cell.border = style.border


def _fits(value: Any) -> Any:
    """``value``, or for text longer than a cell holds, its start and a line saying so."""
    from pipeline.xlsx.write import split_for_cells

    if not isinstance(value, str):
        return value
    pieces = split_for_cells(value, CELL_LIMIT - 200)
    if len(pieces) == 1:
        return value
    rest = len(value) - len(pieces[0])
    return (
        f"{pieces[0]}… [{rest:,} more characters, over the most a cell can hold: the whole "
        "text is in 'selfassess validate --json']"
    )


def _badge(cell: Any, fill: str, colour: str, style: Style) -> None:
    """The severity cell: Excel's red (error), amber (warning) or green (all clear)."""
    from openpyxl.styles import Font, PatternFill

    cell.fill = PatternFill("solid", fgColor=fill)
    cell.font = Font(
        name=style.values["font"], size=style.values["font_size"], bold=True, color=colour
    )


SUMMARY_WIDTH = 60


def _summary_sheet(sheet: Any, ordered: list[Finding], style: Style) -> None:
    sheet.column_dimensions["A"].width = SUMMARY_WIDTH
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 10
    style.text(sheet["A1"], "Findings by file and by code", style.title, wrap=False)
    sheet.row_dimensions[1].height = 24
    style.text(sheet["A2"], _counts(ordered) if ordered else "All clear.", style.body, wrap=False)
    row = 4
    by_file: dict[str, Counter[Severity]] = {}
    for f in ordered:
        by_file.setdefault(f.file, Counter())[f.severity] += 1
    by_code: dict[str, Counter[Severity]] = {}
    for f in sorted(ordered, key=lambda f: f.code):
        by_code.setdefault(f.code, Counter())[f.severity] += 1
    for heading, table in (("File", by_file), ("Code", by_code)):
        style.header_row(sheet, row, [heading, "Errors", "Warnings"])
        row += 1
        for key, counts in table.items():
            _table_row(sheet, row, [key, counts[Severity.ERROR], counts[Severity.WARNING]], style)
            # A long file name wraps: the row grows to show it (never over the next row).
            sheet.row_dimensions[row].height = row_height([(key, SUMMARY_WIDTH * PATH_FILL)])
            row += 1
        if not table:
            style.text(sheet.cell(row, 1), "None.", style.note)
            row += 1
        row += 1
    print_setup(sheet, repeat_rows="4:4")  # the file table's header


def library_candidate_rows(findings: list[Finding]) -> list[dict[str, str]]:
    """The documents lead officers named that the register does not have, once each (by title
    and link), as register fields: title, link, quality statements and, in notes, where they
    were named."""
    from pipeline.read.key_documents import link_key, title_key

    rows: dict[tuple[str, str], dict[str, str]] = {}
    sources: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if f.code != "library-candidate" or f.data is None:
            continue
        title, link = str(f.data.get("title", "")), str(f.data.get("link", ""))
        key = (title_key(title), link_key(link))
        qs = str(f.data.get("quality_statement", ""))
        row = rows.setdefault(key, {"title": title, "link": link, "quality_statements": ""})
        codes = [c for c in row["quality_statements"].split(", ") if c]
        if qs and qs not in codes:
            row["quality_statements"] = ", ".join([*codes, qs])
        where = f"{f.file} ({f.cell})" if f.cell else f.file
        sources.setdefault(key, []).append(
            f"{qs} {f.data.get('quality_statement_name', '')}".strip() + f": {where}"
        )
    for key, row in rows.items():
        row["notes"] = "Named as a key document in " + "; ".join(dict.fromkeys(sources[key]))
    return list(rows.values())


def _candidates_sheet(sheet: Any, ordered: list[Finding], style: Style) -> None:
    """The register's columns, in its order, so that the rows paste straight into it."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    from pipeline.forms.register import COLUMNS as REGISTER_COLUMNS

    rows = library_candidate_rows(ordered)
    for index, column in enumerate(REGISTER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    style.text(sheet["A1"], "Library candidates", style.title, wrap=False)
    sheet.row_dimensions[1].height = 24
    if rows:
        intro = (
            f"{len(rows)} document{'s' * (len(rows) != 1)} that lead officers listed under key "
            "documents but the evidence library register does not have. The columns are the "
            "register's: copy the rows below the headings and paste them at the end of the "
            "register, then give each an ID, its IR items, type, owner and date."
        )
    else:
        intro = "None: every key document in the Stage 2 summaries is in the register."
    last = get_column_letter(len(REGISTER_COLUMNS))
    sheet.merge_cells(f"A2:{last}2")
    style.text(sheet["A2"], intro, style.body)
    sheet.row_dimensions[2].height = row_height([(intro, 150)])
    header = 4
    style.header_row(sheet, header, [c.header for c in REGISTER_COLUMNS])
    sheet.row_dimensions[header].height = 30
    keys = [c.key for c in REGISTER_COLUMNS]
    widths = {c.key: c.width for c in REGISTER_COLUMNS}
    link_col = keys.index("link") + 1
    for offset, row in enumerate(rows, start=1):
        _table_row(sheet, header + offset, [row.get(key, "") for key in keys], style)
        link = sheet.cell(header + offset, link_col)
        link.alignment = Alignment(vertical="top", wrap_text=False)  # as in the register
        sheet.row_dimensions[header + offset].height = row_height(
            [(row.get(key, ""), widths[key] * 1.15) for key in ("title", "notes")]
        )
    sheet.freeze_panes = f"A{header + 1}"
    print_setup(sheet, repeat_rows=f"{header}:{header}")
