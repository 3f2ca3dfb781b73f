"""Stage 1: the returns as read, and the results per quality statement, per checklist statement
and per group (SPEC §6).

The returns' records are here rather than with the other inputs (``pipeline.model.inputs``,
which names them too) so that ``collect`` imports only the records it makes (issue 13)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline.model.findings import Finding, Findings

# The group of a return whose respondent left the group cell blank. It is shown in the group
# breakdown but not compared with the real groups when looking for divergent views.
NOT_GIVEN = "Not given"


# Typed groups that are not on the list are counted here (a typed group could be a name).
OTHER_GROUP = "Other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage1Response:
    """One statement's answer in one return: ``rating`` is 0-4, or None when left blank."""

    number: int
    rating: int | None = None
    evidence: str = ""
    # Where the rating and evidence were read on the checklist sheet ("C8", "D8"): the form's
    # own cells, or wherever a sorted or edited checklist had them. None when not known.
    rating_cell: str | None = None
    evidence_cell: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage1Return:
    """One returned checklist, one survey respondent's answers for one quality statement, or
    one workshop's (a checklist marked as a workshop or group return)."""

    file: str
    quality_statement: str
    group: str = ""
    responses: tuple[Stage1Response, ...] = ()
    content_key: str = ""  # a hash of what was typed, to spot duplicates
    saved: dt.datetime | None = None  # when the workbook was last saved, as it records it
    # "checklist", "survey" (a row of an export in inputs/surveys/) or "workshop".
    source: str = "checklist"
    # The sheet the answers are on (a survey's: its sheet in an .xlsx export, None for a CSV;
    # None for a checklist: its Checklist sheet) and, for a survey, the row of the respondent.
    sheet: str | None = None
    row: int | None = None
    # A workshop's participants and their groups (group, how many, when given).
    participants: int = 1
    participant_groups: tuple[tuple[str, int | None], ...] = ()


@dataclass
class GroupResult:
    """One respondent group's answers to one statement."""

    group: str
    responses: int
    dont_know: int
    counts: dict[int, int]
    percent_agree: float | None
    mean: float | None


@dataclass
class StatementResult:
    """One checklist statement over every return for its quality statement."""

    number: int
    text: str
    responses: int
    dont_know: int
    counts: dict[int, int]
    percent_agree: float | None
    mean: float | None
    divergent: bool
    evidence_gap: bool
    by_group: dict[str, GroupResult]
    comments: list[tuple[str, int | None, str]]
    # Why the flags are set, for people reading the findings: how many 1-4 ratings came with
    # evidence text; views split both ways; the two groups furthest apart (highest mean first);
    # many don't know; little evidence.
    with_evidence: int = 0
    split_views: bool = False
    groups_apart: tuple[str, str] | None = None
    many_dont_know: bool = False
    little_evidence: bool = False
    # The lived-experience view: the ratings of people who use services (lived experience,
    # unpaid carers, Healthwatch) and of staff and partners, each taken together; whether they
    # see this statement differently (means apart by at least group_mean_gap).
    users_view: GroupResult | None = None
    staff_view: GroupResult | None = None
    seen_differently: bool = False

    @property
    def rated(self) -> int:
        """Ratings 1-4 (don't know excluded)."""
        return sum(self.counts.values())


@dataclass
class Workshop:
    """A workshop or group return: its group, participants and their groups (how many each)."""

    group: str
    participants: int
    groups: tuple[tuple[str, int | None], ...] = ()


@dataclass
class Sources:
    """Where a quality statement's views came from."""

    checklists: int = 0
    survey_responses: int = 0
    surveys: int = 0
    workshops: list[Workshop] = field(default_factory=list)


@dataclass
class QSResult:
    """A quality statement's Stage 1 findings."""

    code: str
    name: str
    returns: int
    statements: list[StatementResult]
    emerging_strengths: list[StatementResult] = field(default_factory=list)
    emerging_improvements: list[StatementResult] = field(default_factory=list)
    divergent: list[StatementResult] = field(default_factory=list)
    evidence_gaps: list[StatementResult] = field(default_factory=list)
    # An area for improvement has fewer than this share agreeing (the setting it was found with);
    # with returns but none, the sentence that says why ("No statement had fewer than 60%
    # agreeing."), for findings.xlsx and the Stage 2 guidance alike.
    improvement_max_agree_share: float | None = None
    no_improvements: str = ""
    sources: Sources = field(default_factory=Sources)


@dataclass
class CollectResult:
    """What ``collect`` read, found and aggregated."""

    returns: int
    skipped: list[Finding]
    findings: Findings
    results: list[QSResult]

    def as_json(self) -> dict[str, object]:
        """The SPEC §6 ``collect --json`` shape; % agree to 1 decimal place, means to 2."""
        return {
            "returns": self.returns,
            "skipped": [
                {"file": f.file, "code": f.code, "message": f.message} for f in self.skipped
            ],
            # Every finding, the skipped files' too, as validate --json gives them.
            "findings": self.findings.as_json()["findings"],
            "quality_statements": [
                {
                    "code": qs.code,
                    "returns": qs.returns,
                    "statements": [
                        {
                            "number": s.number,
                            "text": s.text,
                            "responses": s.responses,
                            "dont_know": s.dont_know,
                            "counts": {str(k): s.counts[k] for k in (1, 2, 3, 4)},
                            "percent_agree": _round(s.percent_agree, 1),
                            "mean": _round(s.mean, 2),
                            "divergent": s.divergent,
                            "evidence_gap": s.evidence_gap,
                        }
                        for s in qs.statements
                    ],
                }
                for qs in self.results
            ],
        }


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)
