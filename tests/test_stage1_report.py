"""findings.xlsx: what a council officer sees, and that user text stays text (SPEC §6)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart

from pipeline.analysis.stage1 import aggregate
from pipeline.framework import Framework
from pipeline.model.findings import Findings, error
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.model.stage1 import CollectResult
from pipeline.outputs.findings import SUMMARY_SHEET, build_findings, sheet_names
from pipeline.outputs.findings_voices import VOICES_SHEET
from pipeline.resources import template_path
from pipeline.settings import Stage1Settings
from pipeline.xlsx.book_package import write_package
from pipeline.xlsx.write import load_style_values
from tests.conftest import soffice_convert

ASC, HEALTH, CARER = "Adult social care staff", "Health partner", "Unpaid carer"
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "R&D <team>"]


def _return(
    group: str, ratings: dict[int, int], evidence: dict[int, str] | None = None
) -> Stage1Return:
    evidence = evidence or {}
    numbers = sorted(set(ratings) | set(evidence))
    return Stage1Return(
        file=f"inputs/stage1/{group}-{len(ratings)}.xlsx",
        quality_statement="QS1",
        group=group,
        responses=tuple(
            Stage1Response(number=n, rating=ratings.get(n), evidence=evidence.get(n, ""))
            for n in numbers
        ),
    )


def _result(framework: Framework) -> CollectResult:
    returns = [
        _return(ASC, {1: 4, 2: 4, 3: 1, 4: 0}, {1: HOSTILE[0], 2: "Audit 🙂\nline two"}),
        _return(ASC, {1: 4, 2: 3, 3: 2, 4: 0}, {1: HOSTILE[1], 3: "Bell\x07 rings"}),
        _return(HEALTH, {1: 3, 2: 4, 3: 4, 4: 0}, {1: HOSTILE[2], 3: HOSTILE[3]}),
        _return(CARER, {1: 4, 2: 3, 3: 4, 4: 2}, {2: HOSTILE[4]}),
        _return("Not given", {1: 3, 2: 1, 3: 1}),
    ]
    results = aggregate(framework, returns, Stage1Settings())
    skipped = [error("unreadable-file", "inputs/stage1/x.xlsx", "is empty")]
    return CollectResult(len(returns), skipped, Findings(skipped), results)


@pytest.fixture
def findings_file(framework: Framework, tmp_path: Path) -> Path:
    """findings.xlsx as collect writes it."""
    style = load_style_values(template_path("xlsx/style.toml"))
    book = build_findings(
        framework, _result(framework), style, "Testshire Council", Stage1Settings(),
        today=dt.date(2026, 3, 5),
    )  # fmt: skip
    path = tmp_path / "findings.xlsx"
    write_package(book, path)
    return path


@pytest.fixture
def workbook(findings_file: Path) -> openpyxl.Workbook:
    """findings.xlsx as a spreadsheet program reads it (openpyxl)."""
    return openpyxl.load_workbook(findings_file)


def _texts(sheet: object) -> list[str]:
    rows = sheet.iter_rows()  # type: ignore[attr-defined]
    return [c.value for row in rows for c in row if isinstance(c.value, str)]


def test_one_sheet_per_quality_statement_after_the_summary(
    workbook: openpyxl.Workbook, framework: Framework
) -> None:
    names = workbook.sheetnames
    assert names[0] == SUMMARY_SHEET
    assert len(names) == 11 and names[-1] == VOICES_SHEET
    for name, qs in zip(names[1:10], framework.quality_statements, strict=True):
        assert name.startswith(f"{qs.code} ")
        assert len(name) <= 31
    summary = _texts(workbook[SUMMARY_SHEET])
    assert "Testshire Council" in summary
    assert any("Collected on 5 March 2026 from 5 returned checklists" in t for t in summary)
    assert any("1 file could not be read" in t for t in summary)
    assert any(t.startswith("Divergent views: at least 25%") for t in summary)


def test_each_sheet_has_a_stacked_bar_chart_of_the_ratings(workbook: openpyxl.Workbook) -> None:
    charted = 0
    for name in workbook.sheetnames[1:10]:
        sheet = workbook[name]
        if "No returns yet" in str(sheet["A2"].value):
            # One short block: no empty chart or tables.
            assert sheet._charts == [] and sheet.max_row <= 5
            assert str(sheet["A5"].value).startswith("No Stage 1 checklists have been returned")
            continue
        (chart,) = sheet._charts
        assert isinstance(chart, BarChart)
        assert (chart.type, chart.grouping, chart.overlap) == ("bar", "stacked", 100)
        assert len(chart.series) == 5  # 1, 2, 3, 4 and don't know
        # Counts of people: whole-number steps on the axis.
        assert chart.y_axis.number_format.formatCode == "0"
        assert chart.y_axis.majorUnit >= 1 and chart.y_axis.majorUnit == int(chart.y_axis.majorUnit)
        charted += 1
    assert charted >= 1
    qs1 = workbook.sheetnames[1]
    (chart,) = workbook[qs1]._charts
    titles = [s.tx.strRef.f for s in chart.series]
    sheet = workbook[qs1]
    assert [sheet[ref.split("!")[1].replace("$", "")].value for ref in titles] == [
        "1 Strongly disagree", "2 Tend to disagree", "3 Tend to agree", "4 Strongly agree",
        "Don't know",
    ]  # fmt: skip


def test_qs_sheet_numbers_groups_and_comments(workbook: openpyxl.Workbook) -> None:
    sheet = workbook[workbook.sheetnames[1]]
    texts = _texts(sheet)
    # Statement 1: 4,4,3,4,3 -> 100% agree, a strength; 3: 1,2,4,4,1 split; 4: mostly 0.
    rows = {
        sheet.cell(r, 1).value: [sheet.cell(r, c).value for c in range(1, 13)]
        for r in range(1, sheet.max_row + 1)
        if isinstance(sheet.cell(r, 3).value, int)
    }
    assert rows[1][2:10] == [5, 0, 0, 0, 2, 3, 1.0, 3.6]
    assert rows[3][2:12] == [5, 0, 2, 1, 0, 2, 0.4, 2.4, "Yes", "Yes"]
    assert rows[4][2:8] == [4, 3, 0, 1, 0, 0]
    assert any(t.startswith("Emerging strengths") for t in texts)
    assert any("views split: 3 disagree and 2 agree of 5 ratings" in t for t in texts)
    assert any("3 of 4 responses are don't know" in t for t in texts)
    # Group columns, and the comments with their group, never a name or file.
    for group in (ASC, HEALTH, CARER, "Not given"):
        assert group in texts
    assert "Audit 🙂\nline two" in texts
    assert not any("inputs/stage1" in t for t in texts)


def test_user_text_is_stored_as_text_and_cleaned(workbook: openpyxl.Workbook) -> None:
    sheet = workbook[workbook.sheetnames[1]]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for text in HOSTILE:
        assert cells[text].data_type == "s", text
    assert cells[HOSTILE[0]].quotePrefix
    assert "Bell rings" in cells  # U+0007 removed


def test_saved_findings_contain_no_formula(findings_file: Path) -> None:
    from pipeline.xlsx.reader import open_workbook

    read = open_workbook(findings_file)
    assert all(c.formula is None for s in read.sheets.values() for c in s.cells.values())
    texts = {c.value for s in read.sheets.values() for c in s.cells.values()}
    assert set(HOSTILE) <= texts


def test_sheet_names_are_valid_and_cut_at_a_word() -> None:
    assert sheet_names(["QS4 Care provision, integration and continuity", "QS9 A/B: c?"]) == [
        "QS4 Care provision, integration",
        "QS9 A B  c",
    ]


@pytest.mark.libreoffice
def test_libreoffice_renders_the_findings(findings_file: Path, tmp_path: Path) -> None:
    pdf = soffice_convert(findings_file, "pdf", tmp_path / "pdf")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Stage 1 findings" in text
    assert "QS1 Assessing needs: Stage 1 findings" in text
    assert "Number of responses for each rating, by statement" in text  # the chart's title
    assert "=HYPERLINK" in text  # shown as typed, not as a link
