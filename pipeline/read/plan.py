"""Reading the improvement plan by its column headings, so rows and columns people add are read."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.forms.plan import PLAN_COLUMNS, PLAN_SHEET
from pipeline.model.findings import Finding, error, excerpt
from pipeline.model.inputs import PLAN_STATUSES, ImprovementPlan, Located, PlanRow
from pipeline.read.annotations import unread_annotations
from pipeline.read.common import _open, _other_sheets, find_header_row
from pipeline.read.dates import parse_date
from pipeline.read.labels import normalise_label
from pipeline.read.register import parse_quality_statements
from pipeline.xlsx.identity import IDENTITY_SHEET, PLAN

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import Sheet


_HEADERS = {normalise_label(c.header, notes=False): c.key for c in PLAN_COLUMNS}
_HEADERS |= {
    normalise_label(alias, notes=False): key
    for key, aliases in {
        "ref": ("reference", "id"),
        "quality_statement": ("qs", "quality statements"),
        "text": ("area for improvement", "priority", "improvement"),
        "owner": ("owner", "lead", "responsible"),
        "due": ("due", "deadline", "by when", "target date"),
        "measure": ("measure", "success measure", "measures of success"),
        "update": ("update", "progress", "latest progress"),
    }.items()
    for alias in aliases
}


_STATUS = {normalise_label(s, notes=False): s for s in PLAN_STATUSES}
_STATUS |= {"complete": "Done", "completed": "Done", "on-track": "On track"}


def _header(sheet: Sheet) -> tuple[int, dict[str, str]] | None:
    """The header row and its columns (letter -> key): the first row with an Action heading."""
    from pipeline.xlsx.cells import column_letters

    found = find_header_row(sheet, _HEADERS, {"action"})
    if found is None:
        return None
    row, columns = found
    return row, {column_letters(n): key for n, key in columns.items()}


def read_plan(ws: Workspace) -> tuple[ImprovementPlan | None, list[Finding]]:
    """The improvement plan as typed (None when there is none yet: it is optional)."""
    path = ws.improvement_plan
    if not path.is_file():
        return None, []
    file = ws.relative(path)
    wb, _ours, found = _open(ws, path, PLAN.kind, "improvement plan")
    if wb is None:
        return None, found
    sheets = sorted(wb.sheets.values(), key=lambda s: s.name != PLAN_SHEET)
    for sheet in sheets:
        if sheet.name == IDENTITY_SHEET:
            continue
        header = _header(sheet)
        if header is not None:
            break
    else:
        return None, [
            error(
                "template-mismatch",
                file,
                "has no row of column headings with an ‘Action’ column, so it cannot be read as "
                "the improvement plan. Put the headings back, or make a new plan with "
                "`selfassess generate plan --force` (it replaces this one).",
            )
        ]
    header_row, columns = header
    findings = list(found)
    rows: list[PlanRow] = []
    for row, _cells in sheet.rows():
        if row <= header_row:
            continue
        item, problems = _read_row(ws.framework, sheet, row, columns, file)
        findings += problems
        if item is not None:
            rows.append(item)
    findings += _other_sheets(wb, {sheet.name}, file) + unread_annotations(wb, file)
    return ImprovementPlan(file=file, rows=tuple(rows)), findings


def _quality_statement(typed: str, framework: Framework) -> str:
    """``"QS1 Assessing needs"``, ``"qs 1"`` or ``"Assessing needs"`` -> ``"QS1"``; ``""`` when
    it names no quality statement of the framework."""
    known = {qs.code for qs in framework.quality_statements}
    if m := re.match(r"\s*qs\s*(\d+)\b", typed, flags=re.IGNORECASE):
        code = f"QS{int(m[1])}"
        return code if code in known else ""
    codes = parse_quality_statements(typed, framework)
    return next((c for c in codes if c in known), "") if len(codes) == 1 else ""


def _read_row(
    framework: Framework, sheet: Sheet, row: int, columns: dict[str, str], file: str
) -> tuple[PlanRow | None, list[Finding]]:
    from pipeline.read.formulas import formula_in_input

    findings: list[Finding] = []
    refs = {key: f"{letter}{row}" for letter, key in columns.items()}
    texts: dict[str, str] = {}
    headers = {c.key: c.header for c in PLAN_COLUMNS}
    for key, ref in refs.items():
        cell = sheet.get(ref)
        if cell is not None and cell.formula is not None:
            header = headers[key]
            findings.append(
                formula_in_input(file, sheet.name, ref, cell, f"‘{header}’", field=header)
            )
            texts[key] = ""
            continue
        texts[key] = sheet.text(ref).strip()
    # A row with nothing but its reference is not an action (nor an area for improvement).
    if not any(t for key, t in texts.items() if key != "ref"):
        return None, findings
    where = {"sheet": sheet.name}
    typed_qs = texts.get("quality_statement", "")
    code = _quality_statement(typed_qs, framework) if typed_qs else ""
    if typed_qs and not code:
        findings.append(
            error(
                "unknown-quality-statement",
                file,
                f"Row {row}: “{excerpt(typed_qs, 40)}” is not a quality statement of the "
                "framework; use QS1 to QS9 or the quality statement's name.",
                cell=refs["quality_statement"],
                field="Quality statement",
                **where,
            )
        )
    due = None
    if texts.get("due"):
        cell = sheet.get(refs["due"])
        due = parse_date(cell.value if cell is not None else "")
        if due is None:
            findings.append(
                error(
                    "invalid-date",
                    file,
                    f"Row {row}: the due date “{excerpt(texts['due'], 30)}” is not a date. Type "
                    "it as dd/mm/yyyy, e.g. 31/03/2027.",
                    cell=refs["due"],
                    field="Due date",
                    **where,
                )
            )
    status = ""
    if texts.get("status"):
        status = _STATUS.get(normalise_label(texts["status"], notes=False), "")
        if not status:
            findings.append(
                error(
                    "invalid-choice",
                    file,
                    f"Row {row}: the status “{excerpt(texts['status'], 30)}” is not one of "
                    f"{', '.join(PLAN_STATUSES)}; choose one from the list.",
                    cell=refs["status"],
                    field="Status",
                    **where,
                )
            )
    first_ref = refs.get("action") or next(iter(refs.values()))
    item = PlanRow(
        row=row,
        ref=texts.get("ref", ""),
        quality_statement=code,
        source=texts.get("source", ""),
        text=texts.get("text", ""),
        evidence=texts.get("evidence", ""),
        action=texts.get("action", ""),
        owner=texts.get("owner", ""),
        due=due,
        status=status,
        measure=texts.get("measure", ""),
        update=texts.get("update", ""),
        at=Located(file=file, sheet=sheet.name, cell=first_ref),
        cells=tuple(sorted(refs.items())),
    )
    return item, findings
