"""The Stage 3 report: the context from what was read, rendered into the Word template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import SelfAssessError
from pipeline.report import TEMPLATE as TEMPLATE  # still importable from here
from pipeline.report.docx import (
    Block,
    Ink,
    Pictures,
    Prose,
    Runs,
    draft_watermark,
    drop_empty_runs,
    fill_contents,
    join_runs,
    keep_rows_whole,
    mark_fields_dirty,
    package_members,
    preserve_spaces,
    set_core_properties,
    table_block,
    text_run,
    zip_members,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from docxtpl import DocxTemplate

    from pipeline.framework import Framework, IRItem, QualityStatement
    from pipeline.model.inputs import EvidenceItem, Inputs, Overview, Summary
    from pipeline.model.stage1 import QSResult


TITLE = "Adult social care self-assessment"


ALL_THEMES = "All themes"


LOGO_WIDTH_MM = 45


# A picture from a Stage 2 summary: at most this wide and this high in the report.
PICTURE_WIDTH_MM = 120
PICTURE_MAX_MM = 120


# Document properties need a date; with no submission date, this fixed one keeps builds equal.
FALLBACK_DATE = dt.date(2000, 1, 1)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class EntryView:
    """A strength or an area for improvement: ``{{ entry.number }}. {{ entry.text }}``."""

    number: int
    text: Prose
    evidence: Runs  # "EV-003, EV-011", each linked to its register entry in Section D


@dataclass(frozen=True)
class SummaryView:
    ambition: Prose
    strengths: list[EntryView]
    improvements: list[EntryView]
    priorities: Prose
    others_say: Prose
    lead_officer: Prose
    lead_officer_post: Prose
    verified_by: Prose
    verified_by_post: Prose
    verified_on: str
    pictures: list[Runs]  # pasted into "What others say", each with its description as alt text


@dataclass(frozen=True)
class Stage1View:
    """A quality statement's Stage 1 results in Section B's "Current performance"."""

    chart: Runs  # the rating chart, a picture with alt text (empty when switched off)
    summary: Prose  # "42 people from 7 groups; 78% agree overall" (empty when switched off)


@dataclass(frozen=True)
class QualityStatementView:
    code: str
    name: Prose
    we_statement: Prose
    summary: SummaryView | None  # None: no Stage 2 summary received (only in a draft)
    stage1: Stage1View | None = None  # None: no Stage 1 returns, or switched off


@dataclass(frozen=True)
class EngagementView:
    """Section C's engagement table: Stage 1 returns by respondent group and quality
    statement, with the dates of the round."""

    intro: Prose
    table: Block
    key: Prose  # what each quality statement code in the table's header stands for


@dataclass(frozen=True)
class ThemeView:
    code: str
    name: Prose
    introduction: Prose  # the guidance's introduction to the theme (not in the default template)
    quality_statements: list[QualityStatementView]


@dataclass(frozen=True)
class SignOffRow:
    role: Prose
    name: Prose
    date: str
    endorsement: Prose


@dataclass(frozen=True)
class DocumentRef:
    """A library document against an IR item: its ID (to the register) and title (to the
    document itself)."""

    id: Runs
    title: Runs
    sections: Prose  # "Relevant sections/pages" as typed (may be empty)


@dataclass(frozen=True)
class IRRow:
    code: str
    text: Prose
    detail: Prose
    quality_statements: Prose
    document_types: Prose
    documents: list[DocumentRef]  # empty: "No document yet"


@dataclass(frozen=True)
class IRGroup:
    name: Prose  # "All themes", then each theme's name
    items: list[IRRow]


@dataclass(frozen=True)
class RegisterRow:
    id: Runs  # the bookmark that Section B's and Section D's links lead to
    title: Runs  # linked to the document
    link: Prose
    sections: Prose  # "Relevant sections/pages" as typed
    ir_items: Prose
    quality_statements: Prose
    document_type: Prose
    owner: Prose
    date: str
    public: Prose
    redacted: Prose
    notes: Prose


@dataclass(frozen=True)
class PlanQSView:
    """One quality statement's actions in the annex "Our improvement plan"."""

    name: Prose
    table: Block


@dataclass(frozen=True)
class PlanThemeView:
    name: Prose
    quality_statements: list[PlanQSView]


@dataclass(frozen=True)
class PlanAnnexView:
    intro: Prose
    themes: list[PlanThemeView]


@dataclass(frozen=True)
class RatingAnnexView:
    """The internal annex of self-ratings: per quality statement, then per theme and overall."""

    intro: Prose
    table: Block
    totals: Block
    note: Prose


@dataclass(frozen=True)
class ReportContext:
    """Every variable the report template may use."""

    council: Prose
    title: str
    date: str
    version: Prose
    logo: Any  # the logo, a picture with alt text (Runs), or "" when there is none
    draft: bool
    draft_watermark: Runs
    about_us: Prose
    our_strategy: Prose
    our_key_strengths: Prose
    our_key_risks: Prose
    themes: list[ThemeView]
    process: Prose
    sign_off: list[SignOffRow]
    engagement: EngagementView | None
    ir_groups: list[IRGroup]
    register: list[RegisterRow]
    # The register in parts of REGISTER_PART_ROWS rows, one table each (the template's).
    register_parts: list[list[RegisterRow]]
    framework: str
    # Annexes (None: switched off, or nothing to show).
    improvement_plan: PlanAnnexView | None = None
    self_rating: RatingAnnexView | None = None

    def variables(self) -> dict[str, Any]:
        """The Jinja context: one name per field (no nested dictionaries)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def format_date(date: dt.date | None) -> str:
    """``8 December 2023`` (the same in every locale), or ``""``."""
    if date is None:
        return ""
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def _prose(value: Any) -> Prose:
    """A models.Text, a string or None as Prose."""
    if value is None:
        return Prose("")
    return Prose(getattr(value, "value", value))


def build_context(
    framework: Framework,
    inputs: Inputs,
    *,
    draft: bool,
    ink: Ink,
    logo: Any = "",
    pictures: Pictures | None = None,
    table_style: str = "",
) -> ReportContext:
    """The template's variables from what was read; links and bookmarks are made by ``ink``,
    pictures (Stage 1 charts, pictures from Stage 2) by ``pictures`` (none without it)."""
    overview = inputs.overview
    library = inputs.library
    items = library.documents if library is not None else ()
    by_id = library.by_id() if library is not None else {}
    # The register is made first: its bookmarks are where every evidence link leads.
    register = _register(items, ink)
    council = _prose(overview.council) if overview is not None else Prose("")
    if not council:
        council = Prose(inputs.ws.settings.council)
    return ReportContext(
        council=council,
        title=TITLE,
        date=format_date(overview.submission_date if overview else None),
        version=_prose(overview.version_label if overview else None),
        logo=logo,
        draft=draft,
        draft_watermark=draft_watermark() if draft else Runs(),
        about_us=_prose(overview.about_us if overview else None),
        our_strategy=_prose(overview.our_strategy if overview else None),
        our_key_strengths=_prose(overview.our_key_strengths if overview else None),
        our_key_risks=_prose(overview.our_key_risks if overview else None),
        themes=_themes(framework, inputs, by_id, ink, pictures),
        process=_prose(overview.process if overview else None),
        sign_off=_sign_off(overview),
        engagement=_engagement(framework, inputs, table_style),
        ir_groups=_ir_groups(framework, items, by_id, ink),
        register=register,
        register_parts=register_parts(register),
        framework=framework.framework.title,
        improvement_plan=_plan_annex(framework, inputs, table_style),
        self_rating=_rating_annex(framework, inputs, table_style),
    )


PLAN_WIDTHS_MM = (15.0, 50.0, 60.0, 30.0, 27.0, 19.0, 44.0)


def _plan_annex(framework: Framework, inputs: Inputs, table_style: str) -> PlanAnnexView | None:
    """The improvement plan by theme and quality statement; None without a plan (or rows), or
    when switched off (``[report] plan_annex``)."""
    plan = inputs.plan
    if plan is None or not inputs.ws.settings.report.plan_annex or not plan.rows:
        return None
    by_qs: dict[str, list[Any]] = {}
    for r in plan.rows:
        by_qs.setdefault(r.quality_statement, []).append(r)
    headers = ["Ref", "Area for improvement or priority", "Action", "Owner", "Due", "Status"]
    headers.append("Measure of success and latest update")
    themes = []
    for theme in framework.themes:
        views = []
        for qs in theme.quality_statements:
            rows = by_qs.get(qs.code, [])
            if not rows:
                continue
            cells = [
                [
                    r.ref or "–",
                    headline(r.text) or "–",
                    r.action or "No action yet",
                    r.owner or "–",
                    format_date(r.due) or "–",
                    r.status or ("Not started" if r.action else "–"),
                    "\n".join(t for t in (r.measure, r.update) if t) or "–",
                ]
                for r in rows
            ]
            table = table_block(headers, cells, list(PLAN_WIDTHS_MM), table_style, numbers=False)
            views.append(PlanQSView(Prose(f"{qs.code} {qs.name}"), table))
        if views:
            themes.append(PlanThemeView(Prose(theme.name), views))
    if not themes:
        return None
    intro = (
        "What we are doing about each area for improvement and priority in Section B (each "
        "named by its first sentence): the action, who owns it, when it is due and where it "
        "stands."
    )
    return PlanAnnexView(Prose(intro), themes)


def headline(text: str, limit: int = 200) -> str:
    """An area for improvement's first sentence (its headline; the whole text is in Section
    B), cut at a word with "…" beyond ``limit`` characters."""
    import re

    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(?=\s+[A-Z0-9“‘(\"'])", text)
    first = match.group(1) if match else text
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _rating_annex(framework: Framework, inputs: Inputs, table_style: str) -> RatingAnnexView | None:
    """The self-ratings (internal; ``[report] self_rating_annex``, off by default)."""
    from pipeline.analysis.rating import SCORE_DESCRIPTORS, workspace_ratings

    if not inputs.ws.settings.report.self_rating_annex:
        return None
    ratings = workspace_ratings(framework, inputs)
    if not ratings.any:
        return None
    rows = []
    for r in ratings.statements:
        score = "–" if r.score is None else f"{r.score} ({SCORE_DESCRIPTORS[r.score]})"
        agree = "–" if r.agree is None else f"{r.agree:.0f}%"
        note = r.reason + (f"\nSharp disagreement: {r.disagrees}." if r.disagrees else "")
        rows.append([f"{r.code} {r.name}", score, agree, note])
    table = table_block(
        ["Quality statement", "Self-rating", "Stage 1 agree", "Reason"],
        rows,
        [52.0, 36.0, 20.0, 52.0],
        table_style,
        numbers=False,
    )
    totals_rows = [[t.name, t.describe()] for t in ratings.themes]
    totals_rows.append(["Overall", ratings.overall.describe()])
    totals = table_block(
        ["Theme", "Score (% of maximum, band)"],
        totals_rows,
        [80.0, 80.0],
        table_style,
        bold_last_row=True,
        numbers=False,
    )
    intro = (
        "For internal use. Each lead officer's self-rating on the CQC's scale (1 the evidence "
        "shows significant shortfalls, 2 some shortfalls, 3 a good standard, 4 an exceptional "
        "standard), beside the share of Stage 1 ratings that agree."
    )
    note = (
        "Per theme and overall, as the CQC aggregates scores: the sum of the scores as a "
        "percentage of the maximum (4 per quality statement scored); 25–38% inadequate, 39–62% "
        "requires improvement, 63–87% good, 88–100% outstanding."
    )
    return RatingAnnexView(Prose(intro), table, totals, Prose(note))


# Rows of the evidence register per table. LibreOffice lays out one long table in time that
# grows faster than its rows: a register of 2,500 documents in one table took 2.8 times the
# processor time of the same rows in tables of 250 (of 100: no faster again; issue 17). A
# register of up to this many rows stays one table.
REGISTER_PART_ROWS = 250


def register_parts(rows: list[RegisterRow]) -> list[list[RegisterRow]]:
    """The register in parts of at most ``REGISTER_PART_ROWS`` rows, as even as they can be
    (2,600 rows: eleven parts of 236 or 237, not ten of 250 and one of 100)."""
    if not rows:
        return []
    count = -(-len(rows) // REGISTER_PART_ROWS)
    size, extra = divmod(len(rows), count)
    parts, start = [], 0
    for i in range(count):
        end = start + size + (i < extra)
        parts.append(rows[start:end])
        start = end
    return parts


def _register(items: Iterable[EvidenceItem], ink: Ink) -> list[RegisterRow]:
    rows = []
    for item in items:
        rows.append(
            RegisterRow(
                id=ink.bookmark(item.anchor, text_run(item.id)),
                title=_title_link(item, ink),
                link=Prose(item.link),
                sections=Prose(item.sections),
                ir_items=Prose(", ".join(item.ir_items)),
                quality_statements=Prose(", ".join(item.quality_statements)),
                document_type=Prose(item.document_type),
                owner=Prose(item.owner),
                date=format_date(item.date),
                public=Prose(item.public),
                redacted=Prose(item.redacted),
                notes=Prose(item.notes),
            )
        )
    return rows


def _title_link(item: EvidenceItem, ink: Ink) -> Runs:
    title = item.title if item.title.strip() else (item.link or "Untitled document")
    return ink.hyperlink(title, item.link)


def _evidence_links(ids: Iterable[str], by_id: dict[str, EvidenceItem], ink: Ink) -> Runs:
    """``EV-003, EV-011``: each ID in the library linked to its register entry; others plain."""
    parts = []
    for evidence_id in dict.fromkeys(ids):
        item = by_id.get(evidence_id.upper())
        if item is not None and item.anchor in ink.bookmarks:
            parts.append(ink.internal_link(evidence_id, item.anchor))
        else:
            parts.append(text_run(evidence_id))
    return join_runs(parts)


def _themes(
    framework: Framework,
    inputs: Inputs,
    by_id: dict[str, EvidenceItem],
    ink: Ink,
    pictures: Pictures | None,
) -> list[ThemeView]:
    first: dict[str, Summary] = {}
    for summary in inputs.summaries:
        first.setdefault(summary.quality_statement, summary)
    from concurrent.futures import ThreadPoolExecutor

    # The charts' PNG encoding runs on this pool while the views are put together.
    with ThreadPoolExecutor(max_workers=1) as pool:
        charts = _charts(framework, inputs, pool) if pictures is not None else {}
        return _theme_views(framework, inputs, by_id, ink, pictures, first, charts)


def _theme_views(
    framework: Framework,
    inputs: Inputs,
    by_id: dict[str, EvidenceItem],
    ink: Ink,
    pictures: Pictures | None,
    first: dict[str, Summary],
    charts: dict[str, Future[bytes]],
) -> list[ThemeView]:
    return [
        ThemeView(
            code=theme.code,
            name=Prose(theme.name),
            introduction=Prose(theme.introduction),
            quality_statements=[
                _quality_statement(
                    qs,
                    first.get(qs.code),
                    by_id,
                    ink,
                    pictures,
                    _stage1(inputs, inputs.stage1.get(qs.code), pictures, charts.get(qs.code)),
                )
                for qs in theme.quality_statements
            ],
        )
        for theme in framework.themes
    ]


def _charts(
    framework: Framework, inputs: Inputs, pool: ThreadPoolExecutor
) -> dict[str, Future[bytes]]:
    """Each quality statement's Stage 1 rating chart (PNG, to come), by code, when charts are on.

    Each is drawn here, then encoded as PNG (about half a chart's time) on ``pool``'s thread
    while the next is drawn and the views are put together: Pillow lets go of Python's lock
    while it encodes, so on two cores the encoding is mostly hidden. The same bytes as one at a
    time; the drawing, which shares the fonts, stays on this thread.
    """
    from pipeline.report.chart import png, rating_image

    if not inputs.ws.settings.report.stage1_charts:
        return {}
    scale = {r.value: r.label for r in framework.rating_scale}
    return {
        code: pool.submit(png, rating_image(result, scale))
        for code, result in inputs.stage1.items()
        if result.returns
    }


def _stage1(
    inputs: Inputs, result: QSResult | None, pictures: Pictures | None, png: Future[bytes] | None
) -> Stage1View | None:
    """The chart (``png``, drawn by :func:`_charts`) and summary line of a quality statement
    with Stage 1 returns, as switched on in the settings."""
    from pipeline.analysis.stage1 import summary_line
    from pipeline.report.chart import CHART_MAX_HEIGHT_MM, CHART_WIDTH_MM, alt_text

    settings = inputs.ws.settings.report
    if result is None or not result.returns:
        return None
    chart = Runs()
    if settings.stage1_charts and pictures is not None and png is not None:
        chart = pictures.inline(
            png.result(),
            CHART_WIDTH_MM,
            alt_text(result, result.returns),
            max_height_mm=CHART_MAX_HEIGHT_MM,
        )
    line = Prose(summary_line(result, inputs.returns) if settings.stage1_summary else "")
    if not chart and not line:
        return None
    return Stage1View(chart=chart, summary=line)


def _engagement(framework: Framework, inputs: Inputs, table_style: str) -> EngagementView | None:
    """Returns by respondent group (rows) and quality statement (columns), with the dates the
    returned workbooks were saved; None without returns or when switched off."""
    from pipeline.report.chart import engagement

    if not inputs.ws.settings.report.engagement_table or not inputs.returns:
        return None
    e = engagement(framework, inputs.returns)
    codes = [qs.code for qs in framework.quality_statements]
    rows = []
    for group in e.groups:
        counts = [e.counts.get((code, group), 0) for code in codes]
        rows.append([group, *(str(n) for n in counts), str(sum(counts))])
    rows.append(["All groups", *(str(e.by_qs.get(code, 0)) for code in codes), str(e.total)])
    number_mm = 10.5
    table = table_block(
        ["Respondent group", *codes, "All"],
        rows,
        [160 - number_mm * (len(codes) + 1), *[number_mm] * (len(codes) + 1)],
        table_style,
        bold_last_row=True,
    )
    checklists = e.total - e.survey_responses
    returns = f"{checklists} Stage 1 checklist{'s' if checklists != 1 else ''}"
    if e.workshops:
        returns += f" ({e.workshops} of them agreed at workshops)"
    when = ""
    if e.first_saved is not None and e.last_saved is not None:
        if e.first_saved == e.last_saved:
            when = f", saved on {format_date(e.first_saved)}"
        else:
            when = f", saved between {format_date(e.first_saved)} and {format_date(e.last_saved)}"
    survey = ""
    if e.survey_responses:
        n = e.survey_responses
        survey = (
            f", and {n} survey response{'s' if n != 1 else ''} (one for each quality statement "
            "a respondent answered on)"
        )
    intro = f"We received {returns}{when}{survey}. By respondent group and quality statement:"
    key = "; ".join(f"{qs.code} {qs.name}" for qs in framework.quality_statements) + "."
    return EngagementView(intro=Prose(intro), table=table, key=Prose(key))


def _quality_statement(
    qs: QualityStatement,
    summary: Summary | None,
    by_id: dict[str, EvidenceItem],
    ink: Ink,
    pictures: Pictures | None = None,
    stage1: Stage1View | None = None,
) -> QualityStatementView:
    view = None
    if summary is not None:

        def entries(items: Iterable[Any]) -> list[EntryView]:
            return [
                EntryView(
                    number=n,
                    text=_prose(entry.text),
                    evidence=_evidence_links(entry.evidence_ids, by_id, ink),
                )
                for n, entry in enumerate(items, start=1)
            ]

        view = SummaryView(
            ambition=_prose(summary.ambition),
            strengths=entries(summary.strengths),
            improvements=entries(summary.improvements),
            priorities=_prose(summary.priorities),
            others_say=_prose(summary.others_say),
            lead_officer=_prose(summary.lead_officer_name),
            lead_officer_post=_prose(summary.lead_officer_post),
            verified_by=_prose(summary.verified_by_name),
            verified_by_post=_prose(summary.verified_by_post),
            verified_on=format_date(summary.verified_on),
            pictures=[
                pictures.inline(
                    p.data,
                    min(PICTURE_WIDTH_MM, p.width_px * 25.4 / 96),  # at most its own size
                    p.alt,
                    max_height_mm=PICTURE_MAX_MM,
                )
                for p in summary.pictures
            ]
            if pictures is not None
            else [],
        )
    return QualityStatementView(
        code=qs.code,
        name=Prose(qs.name),
        we_statement=Prose(qs.we_statement),
        summary=view,
        stage1=stage1,
    )


def _sign_off(overview: Overview | None) -> list[SignOffRow]:
    """The sign-off rows that have been filled in (the blank roles are a to-do, not content)."""
    if overview is None:
        return []
    return [
        SignOffRow(
            role=Prose(row.role),
            name=_prose(row.name),
            date=format_date(row.date),
            endorsement=_prose(row.endorsement),
        )
        for row in overview.sign_off
        if not row.name.blank or not row.endorsement.blank or row.date is not None
    ]


def _ir_groups(
    framework: Framework,
    items: Iterable[EvidenceItem],
    by_id: dict[str, EvidenceItem],
    ink: Ink,
) -> list[IRGroup]:
    """IR items as the guidance groups them: those for all themes (in the guidance's order),
    then each theme's (an item for quality statements in two themes appears under both)."""
    documents: dict[str, list[EvidenceItem]] = {}
    for item in items:
        for code in dict.fromkeys(c.strip().upper() for c in item.ir_items):
            documents.setdefault(code, []).append(item)
    names = {qs.code: qs.name for qs in framework.quality_statements}

    def row(ir: IRItem) -> IRRow:
        refs = [
            DocumentRef(
                id=(
                    ink.internal_link(doc.id, doc.anchor)
                    if doc.anchor in ink.bookmarks and by_id.get(doc.id.upper()) is doc
                    else text_run(doc.id)
                ),
                title=_title_link(doc, ink),
                sections=Prose(doc.sections),
            )
            for doc in documents.get(ir.code, [])
        ]
        detail = ""
        if ir.detail is not None:
            detail = "\n".join([ir.detail.text, *(f"• {b}" for b in ir.detail.bullets)]).strip()
        qs = "All" if ir.relates_to_all else "\n".join(names[c] for c in ir.quality_statements)
        return IRRow(
            code=ir.code,
            text=Prose(ir.text),
            detail=Prose(detail),
            quality_statements=Prose(qs),
            document_types=Prose("\n".join(ir.document_types)),
            documents=refs,
        )

    # "All themes" in the guidance's order (IR37, IR38, IR2, IR3, IR4), the rest by number.
    order = {code: n for n, code in enumerate(framework.all_themes_order)}
    for_all = sorted(
        (ir for ir in framework.ir_items if ir.relates_to_all),
        key=lambda ir: (order.get(ir.code, len(order)), ir.number),
    )
    groups = [IRGroup(Prose(ALL_THEMES), [row(ir) for ir in for_all])]
    for theme in framework.themes:
        codes = {qs.code for qs in theme.quality_statements}
        rows = [
            row(ir)
            for ir in framework.ir_items
            if not ir.relates_to_all and codes.intersection(ir.quality_statements)
        ]
        groups.append(IRGroup(Prose(theme.name), rows))
    return [g for g in groups if g.items]


def _template_class() -> type[DocxTemplate]:
    from docxtpl import DocxTemplate
    from lxml import etree

    class _StrictTemplate(DocxTemplate):
        """docxtpl parses its output leniently (``recover=True``), which would silently drop
        what it cannot read; a template that produces broken XML must fail instead."""

        def fix_tables(self, xml: str) -> Any:
            try:
                etree.fromstring(xml.encode("utf-8"))
            except etree.XMLSyntaxError as e:
                raise _BrokenXML(str(e)) from e
            return super().fix_tables(xml)

        def map_tree(self, tree: Any) -> None:
            """The rendered body into the document, as docxtpl does, but by parsing the whole
            document once: lxml moving a body of another document in fixes up its nodes one by
            one, ever slower as the body grows (9 s of a 10,000-document register's build)."""
            import re

            from docx.oxml.parser import parse_xml

            root = self.docx._element
            marker = "selfassess-body-goes-here"
            old_body = root.body
            placeholder = etree.Element(old_body.tag)
            placeholder.text = marker
            root.replace(old_body, placeholder)
            xml = etree.tostring(root, encoding="unicode")
            root.replace(placeholder, old_body)
            start = xml.index(f">{marker}<")
            start = xml.rindex("<", 0, start)
            end = xml.index(">", xml.index(marker)) + 1
            body = etree.tostring(tree, encoding="unicode")
            # Serialised alone, the body repeats the namespace declarations the document
            # already makes: drop those, so that the bytes are what docxtpl writes.
            tag_end = body.index(">")
            declared = set(re.findall(r' xmlns(?::\w+)?="[^"]*"', xml[: xml.index(">") + 1]))
            head = re.sub(
                r' xmlns(?::\w+)?="[^"]*"',
                lambda m: "" if m.group(0) in declared else m.group(0),
                body[:tag_end],
            )
            body = head + body[tag_end:]
            new_root = parse_xml((xml[:start] + body + xml[end:]).encode("utf-8"))
            self.docx._part._element = new_root
            self.docx._element = new_root

    return _StrictTemplate


class _BrokenXML(Exception):
    pass


def _logo(pictures: Pictures, inputs: Inputs) -> Runs | str:
    """The council's logo as an inline picture with alternative text ("Logo of Wealdshire
    County Council"), or "" when there is none or it cannot be used.

    A logo that cannot be used is an ``invalid-logo`` warning from ``validate``: the report is
    built without it, as that warning says.
    """
    overview = inputs.overview
    if overview is None or overview.logo.blank:
        return ""
    from docx.image.exceptions import (
        InvalidImageStreamError,
        UnexpectedEndOfFileError,
        UnrecognizedImageError,
    )
    from docx.image.image import Image

    from pipeline.rules.overview import logo_problem

    name = overview.logo.value.strip()
    if logo_problem(inputs.ws.inputs, name):
        return ""
    path = inputs.ws.inputs.joinpath(*Path(name.replace("\\", "/")).parts)
    try:
        Image.from_file(str(path))
    except (
        InvalidImageStreamError,
        UnexpectedEndOfFileError,
        UnrecognizedImageError,
        OSError,
        ValueError,
    ):
        return ""  # named like a picture but not one: left out, like any unusable logo
    council = str(_prose(overview.council)).strip() or inputs.ws.settings.council
    alt = f"Logo of {council}" if council.strip() else "Council logo"
    try:
        return pictures.inline(path.read_bytes(), LOGO_WIDTH_MM, alt)
    except OSError:
        return ""


def _table_style(tpl: DocxTemplate) -> str:
    """The style of the template's first table, for the tables the report makes itself (so
    that a council restyling its tables in Word restyles those too)."""
    from docx.oxml.ns import qn

    style = tpl.docx.element.body.find(f".//{qn('w:tblStyle')}")
    return "" if style is None else str(style.get(qn("w:val")) or "")


def render_report(framework: Framework, inputs: Inputs, *, draft: bool, template: Path) -> bytes:
    """The report as ``.docx`` bytes; the same inputs always give the same bytes."""
    import jinja2
    from docx.opc.exceptions import PackageNotFoundError

    try:
        tpl = _template_class()(str(template))
        tpl.init_docx()
    except (PackageNotFoundError, KeyError, ValueError, OSError) as e:
        raise SelfAssessError(
            f"The report template {template} cannot be opened as a Word document ({e}). "
            "Restore it from templates/docx/ or save it again from Word as .docx."
        ) from e
    ink = Ink(tpl.docx.part)
    pictures = Pictures(tpl.docx.part)
    context = build_context(
        framework,
        inputs,
        draft=draft,
        ink=ink,
        logo=_logo(pictures, inputs),
        pictures=pictures,
        table_style=_table_style(tpl),
    )
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    help_text = "templates/docx/README.md lists the variables and blocks a template may use."
    try:
        tpl.render(context.variables(), jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as e:
        raise SelfAssessError(
            f"The report template {template} uses something that does not exist: {e.message}. "
            + help_text
        ) from e
    except jinja2.TemplateSyntaxError as e:
        near = " ".join(s.strip() for s in getattr(e, "docx_context", []) if s.strip())
        raise SelfAssessError(
            f"The report template {template} has a broken tag: {e.message}"
            + (f" (near: {near[:200]})" if near else "")
            + ". "
            + help_text
        ) from e
    except _BrokenXML as e:
        raise SelfAssessError(
            f"The report template {template} produced a broken document ({e}). Links and "
            "bookmarks need a plain {{ ... }} placeholder, not {{r ... }}. " + help_text
        ) from e
    document = tpl.docx
    drop_empty_runs(document)
    fill_contents(document)
    keep_rows_whole(document)
    mark_fields_dirty(document)
    preserve_spaces(document)
    when = inputs.overview.submission_date if inputs.overview else None
    set_core_properties(
        document,
        title=f"{context.council}: {TITLE}".strip(": "),
        author=str(context.council),
        when=dt.datetime.combine(when or FALLBACK_DATE, dt.time()),
        draft=draft,
    )
    # docxtpl's save is python-docx's (the template replaces no pictures or media).
    return zip_members(package_members(document))
