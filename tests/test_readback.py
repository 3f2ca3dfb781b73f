"""Reading returned workbooks: values as typed, located cells, identity, and every bad file."""

from __future__ import annotations

import datetime
import hashlib
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

import pipeline.xlsx.package as readback
from pipeline.settings import LimitSettings
from pipeline.xlsx.cells import (
    MISMATCH,
    UNREADABLE,
    CellValue,
    Sheet,
    WorkbookRejected,
    format_value,
    split_ref,
)
from pipeline.xlsx.identity import identity_places, read_identity, set_identity
from pipeline.xlsx.reader import open_workbook
from pipeline.xlsx.sheet_reader import date_format_kind
from pipeline.xlsx.write import clean_text, write_text
from tests import hostile
from tests.conftest import soffice_convert
from tests.hostile import MAIN_NS, sst, styles, worksheet, write_xlsx

IDENTITY = {
    "framework": "cqc-asc-2024",
    "template": "stage1-checklist",
    "template_version": "1",
    "quality_statement": "QS1",
}
# Excel reads "_x0041_" in a file as "A"; openpyxl writes such text without escaping it.
EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _one_sheet(path: Path, rows: str, **options: object) -> Sheet:
    write_xlsx(path, {"S": worksheet(rows)}, **options)
    return open_workbook(path).sheets["S"]


def _rejection(path: Path, limits: LimitSettings | None = None) -> WorkbookRejected:
    with pytest.raises(WorkbookRejected) as info:
        open_workbook(path, limits)
    return info.value


# ---------------------------------------------------------------------------------------------
# Text survives exactly


def _texts() -> st.SearchStrategy[str]:
    return st.text().map(lambda s: clean_text(s)[0])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_texts(), min_size=1, max_size=8))
def test_any_text_written_by_openpyxl_reads_back_identical(
    tmp_path: Path, texts: list[str]
) -> None:
    texts = [t for t in texts if not EXCEL_ESCAPE.search(t)]
    wb = Workbook()
    ws = wb.active
    for row, text in enumerate(texts, start=1):
        write_text(ws.cell(row=row, column=1), text)
    sheet = open_workbook(_save(wb, tmp_path / "t.xlsx")).sheets[ws.title]
    for row, text in enumerate(texts, start=1):
        cell = sheet.get(f"A{row}")
        if text == "":
            assert cell is None
        else:
            assert cell == CellValue(text)


def _excel_escape(text: str) -> str:
    """What Excel writes: a literal ``_xHHHH_`` gets an escaped underscore, CR becomes _x000D_."""
    return re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", text).replace("\r", "_x000D_")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(_texts().filter(bool), min_size=1, max_size=8))
def test_any_text_in_excel_shared_strings_reads_back_identical(
    tmp_path: Path, texts: list[str]
) -> None:
    root = etree.Element(f"{{{MAIN_NS}}}sst", nsmap={None: MAIN_NS})
    for text in texts:
        t = etree.SubElement(etree.SubElement(root, f"{{{MAIN_NS}}}si"), f"{{{MAIN_NS}}}t")
        t.text = _excel_escape(text)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="s"><v>{i - 1}</v></c></row>' for i in range(1, len(texts) + 1)
    )
    sheet = _one_sheet(tmp_path / "s.xlsx", rows, shared_strings=etree.tostring(root).decode())
    assert [sheet.text(f"A{i}") for i in range(1, len(texts) + 1)] == texts


def test_awkward_text_survives(tmp_path: Path) -> None:
    texts = [
        "  leading and trailing  ",
        "line one\nline two\r\nline three",
        "Gwasanaethau cymdeithasol: ŵ ŷ â",
        "emoji 👩🏽‍⚕️ and 🏥",
        "العربية 中文 हिन्दी",
        "Tom & Jerry <b>not bold</b> \"quoted\" 'single'",
        "=SUM(A1:A2) typed as text",
        "+44 20 7946 0000",
        "007",
        " ",
    ]
    wb = Workbook()
    for row, text in enumerate(texts, start=1):
        write_text(wb.active.cell(row=row, column=1), text)
    sheet = open_workbook(_save(wb, tmp_path / "t.xlsx")).sheets[wb.active.title]
    assert [sheet.get(f"A{i}") for i in range(1, len(texts) + 1)] == [CellValue(t) for t in texts]


def test_excel_escapes_are_decoded(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "e.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>',
        shared_strings=sst("a_x000D_b", "_x005F_x000D_", "tab_x0009_here", "pair_xD83D__xDE00_"),
    )
    assert [sheet.text(r) for r in ("A1", "B1", "C1", "D1")] == [
        "a\rb",
        "_x000D_",
        "tab\there",
        "pair😀",
    ]


def test_rich_text_concatenates_runs_and_skips_phonetic_runs(tmp_path: Path) -> None:
    rich = (
        '<r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain </t></r>'
        '<rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/>'
    )
    sheet = _one_sheet(
        tmp_path / "r.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        shared_strings=sst(rich, "<t>plain</t><rPh><t>x</t></rPh>", raw=True),
    )
    assert sheet.text("A1") == "Bold and plain "
    assert sheet.text("B1") == "plain"


def test_inline_strings_plain_and_rich(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "i.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> inline </t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c>'
        '<c r="C1" t="inlineStr"><is><t></t></is></c></row>',
    )
    assert sheet.cells == {"A1": CellValue(" inline "), "B1": CellValue("rich")}


# ---------------------------------------------------------------------------------------------
# Numbers, booleans, dates, formulas


def test_values_written_by_openpyxl(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = 42
    ws["A2"] = 2.5
    ws["A3"] = 3.0
    ws["A4"] = True
    ws["A5"] = False
    ws["A6"] = datetime.date(2024, 3, 1)
    ws["A7"] = datetime.datetime(2024, 3, 1, 10, 30)
    ws["A8"] = -7
    ws["A9"] = 1 / 3
    ws["A10"] = ""  # an empty string is no value
    ws["A11"].number_format = "0.00"  # styled but empty
    sheet = open_workbook(_save(wb, tmp_path / "v.xlsx")).sheets[ws.title]
    values = {ref: cell.value for ref, cell in sheet.cells.items()}
    assert values == {
        "A1": 42,
        "A2": 2.5,
        "A3": 3,
        "A4": True,
        "A5": False,
        "A6": datetime.date(2024, 3, 1),
        "A7": datetime.datetime(2024, 3, 1, 10, 30),
        "A8": -7,
        "A9": pytest.approx(1 / 3),
    }
    assert type(values["A3"]) is int
    assert [sheet.text(f"A{i}") for i in range(1, 11)] == [
        "42",
        "2.5",
        "3",
        "TRUE",
        "FALSE",
        "2024-03-01",
        "2024-03-01 10:30:00",
        "-7",
        "0.333333333333333",  # Excel shows 15 significant digits
        "",
    ]


_CELL_VALUES = st.one_of(
    st.none(),
    st.just(""),
    _texts(),
    st.integers(-(10**9), 10**9),
    st.integers(-(10**6), 10**6).map(lambda i: i / 100),
    st.booleans(),
    st.dates(datetime.date(1900, 3, 1), datetime.date(9999, 12, 31)),
    st.datetimes(datetime.datetime(1900, 3, 1)).map(lambda d: d.replace(microsecond=0)),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    grid=st.lists(st.lists(st.tuples(_CELL_VALUES, st.booleans()), max_size=6), max_size=6),
)
def test_any_grid_written_by_openpyxl_reads_back(
    tmp_path: Path, grid: list[list[tuple[object, bool]]]
) -> None:
    wb = Workbook()
    ws = wb.active
    expected: dict[str, object] = {}
    for r, row in enumerate(grid, start=1):
        for c, (value, styled) in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str) and EXCEL_ESCAPE.search(value):
                continue
            write_text(cell, value)
            if styled and value is None:
                cell.number_format = "0.00"  # an empty cell that still appears in the XML
            if value is not None and value != "":
                expected[cell.coordinate] = value
    sheet = open_workbook(_save(wb, tmp_path / "g.xlsx")).sheets[ws.title]
    assert {ref: cell.value for ref, cell in sheet.cells.items()} == expected


def test_number_formats_decide_dates(tmp_path: Path) -> None:
    fmts = {164: "dd/mm/yyyy", 165: '0.00 "days"', 166: "[h]:mm", 167: "mmm yy", 168: "[Red]0"}
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" s="{i - 1}"><v>45352.5</v></c></row>' for i in range(1, 9)
    )
    sheet = _one_sheet(
        tmp_path / "d.xlsx",
        rows,
        styles_xml=styles(fmts, (0, 14, 22, 164, 165, 166, 167, 168)),
    )
    assert [sheet.cells[f"A{i}"].value for i in range(1, 9)] == [
        45352.5,
        datetime.date(2024, 3, 1),
        datetime.datetime(2024, 3, 1, 12, 0),
        datetime.date(2024, 3, 1),
        45352.5,
        datetime.datetime(2024, 3, 1, 12, 0),
        datetime.date(2024, 3, 1),
        45352.5,
    ]


def test_date1904_and_early_1900_dates(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>59</v></c></row>'
    sheet_1904 = _one_sheet(
        tmp_path / "a.xlsx",
        rows,
        styles_xml=styles(None, (0, 14)),
        workbook_pr='<workbookPr date1904="1"/>',
    )
    assert sheet_1904.get("A1") == CellValue(datetime.date(1904, 1, 1))
    sheet_1900 = _one_sheet(tmp_path / "b.xlsx", rows, styles_xml=styles(None, (0, 14)))
    assert sheet_1900.get("B1") == CellValue(datetime.date(1900, 2, 28))


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("General", None),
        ("0.00", None),
        ("#,##0;[Red]-#,##0", None),
        ('0 "days"', None),
        ("@", None),
        ("yyyy-mm-dd", "date"),
        ("d mmmm yyyy", "date"),
        ("mmm-yy", "date"),
        ("[$-809]dd/mm/yyyy", "date"),
        ("dd/mm/yyyy hh:mm", "datetime"),
        ("h:mm AM/PM", "datetime"),
        ("[h]:mm:ss", "datetime"),
        (r"yyyy\-mm\-dd", "date"),
    ],
)
def test_date_format_kind(code: str, kind: str | None) -> None:
    assert date_format_kind(code) == kind


def test_formulas_keep_text_and_cached_values(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "f.xlsx",
        '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c>'
        '<c r="C1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="D1" t="b"><f>TRUE()</f><v>1</v></c>'
        '<c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="F1"><f>NOW()</f></c>'
        '<c r="G1" t="e"><v>#REF!</v></c></row>',
    )
    assert sheet.cells == {
        "A1": CellValue(2),
        "B1": CellValue(4, "A1*2"),
        "C1": CellValue("ab", '"a"&"b"'),
        "D1": CellValue(True, "TRUE()"),
        "E1": CellValue("#DIV/0!", "1/0"),
        "F1": CellValue("", "NOW()"),
        "G1": CellValue("#REF!"),
    }


def test_shared_formulas_are_translated_to_each_cell(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "sf.xlsx",
        '<row r="1"><c r="B1"><f t="shared" ref="B1:C3" si="0">'
        "A1*$A$1+SUM(A$1:$A1)+'S 1'!A1&amp;\"A1\"</f><v>1</v></c></row>"
        '<row r="2"><c r="B2"><f t="shared" si="0"/><v>2</v></c></row>'
        '<row r="3"><c r="C3"><f t="shared" si="0"/><v>3</v></c></row>',
    )
    assert sheet.get("B2") == CellValue(2, "A2*$A$1+SUM(A$1:$A2)+'S 1'!A2&\"A1\"")
    assert sheet.get("C3") == CellValue(3, "B3*$A$1+SUM(B$1:$A3)+'S 1'!B3&\"A1\"")


def test_openpyxl_formula_without_cached_value(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "=SUM(B1:B2)"
    sheet = open_workbook(_save(wb, tmp_path / "f.xlsx")).sheets[wb.active.title]
    assert sheet.get("A1") == CellValue("", "SUM(B1:B2)")


# ---------------------------------------------------------------------------------------------
# Sheets: order, state, protection, locations


def test_sheet_order_state_and_protection(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Checklist"
    wb.active.protection.sheet = True
    wb.create_sheet("Guidance")["A1"] = "read me"
    wb.create_sheet("Hidden").sheet_state = "hidden"
    wb.create_sheet("Very").sheet_state = "veryHidden"
    read = open_workbook(_save(wb, tmp_path / "s.xlsx"))
    assert [(s.name, s.state, s.protected) for s in read.sheets.values()] == [
        ("Checklist", "visible", True),
        ("Guidance", "visible", False),
        ("Hidden", "hidden", False),
        ("Very", "veryHidden", False),
    ]


def test_libreoffice_style_protection_and_relative_targets(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lo.xlsx",
        {
            "S": worksheet(
                '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', '<sheetProtection sheet="true"/>'
            )
        },
        shared_strings=sst("x"),
        absolute_targets=False,
    )
    assert open_workbook(path).sheets["S"].protected
    path = write_xlsx(tmp_path / "abs.xlsx", absolute_targets=True)
    assert open_workbook(path).sheets["Sheet1"].text("A1") == "hello"


def test_cells_and_rows_without_references(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "n.xlsx",
        '<row r="3"><c t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c><c><v>7</v></c></row>'
        "<row><c><v>8</v></c></row>",
        shared_strings=sst("a", "c"),
    )
    assert sheet.cells == {
        "A3": CellValue("a"),
        "C3": CellValue("c"),
        "D3": CellValue(7),
        "A4": CellValue(8),
    }


def test_empty_styled_cells_stay_empty_whatever_precedes_them(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "e.xlsx",
        '<row r="1"><c r="A1" s="0"><v>4</v></c><c r="B1" s="0"/><c r="C1" t="s"><v>0</v></c>'
        '<c r="D1" t="s"/><c r="E1" t="b"><v>1</v></c><c r="F1"/></row>'
        '<row r="2"><c r="A2" t="str"><f>"x"</f><v>x</v></c><c r="B2"/></row>',
        shared_strings=sst("a"),
    )
    assert sheet.cells == {
        "A1": CellValue(4),
        "C1": CellValue("a"),
        "E1": CellValue(True),
        "A2": CellValue("x", '"x"'),
    }


def test_odd_cell_references_are_made_canonical(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "odd.xlsx",
        '<row r="1"><c r="$A$1"><v>1</v></c><c r="b1"><v>2</v></c><c r="C01"><v>3</v></c></row>',
    )
    assert sheet.cells == {"A1": CellValue(1), "B1": CellValue(2), "C1": CellValue(3)}


def test_rows_are_in_reading_order_and_helpers(tmp_path: Path) -> None:
    sheet = _one_sheet(
        tmp_path / "o.xlsx",
        '<row r="2"><c r="AA2"><v>3</v></c><c r="C2"><v>2</v></c><c r="B2"><v>1</v></c></row>'
        '<row r="10"><c r="A10"><v>4</v></c></row>',
    )
    assert [(row, [ref for ref, _ in cells]) for row, cells in sheet.rows()] == [
        (2, ["B2", "C2", "AA2"]),
        (10, ["A10"]),
    ]
    assert sheet.max_row == 10
    assert sheet.text("Z99") == ""
    assert sheet.get("Z99") is None
    assert split_ref("AA10") == (10, 27)
    assert format_value(3.0) == "3"
    assert format_value(datetime.date(2024, 1, 2)) == "2024-01-02"


def test_strict_open_xml_workbook(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "strict.xlsx",
        {"S": worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', ns=hostile.STRICT_NS)},
        shared_strings=sst("strict").replace(MAIN_NS, hostile.STRICT_NS),
        strict=True,
    )
    assert open_workbook(path).sheets["S"].text("A1") == "strict"


def test_large_sheets_are_streamed_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = (
        "".join(
            f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c><c r="B{i}"><f>A{i}</f><v>{i}</v></c>'
            f'<c r="C{i}" t="inlineStr"><is><t>row {i}</t></is></c></row>'
            for i in range(1, 50)
        )
        + '<row><c t="s"><v>0</v></c></row>'
    )
    path = write_xlsx(
        tmp_path / "big.xlsx",
        {"S": worksheet(rows, '<sheetProtection sheet="1"/>')},
        shared_strings=sst("text"),
    )
    in_memory = open_workbook(path).sheets["S"]
    monkeypatch.setattr(readback, "_STREAM_ABOVE", 0)
    streamed = open_workbook(path).sheets["S"]
    assert streamed.cells == in_memory.cells
    assert streamed.protected and in_memory.protected
    assert streamed.get("C49") == CellValue("row 49")
    assert streamed.get("A50") == CellValue("text")


def test_workbook_facts(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Data"
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["Ratings"] = DefinedName("Ratings", attr_text="Data!$B$2:$B$9")
    path = _save(wb, tmp_path / "w.xlsx")
    read = open_workbook(path)
    assert read.path == path
    assert read.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read.defined_names == {"Ratings": "Data!$B$2:$B$9"}
    assert read.date1904 is False


# ---------------------------------------------------------------------------------------------
# Identity


def _identity_workbook(
    path: Path, props: dict[str, str] | None, sheet: dict[str, str] | None
) -> Path:
    wb = Workbook()
    wb.active["A1"] = "content"
    for key, value in (props or {}).items():
        wb.custom_doc_props.append(StringProperty(name="selfassess." + key, value=value))
    if sheet is not None:
        ws = wb.create_sheet("_selfassess")
        ws.append(["key", "value"])
        for key, value in sheet.items():
            ws.append([key, value])
        ws.sheet_state = "hidden"
    return _save(wb, path)


def test_identity_from_both_places(tmp_path: Path) -> None:
    wb = Workbook()
    set_identity(wb, IDENTITY)
    read = open_workbook(_save(wb, tmp_path / "both.xlsx"))
    assert read_identity(read) == IDENTITY
    assert list(identity_places(read)) == ["document properties", "hidden sheet"]
    assert read.sheets["_selfassess"].state == "hidden"


@pytest.mark.parametrize(
    ("props", "sheet", "place"),
    [(IDENTITY, None, "document properties"), (None, IDENTITY, "hidden sheet")],
)
def test_identity_from_one_place(
    tmp_path: Path, props: dict[str, str] | None, sheet: dict[str, str] | None, place: str
) -> None:
    read = open_workbook(_identity_workbook(tmp_path / "one.xlsx", props, sheet))
    assert read_identity(read) == IDENTITY
    assert list(identity_places(read)) == [place]


def test_identity_disagreement_is_rejected(tmp_path: Path) -> None:
    path = _identity_workbook(
        tmp_path / "edited.xlsx", IDENTITY, {**IDENTITY, "quality_statement": "QS2"}
    )
    with pytest.raises(WorkbookRejected) as info:
        read_identity(open_workbook(path))
    assert info.value.code == MISMATCH
    assert "disagree (on quality_statement)" in info.value.message
    assert "edited by hand" in info.value.message


def test_missing_identity_is_rejected(tmp_path: Path) -> None:
    path = _identity_workbook(tmp_path / "plain.xlsx", None, None)
    with pytest.raises(WorkbookRejected) as info:
        read_identity(open_workbook(path))
    assert info.value.code == MISMATCH
    assert info.value.message.startswith("is not a workbook made by selfassess")
    assert info.value.finding("plain.xlsx").line().startswith("error: plain.xlsx: is not")


# ---------------------------------------------------------------------------------------------
# Broken and hostile files: each gets its own message, one line, code unreadable-file

HOSTILE_MESSAGES = {
    "random-bytes": "is not an Excel workbook (it is not in .xlsx format",
    "empty": "is empty (0 bytes)",
    "pdf": "is a PDF",
    "csv": "is a text file (perhaps CSV)",
    "password-protected": "is password-protected; remove the password",
    "old-xls": "is an old-style .xls workbook; open it and save it as Excel Workbook (.xlsx)",
    "truncated-zip": "is damaged: the file is incomplete or corrupt",
    "corrupt-entry": "its part xl/worksheets/sheet1.xml is incomplete or corrupt",
    "zip-bomb": "as a zip bomb does",
    "too-many-entries": "has too many parts inside (606; the limit is 500)",
    "bzip2": "was zipped with bzip2 compression",
    "zip-encrypted": "uses zip encryption",
    "billion-laughs": "contains XML the tool refuses to read (possible attack",
    "billion-laughs-utf16": "contains XML the tool refuses to read (possible attack",
    "external-entity": "contains XML the tool refuses to read (possible attack",
    "macro": "contains macros",
    "macro-content-type": "is a macro-enabled workbook (.xlsm)",
    "word-document": "is not an Excel workbook: it is a Word document",
    "plain-zip": "is not an Excel workbook (it is a zip file with no workbook inside)",
    "ods": "is an OpenDocument spreadsheet (.ods)",
    "xlsb": "is an Excel Binary Workbook (.xlsb)",
    "malformed-xml": "is damaged (xl/worksheets/sheet1.xml is not well-formed XML",
    "future-zip-version": "was zipped in a way Excel never uses (zip file version 9.9)",
    "missing-sheet-part": "the sheet 'Sheet1' has no data inside the file",
    "missing-shared-string": "points to shared text that is not in the file",
    "bad-number": "holds 'twelve' where a number should be",
    "bad-cell-reference": "has a cell called 'NOTACELL'",
}


@pytest.mark.parametrize("name", sorted(hostile.HOSTILE_BUILDERS))
def test_hostile_file_is_rejected_with_its_own_message(tmp_path: Path, name: str) -> None:
    path = hostile.HOSTILE_BUILDERS[name](tmp_path / f"{name}.xlsx")
    started = time.perf_counter()
    rejected = _rejection(path)
    assert time.perf_counter() - started < 2
    assert rejected.code == UNREADABLE
    assert HOSTILE_MESSAGES[name] in rejected.message
    assert "\n" not in rejected.message
    assert not rejected.message[0].isupper()  # the caller puts the file name first


def test_hostile_messages_are_distinct(tmp_path: Path) -> None:
    messages: dict[str, str] = {}
    for name, build in hostile.HOSTILE_BUILDERS.items():
        messages[name] = _rejection(build(tmp_path / f"{name}.xlsx")).message
    attacks = {"billion-laughs", "billion-laughs-utf16", "external-entity"}
    distinct = {m for n, m in messages.items() if n not in attacks}
    assert len(distinct) == len(messages) - len(attacks)
    assert messages["billion-laughs"] != messages["external-entity"]  # the part is named


def test_limits_can_be_lowered(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx")
    too_big = _rejection(path, LimitSettings(max_file_bytes=100))
    assert too_big.message.startswith("is too large (0.0 MB; the limit is 0.0 MB)")
    unpacked = _rejection(path, LimitSettings(max_uncompressed_bytes=500))
    assert unpacked.message.startswith("would unpack to ")
    entries = _rejection(path, LimitSettings(max_zip_entries=3))
    assert "has too many parts inside" in entries.message
    assert open_workbook(path).sheets["Sheet1"].text("A1") == "hello"


def test_lock_file_folder_and_missing_file(tmp_path: Path) -> None:
    lock = hostile.lock_file(tmp_path / "~$QS1.xlsx")
    assert "lock file" in _rejection(lock).message
    assert _rejection(tmp_path).message.startswith("is a folder")
    assert _rejection(tmp_path / "gone.xlsx").message.startswith("cannot be opened")


def test_normal_parts_are_not_mistaken_for_zip_bombs(tmp_path: Path) -> None:
    # A highly compressible but small part (a sheet of repeated cells) is normal.
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(1, 5000))
    path = write_xlsx(tmp_path / "rep.xlsx", {"S": worksheet(rows)}, shared_strings=sst("same"))
    assert open_workbook(path).sheets["S"].max_row == 4999


# ---------------------------------------------------------------------------------------------
# LibreOffice round trip


@pytest.mark.libreoffice
def test_libreoffice_resave_keeps_identity_and_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Checklist"
    values: list[object] = [
        "We statement",
        "  spaces kept  ",
        "two\nlines",
        "ŵ ŷ 👩🏽‍⚕️ & <tags>",
        "=looks like a formula",
        42,
        2.5,
        datetime.date(2024, 3, 1),
    ]
    for row, value in enumerate(values, start=1):
        write_text(ws.cell(row=row, column=2), value)
    ws.protection.sheet = True
    set_identity(wb, IDENTITY)
    original_path = _save(wb, tmp_path / "QS1.xlsx")
    resaved_path = soffice_convert(original_path, "xlsx", tmp_path / "lo")
    original = open_workbook(original_path)
    resaved = open_workbook(resaved_path)
    assert read_identity(resaved) == IDENTITY
    # LibreOffice 7.x keeps both places; the hidden sheet is the one designed to survive.
    assert "hidden sheet" in identity_places(resaved)
    assert list(resaved.sheets) == list(original.sheets)
    assert resaved.sheets["_selfassess"].state == "hidden"
    assert resaved.sheets["Checklist"].protected
    for name, sheet in original.sheets.items():
        again = resaved.sheets[name]
        assert set(again.cells) == set(sheet.cells)
        assert {ref: again.text(ref) for ref in sheet.cells} == {
            ref: sheet.text(ref) for ref in sheet.cells
        }
