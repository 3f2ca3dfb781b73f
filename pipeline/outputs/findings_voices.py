"""findings.xlsx's "People who use services" sheet: the lived-experience view.

Per quality statement, the ratings of people who use services (people with lived experience,
unpaid carers and Healthwatch: the framework's ``people_who_use_services``) beside those of
staff and partners, with the statements they see differently flagged; where the views came
from (checklists, survey responses, workshops); and, for the flagged statements, what people
who use services said. Like the rest of the workbook it names no file and no respondent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.xlsx.book import WRAP, WRAP_CENTRE, Book, Look, Sheet, cell_xml
from pipeline.xlsx.book_looks import Looks
from pipeline.xlsx.write import row_height, split_for_cells

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.stage1 import CollectResult, GroupResult, QSResult, StatementResult
    from pipeline.settings import Stage1Settings


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
    book: Book,
    framework: Framework,
    result: CollectResult,
    looks: Looks,
    settings: Stage1Settings,
    masked: MaskedText,
) -> None:
    """Add the sheet of the lived-experience view of every quality statement to ``book``,
    in the looks of findings.xlsx."""
    ws = book.sheet(VOICES_SHEET)
    for n, width in enumerate(WIDTHS, start=1):
        ws.width(n, width)
    page = sum(WIDTHS)
    ws.put(1, 1, "The lived-experience view: people who use services", looks.get("title", ""))
    ws.height(1, 24)
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
        looks,
        page,
    )
    row = _sources(ws, row + 1, result.results, looks, page)
    flagged = [
        (qs, s) for qs in result.results if qs.returns for s in qs.statements if s.seen_differently
    ]
    row = _flagged_comments(ws, row + 1, flagged, framework, looks, page, masked)
    # The table last: its header row is printed at the top of each page it runs over.
    row += 1
    ws.put(row, 1, "Ratings by statement", looks.get("heading", ""))
    row += 1
    looks.header_row(ws, row, HEADERS, centre_from=4)
    ws.height(row, 47)
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
            cells = {c: cell_xml(v, _look(looks, c, v)) for c, v in enumerate(values, start=1)}
            ws.put_row(row, height, cells)
    if row == header:
        row += 1
        ws.put(row, 3, "No returns yet.", looks.get("note", ""))
    ws.print_setup(repeat_rows=f"{header}:{header}")


def _look(looks: Looks, col: int, value: object) -> Look:
    """The table cell's look: by the column and the value."""
    if col == 3:
        return looks.text()
    if col == len(HEADERS):
        return looks.flag() if value else looks.centre()
    if isinstance(value, float):
        if col in (4, 7):
            return looks.percent()
        if col in (5, 8, 10):
            return looks.mean()
    return looks.centre()


def _para(ws: Sheet, row: int, text: str, looks: Looks, page: int, font: str = "body") -> int:
    ws.merge(row, 1, row, len(WIDTHS))
    ws.put(row, 1, text, looks.get(font))
    ws.height(row, row_height([(text, page * 0.9)]))
    return row + 1


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


def _sources(ws: Sheet, row: int, results: list[QSResult], looks: Looks, page: int) -> int:
    """Where each quality statement's views came from; each workshop on a line of its own."""
    ws.put(row, 1, "Where the views came from", looks.get("heading", ""))
    row += 1
    # Quality statement (A:C), checklists (D), survey responses (E), workshops (F:H).
    labels = {1: "Quality statement", 4: "Checklists", 5: "Survey responses", 6: "Workshops"}
    spans = {1: 3, 4: 4, 5: 5, 6: 8}
    for col, label in labels.items():
        align = WRAP_CENTRE if col > 1 else WRAP
        ws.put(row, col, label, looks.get("header", align, border=True, fill="header"))
        if spans[col] > col:
            looks.merge_bordered(ws, row, col, spans[col])
    ws.height(row, 47)
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
            ws.put(row, col, value, looks.centre() if col > 1 else looks.text())
            if spans[col] > col:
                looks.merge_bordered(ws, row, col, spans[col])
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
            ws.put(row, 3, text, looks.get())
            ws.merge(row, 3, row, len(WIDTHS))
            ws.height(row, row_height([(text, page - 20)]))
    return row + 1


def _flagged_comments(
    ws: Sheet,
    row: int,
    flagged: list[tuple[QSResult, StatementResult]],
    framework: Framework,
    looks: Looks,
    page: int,
    masked: MaskedText,
) -> int:
    """What people who use services said about the statements they see differently."""
    heading = "What people who use services said where they see it differently"
    ws.put(row, 1, heading, looks.get("heading", ""))
    row += 1
    if not flagged:
        text = "No statement is seen differently by people who use services."
        ws.put(row, 1, text, looks.get("note", ""))
        return row + 1
    people = tuple(framework.people_who_use_services)
    labels = {r.value: r.display for r in framework.rating_scale}
    plain = looks.get()
    for qs, s in flagged:
        title = f"{qs.code} statement {s.number}: {s.text}"
        row = _para(ws, row, title, looks, page, "bold")
        theirs = [c for c in s.comments if c[0].startswith(people)]
        if not theirs:
            ws.put(row, 3, "No comments given.", looks.get("note", ""))
            row += 1
        for group, rating, text in theirs:
            shown = masked(text)
            label = "—" if rating is None else labels.get(rating, "—")
            # Longer than a cell holds: on as many rows as it needs (joined, the whole text).
            for piece in split_for_cells(shown):
                for first, last, value in ((1, 2, group), (3, 9, piece), (10, 11, label)):
                    ws.merge(row, first, row, last)
                    ws.put(row, first, value, plain)
                ws.height(
                    row, max(row_height([(piece, sum(WIDTHS[2:9]))]), row_height([(group, 18)]))
                )
                row += 1
        row += 1
    return row


class MaskedText:
    """``mask_personal_data`` for the comments of one findings.xlsx when ``on`` (the setting
    ``mask_personal_data``), else the text as typed. Each distinct text is looked at once: the
    same short answer ("See the audit", "N/A") is often given many times."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if not self.on:
            return text
        masked = self.seen.get(text)
        if masked is None:
            from pipeline.analysis.personal_data import mask_personal_data

            masked = self.seen[text] = mask_personal_data(text)
        return masked
