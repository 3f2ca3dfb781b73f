"""The improvement plan workbook (``inputs/improvement-plan.xlsx``): one row per area for
improvement and per priority of the Stage 2 summaries, pre-filled, with the columns a council
fills in to track its actions. Layout and build only."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.forms.register import table_heading
from pipeline.model.inputs import PLAN_STATUSES
from pipeline.xlsx.identity import PLAN, set_identity
from pipeline.xlsx.write import Style, list_validation, print_setup, row_height, write_text

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework
    from pipeline.model.inputs import Summary


PLAN_SHEET = "Improvement plan"


TITLE_ROW, INTRO_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 4


FIRST_ROW = HEADER_ROW + 1


# Formatted empty rows below the pre-filled ones, for rows a council adds.
BLANK_ROWS = 40


# Lists and date checks reach this far down (beyond the formatted rows).
LAST_CHECKED_ROW = 1000


DATE_FORMAT = "DD/MM/YYYY"


IMPROVEMENT, PRIORITY = "Area for improvement", "Priority"


@dataclass(frozen=True)
class PlanColumn:
    key: str
    header: str
    width: float
    note: str
    prefilled: bool = False  # filled in by the tool from the summaries


PLAN_COLUMNS: tuple[PlanColumn, ...] = (
    PlanColumn(
        "ref",
        "Ref",
        10,
        "QS1-I1: QS1's area for improvement 1; P: priority.",
        prefilled=True,
    ),
    PlanColumn(
        "quality_statement",
        "Quality statement",
        18,
        "QS1 to QS9: a row you add needs one.",
        prefilled=True,
    ),
    PlanColumn("source", "From", 12, "From the Stage 2 summary.", prefilled=True),
    PlanColumn(
        "text", "Area for improvement or priority", 44, "As the summary has it.", prefilled=True
    ),
    PlanColumn("evidence", "Evidence IDs", 13, "From the summary.", prefilled=True),
    PlanColumn("action", "Action", 34, "What we will do. A second action: a new row, same Ref."),
    PlanColumn("owner", "Owner (post)", 18, "The post responsible, not a name."),
    PlanColumn("due", "Due date", 12, "dd/mm/yyyy, e.g. 31/03/2027."),
    PlanColumn("status", "Status", 12, "Choose from the list."),
    PlanColumn("measure", "Measure of success", 26, "How we will know it worked."),
    PlanColumn("update", "Latest update", 30, "Progress, with its date."),
)


PLAN_COLUMN_BY_KEY = {c.key: c for c in PLAN_COLUMNS}


def plan_column(key: str) -> str:
    """The column letter of a plan field in the template (``"action"`` -> ``"F"``)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.key for c in PLAN_COLUMNS].index(key) + 1)


@dataclass(frozen=True)
class PlanItem:
    """One pre-filled row: an area for improvement or a priority of one quality statement."""

    ref: str
    quality_statement: str  # the code
    source: str
    text: str
    evidence: str


def plan_items(framework: Framework, summaries: list[Summary]) -> list[PlanItem]:
    """The rows a new plan starts with, in framework order: each summary's areas for
    improvement (those with text), then its priorities: one row per line when they are typed
    as a list, else one row for the whole text."""
    first: dict[str, Summary] = {}
    for received in summaries:
        first.setdefault(received.quality_statement, received)
    items: list[PlanItem] = []
    for qs in framework.quality_statements:
        summary = first.get(qs.code)
        if summary is None:
            continue
        s = summary
        n = 0
        for entry in s.improvements:
            if entry.text.blank:
                continue
            n += 1
            items.append(
                PlanItem(
                    f"{qs.code}-I{n}", qs.code, IMPROVEMENT, entry.text.value, entry.evidence.value
                )
            )
        for m, text in enumerate(_priority_items(s.priorities.value), start=1):
            items.append(PlanItem(f"{qs.code}-P{m}", qs.code, PRIORITY, text, ""))
    return items


def _priority_items(text: str) -> list[str]:
    """Priorities typed as lines (a list) are one row each; a paragraph is one row."""
    lines = [line.strip().lstrip("•-*–").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    return lines


def plan_input_cells(rows: int) -> dict[str, set[str]]:
    """The cells a council fills in a fresh plan of ``rows`` pre-filled rows (and the blank
    rows below them): what tells a filled plan from a blank one."""
    keys = [c.key for c in PLAN_COLUMNS if not c.prefilled]
    last = FIRST_ROW + rows + BLANK_ROWS
    return {
        PLAN_SHEET: {f"{plan_column(k)}{r}" for k in keys for r in range(FIRST_ROW, last)},
    }


def build_plan(
    framework: Framework, style: Style, items: list[PlanItem], council: str = ""
) -> Workbook:
    """The improvement plan, in memory, pre-filled with ``items``."""
    from openpyxl import Workbook

    wb = Workbook()
    _plan_sheet(wb.active, framework, style, items)
    if council:
        wb.active.oddHeader.right.text = council.replace("&", "&&")
    set_identity(
        wb,
        {
            "framework": framework.version_tag,
            "template": PLAN.kind,
            "template_version": PLAN.version,
        },
    )
    wb.properties.title = "Improvement plan"
    wb.properties.creator = "selfassess"
    return wb


INTRO = (
    "One row per area for improvement and priority from the Stage 2 summaries. For each, say "
    "what we will do (Action), who owns it (a post), when it is due, its status and how we "
    "will know it worked; keep the latest update current. Add rows below for further actions "
    "(give the same Ref) or other improvements (give the quality statement). ‘selfassess "
    "validate’ checks the plan, ‘selfassess status’ counts the actions, and the report shows "
    "the plan as an annex."
)


def _plan_sheet(ws: Any, framework: Framework, style: Style, items: list[PlanItem]) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws.title = PLAN_SHEET
    last = get_column_letter(len(PLAN_COLUMNS))
    table_heading(ws, style, "Improvement plan", INTRO, PLAN_COLUMNS)

    names = {qs.code: f"{qs.code} {qs.name}" for qs in framework.quality_statements}
    centred = Alignment(horizontal="center", vertical="top", wrap_text=True)
    template_row = FIRST_ROW + len(items)  # the first blank row: its style is the model
    for index, column in enumerate(PLAN_COLUMNS, start=1):
        cell = ws.cell(template_row, index)
        style.input(cell)
        if column.key == "due":
            cell.number_format = DATE_FORMAT
            cell.alignment = centred
        if column.key == "status":
            cell.alignment = centred
    for row, item in enumerate(items, start=FIRST_ROW):
        values = {
            "ref": item.ref,
            "quality_statement": names.get(item.quality_statement, item.quality_statement),
            "source": item.source,
            "text": item.text,
            "evidence": item.evidence,
        }
        for index, column in enumerate(PLAN_COLUMNS, start=1):
            cell = ws.cell(row, index)
            cell._style = copy(ws.cell(template_row, index)._style)
            if column.prefilled:
                cell.fill = style.label_fill
                write_text(cell, values[column.key])
        ws.row_dimensions[row].height = row_height(
            [(values["text"], PLAN_COLUMN_BY_KEY["text"].width)]
        )
    for row in range(template_row + 1, template_row + BLANK_ROWS):
        for index in range(1, len(PLAN_COLUMNS) + 1):
            ws.cell(row, index)._style = copy(ws.cell(template_row, index)._style)
    due, status = plan_column("due"), plan_column("status")
    ws.column_dimensions[due].number_format = DATE_FORMAT
    list_validation(
        ws,
        f"{status}{FIRST_ROW}:{status}{LAST_CHECKED_ROW}",
        list(PLAN_STATUSES),
        "Status",
        "Not started, On track, At risk or Done.",
    )
    dv = DataValidation(
        type="date",
        operator="between",
        formula1="36526",  # 1 January 2000
        formula2="73050",  # 31 December 2099
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Type a date",
        error="Type the due date as dd/mm/yyyy, for example 31/03/2027.",
        showInputMessage=True,
        promptTitle="Due date",
        prompt="When the action is due, e.g. 31/03/2027.",
    )
    ws.add_data_validation(dv)
    dv.add(f"{due}{FIRST_ROW}:{due}{LAST_CHECKED_ROW}")
    ws.freeze_panes = f"B{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{template_row + BLANK_ROWS - 1}"
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
