"""An accessible report (issue 11): contents filled in without a field update, tables that keep
their rows and words whole, reader wording, links only where the reader can follow them, and a
tagged PDF (PDF/UA) with its title, language, headings, tables and alt text."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline.framework import Framework
from pipeline.model.inputs import Inputs
from pipeline.report.build import render_report
from pipeline.workspace import Workspace
from tests.conftest import soffice_or_skip
from tests.factories import evidence, evidence_library, full_inputs
from tests.test_report import TEMPLATE_PATH

ROOT = Path(__file__).resolve().parents[1]


def read(data: bytes) -> Any:
    return Document(io.BytesIO(data))


@pytest.fixture
def inputs(workspace: Workspace, framework: Framework) -> Inputs:
    return full_inputs(workspace, framework)


def _text(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


# ---- contents ---------------------------------------------------------------------------------


def test_contents_are_filled_in_without_a_field_update(
    framework: Framework, inputs: Inputs
) -> None:
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    entries = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("toc ")]
    headings = [
        (f"toc {p.style.name[-1]}", p.text)
        for p in doc.paragraphs
        if p.style.name in ("Heading 1", "Heading 2", "Heading 3")
    ]
    assert entries == headings
    assert ("toc 1", "Section A: Overview and summary") in entries
    assert ("toc 3", framework.quality_statements[0].name) in entries
    assert ("toc 2", "Evidence register") in entries
    assert all(text.strip() for _, text in entries)
    assert doc.core_properties.title == "Testshire Council: Adult social care self-assessment"
    assert doc.core_properties.language == "en-GB"
    # Still Word's contents field (so Word can add page numbers), its result the entries.
    body = doc.element.body
    (instruction,) = [i.text for i in body.iter(qn("w:instrText")) if "TOC" in (i.text or "")]
    assert instruction.strip().startswith('TOC \\o "1-3"')
    kinds = [c.get(qn("w:fldCharType")) for c in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    # Each entry leads to a bookmark on its heading.
    marks = {
        b.get(qn("w:name")): _text(b.getparent())
        for b in body.iter(qn("w:bookmarkStart"))
        if b.get(qn("w:name")).startswith("_Toc")
    }
    links = [
        (h.get(qn("w:anchor")), _text(h))
        for p in doc.paragraphs
        if p.style.name.startswith("toc ")
        for h in p._p.iter(qn("w:hyperlink"))
    ]
    assert len(links) == len(entries)
    assert all(marks[anchor] == text for anchor, text in links)


def test_the_contents_of_a_draft_are_filled_in_too(framework: Framework, inputs: Inputs) -> None:
    inputs.summaries = inputs.summaries[:2]  # a draft: most quality statements missing
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    entries = [p.text for p in doc.paragraphs if p.style.name.startswith("toc ")]
    assert entries[0] == "Section A: Overview and summary"
    assert [q.name for q in framework.quality_statements if q.name in entries] == [
        q.name for q in framework.quality_statements
    ]


# ---- Word's accessibility checker -------------------------------------------------------------


def test_tables_repeat_their_header_row_and_never_split_a_row(
    framework: Framework, inputs: Inputs
) -> None:
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    tables = list(doc.element.body.iter(qn("w:tbl")))
    assert len(tables) >= 3  # sign-off, IR items, register
    for table in tables:
        rows = table.findall(qn("w:tr"))
        assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        for row in rows:
            assert row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None, _text(row)


def test_no_empty_paragraphs_make_space(framework: Framework, inputs: Inputs) -> None:
    """Outside tables, every paragraph has text or a picture, or ends a section."""
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    for p in doc.element.body.iterchildren(qn("w:p")):
        if _text(p).strip() or next(p.iter(qn("w:drawing")), None) is not None:
            continue
        assert p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None


def _relative_luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_have_enough_contrast(framework: Framework, inputs: Inputs) -> None:
    """WCAG 2.2 AA: 4.5:1 for the text of every style the report uses, against white, and for
    the table header's white text against its fill."""
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    body = doc.element.body
    used = {s.get(qn("w:val")) for s in body.iter(qn("w:pStyle"), qn("w:rStyle"))}
    styles = {s.get(qn("w:styleId")): s for s in doc.styles.element.iter(qn("w:style"))}
    checked = set()
    for style_id in used:
        while style_id in styles and style_id not in checked:  # the style and its bases
            checked.add(style_id)
            style = styles[style_id]
            for colour in style.iter(qn("w:color")):
                value = colour.get(qn("w:val"))
                if value not in (None, "auto"):
                    assert _contrast(value, "FFFFFF") >= 4.5, (style_id, value)
            based = style.find(qn("w:basedOn"))
            style_id = None if based is None else based.get(qn("w:val"))
    assert {"Heading1", "Heading3", "Caption", "Quote", "Hyperlink"} <= checked
    (table_style,) = {t.get(qn("w:val")) for t in body.iter(qn("w:tblStyle"))}
    (header,) = [
        p
        for p in styles[table_style].findall(qn("w:tblStylePr"))
        if p.get(qn("w:type")) == "firstRow"
    ]
    fill = header.find(f"{qn('w:tcPr')}/{qn('w:shd')}").get(qn("w:fill"))
    assert _contrast("FFFFFF", fill) >= 4.5


# ---- report tables ----------------------------------------------------------------------------


def test_an_ir_item_without_a_document_is_worded_for_the_reader(
    framework: Framework, inputs: Inputs
) -> None:
    def gap(draft: bool) -> str:
        doc = read(render_report(framework, inputs, draft=draft, template=TEMPLATE_PATH))
        rows = {
            row.cells[0].text: row.cells[4].text
            for t in doc.tables
            if t.rows[0].cells[0].text == "CQC IR"
            for row in t.rows[1:]
        }
        return rows["IR7"]

    assert gap(draft=False) == "No document provided for this item"
    assert gap(draft=True) == "No document yet"  # a to-do for the pen holder


def test_links_that_only_work_inside_the_council_are_printed_as_text(
    framework: Framework, inputs: Inputs
) -> None:
    inputs.library = evidence_library(
        evidence(1, link="file:///S:/Adults/Policies/Eligibility.docx", title="Eligibility"),
        evidence(2, link=r"\\council-fs01\asc\Strategy.pdf", title="Strategy"),
        evidence(3, link="https://intranet/asc/plan.pdf", title="Plan"),
        evidence(4, link="https://www.testshire.example/asc/offer.pdf", title="Local offer"),
    )
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    targets = [r.target_ref for r in doc.part.rels.values() if r.is_external]
    assert targets == ["https://www.testshire.example/asc/offer.pdf"]
    register = next(t for t in doc.tables if t.rows[0].cells[0].text == "ID")
    assert [row.cells[1].text for row in register.rows[1:]] == [
        "Eligibility",
        "Strategy",
        "Plan",
        "Local offer",
    ]


# The font LibreOffice lays Arial out in where Arial is not installed (wider than Arial): a
# column wide enough in it is wide enough in Word.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def test_table_columns_hold_their_longest_words_and_dates(
    framework: Framework, inputs: Inputs
) -> None:
    """No word is wider than its column (LibreOffice and Word would break it mid-word) and a
    sign-off date fits on one line, measured in DejaVu Sans at the tables' 9.5 pt."""
    if not (DEJAVU / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu Sans is not installed")
    from PIL import ImageFont

    regular = ImageFont.truetype(str(DEJAVU / "DejaVuSans.ttf"), 950)
    bold = ImageFont.truetype(str(DEJAVU / "DejaVuSans-Bold.ttf"), 950)

    def cm(word: str, font: Any) -> float:
        return float(font.getlength(word)) / 100 / 72 * 2.54

    inputs.library = evidence_library(
        *(
            evidence(n, owner="Commissioning Organisational", document_type="Co-production")
            for n in range(1, 4)
        ),
        evidence(4, ir_items=("IR6",), date=dt.date(2026, 9, 30)),
    )
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    checked = 0
    for table in doc.element.body.iter(qn("w:tbl")):
        margins = table.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}")
        pad = (
            2 * 108
            if margins is None
            else sum(
                int(margins.find(qn(f"w:{side}")).get(qn("w:w"))) for side in ("left", "right")
            )
        )
        for row in table.iter(qn("w:tr")):
            header = row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
            for cell in row.iter(qn("w:tc")):
                width = cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
                room = (int(width.get(qn("w:w"))) - pad) / 1440 * 2.54
                for run in cell.iter(qn("w:r")):
                    font = (
                        bold
                        if header or run.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None
                        else regular
                    )
                    for word in [w for t in run.iter(qn("w:t")) for w in (t.text or "").split()]:
                        checked += 1
                        assert cm(word, font) <= room, (word, round(room, 2))
    assert checked > 100
    sign_off = next(t for t in doc.tables if t.rows[0].cells[0].text == "Role")
    date_column = sign_off.rows[0].cells[2]
    room = (date_column._tc.tcPr.tcW.w - 2 * 108) / 1440 * 2.54
    assert cm("30 September 2026", regular) <= room


# ---- the PDF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council's final report as PDF, built from the committed inputs."""
    soffice_or_skip()
    from pipeline.app import build_report

    root = tmp_path_factory.mktemp("demo-pdf")
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", root / "inputs")
    result = build_report(Workspace(root), pdf=True)
    assert result.pdf is not None, [f.line() for f in result.findings.errors]
    return result.pdf


def _structure(top: Any) -> tuple[Counter[str], list[Any], list[Any]]:
    """The structure elements below ``top``: how many of each type (as written, before role
    mapping), the figures, the tables."""
    import pikepdf

    kinds: Counter[str] = Counter()
    figures: list[Any] = []
    tables: list[Any] = []
    stack = [top]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        kind = node.get("/S")
        if kind is not None:
            kinds[str(kind)] += 1
            if kind == "/Figure":
                figures.append(node)
            elif kind == "/Table":
                tables.append(node)
        if "/K" in node:
            stack.append(node.K)
    return kinds, figures, tables


@pytest.mark.libreoffice
def test_the_demo_pdf_is_tagged_with_title_language_headings_tables_and_alt_text(
    demo_pdf: Path,
) -> None:
    import pikepdf

    with pikepdf.open(demo_pdf) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-GB"
        assert root.ViewerPreferences.DisplayDocTitle is True
        title = "Wealdshire County Council: Adult social care self-assessment"
        assert str(pdf.docinfo["/Title"]) == title
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == title
            assert xmp.get("pdfuaid:part") == "1"  # PDF/UA-1
        kinds, figures, tables = _structure(root.StructTreeRoot)
        for heading in ("/H1", "/H2", "/H3"):
            assert kinds[heading] > 0, heading
        assert kinds["/H1"] == 4  # Sections A to D
        assert kinds["/H3"] == 9  # the quality statements
        assert kinds["/TOC"] == 1 and kinds["/TOCI"] > 20
        assert len(tables) >= 7  # engagement, sign-off, five IR groups, register
        for table in tables:
            assert _structure(table.K)[0]["/TH"] > 0  # the header row is marked as headers
        assert len(figures) == 9  # a Stage 1 chart per quality statement
        for figure in figures:
            assert str(figure.get("/Alt", "")).strip(), figure
