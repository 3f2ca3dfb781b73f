"""The improvement plan (issue 14): made from the demo council's summaries, filled in through
LibreOffice as a council would, checked by validate, counted by status and shown in the report."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.app import build_report, generate_plan, read_inputs, validate_workspace
from pipeline.errors import SelfAssessError
from pipeline.forms.plan import (
    BLANK_ROWS,
    FIRST_ROW,
    IMPROVEMENT,
    PLAN_SHEET,
    PRIORITY,
    plan_column,
)
from pipeline.model.inputs import PLAN_STATUSES
from pipeline.workspace import Workspace
from tests.conftest import lo_edit

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo council (its committed inputs) with the plan generated once."""
    root = tmp_path_factory.mktemp("plan") / "demo"
    root.mkdir()
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", root / "inputs")
    generate_plan(Workspace(root))
    return root


@pytest.fixture
def demo(demo_prepared: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "demo"
    shutil.copytree(demo_prepared, root)
    return Workspace(root)


def expected_rows(ws: Workspace) -> list[tuple[str, str, str, str]]:
    """(QS, from, text, evidence) for each area for improvement and priority, as summarised."""
    summaries = {s.quality_statement: s for s in read_inputs(ws).summaries}
    rows = []
    for qs in ws.framework.quality_statements:
        s = summaries[qs.code]
        for e in s.improvements:
            if not e.text.blank:
                rows.append((qs.code, IMPROVEMENT, e.text.value, e.evidence.value))
        for line in s.priorities.value.splitlines():
            if line.strip():
                rows.append((qs.code, PRIORITY, line.strip(), ""))
    return rows


def test_generate_plan_prefills_one_row_per_area_for_improvement_and_priority(
    demo: Workspace,
) -> None:
    plan = read_inputs(demo).plan
    assert plan is not None
    expected = expected_rows(demo)
    # The demo: 25 areas for improvement (three per quality statement, two for QS5 and QS9) and
    # one paragraph of priorities per quality statement.
    assert sum(1 for r in expected if r[1] == IMPROVEMENT) == 25
    assert len(plan.rows) == len(expected) == 34
    got = [(r.quality_statement, r.source, r.text, r.evidence) for r in plan.rows]
    assert got == expected  # text as typed, exactly
    assert [r.ref for r in plan.rows[:4]] == ["QS1-I1", "QS1-I2", "QS1-I3", "QS1-P1"]
    assert all(not r.action and r.due is None and r.status == "" for r in plan.rows)

    sheet = openpyxl.load_workbook(demo.improvement_plan)[PLAN_SHEET]
    due, status = plan_column("due"), plan_column("status")
    rules = {str(dv.sqref).split(":")[0][0]: dv for dv in sheet.data_validations.dataValidation}
    assert rules[due].type == "date" and rules[due].showErrorMessage
    assert rules[status].type == "list"
    assert rules[status].formula1 == '"' + ",".join(PLAN_STATUSES) + '"'
    assert sheet[f"{due}{FIRST_ROW}"].number_format == "DD/MM/YYYY"
    # Room below for rows a council adds, formatted like the rest.
    last = FIRST_ROW + len(expected) + BLANK_ROWS - 1
    assert sheet[f"{due}{last}"].number_format == "DD/MM/YYYY"


def test_a_plan_is_kept_once_filled_and_needs_summaries(demo: Workspace, tmp_path: Path) -> None:
    # Not filled in: made again (the summaries may have changed).
    again = generate_plan(demo)
    assert again.written == [demo.improvement_plan] and again.kept == []
    wb = openpyxl.load_workbook(demo.improvement_plan)
    wb[PLAN_SHEET][f"{plan_column('action')}{FIRST_ROW}"] = "Recruit two carers' assessors"
    wb.save(demo.improvement_plan)
    before = demo.improvement_plan.read_bytes()
    kept = generate_plan(demo)
    assert kept.kept == [demo.improvement_plan] and kept.written == []
    assert demo.improvement_plan.read_bytes() == before
    forced = generate_plan(demo, force=True)
    assert forced.written == [demo.improvement_plan]
    plan = read_inputs(demo).plan
    assert plan is not None and plan.actions == []

    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(ROOT / "selfassess.toml", empty / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", empty / "inputs")
    shutil.rmtree(empty / "inputs" / "stage2")
    (empty / "inputs" / "stage2").mkdir()
    with pytest.raises(SelfAssessError, match="No Stage 2 summaries"):
        generate_plan(Workspace(empty))
    assert not Workspace(empty).improvement_plan.exists()


def _cell(key: str, row: int) -> str:
    return f"{plan_column(key)}{row}"


@pytest.mark.libreoffice
def test_a_plan_filled_in_libreoffice_is_checked_cell_by_cell(
    demo: Workspace, tmp_path: Path
) -> None:
    today = dt.date.today()
    overdue = today - dt.timedelta(days=30)
    later = today + dt.timedelta(days=90)
    rows = len(read_inputs(demo).plan.rows)  # type: ignore[union-attr]
    added = FIRST_ROW + rows  # the first blank row: a council's own action
    r1, r2, r3 = FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 2
    edits: list[list[Any]] = [
        # QS1-I1: overdue, on track (not done).
        ["type", _cell("action", r1), "Delegate carers' assessments to Carers Together"],
        ["type", _cell("owner", r1), "Head of Carers' Services"],
        ["enter", _cell("due", r1), overdue.isoformat()],
        ["type", _cell("status", r1), "On track"],
        # QS1-I2: no owner.
        ["type", _cell("action", r2), "Reviewing team clears overdue reviews"],
        ["enter", _cell("due", r2), later.isoformat()],
        ["type", _cell("status", r2), "At risk"],
        # QS1-I3: done, with its measure: nothing to say.
        ["type", _cell("action", r3), "Online charging estimator"],
        ["type", _cell("owner", r3), "Financial Assessments Manager"],
        ["enter", _cell("due", r3), later.isoformat()],
        ["type", _cell("status", r3), "Done"],
        ["type", _cell("measure", r3), "Appeals upheld < 20% & falling"],
        # A row the council adds for QS2.
        ["type", _cell("quality_statement", added), "QS2"],
        ["type", _cell("text", added), "Falls prevention in Eastcombe"],
        ["type", _cell("action", added), "Two more classes in Eastcombe"],
        ["type", _cell("owner", added), "Prevention Lead"],
        ["enter", _cell("due", added), later.isoformat()],
        ["type", _cell("status", added), "Not started"],
    ]
    saved = tmp_path / "filled.xlsx"
    lo_edit([{"src": str(demo.improvement_plan), "dst": str(saved), "sheet": PLAN_SHEET,
              "edits": edits}])  # fmt: skip
    shutil.copy(saved, demo.improvement_plan)
    # LibreOffice saved the due dates as dates, not text.
    sheet = openpyxl.load_workbook(demo.improvement_plan)[PLAN_SHEET]
    assert isinstance(sheet[_cell("due", r1)].value, dt.datetime)

    findings = validate_workspace(demo).findings
    assert findings.errors == []
    plan_findings = [f for f in findings.warnings if f.code.startswith("plan-")]
    by_code = {
        (f.code, f.cell): f for f in plan_findings if f.code != "plan-no-action"
    }  # everything but the areas still without an action
    assert sorted(by_code) == [
        ("plan-action-incomplete", _cell("owner", r2)),
        ("plan-overdue", _cell("due", r1)),
    ]
    late = by_code[("plan-overdue", _cell("due", r1))]
    assert late.data == {"days": 30, "due": overdue.isoformat()}
    assert "30 days ago" in late.message and late.sheet == PLAN_SHEET
    assert late.file == "inputs/improvement-plan.xlsx"
    no_action = [f for f in plan_findings if f.code == "plan-no-action"]
    assert len(no_action) == rows - 3
    assert {f.cell for f in no_action} == {_cell("action", r) for r in range(r1 + 3, added)}

    plan = read_inputs(demo).plan
    assert plan is not None
    mine = plan.rows[-1]
    got = (mine.row, mine.quality_statement, mine.status, mine.due)
    assert got == (added, "QS2", "Not started", later)
    assert plan.rows[2].measure == "Appeals upheld < 20% & falling"

    # The report's annex, grouped by theme and quality statement.
    built = build_report(demo, draft=True)
    assert built.docx is not None
    annex = _annex(built.docx)
    assert annex[0] == ("Heading 1", "Annex: Our improvement plan")
    headings = [text for style, text in annex if style.startswith("Heading")]
    assert headings[1:4] == ["Working with people", "QS1 Assessing needs",
                             "QS2 Supporting people to live healthier lives"]  # fmt: skip
    cells = _annex_cells(built.docx)
    assert "Delegate carers' assessments to Carers Together" in cells
    assert "Appeals upheld < 20% & falling" in cells
    assert "Two more classes in Eastcombe" in cells
    assert "Carers' assessments are too slow and too often folded into the cared-for person's " \
        "assessment." in cells  # fmt: skip


def _annex(docx: Path) -> list[tuple[str, str]]:
    """(style, text) of each paragraph from the annex's heading on."""
    import docx as python_docx

    paragraphs = [(p.style.name, p.text) for p in python_docx.Document(str(docx)).paragraphs]
    start = next(
        (i for i, (s, t) in enumerate(paragraphs) if s == "Heading 1" and t.startswith("Annex")),
        None,
    )
    return [] if start is None else paragraphs[start:]


def _annex_cells(docx: Path) -> set[str]:
    import docx as python_docx

    document = python_docx.Document(str(docx))
    return {c.text for t in document.tables for row in t.rows for c in row.cells}


def test_no_plan_or_switched_off_no_annex(demo: Workspace) -> None:
    demo.improvement_plan.unlink()
    built = build_report(demo, draft=True)
    assert built.docx is not None and _annex(built.docx) == []
    generate_plan(demo)
    built = build_report(demo, draft=True)
    assert built.docx is not None and _annex(built.docx)[0][1] == "Annex: Our improvement plan"
    toml = demo.root / "selfassess.toml"
    toml.write_text(toml.read_text("utf-8").replace("[report]", "[report]\nplan_annex = false"))
    built = build_report(Workspace(demo.root), draft=True)
    assert built.docx is not None and _annex(built.docx) == []


def test_done_without_a_measure_and_status_counts(demo: Workspace) -> None:
    from pipeline.app import workspace_status

    wb = openpyxl.load_workbook(demo.improvement_plan)
    sheet = wb[PLAN_SHEET]
    today = dt.date.today()
    for row, (status, due) in enumerate(
        [
            ("Done", today - dt.timedelta(days=3)),
            ("On track", today + dt.timedelta(days=9)),
            ("At risk", today - dt.timedelta(days=1)),
        ],
        start=FIRST_ROW,
    ):
        sheet[_cell("action", row)] = f"Action {row}"
        sheet[_cell("owner", row)] = "Head of Service"
        sheet[_cell("due", row)] = due
        sheet[_cell("status", row)] = status
    sheet[_cell("status", FIRST_ROW + 3)] = "Nearly there"
    sheet[_cell("action", FIRST_ROW + 3)] = "Write the delivery plan"
    wb.save(demo.improvement_plan)
    findings = validate_workspace(demo).findings
    (done,) = [f for f in findings if f.code == "plan-done-no-measure"]
    assert done.cell == _cell("measure", FIRST_ROW)
    (invalid,) = findings.errors
    assert (invalid.code, invalid.cell) == ("invalid-choice", _cell("status", FIRST_ROW + 3))
    (late,) = [f for f in findings if f.code == "plan-overdue"]  # at risk, a day late
    assert late.data is not None and late.data["days"] == 1
    lines = workspace_status(demo).lines()
    qs1 = next(line for line in lines if line.startswith("QS1 Assessing needs") and "received"
               not in line)  # fmt: skip
    # Actions, done, on track, at risk, overdue (the late at-risk one counts as overdue), no action.
    assert qs1.split()[-6:] == ["4", "1", "1", "0", "1", "0"]
