"""Stage 1 read-back (SPEC §6): returns filled as people fill them, tallied by hand here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import collect, generate_checklists
from pipeline.cli import main
from pipeline.forms.checklist import CHECKLIST_SHEET, GROUP_CELL
from pipeline.framework import Framework
from pipeline.read.returns import parse_rating, rating_lookup, read_returns
from pipeline.workspace import Workspace
from pipeline.xlsx.reader import open_workbook
from tests.conftest import soffice_convert
from tests.factories import fill_checklist as fill
from tests.factories import make_workspace, with_blank_checklists

COUNCIL = "Testshire Council"
ASC, HEALTH = "Adult social care staff", "Health partner"
NAME = "Siân Llŷr-Testperson"
HYPERLINK = '=HYPERLINK("http://example.org/policy","our policy")'


# --------------------------------------------------------------------------------------------
# Fixtures (the builders are in tests/factories.py)


@pytest.fixture(scope="module")
def blank_checklists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nine blank checklists, generated once per test module."""
    root = tmp_path_factory.mktemp("blank")
    ws = make_workspace(root)
    generate_checklists(ws)
    return ws.checklists_dir


@pytest.fixture
def ws(tmp_path: Path, blank_checklists: Path) -> Workspace:
    return with_blank_checklists(tmp_path / "ws", blank_checklists)


def statement(data: dict[str, Any], code: str, number: int) -> dict[str, Any]:
    (qs,) = [q for q in data["quality_statements"] if q["code"] == code]
    result: dict[str, Any] = qs["statements"][number - 1]
    assert result["number"] == number
    return result


def codes(findings: Any) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.file, f.cell) for f in findings]


# --------------------------------------------------------------------------------------------
# The hand tally: seven QS2 returns, every way people write ratings


def fill_qs2(ws: Workspace) -> None:
    """Seven returns; the expected numbers in the tests below are worked out by hand from this.

    statement:      1                     2              3               4   5        6  7
    r1 ASC          "4 Strongly agree"    "4 Strongly.." "0 Don't know"  2   Agree    4  1
    r2 ASC          4 (number)            "4"            "Don't know"    1   5        4  3
    r3 ASC          "3"                   "3 Tend to.."  0               2   "3 Str.." 4 3
    r4 Health       "Tend to disagree"    "3 tend to.."  "3 Tend to.."   3   N/A      3  3
    r5 Health       "1 Strongly disagree" " Strongly agree " "3"         2   -        3  -
    r6 Health       "2"                   -              4               2   -        3  -
    r7 (no group)   "0 Don't know"        -              -               "1 Strongly disagree"
    """
    fill(
        ws,
        "QS2",
        "r1.xlsx",
        ASC,
        {
            1: "4 Strongly agree",
            2: "4 Strongly agree",
            3: "0 Don't know",
            4: "2 Tend to disagree",
            5: "Agree",
            6: "4 Strongly agree",
            7: "1 Strongly disagree",
        },
        {1: "Audit shows 80% good or better", 2: "Yes", 4: "Needs work", 6: "Peer review"},
        respondent=NAME,
    )
    fill(
        ws,
        "QS2",
        "r2.xlsx",
        ASC,
        {1: 4, 2: "4", 3: "Don't know", 4: 1, 5: 5, 6: 4, 7: 3},
        {2: "Yes", 4: "Needs work"},
    )
    fill(
        ws,
        "QS2",
        "sub/folder/r3.xlsx",
        ASC,
        {1: "3", 2: "3 Tend to agree", 3: 0, 4: "2", 5: "3 Strongly agree", 6: 4, 7: "3"},
        {1: HYPERLINK, 2: "Yes", 4: "Needs work"},
    )
    fill(
        ws,
        "QS2",
        "sub/r4.xlsx",
        HEALTH,
        {
            1: "Tend to disagree",
            2: "3 tend to agree",
            3: "3 Tend to agree",
            4: "3",
            5: "N/A",
            6: "3",
            7: "3",
        },
        {1: "R&D <team> said so", 4: "Needs work", 6: "Joint audit"},
    )
    fill(
        ws,
        "QS2",
        "sub/r5.xlsx",
        HEALTH,
        {1: "1 Strongly disagree", 2: " Strongly agree ", 3: "3", 4: "2", 6: 3},
        {1: "Waiting lists 🙂\nsecond line", 4: "Needs work", 6: "Board minutes"},
    )
    fill(
        ws,
        "QS2",
        "sub/r6.xlsx",
        HEALTH,
        {1: "2", 3: 4, 4: 2, 6: "3 Tend to agree"},
        {4: "Needs work"},
    )
    fill(ws, "QS2", "z-r7.xlsx", None, {1: "0 Don't know", 4: "1 Strongly disagree"})


def test_hand_tally_of_qs2(ws: Workspace) -> None:
    fill_qs2(ws)
    result = collect(ws)
    data = result.as_json()

    assert data["returns"] == 7
    assert data["skipped"] == []
    assert [q["code"] for q in data["quality_statements"]] == [f"QS{i}" for i in range(1, 10)]
    qs2 = data["quality_statements"][1]
    assert qs2["returns"] == 7
    assert len(qs2["statements"]) == 12

    # 1: ratings 4,4,3 (ASC) 2,1,2 (Health) and a don't know. 3 of 6 agree; mean 16/6.
    s1 = statement(data, "QS2", 1)
    assert s1 == {
        "number": 1,
        "text": s1["text"],
        "responses": 7,
        "dont_know": 1,
        "counts": {"1": 1, "2": 2, "3": 1, "4": 2},
        "percent_agree": 50.0,
        "mean": 2.67,
        "divergent": True,  # half on each side, and ASC 3.67 vs Health 1.67
        "evidence_gap": False,  # 4 of 6 ratings have evidence; 1 of 7 don't know
    }
    # 2: 4,4,3,3,4: all agree; Health has only 2 ratings so groups are not compared.
    assert statement(data, "QS2", 2) | {"text": ""} == {
        "number": 2, "text": "", "responses": 5, "dont_know": 0,
        "counts": {"1": 0, "2": 0, "3": 2, "4": 3}, "percent_agree": 100.0, "mean": 3.6,
        "divergent": False, "evidence_gap": False,
    }  # fmt: skip
    # 3: three don't know of six; 3,3,4 without any evidence.
    assert statement(data, "QS2", 3) | {"text": ""} == {
        "number": 3, "text": "", "responses": 6, "dont_know": 3,
        "counts": {"1": 0, "2": 0, "3": 2, "4": 1}, "percent_agree": 100.0, "mean": 3.33,
        "divergent": False, "evidence_gap": True,
    }  # fmt: skip
    # 4: 2,1,2 | 3,2,2 | 1: one of seven agrees; ASC 1.67 vs Health 2.33 is under 1.0 apart.
    assert statement(data, "QS2", 4) | {"text": ""} == {
        "number": 4, "text": "", "responses": 7, "dont_know": 0,
        "counts": {"1": 2, "2": 4, "3": 1, "4": 0}, "percent_agree": 14.3, "mean": 1.86,
        "divergent": False, "evidence_gap": False,
    }  # fmt: skip
    # 5: Agree, 5, "3 Strongly agree", N/A: none on the scale.
    assert statement(data, "QS2", 5) | {"text": ""} == {
        "number": 5, "text": "", "responses": 0, "dont_know": 0,
        "counts": {"1": 0, "2": 0, "3": 0, "4": 0}, "percent_agree": None, "mean": None,
        "divergent": False, "evidence_gap": False,
    }  # fmt: skip
    # 6: ASC 4,4,4 vs Health 3,3,3: exactly 1.0 apart is divergent; 3 of 6 with evidence is
    # not "fewer than half".
    assert statement(data, "QS2", 6) | {"text": ""} == {
        "number": 6, "text": "", "responses": 6, "dont_know": 0,
        "counts": {"1": 0, "2": 0, "3": 3, "4": 3}, "percent_agree": 100.0, "mean": 3.5,
        "divergent": True, "evidence_gap": False,
    }  # fmt: skip
    # 7: 1,3,3,3: exactly 25% disagree is divergent; no evidence at all.
    assert statement(data, "QS2", 7) | {"text": ""} == {
        "number": 7, "text": "", "responses": 4, "dont_know": 0,
        "counts": {"1": 1, "2": 0, "3": 3, "4": 0}, "percent_agree": 75.0, "mean": 2.5,
        "divergent": True, "evidence_gap": True,
    }  # fmt: skip
    for number in range(8, 13):
        assert statement(data, "QS2", number)["responses"] == 0
    for other in data["quality_statements"]:
        if other["code"] != "QS2":
            assert other["returns"] == 0

    # Emerging findings: eligible = not divergent with 3+ ratings = 2, 3, 4.
    (qs2_result,) = [q for q in result.results if q.code == "QS2"]
    assert [s.number for s in qs2_result.emerging_strengths] == [2, 3]  # 100%, mean 3.6 first
    assert [s.number for s in qs2_result.emerging_improvements] == [4]
    assert [s.number for s in qs2_result.divergent] == [1, 6, 7]
    assert [s.number for s in qs2_result.evidence_gaps] == [3, 7]

    # By group, and comments attributed to groups in group order.
    s1_result = qs2_result.statements[0]
    asc, health, not_given = (s1_result.by_group[g] for g in (ASC, HEALTH, "Not given"))
    assert (asc.responses, asc.counts, asc.percent_agree) == (3, {1: 0, 2: 0, 3: 1, 4: 2}, 100.0)
    assert asc.mean == pytest.approx(11 / 3)
    assert (health.counts, health.percent_agree) == ({1: 1, 2: 2, 3: 0, 4: 0}, 0.0)
    assert health.mean == pytest.approx(5 / 3)
    assert (not_given.responses, not_given.dont_know, not_given.mean) == (1, 1, None)
    assert list(s1_result.by_group) == [ASC, HEALTH, "Not given"]
    assert s1_result.comments == [
        (ASC, 4, "Audit shows 80% good or better"),
        (ASC, 3, HYPERLINK),
        (HEALTH, 2, "R&D <team> said so"),
        (HEALTH, 1, "Waiting lists 🙂\nsecond line"),
    ]

    # Four ratings not on the scale, each at its cell; nothing else.
    assert codes(result.findings) == [
        ("rating-invalid", "inputs/stage1/r1.xlsx", "C12"),
        ("rating-invalid", "inputs/stage1/r2.xlsx", "C12"),
        ("rating-invalid", "inputs/stage1/sub/folder/r3.xlsx", "C12"),
        ("rating-invalid", "inputs/stage1/sub/r4.xlsx", "C12"),
    ]
    first = next(iter(result.findings))
    assert first.sheet == CHECKLIST_SHEET
    assert "“Agree”" in first.message and "3 Tend to agree" in first.message
    assert ws.findings_xlsx.exists()


def test_json_shape_and_rounding(ws: Workspace) -> None:
    fill_qs2(ws)
    data = json.loads(json.dumps(collect(ws).as_json()))
    assert set(data) == {"returns", "skipped", "findings", "quality_statements"}
    for qs in data["quality_statements"]:
        assert set(qs) == {"code", "returns", "statements"}
        for s in qs["statements"]:
            assert set(s) == {
                "number", "text", "responses", "dont_know", "counts", "percent_agree",
                "mean", "divergent", "evidence_gap",
            }  # fmt: skip
            assert set(s["counts"]) == {"1", "2", "3", "4"}
    assert statement(data, "QS2", 4)["percent_agree"] == 14.3  # 1/7 = 14.2857...


def test_rating_forms(framework: Framework) -> None:
    lookup = rating_lookup(framework)
    accepted = [
        ("3 Tend to agree", 3), ("3", 3), (3, 3), (3.0, 3), ("3.0", 3), ("Tend to agree", 3),
        ("  tend  TO agree ", 3), ("0 Don't know", 0), ("0 Don’t know", 0), ("Dont know", 0),
        ("don't know", 0), (0, 0), ("1 - Strongly disagree", 1), ("4. Strongly agree", 4),
    ]  # fmt: skip
    for value, expected in accepted:
        assert parse_rating(value, lookup) == expected, value
    for value in ["Agree", "5", 5, -1, 2.5, "3 Strongly agree", "N/A", "yes", True, "33"]:
        assert parse_rating(value, lookup) is None, value


def test_group_blank_unknown_and_names_never_reported(ws: Workspace) -> None:
    fill(ws, "QS5", "a.xlsx", None, {1: "3 Tend to agree"}, {1: "Fine"}, respondent=NAME)
    fill(ws, "QS5", "b.xlsx", "Jo Bloggs", {1: "4 Strongly agree"})
    fill(ws, "QS5", "c.xlsx", "health PARTNER", {1: 2})
    read = read_returns(ws)
    assert [r.group for r in read.returns] == ["Not given", "Other", HEALTH]
    assert codes(read.findings) == [("group-unknown", "inputs/stage1/b.xlsx", GROUP_CELL)]
    assert "counted under ‘Other’" in read.findings[0].message
    # The respondent's name is never kept, and never written to findings.xlsx.
    assert NAME not in repr(read.returns)
    collect(ws)
    assert not _workbook_contains(ws.findings_xlsx, NAME)
    assert not _workbook_contains(ws.findings_xlsx, "Jo Bloggs")


def test_empty_return_is_a_warning_and_not_counted(ws: Workspace) -> None:
    fill(ws, "QS3", "empty.xlsx", ASC, respondent="Only a name")
    fill(ws, "QS3", "real.xlsx", ASC, {2: "2"})
    result = collect(ws)
    assert result.returns == 1
    assert codes(result.findings) == [("empty-return", "inputs/stage1/empty.xlsx", None)]
    assert result.skipped == []


def test_duplicates_byte_identical_and_same_content(ws: Workspace) -> None:
    first = fill(ws, "QS1", "a.xlsx", ASC, {1: "3 Tend to agree"}, {1: "Our audit"})
    shutil.copy(first, ws.stage1_inputs / "b copy.xlsx")
    # Saved again (new timestamps, so different bytes) with the same answers.
    fill(ws, "QS1", "c.xlsx", ASC, {1: 3}, {1: "Our audit"})
    # Identical ratings and no text at all: two people can do that, so both count.
    fill(ws, "QS1", "d.xlsx", HEALTH, {2: 4})
    other = fill(ws, "QS1", "e.xlsx", HEALTH, {2: 4})
    wb = openpyxl.load_workbook(other)
    wb.properties.lastModifiedBy = "Another person"  # different bytes, same answers
    wb.save(other)
    result = collect(ws)
    assert result.returns == 3
    assert codes(result.findings) == [
        ("duplicate-return", "inputs/stage1/b copy.xlsx", None),
        ("duplicate-return", "inputs/stage1/c.xlsx", None),
    ]
    messages = [f.message for f in result.findings]
    assert messages[0].startswith("is an exact copy of inputs/stage1/a.xlsx")
    assert messages[1].startswith("has exactly the same answers as inputs/stage1/a.xlsx")
    assert statement(result.as_json(), "QS1", 1)["responses"] == 1
    assert result.skipped == []  # a duplicate is a warning, not a skipped return


def test_text_outside_the_form_is_reported_at_its_cell(ws: Workspace) -> None:
    fill(
        ws,
        "QS4",
        "a.xlsx",
        ASC,
        {1: "3"},
        extra={(CHECKLIST_SHEET, "E8"): "see attached", (CHECKLIST_SHEET, "B9"): "changed"},
    )
    result = collect(ws)
    assert result.returns == 1
    # Statement 2's text typed over: no longer any statement, so it is reported as unmatched
    # (with its number) rather than as ignored content.
    assert [(f.code, f.sheet, f.cell) for f in result.findings] == [
        ("ignored-content", CHECKLIST_SHEET, "E8"),
        ("statement-unmatched", CHECKLIST_SHEET, "B9"),
    ]
    first, second = result.findings
    assert "“see attached”" in first.message
    assert "statement 2's text was changed to “changed”" in second.message


def test_control_characters_are_removed_and_reported(ws: Workspace) -> None:
    # Excel stores a control character as _x0007_; read-back turns it back into U+0007.
    fill(ws, "QS6", "a.xlsx", ASC, {1: "3"}, {1: "Bell_x0007_ringing"})
    result = collect(ws)
    assert [(f.code, f.cell) for f in result.findings] == [("invalid-characters", "D8")]
    assert "U+0007" in result.findings.warnings[0].message
    sheet = openpyxl.load_workbook(ws.findings_xlsx)[_qs_sheet_name(ws, "QS6")]
    assert "Bellringing" in _texts(sheet)


def test_user_text_is_never_a_formula_in_findings(ws: Workspace) -> None:
    hostile = [HYPERLINK, "+44 1234", "-10% complaints", "@Commissioning", "\tTabbed", "R&D <x>"]
    for i, text in enumerate(hostile):
        path = fill(ws, "QS7", f"h{i}.xlsx", ASC, {1: "3"}, {1: "placeholder"})
        wb = openpyxl.load_workbook(path)
        cell = wb[CHECKLIST_SHEET]["D8"]
        cell.value = text
        cell.data_type = "s"  # typed as text, e.g. with a leading apostrophe
        wb.save(path)
    result = collect(ws)
    (qs7,) = [q for q in result.results if q.code == "QS7"]
    assert sorted(c[2] for c in qs7.statements[0].comments) == sorted(t.strip() for t in hostile)
    sheet = openpyxl.load_workbook(ws.findings_xlsx)[_qs_sheet_name(ws, "QS7")]
    written = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for text in hostile:
        cell = written[text.strip()]
        assert cell.data_type == "s", text
    # And our own reader sees no formula anywhere in the findings workbook.
    read = open_workbook(ws.findings_xlsx)
    assert all(c.formula is None for s in read.sheets.values() for c in s.cells.values())


def test_formula_typed_as_evidence_is_kept_as_typed(ws: Workspace) -> None:
    fill(ws, "QS8", "a.xlsx", ASC, {1: "=1+2", 2: "4"}, {2: HYPERLINK})
    result = collect(ws)
    (qs8,) = [q for q in result.results if q.code == "QS8"]
    assert qs8.statements[1].comments == [(ASC, 4, HYPERLINK)]
    assert [(f.code, f.cell) for f in result.findings] == [("rating-invalid", "C8")]
    assert "“=1+2”" in result.findings.errors[0].message


def test_lock_files_are_ignored_and_no_returns_is_fine(ws: Workspace) -> None:
    (ws.stage1_inputs / "~$r1.xlsx").write_bytes(b"\x00lock")
    (ws.stage1_inputs / ".~lock.r1.xlsx#").write_text("lock")
    result = collect(ws)
    assert (result.returns, result.skipped, len(result.findings)) == (0, [], 0)
    assert [q.returns for q in result.results] == [0] * 9
    assert ws.findings_xlsx.exists()


def test_cli_collect_json_and_exit_code(ws: Workspace) -> None:
    fill(ws, "QS1", "good.xlsx", ASC, {1: "3"})
    (ws.stage1_inputs / "broken.xlsx").write_bytes(b"not a workbook")
    runner = CliRunner()
    result = runner.invoke(main, ["--workspace", str(ws.root), "collect", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["returns"] == 1
    assert data["skipped"] == [
        {"file": "inputs/stage1/broken.xlsx", "code": "unreadable-file", "message": ANY_TEXT}
    ]
    assert ws.findings_xlsx.exists()  # written before the exit code says something was skipped

    (ws.stage1_inputs / "broken.xlsx").unlink()
    result = runner.invoke(main, ["--workspace", str(ws.root), "collect"])
    assert result.exit_code == 0, result.output
    assert "1 returns read, 0 skipped" in result.output


def test_collect_imports_only_what_it_uses(ws: Workspace) -> None:
    """The command imports no heavy library, and no module of the other stages (issue 13:
    importing is most of collect's fixed cost at a few hundred returns). Run in a process of
    its own: this one has imported everything. Once collect has run, its settings and style are
    kept checked (``outputs/.cache``), so neither pydantic nor tomllib is needed again."""
    fill(ws, "QS2", "r1.xlsx", ASC, {1: "4 Strongly agree", 2: 3, 3: "0"}, {1: HYPERLINK})
    fill(ws, "QS1", "r2.xlsx", HEALTH, {1: "3"}, {1: "Ask priya.shah@example.org"})
    collect(ws)
    code = (
        "import sys\n"
        "from pipeline.cli import main\n"
        "try:\n"
        f"    main(['--workspace', {str(ws.root)!r}, 'collect'])\n"
        "except SystemExit as e:\n"
        "    print('EXIT', e.code)\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {\n"
        "    'openpyxl', 'PIL', 'docx', 'docxtpl', 'pydantic', 'yaml', 'jinja2', 'tomllib'}\n"
        "    or m.startswith(('pipeline.model.inputs', 'pipeline.rules', 'pipeline.report'))))\n"
    )
    root = Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert "EXIT 0" in done.stdout, done.stdout + done.stderr
    assert "2 returns read, 0 skipped" in done.stdout
    assert "LOADED []" in done.stdout


# Any text a person can type in a cell. Left out: characters a workbook cannot hold (openpyxl
# refuses them), CR (XML turns it into LF), and "_xHHHH_", which openpyxl writes unescaped and
# every reader (Excel too) then decodes; Excel itself escapes it, so typed text is safe.
TYPED = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.just("\n"),
    min_size=1,
    max_size=80,
).filter(lambda t: t.strip() and "_x" not in t.lower())


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TYPED, min_size=1, max_size=3), group=st.sampled_from([ASC, HEALTH]))
def test_any_typed_text_reads_back_as_typed(
    tmp_path_factory: pytest.TempPathFactory, blank_checklists: Path, texts: list[str], group: str
) -> None:
    ws = with_blank_checklists(tmp_path_factory.mktemp("prop") / "ws", blank_checklists)
    fill(ws, "QS5", "r.xlsx", group, {1: "4 Strongly agree"}, dict(enumerate(texts, start=1)))
    read = read_returns(ws)
    assert [f.code for f in read.findings] == []
    (ret,) = read.returns
    assert ret.group == group
    assert [r.evidence for r in ret.responses] == [t.strip() for t in texts]


class _AnyText:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and len(other) > 10

    def __repr__(self) -> str:
        return "<any message>"


ANY_TEXT = _AnyText()


@pytest.mark.libreoffice
def test_libreoffice_resaves_read_the_same(ws: Workspace, tmp_path: Path) -> None:
    """A return re-saved by LibreOffice (shared strings, its own XML) reads exactly the same;
    a re-saved copy of a return is a duplicate."""
    fill_qs2(ws)
    before = collect(ws).as_json()

    # r5 (emoji, line break, blanks, a bare number) re-saved by LibreOffice; the original kept
    # beside it as "r5 original.xlsx": the same answers, so counted once.
    r5 = ws.stage1_inputs / "sub" / "r5.xlsx"
    resaved = soffice_convert(r5, "xlsx", tmp_path / "lo")
    shutil.move(r5, r5.with_name("r5 original.xlsx"))
    shutil.move(resaved, r5)

    result = collect(ws)
    # The same figures; the findings are compared below.
    assert {**result.as_json(), "findings": []} == {**before, "findings": []}
    assert [(f.code, f.file) for f in result.findings if f.code != "rating-invalid"] == [
        ("duplicate-return", "inputs/stage1/sub/r5.xlsx"),
    ]
    assert (
        "same answers as inputs/stage1/sub/r5 original.xlsx" in result.findings.warnings[0].message
    )


# --------------------------------------------------------------------------------------------


def _qs_sheet_name(ws: Workspace, code: str) -> str:
    wb = openpyxl.load_workbook(ws.findings_xlsx, read_only=True)
    (name,) = [n for n in wb.sheetnames if n.startswith(code + " ")]
    return str(name)


def _texts(sheet: Any) -> list[str]:
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def _workbook_contains(path: Path, text: str) -> bool:
    """Whether ``text`` appears anywhere inside the .xlsx package (every part, raw)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return any(text.encode() in zf.read(name) for name in zf.namelist())


def test_collect_exits_1_on_errors_and_its_json_carries_every_finding(ws: Workspace) -> None:
    """A rating not on the scale is an error: collect says so in its exit code, and --json
    lists it with the skipped files, as validate --json does."""
    fill(ws, "QS2", "r1.xlsx", None, {3: "Agree"})
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(f["code"], f["cell"]) for f in data["findings"]] == [("rating-invalid", "C10")]
    assert data["skipped"] == []


def test_thousands_of_stray_cells_are_one_screenful_and_every_cell_is_within_a_reported_block(
    ws: Workspace,
) -> None:
    """A pasted spreadsheet beside the form: 20 cells named one by one, then one finding for the
    rest with the block they are in (one row per cell made validate take minutes)."""
    extra = {
        (CHECKLIST_SHEET, f"{col}{row}"): f"pasted {row}{col}"
        for row in range(40, 140)
        for col in "FGHIJ"
    }
    fill(ws, "QS2", "pasted.xlsx", None, {1: "3 Tend to agree"}, extra=extra)
    found = [f for f in read_returns(ws).findings if f.code == "ignored-content"]
    assert len(found) == 21
    assert [f.cell for f in found[:20]] == [f"{c}{r}" for r in (40, 41, 42, 43) for c in "FGHIJ"]
    last = found[-1]
    assert last.cell == "F44:J139" and last.data == {"cells": 480}
    assert "480 more cells with text on this sheet are not read (in F44:J139)" in last.message


def test_two_processes_read_as_one_does(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """From 24 returns a forked process reads the first half: copies across the halves, empty and
    unreadable returns are reported as when one process reads them all, in the same order."""
    from pipeline.forked import ONE_PROCESS, can_fork

    first = fill(ws, "QS1", "a01.xlsx", ASC, {1: "3 Tend to agree"}, {1: "Our audit & <plan>"})
    for n in range(2, 30):
        fill(ws, "QS2", f"a{n:02}.xlsx", HEALTH, {n % 5 + 1: n % 4 + 1}, {1: f"Comment {n}"})
    fill(ws, "QS3", "a05.xlsx", ASC, respondent="Only a name")  # empty, in the first half
    (ws.stage1_inputs / "a07.xlsx").write_bytes(b"not a workbook")
    shutil.copy(first, ws.stage1_inputs / "z copy.xlsx")  # second half: an exact copy
    shutil.copy(first, ws.stage1_inputs / "a02.xlsx")  # first half: another
    fill(ws, "QS1", "y same.xlsx", ASC, {1: 3}, {1: "Our audit & <plan>"})  # the same answers

    def run(one_process: str) -> str:
        monkeypatch.setenv(ONE_PROCESS, one_process)
        done = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect", "--json"])
        assert done.exit_code == 1, done.output  # the unreadable file
        return done.output

    forked = run("")
    assert can_fork() or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork")  # it did fork
    assert run("1") == forked
    data = json.loads(forked)
    assert data["returns"] == 26  # 31 files: one empty, one unreadable, three copies
    assert [(f["code"], f["file"]) for f in data["findings"]] == [
        ("duplicate-return", "inputs/stage1/a02.xlsx"),
        ("empty-return", "inputs/stage1/a05.xlsx"),
        ("unreadable-file", "inputs/stage1/a07.xlsx"),
        ("duplicate-return", "inputs/stage1/y same.xlsx"),
        ("duplicate-return", "inputs/stage1/z copy.xlsx"),
    ]
    assert "exact copy of inputs/stage1/a01.xlsx" in data["findings"][-1]["message"]
    assert "same answers as inputs/stage1/a01.xlsx" in data["findings"][-2]["message"]
