"""The Stage 2 summary workbook: its form (labels, cells, word counts) and its guidance sheet."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipeline.model.words import (
    PRINTED_RULE,
    WORD_COUNT_RULE,
    EntryLayout,
    PrintedLayout,
    has_words_expression,
    word_count_expression,
    word_count_formula,
)
from pipeline.xlsx.identity import SUMMARY, set_identity
from pipeline.xlsx.write import Style, list_validation, print_setup, protect, row_height

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, QualityStatement
    from pipeline.model.stage1 import GroupResult, QSResult, StatementResult
    from pipeline.workspace import Workspace


GUIDANCE_SHEET = "Guidance"


FORM_SHEET = "Summary"


Kind = Literal["text", "narrative", "entry", "ids", "date", "rating"]


@dataclass(frozen=True)
class FormField:
    """One row of the form: its label (what read-back looks for) and what goes in it."""

    label: str
    key: str  # the Summary attribute; "strengths" / "improvements" for entries
    kind: Kind
    help: str
    height: float = 21.0

    @property
    def counted(self) -> bool:
        """Whether its text appears in Section B and counts towards the word limit."""
        return self.kind in ("narrative", "entry")


@dataclass(frozen=True)
class FormSection:
    heading: str
    note: str
    fields: tuple[FormField, ...]


KEY_DOCUMENTS_NOTE = (
    "Relevant documents, including strategies, plans, policies and procedures and links to "
    "data and performance, that need to be included and referenced. One per line (or separated "
    "by semicolons): its evidence ID if it is in the library (EV-003), otherwise its title and "
    "link; the tool lists new ones for the information return team to add to the library."
)


# Texts of forms sent out by earlier versions, still accepted in a returned form.
EARLIER_TEXTS = (
    "Up to three key areas of strength identified through Stage 1, and up to three areas "
    "for improvement with the improvement work ongoing or proposed. Put the supporting "
    "evidence IDs from the evidence library in column C.",
    "Relevant documents, including strategies, plans, policies and procedures and links to "
    "data and performance, that need to be included and referenced. Give their evidence IDs; "
    "ask the pen holder to add any document that is not in the library yet.",
)


_IDS_HELP = "Evidence IDs from the evidence library, separated by commas, e.g. EV-003, EV-011."


def _entry(label: str, key: str, what: str) -> FormField:
    return FormField(
        label,
        key,
        "entry",
        f"{what} In column C: the evidence IDs that show it (e.g. EV-003, EV-011). In column "
        "E (optional): the numbers of the Stage 1 statements it answers (e.g. 3, 7).",
        height=80.0,
    )


SECTIONS: tuple[FormSection, ...] = (
    FormSection(
        "Lead officer",
        "The officer who leads on this quality statement and completes this summary.",
        (
            FormField("Lead officer (name)", "lead_officer_name", "text", "Your name."),
            FormField("Lead officer (post)", "lead_officer_post", "text", "Your job title."),
        ),
    ),
    FormSection(
        "Introduction and summary",
        "A short summary of the strategic intent in this area: where have we come from, and "
        "where are we aiming to be?",
        (
            FormField(
                "What is our ambition?",
                "ambition",
                "narrative",
                "Where we have come from and where we are aiming to be. Counts towards the "
                "Section B word limit.",
                height=120.0,
            ),
        ),
    ),
    FormSection(
        "Our areas of strength and areas for improvement, and how do we know?",
        "Up to three key areas of strength identified through Stage 1, and up to three areas "
        "for improvement with the improvement work ongoing or proposed. Put the supporting "
        "evidence IDs from the evidence library in column C and, in column E, the numbers of "
        "the Stage 1 statements each one answers (the ‘No.’ on the Guidance sheet), e.g. 3, 7.",
        (
            *(
                _entry(f"Strength {n}", "strengths", "A key area of strength, and how we know.")
                for n in (1, 2, 3)
            ),
            *(
                _entry(
                    f"Area for improvement {n}",
                    "improvements",
                    "An area for improvement, and the improvement work ongoing or proposed.",
                )
                for n in (1, 2, 3)
            ),
        ),
    ),
    FormSection(
        "Our priorities",
        "Our plans to maintain and improve performance in this area, and why they will be "
        "impactful.",
        (
            FormField(
                "Priorities to maintain and improve",
                "priorities",
                "narrative",
                "Our plans, and why they will be impactful. Counts towards the word limit.",
                height=110.0,
            ),
        ),
    ),
    FormSection(
        "What others say",
        "Quotations or visuals which ‘give life’ to the self-assessment and that can be "
        "considered for inclusion in the final document, and any external or internal "
        "recognitions or awards.",
        (
            FormField(
                "What do others say about our performance?",
                "others_say",
                "narrative",
                "Quotations, recognition and awards. Counts towards the word limit.",
                height=96.0,
            ),
        ),
    ),
    FormSection(
        "The evidence library",
        KEY_DOCUMENTS_NOTE,
        (
            FormField(
                "Key documents for the evidence library",
                "key_documents",
                "ids",
                "One document per line: its evidence ID (EV-003) if it is in the library, "
                "otherwise its title, and its link if it has one.",
                height=42.0,
            ),
        ),
    ),
    FormSection(
        "Verified by senior manager with responsibility in this area for delivery",
        "The senior manager who confirms that this summary is accurate.",
        (
            FormField("Verified by (name)", "verified_by_name", "text", "The senior manager."),
            FormField("Verified by (post)", "verified_by_post", "text", "Their job title."),
            FormField(
                "Verified on (date)",
                "verified_on",
                "date",
                "The date they verified it, as dd/mm/yyyy (e.g. 04/12/2026).",
            ),
        ),
    ),
    FormSection(
        "Our self-rating (optional, for internal use)",
        "How would the CQC score this quality statement on the evidence we have? Choose 1 to 4 "
        "on the CQC's scale and give the reason in one line. It is not printed in the "
        "submitted report.",
        (
            FormField(
                "Self-rating (1 to 4)",
                "self_rating",
                "rating",
                "Choose from the list: 1 the evidence shows significant shortfalls, 2 some "
                "shortfalls, 3 a good standard, 4 an exceptional standard.",
            ),
            FormField(
                "Reason for the self-rating",
                "rating_reason",
                "text",
                "One line: why this score.",
                height=32.0,
            ),
        ),
    ),
)


SELF_RATINGS = (
    "1 Significant shortfalls",
    "2 Some shortfalls",
    "3 A good standard",
    "4 An exceptional standard",
)
"""The self-rating list: CQC's four scores with their descriptors (the evidence shows ...)."""


FIELDS: tuple[FormField, ...] = tuple(f for s in SECTIONS for f in s.fields)


LABEL_COL, TEXT_COL, IDS_COL, WORDS_COL, STAGE1_COL = "A", "B", "C", "D", "E"


LAST_COL = STAGE1_COL


WIDTHS = {"A": 30, "B": 72, "C": 22, "D": 10, "E": 12}


TITLE_ROW, TOTAL_ROW, HEADER_ROW, INTRO_ROW = 1, 2, 3, 4


TOTAL_CELL = f"{WORDS_COL}{TOTAL_ROW}"


STATUS_CELL = f"{TEXT_COL}{TOTAL_ROW}"


TOTAL_LABEL = "Words in Section B"


DATE_FORMAT = "dd/mm/yyyy"


def _field_rows() -> tuple[dict[str, int], dict[str, int], int]:
    """Where each section heading and field sits in a fresh form, and the closing note's row."""
    headings: dict[str, int] = {}
    rows: dict[str, int] = {}
    row = INTRO_ROW + 1
    for section in SECTIONS:
        headings[section.heading] = row
        row += 2  # the heading, then its note
        for f in section.fields:
            rows[f.label] = row
            row += 1
    return headings, rows, row


HEADING_ROWS, FIELD_ROWS, NOTE_ROW = _field_rows()


FORM_HEADER = ["Field", "Your text", "Evidence IDs", "Words", "Stage 1 statements"]


ROW_GROWTH_RULE = (
    "If a row does not show all of its text, drag the border below its row number down to "
    "make it taller (in Excel, double-clicking the border of a Strength or Area for "
    "improvement row fits it to its text). A row you insert is read and counted only when it "
    "has a label in column A, such as ‘Strength 4’."
)


FORM_INTRO = (
    "Type in the yellow cells (Alt+Enter starts a new line in a cell; Option+Enter on a "
    f"Mac). The ‘{GUIDANCE_SHEET}’ sheet has the prompts to consider and what the Stage 1 "
    "checklists found. Your ambition, strengths, areas for improvement, priorities and what "
    "others say appear in Section B of the self-assessment, which has a word limit for each "
    "quality statement: column D counts the words each row prints, and the total at the top "
    "(which adds the heading, we statement and subheadings) turns red above the limit. "
    + PRINTED_RULE
    + " "
    + WORD_COUNT_RULE
    + " "
    + ROW_GROWTH_RULE
)


# The introduction of forms made before the total counted Section B as printed: still accepted
# on a returned form.
EARLIER_INTROS = (
    "Type in the yellow cells (Alt+Enter starts a new line in a cell; Option+Enter on a "
    f"Mac). The ‘{GUIDANCE_SHEET}’ sheet has the prompts to consider and what the Stage 1 "
    "checklists found. Your ambition, strengths, areas for improvement, priorities and what "
    "others say appear in Section B of the self-assessment, which has a word limit for each "
    "quality statement: column D counts the words each row prints, and the total at the top "
    "(which adds the heading, we statement and subheadings) turns red above the limit. "
    + PRINTED_RULE
    + " "
    + WORD_COUNT_RULE,
    "Type in the yellow cells (Alt+Enter starts a new line in a cell; Option+Enter on a "
    f"Mac). The ‘{GUIDANCE_SHEET}’ sheet has the prompts to consider and what the Stage 1 "
    "checklists found. Your ambition, strengths, areas for improvement, priorities and what "
    "others say appear in Section B of the self-assessment, which has a word limit for each "
    "quality statement: column D counts the words, and the total at the top turns red above "
    "the limit. " + WORD_COUNT_RULE,
)


FORM_NOTE = (
    "Please keep the labels in column A as they are: the self-assessment tool finds your "
    "answers by them. Section B takes at most three strengths and three areas for "
    "improvement. Text typed anywhere other than the yellow cells is not read."
)


def form_texts(title: str) -> set[tuple[str, str]]:
    """The form's own texts as ``(column, text)``: what read-back accepts outside the fields.

    The form holds nothing that depends on the council or the settings (the council's name is
    in the page header, the limit only in formulas), so a returned form never looks changed
    because a setting changed after it was sent out.
    """
    texts = {(LABEL_COL, title), (LABEL_COL, TOTAL_LABEL), (LABEL_COL, FORM_INTRO)}
    texts |= {(LABEL_COL, intro) for intro in EARLIER_INTROS}
    texts |= {(col, text) for col, text in zip("ABCDE", FORM_HEADER, strict=True)}
    for section in SECTIONS:
        texts |= {(LABEL_COL, section.heading), (LABEL_COL, section.note)}
    texts |= {(LABEL_COL, f.label) for f in FIELDS}
    return texts | {(LABEL_COL, FORM_NOTE)}


def accepted_texts(title: str) -> set[tuple[str, str]]:
    """What read-back accepts outside the fields: the form's own texts and those of forms sent
    out by earlier versions (a form sent before an update still reads cleanly)."""
    return form_texts(title) | {(LABEL_COL, text) for text in EARLIER_TEXTS}


def summary_title(framework: Framework, qs: QualityStatement) -> str:
    return f"Stage 2 self-assessment summary: {framework.theme_of(qs.code).name} — {qs.name}"


def field_cell(label: str, column: str = TEXT_COL) -> str:
    """Where a field is typed in a fresh form, e.g. ``field_cell("Strength 1") == "B9"``."""
    return f"{column}{FIELD_ROWS[label]}"


def input_cells() -> dict[str, set[str]]:
    """Every cell a lead officer fills in a fresh form, by sheet."""
    cells = {field_cell(f.label) for f in FIELDS}
    cells |= {field_cell(f.label, IDS_COL) for f in FIELDS if f.kind == "entry"}
    cells |= {field_cell(f.label, STAGE1_COL) for f in FIELDS if f.kind == "entry"}
    return {FORM_SHEET: cells}


def summary_identity(
    framework: Framework, qs: QualityStatement, guidance: str, printed: str = ""
) -> dict[str, str]:
    """The identity written into (and expected back from) a quality statement's summary;
    ``guidance`` is the fingerprint of its guidance sheet, to spot text typed there; ``printed``
    the signature of the printed-words layout its word total was made with (if any)."""
    identity = {
        "framework": framework.version_tag,
        "template": SUMMARY.kind,
        "template_version": SUMMARY.version,
        "quality_statement": qs.code,
        "guidance": guidance,
    }
    if printed:
        identity["printed"] = printed
    return identity


def summary_path(ws: Workspace, qs: QualityStatement) -> Path:
    return ws.summaries_dir / f"{qs.file_stem}.xlsx"


def build_summary(
    framework: Framework,
    qs: QualityStatement,
    style: Style,
    stage1: QSResult | None,
    council: str,
    word_limit: int,
    printed: PrintedLayout | None = None,
) -> Workbook:
    """One quality statement's Stage 2 workbook, in memory. With ``printed`` (how the report
    template prints this quality statement's section), column D and the total count Section B
    as printed; without it, the typed words only."""
    from openpyxl import Workbook

    wb = Workbook()
    title = summary_title(framework, qs)
    _guidance_sheet(wb.active, framework, qs, style, title, stage1)
    _form_sheet(wb.create_sheet(FORM_SHEET), style, title, word_limit, printed)
    for sheet in wb.worksheets:
        # The council's name is printed, not typed into cells, so a renamed council does not
        # make returned workbooks look changed.
        if council:
            sheet.oddHeader.right.text = council.replace("&", "&&")
    signature = printed.signature if printed is not None else ""
    digest = guidance_digest(_guidance_cells(wb))
    set_identity(wb, summary_identity(framework, qs, digest, signature))
    wb.properties.title = title
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb


def guidance_digest(cells: dict[str, str]) -> str:
    """A fingerprint of the guidance sheet's cells (``ref -> text``) as read-back sees them.

    Line ends are normalised as XML does on reading, so that the sheet in memory and the sheet
    read back from the file give the same fingerprint.
    """
    normal = {ref: text.replace("\r\n", "\n").replace("\r", "\n") for ref, text in cells.items()}
    data = json.dumps(sorted(normal.items()), ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def _guidance_cells(wb: Workbook) -> dict[str, str]:
    """The guidance sheet's non-empty cells as text, straight from the workbook in memory."""
    from openpyxl.cell.cell import MergedCell

    from pipeline.xlsx.cells import format_value

    cells: dict[str, str] = {}
    for row in wb[GUIDANCE_SHEET].iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell) or cell.value is None or cell.value == "":
                continue
            cells[cell.coordinate] = format_value(cell.value)
    return cells


_GUIDE_WIDTHS = {"A": 6, "B": 55, "C": 9, "D": 7, "E": 14, "F": 10}


_GUIDE_LAST = "F"


class _Flow:
    """Writes the guidance sheet top to bottom: paragraphs across the page, and small tables."""

    def __init__(self, ws: Any, style: Style) -> None:
        self.ws, self.style, self.row = ws, style, 1
        self.width = sum(_GUIDE_WIDTHS.values()) - 4
        self.sections: list[int] = []  # where each heading's section starts
        # A table long enough to run over pages: its header row, printed atop each page.
        self.repeat: int | None = None
        self.repeat_end = 0  # the row after that table
        self.tabled: set[int] = set()  # the sections with a table (kept whole when they fit)

    def keep_sections(self) -> None:
        """Page breaks that keep each heading with its first lines (or its small table)."""
        from pipeline.xlsx.write import Pages

        pages = Pages(self.ws, sum(_GUIDE_WIDTHS.values()), "portrait")
        starts = [*self.sections, self.row]
        for start, end in itertools.pairwise(starts):
            # A short section (a small table) whole; a long one by its first lines.
            whole = pages.height(start, end)
            first = pages.height(start, min(end, start + 6))
            # A table is not split where it fits on a page: its header row would not repeat.
            fits = whole <= pages.capacity and start in self.tabled
            pages.keep(start, end, need=whole if whole <= pages.capacity / 2 or fits else first)
        pages.finish(self.row)  # no last page with only a line or two
        if self.repeat is not None:
            # The long table's header row is printed atop each page only if it runs over one.
            breaks = {b.id + 1 for b in self.ws.row_breaks.brk}
            if not breaks & set(range(self.repeat + 1, self.repeat_end)):
                self.repeat = None

    def para(self, text: str, font: Any = None, height: float | None = None) -> Any:
        ws, row = self.ws, self.row
        ws.merge_cells(f"A{row}:{_GUIDE_LAST}{row}")
        self.style.text(ws[f"A{row}"], text, font)
        ws.row_dimensions[row].height = height or row_height([(text, self.width)])
        self.row += 1
        return ws[f"A{row}"]

    def heading(self, text: str) -> None:
        self.row += 1
        self.sections.append(self.row)
        self.para(text, self.style.heading, 20)

    def bullets(self, items: tuple[str, ...], indent: str = "") -> None:
        for item in items:
            self.para(f"{indent}•  {item}")

    def table(self, header: list[str], rows: list[list[Any]], wide: int = 2) -> None:
        """A bordered table; column ``wide`` (1-based) holds the long text and sets the height."""
        style = self.style
        if self.sections:
            self.tabled.add(self.sections[-1])
        style.header_row(self.ws, self.row, header)
        self.ws.row_dimensions[self.row].height = 18
        self.row += 1
        for values in rows:
            for col, value in enumerate(values, start=1):
                cell = self.ws.cell(self.row, col)
                style.text(cell, value)
                cell.border = style.border
                if col != wide:
                    cell.alignment = style.wrap_center
            text = str(values[wide - 1])
            self.ws.row_dimensions[self.row].height = row_height([(text, _GUIDE_WIDTHS["B"])])
            self.row += 1


def _guidance_sheet(
    ws: Any,
    framework: Framework,
    qs: QualityStatement,
    style: Style,
    title: str,
    stage1: QSResult | None,
) -> None:
    ws.title = GUIDANCE_SHEET
    for col, width in _GUIDE_WIDTHS.items():
        ws.column_dimensions[col].width = width
    flow = _Flow(ws, style)
    # The title's 16-point letters: about 0.55 of the body text's to a line.
    flow.para(title, style.title, row_height([(title, flow.width * 0.55)], 21))
    flow.para(
        f"For the lead officer for {qs.code} {qs.name}. Read this sheet first: it has what the "
        "CQC will be looking for, the prompts to consider and what the Stage 1 checklists "
        f"found. Then fill in the yellow cells on the ‘{FORM_SHEET}’ sheet and send the "
        "workbook back to the pen holder.",
    )
    flow.heading("We statement")
    flow.para(qs.we_statement)
    if qs.i_statements:
        flow.heading("I statements")
        flow.bullets(qs.i_statements)
    flow.heading("What the CQC will be looking for")
    for block in qs.cqc_looking_for:
        if block.text:
            flow.para(block.text)
        flow.bullets(block.bullets, indent="      ")
    flow.heading(
        "Prompts to consider (in no particular order, and not all necessarily need to be covered)"
    )
    flow.bullets(qs.prompts)
    if qs.data_to_consider:
        flow.heading("Examples of data to consider")
        flow.bullets(qs.data_to_consider)
    flow.heading("What the Stage 1 checklists found")
    if stage1 is None:
        flow.para(
            "No Stage 1 checklist returns had been collected for this quality statement when "
            "this workbook was made.",
            style.note,
        )
    else:
        _stage1_findings(flow, stage1)
    if framework.framework.data_pack_url:
        flow.heading("Supporting data pack")
        cell = flow.para(
            "The LG Inform data pack for adult social care self-assessment", style.link, 18
        )
        cell.hyperlink = framework.framework.data_pack_url
    flow.row += 1
    flow.para(f"Source: {framework.framework.source}.", style.note)
    flow.keep_sections()
    _print_setup(ws, "portrait", f"{flow.repeat}:{flow.repeat}" if flow.repeat else None)
    protect(ws)


def _print_setup(ws: Any, orientation: str, repeat_rows: str | None = None) -> None:
    """A4, fitted to the width, with room at the top for the council's name in the header."""
    print_setup(ws, repeat_rows=repeat_rows, orientation=orientation)


def _stage1_findings(flow: _Flow, result: QSResult) -> None:
    """The Stage 1 findings: four short lists, each a small table with the numbers."""
    n, note = result.returns, flow.style.note
    flow.para(
        f"From {n} returned checklist{'s' * (n != 1)}. % agree is the share of ratings 3 "
        "(Tend to agree) and 4 (Strongly agree) among all ratings 1 to 4; ‘don’t know’ is "
        "left out. The mean is of ratings 1 to 4.",
        note,
    )
    lists: list[tuple[str, str, list[StatementResult]]] = [
        (
            "Emerging strengths",
            "The statements most people agree with, where views do not differ.",
            result.emerging_strengths,
        ),
        (
            "Emerging areas for improvement",
            f"The statements fewest people agree with{_fewer_than(result)}, where views do "
            "not differ.",
            result.emerging_improvements,
        ),
        (
            "Divergent views",
            "Statements where views differ: many on each side, or groups far apart.",
            result.divergent,
        ),
        (
            "Evidence gaps",
            "Statements where many said ‘don’t know’, or few gave any evidence.",
            result.evidence_gaps,
        ),
    ]
    header = ["No.", "Statement", "% agree", "Mean", "Ratings 1/2/3/4", "Don’t know"]
    for n, (name, explanation, statements) in enumerate(lists):
        flow.row += 1
        if n:  # the first list keeps with the heading above it
            flow.sections.append(flow.row)
        flow.para(name, flow.style.bold, 18)
        flow.para(explanation, note, 16)
        if not statements:
            none = result.no_improvements if name == "Emerging areas for improvement" else ""
            flow.para(none or "None.", note, 16)
            continue
        flow.table(header, [_stage1_row(s) for s in statements])
    _voices(flow, result)


def _voices(flow: _Flow, result: QSResult) -> None:
    """The lived-experience view: people who use services beside staff and partners, per
    statement, with those they see differently flagged."""
    rows = [
        [
            s.number,
            s.text,
            _share(s.users_view),
            _share(s.staff_view),
            "Yes" if s.seen_differently else "",
        ]
        for s in result.statements
        if s.users_view is not None or s.staff_view is not None
    ]
    if not rows:
        return
    flow.row += 1
    flow.sections.append(flow.row)
    flow.para("People who use services", flow.style.bold, 18)
    differ = [s.number for s in result.statements if s.seen_differently]
    said = (
        "People who use services see this differently: statement"
        f"{'s' * (len(differ) != 1)} {', '.join(map(str, differ))}. Explain the difference in "
        "your summary rather than averaging it out."
        if differ
        else "No statement is seen differently by people who use services."
    )
    flow.para(
        "% agree of people who use services (people with lived experience, unpaid carers and "
        "Healthwatch) beside staff and partners (Staff), n = their ratings 1 to 4. "
        f"{said} Their comments come first in findings.xlsx.",
        flow.style.note,
    )
    header_row = flow.row
    labels = ["No.", "Statement", "Use services", "Staff", "Seen differently"]
    flow.table(labels, rows)
    flow.ws.row_dimensions[header_row].height = 32
    flow.repeat, flow.repeat_end = header_row, flow.row  # kept only if it runs over a page


def _share(view: GroupResult | None) -> str:
    if view is None or view.percent_agree is None:
        return "–"
    return f"{view.percent_agree:.0f}% (n={sum(view.counts.values())})"


def _fewer_than(result: QSResult) -> str:
    """`` (fewer than 60% agree)``: the improvement threshold the findings were made with."""
    share = result.improvement_max_agree_share
    return "" if share is None else f" (fewer than {share * 100:g}% agree)"


def _stage1_row(s: StatementResult) -> list[Any]:
    return [
        s.number,
        s.text,
        "–" if s.percent_agree is None else f"{s.percent_agree:.0f}%",
        "–" if s.mean is None else f"{s.mean:.1f}",
        " / ".join(str(s.counts.get(k, 0)) for k in (1, 2, 3, 4)),
        f"{s.dont_know} of {s.responses}",
    ]


def _words_formulas(printed: PrintedLayout | None) -> tuple[dict[str, str], str]:
    """Column D's formula for each counted field (by label), and the total's formula.

    Without ``printed``: each row's typed words, and their sum. With it: the words each row
    adds to the printed section (a subheading printed only above filled-in text; an entry's
    number and its "Evidence: …" line), and the total adds the words printed whatever is typed.
    The total counts the strengths and areas for improvement from their text over the whole
    block (``_entries_total``), so a labelled row inserted inside the block counts too.
    """
    counted = [f for f in FIELDS if f.counted]
    narrative = [f for f in counted if f.kind != "entry"]
    sums = "+".join(f"{WORDS_COL}{FIELD_ROWS[f.label]}" for f in narrative)
    if printed is None:
        total = f"{sums}+{_entries_total(EntryLayout(), EntryLayout())}"
        return {f.label: word_count_formula(field_cell(f.label)) for f in counted}, "=" + total
    formulas: dict[str, str] = {}
    by_key = {f.key: f for f in printed.fields}
    label_of = {f.key: f.label for f in FIELDS}
    extra: list[str] = [sums, _entries_total(printed.strengths, printed.improvements)]
    extra.append(str(printed.fixed))
    for f in counted:
        words = word_count_expression(field_cell(f.label))
        if f.kind == "entry":
            layout = printed.strengths if f.key == "strengths" else printed.improvements
            ids = word_count_expression(field_cell(f.label, IDS_COL), ",;")
            typed = words if layout.text == 1 else f"{layout.text}*{words}"
            line = f"IF({ids}>0,{layout.evidence_line}+{layout.per_id}*{ids},0)"
            formulas[f.label] = f"=IF(OR({words}>0,{ids}>0),{layout.entry}+{typed}+{line},0)"
            continue
        fl = by_key.get(f.key)
        if fl is None:
            formulas[f.label] = "=0"
        elif fl.times == 1 and fl.extra == 0:
            formulas[f.label] = word_count_formula(field_cell(f.label))
        else:
            formulas[f.label] = f"=IF({words}>0,{fl.times}*{words}+{fl.extra},0)"
    for fl in printed.fields:
        # Fields that are not counted on a row of their own (a name, a post) but printed.
        field = next(f for f in FIELDS if f.key == fl.key)
        if field.counted:
            continue
        ref = field_cell(label_of[fl.key])
        words = word_count_expression(ref)
        # IF(words>0, times*words+extra, 0) with the (long) word count written once less.
        if fl.extra:
            extra.append(f"{fl.times}*{words}+{fl.extra}*({has_words_expression(ref)})")
        else:
            extra.append(f"{fl.times}*{words}")
    return formulas, "=" + "+".join(extra)


ENTRY_ROWS = range(
    min(FIELD_ROWS[f.label] for f in FIELDS if f.kind == "entry"),
    max(FIELD_ROWS[f.label] for f in FIELDS if f.kind == "entry") + 1,
)
"""The block of strengths and areas for improvement in a fresh form (one range of rows)."""


def _entries_total(strengths: EntryLayout, improvements: EntryLayout) -> str:
    """The words the strengths and areas for improvement print, worked out from the text of
    every row of their block (an array formula): a row a person inserts inside the block
    extends these ranges in Excel and LibreOffice, and counts like the tool counts it: by its
    label in column A (``Strength 4``; a row without a label is not read, so not counted). With
    nothing filled in, the report still prints the first (empty) entry of each list."""
    first, last = ENTRY_ROWS[0], ENTRY_ROWS[-1]

    def span(col: str) -> str:
        return f"{col}{first}:{col}{last}"

    words = word_count_expression(span(TEXT_COL))
    ids = word_count_expression(span(IDS_COL), ",;")
    label = span(LABEL_COL)
    kinds = {
        'ISNUMBER(SEARCH("strength",' + label + "))": strengths,
        'ISNUMBER(SEARCH("improvement",' + label + "))": improvements,
    }

    def coefficient(pick: Callable[[EntryLayout], int]) -> str:
        return "(" + "+".join(f"{test}*{pick(lay)}" for test, lay in kinds.items()) + ")"

    text = coefficient(lambda lay: lay.text)
    line = coefficient(lambda lay: lay.evidence_line)
    per_id = coefficient(lambda lay: lay.per_id)
    parts = [f"SUM({text}*({words})+({ids}>0)*{line}+{per_id}*({ids}))"]
    for test, lay in kinds.items():
        if lay.entry:
            filled = f"SUM({test}*((({words})+({ids}))>0))"
            parts.append(f"{lay.entry}*MAX(1,{filled})")
    return "+".join(parts)


def _form_sheet(
    ws: Any, style: Style, title: str, limit: int, printed: PrintedLayout | None = None
) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.formula import ArrayFormula

    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.merge_cells(f"A{TITLE_ROW}:{LAST_COL}{TITLE_ROW}")
    style.text(ws[f"A{TITLE_ROW}"], title, style.title)
    ws.row_dimensions[TITLE_ROW].height = row_height([(title, 100)], 21)

    # The running total of Section B, with a plain-English status beside it.
    words_formulas, total_formula = _words_formulas(printed)
    label = ws[f"A{TOTAL_ROW}"]
    style.text(label, TOTAL_LABEL, style.bold)
    ws.merge_cells(f"B{TOTAL_ROW}:C{TOTAL_ROW}")
    total = ws[TOTAL_CELL]
    # An array formula: its ranges are worked out cell by cell in Excel and LibreOffice alike.
    total.value = ArrayFormula(TOTAL_CELL, total_formula)
    total.font = style.bold
    total.alignment = style.wrap_center
    total.number_format = "0"
    limit_ref = f"${WORDS_COL}${TOTAL_ROW}"
    status = ws[STATUS_CELL]
    status.value = (
        f'=IF({limit_ref}>{limit},"Over the {limit}-word limit by "&({limit_ref}-{limit})'
        f'&" words: please shorten Section B.","Within the {limit}-word limit: "'
        f'&({limit}-{limit_ref})&" words to spare.")'
    )
    status.font = style.body
    status.alignment = style.wrap
    for ref in (f"A{TOTAL_ROW}", STATUS_CELL, f"C{TOTAL_ROW}", TOTAL_CELL):
        ws[ref].border = style.border
        ws[ref].fill = style.label_fill
    ws.row_dimensions[TOTAL_ROW].height = 20
    red = style.values["warning_colour"]
    ws.conditional_formatting.add(
        TOTAL_CELL,
        FormulaRule(
            formula=[f"{limit_ref}>{limit}"],
            font=Font(bold=True, color="FFFFFF"),
            fill=PatternFill(start_color=red, end_color=red, fill_type="solid"),
        ),
    )
    ws.conditional_formatting.add(
        f"{STATUS_CELL}:C{TOTAL_ROW}",
        FormulaRule(formula=[f"{limit_ref}>{limit}"], font=Font(bold=True, color=red)),
    )

    style.header_row(ws, HEADER_ROW, FORM_HEADER)
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.merge_cells(f"A{INTRO_ROW}:{LAST_COL}{INTRO_ROW}")
    style.text(ws[f"A{INTRO_ROW}"], FORM_INTRO, style.note)
    ws.row_dimensions[INTRO_ROW].height = row_height([(FORM_INTRO, 150)], 13)

    for section in SECTIONS:
        row = HEADING_ROWS[section.heading]
        ws.merge_cells(f"A{row}:{LAST_COL}{row}")
        style.text(ws[f"A{row}"], section.heading, style.heading)
        ws[f"A{row}"].alignment = Alignment(vertical="bottom", wrap_text=True)
        ws.row_dimensions[row].height = 30
        ws.merge_cells(f"A{row + 1}:{LAST_COL}{row + 1}")
        style.text(ws[f"A{row + 1}"], section.note, style.note)
        ws.row_dimensions[row + 1].height = row_height([(section.note, 140)], 14)
        for f in section.fields:
            _form_field(ws, f, style, words_formulas.get(f.label))

    ws.merge_cells(f"A{NOTE_ROW}:{LAST_COL}{NOTE_ROW}")
    style.text(ws[f"A{NOTE_ROW}"], FORM_NOTE, style.note)
    ws.row_dimensions[NOTE_ROW].height = row_height([(FORM_NOTE, 126)], 14)

    for f in FIELDS:
        if f.kind == "rating":
            list_validation(ws, field_cell(f.label), list(SELF_RATINGS), f.label, f.help)
            continue
        dv = DataValidation(
            type="date" if f.kind == "date" else None,
            operator="between" if f.kind == "date" else None,
            formula1="36526" if f.kind == "date" else None,  # 1 January 2000
            formula2="73050" if f.kind == "date" else None,  # 31 December 2099
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=f.kind == "date",
            promptTitle=f.label[:32],
            prompt=f.help[:255],
            errorTitle="Type a date",
            error="Type the date as dd/mm/yyyy, for example 04/12/2026.",
        )
        ws.add_data_validation(dv)
        dv.add(field_cell(f.label))

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(ws, "landscape", repeat_rows=f"{TITLE_ROW}:{HEADER_ROW}")
    _keep_sections(ws)
    protect(ws)
    ws.sheet_view.zoomScale = 100


def _form_field(ws: Any, f: FormField, style: Style, words_formula: str | None) -> None:
    from openpyxl.styles import Alignment

    row = FIELD_ROWS[f.label]
    label = ws[f"{LABEL_COL}{row}"]
    style.text(label, f.label, style.bold)
    label.fill = style.label_fill
    label.border = style.border
    text = ws[f"{TEXT_COL}{row}"]
    style.input(text)
    if f.kind == "entry":
        style.input(ws[f"{IDS_COL}{row}"])
        style.input(ws[f"{STAGE1_COL}{row}"])
    else:
        # One wide cell for the text; C stays locked inside the merge.
        ws[f"{IDS_COL}{row}"].border = style.border
        ws.merge_cells(f"{TEXT_COL}{row}:{IDS_COL}{row}")
    if f.kind == "date":
        text.number_format = DATE_FORMAT
        text.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    words = ws[f"{WORDS_COL}{row}"]
    words.border = style.border
    words.alignment = style.wrap_center
    if f.counted and words_formula is not None:
        words.value = words_formula
        words.number_format = "0"
        words.font = style.body
    else:
        words.fill = style.label_fill
    if f.kind != "entry":
        ws[f"{STAGE1_COL}{row}"].fill = style.label_fill
        ws[f"{STAGE1_COL}{row}"].border = style.border
    ws.row_dimensions[row].height = f.height


def fit_rows(ws: Any) -> None:
    """Make each field row of a filled-in form (``ws``, the form sheet) tall enough to show
    its text, estimated from the text's length and the column widths: spreadsheets do not grow
    a row for wrapped text in merged cells, nor one whose height was set. Never shorter than
    the fresh form's row (room to write)."""
    from pipeline.xlsx.cells import format_value

    wide = WIDTHS[TEXT_COL] + WIDTHS[IDS_COL]
    for f in FIELDS:
        row = FIELD_ROWS[f.label]

        def text(col: str, row: int = row) -> str:
            value = ws[f"{col}{row}"].value
            return "" if value is None else format_value(value)

        texts: list[tuple[str, float]] = [(text(TEXT_COL), wide)]
        if f.kind == "entry":
            texts = [(text(TEXT_COL), WIDTHS[TEXT_COL]), (text(IDS_COL), WIDTHS[IDS_COL])]
            texts.append((text(STAGE1_COL), WIDTHS[STAGE1_COL]))
        ws.row_dimensions[row].height = max(f.height, row_height(texts))
    _keep_sections(ws)


def _keep_sections(ws: Any) -> None:
    """Page breaks that keep each section's heading and note with its first field, from the
    row heights as they are (a fresh form's, or those ``fit_rows`` made for typed text)."""
    from openpyxl.worksheet.pagebreak import RowBreak

    from pipeline.xlsx.write import Pages

    ws.row_breaks = RowBreak()
    pages = Pages(ws, sum(WIDTHS.values()))
    pages.capacity -= pages.height(TITLE_ROW, HEADER_ROW + 1)  # printed on every page
    pages.start = INTRO_ROW  # (counted above)
    starts = [HEADING_ROWS[s.heading] for s in SECTIONS] + [NOTE_ROW]
    for start, end in itertools.pairwise(starts):
        # A short section whole; a long one by its heading, note and first field.
        whole = pages.height(start, end)
        first = pages.height(start, start + 3)
        pages.keep(start, end, need=whole if whole <= pages.capacity / 2 else first)
    pages.finish(NOTE_ROW)
