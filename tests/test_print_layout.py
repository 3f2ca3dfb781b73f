"""Every workbook the tool writes prints cleanly: the page header and footer sit inside the page
margins (the council's name never prints over the repeated heading), every sheet fits the page
width, tables that can run over a page repeat their header row, and a quality statement without
returns is one short block in findings.xlsx, every page of a table that runs over pages starts
with its header row, and no page is left nearly empty (issue 11, item 1)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.app import collect, generate_checklists, generate_summaries, validate_workspace
from pipeline.outputs.findings import sheet_names
from pipeline.workspace import Workspace
from pipeline.xlsx.write import Pages
from tests.conftest import soffice_convert
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
            assert setup.fitToWidth == 1, where
            # As many pages tall as it takes; or, for a sheet without manual page breaks whose
            # last page would hold a line or two, one page fewer (fit_last_page).
            assert setup.fitToHeight == 0 or not sheet.row_breaks.brk, where
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


GROUPS = ["Adult social care staff", "Health partner", "Voluntary and community sector", "Carer"]


@pytest.fixture
def long_tables(workspace: Workspace) -> Workspace:
    """A round whose QS1 tables run over pages: 14 statements rated by four groups, every
    comment long; one return for QS2 (short tables)."""
    generate_checklists(workspace)
    for n in range(8):
        ratings = {i: 1 + (i + n) % 4 for i in range(1, 15)}
        evidence = {
            i: f"Case file audit {n}, point {i}: " + "we saw it work. " * (i % 5) for i in ratings
        }
        fill_checklist(workspace, "QS1", f"QS1-{n}.xlsx", GROUPS[n % 4], ratings, evidence)
    fill_checklist(workspace, "QS2", "QS2-0.xlsx", ASC, {1: 3, 2: 4}, {1: "Yes."})
    collect(workspace)
    return workspace


def _page_starts(sheet: Any) -> list[int]:
    return [1, *(b.id + 1 for b in sheet.row_breaks.brk)]


def _table_headers(sheet: Any) -> list[tuple[int, str]]:
    """(row, first heading) of each header row: the ratings, groups and comments tables'."""
    return [(r, str(sheet.cell(r, 2).value)) for r in _header_rows(sheet)]


def test_findings_tables_start_every_page_they_run_onto_with_their_header_row(
    long_tables: Workspace,
) -> None:
    wb = openpyxl.load_workbook(long_tables.findings_xlsx)
    sheet = next(s for s in wb.worksheets if s.title.startswith("QS1 "))
    headers = _table_headers(sheet)
    labels = [label for _, label in headers]
    # Both tables run over a page: each has its header row again, marked as continued.
    assert labels.count("Statement (continued)") >= 2, labels
    assert labels[-1] == "Comment"
    starts = _page_starts(sheet)
    header_rows = {row for row, _ in headers}
    ratings, comments = headers[0][0], headers[-1][0]
    numbered = [r for r in range(ratings, comments) if isinstance(sheet.cell(r, 1).value, int)]
    assert len(numbered) == 28  # 14 statements in each table
    for row in starts:
        if ratings < row < comments:  # a page that starts inside a table starts with its header
            inside = any(r < row for r in numbered) and any(r >= row for r in numbered)
            assert not inside or row in header_rows, (row, sheet.cell(row, 2).value)
    # Every copy starts a page (none is left in the middle of one).
    for row, label in headers:
        if label == "Statement (continued)":
            assert row in starts, row
    # No page between two manual breaks is taller than a page (no automatic break inside),
    # and none but the last is less than a third full.
    pages = Pages(sheet, 183)
    for first, end in itertools.pairwise(starts):
        assert pages.capacity / 3 <= pages.height(first, end) <= pages.capacity, (first, end)
    # The comments' header row repeats on the pages they run onto.
    assert sheet.print_title_rows == f"$${comments}:$${comments}".replace("$$", "$")
    # The chart reads the statements' rows, not the header rows repeated between them.
    (chart,) = sheet._charts
    refs = chart.series[0].val.numRef.f
    assert refs.startswith("(") and refs.count("!") >= 2, refs
    groups = next(r for r in numbered if sheet.cell(r, 1).value == 1 and r > numbered[0])
    assert _rows_of(chart.series[0].cat.numRef.f) == [r for r in numbered if r < groups]


def _rows_of(reference: str) -> list[int]:
    """Every row a (union of) single-column reference(s) covers."""
    import re

    rows: list[int] = []
    for first, last in re.findall(r"\$A\$(\d+):\$A\$(\d+)", reference):
        rows += range(int(first), int(last) + 1)
    return rows


def test_findings_summary_prints_on_one_page(long_tables: Workspace) -> None:
    summary = openpyxl.load_workbook(long_tables.findings_xlsx)["Summary"]
    # Nine quality statements and the definitions: a little over a page, so fitted to one.
    assert summary.page_setup.fitToHeight == 1 and not summary.row_breaks.brk


@pytest.mark.libreoffice
def test_printed_findings_pages_never_start_inside_a_table(
    long_tables: Workspace, tmp_path: Path
) -> None:
    """As LibreOffice prints it: no page of QS1's sheet starts with a table row without its
    header row above it (a line starting with a statement number)."""
    import shutil
    import subprocess

    pdf = soffice_convert(long_tables.findings_xlsx, "pdf", tmp_path)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if "QS1 Assessing needs — page" in p]
    assert len(pages) >= 5
    firsts = [next(line.strip() for line in p.splitlines() if line.strip()) for p in pages]
    for first in firsts[1:]:
        assert not first[0].isdigit(), firsts
    assert sum(f.startswith("No.") for f in firsts) >= 3, firsts


def _pages_of(sheet: Any) -> tuple[Pages, int, float]:
    """The page estimate for ``sheet`` as the tool made it (its columns' widths and
    orientation), the last of its repeated rows (0: none) and their height."""
    from openpyxl.utils import get_column_letter

    width = sum(
        sheet.column_dimensions[get_column_letter(c)].width or 13
        for c in range(1, sheet.max_column + 1)
    )
    pages = Pages(sheet, width, sheet.page_setup.orientation)
    if not sheet.print_title_rows:
        return pages, 0, 0.0
    first, last = (int(r.strip("$")) for r in sheet.print_title_rows.split(":"))
    return pages, last, pages.height(first, last + 1)


def test_no_page_is_left_nearly_empty(printed: Workspace) -> None:
    """Every page that ends at one of the tool's page breaks is at least a third full and no
    taller than a page (as estimated for Excel); a sheet without breaks never ends with a page
    holding only a line or two, unless it is fitted to one page fewer."""
    checked = checked_short = 0
    for path in _workbooks(printed):
        for sheet in openpyxl.load_workbook(path).worksheets:
            if sheet.sheet_state != "visible":
                continue
            where = f"{path.name} / {sheet.title}"
            pages, titles, repeated = _pages_of(sheet)
            starts = _page_starts(sheet)
            if len(starts) > 1:
                checked += 1
                for first, end in itertools.pairwise(starts):
                    # Rows repeated at the top take room on the pages after theirs.
                    room = pages.capacity - (repeated if titles and first > titles else 0)
                    height = pages.height(first, end)
                    assert room / 3 <= height <= room, (where, first, end, height, room)
            elif sheet.page_setup.fitToHeight == 0 and not titles:
                # A sheet of a page and a bit (where pages fall is only estimated on longer
                # ones): the bit is more than a line or two.
                total = pages.height(1, sheet.max_row + 1)
                if total < 2 * pages.capacity:
                    assert not pages.capacity < total < 1.25 * pages.capacity, (where, total)
                    checked_short += 1
    assert checked >= 9  # the Stage 2 forms and guidance, findings' sheets with returns
    assert checked_short >= 9  # the checklists' guidance among them


def _rows(*heights: float) -> Any:
    """A sheet whose rows 1, 2, ... have these heights (points)."""
    sheet = openpyxl.Workbook().active
    for row, height in enumerate(heights, start=1):
        sheet.row_dimensions[row].height = height
    return sheet


def test_a_section_starts_on_a_page_less_than_a_third_full_and_runs_on() -> None:
    sheet = _rows(100, 100, 100, 100, 100)
    pages = Pages(sheet, 100)  # no shrinking: a page holds 95% of 6.67 inches, 456 points
    pages.keep(1, 2)
    pages.keep(2, 6)  # 400 points: fits a page, not the 356 left, but the page is nearly empty
    assert _page_starts(sheet) == [1, 5]  # so it starts there and runs on


def test_a_section_moves_to_a_new_page_when_the_page_is_a_third_full() -> None:
    sheet = _rows(200, 100, 100, 100)
    pages = Pages(sheet, 100)
    pages.keep(1, 2)
    pages.keep(2, 5)
    assert _page_starts(sheet) == [1, 2]


def test_a_last_page_with_a_line_or_two_shares_the_rows_of_the_page_before() -> None:
    sheet = _rows(150, 150, 150, 60)
    pages = Pages(sheet, 100)
    for row in range(1, 5):
        pages.keep(row, row + 1)
    assert _page_starts(sheet) == [1, 4]  # the last page: 60 points of 456
    pages.finish(5)
    assert _page_starts(sheet) == [1, 3]


def test_a_table_repeats_its_header_row_on_each_page_it_runs_onto() -> None:
    sheet = _rows(20, 40)  # its heading and header row
    pages = Pages(sheet, 100)
    body = [100.0] * 10
    copies = pages.table(1, 2, body)
    # 60 + 3 x 100 points on the first page; then the header row again and 4 on each page.
    assert copies == [3, 7]
    # The copies' rows (before body rows 3 and 7, each after the copies before it) start pages.
    assert _page_starts(sheet) == [1, 2 + 1 + 3, 2 + 1 + 7 + 1]


def test_no_page_starts_inside_a_table_without_its_header_row(printed: Workspace) -> None:
    """A page the tool starts inside a table starts with the table's header row: written again
    there (findings), or the sheet's repeated print title (checklists); the Stage 2 guidance's
    small tables are never split."""
    split = 0
    for path in _workbooks(printed):
        for sheet in openpyxl.load_workbook(path).worksheets:
            starts = _page_starts(sheet)[1:]
            headers = _header_rows(sheet)
            first, last = (int(r.strip("$")) for r in (sheet.print_title_rows or "0:0").split(":"))
            for header in headers:
                body = range(header + 1, header + 1 + _table_length(sheet, header))
                for row in starts:
                    if row in body:
                        split += 1
                        repeated = first <= header <= last
                        assert row in headers or repeated, (path.name, sheet.title, row)
    assert split >= 4  # the findings' tables and the checklists' statements run over pages


def test_stage2_guidance_tables_are_never_split(tmp_path: Path) -> None:
    """The demo council's Stage 1 findings on each Stage 2 guidance sheet: a small table moves to
    the next page whole rather than run over without its header row (QS2's and QS4's did)."""
    import shutil

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "inputs", tmp_path / "inputs")
    shutil.copy(root / "selfassess.toml", tmp_path / "selfassess.toml")
    ws = Workspace(tmp_path)
    collect(ws)
    generate_summaries(ws, force=True)
    tables = 0
    for path in sorted((ws.outputs / "stage2" / "templates").glob("*.xlsx")):
        sheet = openpyxl.load_workbook(path)["Guidance"]
        starts = _page_starts(sheet)
        # A table longer than a page (the lived-experience table) has its header row repeated.
        titles = sheet.print_title_rows or "0:0"
        first, last = (int(r.strip("$")) for r in titles.split(":"))
        for header in _header_rows(sheet):
            tables += 1
            body = range(header + 1, header + 1 + _table_length(sheet, header))
            if first <= header <= last:
                continue
            assert not set(starts) & set(body), (path.name, header, starts)
    assert tables >= 27
