"""``outputs/thread.xlsx``: for each quality statement, the thread from Stage 1 to action: each
Stage 1 statement flagged (or cited), the Stage 2 entries citing it, their evidence IDs and IR
items, and the improvement plan's actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.analysis.thread import QSThread, threads
from pipeline.xlsx.write import Style, print_setup, row_height, save_atomic

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.model.inputs import Inputs
    from pipeline.workspace import Workspace


HEADERS = (
    ("No.", 6),
    ("Stage 1 statement", 44),
    ("Flagged at Stage 1 as", 18),
    ("% agree", 8),
    ("Answered in Stage 2 by", 22),
    ("Evidence IDs", 16),
    ("IR items", 12),
    ("Actions (improvement plan)", 46),
)


GAP_FILL = "F8CBAD"


HEADER_ROW = 4


def write_thread(ws: Workspace, inputs: Inputs) -> Path:
    """Write ``outputs/thread.xlsx`` (atomically) and return its path."""
    style = Style.load(ws.template("xlsx/style.toml"))
    wb = build_thread(threads(ws.framework, inputs), style, ws.settings.council, inputs)
    save_atomic(wb, ws.thread_xlsx)
    return ws.thread_xlsx


def build_thread(
    items: list[QSThread], style: Style, council: str, inputs: Inputs | None = None
) -> Workbook:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for thread in items:
        _sheet(wb.create_sheet(thread.code), thread, style, council, inputs)
    wb.properties.title = "From Stage 1 to action"
    wb.properties.creator = "selfassess"
    return wb


def _sheet(ws: Any, thread: QSThread, style: Style, council: str, inputs: Inputs | None) -> None:
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    for index, (_name, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(HEADERS))
    title = f"{thread.code} {thread.name}: from Stage 1 to action"
    style.text(ws["A1"], title, style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    if thread.summary is None:
        intro = "No Stage 2 summary has been received for this quality statement yet."
    else:
        intro = (
            "Each Stage 1 statement flagged (or cited by the summary), the strengths and areas "
            "for improvement that cite it in column E of the summary, their evidence and the "
            "improvement plan's actions. A statement flagged as an area for improvement that "
            "nothing answers is shaded."
        )
    if inputs is not None and inputs.plan is None:
        intro += " There is no improvement plan yet (selfassess generate plan)."
    ws.merge_cells(f"A2:{last}2")
    style.text(ws["A2"], intro, style.note)
    ws.row_dimensions[2].height = row_height([(intro, sum(w for _n, w in HEADERS))], 14)
    style.header_row(ws, HEADER_ROW, [name for name, _w in HEADERS])
    ws.row_dimensions[HEADER_ROW].height = 30
    gap = PatternFill("solid", fgColor=GAP_FILL)
    row = HEADER_ROW + 1
    if not thread.rows:
        none = "No Stage 1 statement flagged or cited."
        style.text(ws.cell(row, 1), none, style.note, wrap=False)
    for r in thread.rows:
        values = [
            r.number,
            r.text,
            ", ".join(r.flags) or "(cited only)",
            "–" if r.agree is None else f"{r.agree:.0f}%",
            "\n".join(r.cited_by) or ("Not answered" if r.unanswered else ""),
            ", ".join(r.evidence),
            ", ".join(r.ir_items),
            "\n".join(r.actions),
        ]
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row, index)
            style.text(cell, value)
            cell.border = style.border
            if r.unanswered:
                cell.fill = gap
        ws.row_dimensions[row].height = row_height(
            [(str(v), w) for v, (_n, w) in zip(values, HEADERS, strict=True)]
        )
        row += 1
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    if council:
        ws.oddHeader.right.text = council.replace("&", "&&")
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
