"""Builders shared by the tests: workspaces made as ``init`` makes them, and the generated
workbooks filled in as people fill them (openpyxl on the generated files, typing into the cells
a person types into), plus small model objects for the renderer's own tests.

Nothing here patches the pipeline: a test that uses these runs the real readers and rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from pipeline.app import generate_summaries, init_workspace
from pipeline.forms.checklist import (
    CHECKLIST_SHEET,
    GROUP_CELL,
    NAME_CELL,
    RESPONDENT_SHEET,
    TEAM_CELL,
    ChecklistLayout,
    checklist_path,
)
from pipeline.forms.overview import OVERVIEW_SHEET
from pipeline.forms.register import COLUMNS, FIRST_ROW, REGISTER_SHEET, column_letter
from pipeline.forms.summary import FORM_SHEET, field_cell, summary_path
from pipeline.framework import Framework
from pipeline.model.inputs import (
    Entry,
    EvidenceItem,
    EvidenceLibrary,
    Inputs,
    Located,
    Overview,
    SignOff,
    Summary,
    Text,
)
from pipeline.workspace import Workspace
from pipeline.xlsx.write import write_text

COUNCIL = "Testshire Council"

# ---- Workspaces -----------------------------------------------------------------------------


def new_workspace(root: Path, council: str = COUNCIL) -> Workspace:
    """A new workspace, made by ``init`` (settings, folders, blank register and overview)."""
    return init_workspace(root, council)


def make_workspace(root: Path) -> Workspace:
    """A bare workspace folder: settings and an empty inputs/stage1/ only (no register or
    overview: the Stage 1 tests read nothing else)."""
    (root / "inputs" / "stage1").mkdir(parents=True)
    (root / "selfassess.toml").write_text(f'council = "{COUNCIL}"\n', "utf-8")
    return Workspace(root)


def with_blank_checklists(root: Path, blank: Path) -> Workspace:
    """A bare workspace with the blank checklists (generated once elsewhere) in outputs/."""
    workspace = make_workspace(root)
    shutil.copytree(blank, workspace.checklists_dir)
    return workspace


def prepare_summaries_workspace(folder: Path) -> Path:
    """A new workspace with the nine summaries generated; its root (to copy per test)."""
    ws = new_workspace(folder / "ws")
    result = generate_summaries(ws)
    assert len(result.written) == 9 and result.kept == []
    return ws.root


def copy_workspace(prepared: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of a prepared workspace, for one test to change."""
    root = tmp_path / "ws"
    shutil.copytree(prepared, root)
    return Workspace(root)


# ---- Stage 1: a checklist return ------------------------------------------------------------


def fill_checklist(
    ws: Workspace,
    code: str,
    name: str,
    group: str | None = None,
    ratings: dict[int, Any] | None = None,
    evidence: dict[int, str] | None = None,
    respondent: str | None = None,
    team: str | None = None,
    extra: dict[tuple[str, str], Any] | None = None,
) -> Path:
    """Fill the generated checklist for ``code`` (in outputs/) as a person would in Excel, and
    save it as ``inputs/stage1/<name>``; the path."""
    qs = ws.framework.quality_statement(code)
    wb = openpyxl.load_workbook(checklist_path(ws, qs))
    about, sheet = wb[RESPONDENT_SHEET], wb[CHECKLIST_SHEET]
    layout = ChecklistLayout(len(qs.checklist_statements))
    if group is not None:
        about[GROUP_CELL] = group
    if respondent is not None:
        about[NAME_CELL] = respondent
    if team is not None:
        about[TEAM_CELL] = team
    for number, value in (ratings or {}).items():
        sheet[layout.rating_cell(number)] = value
    for number, text in (evidence or {}).items():
        sheet[layout.evidence_cell(number)] = text  # "=..." becomes a formula, as in Excel
    for (sheet_name, ref), value in (extra or {}).items():
        wb[sheet_name][ref] = value
    path = ws.stage1_inputs / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ---- Stage 2: a summary ---------------------------------------------------------------------

# A complete, valid summary as a lead officer fills it: label -> (text, evidence IDs).
VALID: dict[str, tuple[str, str]] = {
    "Lead officer (name)": ("Priya Shah", ""),
    "Lead officer (post)": ("Head of Assessment", ""),
    "What is our ambition?": ("Everyone who needs an assessment gets one quickly.", ""),
    "Strength 1": ("Strengths-based practice is embedded.", "EV-003, EV-011"),
    "Strength 2": ("Carers' assessments have doubled.", "EV-007"),
    "Area for improvement 1": ("Occupational therapy waits are too long.", "EV-020"),
    "Priorities to maintain and improve": ("Halve waits by March 2026.", ""),
    "What do others say about our performance?": ("“They listened.” — a carer", ""),
    "Key documents for the evidence library": ("EV-001, EV-004", ""),
    "Verified by (name)": ("Dr Tom Evans", ""),
    "Verified by (post)": ("Director of Adult Social Services", ""),
}
VERIFIED_ON = dt.date(2026, 1, 14)

# The labels whose words count towards Section B's limit.
SECTION_B = {
    "What is our ambition?",
    "Strength 1",
    "Strength 2",
    "Strength 3",
    "Area for improvement 1",
    "Area for improvement 2",
    "Area for improvement 3",
    "Priorities to maintain and improve",
    "What do others say about our performance?",
}


def summary_template(ws: Workspace, code: str = "QS1") -> Path:
    """The generated (blank) summary workbook for ``code`` in outputs/."""
    return summary_path(ws, ws.framework.quality_statement(code))


def open_form(path: Path) -> tuple[Any, Any]:
    wb = openpyxl.load_workbook(path)
    return wb, wb[FORM_SHEET]


def fill_form(
    sheet: Any,
    values: dict[str, tuple[str, str]] | None = None,
    verified_on: Any = VERIFIED_ON,
) -> None:
    """Type into the form's yellow cells as a lead officer would: label -> (text, evidence)."""
    for label, (text, ids) in (VALID if values is None else values).items():
        write_text(sheet[field_cell(label)], text)
        if ids:
            write_text(sheet[field_cell(label, "C")], ids)
    if verified_on is not None:
        sheet[field_cell("Verified on (date)")].value = verified_on


def insert_row(sheet: Any, before: int) -> None:
    """Insert a row as Excel does: everything below, merged cells included, moves down."""
    merged = [str(r) for r in sheet.merged_cells.ranges]
    for ref in merged:
        sheet.unmerge_cells(ref)
    sheet.insert_rows(before)
    for ref in merged:
        rng = openpyxl.worksheet.cell_range.CellRange(ref)
        if rng.min_row >= before:
            rng.shift(row_shift=1)
        sheet.merge_cells(rng.coord)


def save_to_inputs(ws: Workspace, wb: Any, name: str = "QS1 summary - Priya.xlsx") -> Path:
    path = ws.stage2_inputs / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def fill_summary(
    ws: Workspace, name: str = "QS1 summary - Priya.xlsx", code: str = "QS1", **kwargs: Any
) -> Path:
    """Fill the generated summary for ``code`` (``fill_form``'s ``values``/``verified_on``) and
    save it as ``inputs/stage2/<name>``; the path."""
    wb, sheet = open_form(summary_template(ws, code))
    fill_form(sheet, **kwargs)
    return save_to_inputs(ws, wb, name)


def words(n: int) -> str:
    """``n`` words, as Word counts them."""
    return " ".join(f"word{i}" for i in range(n))


def section_b_words(values: dict[str, tuple[str, str]]) -> int:
    """The Section B word count of a form filled with ``values`` (space-separated words)."""
    return sum(len(text.split()) for label, (text, _) in values.items() if label in SECTION_B)


def report_section_words(docx: Path, heading: str) -> int:
    """The words of the section under ``heading`` in a built report, read back with
    python-docx: from that heading to the next heading of the same or a higher level, each
    paragraph counted as Word counts words (pictures have no text)."""
    from docx import Document

    from pipeline.model.words import count_words

    def level(paragraph: Any) -> int | None:
        name = paragraph.style.name
        return int(name.rsplit(" ", 1)[1]) if name.startswith("Heading ") else None

    paragraphs = Document(str(docx)).paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == heading and level(p))
    top = level(paragraphs[start])
    assert top is not None
    total = count_words(paragraphs[start].text)
    for p in paragraphs[start + 1 :]:
        found = level(p)
        if found is not None and found <= top:
            break
        total += count_words(p.text)
    return total


def fill_to_printed(
    ws: Workspace,
    total: int,
    name: str = "QS1 summary - Priya.xlsx",
    code: str = "QS1",
    values: dict[str, tuple[str, str]] | None = None,
) -> dict[str, tuple[str, str]]:
    """Fill the summary for ``code`` so that its Section B prints exactly ``total`` words: the
    printed words of everything but the ambition are read back from a draft report, and the
    ambition makes up the rest. The values typed."""
    from pipeline.app import build_report

    values = dict(VALID if values is None else values)
    values["What is our ambition?"] = ("", "")
    fill_summary(ws, name, code, values=values)
    docx = build_report(ws, draft=True).docx
    assert docx is not None
    rest = report_section_words(docx, ws.framework.quality_statement(code).name)
    values["What is our ambition?"] = (words(total - rest), "")
    fill_summary(ws, name, code, values=values)
    return values


# ---- Evidence register and overview ---------------------------------------------------------

SUBMISSION = dt.date(2026, 3, 1)
DOC_DATE = dt.datetime(2025, 10, 1)
RECENT_DATE = dt.datetime(2026, 1, 15)
COL = {c.key: i for i, c in enumerate(COLUMNS, start=1)}

# Where the overview's fields are in the generated workbook.
OVERVIEW_CELLS = {
    "council": "B5",
    "submission_date": "B6",
    "version_label": "B7",
    "logo": "B8",
    "about_us": "B12",
    "our_strategy": "B13",
    "our_key_strengths": "B14",
    "our_key_risks": "B15",
    "process": "B19",
}
FIRST_SIGN_OFF_ROW = 23

SECTION_TEXT = {
    "about_us": "Testshire is a rural county of 600,000 people; one in four is over 65.",
    "our_strategy": "Our strategy, Living Well in Testshire, puts prevention first.",
    "our_key_strengths": "Timely Care Act assessments; strong partnership with the ICS.",
    "our_key_risks": "Home care capacity in the west of the county; workforce turnover.",
    "process": "Workshops with staff, partners and people with lived experience, June 2025.",
}


def register_row(framework: Framework, n: int) -> dict[str, Any]:
    """The n-th (1-based) row of a valid register: one document per IR item."""
    item = framework.ir_items[n - 1]
    return {
        "id": f"EV-{n:03d}",
        "title": f"{item.code} source document",
        "link": f"https://www.testshire.gov.uk/asc/evidence/ev-{n:03d}.pdf",
        "ir_items": item.code,
        "quality_statements": None,
        "document_type": item.document_types[0],
        "owner": "Adult social care performance team",
        # A document for an item that asks for a shorter period (IR21: three months) is newer.
        "date": DOC_DATE if (item.max_age_months or 12) >= 6 else RECENT_DATE,
        "public": "Yes",
        "redacted": "Not applicable",
        "notes": "",
    }


def valid_rows(framework: Framework) -> list[dict[str, Any]]:
    return [register_row(framework, n) for n in range(1, len(framework.ir_items) + 1)]


def row_of(n: int) -> int:
    """The sheet row of the n-th (1-based) register row."""
    return FIRST_ROW + n - 1


def cell(key: str, n: int) -> str:
    """The cell of field ``key`` in the n-th register row, e.g. ``cell("link", 3) == "C7"``."""
    return f"{column_letter(key)}{row_of(n)}"


# The valid workbooks, filled once per blank workbook (every blank one of a council is the
# same): tests are faster. Keyed by the blank's content, so another council's is never reused.
_FILLED: dict[tuple[str, str], bytes] = {}


def _filled_key(kind: str, path: Path) -> tuple[str, str]:
    return kind, hashlib.sha256(path.read_bytes()).hexdigest()


def fill_register(
    ws: Workspace,
    framework: Framework,
    change: Callable[[list[dict[str, Any]]], None] | None = None,
    edit: Callable[[Any], None] | None = None,
) -> Path:
    """Fill inputs/evidence-library.xlsx with a valid register (one document per IR item);
    ``change`` edits the rows first, ``edit`` the openpyxl sheet afterwards (to plant a
    problem)."""
    path = ws.evidence_library
    key = _filled_key("register", path)
    if change is None and edit is None and key in _FILLED:
        path.write_bytes(_FILLED[key])
        return path
    rows = valid_rows(framework)
    if change is not None:
        change(rows)
    wb = openpyxl.load_workbook(path)
    sheet = wb[REGISTER_SHEET]
    for n, values in enumerate(rows, start=1):
        for field, value in values.items():
            if value is not None:
                write_text(sheet.cell(row_of(n), COL[field]), value)
    if edit is not None:
        edit(sheet)
    wb.save(path)
    if change is None and edit is None:
        _FILLED[key] = path.read_bytes()
    return path


def fill_overview(
    ws: Workspace, framework: Framework, edit: Callable[[Any], None] | None = None
) -> Path:
    """Fill inputs/overview.xlsx completely, every sign-off role signed; ``edit`` changes the
    sheet afterwards."""
    path = ws.overview
    key = _filled_key("overview", path)
    if edit is None and key in _FILLED:
        path.write_bytes(_FILLED[key])
        return path
    wb = openpyxl.load_workbook(path)
    sheet = wb[OVERVIEW_SHEET]
    sheet[OVERVIEW_CELLS["submission_date"]] = dt.datetime.combine(SUBMISSION, dt.time())
    sheet[OVERVIEW_CELLS["version_label"]] = "Final"
    for field, text in SECTION_TEXT.items():
        sheet[OVERVIEW_CELLS[field]] = text
    for i, _role in enumerate(framework.sign_off_roles):
        row = FIRST_SIGN_OFF_ROW + i
        sheet[f"B{row}"] = f"Signatory {i + 1}"
        sheet[f"C{row}"] = dt.datetime(2026, 2, 10)
        sheet[f"D{row}"] = "Endorsed."
    if edit is not None:
        edit(sheet)
    wb.save(path)
    if edit is None:
        _FILLED[key] = path.read_bytes()
    return path


def complete_workspace(root: Path) -> Workspace:
    """A workspace that validates without errors: ``init``, the nine summaries generated and
    filled (``VALID``, verified), the register and the overview filled and signed off."""
    ws = new_workspace(root)
    generate_summaries(ws)
    for qs in ws.framework.quality_statements:
        fill_summary(ws, f"{qs.code}.xlsx", qs.code)
    fill_register(ws, ws.framework)
    fill_overview(ws, ws.framework)
    return ws


# ---- Models, for the renderer's own tests (no workbooks) ------------------------------------


def at(file: str = "inputs/x.xlsx", cell: str | None = None) -> Located:
    return Located(file=file, sheet="Summary", cell=cell)


def text(value: str, file: str = "inputs/x.xlsx") -> Text:
    return Text(value=value, at=at(file))


def entry(label: str, narrative: str, evidence: str = "", file: str = "x") -> Entry:
    return Entry(label=label, text=text(narrative, file), evidence=text(evidence, file))


def summary(code: str, **overrides: object) -> Summary:
    file = f"inputs/stage2/{code}.xlsx"
    values: dict[str, object] = {
        "file": file,
        "quality_statement": code,
        "lead_officer_name": text("Alex Lead", file),
        "lead_officer_post": text("Head of Service", file),
        "ambition": text(f"{code} ambition: people get the right support.", file),
        "strengths": (
            entry("Strength 1", f"{code} strength one.", "EV-001, EV-002", file),
            entry("Strength 2", f"{code} strength two.", "", file),
        ),
        "improvements": (entry("Area for improvement 1", f"{code} improve one.", "EV-003", file),),
        "priorities": text(f"{code} priorities.", file),
        "others_say": text(f"{code} others say.", file),
        "key_documents": text("EV-001", file),
        "verified_by_name": text("Sam Senior", file),
        "verified_by_post": text("Director", file),
        "verified_on": dt.date(2024, 2, 1),
    }
    values.update(overrides)
    return Summary(**values)


def evidence(n: int, **overrides: object) -> EvidenceItem:
    values: dict[str, object] = {
        "id": f"EV-{n:03d}",
        "title": f"Document {n}",
        "link": f"https://example.org/docs/{n}?a=1&b=2",
        "ir_items": ("IR5",),
        "document_type": "Policy and procedures",
        "owner": "Policy team",
        "date": dt.date(2023, 11, n % 28 + 1),
        "public": "Yes",
        "redacted": "Not applicable",
        "at": Located(file="inputs/evidence-library.xlsx", sheet="Register", cell=f"A{n + 1}"),
    }
    values.update(overrides)
    return EvidenceItem(**values)


def evidence_library(*items: EvidenceItem) -> EvidenceLibrary:
    return EvidenceLibrary(file="inputs/evidence-library.xlsx", items=items)


def overview(**overrides: object) -> Overview:
    file = "inputs/overview.xlsx"
    values: dict[str, object] = {
        "file": file,
        "council": text("Testshire Council", file),
        "submission_date": dt.date(2024, 3, 1),
        "version_label": text("Version 1.0", file),
        "logo": text("", file),
        "about_us": text("About us text.", file),
        "our_strategy": text("Strategy text.", file),
        "our_key_strengths": text("Key strengths text.", file),
        "our_key_risks": text("Key risks text.", file),
        "process": text("We ran workshops.", file),
        "sign_off": (
            SignOff(
                role="Chief executive",
                name=text("Chris Exec", file),
                date=dt.date(2024, 2, 20),
                endorsement=text("Endorsed.", file),
            ),
            SignOff(role="Council leader", name=text("", file), endorsement=text("", file)),
        ),
    }
    values.update(overrides)
    return Overview(**values)


def full_inputs(ws: Workspace, framework: Framework) -> Inputs:
    """A complete set of inputs as models: nine summaries, an overview and a small library."""
    items = [
        evidence(1, ir_items=("IR5", "IR6")),
        evidence(2, ir_items=("IR2",), title="Feedback & complaints <2023>"),
        evidence(3, ir_items=("IR26",)),
    ]
    return Inputs(
        ws=ws,
        summaries=[summary(qs.code) for qs in framework.quality_statements],
        library=evidence_library(*items),
        overview=overview(),
    )


# ---- Case-file audits -------------------------------------------------------------------------


def fill_audit(
    ws: Workspace,
    name: str,
    answers: dict[str, tuple[str, str]],
    *,
    case: str = "CR-2026-0001",
    team: str = "Hospital discharge team",
    date: dt.date | str | None = dt.date(2026, 11, 2),
    post: str = "Senior practitioner",
) -> Path:
    """A blank audit from ``generate audits``, filled as an auditor fills it (criterion code ->
    (finding, evidence)), saved as ``inputs/audits/<name>``."""
    from pipeline.app import generate_audits
    from pipeline.forms.audit import (
        AUDIT_SHEET,
        CASE_CELL,
        DATE_CELL,
        POST_CELL,
        AuditLayout,
    )
    from pipeline.forms.audit import TEAM_CELL as AUDIT_TEAM_CELL

    blank = ws.audit_templates_dir / "case-file-audit.xlsx"
    if not blank.exists():
        generate_audits(ws)
    wb = openpyxl.load_workbook(blank)
    sheet = wb[AUDIT_SHEET]
    layout = AuditLayout(ws.standards)
    for ref, value in ((CASE_CELL, case), (AUDIT_TEAM_CELL, team), (POST_CELL, post)):
        write_text(sheet[ref], value)
    sheet[DATE_CELL] = date
    for code, (finding, evidence) in answers.items():
        if finding:
            write_text(sheet[layout.finding_cell(code)], finding)
        if evidence:
            write_text(sheet[layout.evidence_cell(code)], evidence)
    path = ws.audits_inputs / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
