"""The reader's memo (pipeline.xlsx.package.MEMO): parts met before, by their packed bytes.

Returns made from the same template carry byte-identical parts (the guidance and identity
sheets, styles, relationships...), so the reader remembers what it made of each and neither
unpacks nor parses it again. These tests check that the memo never changes what is read: a part
that differs in any way is read afresh, a corrupt one is still refused, and remembered parts
still count against the unpacking budget.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from pipeline.settings import LimitSettings
from pipeline.xlsx.cells import WorkbookRejected
from pipeline.xlsx.package import MEMO, Memo, _Package
from pipeline.xlsx.reader import _read_workbook, open_workbook
from tests.hostile import sst, worksheet, write_xlsx

GUIDANCE = worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')


def _workbook(path: Path, typed: str = "") -> Path:
    """A two-sheet workbook: the same guidance sheet every time, and a sheet with ``typed``."""
    answer = (
        f'<row r="2"><c r="B2" t="inlineStr"><is><t>{typed}</t></is></c></row>' if typed else ""
    )
    return write_xlsx(
        path,
        {"Guidance": GUIDANCE, "Answers": worksheet(answer)},
        shared_strings=sst("Read me first"),
    )


def test_a_remembered_sheet_with_one_cell_typed_is_read_afresh(tmp_path: Path) -> None:
    MEMO.clear()
    blank = open_workbook(_workbook(tmp_path / "blank.xlsx"))
    typed_in_guidance = write_xlsx(
        tmp_path / "typed.xlsx",
        {
            "Guidance": worksheet(
                '<row r="1"><c r="A1" t="s"><v>0</v></c>'
                '<c r="B1" t="inlineStr"><is><t>my note</t></is></c></row>'
            ),
            "Answers": worksheet(""),
        },
        shared_strings=sst("Read me first"),
    )
    wb = open_workbook(typed_in_guidance)
    assert blank.sheets["Guidance"].text("B1") == ""
    assert wb.sheets["Guidance"].text("B1") == "my note"
    assert wb.sheets["Guidance"].text("A1") == "Read me first"


def test_a_remembered_part_with_another_crc_is_still_refused_as_corrupt(tmp_path: Path) -> None:
    """The same packed bytes with a different recorded CRC: not the part remembered."""
    MEMO.clear()
    path = _workbook(tmp_path / "w.xlsx")
    open_workbook(path)  # the guidance sheet is now remembered
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        crc = zf.getinfo("xl/worksheets/sheet1.xml").CRC
    recorded = struct.pack("<I", crc)
    assert data.count(recorded) == 2  # its local header and its directory entry
    tampered = tmp_path / "tampered.xlsx"
    tampered.write_bytes(data.replace(recorded, struct.pack("<I", crc ^ 1)))
    with pytest.raises(WorkbookRejected, match=r"sheet1\.xml is incomplete or corrupt"):
        open_workbook(tampered)


def _budget_left(path: Path) -> int:
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        package = _Package(data, zf, LimitSettings())
    _read_workbook(package, path, "")
    return package.budget


def test_remembered_parts_still_count_against_the_unpacking_budget(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "w.xlsx", typed="an answer")
    MEMO.clear()
    afresh = _budget_left(path)
    remembered = _budget_left(path)  # every part now from the memo
    assert remembered == afresh < LimitSettings().max_uncompressed_bytes


def test_the_memo_is_bounded_and_forgets_the_least_recently_used() -> None:
    memo = Memo(max_entries=3, max_bytes=100, max_part_bytes=50)
    for key in "abc":
        memo.put(key, (key,), 10)
    assert memo.get("a") == ("a",)  # now more recent than b and c
    memo.put("d", ("d",), 10)
    assert memo.get("b") is None
    assert [memo.get(k) for k in "acd"] == [("a",), ("c",), ("d",)]
    memo.put("e", ("e",), 80)  # 110 bytes and 4 entries: the oldest goes
    assert [memo.get(k) for k in "acde"] == [None, ("c",), ("d",), ("e",)]
    memo.put("f", ("f",), 60)  # 160 bytes: the oldest go until 100 or less
    assert [memo.get(k) for k in "cdef"] == [None, None, None, ("f",)]
