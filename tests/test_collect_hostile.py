"""Hostile and mistaken files in inputs/stage1/: each gets its own finding, none stops the rest."""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.app import collect, generate_checklists
from pipeline.forms.checklist import CHECKLIST_SHEET, checklist_path
from pipeline.forms.summary import build_summary
from pipeline.resources import template_path
from pipeline.workspace import Workspace
from pipeline.xlsx.identity import IDENTITY_PREFIX, IDENTITY_SHEET
from pipeline.xlsx.write import Style
from tests import hostile
from tests.factories import fill_checklist as fill
from tests.factories import make_workspace, with_blank_checklists
from tests.test_collect import ASC


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("blank"))
    generate_checklists(ws)
    return ws.checklists_dir


@pytest.fixture
def ws(tmp_path: Path, blank: Path) -> Workspace:
    return with_blank_checklists(tmp_path / "ws", blank)


def _good(ws: Workspace, name: str = "good.xlsx") -> Path:
    return fill(ws, "QS1", name, ASC, {1: "3 Tend to agree"}, {1: "Audit results"})


def _rezip(src: Path, dest: Path, replace: dict[str, bytes], add: dict[str, bytes]) -> Path:
    """A copy of the workbook at ``src`` with some parts replaced or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in add.items():
            zout.writestr(name, data)
    return dest


def _with_identity(ws: Workspace, dest: Path, code: str, **changes: str) -> Path:
    """A blank checklist whose stored identity (both places) has ``changes``."""
    wb = openpyxl.load_workbook(checklist_path(ws, ws.framework.quality_statement(code)))
    for prop in wb.custom_doc_props.props:
        key = prop.name.removeprefix(IDENTITY_PREFIX)
        if key in changes:
            prop.value = changes[key]
    for key_cell, value_cell in wb[IDENTITY_SHEET].iter_rows(min_row=2):
        if key_cell.value in changes:
            value_cell.value = changes[key_cell.value]
    wb["Checklist"]["C8"] = "3 Tend to agree"
    wb.save(dest)
    return dest


def _stage2_workbook(ws: Workspace, dest: Path) -> Path:
    """A generated Stage 2 summary, as a lead officer sends it back (to the wrong folder)."""
    qs = ws.framework.quality_statement("QS1")
    style = Style.load(template_path("xlsx/style.toml"))
    build_summary(ws.framework, qs, style, None, "", ws.settings.report.word_limit).save(dest)
    return dest


def _zip_bomb(dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return dest


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheets><sheet name='&lol3;' sheetId='1'/></sheets></workbook>"
)


def _password_protected(dest: Path) -> Path:
    # An encrypted .xlsx is an OLE compound file holding EncryptionInfo/EncryptedPackage.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    body = "EncryptionInfo".encode("utf-16-le") + b"\0" * 64
    body += "EncryptedPackage".encode("utf-16-le") + bytes(random.Random(3).randbytes(2048))
    dest.write_bytes(header + body)
    return dest


def test_every_hostile_file_gets_its_own_finding(ws: Workspace) -> None:
    good = _good(ws)
    folder = ws.stage1_inputs / "hostile"
    folder.mkdir()
    (folder / "random.xlsx").write_bytes(random.Random(1).randbytes(4096))
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "truncated.xlsx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _zip_bomb(folder / "bomb.xlsx")
    _rezip(good, folder / "laughs.xlsx", {"xl/workbook.xml": BILLION_LAUGHS}, {})
    types = (
        zipfile.ZipFile(good)
        .read("[Content_Types].xml")
        .replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    )
    _rezip(
        good, folder / "macros.xlsm", {"[Content_Types].xml": types}, {"xl/vbaProject.bin": b"x"}
    )
    _password_protected(folder / "protected.xlsx")
    _with_identity(ws, folder / "old framework.xlsx", "QS1", framework="pch-cqc-la@2.0")
    _stage2_workbook(ws, folder / "stage2 by mistake.xlsx")
    shutil.copy(good, folder / "good again.xlsx")
    (folder / "~$good.xlsx").write_bytes(b"owner lock")  # ignored: Excel's lock file

    result = collect(ws)

    assert result.returns == 1
    found = {f.file.removeprefix("inputs/stage1/hostile/"): f for f in result.findings}
    assert {name: f.code for name, f in found.items()} == {
        "random.xlsx": "unreadable-file",
        "empty.xlsx": "unreadable-file",
        "truncated.xlsx": "unreadable-file",
        "bomb.xlsx": "unreadable-file",
        "laughs.xlsx": "unreadable-file",
        "macros.xlsm": "unreadable-file",
        "protected.xlsx": "unreadable-file",
        "old framework.xlsx": "template-mismatch",
        "stage2 by mistake.xlsx": "template-mismatch",
        "good again.xlsx": "duplicate-return",
    }
    messages = {name: f.message for name, f in found.items()}
    assert "not an Excel workbook" in messages["random.xlsx"]
    assert "empty" in messages["empty.xlsx"]
    assert "incomplete or corrupt" in messages["truncated.xlsx"]
    assert "zip bomb" in messages["bomb.xlsx"]
    assert "DTD or entity" in messages["laughs.xlsx"]
    assert "macros" in messages["macros.xlsm"]
    assert "password" in messages["protected.xlsx"]
    assert "pch-cqc-la@2.0" in messages["old framework.xlsx"]
    assert "outputs/stage1/checklists/" in messages["old framework.xlsx"]
    assert "Stage 2" in messages["stage2 by mistake.xlsx"]
    assert "inputs/stage2/" in messages["stage2 by mistake.xlsx"]
    assert "exact copy of inputs/stage1/good.xlsx" in messages["good again.xlsx"]
    # The duplicate is a warning; every other one is skipped, is an error and sets exit code 1.
    assert len(result.skipped) == 9
    assert {f.severity.value for f in result.skipped} == {"error"}
    assert all(f.message for f in result.skipped)
    assert result.as_json()["skipped"][0].keys() == {"file", "code", "message"}
    assert ws.findings_xlsx.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"quality_statement": "QS12"}, "QS12"),
        ({"statements": "3"}, "had 3 checklist statements"),
        ({"template_version": "9"}, "another version of selfassess"),
        ({"template": "evidence-library"}, "inputs/evidence-library.xlsx"),
    ],
)
def test_identity_mismatches_say_what_the_file_is(
    ws: Workspace, changes: dict[str, str], expected: str
) -> None:
    _with_identity(ws, ws.stage1_inputs / "odd.xlsx", "QS1", **changes)
    result = collect(ws)
    assert [(f.code, f.file) for f in result.findings] == [
        ("template-mismatch", "inputs/stage1/odd.xlsx")
    ]
    assert expected in result.findings.errors[0].message


def test_not_a_selfassess_workbook_and_renamed_sheet(ws: Workspace) -> None:
    plain = openpyxl.Workbook()
    plain.active["A1"] = "My own ratings"
    plain.save(ws.stage1_inputs / "plain.xlsx")
    renamed = _good(ws, "renamed.xlsx")
    wb = openpyxl.load_workbook(renamed)
    wb[CHECKLIST_SHEET].title = "My answers"
    wb.save(renamed)
    result = collect(ws)
    assert [(f.code, f.file) for f in result.findings] == [
        ("template-mismatch", "inputs/stage1/plain.xlsx"),
        ("template-mismatch", "inputs/stage1/renamed.xlsx"),
    ]
    assert "not a workbook made by selfassess" in result.findings.errors[0].message
    assert "no 'Checklist' sheet" in result.findings.errors[1].message


def test_non_workbooks_are_reported_and_do_not_stop_the_rest(ws: Workspace) -> None:
    (ws.stage1_inputs / "notes.txt").write_text("Returns from the workshop on Tuesday")
    (ws.stage1_inputs / "scan.pdf").write_bytes(b"%PDF-1.7\n...")
    _good(ws, "zz.xlsx")
    result = collect(ws)
    assert result.returns == 1
    assert [(f.code, f.file) for f in result.skipped] == [
        ("unreadable-file", "inputs/stage1/notes.txt"),
        ("unreadable-file", "inputs/stage1/scan.pdf"),
    ]
    assert "PDF" in result.skipped[1].message


MORE_BROKEN = [
    hostile.csv_file,
    hostile.old_xls,
    hostile.corrupt_entry,
    hostile.too_many_entries,
    hostile.bzip2_entry,
    hostile.zip_encrypted_flag,
    hostile.billion_laughs_utf16,
    hostile.external_entity,
    hostile.macro_content_type_only,
    hostile.word_document,
    hostile.plain_zip,
    hostile.ods_file,
    hostile.xlsb_file,
    hostile.malformed_xml,
    hostile.missing_sheet_part,
    hostile.missing_shared_string,
    hostile.bad_number,
]


def test_more_broken_files_are_skipped_with_a_message(ws: Workspace) -> None:
    """The reader's own hostile corpus, through collect: one finding each, the good return
    still counted."""
    _good(ws)
    for build in MORE_BROKEN:
        build(ws.stage1_inputs / f"{build.__name__}.xlsx")
    result = collect(ws)
    assert result.returns == 1
    by_file: dict[str, list[tuple[str, str]]] = {}
    for f in result.findings:
        by_file.setdefault(f.file.removeprefix("inputs/stage1/"), []).append((f.code, f.message))
    for build in MORE_BROKEN:
        (found,) = by_file.pop(f"{build.__name__}.xlsx")
        assert found[0] in {"unreadable-file", "template-mismatch"}, build.__name__
        assert len(found[1]) > 20, build.__name__
    assert by_file == {}
    assert len(result.skipped) == len(MORE_BROKEN)
