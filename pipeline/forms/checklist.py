"""The Stage 1 checklist workbook, one per quality statement: layout and build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.identity import CHECKLIST, set_identity
from pipeline.xlsx.write import (
    Pages,
    Style,
    list_validation,
    print_setup,
    protect,
    row_height,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, QualityStatement
    from pipeline.workspace import Workspace


RESPONDENT_SHEET = "About you"


CHECKLIST_SHEET = "Checklist"


GUIDANCE_SHEET = "Guidance"


GROUP_CELL = "B9"


NAME_CELL = "B10"


TEAM_CELL = "B11"


# A workshop or group return (optional): marked Yes, with its participants and their groups.
WORKSHOP_CELL = "B16"


PARTICIPANTS_CELL = "B17"


PARTICIPANT_GROUPS_CELL = "B18"


WORKSHOP_OPTIONS = ("Yes", "No")


HEADER_ROW = 7


FIRST_STATEMENT_ROW = HEADER_ROW + 1


NUMBER_COL, STATEMENT_COL, RATING_COL, EVIDENCE_COL = "A", "B", "C", "D"


WIDTHS = {"A": 6, "B": 70, "C": 24, "D": 70}


EVIDENCE_HEADER = "Why? What evidence do you have to support this? What evidence do you need?"


# The statement table's headings, in column order (NUMBER_COL to EVIDENCE_COL): read-back finds
# the table's columns by these, wherever columns were inserted.
HEADINGS = ("No.", "Statement", "Rating (choose)", EVIDENCE_HEADER)


@dataclass(frozen=True)
class ChecklistLayout:
    """Where people type in one quality statement's checklist."""

    statements: int

    @property
    def statement_rows(self) -> range:
        return range(FIRST_STATEMENT_ROW, FIRST_STATEMENT_ROW + self.statements)

    def rating_cell(self, number: int) -> str:
        """The rating cell of statement ``number`` (1-based)."""
        return f"{RATING_COL}{FIRST_STATEMENT_ROW + number - 1}"

    def evidence_cell(self, number: int) -> str:
        return f"{EVIDENCE_COL}{FIRST_STATEMENT_ROW + number - 1}"

    @property
    def input_cells(self) -> dict[str, set[str]]:
        """Every cell a respondent may fill, by sheet."""
        checklist = {self.rating_cell(n) for n in range(1, self.statements + 1)}
        checklist |= {self.evidence_cell(n) for n in range(1, self.statements + 1)}
        about = {GROUP_CELL, NAME_CELL, TEAM_CELL}
        about |= {WORKSHOP_CELL, PARTICIPANTS_CELL, PARTICIPANT_GROUPS_CELL}
        return {RESPONDENT_SHEET: about, CHECKLIST_SHEET: checklist}


def checklist_identity(framework: Framework, qs: QualityStatement) -> dict[str, str]:
    """The identity written into (and expected back from) a quality statement's checklist."""
    return {
        "framework": framework.version_tag,
        "template": CHECKLIST.kind,
        "template_version": CHECKLIST.version,
        "quality_statement": qs.code,
        "statements": str(len(qs.checklist_statements)),
    }


def checklist_path(ws: Workspace, qs: QualityStatement) -> Path:
    return ws.checklists_dir / f"{qs.file_stem}.xlsx"


def build_checklist(
    framework: Framework, qs: QualityStatement, style: Style, council: str = ""
) -> Workbook:
    """One quality statement's checklist workbook, in memory."""
    from openpyxl import Workbook

    wb = Workbook()
    theme = framework.theme_of(qs.code)
    title = f"Stage 1 checklist: {theme.name} — {qs.name}"
    _respondent_sheet(wb.active, framework, qs, style, title, council)
    _checklist_sheet(wb.create_sheet(CHECKLIST_SHEET), framework, qs, style, theme.name)
    _guidance_sheet(wb.create_sheet(GUIDANCE_SHEET), framework, qs, style)
    # The council's name goes in the page header, not a cell: a council renamed after the
    # checklists went out must not make every return look edited.
    for sheet in wb.worksheets:
        sheet.oddHeader.left.text = council
    set_identity(wb, checklist_identity(framework, qs))
    wb.properties.title = title
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb


def _merged_text(
    ws: Any, row: int, text: str, style: Style, font: Any = None, last: str = "D"
) -> None:
    ws.merge_cells(f"A{row}:{last}{row}")
    style.text(ws[f"A{row}"], text, font)
    width = sum(ws.column_dimensions[c].width for c in "ABCD"[: "ABCD".index(last) + 1])
    ws.row_dimensions[row].height = row_height([(text, width)])


def _respondent_sheet(
    ws: Any, framework: Framework, qs: QualityStatement, style: Style, title: str, council: str
) -> None:
    ws.title = RESPONDENT_SHEET
    for col, width in {"A": 38, "B": 60, "C": 4, "D": 30}.items():
        ws.column_dimensions[col].width = width
    style.text(ws["A1"], title, style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    _merged_text(
        ws,
        4,
        "The council is preparing its adult social care self-assessment for the "
        "Care Quality Commission (CQC). This checklist asks how well we do against one CQC "
        f"quality statement: {qs.name}. Your honest view, and the evidence behind it, helps us "
        "find our strengths, the areas we need to improve, and where views differ.",
        style,
    )
    _merged_text(
        ws,
        5,
        "How to fill it in: 1. Choose your group below (your name and team are optional). "
        f"2. On the '{CHECKLIST_SHEET}' sheet, choose a rating for each statement from the list "
        "(1 Strongly disagree to 4 Strongly agree, or 0 Don't know) and say why in the next "
        "column, with any evidence. 3. Save the file (keep it as .xlsx) and send it back. "
        f"The '{GUIDANCE_SHEET}' sheet explains what the CQC will be looking for.",
        style,
    )
    style.text(ws["A7"], "About you", style.heading, wrap=False)
    labels = {
        GROUP_CELL: "Your group (please choose)",
        NAME_CELL: "Your name (optional)",
        TEAM_CELL: "Your team or organisation (optional)",
    }
    for ref, label in labels.items():
        row = int(ref[1:])
        label_cell = ws[f"A{row}"]
        style.text(label_cell, label, style.bold)
        label_cell.fill = style.label_fill
        label_cell.border = style.border
        style.input(ws[ref])
        ws.row_dimensions[row].height = 20
    list_validation(
        ws,
        GROUP_CELL,
        list(framework.respondent_groups),
        "Your group",
        "Choose the group that best describes you.",
    )
    _merged_text(
        ws,
        13,
        "Responses may be anonymous. Results are reported by group only: names are never "
        "shown in the findings or the self-assessment.",
        style,
        style.note,
    )
    style.text(ws["A15"], "A workshop or group return (optional)", style.heading, wrap=False)
    workshop = {
        WORKSHOP_CELL: "This is a workshop or group return",
        PARTICIPANTS_CELL: "Number of participants",
        PARTICIPANT_GROUPS_CELL: "Participants' groups (e.g. 8 Person with lived experience, "
        "4 Unpaid carer)",
    }
    for ref, label in workshop.items():
        row = int(ref[1:])
        label_cell = ws[f"A{row}"]
        style.text(label_cell, label, style.bold)
        label_cell.fill = style.label_fill
        label_cell.border = style.border
        style.input(ws[ref])
        ws.row_dimensions[row].height = 20 if ref != PARTICIPANT_GROUPS_CELL else 32
    list_validation(
        ws,
        WORKSHOP_CELL,
        list(WORKSHOP_OPTIONS),
        "Workshop or group return",
        "Choose Yes when these ratings are the agreed view of a workshop or group.",
    )
    _merged_text(
        ws,
        19,
        "When a workshop or group fills in one checklist together, choose Yes, give the number "
        "of participants and their groups, and choose above the group whose views it gives. Its "
        "ratings are counted as that group's agreed view, and shown as a workshop in the "
        "findings.",
        style,
        style.note,
    )
    print_setup(ws)
    protect(ws)


def _checklist_sheet(
    ws: Any, framework: Framework, qs: QualityStatement, style: Style, theme: str
) -> None:
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.merge_cells("A1:D1")
    style.text(ws["A1"], f"{theme} — {qs.name}", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    rows = [
        ("We statement", qs.we_statement),
        ("I statements", "\n".join(qs.i_statements) or "(none in the guidance)"),
        ("Examples of data to consider", "\n".join(f"• {d}" for d in qs.data_to_consider)),
        (
            "How to rate",
            "Choose a rating for each statement from the list in column C, then say why in "
            "column D: what evidence supports your view, and what evidence is missing.",
        ),
    ]
    for offset, (label, text) in enumerate(rows):
        row = 2 + offset
        ws.merge_cells(f"A{row}:D{row}")
        style.labelled(ws[f"A{row}"], label, text)
        ws.row_dimensions[row].height = row_height([(f"{label}\n{text}", 164)])
    style.header_row(ws, HEADER_ROW, list(HEADINGS))
    ws.row_dimensions[HEADER_ROW].height = 32
    layout = ChecklistLayout(len(qs.checklist_statements))
    for number, statement in enumerate(qs.checklist_statements, start=1):
        row = FIRST_STATEMENT_ROW + number - 1
        style.text(ws[f"{NUMBER_COL}{row}"], number, style.bold)
        ws[f"{NUMBER_COL}{row}"].alignment = style.wrap_center
        style.text(ws[f"{STATEMENT_COL}{row}"], statement)
        for cell in (ws[f"{NUMBER_COL}{row}"], ws[f"{STATEMENT_COL}{row}"]):
            cell.border = style.border
        style.input(ws[layout.rating_cell(number)])
        style.input(ws[layout.evidence_cell(number)])
        # Leave room to write: at least four lines for the evidence.
        ws.row_dimensions[row].height = max(64.0, row_height([(statement, WIDTHS["B"])]))
    last = FIRST_STATEMENT_ROW + len(qs.checklist_statements) - 1
    list_validation(
        ws,
        f"{RATING_COL}{FIRST_STATEMENT_ROW}:{RATING_COL}{last}",
        [r.display for r in framework.rating_scale],
        "Rating",
        "1 Strongly disagree, 2 Tend to disagree, 3 Tend to agree, 4 Strongly agree, 0 Don't know.",
    )
    ws.freeze_panes = f"A{FIRST_STATEMENT_ROW}"
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    _balance_pages(ws, last)
    protect(ws)


# The guidance sheet's one column: narrow enough to print at full size on a landscape A4 page in
# LibreOffice too (which draws Arial wider than Excel and does not shrink this sheet to fit).
GUIDANCE_WIDTH = 100


def _balance_pages(ws: Any, last: int) -> None:
    """Page breaks in the statements table so that its last printed page is not one lonely
    row: the rows of the last two pages are shared between them (estimated as Excel prints)."""
    from openpyxl.worksheet.pagebreak import Break

    pages = Pages(ws, sum(WIDTHS.values()))
    header = pages.height(HEADER_ROW, HEADER_ROW + 1)  # repeated on every page
    starts, used = [], pages.height(1, FIRST_STATEMENT_ROW)
    for row in range(FIRST_STATEMENT_ROW, last + 1):
        height = pages.height(row, row + 1)
        if used + height > pages.capacity:
            starts.append(row)
            used = header
        used += height
    if not starts:
        return
    if used < pages.capacity / 3 and (len(starts) > 1 or starts[0] - FIRST_STATEMENT_ROW > 2):
        # Move rows from the page before onto the last, until the two are about even.
        before = starts[-2] if len(starts) > 1 else FIRST_STATEMENT_ROW
        while starts[-1] - before > 1 and used + pages.height(starts[-1] - 1, starts[-1]) < (
            pages.height(before, starts[-1] - 1)
        ):
            starts[-1] -= 1
            used += pages.height(starts[-1], starts[-1] + 1)
    for row in starts:
        ws.row_breaks.append(Break(id=row - 1))


def _guidance_sheet(ws: Any, framework: Framework, qs: QualityStatement, style: Style) -> None:
    ws.column_dimensions["A"].width = GUIDANCE_WIDTH
    row = 1
    style.text(ws.cell(row, 1), f"Guidance: {qs.name}", style.title, wrap=False)
    ws.row_dimensions[row].height = 24  # as tall as the title prints (for fit_last_page)
    row += 2
    style.text(ws.cell(row, 1), "What the CQC will be looking for", style.heading, wrap=False)
    ws.row_dimensions[row].height = 20
    row += 1
    for block in qs.cqc_looking_for:
        if block.text:
            style.text(ws.cell(row, 1), block.text)
            ws.row_dimensions[row].height = row_height([(block.text, GUIDANCE_WIDTH)])
            row += 1
        for bullet in block.bullets:
            style.text(ws.cell(row, 1), f"    • {bullet}")
            ws.row_dimensions[row].height = row_height([(bullet, GUIDANCE_WIDTH - 6)])
            row += 1
    row += 1
    style.text(ws.cell(row, 1), "The rating scale", style.heading, wrap=False)
    ws.row_dimensions[row].height = 20
    row += 1
    for option in framework.rating_scale:
        style.text(ws.cell(row, 1), option.display)
        row += 1
    row += 1
    if framework.framework.data_pack_url:
        style.text(ws.cell(row, 1), "Supporting data pack", style.heading, wrap=False)
        ws.row_dimensions[row].height = 20
        row += 1
        cell = ws.cell(row, 1)
        style.text(
            cell, "The LG Inform data pack for adult social care self-assessment", style.link
        )
        cell.hyperlink = framework.framework.data_pack_url
        row += 1
    row += 1
    style.text(ws.cell(row, 1), f"Source: {framework.framework.source}.", style.note)
    ws.row_dimensions[row].height = row_height([(framework.framework.source, GUIDANCE_WIDTH - 10)])
    print_setup(ws)
    # A little smaller rather than a last page with only the source on it.
    Pages(ws, GUIDANCE_WIDTH).fit_last_page(row + 1)
    protect(ws)
