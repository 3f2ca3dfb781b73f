"""``outputs/comparison.xlsx``: this round against the last one archived (``selfassess compare``).

A Summary sheet (Stage 2 per quality statement, evidence added and retired, actions completed),
then one sheet per quality statement with its Stage 1 statements then and now and a bar chart of
% agree before and after."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.write import Style, print_setup, row_height, save_atomic, write_text

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.analysis.rounds import Comparison, StatementChange


STATEMENT_HEADERS = (
    ("No.", 6),
    ("Stage 1 statement", 50),
    ("Returns then", 9),
    ("Returns now", 9),
    ("Answers then", 9),
    ("Answers now", 9),
    ("% agree then", 9),
    ("% agree now", 9),
    ("Change (points)", 10),
    ("Mean then", 8),
    ("Mean now", 8),
    ("Change", 8),
)


HEADER_ROW = 3


def write_comparison(path: Path, comparison: Comparison, style: Style, council: str) -> Path:
    """Write the comparison workbook at ``path`` (atomically) and return the path."""
    save_atomic(build_comparison(comparison, style, council), path)
    return path


def build_comparison(comparison: Comparison, style: Style, council: str) -> Workbook:
    from openpyxl import Workbook

    wb = Workbook()
    _summary_sheet(wb.active, comparison, style, council)
    codes = [q.code for q in comparison.quality_statements]
    names = {q.code: q.name for q in comparison.quality_statements}
    for code in codes:
        rows = [s for s in comparison.statements if s.quality_statement == code]
        if rows:
            _qs_sheet(wb.create_sheet(code), code, names[code], rows, comparison, style, council)
    wb.properties.title = "Since our last self-assessment"
    wb.properties.creator = "selfassess"
    return wb


def _number(value: float | None) -> Any:
    return "" if value is None else value


PERCENT, MEAN = "0.0", "0.00"


def _formatted(cell: Any, value: float | None, number_format: str) -> None:
    cell.value = value
    cell.number_format = number_format


def _header(ws: Any, row: int, headers: tuple[tuple[str, float], ...], style: Style) -> None:
    from openpyxl.utils import get_column_letter

    for col, (_text, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    style.header_row(ws, row, [text for text, _width in headers])
    ws.row_dimensions[row].height = row_height([(t, w) for t, w in headers])


def _label(cell: Any, text: str, style: Style) -> None:
    style.text(cell, text, style.header)
    cell.fill = style.header_fill


def _summary_sheet(ws: Any, c: Comparison, style: Style, council: str) -> None:
    ws.title = "Summary"
    style.text(ws["A1"], "Since our last self-assessment", style.title, wrap=False)
    style.text(
        ws["A2"], f"{council}: this round compared with the round of {c.then_label}.", wrap=False
    )
    headers = (
        ("Quality statement", 34),
        ("Self-rating then", 10),
        ("Self-rating now", 10),
        ("Stage 2 words then", 10),
        ("Stage 2 words now", 10),
        ("New areas for improvement", 46),
        ("Resolved areas for improvement", 46),
    )
    _header(ws, HEADER_ROW, headers, style)
    row = HEADER_ROW + 1
    for q in c.quality_statements:
        values = (
            f"{q.code} {q.name}",
            _number(q.rating_then),
            _number(q.rating_now),
            _number(q.words_then),
            _number(q.words_now),
            "\n".join(q.new_improvements),
            "\n".join(q.resolved_improvements),
        )
        for col, value in enumerate(values, start=1):
            style.text(ws.cell(row, col), value)
        widths = [w for _t, w in headers]
        ws.row_dimensions[row].height = row_height(
            [(str(v), w) for v, w in zip(values, widths, strict=True)]
        )
        row += 1
    row += 1
    for title, items in (
        ("Evidence added (register IDs)", c.evidence_added),
        ("Evidence retired (register IDs)", c.evidence_retired),
    ):
        _label(ws.cell(row, 1), title, style)
        write_text(ws.cell(row, 2), ", ".join(items) or "none")
        row += 1
    row += 1
    for col, title in ((1, "Actions completed since then"), (2, "Quality statement")):
        _label(ws.cell(row, col), title, style)
    _label(ws.cell(row, 6), "Action", style)
    row += 1
    if not c.actions_completed:
        write_text(ws.cell(row, 1), "none")
    for ref, code, action in c.actions_completed:
        write_text(ws.cell(row, 1), ref)
        write_text(ws.cell(row, 2), code)
        style.text(ws.cell(row, 6), action)
        row += 1
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _qs_sheet(
    ws: Any,
    code: str,
    name: str,
    rows: list[StatementChange],
    c: Comparison,
    style: Style,
    council: str,
) -> None:
    style.text(ws["A1"], f"{code} {name}", style.title, wrap=False)
    style.text(
        ws["A2"],
        f"Stage 1: the round of {c.then_label} (then) and this round (now).",
        wrap=False,
    )
    _header(ws, HEADER_ROW, STATEMENT_HEADERS, style)
    for r, s in enumerate(rows, start=HEADER_ROW + 1):
        values: list[Any] = [s.number, s.text, s.returns_then, s.returns_now]
        values += [s.responses_then, s.responses_now]
        for col, value in enumerate(values, start=1):
            style.text(ws.cell(r, col), value)
        numbers = (
            (s.agree_then, PERCENT),
            (s.agree_now, PERCENT),
            (s.agree_change, "+0.0;-0.0;0"),
            (s.mean_then, MEAN),
            (s.mean_now, MEAN),
            (s.mean_change, "+0.00;-0.00;0"),
        )
        for col, (number, number_format) in enumerate(numbers, start=len(values) + 1):
            _formatted(ws.cell(r, col), number, number_format)
            ws.cell(r, col).font = style.body
            ws.cell(r, col).alignment = style.wrap
        ws.row_dimensions[r].height = row_height([(s.text, STATEMENT_HEADERS[1][1])])
    last = HEADER_ROW + len(rows)
    _chart(ws, f"A{last + 3}", last, len(rows))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _chart(ws: Any, anchor: str, last: int, count: int) -> None:
    """% agree per statement, then (grey) and now (blue), side by side."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "% agree by statement: then and now"
    chart.y_axis.title = "% agree"
    chart.x_axis.title = "Statement"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    data = Reference(ws, min_col=7, max_col=8, min_row=HEADER_ROW, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
    for series, colour in zip(chart.series, ("A6A6A6", "2F5597"), strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    chart.width = max(16.0, 1.6 * count + 4)
    chart.height = 8.0
    ws.add_chart(chart, anchor)
