"""The plain-sheet reader (readback's regex path) against lxml, on every kind of workbook.

``open_workbook`` reads a sheet whose rows match one strict pattern with regular expressions
(``_CellReader._plain_sheet``) and any other sheet with lxml; ``fast=False`` reads every sheet
with lxml. Both must give the same workbook: the same sheets in the same order, the same
cells in the same order with the same values, types and formulas, or the same rejection. The
workbooks: the demo inputs, a fresh ``init`` and ``generate``, findings.xlsx, all of those
after a LibreOffice resave, the hostile builders, hand-made edge cases and arbitrary text.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.app import generate_checklists, generate_summaries, init_workspace
from pipeline.xlsx import shared_strings, sheet_reader
from pipeline.xlsx.cells import WorkbookRejected
from pipeline.xlsx.package import MEMO, _tags
from pipeline.xlsx.reader import open_workbook
from tests import hostile
from tests.conftest import COUNCIL, soffice_or_skip
from tests.hostile import sst, styles, worksheet, write_xlsx

REPO = Path(__file__).resolve().parents[1]
DEMO_INPUTS = sorted((REPO / "inputs").rglob("*.xlsx"))


# --------------------------------------------------------------------------------------------
# Reading both ways


def snapshot(path: Path, fast: bool, remembered: bool = False) -> object:
    """All that open_workbook gives, as plain data: sheets and cells in order, value types;
    read afresh, unless ``remembered``, when parts met before are taken from the memo."""
    if not remembered:
        MEMO.clear()
    try:
        wb = open_workbook(path, fast=fast)
    except WorkbookRejected as e:
        return ("rejected", e.code, e.message)
    return (
        [
            (
                name,
                sheet.state,
                sheet.protected,
                [
                    (ref, type(c.value).__name__, c.value, c.formula)
                    for ref, c in sheet.cells.items()
                ],
            )
            for name, sheet in wb.sheets.items()
        ],
        list(wb.custom_properties.items()),
        list(wb.defined_names.items()),
        wb.date1904,
    )


@contextmanager
def plain_sheets_counted() -> Iterator[list[bool | None]]:
    """What each call of the plain-sheet reader did: True, it read the sheet; False, it left
    the sheet to lxml; None, it rejected the workbook. (A spy: it changes nothing. Sheets
    remembered from an earlier read do not reach it: ``snapshot`` forgets them first.)"""
    original = sheet_reader._plain_sheet
    results: list[bool | None] = []

    def spy(part: str, data: bytes, ns: str) -> Any:
        results.append(None)
        plain = original(part, data, ns)
        results[-1] = plain is not None
        return plain

    with mock.patch.object(sheet_reader, "_plain_sheet", spy):
        yield results


def assert_same_both_ways(paths: list[Path], min_plain: int = 1) -> None:
    """Each file reads the same with and without the plain-sheet reader, which reads at least
    ``min_plain`` sheets of them (else the comparison would prove nothing)."""
    assert paths
    different = []
    with plain_sheets_counted() as plain:
        for path in paths:
            fast = snapshot(path, fast=True)
            if fast != snapshot(path, fast=False):
                different.append(path.name)
    assert not different, f"the plain-sheet reader differs from lxml on {different}"
    read = plain.count(True)
    assert read >= min_plain, f"only {read} of {len(plain)} sheets read as plain"


def _first_difference(path: Path) -> str:
    fast, slow = snapshot(path, fast=True), snapshot(path, fast=False)
    return f"{path.name}: plain {str(fast)[:300]} / lxml {str(slow)[:300]}"


# --------------------------------------------------------------------------------------------
# The workbooks


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Blank checklists, summaries, evidence library and overview from init and generate,
    and findings.xlsx as collect writes it."""
    ws = init_workspace(tmp_path_factory.mktemp("generated") / "ws", COUNCIL)
    paths = [ws.evidence_library, ws.overview]
    paths += generate_checklists(ws).written
    paths += generate_summaries(ws).written
    paths.append(_findings(tmp_path_factory.mktemp("findings") / "findings.xlsx"))
    return paths


def _findings(path: Path) -> Path:
    from pipeline.framework import load_framework
    from tests.test_findings_writer import write_hostile_findings

    write_hostile_findings(path, load_framework())
    return path


@pytest.fixture(scope="module")
def resaved(generated: list[Path], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The generated workbooks and a fifth of the demo inputs, resaved by LibreOffice in one
    run (each under a numbered name, as several demo returns share a name)."""
    soffice = soffice_or_skip()
    staging = tmp_path_factory.mktemp("lo-in")
    out = tmp_path_factory.mktemp("lo-out")
    sources = [*generated, *DEMO_INPUTS[::5]]
    staged = []
    for i, src in enumerate(sources):
        staged.append(staging / f"{i:02d}-{src.name}")
        shutil.copyfile(src, staged[-1])
    profile = Path("/tmp") / f"lo-test-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(out),
                *map(str, staged),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    written = [out / path.name for path in staged]
    missing = [path.name for path in written if not path.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return written


# Sheets written by hand: each plain-path feature and the nearest thing that is not plain.
_S = ' xml:space="preserve"'
EDGE_SHEETS = {
    "inline-spaces": f'<row r="1"><c r="A1" t="inlineStr"><is><t{_S}>  both  </t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>no preserve </t></is></c>'
    '<c r="C1" t="inlineStr"><is><t> </t></is></c>'
    '<c r="D1" t="inlineStr"><is><t></t></is></c>'
    f'<c r="E1" t="inlineStr"><is><t{_S}>tab\t</t></is></c></row>',
    "references": '<row r="1"><c r="A1" t="inlineStr"><is><t>a&amp;b &lt;c&gt; &quot;&apos;'
    "</t></is></c>"
    '<c r="B1" t="inlineStr"><is><t>line&#10;two&#13;three&#x9;four&#x1F600;</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>_x000D_ and _x005F_x0041_ and _x0041_</t></is></c></row>',
    "raw-cr": '<row r="1"><c r="A1" t="inlineStr"><is><t>a\rb\r\nc</t></is></c></row>',
    "forbidden-ref": '<row r="1"><c r="A1" t="inlineStr"><is><t>bad &#1; ref</t></is></c></row>',
    "values": '<row r="1" spans="1:9" ht="30" customHeight="1"><c r="A1"><v>42</v></c>'
    '<c r="B1" t="n"><v>-1.5E-3</v></c><c r="C1" t="b"><v>1</v></c><c r="D1" t="b"><v>0</v></c>'
    '<c r="E1" t="e"><v>#REF!</v></c><c r="F1" t="str"><v> str value </v></c>'
    '<c r="G1" t="s"><v>0</v></c><c r="H1" t="s"><v>1</v></c><c r="I1" s="1"><v>45000.5</v></c>'
    '<c r="J1" s="2"><v>45000</v></c><c r="K1" t="d"><v>2026-03-05</v></c>'
    '<c r="L1"><v>007</v></c><c r="M1"><v>1e5</v></c></row><row r="2"/>',
    "formulas": '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'
    '<c r="B1" t="str"><f>"a"&amp;" b "</f><v>a b </v></c>'
    '<c r="C1" t="b"><f aca="false">TRUE()</f><v>1</v></c>'
    '<c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E1"><f>SUM(A1:A1)</f></c>'
    '<c r="F1" t="s"><f>X</f><v>0</v></c></row>'
    '<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">A1+1</f><v>3</v></c>'
    '<c r="B2"><f t="array" ref="B2">A1*2</f><v>4</v></c></row>'
    '<row r="3"><c r="A3"><f t="shared" si="0"/><v>4</v></c></row>',
    "styled-empties": '<row r="1"><c r="A1" s="0"/><c r="B1" s="0"></c><c r="C1" t="s"/>'
    '<c r="D1" t="n"><v></v></c><c r="E1" t="inlineStr"/><c r="F1"><v>1</v></c></row>',
    "x14ac-declared": (
        '<row r="1" spans="1:2" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>'
    ),
    "odd-refs": '<row r="1"><c r="$A$1"><v>1</v></c><c r="b1"><v>2</v></c>'
    '<c r="C01"><v>3</v></c></row><row r="2"><c t="inlineStr"><is><t>no ref</t></is></c></row>',
    "out-of-order": '<row r="3"><c r="C3"><v>3</v></c><c r="A3"><v>1</v></c></row>'
    '<row r="1"><c r="B1"><v>2</v></c></row>',
    "rich-inline": '<row r="1"><c r="A1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch </t></r>'
    "</is></c></row>",
    "cdata": '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b> & ]]></t></is></c></row>',
    "comment": '<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>',
    "space-attr": '<row r="1" ><c r="A1" ><v>1</v></c><c  r="B1"><v>2</v></c></row>',
    "bad-number": '<row r="1"><c r="A1"><v>twelve</v></c></row>',
    "missing-shared": '<row r="1"><c r="A1" t="s"><v>9</v></c></row>',
    "huge-row": '<row r="1048577"><c r="A1048577"><v>1</v></c></row>',
}
X14AC = (
    '<worksheet xmlns="{ns}" xmlns:x14ac="http://schemas.microsoft.com/office/'
    'spreadsheetml/2009/9/ac"><sheetData>{rows}</sheetData></worksheet>'
)


def _edge_workbooks(folder: Path) -> list[Path]:
    paths = []
    for name, rows in EDGE_SHEETS.items():
        sheet = worksheet(rows, '<sheetProtection sheet="1"/>' if name == "values" else "")
        if name == "x14ac-declared":
            sheet = X14AC.format(ns=hostile.MAIN_NS, rows=rows)
        paths.append(
            write_xlsx(
                folder / f"{name}.xlsx",
                {name[:31]: sheet, "Second": worksheet(rows)},
                shared_strings=sst(" shared ", "x_x000D_y"),
                styles_xml=styles({164: "dd/mm/yyyy hh:mm"}, (0, 164, 14)),
            )
        )
    # An x14ac attribute without its namespace declared: not well-formed, both reject it.
    paths.append(
        write_xlsx(
            folder / "x14ac-undeclared.xlsx", {"S": worksheet(EDGE_SHEETS["x14ac-declared"])}
        )
    )
    return paths


# --------------------------------------------------------------------------------------------
# The comparisons


def test_demo_inputs_read_the_same_both_ways() -> None:
    assert len(DEMO_INPUTS) > 50  # stage 1 returns, stage 2 summaries, library, overview
    assert_same_both_ways(DEMO_INPUTS, min_plain=2 * len(DEMO_INPUTS))


def test_generated_workbooks_read_the_same_both_ways(generated: list[Path]) -> None:
    assert_same_both_ways(generated, min_plain=len(generated))


@pytest.mark.libreoffice
def test_libreoffice_resaves_read_the_same_both_ways(resaved: list[Path]) -> None:
    assert_same_both_ways(resaved, min_plain=len(resaved))
    # LibreOffice writes a shared-string table: each is read without lxml.
    tags = _tags(hostile.MAIN_NS)
    for path in resaved:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("xl/sharedStrings.xml")
        assert shared_strings._plain_shared_strings("sst", data, tags) is not None, path.name


def test_hostile_builders_read_or_fail_the_same_both_ways(tmp_path: Path) -> None:
    paths = [build(tmp_path / f"{name}.xlsx") for name, build in hostile.HOSTILE_BUILDERS.items()]
    # None of them is a readable workbook; the plain-sheet reader meets some of them.
    assert_same_both_ways(paths, min_plain=0)
    with plain_sheets_counted() as plain:
        for path in paths:
            snapshot(path, fast=True)
    assert len(plain) >= 4


def test_edge_cases_read_the_same_both_ways(tmp_path: Path) -> None:
    paths = _edge_workbooks(tmp_path)
    for path in paths:
        assert snapshot(path, True) == snapshot(path, False), _first_difference(path)
    assert_same_both_ways(paths, min_plain=10)


# Shared-string tables written by hand: plain ones (read without lxml) and the nearest things
# that are not plain (left to lxml, or refused by both).
_SST_HEAD = f'{hostile.DECL}<sst xmlns="{hostile.MAIN_NS}" count="3" uniqueCount="3">'
EDGE_SSTS = {
    "plain": sst("a", " b ", "", "x_x000D_y", "a&b<c>'\"", "😀 Cymraeg ŵ", "line\nbreak"),
    "no-preserve": f"{_SST_HEAD}<si><t>plain</t></si><si><t></t></si><si><t> x</t></si></sst>",
    "references": f"{_SST_HEAD}<si><t>&#65;&#x42;&amp;&quot;&#10;&#x1F600;</t></si></sst>",
    "forbidden-ref": f"{_SST_HEAD}<si><t>bad &#1; ref</t></si></sst>",
    "cdata": f"{_SST_HEAD}<si><t><![CDATA[<b> & ]]></t></si></sst>",
    "rich": f"{_SST_HEAD}<si><r><rPr><b/></rPr><t>ri</t></r><r><t>ch</t></r></si></sst>",
    "phonetic": f'{_SST_HEAD}<si><t>漢</t><rPh sb="0" eb="1"><t>かん</t></rPh></si></sst>',
    "raw-cr": f"{_SST_HEAD}<si><t>a\rb\r\nc</t></si></sst>",
    "empty-t": f"{_SST_HEAD}<si><t/></si><si><t>b</t></si></sst>",
    "spaces-between": f"{_SST_HEAD}<si><t>a</t></si>\n<si><t>b</t></si>\n</sst>\n",
    "end-of-cdata": f"{_SST_HEAD}<si><t>a]]>b</t></si></sst>",
    "comment": f"{_SST_HEAD}<si><t>a</t></si><!-- c --><si><t>b</t></si></sst>",
    "comment-after": f"{_SST_HEAD}<si><t>a</t></si></sst><!-- c -->",
    "junk-after": f"{_SST_HEAD}<si><t>a</t></si></sst><junk/>",
    "gt-in-attribute": f'{hostile.DECL}<sst xmlns="{hostile.MAIN_NS}" x="a>b"><si><t>a</t></si>'
    "</sst>",
    "prefixed": f'{hostile.DECL}<x:sst xmlns:x="{hostile.MAIN_NS}"><x:si><x:t>a</x:t></x:si>'
    "</x:sst>",
    "other-namespace": '<sst xmlns="urn:other"><si><t>a</t></si></sst>',
    "no-namespace": "<sst><si><t>a</t></si></sst>",
    "self-closing": f'<sst xmlns="{hostile.MAIN_NS}"/>',
    "unclosed": f"{_SST_HEAD}<si><t>a</t></si>",
    "doctype": f'<!DOCTYPE sst [<!ENTITY e "x">]><sst xmlns="{hostile.MAIN_NS}"><si><t>&e;</t>'
    "</si></sst>",
    "latin-1": f'<?xml version="1.0" encoding="ISO-8859-1"?><sst xmlns="{hostile.MAIN_NS}">'
    "<si><t>caf\u00e9</t></si></sst>",
    "si-attribute": f'{_SST_HEAD}<si x="1"><t>a</t></si></sst>',
    "bare-ampersand": f"{_SST_HEAD}<si><t>R&D and a & b</t></si></sst>",
    "unknown-entity": f"{_SST_HEAD}<si><t>a&nbsp;b</t></si></sst>",
    "markup-in-text": f"{_SST_HEAD}<si><t>a<b/>c</t></si></sst>",
    "greater-than": f"{_SST_HEAD}<si><t>a > b -> c</t></si><si><t>d</t></si></sst>\r\n",
    "not-a-character": f"{_SST_HEAD}<si><t>a\ufffeb</t></si></sst>",
    "control": f"{_SST_HEAD}<si><t>a\x01b</t></si></sst>",
    "byte-order-mark": f"\ufeff{_SST_HEAD}<si><t>a</t></si></sst>",
    "other-head": f'<sst xmlns="{hostile.MAIN_NS}" xmlns:x="urn:x"><si><t>a</t></si></sst>',
    "empty": f"{_SST_HEAD}</sst>",
    "rich-libreoffice": f'{_SST_HEAD}<si><t xml:space="preserve">plain</t></si><si><r><rPr>'
    '<b val="true"/><sz val="11"/><color rgb="FF1F3864"/><rFont val="Arial"/></rPr>'
    '<t xml:space="preserve">Heading&#10;</t></r><r><rPr><sz val="11"/></rPr>'
    '<t xml:space="preserve">R&amp;D &lt;team&gt; _x0041_</t></r></si><si><t>last</t></si></sst>',
    "rich-escape-across-runs": f"{_SST_HEAD}<si><r><t>_x00</t></r><r><t>41_</t></r></si></sst>",
    "rich-two-attributes": f'{_SST_HEAD}<si><r><rPr><color theme="1" tint="0.5"/></rPr><t>a</t>'
    "</r></si></sst>",
    "rich-and-phonetic": f'{_SST_HEAD}<si><r><t>漢</t></r><rPh sb="0" eb="1"><t>かん</t></rPh>'
    "</si></sst>",
    "rich-empty-properties": f"{_SST_HEAD}<si><r><rPr/><t>a</t></r></si></sst>",
    "rich-prefixed-property": f"{_SST_HEAD}<si><r><rPr><x:b/></rPr><t>a</t></r></si></sst>",
    "rich-two-texts": f"{_SST_HEAD}<si><r><t>a</t><t>b</t></r></si></sst>",
    "rich-bare-ampersand": f"{_SST_HEAD}<si><r><t>R&D</t></r></si></sst>",
    "rich-no-text": f"{_SST_HEAD}<si><r><rPr><b/></rPr></r></si></sst>",
    "rich-quote-in-attribute": f'{_SST_HEAD}<si><r><rPr><rFont val="a"b"/></rPr><t>a</t></r>'
    "</si></sst>",
}


def _sst_workbooks(folder: Path) -> list[Path]:
    paths = []
    for name, table in EDGE_SSTS.items():
        items = table.count("<si") + table.count("<x:si")  # a cell for each
        cells = "".join(
            f'<c r="{col}1" t="s"><v>{i}</v></c>' for i, col in enumerate("ABCDEFG"[:items])
        )
        parts = hostile.workbook_parts(
            {"S": worksheet(f'<row r="1">{cells}</row>')}, shared_strings=""
        )
        parts["xl/sharedStrings.xml"] = table.encode("latin-1" if name == "latin-1" else "utf-8")
        paths.append(hostile.write_zip(folder / f"sst-{name}.xlsx", parts))
    return paths


def test_shared_strings_read_the_same_both_ways(tmp_path: Path) -> None:
    """Each table reads as lxml reads it (or is refused as lxml refuses it); the plain ones
    without lxml."""
    paths = _sst_workbooks(tmp_path)
    for path in paths:
        assert snapshot(path, True) == snapshot(path, False), _first_difference(path)
    plain = []
    tags = _tags(hostile.MAIN_NS)
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("xl/sharedStrings.xml")
        with contextlib.suppress(WorkbookRejected):  # a DTD: refused before anything
            if shared_strings._plain_shared_strings("sst", data, tags) is not None:
                plain.append(path.name)
    assert sorted(plain) == sorted(
        f"sst-{name}.xlsx"
        for name in (
            "byte-order-mark",
            "empty",
            "greater-than",
            "no-preserve",
            "other-head",
            "plain",
            "references",
            "rich",
            "rich-escape-across-runs",
            "rich-libreoffice",
        )
    )


_XML_CHARS = st.characters(blacklist_categories=("Cs",))
_SPACES = st.text(alphabet=" \t\n\r", min_size=1, max_size=3)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(_XML_CHARS)
    | st.text(alphabet=" \t\r\n&<>\"';=_x0D#", max_size=12)
    | st.tuples(_SPACES, st.text(_XML_CHARS), _SPACES).map("".join),
    where=st.sampled_from(["inline", "preserve", "str", "formula", "shared"]),
)
@example(text=" edge spaces ", where="inline")
@example(text=" edge spaces ", where="preserve")
@example(text=" edge spaces ", where="str")
@example(text="cr\rlf\r\n", where="preserve")
def test_any_text_reads_the_same_both_ways(text: str, where: str, tmp_path: Path) -> None:
    t = escape(text)
    rows = {
        "inline": f'<c r="A1" t="inlineStr"><is><t>{t}</t></is></c>',
        "preserve": f'<c r="A1" t="inlineStr"><is><t{_S}>{t}</t></is></c>',
        "str": f'<c r="A1" t="str"><v>{t}</v></c>',
        "formula": f'<c r="A1" t="str"><f>{t}</f><v>{t}</v></c>',
        "shared": '<c r="A1" t="s"><v>0</v></c>',
    }
    path = write_xlsx(
        tmp_path / "t.xlsx",
        {"S": worksheet(f'<row r="1">{rows[where]}<c r="B1"><v>1</v></c></row>')},
        shared_strings=sst(text),
    )
    assert snapshot(path, True) == snapshot(path, False)


def test_the_switch_is_honest(tmp_path: Path) -> None:
    """fast=False never calls the plain-sheet reader; fast=True does."""
    path = write_xlsx(tmp_path / "p.xlsx")
    MEMO.clear()
    with plain_sheets_counted() as plain:
        open_workbook(path, fast=False)
    assert plain == []
    with plain_sheets_counted() as plain:
        open_workbook(path)
    assert plain == [True]


def test_parts_met_before_read_the_same_from_the_memo() -> None:
    """Each demo input read again, its repeated parts (sheets, styles, relationships...) taken
    from the memo rather than unpacked and parsed, reads as it did afresh."""
    paths = DEMO_INPUTS[:20]  # few enough for the memo to keep all their parts
    afresh = [snapshot(path, fast=True) for path in paths]
    for path in paths:
        snapshot(path, fast=True, remembered=True)  # every part now remembered
    with plain_sheets_counted() as plain:
        again = [snapshot(path, fast=True, remembered=True) for path in paths]
    assert plain == []  # not one sheet was read afresh
    assert again == afresh
