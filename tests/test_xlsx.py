"""The openpyxl edge: user text is never a formula, control characters never crash a save."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.xlsx.reader import open_workbook
from pipeline.xlsx.write import atomic_path, clean_text, save_atomic, write_text

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+44 1632 960 123",
    "-1+2",
    "@SUM(A1:A2)",
    "\tindented",
    "\rcarriage",
    "R&D <team> “quoted” 'single'",
    "Cwm Dŵr 🙂 中文 العربية",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path: Path, text: str) -> None:
    wb = openpyxl.Workbook()
    write_text(wb.active["A1"], text)
    path = tmp_path / "out.xlsx"
    save_atomic(wb, path)
    cell = open_workbook(path).sheets["Sheet"].get("A1")
    assert cell is not None
    assert cell.formula is None
    assert cell.value == text


def test_control_characters_are_removed_and_reported() -> None:
    text, removed = clean_text("bell\x07 and null\x00 kept\ttab\nline")
    assert text == "bell and null kept\ttab\nline"
    assert removed == ["U+0007", "U+0000"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_text_round_trips_minus_what_a_workbook_cannot_hold(tmp_path_factory, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("rt") / "rt.xlsx"
    wb = openpyxl.Workbook()
    write_text(wb.active["A1"], text)
    save_atomic(wb, path)
    expected, _ = clean_text(text)
    assert open_workbook(path).sheets["Sheet"].text("A1") == expected


def test_an_interrupted_save_leaves_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.xlsx"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.xlsx"]
