"""Rounds (issue 14 item 4): `round close` archives the demo council's first round and starts the
next; demo/make_inputs.py --round 2 lays down a second round with planted changes; `compare`
shows exactly those changes, in its summary, its JSON and outputs/comparison.xlsx."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.analysis.rounds import match_texts
from pipeline.app import (
    close_round,
    closed_rounds,
    compare_rounds,
    generate_plan,
    read_inputs,
    validate_workspace,
)
from pipeline.cli import main
from pipeline.errors import SelfAssessError
from pipeline.forms.plan import PLAN_SHEET, plan_column
from pipeline.workspace import Workspace, input_files
from tests.factories import new_workspace
from tests.test_demo import _load_make_inputs

ROOT = Path(__file__).resolve().parents[1]
CLOSED = dt.date(2026, 12, 1)

# The first round's plan as the pen holder fills it: two actions under way, one done.
ACTIONS = {
    "QS1-I1": ("Delegate carers' assessments to Carers Together", "On track"),
    "QS1-I2": ("Clear the backlog of overdue annual reviews", "On track"),
    "QS1-I3": ("Rewrite the charging policy with the Making It Real Board", "Done"),
}


@pytest.fixture(scope="module")
def make_inputs() -> ModuleType:
    return _load_make_inputs()


def _fill_plan(ws: Workspace) -> None:
    wb = openpyxl.load_workbook(ws.improvement_plan)
    sheet = wb[PLAN_SHEET]
    col = {k: plan_column(k) for k in ("ref", "action", "owner", "due", "status", "measure")}
    for row in range(5, 60):
        ref = sheet[f"{col['ref']}{row}"].value
        if ref in ACTIONS:
            action, status = ACTIONS[ref]
            sheet[f"{col['action']}{row}"] = action
            sheet[f"{col['owner']}{row}"] = "Head of Assessment & Care Management"
            sheet[f"{col['due']}{row}"] = dt.date(2027, 3, 31)
            sheet[f"{col['status']}{row}"] = status
            sheet[f"{col['measure']}{row}"] = "Reported to the DMT every month"
    wb.save(ws.improvement_plan)


@pytest.fixture(scope="module")
def first_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[str, Any]]:
    """The demo council's first round (its committed inputs), its plan filled in, validated
    (so it has outputs), then closed; with what was read before closing."""
    root = tmp_path_factory.mktemp("rounds") / "demo"
    root.mkdir()
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", root / "inputs")
    ws = Workspace(root)
    generate_plan(ws)
    _fill_plan(ws)
    validate_workspace(ws)
    before = {
        "files": {p.relative_to(ws.inputs).as_posix() for p in input_files(ws.inputs)},
        "outputs": {p.relative_to(ws.outputs).as_posix() for p in input_files(ws.outputs)},
        "returns": len(read_inputs(ws).returns),
    }
    close_round(ws, on=CLOSED)
    return ws, before


@pytest.fixture(scope="module")
def second_round(
    first_round: tuple[Workspace, dict[str, Any]], make_inputs: ModuleType
) -> Workspace:
    ws, _before = first_round
    assert make_inputs.main(["--workspace", str(ws.root), "--round", "2"]) == 0
    return ws


def test_round_close_archives_the_round_read_only_and_starts_the_next(
    first_round: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, before = first_round
    archive = ws.rounds_dir / "2026-12-01"
    assert closed_rounds(ws) == [archive]
    archived = {
        p.relative_to(archive / "inputs").as_posix() for p in input_files(archive / "inputs")
    }
    assert archived == before["files"]
    outputs = {
        p.relative_to(archive / "outputs").as_posix() for p in input_files(archive / "outputs")
    }
    assert outputs == {f for f in before["outputs"] if not f.startswith(".cache/")}
    assert "validation-report.xlsx" in outputs
    assert (archive / "selfassess.toml").read_bytes() == (ws.root / "selfassess.toml").read_bytes()
    record = json.loads((archive / "round.json").read_text("utf-8"))
    assert record["closed"] == "2026-12-01"
    assert record["framework"] == ws.framework.version_tag
    assert len(record["framework_digest"]) == 64
    assert record["counts"]["stage1_returns"] == before["returns"] == 110
    assert record["counts"]["stage2_summaries"] == 9
    assert record["counts"]["evidence_items"] == 45
    assert record["counts"]["plan_actions"] == 3
    assert record["counts"]["plan_actions_done"] == 1
    # Read-only: every file 0o444, every folder 0o555.
    for path in [archive, *archive.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o555 if path.is_dir() else 0o444), path
    # The next round: the register, the overview and the plan; empty Stage 1 and 2 folders.
    left = {p.relative_to(ws.inputs).as_posix() for p in input_files(ws.inputs)}
    assert left == {"evidence-library.xlsx", "overview.xlsx", "improvement-plan.xlsx"}
    assert ws.stage1_inputs.is_dir() and ws.stage2_inputs.is_dir()
    assert not [p for p in ws.outputs.iterdir() if p.name != ".cache"]
    # The Done action is in the archive only; the others keep their status.
    archived_plan = read_inputs(Workspace(archive)).plan
    assert archived_plan is not None
    assert {r.ref: r.status for r in archived_plan.actions} == {
        ref: status for ref, (_a, status) in ACTIONS.items()
    }
    plan = read_inputs(ws).plan
    assert plan is not None
    assert {r.ref: r.status for r in plan.actions} == {"QS1-I1": "On track", "QS1-I2": "On track"}
    assert len(plan.rows) == len(archived_plan.rows) - 1
    assert "QS1-I3" not in {r.ref for r in plan.rows}
    # Nothing to close now: one line, nothing changed.
    with pytest.raises(SelfAssessError, match="nothing to close"):
        close_round(ws, on=CLOSED)
    assert closed_rounds(ws) == [archive]


def test_compare_shows_exactly_the_changes_the_demo_planted(
    second_round: Workspace, make_inputs: ModuleType
) -> None:
    ws = second_round
    result = compare_rounds(ws)
    c = result.comparison
    assert result.then == ws.rounds_dir / "2026-12-01"
    code, number = make_inputs.ROUND2_STATEMENT
    moved = c.changed_statements()
    assert [(s.quality_statement, s.number) for s in moved] == [(code, number)]
    s = moved[0]
    assert s.agree_now == 100.0 and s.agree_then is not None and s.agree_then < 100.0
    assert s.mean_now == 4.0 and s.mean_then is not None and s.mean_then < 4.0
    assert (s.returns_then, s.responses_then) == (s.returns_now, s.responses_now)
    assert len(c.statements) == sum(
        len(q.checklist_statements) for q in ws.framework.quality_statements
    )

    content = make_inputs.load_yaml(make_inputs.CONTENT / "summaries" / "QS1.yaml")
    resolved = content["improvements"][make_inputs.ROUND2_RESOLVED[1]]["text"]
    new_code, new_text, _ids = make_inputs.ROUND2_NEW_IMPROVEMENT
    changes = {
        q.code: (q.new_improvements, q.resolved_improvements)
        for q in c.quality_statements
        if q.new_improvements or q.resolved_improvements
    }
    assert changes == {new_code: ((new_text,), (resolved,))}
    ratings = {
        q.code: (q.rating_then, q.rating_now) for q in c.quality_statements if q.rating_changed
    }
    assert ratings == {"QS3": (2, 3)}
    words = {q.code for q in c.quality_statements if q.words_then != q.words_now}
    assert words == {"QS1"}  # one area for improvement replaced by another
    assert all(q.words_then and q.words_now for q in c.quality_statements)
    assert c.evidence_added == ["EV-046"] and c.evidence_retired == ["EV-045"]
    assert [(ref, qs) for ref, qs, _action in c.actions_completed] == [("QS1-I2", "QS1")]

    # The workbook says the same: read back.
    wb = openpyxl.load_workbook(result.xlsx)
    assert wb.sheetnames == ["Summary", *[q.code for q in ws.framework.quality_statements]]
    qs1 = wb["QS1"]
    row = next(r for r in range(4, 30) if qs1.cell(r, 1).value == number)
    assert qs1.cell(row, 8).value == 100.0 and qs1.cell(row, 7).value == s.agree_then
    assert qs1.cell(row, 9).value == pytest.approx(100.0 - s.agree_then, abs=0.05)
    assert qs1.cell(row, 11).value == 4.0
    others = [
        (sheet.title, r)
        for sheet in wb.worksheets[1:]
        for r in range(4, sheet.max_row + 1)
        if isinstance(sheet.cell(r, 9).value, float | int) and sheet.cell(r, 9).value != 0
    ]
    assert others == [("QS1", row)]
    summary = wb["Summary"]
    by_label = {summary.cell(r, 1).value: r for r in range(1, summary.max_row + 1)}
    qs1_row = next(r for label, r in by_label.items() if str(label).startswith("QS1 "))
    assert summary.cell(qs1_row, 6).value == new_text
    assert summary.cell(qs1_row, 7).value == resolved
    qs3_row = next(r for label, r in by_label.items() if str(label).startswith("QS3 "))
    assert (summary.cell(qs3_row, 2).value, summary.cell(qs3_row, 3).value) == (2, 3)
    assert summary.cell(by_label["Evidence added (register IDs)"], 2).value == "EV-046"
    assert summary.cell(by_label["Evidence retired (register IDs)"], 2).value == "EV-045"
    done_row = by_label["Actions completed since then"] + 1
    assert summary.cell(done_row, 1).value == "QS1-I2"
    assert summary.cell(done_row, 6).value == ACTIONS["QS1-I2"][0]
    # A chart per quality statement, then and now.
    with zipfile.ZipFile(result.xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 9
        xml = z.read("xl/charts/chart1.xml").decode()
    # QS1's chart: % agree then (column G) and now (column H) of its statements.
    last = 3 + len(ws.framework.quality_statement("QS1").checklist_statements)
    assert f"<f>'QS1'!$G$4:$G${last}</f>" in xml and f"<f>'QS1'!$H$4:$H${last}</f>" in xml

    # The command line: a summary of what changed, and the same as JSON.
    runner = CliRunner()
    printed = runner.invoke(main, ["-w", str(ws.root), "compare"])
    assert printed.exit_code == 0, printed.output
    assert "Stage 1: 1 of 95 statements moved." in printed.output
    assert f"{code} statement {number}: % agree {s.agree_then:.1f} -> 100.0" in printed.output
    assert "QS3 self-rating 2 -> 3" in printed.output
    assert "Evidence added: EV-046; retired: EV-045" in printed.output
    assert "Actions completed: QS1-I2 (QS1)" in printed.output
    as_json = runner.invoke(main, ["-w", str(ws.root), "compare", "2026-12-01", "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["evidence_added"] == ["EV-046"]
    assert [a["ref"] for a in data["actions_completed"]] == ["QS1-I2"]


def test_a_second_close_the_same_day_never_overwrites(
    second_round: Workspace, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(second_round.root, root)
    ws = Workspace(root)
    first = (ws.rounds_dir / "2026-12-01" / "round.json").read_bytes()
    result = close_round(ws, on=CLOSED)
    assert result.archive == ws.rounds_dir / "2026-12-01-2"
    assert (ws.rounds_dir / "2026-12-01" / "round.json").read_bytes() == first
    assert [p.name for p in closed_rounds(ws)] == ["2026-12-01", "2026-12-01-2"]
    # Round 2's Done action left the plan with it.
    assert result.done_actions == ["QS1-I2"]
    plan = read_inputs(ws).plan
    assert plan is not None and [r.ref for r in plan.actions] == ["QS1-I1"]
    # compare: the latest closed round by default, an unknown one refused in one line.
    with pytest.raises(SelfAssessError, match="no closed round 2025-01-01"):
        compare_rounds(ws, "2025-01-01")


def test_close_and_compare_refuse_in_one_line_when_there_is_nothing(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    runner = CliRunner()
    closed = runner.invoke(main, ["-w", str(ws.root), "round", "close"])
    assert closed.exit_code == 1
    assert closed.output.strip().splitlines() == [
        "Error: There is nothing to close: inputs/ has no Stage 1 returns, surveys or Stage 2 "
        "summaries this round."
    ]
    assert not ws.rounds_dir.exists()
    compared = runner.invoke(main, ["-w", str(ws.root), "compare"])
    assert compared.exit_code == 1
    assert "no closed round to compare with" in compared.output


def test_areas_for_improvement_are_matched_by_their_text_not_exactly() -> None:
    then = [
        "Carers' assessments are too slow: 210 carers are waiting.",
        "Too few people have an annual review.",
    ]
    now = [
        "Carers’ assessments are too slow; 180 carers are waiting.",  # reworded: the same one
        "Occupational therapy assessments take too long.",
    ]
    new, resolved = match_texts(then, now)
    assert new == ["Occupational therapy assessments take too long."]
    assert resolved == ["Too few people have an annual review."]
    assert match_texts([], []) == ([], [])


def test_a_round_that_cannot_be_read_at_all_is_not_closed(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.stage1_inputs / "return.xlsx").write_bytes(b"not a workbook")  # read, and reported
    (ws.root / "selfassess.toml").write_text("council = [unclosed\n", "utf-8")
    before = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*"))
    with pytest.raises(SelfAssessError, match=r"selfassess\.toml"):
        close_round(Workspace(ws.root))
    assert sorted(p.relative_to(ws.root) for p in ws.root.rglob("*")) == before
    # Mended, the same round closes, its unreadable return and all (errors do not stop it).
    shutil.copy(ROOT / "selfassess.toml", ws.root / "selfassess.toml")
    result = close_round(Workspace(ws.root), on=CLOSED)
    assert (result.archive / "inputs" / "stage1" / "return.xlsx").read_bytes() == b"not a workbook"
    assert result.counts["stage1_returns"] == 0 and result.counts["files"] == 1
    assert not (ws.stage1_inputs / "return.xlsx").exists()


def _demo_copy(base: Path) -> Workspace:
    root = base / "demo"
    root.mkdir()
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", root / "inputs")
    return Workspace(root)


def test_closing_never_deletes_what_is_not_in_the_archive(tmp_path: Path) -> None:
    """A shared folder linked into inputs/ is unlinked, not emptied; what a close left behind
    when it was stopped is cleared and never taken for a round; a file saved after it was
    archived stays where it is."""
    from pipeline.app import _leave_archived

    ws = _demo_copy(tmp_path)
    shared = tmp_path / "shared-drive"
    shared.mkdir()
    (shared / "minutes.docx").write_bytes(b"the partnership board's minutes")
    (ws.inputs / "board").symlink_to(shared, target_is_directory=True)
    stopped = ws.rounds_dir / ".closing-2026-11-30"
    (stopped / "inputs").mkdir(parents=True)
    (stopped / "round.json").write_text("{}", "utf-8")
    result = close_round(ws, on=CLOSED)
    assert result.stayed == []
    assert (shared / "minutes.docx").read_bytes() == b"the partnership board's minutes"
    assert not (ws.inputs / "board").exists()
    archive = ws.rounds_dir / "2026-12-01"
    assert (archive / "inputs" / "board" / "minutes.docx").is_file()
    assert not stopped.exists() and closed_rounds(ws) == [archive]
    # A return saved (or changed) after the archive was made stays in the workspace.
    late = ws.stage1_inputs / "late.xlsx"
    late.write_bytes(b"typed after the copy")
    copy = tmp_path / "copy"
    (copy / "stage1").mkdir(parents=True)
    assert _leave_archived(ws, ws.stage1_inputs, copy / "stage1") == ["inputs/stage1/late.xlsx"]
    assert late.is_file()


def test_done_actions_stay_in_a_plan_that_moving_rows_would_damage(tmp_path: Path) -> None:
    """A link below the first Done action would be left on another action if rows moved up:
    the Done actions stay (they are in the archive too) and the close says why."""
    ws = _demo_copy(tmp_path)
    generate_plan(ws)
    _fill_plan(ws)
    wb = openpyxl.load_workbook(ws.improvement_plan)
    sheet = wb[PLAN_SHEET]
    sheet[f"{plan_column('measure')}40"].hyperlink = "https://wealdshire.example/plan"
    wb.save(ws.improvement_plan)
    before = ws.improvement_plan.read_bytes()
    result = close_round(ws, on=CLOSED)
    assert result.done_actions == [] and "links, merged cells or formulas" in result.plan_note
    assert ws.improvement_plan.read_bytes() == before
