"""What people give back, as read from their workbooks: the records every stage passes around.

Each value keeps where it came from (file, sheet, cell) so that any rule can point at it.

They are plain frozen dataclasses (``frozen=True, slots=True, kw_only=True``), not pydantic
models: the readers make them by the thousand from values they have already checked and typed
(a rating is parsed before it becomes a ``Stage1Response``), so there is nothing left for
pydantic to validate, and ``collect`` must not pay for importing it (issue 13). Keyword-only, as
pydantic's constructors were; make a changed copy with ``dataclasses.replace``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.model.audits import Audit
from pipeline.model.findings import Finding

# Stage 1's records live with its results (collect imports only them); named here as ever.
from pipeline.model.stage1 import Stage1Response as Stage1Response
from pipeline.model.stage1 import Stage1Return as Stage1Return
from pipeline.model.words import PrintedLayout

if TYPE_CHECKING:
    from pipeline.model.stage1 import QSResult
    from pipeline.workspace import Workspace


@dataclass(frozen=True, slots=True, kw_only=True)
class Located:
    """Where a value was read: the workspace-relative file, the sheet and the cell."""

    file: str
    sheet: str | None = None
    cell: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """A piece of text as typed, with its location."""

    value: str = ""
    at: Located

    @property
    def blank(self) -> bool:
        return not self.value.strip()


EVIDENCE_ID = re.compile(r"^EV-\d{3,}$")


# "and", "&" and "+" between IDs are separators, never IDs ("EV-005 and EV-099").
_ID_SEPARATOR_WORDS = frozenset({"and", "&", "+"})


def split_ids(text: str) -> list[str]:
    """``EV-003, EV-011; ev-12 and EV-4`` -> ``["EV-003", "EV-011", "ev-12", "EV-4"]``: commas,
    semicolons, whitespace, line breaks and the word "and" (or ``&``) separate. Each ID is kept
    as typed (so a message or the report shows it as typed); compare them upper-case."""
    parts = (part.strip().rstrip(".") for part in re.split(r"[,;\s]+", text))
    return [part for part in parts if part and part.casefold() not in _ID_SEPARATOR_WORDS]


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A strength or an area for improvement: the narrative and the evidence IDs it cites."""

    label: str
    text: Text
    evidence: Text
    # The Stage 1 statement numbers the lead officer cites beside it ("3, 7"), as typed; its
    # location when the form has the column (None: a form made before it).
    stage1: Text | None = None

    @property
    def evidence_ids(self) -> list[str]:
        return split_ids(self.evidence.value)

    @property
    def stage1_numbers(self) -> list[int]:
        """The Stage 1 statement numbers cited (``"3, 7 and 12"`` -> ``[3, 7, 12]``); anything
        that is not a number is left out (``stage1_problems`` names it)."""
        return [
            int(p) for p in split_stage1(self.stage1.value if self.stage1 else "") if p.isdigit()
        ]


def split_stage1(text: str) -> list[str]:
    """The parts of a Stage 1 citation cell: ``"S3, 7; no. 12"`` -> ``["3", "7", "12"]``. A leading
    ``S``, ``No.`` or ``#`` is allowed before a number."""
    text = re.sub(r"\b(?:statements?|nos?\.?)(?=\s|\d|$)", " ", text, flags=re.IGNORECASE)
    parts = (re.sub(r"^[s#]\s*(?=\d)", "", p, flags=re.IGNORECASE) for p in split_ids(text))
    return [p for p in parts if p]


@dataclass(frozen=True, slots=True, kw_only=True)
class Picture:
    """A picture pasted into a Stage 2 form's "What others say" area, checked and usable."""

    data: bytes
    format: str  # "png", "jpeg" or "gif"
    width_px: int
    height_px: int
    alt: str  # its description, or a generic one when it has none
    at: Located


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """A completed Stage 2 summary for one quality statement."""

    file: str
    quality_statement: str
    lead_officer_name: Text
    lead_officer_post: Text
    ambition: Text
    strengths: tuple[Entry, ...] = ()
    improvements: tuple[Entry, ...] = ()
    priorities: Text
    others_say: Text
    key_documents: Text
    verified_by_name: Text
    verified_by_post: Text
    verified_on: dt.date | None = None
    verified_on_at: Located | None = None
    pictures: tuple[Picture, ...] = ()
    # The lead officer's self-rating on CQC's scale (1-4), None when not given, and the reason.
    self_rating: int | None = None
    self_rating_at: Located | None = None
    rating_reason: Text | None = None
    # The fingerprint of the printed-words layout its word total was written with ("" before
    # the total counted Section B as printed): see ``PrintedLayout.signature``.
    layout_signature: str = ""

    @property
    def section_b_texts(self) -> list[Text]:
        """The narratives that appear in Section B and count towards the word limit."""
        texts = [self.ambition]
        texts += [e.text for e in self.strengths] + [e.text for e in self.improvements]
        return [*texts, self.priorities, self.others_say]

    @property
    def key_document_ids(self) -> list[str]:
        """The evidence IDs among the key documents, as typed (titles and links are not IDs)."""
        from pipeline.model.key_documents import parse_key_documents

        return [d.id for d in parse_key_documents(self.key_documents.value) if d.id]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceItem:
    """One row of the evidence library register."""

    id: str
    title: str = ""
    link: str = ""
    ir_items: tuple[str, ...] = ()
    quality_statements: tuple[str, ...] = ()
    document_type: str = ""
    owner: str = ""
    date: dt.date | None = None
    review_date: dt.date | None = None  # "Review or end date": a strategy's, policy's or plan's
    still_current: str = ""  # why an older document still applies, or the period it covers
    sections: str = ""  # "Relevant sections/pages": where in the document the CQC should look
    public: str = ""
    redacted: str = ""
    notes: str = ""
    at: Located

    @property
    def anchor(self) -> str:
        """The bookmark name of this item's entry in Section D (``ev_EV-003`` is not valid)."""
        return "ev_" + re.sub(r"[^A-Za-z0-9_]", "_", self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceLibrary:
    file: str
    items: tuple[EvidenceItem, ...] = ()
    # Documents the tool made, not rows of the register (the case-file audit summary): in
    # Section D and IR coverage like the rest; the register's own checks do not apply to them.
    extra: tuple[EvidenceItem, ...] = ()

    @property
    def documents(self) -> tuple[EvidenceItem, ...]:
        """The register's rows, then the documents the tool made."""
        return self.items + self.extra

    def by_id(self) -> dict[str, EvidenceItem]:
        """The first item of each ID (duplicates are a finding, not a crash)."""
        out: dict[str, EvidenceItem] = {}
        for item in self.documents:
            out.setdefault(item.id.upper(), item)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SignOff:
    role: str
    name: Text
    date: dt.date | None = None
    date_at: Located | None = None
    endorsement: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Overview:
    """Council details, Section A and Section C, from ``overview.xlsx``."""

    file: str
    council: Text
    submission_date: dt.date | None = None
    submission_date_at: Located | None = None
    version_label: Text
    logo: Text
    about_us: Text
    our_strategy: Text
    our_key_strengths: Text
    our_key_risks: Text
    process: Text
    sign_off: tuple[SignOff, ...] = ()

    @property
    def section_a(self) -> list[tuple[str, Text]]:
        return [
            ("About us", self.about_us),
            ("Our strategy for adult social care", self.our_strategy),
            ("Our key strengths", self.our_key_strengths),
            ("Our key risks, issues and challenges", self.our_key_risks),
        ]


PLAN_STATUSES = ("Not started", "On track", "At risk", "Done")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanRow:
    """One row of the improvement plan: an area for improvement or a priority (pre-filled from
    the summaries and the overview), or a row a council added, with its action."""

    row: int
    ref: str = ""
    quality_statement: str = ""  # a QS code, "" when not given
    source: str = ""  # "Area for improvement", "Priority" or what a person typed
    text: str = ""
    evidence: str = ""
    action: str = ""
    owner: str = ""
    due: dt.date | None = None
    status: str = ""  # one of PLAN_STATUSES, or "" when not chosen (or not one of them)
    measure: str = ""
    update: str = ""
    at: Located
    cells: tuple[tuple[str, str], ...] = ()  # (field key, cell) for every column found

    def cell(self, key: str) -> str | None:
        for name, ref in self.cells:
            if name == key:
                return ref
        return self.at.cell

    @property
    def evidence_ids(self) -> list[str]:
        return split_ids(self.evidence)

    @property
    def done(self) -> bool:
        return self.status == "Done"

    def days_overdue(self, today: dt.date) -> int:
        """Days past its due date and not done (0 when not overdue)."""
        if self.due is None or self.done or not self.action.strip():
            return 0
        return max(0, (today - self.due).days)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImprovementPlan:
    """``inputs/improvement-plan.xlsx`` as read."""

    file: str
    rows: tuple[PlanRow, ...] = ()

    @property
    def actions(self) -> list[PlanRow]:
        return [r for r in self.rows if r.action.strip()]


@dataclass
class Inputs:
    """Everything read from a workspace's ``inputs/``, and what reading it found."""

    ws: Workspace
    returns: list[Stage1Return] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    library: EvidenceLibrary | None = None
    overview: Overview | None = None
    read_findings: list[Finding] = field(default_factory=list)
    # The Stage 1 results by quality statement (those with returns), aggregated once when read.
    stage1: dict[str, QSResult] = field(default_factory=dict)
    # How each quality statement's Section B prints (by code), measured from the report
    # template; empty: the typed words only (``PrintedLayout.typed_only``).
    printed: dict[str, PrintedLayout] = field(default_factory=dict)
    # The improvement plan (None: not made yet), and the day its due dates are checked against.
    plan: ImprovementPlan | None = None
    today: dt.date = field(default_factory=dt.date.today)
    # The returned case-file audits (inputs/audits/) counted.
    audits: list[Audit] = field(default_factory=list)

    def printed_words(self, summary: Summary) -> int:
        """The words of ``summary``'s Section B section as the report prints it."""
        layout = self.printed.get(summary.quality_statement) or PrintedLayout.typed_only()
        return layout.count(
            lambda key: str(getattr(summary, key).value),
            [(e.text.value, e.evidence_ids) for e in summary.strengths],
            [(e.text.value, e.evidence_ids) for e in summary.improvements],
        )


Rule = Callable[[Inputs], Iterable[Finding]]
"""A validation rule: everything read in, findings out (``pipeline.rules``)."""
