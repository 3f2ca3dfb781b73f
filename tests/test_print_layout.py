"""Every workbook the tool writes prints cleanly: the page header and footer sit inside the page
margins (the council's name never prints over the repeated heading), every sheet fits the page
width, tables that can run over a page repeat their header row, and a quality statement without
returns is one short block in findings.xlsx (issue 11, item 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.app import collect, generate_checklists, generate_summaries, validate_workspace
from pipeline.outputs.findings import sheet_names
from pipeline.workspace import Workspace
from tests.factories import fill_checklist

ASC = "Adult social care staff"


@pytest.fixture
def printed(complete: Workspace) -> Workspace:
    """The complete workspace with checklists made, returns for QS1 and QS7 only, collected,
    the summaries made and validated: every workbook the tool writes is in it."""
    generate_checklists(complete)
    for n in range(3):
        for code in ("QS1", "QS7"):
            ratings = dict.fromkeys(range(1, 15), 3)
            evidence = {i: f"Audit of assessments, point {i}. " * (1 + i % 4) for i in range(1, 15)}
            fill_checklist(complete, code, f"{code}-{n}.xlsx", ASC, ratings, evidence)
    collect(complete)
    generate_summaries(complete, force=True)
    validate_workspace(complete)
    return complete


def _workbooks(ws: Workspace) -> list[Path]:
    written = sorted(ws.outputs.rglob("*.xlsx"))
    written += [ws.inputs / "evidence-library.xlsx", ws.inputs / "overview.xlsx"]
    return written


def _header_rows(sheet: Any) -> list[int]:
    """Rows that look like a table's header: three or more filled cells in the header fill."""
    fill = "1F3864"
    rows = []
    for row in sheet.iter_rows():
        filled = [c for c in row if c.value is not None and str(c.fill.fgColor.rgb).endswith(fill)]
        if len(filled) >= 3:
            rows.append(row[0].row)
    return rows


def _table_length(sheet: Any, header: int) -> int:
    """The rows of the table under ``header``: up to the first row with nothing in it."""
    row = header + 1
    while any(sheet.cell(row, col).value is not None for col in range(1, 5)):
        row += 1
    return row - header - 1


def test_every_sheet_prints_inside_its_margins_and_fits_the_page_width(
    printed: Workspace,
) -> None:
    books = _workbooks(printed)
    kinds = {p.parent.name for p in books} | {p.name for p in books}
    assert {"checklists", "templates", "findings.xlsx", "validation-report.xlsx"} <= kinds
    assert {"ir-coverage.xlsx", "evidence-library.xlsx", "overview.xlsx"} <= kinds
    sheets = 0
    for path in books:
        wb = openpyxl.load_workbook(path)
        for sheet in wb.worksheets:
            if sheet.sheet_state != "visible":
                continue
            sheets += 1
            where = f"{path.name} / {sheet.title}"
            m = sheet.page_margins
            # The header and footer inside the page margins, with a line's room (0.3") for text.
            assert m.header + 0.3 <= m.top, where
            assert m.footer + 0.3 <= m.bottom, where
            setup = sheet.page_setup
            assert str(setup.paperSize) == sheet.PAPERSIZE_A4, where
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), where
            # A table with more than a few rows repeats its header row on every page.
            headers = [h for h in _header_rows(sheet) if _table_length(sheet, h) > 12]
            if headers:
                assert sheet.print_title_rows, where
                first, last = (int(r.strip("$")) for r in sheet.print_title_rows.split(":"))
                # A sheet repeats one range: the header of its last (longest-running) table;
                # findings.xlsx keeps an earlier table on a page of its own.
                assert first <= headers[-1] <= last, where
    assert sheets >= 30


def test_findings_for_a_round_with_returns_for_two_quality_statements(
    printed: Workspace,
) -> None:
    wb = openpyxl.load_workbook(printed.findings_xlsx)
    for sheet in wb.worksheets[1:10]:  # the quality statements' sheets
        if sheet.title.startswith(("QS1 ", "QS7 ")):
            # Comments run over pages: their header row repeats; the sections keep together.
            assert sheet.print_title_rows
            (row,) = {int(r.strip("$")) for r in sheet.print_title_rows.split(":")}
            assert sheet.cell(row, 2).value == "Comment"
            assert sheet._charts
        else:
            # One short block: no page breaks, tables or chart.
            assert sheet.max_row <= 5 and not sheet.row_breaks.brk and not sheet._charts


def test_sheet_names_end_on_a_whole_word() -> None:
    names = sheet_names(
        ["QS5 Partnerships and communities", "QS9 Learning, improvement and innovation", "QS1 A"]
    )
    assert names == ["QS5 Partnerships", "QS9 Learning, improvement", "QS1 A"]
    assert all(len(n) <= 31 for n in names)
