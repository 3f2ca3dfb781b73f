"""Returned case-file audits, as read: each criterion's finding and evidence, located.

Plain frozen dataclasses, like the other records in ``pipeline.model`` (see ``inputs``): made by
our own reader from values it has already checked, so there is nothing for pydantic to validate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditAnswer:
    """One criterion in one audit: ``finding`` is Met, Partly met, Not met or Not applicable,
    "" when left blank (or not one of them: a finding says so)."""

    criterion: str  # "3.2"
    finding: str = ""
    evidence: str = ""
    cell: str = ""  # the finding's cell
    evidence_cell: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Audit:
    """One returned case-file audit."""

    file: str
    case_reference: str = ""
    team: str = ""
    date: dt.date | None = None
    auditor_post: str = ""
    answers: tuple[AuditAnswer, ...] = ()

    def finding(self, criterion: str) -> str:
        for answer in self.answers:
            if answer.criterion == criterion:
                return answer.finding
        return ""
