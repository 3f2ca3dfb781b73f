"""``outputs/audits/audit-findings.xlsx``: compliance by standard and by team (with charts), the
criteria most often not met, and the audits counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.analysis.audits import AuditSummary, percent
from pipeline.forms.audit import SCORING_RULE
from pipeline.xlsx.write import Style, print_setup, row_height, save_atomic

if TYPE_CHECKING:
    from pipeline.framework import PracticeStandards
    from pipeline.workspace import Workspace


SUMMARY_SHEET, TEAMS_SHEET, NOT_MET_SHEET, AUDITS_SHEET = (
    "By standard",
    "By team",
    "Most often not met",
    "Audits",
)


TABLE_ROW = 5  # the header row of each sheet's table


def write_audit_findings(ws: Workspace, summary: AuditSummary) -> None:
    save_atomic(
        build_audit_findings(ws.standards, summary, ws.settings.council, ws), ws.audit_findings_xlsx
    )


def build_audit_findings(
    standards: PracticeStandards, summary: AuditSummary, council: str, ws: Workspace
) -> Any:
    from openpyxl import Workbook

    style = Style.load(ws.template("xlsx/style.toml"))
    wb = Workbook()
    _by_standard(wb.active, standards, summary, style, council)
    _by_team(wb.create_sheet(TEAMS_SHEET), standards, summary, style)
    _not_met(wb.create_sheet(NOT_MET_SHEET), summary, style)
    _audits(wb.create_sheet(AUDITS_SHEET), summary, style)
    for sheet in wb.worksheets:
        sheet.oddHeader.left.text = council
    wb.properties.title = "Case-file audit findings"
    wb.properties.creator = "selfassess"
    return wb


def _head(ws: Any, style: Style, title: str, intro: str, _width: float = 0) -> None:
    # The intro is merged across columns A to H: its height follows their widths.
    width = sum(ws.column_dimensions[c].width or 8.43 for c in "ABCDEFGH")
    style.text(ws["A1"], title, style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    ws.merge_cells("A2:H2")
    style.text(ws["A2"], intro)
    ws.row_dimensions[2].height = row_height([(intro, width)])
    ws.merge_cells("A3:H3")
    style.text(ws["A3"], f"How compliance is worked out: {SCORING_RULE}", style.note)
    ws.row_dimensions[3].height = row_height([(SCORING_RULE, width * 0.9)])


def _row(ws: Any, row: int, values: list[Any], style: Style, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col)
        style.text(cell, value, style.bold if bold else None)
        cell.border = style.border
        if col > 1 and not isinstance(value, str):
            cell.alignment = style.wrap_center
        if isinstance(value, float):
            cell.number_format = "0%"


HEADERS = ["Met", "Partly met", "Not met", "Not applicable", "Left blank", "Compliance"]


def _by_standard(
    ws: Any, standards: PracticeStandards, summary: AuditSummary, style: Style, council: str
) -> None:
    from openpyxl.chart import BarChart, Reference

    ws.title = SUMMARY_SHEET
    widths = {"A": 52, "B": 10, "C": 11, "D": 10, "E": 14, "F": 11, "G": 13}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    n = len(summary.audits)
    period = ""
    if summary.earliest and summary.latest:
        period = f", dated {summary.earliest:%d/%m/%Y} to {summary.latest:%d/%m/%Y}"
    intro = (
        f"{council}: {n} case-file audit{'s' * (n != 1)} against the {standards.title.lower()} "
        f"({standards.version_tag}){period}. Overall compliance "
        f"{percent(summary.overall.compliance)}. Each row counts the criteria of one standard "
        "across every audit."
    )
    _head(
        ws, style, "Case-file audit findings: compliance by standard", intro, sum(widths.values())
    )
    style.header_row(ws, TABLE_ROW, ["Standard", *HEADERS])
    ws.row_dimensions[TABLE_ROW].height = 30
    row = TABLE_ROW + 1
    for standard, tally in summary.by_standard:
        _row(ws, row, [standard.title, *_counts(tally)], style)
        ws.row_dimensions[row].height = row_height([(standard.title, widths["A"])])
        row += 1
    _row(ws, row, ["All standards", *_counts(summary.overall)], style, bold=True)
    last = row - 1
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = "Compliance by standard"
    chart.y_axis.title = "Compliance"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # Standard 1 at the top
    chart.legend = None
    data = Reference(ws, min_col=7, min_row=TABLE_ROW, max_row=last)
    cats = Reference(ws, min_col=1, min_row=TABLE_ROW + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 22
    ws.add_chart(chart, f"A{row + 2}")
    print_setup(ws)
    ws.page_setup.fitToHeight = 1  # the table and its chart on one page


def _counts(tally: Any) -> list[Any]:
    compliance = tally.compliance
    return [
        tally.met,
        tally.partly,
        tally.not_met,
        tally.not_applicable,
        tally.blank,
        compliance if compliance is not None else "–",
    ]


def _by_team(ws: Any, standards: PracticeStandards, summary: AuditSummary, style: Style) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    ws.column_dimensions["A"].width = 30
    codes = [s.code for s in standards.standards]
    for i in range(len(codes) + 2):
        ws.column_dimensions[get_column_letter(i + 2)].width = 11
    intro = (
        "Compliance of each team's audits, standard by standard (– where the team's audits "
        "answered none of a standard's criteria), and over all standards."
    )
    _head(ws, style, "Case-file audit findings: compliance by team", intro, 30 + 11 * 10)
    header = ["Team", "Audits", *[f"Standard {s.number}" for s in standards.standards], "All"]
    style.header_row(ws, TABLE_ROW, header)
    ws.row_dimensions[TABLE_ROW].height = 30
    counts: dict[str, int] = {}
    from pipeline.analysis.audits import team_name

    teams = {t.casefold(): t for t in summary.teams}
    for audit in summary.audits:
        team = teams[team_name(audit.team).casefold()]
        counts[team] = counts.get(team, 0) + 1
    row = TABLE_ROW + 1
    for team in summary.teams:
        values: list[Any] = [team, counts.get(team, 0)]
        for code in codes:
            tally = summary.by_team_standard.get((team, code))
            compliance = tally.compliance if tally is not None else None
            values.append(compliance if compliance is not None else "–")
        overall = summary.by_team[team].compliance
        values.append(overall if overall is not None else "–")
        _row(ws, row, values, style)
        row += 1
    last = row - 1
    if last >= TABLE_ROW + 1:
        chart = BarChart()
        chart.type = "col"
        chart.style = 10
        chart.title = "Compliance by team (all standards)"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.number_format = "0%"
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.legend = None
        all_col = len(header)
        chart.add_data(
            Reference(ws, min_col=all_col, min_row=TABLE_ROW, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=TABLE_ROW + 1, max_row=last))
        chart.height, chart.width = 8, 18
        ws.add_chart(chart, f"A{last + 3}")
    print_setup(ws)
    ws.page_setup.fitToHeight = 1  # the table and its chart on one page


def _not_met(ws: Any, summary: AuditSummary, style: Style) -> None:
    widths = {"A": 8, "B": 70, "C": 24, "D": 10, "E": 10, "F": 12}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    intro = (
        "The criteria found not met most often across the audits (ties: more often partly met "
        "first). Only criteria not met at least once are listed."
    )
    _head(ws, style, "Case-file audit findings: criteria most often not met", intro, 134)
    style.header_row(
        ws, TABLE_ROW, ["No.", "Criterion", "Standard", "Not met", "Partly met", "Answered"]
    )
    row = TABLE_ROW + 1
    for item in summary.most_not_met():
        tally = item.tally
        values: list[Any] = [
            item.criterion.code,
            item.criterion.text,
            item.standard.title,
            tally.not_met,
            tally.partly,
            tally.answered,
        ]
        _row(ws, row, values, style)
        ws.row_dimensions[row].height = row_height(
            [(item.criterion.text, widths["B"]), (item.standard.title, widths["C"])]
        )
        row += 1
    if row == TABLE_ROW + 1:
        style.text(ws.cell(row, 2), "No criterion was found not met.")
    print_setup(ws, repeat_rows=f"{TABLE_ROW}:{TABLE_ROW}")


def _audits(ws: Any, summary: AuditSummary, style: Style) -> None:
    widths = {"A": 40, "B": 18, "C": 24, "D": 12, "E": 24, "F": 11, "G": 11}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    intro = (
        "The audits counted, as returned (any NHS number, email or phone number typed in a "
        "case reference is masked here)."
    )
    _head(ws, style, "Case-file audits counted", intro, sum(widths.values()))
    style.header_row(
        ws,
        TABLE_ROW,
        [
            "File",
            "Case reference",
            "Team",
            "Audit date",
            "Auditor's post",
            "Answered",
            "Compliance",
        ],
    )
    row = TABLE_ROW + 1
    for audit in summary.audits:
        from pipeline.analysis.audits import Tally

        tally = Tally()
        for answer in audit.answers:
            tally.add(answer.finding)
        compliance = tally.compliance
        values: list[Any] = [
            audit.file,
            _shown_reference(audit.case_reference),
            audit.team,
            audit.date if audit.date else "",
            audit.auditor_post,
            tally.answered,
            compliance if compliance is not None else "–",
        ]
        _row(ws, row, values, style)
        ws.cell(row, 4).number_format = "DD/MM/YYYY"
        row += 1
    ws.auto_filter.ref = f"A{TABLE_ROW}:G{max(row - 1, TABLE_ROW)}"
    ws.freeze_panes = f"A{TABLE_ROW + 1}"
    print_setup(ws, repeat_rows=f"{TABLE_ROW}:{TABLE_ROW}")


def _shown_reference(reference: str) -> str:
    """The case reference, with personal data masked; one that looks like a name is not shown."""
    from pipeline.analysis.personal_data import mask_personal_data
    from pipeline.read.audits import case_reference_problem

    if case_reference_problem(reference):
        return "(looks like a name: not shown)"
    return mask_personal_data(reference)
