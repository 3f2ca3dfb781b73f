"""Checklists read by content, not position (issue 12): a return whose statement rows were
sorted, filtered, inserted or deleted, or whose columns moved, counts every rating against its
own statement, and says what was lost when something was.

The edits are made in LibreOffice, with Calc's own commands through UNO (tests/lo_edit.py, one
LibreOffice process for every file), as a person makes them; the property test makes random
ones with openpyxl.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import generate_checklists
from pipeline.cli import main
from pipeline.forms.checklist import CHECKLIST_SHEET, FIRST_STATEMENT_ROW, checklist_path
from pipeline.workspace import Workspace
from tests.conftest import lo_edit
from tests.factories import fill_checklist, make_workspace, with_blank_checklists

CODE = "QS5"  # six statements
LAST = FIRST_STATEMENT_ROW + 5
GROUP = "Health partner"
RATINGS: dict[int, Any] = {
    1: "3 Tend to agree",
    2: 1,
    3: "4 Strongly agree",
    4: "0 Don't know",
    6: 2,
}
NI = "My NI number is AB 12 34 56 C"
EVIDENCE = {1: "Audit of 40 cases", 2: "Weak <&> “quoted”", 5: "No rating, just a comment", 6: NI}
# A second, unedited return in every workspace: the edited one must not disturb it either.
OTHER_RATINGS: dict[int, Any] = {n: (n % 4) + 1 for n in range(1, 7)}


@pytest.fixture(scope="module")
def blank_checklists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("blank"))
    generate_checklists(ws)
    return ws.checklists_dir


def _workspace(root: Path, blank: Path, edited: Path | None = None) -> Workspace:
    """Two QS5 returns: the other one as filled, and ``edited`` (or the unedited return)."""
    ws = with_blank_checklists(root, blank)
    fill_checklist(ws, CODE, "other.xlsx", "Unpaid carer", OTHER_RATINGS, {3: "Other's view"})
    if edited is None:
        fill_checklist(ws, CODE, "edited.xlsx", GROUP, RATINGS, EVIDENCE)
    else:
        shutil.copy(edited, ws.stage1_inputs / "edited.xlsx")
    return ws


def _collect(ws: Workspace) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _statements(data: dict[str, Any]) -> list[dict[str, Any]]:
    (qs,) = [q for q in data["quality_statements"] if q["code"] == CODE]
    statements: list[dict[str, Any]] = qs["statements"]
    return statements


@pytest.fixture(scope="module")
def unedited(blank_checklists: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _collect(_workspace(tmp_path_factory.mktemp("unedited") / "ws", blank_checklists))


# --------------------------------------------------------------------------------------------
# Edits made in LibreOffice


# name -> the edits (tests/lo_edit.py), rows and columns counted from 1
EDITS: dict[str, list[list[Any]]] = {
    # Data > Sort by the rating column, highest first
    "sorted": [["sort", FIRST_STATEMENT_ROW, LAST, 3, True]],
    # Data > Standard Filter: only the statements rated "1"; the others hidden
    "filtered": [["filter", FIRST_STATEMENT_ROW, LAST, 3, "1"]],
    # a row inserted above the statements and one above the header
    "rows inserted": [["insert_row", FIRST_STATEMENT_ROW], ["insert_row", 3]],
    # a row inserted between two statements, with a note typed in it
    "note row": [["insert_row", 10], ["type", "B10", "Note: see the carers' survey"]],
    # a column inserted between the statement and its rating, and one before column A
    "columns inserted": [["insert_column", 3], ["insert_column", 1]],
    # all of it at once: sorted by the statement number descending, a row and a column in
    "sorted and moved": [
        ["sort", FIRST_STATEMENT_ROW, LAST, 1, True],
        ["insert_column", 2],
        ["insert_row", FIRST_STATEMENT_ROW + 2],
    ],
    # statement 2's row deleted: its rating (1) is lost, and said so
    "row deleted": [["delete_row", FIRST_STATEMENT_ROW + 1]],
    # statement 3's text retyped with a typo: still clearly statement 3
    "statement edited": [["type", "B10", "<edited>"]],
    # statement 6's text typed over with something else: its rating is not counted
    "statement replaced": [["type", "B13", "We are great at everything"]],
}


@pytest.fixture(scope="module")
def edited(blank_checklists: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each edit of the filled return, made in one LibreOffice run; name -> the saved file."""
    folder = tmp_path_factory.mktemp("lo-edits")
    ws = with_blank_checklists(folder / "ws", blank_checklists)
    source = fill_checklist(ws, CODE, "edited.xlsx", GROUP, RATINGS, EVIDENCE)
    statement3 = ws.framework.quality_statement(CODE).checklist_statements[2]
    typo = statement3.replace("agreed", "agred", 1).rstrip(".")  # a typo, the full stop dropped
    assert typo != statement3
    jobs = []
    for number, edits in enumerate(EDITS.values()):
        edits = [[e[0], e[1], typo] if e[2:] == ["<edited>"] else e for e in edits]
        dst = folder / f"{number}.xlsx"
        jobs.append({"src": str(source), "dst": str(dst), "sheet": CHECKLIST_SHEET, "edits": edits})
    lo_edit(jobs)
    return {name: Path(job["dst"]) for name, job in zip(EDITS, jobs, strict=True)}


def _case(
    name: str, edited: dict[str, Path], blank: Path, tmp_path: Path
) -> tuple[dict[str, Any], list[tuple[str, str | None, str | None, str]]]:
    data = _collect(_workspace(tmp_path / "ws", blank, edited[name]))
    found = [(f["code"], f["sheet"], f["cell"], f["message"]) for f in data["findings"]]
    return data, found


def _where(found: list[tuple[str, str | None, str | None, str]]) -> list[tuple[Any, ...]]:
    return [(code, cell) for code, _sheet, cell, _message in found]


def _sheet_row(path: Path, text: str) -> tuple[int, int]:
    """Where ``text`` is on the checklist sheet: (row, column)."""
    sheet = openpyxl.load_workbook(path)[CHECKLIST_SHEET]
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} is not on the sheet")


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    "name", ["sorted", "filtered", "rows inserted", "columns inserted", "sorted and moved"]
)
def test_sorted_filtered_and_moved_returns_count_the_same(
    name: str,
    edited: dict[str, Path],
    unedited: dict[str, Any],
    blank_checklists: Path,
    tmp_path: Path,
) -> None:
    data, found = _case(name, edited, blank_checklists, tmp_path)
    assert data["quality_statements"] == unedited["quality_statements"]
    assert data["returns"] == 2
    # Nothing reported as ignored: the moved rows are the form's own. The NI number is found
    # where it now is (its row and column moved with the edit).
    row, col = _sheet_row(edited[name], NI)
    evidence = f"{openpyxl.utils.get_column_letter(col)}{row}"
    assert _where(found) == [("personal-data", evidence)]
    if name in ("sorted", "sorted and moved"):
        assert row != LAST, "the edit moved statement 6's row"
    if name == "columns inserted":
        assert col == 6, "two columns inserted before the evidence column"


@pytest.mark.libreoffice
def test_a_note_in_an_inserted_row_is_still_reported(
    edited: dict[str, Path],
    unedited: dict[str, Any],
    blank_checklists: Path,
    tmp_path: Path,
) -> None:
    data, found = _case("note row", edited, blank_checklists, tmp_path)
    assert data["quality_statements"] == unedited["quality_statements"]
    assert _where(found) == [("ignored-content", "B10"), ("personal-data", "D14")]
    assert "“Note: see the carers' survey”" in found[0][3]


@pytest.mark.libreoffice
def test_a_deleted_statement_row_is_reported_missing(
    edited: dict[str, Path],
    unedited: dict[str, Any],
    blank_checklists: Path,
    tmp_path: Path,
) -> None:
    data, found = _case("row deleted", edited, blank_checklists, tmp_path)
    before, after = _statements(unedited), _statements(data)
    # Every other statement counts the same; statement 2 lost this return's "1".
    assert [s for s in after if s["number"] != 2] == [s for s in before if s["number"] != 2]
    assert after[1]["counts"] == {**before[1]["counts"], "1": before[1]["counts"]["1"] - 1}
    assert after[1]["responses"] == before[1]["responses"] - 1
    assert _where(found) == [("statement-missing", None), ("personal-data", "D12")]
    statement2 = unedited["quality_statements"][4]["statements"][1]["text"]
    assert found[0][3].startswith(f"Statement 2 (“{statement2[:20]}")
    assert data["findings"][0]["data"] == {"statement": 2}


@pytest.mark.libreoffice
def test_an_edited_statement_still_counts_and_is_reported(
    edited: dict[str, Path],
    unedited: dict[str, Any],
    blank_checklists: Path,
    tmp_path: Path,
) -> None:
    data, found = _case("statement edited", edited, blank_checklists, tmp_path)
    assert data["quality_statements"] == unedited["quality_statements"]
    assert _where(found) == [("statement-edited", "B10"), ("personal-data", "D13")]
    assert "statement 3" in found[0][3]


@pytest.mark.libreoffice
def test_a_replaced_statement_is_unmatched_and_its_rating_not_counted(
    edited: dict[str, Path],
    unedited: dict[str, Any],
    blank_checklists: Path,
    tmp_path: Path,
) -> None:
    data, found = _case("statement replaced", edited, blank_checklists, tmp_path)
    before, after = _statements(unedited), _statements(data)
    assert after[:5] == before[:5]
    assert after[5]["counts"] == {**before[5]["counts"], "2": before[5]["counts"]["2"] - 1}
    # Its evidence (the NI number) is not kept, so not scanned either.
    assert _where(found) == [("statement-unmatched", "B13")]
    message = found[0][3]
    assert "statement 6's text was changed to “We are great at everything”" in message
    assert "(“2” and “My NI number is AB 12 34 56 C”) are not counted" in message


# --------------------------------------------------------------------------------------------
# Random sorting, inserted rows and inserted columns (openpyxl)


def _edit(path: Path, order: list[int], rows: list[int], cols: list[int], hide: bool) -> None:
    """The statement rows in ``order`` (numbers, columns A-D together), then blank rows and
    columns inserted before each of ``rows`` and ``cols`` in turn; rows hidden when ``hide``."""
    wb = openpyxl.load_workbook(path)
    sheet = wb[CHECKLIST_SHEET]
    values = [
        [sheet.cell(FIRST_STATEMENT_ROW + i, col).value for col in range(1, 5)]
        for i in range(len(order))
    ]
    for i, number in enumerate(order):
        for col, value in enumerate(values[number - 1], start=1):
            sheet.cell(FIRST_STATEMENT_ROW + i, col).value = value
    for row in rows:
        sheet.insert_rows(row)
    for col in cols:
        sheet.insert_cols(col)
    if hide:
        for row in range(FIRST_STATEMENT_ROW, sheet.max_row + 1, 2):
            sheet.row_dimensions[row].hidden = True
    wb.save(path)


@pytest.fixture(scope="module")
def shared(
    blank_checklists: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, bytes]:
    """One workspace for every example, and the unedited return's bytes to start each from."""
    ws = _workspace(tmp_path_factory.mktemp("shared") / "ws", blank_checklists)
    return ws, (ws.stage1_inputs / "edited.xlsx").read_bytes()


@pytest.mark.slow  # a long property test: make test-all and CI
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    order=st.permutations(range(1, 7)),
    rows=st.lists(st.integers(1, LAST + 3), max_size=3),
    cols=st.lists(st.integers(1, 5), max_size=2),
    hide=st.booleans(),
)
def test_any_order_and_inserted_rows_and_columns_read_the_same(
    order: list[int],
    rows: list[int],
    cols: list[int],
    hide: bool,
    shared: tuple[Workspace, bytes],
    unedited: dict[str, Any],
) -> None:
    ws, original = shared
    path = ws.stage1_inputs / "edited.xlsx"
    path.write_bytes(original)
    _edit(path, list(order), rows, cols, hide)
    data = _collect(ws)
    assert data["quality_statements"] == unedited["quality_statements"]
    assert [f["code"] for f in data["findings"]] == ["personal-data"]


def test_the_form_is_what_the_tests_edit(blank_checklists: Path) -> None:
    """The tests above assume QS5's six statements, from row FIRST_STATEMENT_ROW."""
    ws = make_workspace(Path(tempfile.mkdtemp()))
    qs = ws.framework.quality_statement(CODE)
    assert len(qs.checklist_statements) == 6
    sheet = openpyxl.load_workbook(blank_checklists / checklist_path(ws, qs).name)[CHECKLIST_SHEET]
    assert sheet.cell(LAST, 2).value == qs.checklist_statements[-1]
    shutil.rmtree(ws.root)


# --------------------------------------------------------------------------------------------
# Other edits (openpyxl)


def _edited_with(
    blank: Path, tmp_path: Path, change: Any
) -> tuple[dict[str, Any], list[tuple[str, str | None, str]]]:
    ws = _workspace(tmp_path / "ws", blank)
    path = ws.stage1_inputs / "edited.xlsx"
    wb = openpyxl.load_workbook(path)
    change(wb[CHECKLIST_SHEET])
    wb.save(path)
    data = _collect(ws)
    return data, [(f["code"], f["cell"], f["message"]) for f in data["findings"]]


def test_column_a_deleted_reads_the_same(
    blank_checklists: Path, unedited: dict[str, Any], tmp_path: Path
) -> None:
    """The statement numbers' column deleted: the headings still say where everything is."""
    data, found = _edited_with(blank_checklists, tmp_path, lambda s: s.delete_cols(1))
    assert data["quality_statements"] == unedited["quality_statements"]
    assert [(code, cell) for code, cell, _m in found] == [("personal-data", f"C{LAST}")]


def test_a_copied_statement_row_counts_once_and_says_so(
    blank_checklists: Path, unedited: dict[str, Any], tmp_path: Path
) -> None:
    def copy_statement_1(sheet: Any) -> None:
        sheet.insert_rows(FIRST_STATEMENT_ROW + 1)
        for col in (1, 2):
            value = sheet.cell(FIRST_STATEMENT_ROW, col).value
            sheet.cell(FIRST_STATEMENT_ROW + 1, col).value = value
        sheet.cell(FIRST_STATEMENT_ROW + 1, 3).value = "1 Strongly disagree"

    data, found = _edited_with(blank_checklists, tmp_path, copy_statement_1)
    assert data["quality_statements"] == unedited["quality_statements"]
    assert [(code, cell) for code, cell, _m in found] == [
        ("statement-unmatched", f"B{FIRST_STATEMENT_ROW + 1}"),
        ("personal-data", f"D{LAST + 1}"),
    ]
    assert "Statement 1 appears twice" in found[0][2]
    assert "answers (“1 Strongly disagree”) are not" in found[0][2]


def test_a_sorted_return_with_thousands_of_stray_cells_still_reads(
    blank_checklists: Path, unedited: dict[str, Any], tmp_path: Path
) -> None:
    """Junk in every column, the statement column too, does not hide the statements (and the
    stray text is still reported, a screenful per sheet)."""

    def sort_and_litter(sheet: Any) -> None:
        _reverse(sheet)
        for row in range(LAST + 2, LAST + 1002):
            for col in range(1, 6):
                sheet.cell(row, col).value = f"junk {row} {col}"

    data, found = _edited_with(blank_checklists, tmp_path, sort_and_litter)
    assert data["quality_statements"] == unedited["quality_statements"]
    # The junk rows with text in the statement, rating or evidence column look like statement
    # rows: reported as unmatched (a screenful, then one for the rest); the rest as ignored.
    codes = [(code, cell) for code, cell, _m in found]
    assert codes == [
        *[("ignored-content", f"{c}{row}") for row in range(LAST + 2, LAST + 12) for c in "AE"],
        ("ignored-content", f"A{LAST + 12}:E{LAST + 1001}"),
        *[("statement-unmatched", f"B{row}") for row in range(LAST + 2, LAST + 22)],
        ("statement-unmatched", f"B{LAST + 22}:B{LAST + 1001}"),
        ("personal-data", f"D{FIRST_STATEMENT_ROW}"),  # statement 6, now first
    ]
    assert "… and 980 more rows" in found[-2][2]


def _reverse(sheet: Any) -> None:
    values = [
        [sheet.cell(row, col).value for col in range(1, 5)]
        for row in range(FIRST_STATEMENT_ROW, LAST + 1)
    ]
    for offset, row_values in enumerate(reversed(values)):
        for col, value in enumerate(row_values, start=1):
            sheet.cell(FIRST_STATEMENT_ROW + offset, col).value = value
