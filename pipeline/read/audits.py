"""Reading returned case-file audits (``inputs/audits/``) with the safe reader: each criterion's
finding and evidence, the case's details, and any personal identifier typed in them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.forms.audit import (
    AUDIT_SHEET,
    CASE_CELL,
    DATE_CELL,
    DETAIL_LABELS,
    FINDINGS,
    NOT_APPLICABLE,
    NUMBER_COL,
    PARTLY,
    POST_CELL,
    TEAM_CELL,
    AuditLayout,
)
from pipeline.model.audits import Audit, AuditAnswer
from pipeline.model.findings import Finding, error, excerpt, warning
from pipeline.workspace import input_files
from pipeline.xlsx.identity import AUDIT, TEMPLATE_KINDS

if TYPE_CHECKING:
    from pipeline.framework import PracticeStandards
    from pipeline.workspace import Workspace


@dataclass
class ReadAudits:
    """What reading ``inputs/audits/`` gave: the audits counted, every finding, the skipped."""

    audits: list[Audit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)


def audit_files(ws: Workspace) -> list[Path]:
    return input_files(ws.audits_inputs)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z/ ]", " ", text.casefold()).split())


# The findings as people may type them, normalised.
_FINDINGS = {_norm(f): f for f in FINDINGS} | {
    "n/a": NOT_APPLICABLE,
    "n a": NOT_APPLICABLE,
    "na": NOT_APPLICABLE,
    "partly": PARTLY,
    "partially met": PARTLY,
    "partially": PARTLY,
    "part met": PARTLY,
}


def parse_finding(text: str) -> str | None:
    """``"partly met"``, ``"N/A"`` -> the finding as the list has it; None when it is none."""
    return _FINDINGS.get(_norm(text))


def case_reference_problem(reference: str) -> bool:
    """Whether a case reference looks like a name rather than a reference: it has letters and
    no digits (case numbers have digits: ``LAS-204117``, ``CR 2026/0143``)."""
    return bool(re.search(r"[^\W\d_]", reference)) and not re.search(r"\d", reference)


def read_audits(ws: Workspace, standards: PracticeStandards | None = None) -> ReadAudits:
    """Read and check every audit under ``inputs/audits/``; writes nothing."""
    standards = standards or ws.standards
    result = ReadAudits()
    for path in audit_files(ws):
        _read_one(ws, standards, path, result)
    return result


def _read_one(ws: Workspace, standards: PracticeStandards, path: Path, out: ReadAudits) -> None:
    from pipeline.read.dates import parse_date
    from pipeline.xlsx.cells import WorkbookRejected
    from pipeline.xlsx.identity import read_identity
    from pipeline.xlsx.reader import open_workbook

    file = ws.relative(path)

    def skip(message: str) -> None:
        found = error("template-mismatch", file, message)
        out.skipped.append(found)
        out.findings.append(found)

    try:
        wb = open_workbook(path, ws.settings.limits)
        identity = read_identity(wb)
    except WorkbookRejected as e:
        found = e.finding(file)
        out.skipped.append(found)
        out.findings.append(found)
        return
    kind = identity.get("template", "")
    if kind != AUDIT.kind:
        other = TEMPLATE_KINDS.get(kind)
        if other is not None:
            skip(f"is {other.found_as}, not {AUDIT.name}; {other.belongs}")
        else:
            skip(f"is a selfassess workbook of another kind ('{kind}'), not {AUDIT.name}")
        return
    made_for = identity.get("standards", "")
    if made_for != standards.version_tag or identity.get("template_version") != AUDIT.version:
        skip(
            f"was made for the practice standards {made_for or '(unknown)'} (audit layout "
            f"{identity.get('template_version') or 'unknown'}), but this workspace audits against "
            f"{standards.version_tag} (layout {AUDIT.version}); copy the answers into a fresh "
            "audit from `selfassess generate audits`"
        )
        return
    sheet = wb.sheets.get(AUDIT_SHEET)
    layout = AuditLayout(standards)
    moved = sheet is None or any(
        sheet.text(f"{NUMBER_COL}{row}").strip() != code for code, row in layout.rows.items()
    )
    if sheet is None or moved:
        skip(
            f"has no '{AUDIT_SHEET}' sheet with the criteria where the audit puts them (rows or "
            "columns were added, removed or sorted); copy the answers into a fresh audit from "
            "`selfassess generate audits`"
        )
        return
    findings: list[Finding] = []
    where = {"sheet": AUDIT_SHEET}

    def text(ref: str, what: str) -> str:
        cell = sheet.get(ref)
        if cell is not None and cell.formula is not None:
            from pipeline.read.formulas import formula_in_input

            findings.append(formula_in_input(file, AUDIT_SHEET, ref, cell, what, field=what))
            return ""
        return sheet.text(ref).strip()

    case = text(CASE_CELL, "the case reference")
    team = text(TEAM_CELL, "the team")
    post = text(POST_CELL, "the auditor's post")
    typed_date = text(DATE_CELL, "the audit date")
    date = None
    if typed_date:
        date_cell = sheet.get(DATE_CELL)
        date = parse_date(date_cell.value if date_cell is not None else "")
        if date is None:
            findings.append(
                error(
                    "invalid-date",
                    file,
                    f"The audit date “{excerpt(typed_date, 30)}” is not a date. Type it as "
                    "dd/mm/yyyy, e.g. 14/11/2026.",
                    cell=DATE_CELL,
                    field="Audit date",
                    **where,
                )
            )
    missing = [
        DETAIL_LABELS[ref].split(" (")[0].lower()
        for ref, value in ((CASE_CELL, case), (TEAM_CELL, team), (DATE_CELL, typed_date))
        if not value
    ]
    answers: list[AuditAnswer] = []
    for criterion in standards.criteria:
        finding_ref = layout.finding_cell(criterion.code)
        typed = text(finding_ref, f"criterion {criterion.code}'s finding")
        evidence = text(
            layout.evidence_cell(criterion.code), f"criterion {criterion.code}'s evidence"
        )
        finding = parse_finding(typed) if typed else ""
        if finding is None:
            findings.append(
                error(
                    "invalid-choice",
                    file,
                    f"Criterion {criterion.code}: “{excerpt(typed, 30)}” is not one of "
                    f"{', '.join(FINDINGS)}; choose one from the list. It is not counted.",
                    cell=finding_ref,
                    field=f"Criterion {criterion.code}",
                    **where,
                )
            )
            finding = ""
        answers.append(
            AuditAnswer(
                criterion=criterion.code,
                finding=finding,
                evidence=evidence,
                cell=finding_ref,
                evidence_cell=layout.evidence_cell(criterion.code),
            )
        )
    if not any(a.finding for a in answers):
        findings.append(
            warning(
                "audit-empty",
                file,
                "No criterion has a finding, so this audit is not counted. Choose Met, Partly "
                "met, Not met or Not applicable for each criterion.",
                **where,
            )
        )
    elif missing:
        findings.append(
            warning(
                "audit-missing-detail",
                file,
                f"The audit has no {' or '.join(missing)}. Fill them in at the top of the audit.",
                cell=CASE_CELL if not case else (TEAM_CELL if not team else DATE_CELL),
                **where,
            )
        )
    if case and case_reference_problem(case):
        findings.append(
            warning(
                "audit-case-reference-name",
                file,
                f"The case reference “{excerpt(case, 3)}” has no digits: it looks like a name, "
                "not a case number. Names must not be in the audits: use the case number from the "
                "case-recording system.",
                cell=CASE_CELL,
                field="Case reference",
                **where,
            )
        )
    out.findings += findings
    if any(a.finding for a in answers):
        out.audits.append(
            Audit(
                file=file,
                case_reference=case,
                team=team,
                date=date,
                auditor_post=post,
                answers=tuple(answers),
            )
        )
