"""``outputs/stage1/findings.xlsx``: the Stage 1 findings, one sheet per quality statement.

A summary sheet, then one sheet per quality statement: the emerging findings first, a native
Excel chart of the rating distribution, the numbers behind it, the breakdown by respondent group
and every evidence comment, attributed to its group and never to a name (SPEC §6). Nothing here
names a file or a respondent: the workbook may be passed on to lead officers.

collect writes it on every run, so it is written by selfassess's own writer
(:mod:`pipeline.xlsx.book`), not openpyxl: the same file, in a fraction of the time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.book import (
    WRAP,
    WRAP_CENTRE,
    BarChart,
    Book,
    Look,
    Sheet,
    cell_xml,
    column_letter,
    quote_sheetname,
)
from pipeline.xlsx.book_looks import Looks
from pipeline.xlsx.write import Pages, atomic_path, load_style_values

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.stage1 import CollectResult, GroupResult, QSResult, StatementResult
    from pipeline.outputs.findings_voices import MaskedText
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


def write_findings(ws: Workspace, result: CollectResult) -> Path:
    """Write ``outputs/stage1/findings.xlsx`` atomically; returns its path."""
    from pipeline.xlsx.book_package import write_package

    values = load_style_values(ws.template("xlsx/style.toml"), ws.checked_cache)
    book = build_findings(ws.framework, result, values, ws.settings.council, ws.settings.stage1)
    with atomic_path(ws.findings_xlsx) as tmp:
        write_package(book, tmp)
    return ws.findings_xlsx


def build_findings(
    framework: Framework,
    result: CollectResult,
    style: dict[str, Any],
    council: str,
    settings: Stage1Settings,
    today: dt.date | None = None,
) -> Book:
    """The findings workbook, in memory (``style``: the style file's values,
    :func:`pipeline.xlsx.write.load_style_values`); ``write_package`` writes it."""
    from pipeline.outputs.findings_voices import MaskedText, voices_sheet

    book = Book(title=f"Stage 1 findings{' — ' + council if council else ''}", creator="selfassess")
    names = sheet_names([f"{qs.code} {qs.name}" for qs in result.results])
    looks = Looks(book.styles, style)
    masked = MaskedText(settings.mask_personal_data)
    _summary_sheet(
        book.sheet(SUMMARY_SHEET), framework, result, looks, council, settings, names, today
    )
    for qs, name in zip(result.results, names, strict=True):
        _qs_sheet(book.sheet(name), framework, qs, looks, settings, masked)
    # The lived-experience view, after the quality statements (outputs/findings_voices.py).
    voices_sheet(book, framework, result, looks, settings, masked)
    return book


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
    ws: Sheet,
    framework: Framework,
    result: CollectResult,
    looks: Looks,
    council: str,
    settings: Stage1Settings,
    names: list[str],
    today: dt.date | None,
) -> None:
    # Column A shows each quality statement's name whole: LibreOffice prints a link on one
    # line, cut at the column's edge.
    widths = [50, 11, 11, 11, 16, 16, 16, 16]
    for col, width in enumerate(widths, start=1):
        ws.width(col, width)
    ws.put(1, 1, "Stage 1 findings: what the checklists say", looks.get("title", ""))
    ws.height(1, 24)
    if council:
        ws.put(2, 1, council, looks.get("heading", ""))
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
    _merged(ws, 3, " ".join(lines), looks, 8, _PROSE_WIDTH)

    header = 5
    labels = [
        "Quality statement",
        "Returns",
        "Ratings (1-4)",
        "% agree",
        "Emerging strengths",
        "Emerging areas for improvement",
        "Divergent views",
        "Evidence gaps",
    ]
    looks.header_row(ws, header, labels, centre_from=2)
    ws.height(header, 47)  # three lines: "Emerging areas for improvement"
    for row, (qs, name) in enumerate(zip(result.results, names, strict=True), start=header + 1):
        rated = sum(s.rated for s in qs.statements)
        agreed = sum(s.counts[3] + s.counts[4] for s in qs.statements)
        ws.put(row, 1, f"{qs.code} {qs.name}", looks.get("link", WRAP, border=True))
        ws.link(row, 1, f"#'{name}'!A1")
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
            ws.put(row, col, value, looks.percent() if col == 4 else looks.centre())
        longest = max((str(v) for v in values), key=len)
        ws.height(row, max(20.0, _height(longest, 15, narrow=True)))
    row = header + len(result.results) + 1
    ws.put(
        row,
        1,
        "Strengths, areas for improvement, divergent views and evidence gaps are listed by "
        "statement number; each quality statement's sheet gives the statements in full.",
        looks.get("note", ""),
    )
    row += 2
    ws.put(row, 1, "How to read these findings", looks.get("heading", ""))
    for text in _definitions(framework, settings):
        row += 1
        _merged(ws, row, text, looks, 8, _PROSE_WIDTH)
    ws.print_setup()
    # One page when the definitions would run a few lines onto a second.
    Pages(ws, sum(widths)).fit_last_page(row + 1, share=0.5, most=0.45)


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
    ws: Sheet,
    framework: Framework,
    qs: QSResult,
    looks: Looks,
    settings: Stage1Settings,
    masked: MaskedText,
) -> None:
    ws.width(1, NUMBER_WIDTH)
    ws.width(2, STATEMENT_WIDTH)
    groups = _groups(qs)
    last_col = max(len(FIGURE_COLUMNS), len(groups)) + 2
    for col in range(3, last_col + 1):
        ws.width(col, FIGURE_WIDTH)
    ws.width(4, GROUP_WIDTH)
    page_width = NUMBER_WIDTH + STATEMENT_WIDTH + FIGURE_WIDTH * len(FIGURE_COLUMNS)
    page_width += GROUP_WIDTH - FIGURE_WIDTH

    theme = framework.theme_of(qs.code).name
    ws.put(1, 1, f"{qs.code} {qs.name}: Stage 1 findings", looks.get("title", ""))
    ws.height(1, 24)
    returns = _plural(qs.returns, "returned checklist") if qs.returns else "No returns yet"
    ws.put(2, 1, f"Theme: {theme}. {returns}.", looks.get("note", ""))
    we = framework.quality_statement(qs.code).we_statement
    ws.merge(3, 1, 3, 12)
    looks.rich_label(ws, 3, 1, "We statement", we)
    ws.height(3, _height(f"We statement\n{we}", page_width))
    if not qs.returns:
        # One short block, not pages of empty tables and an empty chart.
        ws.put(
            5,
            1,
            "No Stage 1 checklists have been returned for this quality statement yet, so there "
            "are no ratings, findings or comments to show.",
            looks.get("note", ""),
        )
        ws.print_setup()
        return

    # The chart first: what people see at a glance; it reads the table further down.
    row = 5
    ws.put(row, 1, "Rating distribution", looks.get("heading", ""))
    chart_row = row + 1
    chart_height = max(7.5, 0.7 * len(qs.statements) + 3.5)
    chart_rows = math.ceil(chart_height / _DEFAULT_ROW_CM) + 1
    for r in range(chart_row, chart_row + chart_rows):
        ws.height(r, LINE_HEIGHT)
    row = chart_row + chart_rows + 1

    ws.put(row, 1, "Emerging findings", looks.get("heading", ""))
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
        row = _finding_block(ws, row, label, statements, describe, none, looks, page_width)
        pages.keep(start, row)

    row += 1
    start = row
    ws.put(row, 1, "Ratings by statement", looks.get("heading", ""))
    header = row + 1
    _ratings_header(ws, header, looks)
    # Where the table runs onto another page, its header row is written again at the top.
    heights = [_height(s.text, STATEMENT_WIDTH) for s in qs.statements]
    copies = pages.table(start, header, heights)
    row, parts = header, []  # parts: the (first, last) rows of each run of statements
    for i, s in enumerate(qs.statements):
        row += 1
        if i in copies:
            _ratings_header(ws, row, looks, continued=True)
            row += 1
        if i == 0 or i in copies:
            parts.append((row, row))
        parts[-1] = (parts[-1][0], row)
        _statement_row(ws, row, s, looks)
    most = max((s.responses for s in qs.statements), default=0)
    ws.chart = _chart(ws.title, chart_row, header, parts, chart_height, most)

    row += 2
    row = _group_table(ws, row, qs, groups, looks, settings, page_width, pages)
    row += 1
    # The heading, the note, the header row and the first comments (their heights are not
    # counted: the comments run on over as many pages as they need).
    pages.keep(row, row + 1, need=LINE_HEIGHT * 8)
    comments = _comments(ws, row, qs, looks, framework, page_width, masked)
    # The comments run over many pages: their header row is printed at the top of each.
    ws.print_setup(repeat_rows=f"{comments}:{comments}" if comments else None)


def _finding_block(
    ws: Sheet,
    row: int,
    label: str,
    statements: list[StatementResult],
    describe: Callable[[StatementResult], str],
    none: str,
    looks: Looks,
    page_width: float,
) -> int:
    ws.merge(row, 1, row, 12)
    ws.put(row, 1, label, looks.get("bold", "", fill="label"))
    row += 1
    if not statements:
        ws.put(row, 2, none, looks.get("note", ""))
        return row + 2
    for s in statements:
        ws.put(row, 1, s.number, looks.get("bold", WRAP_CENTRE))
        ws.merge(row, 2, row, 12)
        text = f"{s.text} — {describe(s)}"
        ws.put(row, 2, text, looks.get())
        ws.height(row, _height(text, page_width - NUMBER_WIDTH))
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


def _ratings_header(ws: Sheet, row: int, looks: Looks, continued: bool = False) -> None:
    """The ratings table's header row (``continued``: again, at the top of a later page)."""
    labels = list(TABLE_HEADERS)
    if continued:
        labels[1] = "Statement (continued)"
    looks.header_row(ws, row, labels, centre_from=3)
    ws.height(row, 45)


def _statement_row(ws: Sheet, row: int, s: StatementResult, looks: Looks) -> None:
    values: list[tuple[object, Look]] = [
        (s.number, looks.number()),
        (s.text, looks.text()),
        (s.responses, looks.centre()),
        (s.dont_know, looks.centre()),
        *((s.counts[rating], looks.centre()) for rating in (1, 2, 3, 4)),
        (s.percent_agree / 100 if s.percent_agree is not None else "—", looks.percent()),
        (s.mean if s.mean is not None else "—", looks.mean()),
        ("Yes" if s.divergent else "", looks.flag()),
        ("Yes" if s.evidence_gap else "", looks.flag()),
    ]
    for col, (value, look) in enumerate(values, start=1):
        ws.put(row, col, value, look)
    ws.height(row, _height(s.text, STATEMENT_WIDTH))


def _chart(
    sheet: str, row: int, header: int, parts: list[tuple[int, int]], height_cm: float, most: int
) -> BarChart:
    """A stacked horizontal bar per statement: how many chose each rating, anchored at column
    A of ``row``. ``parts``: the first and last rows of each run of statement rows (the
    table's header row is repeated between runs where it runs over a page); the chart reads
    them as one range."""
    name = quote_sheetname(sheet)

    def rows(col: int) -> str:
        """The statement rows of column ``col``: one range, or a union of ranges."""
        letter = column_letter(col)
        ranges = [f"{name}!${letter}${a}" + (f":${letter}${b}" if b != a else "") for a, b in parts]
        return ranges[0] if len(ranges) == 1 else f"({','.join(ranges)})"

    # Ratings 1-4 (columns E-H), then don't know (column D), each titled by its header.
    series = [
        (f"{name}!{column_letter(col)}{header}", rows(1), rows(col), RATING_COLOURS[rating])
        for col, rating in ((5, 1), (6, 2), (7, 3), (8, 4), (4, 0))
    ]
    return BarChart(
        title="Number of responses for each rating, by statement",
        x_title="Statement",
        y_title="Responses",
        series=series,
        # Counts of people: whole numbers on the axis (no 0.5, 1.5), about ten steps at most.
        major_unit=max(1, math.ceil(most / 10)),
        width_cm=30.0,
        height_cm=height_cm,
        row=row,
        col=1,
    )


def _groups(qs: QSResult) -> list[str]:
    """The groups with a return for this quality statement, in framework order."""
    groups: list[str] = []
    for s in qs.statements:
        for group in s.by_group:
            if group not in groups:
                groups.append(group)
    return groups


def _group_table(
    ws: Sheet,
    row: int,
    qs: QSResult,
    groups: list[str],
    looks: Looks,
    settings: Stage1Settings,
    page_width: float,
    pages: Pages,
) -> int:
    start = row
    ws.put(row, 1, "By respondent group", looks.get("heading", ""))
    row += 1
    note = (
        "Each cell: % agree and mean of the group's ratings from 1 to 4, how many, and any "
        f"don't know. Groups with at least {settings.group_min_ratings} ratings whose means "
        f"differ by {settings.group_mean_gap:g} or more show divergent views ('Not given' is "
        "not compared)."
    )
    _merged(ws, row, note, looks, 12, page_width, "note")
    row += 1
    if not groups:
        ws.put(row, 2, "No returns yet.", looks.get("note", ""))
        pages.keep(start, row + 1)
        return row + 1

    def header_row(row: int, continued: bool = False) -> None:
        statement = "Statement (continued)" if continued else "Statement"
        looks.header_row(ws, row, ["No.", statement, *groups], centre_from=3)
        # A group's name wraps in its narrow column ("Voluntary and community sector").
        names = [_height(group, FIGURE_WIDTH - 2, narrow=True) for group in groups]
        ws.height(row, max(45.0, *names))

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
        ws.put(row, 1, s.number, looks.number())
        ws.put(row, 2, s.text, looks.text())
        for col, text in enumerate(texts, start=3):
            ws.put(row, col, text, looks.centre())
        ws.height(row, heights[i])
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
    ws: Sheet,
    row: int,
    qs: QSResult,
    looks: Looks,
    framework: Framework,
    page_width: float,
    masked: MaskedText,
) -> int | None:
    """The evidence comments from ``row``; the row of their table's header (None: none)."""
    from pipeline.xlsx.write import split_for_cells

    ws.put(row, 1, "Evidence comments", looks.get("heading", ""))
    row += 1
    total = sum(len(s.comments) for s in qs.statements)
    said = " (anything that looks like personal data masked)" if masked.on else ""
    note = (
        f"Every comment given, by statement, as typed{said}; attributed to the respondent's "
        f"group, never to a name. {_plural(total, 'comment')}."
    )
    _merged(ws, row, note, looks, 12, page_width, "note")
    row += 1
    if not total:
        return None
    labels = {r.value: r.display for r in framework.rating_scale}
    # There may be thousands of comments: no merged cells here, one call a row.
    looks.header_row(ws, row, ["No.", "Comment", "Rating", "Group"])
    header = row
    number, text_look = looks.number(), looks.text()
    heights: dict[str, float] = {}
    # The number, rating and group cells recur: each made once.
    made: dict[tuple[int, object], tuple[Look, str]] = {}

    def cell(col: int, value: object, look: Look) -> tuple[Look, str]:
        found = made.get((col, value))
        if found is None:
            found = made[col, value] = cell_xml(value, look)
        return found

    for s in qs.statements:
        for group, rating, text in s.comments:
            row += 1
            label = "—" if rating is None else labels.get(rating, "—")
            text = masked(text)
            if group not in heights:
                heights[group] = max(_height(group, GROUP_WIDTH, narrow=True), 2 * LINE_HEIGHT)
            # Text longer than a cell holds goes on as many rows as it needs, each saying so:
            # the Comment cells of those rows, joined, are the whole text.
            pieces = split_for_cells(text)
            for part, piece in enumerate(pieces, start=1):
                if part > 1:
                    row += 1
                who = group
                if len(pieces) > 1:
                    who = f"{group} (comment continued: part {part} of {len(pieces)})"
                cells = {
                    1: cell(1, s.number, number),
                    2: cell_xml(piece, text_look),
                    3: cell(3, label, text_look),
                    4: cell(4, who, text_look),
                }
                ws.put_row(row, max(_height(piece, STATEMENT_WIDTH), heights[group]), cells)
    return header


# --------------------------------------------------------------------------------------------
# Small helpers


def _merged(
    ws: Sheet,
    row: int,
    text: str,
    looks: Looks,
    last: int,
    width: float,
    font: str = "body",
) -> None:
    """A paragraph in one wrapped cell merged from column A to column ``last``."""
    ws.merge(row, 1, row, last)
    ws.put(row, 1, text, looks.get(font))
    ws.height(row, _height(text, width))


def _height(text: str, width: float, narrow: bool = False) -> float:
    """A row height that shows ``text`` wrapped in a column ``width`` characters wide.

    Body text fits about 15% more characters per line than ``row_height`` assumes; in narrow
    centred cells words wrap early, so there the plain estimate is kept.
    """
    # row_height([(text, width if narrow else width * 1.15)]) for one text, without its loop
    # over pairs: thousands of comment rows need one each (tests/test_stage1_report.py keeps
    # the two the same).
    per_line = max(int((width if narrow else width * 1.15) * 1.05), 10)
    if len(text) <= per_line and "\n" not in text:
        return LINE_HEIGHT + 4  # one line: most comments and labels
    lines = sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))
    return min(409.0, max(1, lines) * LINE_HEIGHT + 4)


def _numbers(statements: list[StatementResult]) -> str:
    return ", ".join(str(s.number) for s in statements) or "—"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"
