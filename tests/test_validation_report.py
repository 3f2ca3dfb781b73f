"""``outputs/validation-report.xlsx``: every finding, filterable, linked to its file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline.model.findings import Finding, Findings, error, warning
from pipeline.outputs.validation_report import (
    CANDIDATES_SHEET,
    COLUMNS,
    FINDINGS_SHEET,
    HEADER_ROW,
    SUMMARY_SHEET,
    file_link,
    write_validation_report,
)
from pipeline.workspace import Workspace
from tests.conftest import COUNCIL, soffice_convert

FINDINGS = Findings(
    [
        warning(
            "missing-field",
            "inputs/stage2/QS1 summary.xlsx",
            "‘Lead officer (post)’ is empty. Give the lead officer's job title.",
            sheet="Summary",
            cell="B8",
            field="Lead officer (post)",
        ),
        error(
            "word-limit",
            "inputs/stage2/QS1 summary.xlsx",
            "Section B has 812 words, 62 over the 750-word limit.",
            sheet="Summary",
            cell="D2",
            field="Words in Section B",
        ),
        error(
            "ignored-content",
            "inputs/stage2/Cwm Dŵr/QS7 & co.xlsx",
            '=HYPERLINK("http://evil.example") typed <outside> the form is not read.',
            sheet="Summary",
            cell="H40",
        ),
        error("unreadable-file", "inputs/evidence-library.xlsx", "is damaged; send it again"),
    ]
)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """Only outputs/ is written: a bare workspace folder is enough (and quick)."""
    (tmp_path / "inputs").mkdir()
    (tmp_path / "selfassess.toml").write_text(f'council = "{COUNCIL}"\n', "utf-8")
    return Workspace(tmp_path)


def test_every_finding_in_a_filterable_table(workspace: Workspace) -> None:
    path = write_validation_report(workspace, FINDINGS)
    assert path == workspace.root / "outputs" / "validation-report.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [FINDINGS_SHEET, SUMMARY_SHEET, CANDIDATES_SHEET]
    sheet = wb[FINDINGS_SHEET]
    assert [c.value for c in sheet[HEADER_ROW]] == COLUMNS
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:G{HEADER_ROW + 4}"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    # Grouped by file, errors before warnings.
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("error", "unreadable-file", "inputs/evidence-library.xlsx", None),
        ("error", "ignored-content", "inputs/stage2/Cwm Dŵr/QS7 & co.xlsx", "H40"),
        ("error", "word-limit", "inputs/stage2/QS1 summary.xlsx", "D2"),
        ("warning", "missing-field", "inputs/stage2/QS1 summary.xlsx", "B8"),
    ]
    # User text stays text, exactly, even when it looks like a formula.
    assert rows[1][6] == FINDINGS.errors[1].message
    assert sheet.cell(HEADER_ROW + 2, 7).data_type == "s"
    assert "3 errors and 1 warning in 3 files." in sheet["A2"].value
    assert sheet["A1"].value == f"Validation report — {COUNCIL}"


def test_files_are_links_and_severities_are_coloured(workspace: Workspace) -> None:
    sheet = openpyxl.load_workbook(write_validation_report(workspace, FINDINGS))[FINDINGS_SHEET]
    links = [sheet.cell(row, 3).hyperlink.target for row in range(HEADER_ROW + 1, HEADER_ROW + 5)]
    assert links == [
        "../inputs/evidence-library.xlsx",
        "../inputs/stage2/Cwm%20D%C5%B5r/QS7%20%26%20co.xlsx",
        "../inputs/stage2/QS1%20summary.xlsx",
        "../inputs/stage2/QS1%20summary.xlsx",
    ]
    fills = [
        sheet.cell(row, 1).fill.fgColor.rgb[-6:] for row in range(HEADER_ROW + 1, HEADER_ROW + 5)
    ]
    assert fills == ["FFC7CE", "FFC7CE", "FFC7CE", "FFEB9C"]


def test_a_link_to_a_template_in_outputs(workspace: Workspace) -> None:
    assert file_link(workspace, "outputs/stage2/templates/QS1-assessing-needs.xlsx") == (
        "stage2/templates/QS1-assessing-needs.xlsx"
    )


def test_counts_by_file_and_code(workspace: Workspace) -> None:
    sheet = openpyxl.load_workbook(write_validation_report(workspace, FINDINGS))[SUMMARY_SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert ["inputs/stage2/QS1 summary.xlsx", 1, 1] in rows
    assert ["word-limit", 1, 0] in rows
    assert ["missing-field", 0, 1] in rows


def test_all_clear(workspace: Workspace) -> None:
    sheet = openpyxl.load_workbook(write_validation_report(workspace, Findings()))[FINDINGS_SHEET]
    assert sheet["A2"].value == "All clear: no errors and no warnings."
    row = [c.value for c in sheet[HEADER_ROW + 1]]
    assert row[:2] == ["ok", "all-clear"] and row[6].startswith("All clear")


@pytest.mark.libreoffice
def test_libreoffice_opens_it(workspace: Workspace, tmp_path: Path) -> None:
    path = write_validation_report(workspace, FINDINGS)
    pdf = soffice_convert(path, "pdf", tmp_path)
    assert pdf.stat().st_size > 1000


def test_a_candidate_named_in_two_summaries_is_one_row() -> None:
    from pipeline.outputs.validation_report import library_candidate_rows

    def named(qs: str, title: str, cell: str) -> Finding:
        return warning(
            "library-candidate", f"inputs/stage2/{qs}.xlsx", "m", sheet="Summary", cell=cell
        ).with_data(
            typed=title, title=title, link="", quality_statement=qs, quality_statement_name=qs
        )

    rows = library_candidate_rows(
        [
            named("QS1", "Carers strategy 2023-2027", "B28"),
            named("QS8", "Carers Strategy 2023–2027", "B30"),
        ]
    )
    assert len(rows) == 1
    (row,) = rows
    assert (row["title"], row["quality_statements"]) == ("Carers strategy 2023-2027", "QS1, QS8")
    assert "inputs/stage2/QS1.xlsx (B28)" in row["notes"]
    assert "inputs/stage2/QS8.xlsx (B30)" in row["notes"]
