"""findings.xlsx's "People who use services" sheet: the lived-experience view.

Per quality statement, the ratings of people who use services (people with lived experience,
unpaid carers and Healthwatch: the framework's ``people_who_use_services``) beside those of
staff and partners, with the statements they see differently flagged; where the views came
from (checklists, survey responses, workshops); and, for the flagged statements, what people
who use services said. Like the rest of the workbook it names no file and no respondent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.xlsx.write import print_setup, row_height, split_for_cells

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.stage1 import CollectResult, GroupResult, QSResult, StatementResult
    from pipeline.settings import Stage1Settings
    from pipeline.xlsx.write import Style


VOICES_SHEET = "People who use services"


SEEN_DIFFERENTLY = "People who use services see this differently"


HEADERS = [
    "Quality statement",
    "No.",
    "Statement",
    "People who use services: % agree",
    "Mean (1-4)",
    "Ratings",
    "Staff and partners: % agree",
    "Mean (1-4)",
    "Ratings",
    "Means apart",
    "Seen differently",
]


WIDTHS = [12, 6, 52, 13, 9, 9, 13, 9, 9, 9, 22]


def voices_sheet(
    ws: Any,
    framework: Framework,
    result: CollectResult,
    style: Style,
    settings: Stage1Settings,
    mask: bool,
    looks: Any = None,
) -> None:
    """Fill ``ws`` (a new sheet) with the lived-experience view of every quality statement.

    ``looks`` (findings.py's ``_Looks``), when given, puts the table's rows on the sheet as
    the rest of findings.xlsx's tables are put: the same cells, made faster."""
    from pipeline.xlsx.cells import column_letters

    ws.title = VOICES_SHEET
    for n, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[column_letters(n)].width = width
    page = sum(WIDTHS)
    style.text(
        ws["A1"], "The lived-experience view: people who use services", style.title, wrap=False
    )
    ws.row_dimensions[1].height = 24
    people = ", ".join(framework.people_who_use_services) or "none listed"
    staff = ", ".join(framework.staff_and_partners) or "none listed"
    row = _para(
        ws,
        2,
        f"People who use services: {people}. Staff and partners: {staff}. Each side's ratings "
        f"are taken together. A statement is flagged “{SEEN_DIFFERENTLY}” when the two sides' "
        f"mean ratings differ by {settings.group_mean_gap:g} or more, each side with at least "
        f"{settings.group_min_ratings} ratings from 1 to 4 (the threshold at which two groups "
        "show divergent views). The guidance asks that users, carers and their advocates are "
        "accorded greatest importance: their comments come first on each quality statement's "
        "sheet.",
        style,
        page,
        looks=looks,
    )
    row = _sources(ws, row + 1, result.results, style, page)
    flagged = [
        (qs, s) for qs in result.results if qs.returns for s in qs.statements if s.seen_differently
    ]
    row = _flagged_comments(ws, row + 1, flagged, framework, style, page, mask, looks)
    # The table last: its header row is printed at the top of each page it runs over.
    row += 1
    style.text(ws.cell(row, 1), "Ratings by statement", style.heading, wrap=False)
    row += 1
    style.header_row(ws, row, HEADERS)
    ws.row_dimensions[row].height = 47
    for col in range(4, len(HEADERS) + 1):
        ws.cell(row, col).alignment = style.wrap_center
    header = row
    for qs in result.results:
        if not qs.returns:
            continue
        for s in qs.statements:
            row += 1
            values: list[object] = [
                qs.code,
                s.number,
                s.text,
                *_side(s.users_view),
                *_side(s.staff_view),
                _apart(s),
                SEEN_DIFFERENTLY if s.seen_differently else "",
            ]
            flag = row_height([(str(values[-1]), WIDTHS[-1])]) if values[-1] else 0.0
            height = max(flag, row_height([(s.text, WIDTHS[2] * 1.05)]))
            if looks is not None:  # the same looks, made once and copied (findings._Looks)
                looks.put_row(ws, row, [(v, _look(c, v)) for c, v in enumerate(values, 1)], height)
                continue
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row, col)
                style.text(cell, value, style.warning if col == len(values) and value else None)
                cell.border = style.border
                if col != 3:
                    cell.alignment = style.wrap_center
                if col in (4, 7) and isinstance(value, float):
                    cell.number_format = "0%"
                if col in (5, 8, 10) and isinstance(value, float):
                    cell.number_format = "0.0"
            ws.row_dimensions[row].height = height
    if row == header:
        row += 1
        style.text(ws.cell(row, 3), "No returns yet.", style.note, wrap=False)
    print_setup(ws, repeat_rows=f"{header}:{header}")


def _look(col: int, value: object) -> str:
    """The table cell's look by name (findings._Looks' recipes): the column and the value."""
    if col == 3:
        return "text"
    if col == len(HEADERS):
        return "flag" if value else "centre"
    if isinstance(value, float):
        return "percent" if col in (4, 7) else "mean" if col in (5, 8, 10) else "centre"
    return "centre"


def _para(
    ws: Any, row: int, text: str, style: Style, page: int, font: Any = None, looks: Any = None
) -> int:
    from pipeline.xlsx.cells import column_letters

    _merge(ws, f"A{row}:{column_letters(len(WIDTHS))}{row}", looks)
    style.text(ws.cell(row, 1), text, font)
    ws.row_dimensions[row].height = row_height([(text, page * 0.9)])
    return row + 1


def _merge(ws: Any, ref: str, looks: Any) -> None:
    """``ws.merge_cells(ref)``; through ``looks`` (findings._Looks), when given, as the other
    sheets merge: the same range and cells, made faster."""
    if looks is None:
        ws.merge_cells(ref)
    else:
        looks.merge(ws, ref)


def _side(view: GroupResult | None) -> list[object]:
    if view is None or not view.responses:
        return ["—", "—", 0]
    rated = sum(view.counts.values())
    agree = "—" if view.percent_agree is None else view.percent_agree / 100
    mean = "—" if view.mean is None else view.mean
    return [agree, mean, rated]


def _apart(s: StatementResult) -> object:
    users, staff = s.users_view, s.staff_view
    if users is None or staff is None or users.mean is None or staff.mean is None:
        return "—"
    return abs(staff.mean - users.mean)


def _sources(ws: Any, row: int, results: list[QSResult], style: Style, page: int) -> int:
    """Where each quality statement's views came from; each workshop on a line of its own."""
    style.text(ws.cell(row, 1), "Where the views came from", style.heading, wrap=False)
    row += 1
    # Quality statement (A:C), checklists (D), survey responses (E), workshops (F:H).
    labels = {1: "Quality statement", 4: "Checklists", 5: "Survey responses", 6: "Workshops"}
    spans = {1: 3, 4: 4, 5: 5, 6: 8}
    for col, label in labels.items():
        for c in range(col, spans[col] + 1):
            cell = ws.cell(row, c)
            style.text(cell, label if c == col else "", style.header)
            cell.fill = style.header_fill
            cell.border = style.border
            cell.alignment = style.wrap_center if col > 1 else style.wrap
        if spans[col] > col:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=spans[col])
    ws.row_dimensions[row].height = 47
    for qs in results:
        if not qs.returns:
            continue
        row += 1
        src = qs.sources
        people = sum(w.participants for w in src.workshops)
        workshops = f"{len(src.workshops)} ({people} participants)" if src.workshops else "0"
        values = {
            1: f"{qs.code} {qs.name}",
            4: src.checklists,
            5: src.survey_responses,
            6: workshops,
        }
        for col, value in values.items():
            for c in range(col, spans[col] + 1):
                cell = ws.cell(row, c)
                style.text(cell, value if c == col else "")
                cell.border = style.border
                if col > 1:
                    cell.alignment = style.wrap_center
            if spans[col] > col:
                ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=spans[col])
        for workshop in src.workshops:
            row += 1
            groups = ", ".join(
                f"{count} {group}" if count is not None else group
                for group, count in workshop.groups
            )
            text = (
                f"{qs.code} workshop or group return: the agreed view of {workshop.participants} "
                f"{'person' if workshop.participants == 1 else 'people'}, counted under "
                f"{workshop.group}{f' (participants: {groups})' if groups else ''}."
            )
            style.text(ws.cell(row, 3), text)
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=len(WIDTHS))
            ws.row_dimensions[row].height = row_height([(text, page - 20)])
    return row + 1


def _flagged_comments(
    ws: Any,
    row: int,
    flagged: list[tuple[QSResult, StatementResult]],
    framework: Framework,
    style: Style,
    page: int,
    mask: bool,
    looks: Any = None,
) -> int:
    """What people who use services said about the statements they see differently."""
    from pipeline.analysis.personal_data import mask_personal_data

    style.text(
        ws.cell(row, 1),
        "What people who use services said where they see it differently",
        style.heading,
        wrap=False,
    )
    row += 1
    if not flagged:
        style.text(
            ws.cell(row, 1),
            "No statement is seen differently by people who use services.",
            style.note,
            wrap=False,
        )
        return row + 1
    people = tuple(framework.people_who_use_services)
    labels = {r.value: r.display for r in framework.rating_scale}
    for qs, s in flagged:
        title = f"{qs.code} statement {s.number}: {s.text}"
        row = _para(ws, row, title, style, page, style.bold, looks)
        theirs = [c for c in s.comments if c[0].startswith(people)]
        if not theirs:
            style.text(ws.cell(row, 3), "No comments given.", style.note, wrap=False)
            row += 1
        for group, rating, text in theirs:
            shown = mask_personal_data(text) if mask else text
            label = "—" if rating is None else labels.get(rating, "—")
            # Longer than a cell holds: on as many rows as it needs (joined, the whole text).
            for piece in split_for_cells(shown):
                # Merged first, then written: the same cells as written, then merged (their
                # cells have no border for merging to spread), merged faster with looks.
                _merge(ws, f"A{row}:B{row}", looks)
                style.text(ws.cell(row, 1), group)
                _merge(ws, f"C{row}:I{row}", looks)
                style.text(ws.cell(row, 3), piece)
                _merge(ws, f"J{row}:K{row}", looks)
                style.text(ws.cell(row, 10), label)
                ws.row_dimensions[row].height = max(
                    row_height([(piece, sum(WIDTHS[2:9]))]), row_height([(group, 18)])
                )
                row += 1
        row += 1
    return row
