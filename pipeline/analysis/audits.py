"""Case-file audits summed up: compliance by standard and by team, the criteria most often not
met, the personal identifiers typed in them, and the summary as an evidence document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.forms.audit import (
    AUDIT_SHEET,
    CASE_CELL,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    PARTLY,
    POST_CELL,
    SCORES,
    TEAM_CELL,
)

if TYPE_CHECKING:
    from pipeline.framework import Criterion, Framework, PracticeStandards, Standard
    from pipeline.model.audits import Audit
    from pipeline.model.findings import Finding
    from pipeline.model.inputs import EvidenceItem


NO_TEAM = "Team not given"


MOST_NOT_MET = 10


@dataclass
class Tally:
    """How many of each finding, and the compliance they make (None: nothing answered)."""

    met: int = 0
    partly: int = 0
    not_met: int = 0
    not_applicable: int = 0
    blank: int = 0

    def add(self, finding: str) -> None:
        if finding == MET:
            self.met += 1
        elif finding == PARTLY:
            self.partly += 1
        elif finding == NOT_MET:
            self.not_met += 1
        elif finding == NOT_APPLICABLE:
            self.not_applicable += 1
        else:
            self.blank += 1

    @property
    def answered(self) -> int:
        """The findings that count: met, partly met or not met."""
        return self.met + self.partly + self.not_met

    @property
    def score(self) -> float:
        return (
            self.met * SCORES[MET] + self.partly * SCORES[PARTLY] + self.not_met * SCORES[NOT_MET]
        )

    @property
    def compliance(self) -> float | None:
        return self.score / self.answered if self.answered else None


@dataclass
class CriterionTally:
    criterion: Criterion
    standard: Standard
    tally: Tally


@dataclass
class AuditSummary:
    """Every audit counted, by standard, by team (and standard), and by criterion."""

    audits: list[Audit]
    overall: Tally
    by_standard: list[tuple[Standard, Tally]]
    teams: list[str]
    by_team: dict[str, Tally]
    by_team_standard: dict[tuple[str, str], Tally]
    criteria: list[CriterionTally]
    ir_items: tuple[str, ...] = ()
    dates: list[dt.date] = field(default_factory=list)

    @property
    def latest(self) -> dt.date | None:
        return max(self.dates) if self.dates else None

    @property
    def earliest(self) -> dt.date | None:
        return min(self.dates) if self.dates else None

    def most_not_met(self, limit: int = MOST_NOT_MET) -> list[CriterionTally]:
        """The criteria found not met most often (ties: more partly met first, then in order);
        only criteria not met at least once."""
        ranked = [c for c in self.criteria if c.tally.not_met]
        ranked.sort(key=lambda c: (-c.tally.not_met, -c.tally.partly))
        return ranked[:limit]


def team_name(team: str) -> str:
    return " ".join(team.split()) or NO_TEAM


def summarise_audits(
    standards: PracticeStandards, audits: Iterable[Audit], framework: Framework | None = None
) -> AuditSummary:
    """Tally every audit's findings (``SCORING_RULE`` in :mod:`pipeline.forms.audit`)."""
    audits = list(audits)
    overall = Tally()
    per_standard = {s.code: Tally() for s in standards.standards}
    per_criterion = {c.code: Tally() for c in standards.criteria}
    teams: dict[str, str] = {}  # casefolded -> as first typed
    by_team: dict[str, Tally] = {}
    by_team_standard: dict[tuple[str, str], Tally] = {}
    for audit in audits:
        name = team_name(audit.team)
        team = teams.setdefault(name.casefold(), name)
        for answer in audit.answers:
            if answer.criterion not in per_criterion:
                continue
            standard = standards.standard_of(answer.criterion)
            for tally in (
                overall,
                per_standard[standard.code],
                per_criterion[answer.criterion],
                by_team.setdefault(team, Tally()),
                by_team_standard.setdefault((team, standard.code), Tally()),
            ):
                tally.add(answer.finding)
    audited = [s for s in standards.standards if per_standard[s.code].answered]
    codes = dict.fromkeys(code for s in audited for code in s.ir_items)
    if framework is not None:
        order = [item.code for item in framework.ir_items]
        ir_items = tuple(code for code in order if code in codes)
    else:
        ir_items = tuple(codes)
    return AuditSummary(
        audits=audits,
        overall=overall,
        by_standard=[(s, per_standard[s.code]) for s in standards.standards],
        teams=sorted(by_team, key=lambda t: (t == NO_TEAM, t.casefold())),
        by_team=by_team,
        by_team_standard=by_team_standard,
        criteria=[
            CriterionTally(c, standards.standard_of(c.code), per_criterion[c.code])
            for c in standards.criteria
        ],
        ir_items=ir_items,
        dates=[a.date for a in audits if a.date is not None],
    )


def percent(value: float | None) -> str:
    """``0.8125`` -> ``81%``; None -> ``–``."""
    return "–" if value is None else f"{round(value * 100)}%"


def audit_personal_data(audits: Iterable[Audit]) -> Iterator[Finding]:
    """``personal-data`` in what auditors typed: the case reference, team, post and every
    criterion's evidence (NHS numbers, emails, phone numbers, NI numbers)."""
    from pipeline.analysis.personal_data import personal_data_findings

    for audit in audits:
        fields = [
            (CASE_CELL, "Case reference", audit.case_reference),
            (TEAM_CELL, "Team", audit.team),
            (POST_CELL, "Auditor's post", audit.auditor_post),
        ]
        fields += [
            (a.evidence_cell, f"Criterion {a.criterion} evidence", a.evidence)
            for a in audit.answers
        ]
        for ref, what, value in fields:
            yield from personal_data_findings(value, audit.file, AUDIT_SHEET, ref, what)


AUDIT_DOCUMENT_PREFIX = "AUDIT-"


def audit_document(summary: AuditSummary, framework: Framework, where: str) -> EvidenceItem | None:
    """The audit summary as a dated evidence document for the IR items its standards serve, so
    that it is in Section D and in IR coverage without being typed into the register (None
    when no audit is counted). ``where``: the folder the audits were read from."""
    from pipeline.model.inputs import EvidenceItem, Located
    from pipeline.read.register import derived_quality_statements

    if not summary.audits or not summary.ir_items:
        return None
    latest, earliest = summary.latest, summary.earliest
    n = len(summary.audits)
    plural = "s" * (n != 1)
    ident = AUDIT_DOCUMENT_PREFIX + (latest.isoformat() if latest else "UNDATED")
    period = ""
    if latest and earliest:
        period = (
            f", {earliest:%d/%m/%Y} to {latest:%d/%m/%Y}"
            if earliest != latest
            else f", {latest:%d/%m/%Y}"
        )
    return EvidenceItem(
        id=ident,
        title=(
            f"Case-file audits against the practice assurance standards: {n} audit{plural}, "
            f"{percent(summary.overall.compliance)} compliance"
        ),
        ir_items=summary.ir_items,
        quality_statements=derived_quality_statements(framework, summary.ir_items),
        document_type="Audit reports",
        date=latest,
        sections="Compliance by standard and by team; the criteria most often not met",
        redacted=NOT_APPLICABLE,
        notes=(
            f"Made by selfassess from the {n} case-file audit{plural} in {where}{period} "
            "(audit-findings.xlsx)."
        ),
        at=Located(file=where),
    )
