"""The thread from Stage 1 to action (column E of the Stage 2 form, outputs/thread.xlsx, the
stage1-not-answered warning) and the self-rating on CQC's scale (issue 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.analysis.rating import band, disagreement, self_ratings
from pipeline.app import build_report, read_inputs, validate_workspace, workspace_status
from pipeline.forms.summary import FORM_SHEET, STAGE1_COL, field_cell
from pipeline.framework import Framework
from pipeline.workspace import Workspace
from pipeline.xlsx.write import write_text
from tests.factories import summary, text

ROOT = Path(__file__).resolve().parents[1]

QS1_FORM = "inputs/stage2/QS1-assessing-needs.xlsx"


@pytest.fixture(scope="module")
def demo_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("thread") / "demo"
    root.mkdir()
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", root / "inputs")
    return root


@pytest.fixture
def demo(demo_prepared: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "demo"
    shutil.copytree(demo_prepared, root)
    return Workspace(root)


def _edit_qs1(ws: Workspace, cells: dict[str, str]) -> None:
    """Type into the demo's QS1 summary as its lead officer would (``""`` clears a cell)."""
    path = ws.root / QS1_FORM
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        write_text(wb[FORM_SHEET][ref], value or None)
    wb.save(path)


# ---- The thread -------------------------------------------------------------------------------


def test_the_demo_answers_every_flagged_statement_and_writes_the_thread(demo: Workspace) -> None:
    findings = validate_workspace(demo).findings
    assert not [f for f in findings if f.code.startswith("stage1-")]
    sheet = openpyxl.load_workbook(demo.thread_xlsx)["QS1"]
    rows = {
        sheet.cell(r, 1).value: [sheet.cell(r, c).value for c in range(2, 9)]
        for r in range(5, sheet.max_row + 1)
    }
    # QS1's statement 12 (unpaid carers) was flagged; area for improvement 1 answers it.
    text, flags, _agree, cited, evidence, ir_items, actions = rows[12]
    assert text.startswith("Unpaid carers have access to information")
    assert "area for improvement" in flags
    assert cited == "Area for improvement 1"
    assert evidence == "EV-007, EV-037, EV-003"
    assert ir_items  # the IR items of those documents
    assert actions is None  # no plan yet


def test_an_uncited_flagged_statement_is_reported_and_citing_it_clears_it(
    demo: Workspace,
) -> None:
    improvement_cell = field_cell("Area for improvement 1", STAGE1_COL)
    _edit_qs1(demo, {improvement_cell: ""})
    findings = validate_workspace(demo).findings
    (found,) = [f for f in findings if f.code == "stage1-not-answered"]
    assert (found.file, found.sheet, found.cell) == (QS1_FORM, FORM_SHEET, improvement_cell)
    assert found.data == {"statement": 12, "quality_statement": "QS1"}
    assert "Stage 1 statement 12" in found.message and found.severity == "warning"
    sheet = openpyxl.load_workbook(demo.thread_xlsx)["QS1"]
    unanswered = [r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == 12]
    assert sheet.cell(unanswered[0], 5).value == "Not answered"

    # Cited beside a strength instead ("S12" as some write it): cleared.
    strength_cell = field_cell("Strength 2", STAGE1_COL)
    _edit_qs1(demo, {strength_cell: "S12"})
    findings = validate_workspace(demo).findings
    assert not [f for f in findings if f.code.startswith("stage1-")]

    # A number the checklist does not have, and something that is not a number.
    _edit_qs1(demo, {strength_cell: "12, 99 and soon"})
    findings = validate_workspace(demo).findings
    (unknown,) = [f for f in findings if f.code.startswith("stage1-")]
    assert (unknown.code, unknown.cell) == ("stage1-citation-unknown", strength_cell)
    assert "“99”, “soon”" in unknown.message


def test_the_thread_reaches_the_plan_actions(demo: Workspace) -> None:
    from pipeline.app import generate_plan
    from pipeline.forms.plan import FIRST_ROW, PLAN_SHEET, plan_column

    generate_plan(demo)
    wb = openpyxl.load_workbook(demo.improvement_plan)
    wb[PLAN_SHEET][f"{plan_column('action')}{FIRST_ROW}"] = "Delegated carers' assessments"
    wb[PLAN_SHEET][f"{plan_column('owner')}{FIRST_ROW}"] = "Head of Carers' Services"
    wb[PLAN_SHEET][f"{plan_column('status')}{FIRST_ROW}"] = "On track"
    wb.save(demo.improvement_plan)
    validate_workspace(demo)
    sheet = openpyxl.load_workbook(demo.thread_xlsx)["QS1"]
    (row,) = [r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value == 12]
    assert sheet.cell(row, 8).value == (
        "Delegated carers' assessments (Head of Carers' Services; no due date; On track)"
    )


# ---- The self-rating --------------------------------------------------------------------------


RATINGS = {"QS1": 3, "QS2": 3, "QS3": 2, "QS4": 2, "QS5": 3, "QS6": 3, "QS7": 3, "QS8": 2,
           "QS9": 3}  # fmt: skip


def test_theme_and_overall_scores_as_cqc_aggregates_them(framework: Framework) -> None:
    summaries = [summary(code, self_rating=score) for code, score in RATINGS.items()]
    ratings = self_ratings(framework, summaries, {})
    # By hand: per theme, the sum of the scores over 4 x the statements scored.
    #   Working with people 3+3+2 = 8 of 12 = 66.7%: good (63-87%)
    #   Providing support 2+3 = 5 of 8 = 62.5%: over 62%, so good
    #   Ensuring safety 3+3 = 6 of 8 = 75%: good
    #   Leadership 2+3 = 5 of 8 = 62.5%: good
    #   Overall 24 of 36 = 66.7%: good
    got = [(t.total, t.maximum, round(t.percent or 0, 1), t.band) for t in ratings.themes]
    assert got == [
        (8, 12, 66.7, "Good"),
        (5, 8, 62.5, "Good"),
        (6, 8, 75.0, "Good"),
        (5, 8, 62.5, "Good"),
    ]
    overall = ratings.overall
    assert (overall.total, overall.maximum, round(overall.percent or 0, 1), overall.band) == (
        24,
        36,
        66.7,
        "Good",
    )
    assert ratings.themes[0].describe() == "8/12 = 66.7%, Good"


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((1, 1, 1), "Inadequate"),  # 25%
        ((1, 2, 1), "Inadequate"),  # 33.3%
        ((2, 1), "Inadequate"),  # 37.5%: not over 38%
        ((2, 2), "Requires improvement"),  # 50%
        ((1, 1, 2, 1, 2, 2, 1, 2, 4), "Requires improvement"),  # 16/36 = 44.4%
        ((3, 2, 2, 3, 3, 2, 2, 3, 2), "Requires improvement"),  # 22/36 = 61.1%
        ((4, 3), "Outstanding"),  # 87.5%: over 87%
        ((3, 3, 3, 4), "Good"),  # 81.3%
        ((4, 4, 3, 4), "Outstanding"),  # 93.8%
    ],
)
def test_bands(scores: tuple[int, ...], expected: str) -> None:
    assert band(100 * sum(scores) / (4 * len(scores))) == expected


def test_a_partial_theme_and_sharp_disagreement(framework: Framework) -> None:
    summaries = [summary("QS1", self_rating=3), summary("QS2", self_rating=4), summary("QS3")]
    ratings = self_ratings(framework, summaries, {})
    assert ratings.themes[0].describe() == "7/8 = 87.5%, Outstanding (2 of 3 scored)"
    assert ratings.themes[1].describe() == "not scored"
    assert disagreement(3, 40.0, 0.5, 0.8).startswith("rated 3 but only 40% agree")
    assert disagreement(3, 40.0, 0.3, 0.8) == ""
    assert disagreement(2, 85.0, 0.5, 0.8).startswith("rated 2 but 85% agree")
    assert disagreement(2, 75.0, 0.5, 0.8) == disagreement(None, 20.0, 0.5, 0.8) == ""
    reason = summary("QS4", self_rating=1, rating_reason=text("Too many people wait."))
    (qs4,) = [r for r in self_ratings(framework, [reason], {}).statements if r.code == "QS4"]
    assert (qs4.score, qs4.reason) == (1, "Too many people wait.")


def test_the_form_reads_the_self_rating_and_status_shows_it(demo: Workspace) -> None:
    inputs = read_inputs(demo)
    got = {s.quality_statement: s.self_rating for s in inputs.summaries}
    assert got == RATINGS  # chosen from the list: "3 A good standard"
    lines = workspace_status(demo).lines()
    assert "Overall: 24/36 = 66.7%, Good" in lines
    assert "Theme: Providing support: 5/8 = 62.5%, Good" in lines
    qs3 = next(line for line in lines if line.startswith("QS3 Equity") and "received" not in line
               and "%" in line)  # fmt: skip
    assert qs3.split()[-2:] == ["2", "71%"]  # Stage 1 % agree with the QS3 workshop counted

    rating = field_cell("Self-rating (1 to 4)")
    _edit_qs1(demo, {rating: "5"})
    findings = validate_workspace(demo).findings
    (bad,) = findings.errors
    assert (bad.code, bad.file, bad.cell) == ("rating-invalid", QS1_FORM, rating)


def test_the_internal_annex_is_off_by_default(demo: Workspace) -> None:
    import docx as python_docx

    def headings(path: Path) -> list[str]:
        document = python_docx.Document(str(path))
        return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]

    built = build_report(demo, draft=True)
    assert built.docx is not None
    assert "Annex: Our self-rating (internal)" not in headings(built.docx)
    toml = demo.root / "selfassess.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("[report]", "[report]\nself_rating_annex = true")
    )
    built = build_report(Workspace(demo.root), draft=True)
    assert built.docx is not None
    assert headings(built.docx)[-1] == "Annex: Our self-rating (internal)"
    cells = {
        c.text
        for t in python_docx.Document(str(built.docx)).tables
        for row in t.rows
        for c in row.cells
    }
    assert {"3 (a good standard)", "24/36 = 66.7%, Good", "5/8 = 62.5%, Good"} <= cells
