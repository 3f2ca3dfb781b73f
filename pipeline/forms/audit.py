"""The case-file audit workbook: one per audited case, every criterion of the practice assurance
standards with a finding (met, partly met, not met, not applicable) and the auditor's evidence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.identity import AUDIT, set_identity
from pipeline.xlsx.write import Style, list_validation, print_setup, protect, row_height

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, PracticeStandards


AUDIT_SHEET = "Audit"


# The audit's details: a case reference (never the person's name), the team, the date, the post.
CASE_CELL, TEAM_CELL, DATE_CELL, POST_CELL = "C4", "C5", "C6", "C7"


DETAIL_LABELS = {
    CASE_CELL: "Case reference (the case number, not the person's name)",
    TEAM_CELL: "Team",
    DATE_CELL: "Audit date",
    POST_CELL: "Auditor's post (not name)",
}


MET, PARTLY, NOT_MET, NOT_APPLICABLE = "Met", "Partly met", "Not met", "Not applicable"


FINDINGS = (MET, PARTLY, NOT_MET, NOT_APPLICABLE)


# How a finding scores towards compliance; "Not applicable" (and a blank) is left out.
SCORES = {MET: 1.0, PARTLY: 0.5, NOT_MET: 0.0}


SCORING_RULE = (
    "Compliance = (criteria met + half the criteria partly met) ÷ the criteria answered met, "
    "partly met or not met. Not applicable, and criteria left blank, are left out."
)


HEADER_ROW = 10


NUMBER_COL, CRITERION_COL, FINDING_COL, EVIDENCE_COL = "A", "B", "C", "D"


WIDTHS = {"A": 7, "B": 66, "C": 16, "D": 56}


HEADINGS = ("No.", "Criterion", "Finding (choose)", "Auditor's evidence (what the file shows)")


DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class AuditLayout:
    """Where everything is on the audit sheet: a heading row per standard, then a row per
    criterion."""

    standards: PracticeStandards

    @cached_property
    def rows(self) -> dict[str, int]:
        """The row of each criterion (by code)."""
        rows: dict[str, int] = {}
        row = HEADER_ROW + 1
        for standard in self.standards.standards:
            row += 1  # the standard's heading
            for criterion in standard.criteria:
                rows[criterion.code] = row
                row += 1
        return rows

    @cached_property
    def heading_rows(self) -> dict[str, int]:
        """The heading row of each standard (by code)."""
        return {s.code: self.rows[s.criteria[0].code] - 1 for s in self.standards.standards}

    def finding_cell(self, code: str) -> str:
        return f"{FINDING_COL}{self.rows[code]}"

    def evidence_cell(self, code: str) -> str:
        return f"{EVIDENCE_COL}{self.rows[code]}"

    @property
    def last_row(self) -> int:
        return max(self.rows.values())

    @property
    def input_cells(self) -> dict[str, set[str]]:
        cells = {CASE_CELL, TEAM_CELL, DATE_CELL, POST_CELL}
        for code in self.rows:
            cells |= {self.finding_cell(code), self.evidence_cell(code)}
        return {AUDIT_SHEET: cells}


def audit_identity(framework: Framework, standards: PracticeStandards) -> dict[str, str]:
    """The identity written into (and expected back from) a case-file audit."""
    return {
        "framework": framework.version_tag,
        "template": AUDIT.kind,
        "template_version": AUDIT.version,
        "standards": standards.version_tag,
        "criteria": str(len(standards.criteria)),
    }


def build_audit(
    framework: Framework, standards: PracticeStandards, style: Style, council: str = ""
) -> Workbook:
    """A blank case-file audit workbook, in memory."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws: Any = wb.active
    ws.title = AUDIT_SHEET
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    total = sum(WIDTHS.values())
    title = f"Case-file audit: {standards.title}"
    ws.merge_cells("A1:D1")
    style.text(ws["A1"], title, style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    intro = (
        "One workbook per case audited. Give the case reference (the case number in the "
        "case-recording system, never the person's name or NHS number), the team, the date and "
        "your post. For each criterion choose Met, Partly met, Not met or Not applicable, and say "
        "what the case file shows. Save it (keep it as .xlsx) and send it back: the returned "
        "audits go in the workspace's inputs/audits/ folder."
    )
    ws.merge_cells("A2:D2")
    style.text(ws["A2"], intro)
    ws.row_dimensions[2].height = row_height([(intro, total)])
    for ref, label in DETAIL_LABELS.items():
        row = int(ref[1:])
        ws.merge_cells(f"A{row}:B{row}")  # the label, across the number and criterion columns
        label_cell = ws[f"A{row}"]
        style.text(label_cell, label, style.bold)
        label_cell.fill = style.label_fill
        label_cell.border = style.border
        ws.merge_cells(f"{ref}:D{row}")  # the answer, across the finding and evidence columns
        style.input(ws[ref])
        ws.row_dimensions[row].height = 20
    ws[DATE_CELL].number_format = DATE_FORMAT
    ws[DATE_CELL].alignment = Alignment(horizontal="left", vertical="top")
    date_rule = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not a date",
        error="Type the date of the audit, e.g. 14/11/2026.",
        showInputMessage=True,
        promptTitle="Audit date",
        prompt="The date of the audit, e.g. 14/11/2026.",
    )
    ws.add_data_validation(date_rule)
    date_rule.add(DATE_CELL)
    note = f"How the findings count: {SCORING_RULE}"
    ws.merge_cells("A8:D8")
    style.text(ws["A8"], note, style.note)
    ws.row_dimensions[8].height = row_height([(note, total)])
    style.header_row(ws, HEADER_ROW, list(HEADINGS))
    ws.row_dimensions[HEADER_ROW].height = 30
    layout = AuditLayout(standards)
    for standard in standards.standards:
        heading = layout.heading_rows[standard.code]
        ws.merge_cells(f"A{heading}:D{heading}")
        text = standard.title + (f" — {standard.introduction}" if standard.introduction else "")
        style.text(ws[f"A{heading}"], text, style.heading)
        ws[f"A{heading}"].fill = style.label_fill
        ws.row_dimensions[heading].height = row_height([(text, total * 0.8)], 18)
        for criterion in standard.criteria:
            row = layout.rows[criterion.code]
            style.text(ws[f"{NUMBER_COL}{row}"], criterion.code, style.bold)
            ws[f"{NUMBER_COL}{row}"].alignment = style.wrap_center
            style.text(ws[f"{CRITERION_COL}{row}"], criterion.text)
            for cell in (ws[f"{NUMBER_COL}{row}"], ws[f"{CRITERION_COL}{row}"]):
                cell.border = style.border
            style.input(ws[layout.finding_cell(criterion.code)])
            style.input(ws[layout.evidence_cell(criterion.code)])
            ws.row_dimensions[row].height = max(
                48.0, row_height([(criterion.text, WIDTHS[CRITERION_COL])])
            )
    first = HEADER_ROW + 2
    list_validation(
        ws,
        f"{FINDING_COL}{first}:{FINDING_COL}{layout.last_row}",
        list(FINDINGS),
        "Finding",
        "Met, Partly met, Not met, or Not applicable (the criterion does not apply to this case).",
    )
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.oddHeader.left.text = council
    protect(ws)
    set_identity(wb, audit_identity(framework, standards))
    wb.properties.title = title
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb
