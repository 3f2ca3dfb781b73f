"""Returned case-file audits, as read: each criterion's finding and evidence, located."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditAnswer(_Model):
    """One criterion in one audit: ``finding`` is Met, Partly met, Not met or Not applicable,
    "" when left blank (or not one of them: a finding says so)."""

    criterion: str  # "3.2"
    finding: str = ""
    evidence: str = ""
    cell: str = ""  # the finding's cell
    evidence_cell: str = ""


class Audit(_Model):
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
