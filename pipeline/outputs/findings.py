"""``outputs/stage1/findings.xlsx``: the Stage 1 findings, one sheet per quality statement.

A summary sheet, then one sheet per quality statement: the emerging findings first, a native
Excel chart of the rating distribution, the numbers behind it, the breakdown by respondent group
and every evidence comment, attributed to its group and never to a name (SPEC §6). Nothing here
names a file or a respondent: the workbook may be passed on to lead officers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx import fast_writer as xlsx_fast
from pipeline.xlsx.write import Pages, Style, atomic_path, print_setup, save_atomic, write_text

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework
    from pipeline.model.stage1 import CollectResult, GroupResult, QSResult, StatementResult
    from pipeline.settings import Stage1Settings
    from pipeline.workspace import Workspace

SUMMARY_SHEET = "Summary"
# Columns of a quality statement sheet: number, statement, then ten narrow figure columns.
NUMBER_WIDTH, STATEMENT_WIDTH, FIGURE_WIDTH = 6, 58, 11
# Column D, "Don't know" in the table and the group of each comment, is wider.
GROUP_WIDTH = 20
FIGURE_COLUMNS = "CDEFGHIJKL"
TABLE_HEADERS = [
    "No.",
    "Statement",
    "Responses",
    "Don't know",
    "1 Strongly disagree",
    "2 Tend to disagree",
    "3 Tend to agree",
    "4 Strongly agree",
    "% agree",
    "Mean (1-4)",
    "Divergent views",
    "Evidence gap",
]
# Rating colours, red (disagree) to green (agree), grey for don't know.
RATING_COLOURS = {1: "C00000", 2: "F4B183", 3: "A9D18E", 4: "548235", 0: "A6A6A6"}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
# Words a shortened sheet name must not end on.
_DANGLING = frozenset(("and", "or", "of", "the", "in", "to", "for", "with", "a", "an", "&", "on"))
# The summary sheet's merged paragraphs span 147 characters of columns; their height is
# estimated for fewer, as Arial's lines hold fewer characters than _height assumes for them.
_PROSE_WIDTH = 120
_DEFAULT_ROW_CM = 0.53  # a 15-point row
LINE_HEIGHT = 15.0  # points per wrapped line, as row_height() counts


class _Looks:
    """Cell looks (font, alignment, border, number format) by name, put on cells.

    With ``rows_as_data`` a look is made once and copied to cells, and comment rows are kept as
    data for :func:`pipeline.xlsx.fast_writer.save_fast` (both through openpyxl's private API, in
    ``pipeline.xlsx.fast_writer``): setting looks one by one makes openpyxl look each up in the
    workbook's style tables, which dominates writing thousands of comment rows. Without it only
    openpyxl's public API is used: slower, the same file.
    """

    def __init__(self, style: Style, rows_as_data: bool = False) -> None:
        self.style = style
        # With rows_as_data, put_row keeps plain rows for save_fast instead of making cells.
        self.rows_as_data = rows_as_data
        self.recipes: dict[str, tuple[Any, Any, str]] = {
            "number": (style.bold, style.wrap_center, "General"),
            "text": (style.body, style.wrap, "General"),
            "centre": (style.body, style.wrap_center, "General"),
            "flag": (style.warning, style.wrap_center, "General"),
            "percent": (style.body, style.wrap_center, "0%"),
            "mean": (style.body, style.wrap_center, "0.0"),
        }
        self.made: dict[str, Any] = {}

    def put(self, ws: Any, row: int, col: int, value: object, look: str) -> Any:
        """Write ``value`` (user text stays text) into a bordered cell with ``look``."""
        made = self.made.get(look) if self.rows_as_data else None
        if made is None:
            cell = ws.cell(row, col)
            font, alignment, number_format = self.recipes[look]
            cell.font, cell.alignment, cell.border = font, alignment, self.style.border
            cell.number_format = number_format
            if self.rows_as_data:
                self.made[look] = xlsx_fast.look_of(cell)
        else:
            cell = xlsx_fast.styled_cell(ws, row, col, made)
        write_text(cell, value)
        return cell

    def text(self, cell: Any, value: object, font: Any = None, wrap: bool = True) -> None:
        """``style.text(cell, value, font, wrap)``; with ``rows_as_data``, a fresh cell gets a
        copy of the look made once (font and alignment), as ``put`` does."""
        if not self.rows_as_data or cell.has_style:
            self.style.text(cell, value, font, wrap)
            return
        font = font or self.style.body
        key = f"text {id(font)} {wrap}"
        made = self.made.get(key)
        if made is None:  # made on a cell of its own, as style.text would make it here
            scratch = self.scratch(cell.parent).cell(1, 1)
            self.style.text(scratch, None, font, wrap)
            made = self.made[key] = xlsx_fast.look_of(scratch)
        xlsx_fast.restyle(cell, made)
        write_text(cell, value)

    def header_row(self, ws: Any, row: int, labels: list[str]) -> None:
        """``style.header_row(ws, row, labels)``; with ``rows_as_data``, each fresh cell gets a
        copy of the header look made once."""
        if not self.rows_as_data:
            self.style.header_row(ws, row, labels)
            return
        made = self.made.get("header")
        if made is None:  # made on a cell of its own, as header_row would make it here
            scratch = self.scratch(ws)
            self.style.header_row(scratch, 1, [""])
            made = self.made["header"] = xlsx_fast.look_of(scratch.cell(1, 1))
        for col, label in enumerate(labels, start=1):
            cell = ws.cell(row=row, column=col)
            if cell.has_style:
                self.style.text(cell, label, self.style.header)
                cell.fill, cell.border = self.style.header_fill, self.style.border
            else:
                xlsx_fast.restyle(cell, made)
                write_text(cell, label)

    def merge(self, ws: Any, ref: str) -> None:
        """``ws.merge_cells(ref)``; with ``rows_as_data``, made as cheaply as the fast writer can
        (``xlsx_fast.merge_cells``: the same merged range and cells)."""
        if self.rows_as_data:
            xlsx_fast.merge_cells(ws, ref)
        else:
            ws.merge_cells(ref)

    def put_row(self, ws: Any, row: int, values: list[tuple[object, str]], height: float) -> None:
        """``put`` each (value, look) from column A on, and set the row's height.

        With ``rows_as_data`` (for a workbook that :func:`save_fast` writes), the row is kept
        as data beside the sheet rather than as openpyxl cells, which cost far more to make
        and to write: thousands of comment rows are most of the findings workbook. The file
        written is the same (see ``xlsx_fast._materialise``); the sheet in memory lacks these
        rows.
        """
        if not self.rows_as_data:
            for col, (value, look) in enumerate(values, start=1):
                self.put(ws, row, col, value, look)
            ws.row_dimensions[row].height = height
            return
        kept: list[tuple[object, Any]] = []
        for value, look in values:
            made = self.made.get(look)
            if made is None:  # made on a cell of its own, as put() would make it here
                self.put(self.scratch(ws), 1, 1, None, look)
                made = self.made[look]
            kept.append((value, made))
        xlsx_fast.keep_row(ws, row, height, kept)

    def scratch(self, ws: Any) -> Any:
        """A sheet of no workbook's, for making a look (styles go into ``ws``'s workbook)."""
        from openpyxl.worksheet.worksheet import Worksheet

        sheet = Worksheet(ws.parent, "scratch")
        return sheet


def write_findings(
    ws: Workspace, result: CollectResult, openpyxl_version: str | None = None
) -> Path:
    """Write ``outputs/stage1/findings.xlsx`` atomically; returns its path.

    With an openpyxl (``openpyxl_version``, by default the installed one) that the fast writer
    was checked against, through :func:`pipeline.xlsx.fast_writer.save_fast`; with any other,
    through openpyxl's public API only.
    """
    style = Style.load(ws.template("xlsx/style.toml"))
    fast = xlsx_fast.fast_writer_supports(openpyxl_version or xlsx_fast.installed_openpyxl())
    wb = build_findings(
        ws.framework, result, style, ws.settings.council, ws.settings.stage1, rows_as_data=fast
    )
    if not fast:
        save_atomic(wb, ws.findings_xlsx)
        return ws.findings_xlsx
    with atomic_path(ws.findings_xlsx) as tmp:
        xlsx_fast.save_fast(wb, tmp)
    return ws.findings_xlsx


def build_findings(
    framework: Framework,
    result: CollectResult,
    style: Style,
    council: str,
    settings: Stage1Settings,
    today: dt.date | None = None,
    rows_as_data: bool = False,
) -> Workbook:
    """The findings workbook, in memory (with ``rows_as_data``, only for
    :func:`pipeline.xlsx.fast_writer.save_fast`: the comment rows are kept beside each sheet rather
    than as cells; see ``_Looks.put_row``). Without it, made with openpyxl's public API only."""
    from openpyxl import Workbook

    wb = Workbook()
    names = sheet_names([f"{qs.code} {qs.name}" for qs in result.results])
    looks = _Looks(style, rows_as_data)
    _summary_sheet(wb.active, framework, result, style, looks, council, settings, names, today)
    for qs, name in zip(result.results, names, strict=True):
        _qs_sheet(wb.create_sheet(name), framework, qs, style, looks, settings)
    # The lived-experience view, after the quality statements (outputs/findings_voices.py).
    from pipeline.outputs.findings_voices import voices_sheet

    voices_sheet(
        wb.create_sheet(), framework, result, style, settings, settings.mask_personal_data, looks
    )
    wb.properties.title = f"Stage 1 findings{' — ' + council if council else ''}"
    wb.properties.creator = "selfassess"
    return wb


def sheet_names(titles: list[str]) -> list[str]:
    """Sheet names Excel accepts (31 characters, none of ``[]:*?/\\``), cut at a word."""
    names = []
    for title in titles:
        name = _SHEET_NAME_BAD.sub(" ", title).strip()
        if len(name) > 31:
            words = name[:32].rsplit(" ", 1)[0].rstrip(" ,;-")[:31].split(" ")
            # End on a word that carries meaning, not a dangling "and" or "of".
            while len(words) > 2 and words[-1].lower().strip(",;-") in _DANGLING:
                words.pop()
            name = " ".join(words).rstrip(" ,;-")
        names.append(name)
    return names


# --------------------------------------------------------------------------------------------
# Summary


def _summary_sheet(
    ws: Any,
    framework: Framework,
    result: CollectResult,
    style: Style,
    looks: _Looks,
    council: str,
    settings: Stage1Settings,
    names: list[str],
    today: dt.date | None,
) -> None:
    ws.title = SUMMARY_SHEET
    # Column A shows each quality statement's name whole: LibreOffice prints a link on one
    # line, cut at the column's edge.
    widths = {"A": 50, "B": 11, "C": 11, "D": 11, "E": 16, "F": 16, "G": 16, "H": 16}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    looks.text(ws["A1"], "Stage 1 findings: what the checklists say", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    if council:
        looks.text(ws["A2"], council, style.heading, wrap=False)
    day = today or dt.date.today()
    when = f"{day.day} {day:%B %Y}"
    errors = sum(1 for f in result.findings.errors if f not in result.skipped)
    warnings = len(result.findings.warnings)
    lines = [f"Collected on {when} from {_sources_said(result)}."]
    if result.skipped:
        lines.append(
            f"{_plural(len(result.skipped), 'file')} could not be read and "
            f"{'is' if len(result.skipped) == 1 else 'are'} not included: run `selfassess "
            "collect` to see which and why."
        )
    personal = sum(1 for f in result.findings if f.code == "personal-data")
    warnings -= personal  # said apart, just below
    if personal:
        one = personal == 1
        shown = (
            f"{'it is' if one else 'they are'} masked in this workbook"
            if settings.mask_personal_data
            else f"{'it is' if one else 'they are'} shown as typed (mask_personal_data = false "
            "in selfassess.toml): check before passing this workbook on"
        )
        lines.append(
            f"{_plural(personal, 'piece')} of what looks like personal data (an email address, "
            f"a phone number...) {'was' if one else 'were'} found in the comments: {shown}; "
            "`selfassess collect` lists where, so that the returns can be corrected."
        )
    if errors or warnings:
        lines.append(
            f"The returns read had {_plural(errors, 'error')} and {_plural(warnings, 'warning')}"
            " (for example a rating not on the scale, or text typed outside the form): run "
            "`selfassess validate` to see them."
        )
    _merged(ws, 3, " ".join(lines), style, looks, "H", _PROSE_WIDTH)

    header = 5
    looks.header_row(
        ws,
        header,
        [
            "Quality statement",
            "Returns",
            "Ratings (1-4)",
            "% agree",
            "Emerging strengths",
            "Emerging areas for improvement",
            "Divergent views",
            "Evidence gaps",
        ],
    )
    ws.row_dimensions[header].height = 47  # three lines: "Emerging areas for improvement"
    for col in range(2, 9):
        ws.cell(header, col).alignment = style.wrap_center
    for row, (qs, name) in enumerate(zip(result.results, names, strict=True), start=header + 1):
        rated = sum(s.rated for s in qs.statements)
        agreed = sum(s.counts[3] + s.counts[4] for s in qs.statements)
        link = ws.cell(row, 1)
        looks.text(link, f"{qs.code} {qs.name}", style.link)
        link.hyperlink = f"#'{name}'!A1"
        values: list[object] = [
            qs.returns,
            rated,
            agreed / rated if rated else "—",
            _numbers(qs.emerging_strengths),
            _numbers(qs.emerging_improvements),
            _numbers(qs.divergent),
            _numbers(qs.evidence_gaps),
        ]
        for col, value in enumerate(values, start=2):
            looks.put(ws, row, col, value, "percent" if col == 4 else "centre")
        link.border = style.border
        longest = max((str(v) for v in values), key=len)
        ws.row_dimensions[row].height = max(20.0, _height(longest, 15, narrow=True))
    row = header + len(result.results) + 1
    looks.text(
        ws.cell(row, 1),
        "Strengths, areas for improvement, divergent views and evidence gaps are listed by "
        "statement number; each quality statement's sheet gives the statements in full.",
        style.note,
        wrap=False,
    )
    row += 2
    looks.text(ws.cell(row, 1), "How to read these findings", style.heading, wrap=False)
    for text in _definitions(framework, settings):
        row += 1
        _merged(ws, row, text, style, looks, "H", _PROSE_WIDTH)
    print_setup(ws)
    # One page when the definitions would run a few lines onto a second.
    Pages(ws, sum(widths.values())).fit_last_page(row + 1, share=0.5, most=0.45)


def _sources_said(result: CollectResult) -> str:
    """``48 returned checklists``, with any workshops and survey responses besides."""
    checklists = sum(qs.sources.checklists for qs in result.results)
    workshops = sum(len(qs.sources.workshops) for qs in result.results)
    survey = sum(qs.sources.survey_responses for qs in result.results)
    if not workshops and not survey:
        return _plural(result.returns, "returned checklist")
    parts = [_plural(checklists, "returned checklist")]
    if workshops:
        parts.append(_plural(workshops, "workshop or group return"))
    if survey:
        parts.append(_plural(survey, "survey response"))
    said = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{said} (see ‘People who use services’ for where the views came from)"


def _definitions(framework: Framework, settings: Stage1Settings) -> list[str]:
    scale = ", ".join(r.display for r in framework.rating_scale)
    share = _percent(settings.divergence_share)
    return [
        f"Ratings: {scale}. Responses count every rating including don't know; blank ratings "
        "are not responses.",
        "% agree: ratings of 3 or 4 as a share of all ratings from 1 to 4 (don't know is left "
        "out). Mean: the average of the ratings from 1 to 4.",
        f"Divergent views: at least {share} of the ratings from 1 to 4 on each side (1-2 and "
        f"3-4), or two respondent groups with at least {settings.group_min_ratings} ratings "
        f"each whose means differ by {settings.group_mean_gap:g} or more.",
        f"Evidence gap: don't know is at least {_percent(settings.dont_know_gap_share)} of "
        f"responses, or fewer than {_percent(settings.evidence_min_share)} of the ratings from 1 "
        "to 4 come with any evidence text.",
        f"Emerging strengths: up to {settings.emerging_count} statements with the highest % "
        f"agree, where more than half agree, with at least {settings.min_ratings_for_strength} "
        "ratings and no divergent views. Emerging areas for improvement: up to "
        f"{settings.emerging_count} with the lowest % agree, where fewer than "
        f"{_percent(settings.improvement_max_agree_share)} agree, below every emerging strength, "
        "with the same conditions.",
        "Comments are shown with the respondent's group only, never a name. These are emerging "
        "findings to test in Stage 2, not conclusions.",
    ]


# --------------------------------------------------------------------------------------------
# One quality statement


def _qs_sheet(
    ws: Any,
    framework: Framework,
    qs: QSResult,
    style: Style,
    looks: _Looks,
    settings: Stage1Settings,
) -> None:
    ws.column_dimensions["A"].width = NUMBER_WIDTH
    ws.column_dimensions["B"].width = STATEMENT_WIDTH
    groups = _groups(qs)
    last_col = max(len(FIGURE_COLUMNS), len(groups)) + 2
    for col in range(3, last_col + 1):
        ws.column_dimensions[_letter(col)].width = FIGURE_WIDTH
    ws.column_dimensions["D"].width = GROUP_WIDTH
    page_width = NUMBER_WIDTH + STATEMENT_WIDTH + FIGURE_WIDTH * len(FIGURE_COLUMNS)
    page_width += GROUP_WIDTH - FIGURE_WIDTH

    theme = framework.theme_of(qs.code).name
    looks.text(ws["A1"], f"{qs.code} {qs.name}: Stage 1 findings", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    returns = _plural(qs.returns, "returned checklist") if qs.returns else "No returns yet"
    looks.text(ws["A2"], f"Theme: {theme}. {returns}.", style.note, wrap=False)
    we = framework.quality_statement(qs.code).we_statement
    looks.merge(ws, "A3:L3")
    style.labelled(ws["A3"], "We statement", we)
    ws.row_dimensions[3].height = _height(f"We statement\n{we}", page_width)
    if not qs.returns:
        # One short block, not pages of empty tables and an empty chart.
        looks.text(
            ws["A5"],
            "No Stage 1 checklists have been returned for this quality statement yet, so there "
            "are no ratings, findings or comments to show.",
            style.note,
            wrap=False,
        )
        print_setup(ws)
        return

    # The chart first: what people see at a glance; it reads the table further down.
    row = 5
    looks.text(ws.cell(row, 1), "Rating distribution", style.heading, wrap=False)
    chart_row = row + 1
    chart_height = max(7.5, 0.7 * len(qs.statements) + 3.5)
    chart_rows = math.ceil(chart_height / _DEFAULT_ROW_CM) + 1
    for r in range(chart_row, chart_row + chart_rows):
        ws.row_dimensions[r].height = LINE_HEIGHT
    row = chart_row + chart_rows + 1

    looks.text(ws.cell(row, 1), "Emerging findings", style.heading, wrap=False)
    row += 1
    enough = (
        f"None yet: no statement has {settings.min_ratings_for_strength} or more ratings "
        "without divergent views"
    )
    blocks = [
        (
            "Emerging strengths (highest % agree, most agree, no divergent views)",
            qs.emerging_strengths,
            _describe,
            f"{enough} where most agree." if qs.returns else "No returns yet.",
        ),
        (
            f"Emerging areas for improvement (lowest % agree, below "
            f"{_percent(settings.improvement_max_agree_share)}, no divergent views)",
            qs.emerging_improvements,
            _describe,
            qs.no_improvements or "No returns yet.",
        ),
        ("Divergent views", qs.divergent, _why_divergent, "None."),
        ("Evidence gaps", qs.evidence_gaps, _why_gap, "None."),
    ]
    pages = Pages(ws, page_width + FIGURE_WIDTH * max(0, len(groups) - len(FIGURE_COLUMNS)))
    pages.keep(1, row)  # the title, the we statement and the chart
    for n, (label, statements, describe, none) in enumerate(blocks):
        start = row - 1 if n == 0 else row  # the first with the "Emerging findings" heading
        row = _finding_block(ws, row, label, statements, describe, none, style, looks, page_width)
        pages.keep(start, row)

    row += 1
    start = row
    looks.text(ws.cell(row, 1), "Ratings by statement", style.heading, wrap=False)
    header = row + 1
    _ratings_header(ws, header, style)
    # Where the table runs onto another page, its header row is written again at the top.
    heights = [_height(s.text, STATEMENT_WIDTH) for s in qs.statements]
    copies = pages.table(start, header, heights)
    row, parts = header, []  # parts: the (first, last) rows of each run of statements
    for i, s in enumerate(qs.statements):
        row += 1
        if i in copies:
            _ratings_header(ws, row, style, continued=True)
            row += 1
        if i == 0 or i in copies:
            parts.append((row, row))
        parts[-1] = (parts[-1][0], row)
        _statement_row(ws, row, s, looks)
    most = max((s.responses for s in qs.statements), default=0)
    _chart(ws, f"A{chart_row}", header, parts, chart_height, most)

    row += 2
    row = _group_table(ws, row, qs, groups, style, looks, settings, page_width, pages)
    row += 1
    # The heading, the note, the header row and the first comments (written as data, so
    # their heights are not in the sheet yet).
    pages.keep(row, row + 1, need=LINE_HEIGHT * 8)
    comments = _comments(
        ws, row, qs, style, looks, framework, page_width, settings.mask_personal_data
    )
    # The comments run over many pages: their header row is printed at the top of each.
    print_setup(ws, repeat_rows=f"{comments}:{comments}" if comments else None)


def _finding_block(
    ws: Any,
    row: int,
    label: str,
    statements: list[StatementResult],
    describe: Callable[[StatementResult], str],
    none: str,
    style: Style,
    looks: _Looks,
    page_width: float,
) -> int:
    looks.merge(ws, f"A{row}:L{row}")
    cell = ws.cell(row, 1)
    looks.text(cell, label, style.bold, wrap=False)
    cell.fill = style.label_fill
    row += 1
    if not statements:
        looks.text(ws.cell(row, 2), none, style.note, wrap=False)
        return row + 2
    for s in statements:
        number = ws.cell(row, 1)
        looks.text(number, s.number, style.bold)
        number.alignment = style.wrap_center
        looks.merge(ws, f"B{row}:L{row}")
        text = f"{s.text} — {describe(s)}"
        looks.text(ws.cell(row, 2), text)
        ws.row_dimensions[row].height = _height(text, page_width - NUMBER_WIDTH)
        row += 1
    return row + 1


def _describe(s: StatementResult) -> str:
    """``86% agree (6 of 7 ratings), mean 3.3; 2 don't know; 3 with evidence``."""
    parts = []
    if s.rated:
        agreed = s.counts[3] + s.counts[4]
        parts.append(
            f"{s.percent_agree:.0f}% agree ({agreed} of {_plural(s.rated, 'rating')}), "
            f"mean {s.mean:.1f}"
        )
    if s.dont_know:
        parts.append(f"{s.dont_know} don't know")
    if s.rated:
        parts.append(f"{s.with_evidence} of {s.rated} ratings with evidence")
    return "; ".join(parts) or "no responses"


def _why_divergent(s: StatementResult) -> str:
    reasons = []
    if s.split_views:
        low, high = s.counts[1] + s.counts[2], s.counts[3] + s.counts[4]
        reasons.append(f"views split: {low} disagree and {high} agree of {s.rated} ratings")
    if s.groups_apart is not None:
        high_group, low_group = s.groups_apart
        high_mean, low_mean = s.by_group[high_group].mean, s.by_group[low_group].mean
        reasons.append(
            f"groups differ: {high_group} mean {high_mean:.1f}, {low_group} mean {low_mean:.1f}"
        )
    return "; ".join(reasons)


def _why_gap(s: StatementResult) -> str:
    reasons = []
    if s.many_dont_know:
        reasons.append(f"{s.dont_know} of {_plural(s.responses, 'response')} are don't know")
    if s.little_evidence:
        reasons.append(f"only {s.with_evidence} of {_plural(s.rated, 'rating')} give evidence")
    return "; ".join(reasons)


def _ratings_header(ws: Any, row: int, style: Style, continued: bool = False) -> None:
    """The ratings table's header row (``continued``: again, at the top of a later page)."""
    labels = list(TABLE_HEADERS)
    if continued:
        labels[1] = "Statement (continued)"
    style.header_row(ws, row, labels)
    ws.row_dimensions[row].height = 45
    for col in range(3, len(TABLE_HEADERS) + 1):
        ws.cell(row, col).alignment = style.wrap_center


def _statement_row(ws: Any, row: int, s: StatementResult, looks: _Looks) -> None:
    values: list[tuple[object, str]] = [
        (s.number, "number"),
        (s.text, "text"),
        (s.responses, "centre"),
        (s.dont_know, "centre"),
        *((s.counts[rating], "centre") for rating in (1, 2, 3, 4)),
        (s.percent_agree / 100 if s.percent_agree is not None else "—", "percent"),
        (s.mean if s.mean is not None else "—", "mean"),
        ("Yes" if s.divergent else "", "flag"),
        ("Yes" if s.evidence_gap else "", "flag"),
    ]
    for col, (value, look) in enumerate(values, start=1):
        looks.put(ws, row, col, value, look)
    ws.row_dimensions[row].height = _height(s.text, STATEMENT_WIDTH)


def _chart(
    ws: Any, anchor: str, header: int, parts: list[tuple[int, int]], height_cm: float, most: int
) -> None:
    """A stacked horizontal bar per statement: how many chose each rating. ``parts``: the
    first and last rows of each run of statement rows (the table's header row is repeated
    between runs where it runs over a page); the chart reads them as one range."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 50
    chart.title = "Number of responses for each rating, by statement"
    chart.style = 10
    chart.y_axis.title = "Responses"
    chart.x_axis.title = "Statement"
    chart.x_axis.scaling.orientation = "maxMin"  # statement 1 at the top, as in the table
    chart.y_axis.majorGridlines = None
    # Counts of people: whole numbers on the axis (no 0.5, 1.5), about ten steps at most.
    chart.y_axis.number_format = "0"
    chart.y_axis.majorUnit = max(1, math.ceil(most / 10))
    chart.y_axis.scaling.min = 0
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"

    # Ratings 1-4 (columns E-H), then don't know (column D), each titled by its header.
    def rows(col: int) -> str:
        """The statement rows of column ``col``: one range, or a union of ranges."""
        ranges = [str(Reference(ws, min_col=col, min_row=a, max_row=b)) for a, b in parts]
        return ranges[0] if len(ranges) == 1 else f"({','.join(ranges)})"

    first = parts[0][1]
    for col in (5, 6, 7, 8, 4):
        data = Reference(ws, min_col=col, max_col=col, min_row=header, max_row=first)
        chart.add_data(data, titles_from_data=True)
        chart.series[-1].val.numRef.f = rows(col)
    chart.set_categories(Reference(ws, min_col=1, max_col=1, min_row=header + 1, max_row=first))
    for series in chart.series:
        series.cat.numRef.f = rows(1)
    for series, rating in zip(chart.series, (1, 2, 3, 4, 0), strict=True):
        series.graphicalProperties.solidFill = RATING_COLOURS[rating]
        series.graphicalProperties.line.solidFill = RATING_COLOURS[rating]
    chart.width = 30.0
    chart.height = height_cm
    ws.add_chart(chart, anchor)


def _groups(qs: QSResult) -> list[str]:
    """The groups with a return for this quality statement, in framework order."""
    groups: list[str] = []
    for s in qs.statements:
        for group in s.by_group:
            if group not in groups:
                groups.append(group)
    return groups


def _group_table(
    ws: Any,
    row: int,
    qs: QSResult,
    groups: list[str],
    style: Style,
    looks: _Looks,
    settings: Stage1Settings,
    page_width: float,
    pages: Pages,
) -> int:
    start = row
    looks.text(ws.cell(row, 1), "By respondent group", style.heading, wrap=False)
    row += 1
    note = (
        "Each cell: % agree and mean of the group's ratings from 1 to 4, how many, and any "
        f"don't know. Groups with at least {settings.group_min_ratings} ratings whose means "
        f"differ by {settings.group_mean_gap:g} or more show divergent views ('Not given' is "
        "not compared)."
    )
    _merged(ws, row, note, style, looks, "L", page_width, style.note)
    row += 1
    if not groups:
        looks.text(ws.cell(row, 2), "No returns yet.", style.note, wrap=False)
        pages.keep(start, row + 1)
        return row + 1

    def header_row(row: int, continued: bool = False) -> None:
        statement = "Statement (continued)" if continued else "Statement"
        looks.header_row(ws, row, ["No.", statement, *groups])
        # A group's name wraps in its narrow column ("Voluntary and community sector").
        names = [_height(group, FIGURE_WIDTH - 2, narrow=True) for group in groups]
        ws.row_dimensions[row].height = max(45.0, *names)
        for col in range(3, len(groups) + 3):
            ws.cell(row, col).alignment = style.wrap_center

    header_row(row)
    cells = [[_group_cell(s.by_group.get(group)) for group in groups] for s in qs.statements]
    # In the narrow centred cells words wrap early: "100% agree" takes two lines.
    heights = [
        max(
            [_height(s.text, STATEMENT_WIDTH)] + [_height(t, FIGURE_WIDTH - 2, True) for t in texts]
        )
        for s, texts in zip(qs.statements, cells, strict=True)
    ]
    # Where the table runs onto another page, its header row is written again at the top.
    copies = pages.table(start, row, heights)
    for i, (s, texts) in enumerate(zip(qs.statements, cells, strict=True)):
        row += 1
        if i in copies:
            header_row(row, continued=True)
            row += 1
        looks.put(ws, row, 1, s.number, "number")
        looks.put(ws, row, 2, s.text, "text")
        for col, text in enumerate(texts, start=3):
            looks.put(ws, row, col, text, "centre")
        ws.row_dimensions[row].height = heights[i]
    return row + 1


def _group_cell(result: GroupResult | None) -> str:
    if result is None or not result.responses:
        return "—"
    parts = []
    rated = sum(result.counts.values())
    if rated:
        parts.append(f"{result.percent_agree:.0f}% agree\nmean {result.mean:.1f}\n({rated} rated)")
    if result.dont_know:
        parts.append(f"{result.dont_know} don't know")
    return "\n".join(parts)


def _comments(
    ws: Any,
    row: int,
    qs: QSResult,
    style: Style,
    looks: _Looks,
    framework: Framework,
    page_width: float,
    mask: bool,
) -> int | None:
    """The evidence comments from ``row``; the row of their table's header (None: none)."""
    from pipeline.analysis.personal_data import mask_personal_data
    from pipeline.xlsx.write import split_for_cells

    looks.text(ws.cell(row, 1), "Evidence comments", style.heading, wrap=False)
    row += 1
    total = sum(len(s.comments) for s in qs.statements)
    masked = " (anything that looks like personal data masked)" if mask else ""
    note = (
        f"Every comment given, by statement, as typed{masked}; attributed to the respondent's "
        f"group, never to a name. {_plural(total, 'comment')}."
    )
    _merged(ws, row, note, style, looks, "L", page_width, style.note)
    row += 1
    if not total:
        return None
    labels = {r.value: r.display for r in framework.rating_scale}
    # There may be thousands of comments: no merged cells here (openpyxl checks each merge
    # against every other), and looks are copied (see _Looks).
    looks.header_row(ws, row, ["No.", "Comment", "Rating", "Group"])
    header = row
    heights: dict[str, float] = {}
    for s in qs.statements:
        for group, rating, text in s.comments:
            row += 1
            label = "—" if rating is None else labels.get(rating, "—")
            if mask:
                text = mask_personal_data(text)
            if group not in heights:
                heights[group] = _height(group, GROUP_WIDTH, narrow=True)
            # Text longer than a cell holds goes on as many rows as it needs, each saying so:
            # the Comment cells of those rows, joined, are the whole text.
            pieces = split_for_cells(text)
            for part, piece in enumerate(pieces, start=1):
                if part > 1:
                    row += 1
                who = group
                if len(pieces) > 1:
                    who = f"{group} (comment continued: part {part} of {len(pieces)})"
                height = max(_height(piece, STATEMENT_WIDTH), heights[group], 2 * LINE_HEIGHT)
                values = [(s.number, "number"), (piece, "text"), (label, "text"), (who, "text")]
                looks.put_row(ws, row, values, height)
    return header


# --------------------------------------------------------------------------------------------
# Small helpers


def _merged(
    ws: Any,
    row: int,
    text: str,
    style: Style,
    looks: _Looks,
    last: str,
    width: float,
    font: Any = None,
) -> None:
    looks.merge(ws, f"A{row}:{last}{row}")
    looks.text(ws[f"A{row}"], text, font)
    ws.row_dimensions[row].height = _height(text, width)


def _height(text: str, width: float, narrow: bool = False) -> float:
    """A row height that shows ``text`` wrapped in a column ``width`` characters wide.

    Body text fits about 15% more characters per line than ``row_height`` assumes; in narrow
    centred cells words wrap early, so there the plain estimate is kept.
    """
    # row_height([(text, width if narrow else width * 1.15)]) for one text, without its loop
    # over pairs: thousands of comment rows need one each (tests/test_stage1_report.py keeps
    # the two the same).
    per_line = max(int((width if narrow else width * 1.15) * 1.05), 10)
    lines = sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))
    return min(409.0, max(1, lines) * LINE_HEIGHT + 4)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def _numbers(statements: list[StatementResult]) -> str:
    return ", ".join(str(s.number) for s in statements) or "—"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"
