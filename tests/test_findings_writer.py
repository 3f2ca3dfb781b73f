"""findings.xlsx's own writer (pipeline/xlsx/book*.py) against the file openpyxl wrote.

``tests/golden/findings-hostile.xlsx`` is findings.xlsx as openpyxl wrote it (selfassess 3.x
before this writer), for the returns of :func:`returns` below: every kind of hostile text a
comment somewhere, one over a cell's limit, a group name with ``&``, ``<`` and Welsh. The writer
must write the same package: every part the same bytes, but docProps/app.xml (it names the
program) and the save times in docProps/core.xml. If findings.xlsx is changed on purpose, write
the file again with ``python -m tests.test_findings_writer`` and look at what changed.

User text must stay text (SPEC §6): never a formula, the quote prefix where Excel would take it
for one, control characters removed as ``write_text`` removes them, everything else exact.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import SelfAssessError
from pipeline.framework import Framework, load_framework
from pipeline.outputs.findings import build_findings, write_findings
from pipeline.resources import template_path
from pipeline.settings import Stage1Settings
from pipeline.workspace import Workspace
from pipeline.xlsx.book import Book
from pipeline.xlsx.book_looks import Looks
from pipeline.xlsx.book_package import write_package
from pipeline.xlsx.write import clean_text, load_style_values
from tests.findings_hostile import GOLDEN_DAY, HOSTILE, hostile_result

GOLDEN = Path(__file__).parent / "golden" / "findings-hostile.xlsx"
STYLE = load_style_values(template_path("xlsx/style.toml"))


def write_hostile_findings(target: Path | io.BytesIO, framework: Framework) -> None:
    """findings.xlsx for :func:`returns`, as collect writes it (dated GOLDEN_DAY)."""
    book = build_findings(
        framework, hostile_result(framework), STYLE, "Testshire Council", Stage1Settings(),
        GOLDEN_DAY,
    )  # fmt: skip
    write_package(book, target)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("findings") / "findings.xlsx"
    write_hostile_findings(path, load_framework())
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


_SAVED = re.compile(rb"<dcterms:(created|modified) ([^>]*)>[^<]*<")


def test_every_part_is_the_one_openpyxl_wrote(written: Path) -> None:
    got, expected = _parts(written), _parts(GOLDEN)
    assert list(got) == list(expected)  # the same parts, in the same order
    for name, data in expected.items():
        if name == "docProps/app.xml":
            assert (
                b"<Application>Microsoft Excel Compatible / selfassess</Application>" in (got[name])
            )
        elif name == "docProps/core.xml":
            assert _SAVED.sub(rb"\1", got[name]) == _SAVED.sub(rb"\1", data)
        else:
            assert got[name] == data, name


def test_same_findings_finds_no_difference(written: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    try:
        from same_findings import differences
    finally:
        sys.path.pop(0)
    assert differences(written, GOLDEN) == []


def test_comments_are_text_never_a_formula(written: Path) -> None:
    wb = openpyxl.load_workbook(written)
    assert not [c.coordinate for ws in wb for r in ws.iter_rows() for c in r if c.data_type == "f"]
    cells = {c.value: c for ws in wb for row in ws.iter_rows() for c in row if c.value}
    for text in HOSTILE:
        expected = clean_text(text)[0][:32767]  # what a cell can hold; the rest on the next row
        cell = cells[expected]
        assert cell.data_type == "s", text[:40]
        assert cell.quotePrefix == expected.startswith(("=", "+", "-", "@", "\t")) or (
            expected in ("#REF!", "#N/A")
        )


def test_writing_findings_imports_neither_openpyxl_nor_pil(workspace: Workspace) -> None:
    """collect's findings.xlsx is written without openpyxl: run in a process of its own, as
    this one has imported openpyxl for other tests."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.framework import load_framework\n"
        "from pipeline.workspace import Workspace\n"
        "from pipeline.outputs.findings import write_findings\n"
        "from tests.findings_hostile import hostile_result\n"
        f"ws = Workspace(Path({str(workspace.root)!r}))\n"
        "path = write_findings(ws, hostile_result(ws.framework))\n"
        "assert path.stat().st_size > 10_000\n"
        "print([m for m in sys.modules if m.startswith(('openpyxl', 'PIL'))])\n"
    )
    root = Path(__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stderr
    assert openpyxl.load_workbook(workspace.findings_xlsx).sheetnames[0] == "Summary"


def test_write_findings_replaces_the_file_whole(workspace: Workspace, framework: Framework) -> None:
    workspace.findings_xlsx.parent.mkdir(parents=True, exist_ok=True)
    workspace.findings_xlsx.write_bytes(b"an older findings.xlsx")
    path = write_findings(workspace, hostile_result(framework))
    assert zipfile.is_zipfile(path)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".findings")]


def test_a_council_style_copy_is_used_at_once(workspace: Workspace, framework: Framework) -> None:
    """The checked style is kept for the next collect (read without tomllib), but a council's
    copy of the style file, added or changed since, is read and used."""

    def fonts() -> set[bytes]:
        with zipfile.ZipFile(write_findings(workspace, hostile_result(framework))) as zf:
            return set(re.findall(rb'<name val="([^"]*)"', zf.read("xl/styles.xml")))

    assert b"Arial" in fonts()
    assert workspace.checked_cache is not None
    assert (workspace.checked_cache / "style.json").is_file()
    own = workspace.root / "templates" / "xlsx" / "style.toml"
    own.parent.mkdir(parents=True)
    own.write_text('font = "Verdana"\n', "utf-8")
    assert b"Verdana" in fonts() and b"Arial" not in fonts()
    own.write_text('font = "Georgia"\n', "utf-8")
    assert b"Georgia" in fonts() and b"Verdana" not in fonts()
    own.write_text('font = "Georgia"\ncolour_of_the_sky = "blue"\n', "utf-8")
    with pytest.raises(SelfAssessError, match="unknown settings"):
        fonts()


# --------------------------------------------------------------------------------------------
# Any text, read back by openpyxl


def _one_cell(text: str) -> openpyxl.Workbook:
    """A comment row as findings.xlsx writes it, written and read back by openpyxl."""
    book = Book(title=text[:50], creator="selfassess")
    looks = Looks(book.styles, STYLE)
    sheet = book.sheet("Comments")
    sheet.put(2, 1, 7, looks.number())
    sheet.put(2, 2, text, looks.text())
    sheet.height(2, 30.0)
    sheet.print_setup(repeat_rows="2:2")
    out = io.BytesIO()
    write_package(book, out)
    return openpyxl.load_workbook(out)


@pytest.mark.slow  # a long property test: make test-all and CI
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=200)
    | st.text(alphabet="=+-@#\t\r\n &<>\"' xŵ🙂\x00\x07\x1f\ufffe", max_size=12)
)
def test_any_text_survives_exactly(text: str) -> None:
    cell = _one_cell(text).active["B2"]
    expected = clean_text(text)[0] or None
    assert cell.value == expected
    assert cell.data_type != "f"
    if expected is not None:
        formula_like = expected.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell.quotePrefix == (formula_like or expected in ("#REF!", "#N/A", "#NULL!",
            "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!"))  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE[:-1])
def test_hostile_text_survives_exactly(text: str) -> None:
    """The quick suite's share of the property test above."""
    assert _one_cell(text).active["B2"].value == clean_text(text)[0]


def test_text_no_xml_can_hold_is_refused() -> None:
    """A lone surrogate (only a script can make one) is not written as a broken file."""
    with pytest.raises(ValueError, match="XML compatible"):
        _one_cell("half an emoji \ud83d")


def test_sheet_names_links_and_print_titles_with_quotes_and_welsh() -> None:
    book = Book()
    looks = Looks(book.styles, STYLE)
    names = ["Pobl sy'n defnyddio ŵ", "R&D <x>"]
    for name in names:
        sheet = book.sheet(name)
        sheet.put(1, 1, "x", looks.text())
        sheet.link(1, 1, f"#'{names[0]}'!A1")
        sheet.merge(1, 1, 1, 3)
        sheet.merge(1, 2, 1, 3)  # inside the one before: not added again
        sheet.print_setup(repeat_rows="1:1")
    out = io.BytesIO()
    write_package(book, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == names
    for name in names:
        assert wb[name].print_title_rows == "$1:$1"
        assert [str(r) for r in wb[name].merged_cells.ranges] == ["A1:C1"]
        assert wb[name]["A1"].hyperlink.target == f"#'{names[0]}'!A1"


if __name__ == "__main__":
    # Write the golden file again (after a change to findings.xlsx made on purpose).
    write_hostile_findings(GOLDEN, load_framework())
    print(f"wrote {GOLDEN}")
