"""The fast findings.xlsx writer (pipeline/xlsx/fast_writer.py) against openpyxl's own public path.

``write_findings`` builds the workbook with ``rows_as_data=True`` and saves it with
``save_fast``, through openpyxl's private API; ``rows_as_data=False`` and ``wb.save`` use the
public API only. The two must write the same file: the same bytes in every part but the save
time, and so the same cells, looks, merges, sizes, print settings and charts. User text must
stay text whichever way it is written (SPEC §6).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.analysis.stage1 import aggregate
from pipeline.framework import Framework
from pipeline.model.findings import Findings, error
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.model.stage1 import CollectResult
from pipeline.outputs.findings import _Looks, build_findings, write_findings
from pipeline.resources import template_path
from pipeline.settings import Stage1Settings
from pipeline.workspace import Workspace
from pipeline.xlsx import fast_writer as xlsx_fast
from pipeline.xlsx.write import Style, clean_text

STYLE = Style.load(template_path("xlsx/style.toml"))
TODAY = dt.date.today()  # as write_findings dates the summary
LONG = "Long evidence, pasted from a report. " * 1000  # 37,000 characters: over Excel's 32,767

# Evidence as people type or paste it: each must come back exactly as text, never a formula.
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "#REF!",
    "#N/A",
    "=1+1",
    "\t=tabbed formula",
    "R&D <team> & 'quotes' \"double\" ]]> &amp; &#10;",
    "Emoji 🙂 👩‍👩‍👧 and a flag 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    "Mae'r gwasanaeth yn gweithio'n dda: ŵ ŷ â ê î ô û",
    "評価のための証拠 서비스 平衡",
    "Line one\nline two\r\nline three\rline four",
    "  leading and trailing spaces  ",
    "trailing newline\n",
    "Bell\x07 and null\x00 removed",
    "_x000D_ looks escaped",
    "0123",
    "1e5",
    "TRUE",
    LONG,
]
ASC, HEALTH, CARER, ODD = "Adult social care staff", "Health partner", "Unpaid carer", "R&D <x> ŵ"


def _returns() -> list[Stage1Return]:
    """Returns for three quality statements, every hostile text a comment somewhere."""
    groups = [ASC, HEALTH, CARER, ODD, "Not given"]
    returns = []
    for i, text in enumerate(HOSTILE):
        qs = f"QS{i % 3 + 1}"
        number = i % 4 + 1
        ratings = {n: (i + n) % 5 for n in range(1, 5)}
        evidence = {number: text, (number % 4) + 1: f"Plain evidence {i}"}
        returns.append(
            Stage1Return(
                file=f"inputs/stage1/return-{i}.xlsx",
                quality_statement=qs,
                group=groups[i % len(groups)],
                responses=tuple(
                    Stage1Response(number=n, rating=ratings[n], evidence=evidence.get(n, ""))
                    for n in range(1, 5)
                ),
            )
        )
    return returns


@pytest.fixture(scope="module")
def result(framework: Framework) -> CollectResult:
    returns = _returns()
    results = aggregate(framework, returns, Stage1Settings())
    skipped = [error("unreadable-file", "inputs/stage1/x.xlsx", "is empty")]
    return CollectResult(len(returns), skipped, Findings(skipped), results)


def _build(framework: Framework, result: CollectResult, fast: bool) -> openpyxl.Workbook:
    return build_findings(
        framework, result, STYLE, "Testshire Council", Stage1Settings(), TODAY, rows_as_data=fast
    )


@pytest.fixture(scope="module")
def files(
    framework: Framework, result: CollectResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """findings.xlsx written the fast way and openpyxl's way, from the same results."""
    folder = tmp_path_factory.mktemp("findings")
    fast, plain = folder / "fast.xlsx", folder / "plain.xlsx"
    xlsx_fast.save_fast(_build(framework, result, fast=True), fast)
    _build(framework, result, fast=False).save(plain)
    return fast, plain


# --------------------------------------------------------------------------------------------
# Comparing two files


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _xml(obj: Any) -> bytes:
    """An openpyxl object as the XML it is saved as (None as b"")."""
    return b"" if obj is None else etree.tostring(obj.to_tree())


def _cell_facts(cell: Any) -> tuple[object, ...]:
    return (
        cell.value,
        cell.data_type,
        _xml(cell.font),
        _xml(cell.fill),
        _xml(cell.border),
        _xml(cell.alignment),
        cell.number_format,
        _xml(cell.protection),
        cell.quotePrefix,
        cell.hyperlink.location if cell.hyperlink else None,
    )


def assert_same_workbook(path: Path, expected_path: Path) -> None:
    """Cell for cell, look for look: the two files read back the same in openpyxl."""
    got, expected = openpyxl.load_workbook(path), openpyxl.load_workbook(expected_path)
    assert got.sheetnames == expected.sheetnames
    props = ("title", "creator")
    assert [getattr(got.properties, p) for p in props] == [
        getattr(expected.properties, p) for p in props
    ]
    for name in expected.sheetnames:
        a, b = got[name], expected[name]
        assert a.dimensions == b.dimensions, name
        coords = set(a._cells) | set(b._cells)
        for row, col in sorted(coords):
            assert _cell_facts(a.cell(row, col)) == _cell_facts(b.cell(row, col)), (name, row, col)
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges)), (
            name
        )
        rows = set(a.row_dimensions) | set(b.row_dimensions)
        assert {r: a.row_dimensions[r].height for r in rows} == {
            r: b.row_dimensions[r].height for r in rows
        }, name
        cols = set(a.column_dimensions) | set(b.column_dimensions)
        assert {c: a.column_dimensions[c].width for c in cols} == {
            c: b.column_dimensions[c].width for c in cols
        }, name
        for part in ("page_setup", "print_options", "page_margins", "row_breaks", "col_breaks"):
            assert _xml(getattr(a, part)) == _xml(getattr(b, part)), (name, part)
        assert a.sheet_properties.pageSetUpPr == b.sheet_properties.pageSetUpPr, name
        assert (a.print_title_rows, a.print_area) == (b.print_title_rows, b.print_area), name
        assert len(a._charts) == len(b._charts), name


def assert_same_bytes(path: Path, expected_path: Path) -> None:
    """Every part the same bytes, but the save time in docProps/core.xml."""
    got, expected = _parts(path), _parts(expected_path)
    assert list(got) == list(expected)
    for name, data in expected.items():
        if name != "docProps/core.xml":
            assert got[name] == data, name


# --------------------------------------------------------------------------------------------
# The fast writer against openpyxl


def test_fast_and_plain_findings_are_the_same_file(files: tuple[Path, Path]) -> None:
    fast, plain = files
    assert_same_bytes(fast, plain)
    assert_same_workbook(fast, plain)


def test_fast_findings_hold_every_comment_as_text_never_a_formula(
    files: tuple[Path, Path],
) -> None:
    fast, _plain = files
    wb = openpyxl.load_workbook(fast)
    assert not [
        c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    with zipfile.ZipFile(fast) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not [n for n in sheets if b"<f>" in zf.read(n) or b"<f " in zf.read(n)]
    cells = {c.value: c for ws in wb for row in ws.iter_rows() for c in row if c.value}
    for text in HOSTILE:
        expected = clean_text(text)[0][:32767]  # what a cell can hold
        assert expected in cells, text[:40]
        cell = cells[expected]
        assert cell.data_type == "s", text[:40]
        if expected.startswith(("=", "+", "-", "@", "\t")) or expected in ("#REF!", "#N/A"):
            assert cell.quotePrefix, text
    assert cells[clean_text(LONG)[0][:32767]].data_type == "s"


def test_read_back_by_the_pipeline_reader(files: tuple[Path, Path]) -> None:
    from pipeline.xlsx.reader import open_workbook

    fast, _plain = files
    read = open_workbook(fast)
    assert all(c.formula is None for s in read.sheets.values() for c in s.cells.values())
    texts = {c.value for s in read.sheets.values() for c in s.cells.values()}
    expected = {clean_text(t)[0][:32767] for t in HOSTILE}
    # Neither openpyxl nor save_fast escapes text that looks like OOXML's "_x000D_" escape, so
    # Excel (and this reader) show a carriage return there: the same both ways (see report).
    expected = {t.replace("_x000D_", "\r") for t in expected}
    assert expected <= texts


def _one_row(text: str, fast: bool, path: Path) -> None:
    """A sheet of one comment row, as _comments writes it, saved one way or the other."""
    wb = openpyxl.Workbook()
    looks = _Looks(STYLE, rows_as_data=fast)
    values: list[tuple[object, str]] = [(7, "number"), (text, "text"), ("3", "text"), (ASC, "text")]
    looks.put_row(wb.active, 2, values, 30.0)
    if fast:
        xlsx_fast.save_fast(wb, path)
    else:
        wb.save(path)


@pytest.mark.slow  # a long property test: make test-all and CI
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200) | st.text(alphabet="=+-@#\t\r\n &<>\"' x", max_size=12))
def test_any_text_is_written_the_same_both_ways(text: str, tmp_path: Path) -> None:
    fast, plain = tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"
    _one_row(text, True, fast)
    _one_row(text, False, plain)
    assert_same_bytes(fast, plain)
    cell = openpyxl.load_workbook(fast).active["B2"]
    expected = clean_text(text)[0] or None
    assert cell.value == expected
    assert cell.data_type != "f"
    if expected and expected.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert cell.quotePrefix


def _merges_and_headers(fast: bool, path: Path) -> None:
    """Merged ranges, text and header cells on fresh and on already styled cells, and an empty
    sheet, made through _Looks one way or the other."""
    wb = openpyxl.Workbook()
    ws = wb.active
    looks = _Looks(STYLE, rows_as_data=fast)
    looks.merge(ws, "A1:L1")  # fresh cells
    looks.text(ws["A1"], "=not a formula", STYLE.title, wrap=False)
    ws["A3"].border, ws["A3"].fill = STYLE.border, STYLE.label_fill  # styled before merging
    looks.merge(ws, "A3:D3")
    looks.text(ws["A3"], "styled first")
    ws["C5"].font = STYLE.bold  # a styled cell inside the range
    looks.merge(ws, "B5:E5")
    # Ranges inside ones already merged (by openpyxl, A3:D3, or the fast way) are not added
    # again; a range over two rows holds one that starts on its second.
    looks.merge(ws, "B3:C3")
    looks.merge(ws, "C1:F1")
    looks.merge(ws, "A13:C14")
    looks.merge(ws, "B14:C14")
    looks.merge(ws, "D14:E14")
    ws["B7"].alignment = STYLE.wrap_center  # a header cell styled first
    looks.header_row(ws, 7, ["No.", "Comment", "Rating"])
    looks.header_row(ws, 8, ["Again"])
    looks.text(ws["A9"], 5, STYLE.bold)
    looks.text(ws["B9"], "body text", wrap=False)
    wb.create_sheet("Empty")
    wb.create_sheet("Heights only").row_dimensions[4].height = 30
    # A formula (never from user text) sends a sheet down openpyxl's own path, rows kept as
    # data included.
    unusual = wb.create_sheet("Formula")
    unusual["A1"] = "=SUM(1,2)"
    looks.put_row(unusual, 3, [(7, "number"), ("=kept as text", "text")], 30.0)
    if fast:
        xlsx_fast.save_fast(wb, path)
    else:
        wb.save(path)


def test_merges_and_looks_are_written_the_same_both_ways(tmp_path: Path) -> None:
    fast, plain = tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"
    _merges_and_headers(True, fast)
    _merges_and_headers(False, plain)
    assert_same_bytes(fast, plain)
    assert_same_workbook(fast, plain)
    ws = openpyxl.load_workbook(fast).active
    merged = ["A13:C14", "A1:L1", "A3:D3", "B5:E5", "D14:E14"]
    assert sorted(map(str, ws.merged_cells.ranges)) == merged
    assert ws["A1"].value == "=not a formula" and ws["A1"].data_type == "s"
    assert ws["A3"].fill.fgColor.rgb.endswith(STYLE.values["label_fill"])
    unusual = openpyxl.load_workbook(fast)["Formula"]
    assert (unusual["A1"].data_type, unusual["B3"].data_type) == ("f", "s")


def test_text_no_xml_can_hold_is_refused_both_ways(tmp_path: Path) -> None:
    """A lone surrogate (only a script can make one) is not written as a broken file."""
    for fast in (True, False):
        with pytest.raises((ValueError, UnicodeError)):
            _one_row("half an emoji \ud83d", fast, tmp_path / f"{fast}.xlsx")


# --------------------------------------------------------------------------------------------
# The version fence


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("3.1.2", True),
        ("3.1.5", True),
        ("3.1.99", True),
        ("3.1", False),  # 3.1.0
        ("3.1.1", False),
        ("3.0.10", False),
        ("3.2.0", False),
        ("3.2.0b1", False),
        ("3.1.5.dev0", False),
        ("4.0.0", False),
        ("", False),
        ("unknown", False),
    ],
)
def test_fast_writer_only_for_checked_openpyxl_versions(version: str, supported: bool) -> None:
    assert xlsx_fast.fast_writer_supports(version) is supported


def test_installed_openpyxl_gets_the_fast_writer() -> None:
    """If this fails, openpyxl moved outside the checked range: run this file against it, then
    widen FAST_WRITER_OPENPYXL (or pin openpyxl)."""
    assert xlsx_fast.fast_writer_supports(openpyxl.__version__)


def test_other_openpyxl_versions_write_the_same_findings_without_private_api(
    workspace: Workspace,
    result: CollectResult,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast, _plain = files
    # The fallback must not go near the private API: every entry to it fails here.
    for name in ("save_fast", "styled_cell", "look_of", "keep_row", "merge_cells", "restyle"):
        monkeypatch.setattr(xlsx_fast, name, _forbidden(name))
    path = write_findings(workspace, result, openpyxl_version="3.2.0")
    assert path == workspace.findings_xlsx
    assert_same_workbook(path, fast)
    assert_same_bytes(path, fast)


def test_checked_openpyxl_writes_findings_with_the_fast_writer(
    workspace: Workspace, result: CollectResult, files: tuple[Path, Path]
) -> None:
    _fast, plain = files
    path = write_findings(workspace, result, openpyxl_version=openpyxl.__version__)
    assert_same_bytes(path, plain)


def _forbidden(name: str) -> Any:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"xlsx_fast.{name} used outside the checked openpyxl versions")

    return fail
