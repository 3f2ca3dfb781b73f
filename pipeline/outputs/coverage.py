"""``outputs/ir-coverage.xlsx``: IR items down, the documents that cover them across."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.analysis.coverage import CoverageRow, coverage_line, ir_coverage
from pipeline.xlsx.write import Style, print_setup, row_height, save_atomic

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, IRItem
    from pipeline.model.inputs import EvidenceItem, EvidenceLibrary
    from pipeline.workspace import Workspace


SHEET = "IR coverage"


HEADER_ROW = 6


GAP_FILL = "F8CBAD"


MARK = "●"


def write_ir_coverage(ws: Workspace, framework: Framework, library: EvidenceLibrary | None) -> Path:
    """Write ``outputs/ir-coverage.xlsx`` (atomically) and return its path."""
    style = Style.load(ws.template("xlsx/style.toml"))
    rows = ir_coverage(framework, library)
    wb = build_ir_coverage(framework, rows, library, style, ws.settings.council)
    save_atomic(wb, ws.ir_coverage)
    return ws.ir_coverage


def item_summary(item: IRItem) -> str:
    """An IR item's text with its detail run on, compact enough for one table cell."""
    parts = [item.text]
    if item.detail is not None:
        if item.detail.text:
            parts.append(item.detail.text)
        if item.detail.bullets:
            parts.append("; ".join(b.rstrip(".") for b in item.detail.bullets) + ".")
    return " ".join(parts)


def _document_line(doc: EvidenceItem) -> str:
    title = " ".join(doc.title.split()) or "(no title)"
    return f"{doc.id}  {title}"


def build_ir_coverage(
    framework: Framework,
    rows: list[CoverageRow],
    library: EvidenceLibrary | None,
    style: Style,
    council: str = "",
) -> Workbook:
    """The coverage workbook, in memory."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    sheet: Any = wb.active
    sheet.title = SHEET
    statements = framework.quality_statements
    first_qs = 3
    type_col = first_qs + len(statements)
    count_col, docs_col = type_col + 1, type_col + 2
    widths = {1: 7.0, 2: 50.0, type_col: 22.0, count_col: 11.0, docs_col: 46.0}
    widths.update({first_qs + i: 5.5 for i in range(len(statements))})
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    last_letter = get_column_letter(docs_col)
    total_width = sum(widths.values())

    title = "Information return (IR) coverage"
    style.text(sheet["A1"], f"{council}: {title}" if council else title, style.title, wrap=False)
    sheet.row_dimensions[1].height = 24
    style.text(sheet["A2"], coverage_line(rows), style.bold, wrap=False)
    source = (
        f"From the evidence library register ({library.file})."
        if library is not None
        else "The evidence library register could not be read, so no documents are shown."
    )
    legend = (
        f"{source} One row per IR item: {MARK} marks the quality statements it relates to, then "
        "the documents in the library that name it. Rows shaded red have no document yet."
    )
    sheet.merge_cells(f"A3:{last_letter}3")
    style.text(sheet["A3"], legend, style.note)
    sheet.row_dimensions[3].height = row_height([(legend, total_width)])
    key = "   ".join(f"{qs.code} {qs.name}" for qs in statements)
    sheet.merge_cells(f"A4:{last_letter}4")
    style.text(sheet["A4"], key, style.note)
    sheet.row_dimensions[4].height = row_height([(key, total_width)])

    headers = ["IR", "Evidence item", *(qs.code for qs in statements)]
    headers += ["Document type", "Documents", "Documents in the library"]
    style.header_row(sheet, HEADER_ROW, headers)
    for col in (*range(first_qs, type_col), count_col):
        sheet.cell(HEADER_ROW, col).alignment = style.wrap_center
    sheet.row_dimensions[HEADER_ROW].height = 30

    gap = PatternFill("solid", fgColor=GAP_FILL)
    gap_font = Font(name=style.values["font"], size=style.values["font_size"], bold=True,
                    color=style.values["warning_colour"])  # fmt: skip
    centre = Alignment(horizontal="center", vertical="top")
    row_number = HEADER_ROW + 1
    for row in rows:
        types = "\n".join(row.item.document_types)
        docs = "\n".join(_document_line(d) for d in row.documents) or "No document yet"
        text = item_summary(row.item)
        values: list[Any] = [row.item.code, text]
        values += [MARK if qs.code in row.quality_statements else "" for qs in statements]
        values += [types, len(row.documents), docs]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row_number, col)
            style.text(cell, value, style.bold if col == 1 else None)
            cell.border = style.border
            if first_qs <= col <= count_col and col != type_col:
                cell.alignment = centre
            if not row.covered:
                cell.fill = gap
        if not row.covered:
            sheet.cell(row_number, docs_col).font = gap_font
            sheet.cell(row_number, count_col).font = gap_font
        sheet.row_dimensions[row_number].height = row_height(
            [(text, widths[2] * 1.1), (types, widths[type_col]), (docs, widths[docs_col] * 1.1)]
        )
        row_number += 1
    last_item_row = row_number - 1

    # Across the bottom: how many documents each quality statement has.
    row_number += 1
    label = sheet.cell(row_number, 2)
    style.text(label, "Documents per quality statement", style.bold)
    items = library.documents if library is not None else ()
    for i, qs in enumerate(statements):
        count = sum(
            1
            for doc in items
            if qs.code in doc.quality_statements or "ALL" in doc.quality_statements
        )
        cell = sheet.cell(row_number, first_qs + i)
        style.text(cell, count, style.bold)
        cell.alignment = centre
        cell.border = style.border
        if count == 0:
            cell.fill = gap
    unassigned = [doc for doc in items if not doc.ir_items]
    if unassigned:
        row_number += 2
        text = "Documents not linked to any IR item: " + ", ".join(d.id for d in unassigned)
        sheet.merge_cells(f"A{row_number}:{last_letter}{row_number}")
        style.text(sheet.cell(row_number, 1), text, style.note)
        sheet.row_dimensions[row_number].height = row_height([(text, total_width)])

    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{last_item_row}"
    print_setup(sheet, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    wb.properties.title = title
    wb.properties.creator = "selfassess"
    return wb
