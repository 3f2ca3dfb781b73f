"""Stage 3 report: rendered from models, read back with python-docx; built from a real workspace
by the real reading and checking."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.text.hyperlink import Hyperlink
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import build_report
from pipeline.errors import SelfAssessError
from pipeline.framework import Framework
from pipeline.model.inputs import Inputs
from pipeline.report.build import TEMPLATE, format_date, register_parts, render_report
from pipeline.report.docx import HYPERLINK_REL
from pipeline.resources import template_path
from pipeline.workspace import Workspace
from tests.factories import (
    VALID,
    entry,
    evidence,
    fill_summary,
    full_inputs,
    overview,
    summary,
    text,
    words,
)
from tests.factories import (
    evidence_library as library,
)

TEMPLATE_PATH = template_path(TEMPLATE)

# Text that must come through exactly: markup characters, quotes, emoji, Welsh, other scripts,
# line breaks, a blank line (a new paragraph), a tab, and docxtpl's own escape sequences.
AWKWARD = (
    "Fish & chips <b>not bold</b> \"quoted\" 'single' — ŵ ŷ Llanfair 👩‍⚕️ 🏥\n"
    "第二行 مرحبا {{ not_a_variable }} {% raw %} {_{ %_}\n\n"
    "A second paragraph\twith a tab."
)


# ---- reading the report back ----------------------------------------------------------------


def read(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def paragraphs(doc: Document) -> list[tuple[str, str]]:
    """(style name, text) of every paragraph in the body, tables included, in order; the
    contents entries (which repeat the headings) are left out: ``contents`` reads them."""
    from docx.text.paragraph import Paragraph

    names = {s.style_id: s.name for s in doc.styles}
    out = []
    for p in doc.element.body.iter(qn("w:p")):
        style = p.pPr.pStyle.val if p.pPr is not None and p.pPr.pStyle is not None else "Normal"
        if not names.get(style, style).startswith("toc "):
            out.append((names.get(style, style), Paragraph(p, doc).text))
    return out


def contents(doc: Document) -> list[tuple[str, str]]:
    """(style name, text) of the contents entries, as the document stores them (no field
    update)."""
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("toc ")]


def body_text(doc: Document) -> str:
    """All paragraphs joined by a blank line, as Prose splits them."""
    return "\n\n".join(t for _, t in paragraphs(doc))


def headings(doc: Document, level: int) -> list[str]:
    return [t for s, t in paragraphs(doc) if s == f"Heading {level}"]


def _links(doc: Document) -> list[Hyperlink]:
    return [Hyperlink(h, doc.part) for h in doc.element.body.iter(qn("w:hyperlink"))]


def hyperlinks(doc: Document) -> list[tuple[str, str]]:
    """(text, target) of every link to a URL in the body."""
    out = []
    for link in _links(doc):
        r_id = link._hyperlink.rId
        if r_id:
            assert doc.part.rels[r_id].reltype == HYPERLINK_REL
            assert doc.part.rels[r_id].is_external
            out.append((link.text, link.address))
    return out


def internal_links(doc: Document) -> list[tuple[str, str]]:
    """(text, bookmark name) of every link within the document (the contents' links to the
    headings left out)."""
    return [
        (link.text, link.fragment)
        for link in _links(doc)
        if not link.address and not link.fragment.startswith("_Toc")
    ]


def bookmarks(doc: Document) -> list[str]:
    """The bookmarks the report's links lead to (not the hidden "_Toc…" ones of the contents)."""
    names = [b.get(qn("w:name")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
    return [n for n in names if not n.startswith("_Toc")]


def header_texts(doc: Document) -> list[str]:
    section = doc.sections[0]
    return [
        "\n".join(p.text for p in part.paragraphs)
        for part in (section.header, section.first_page_header)
    ]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A bare workspace (settings only): rendering reads nothing from disk but the logo."""
    root = tmp_path / "ws"
    (root / "inputs").mkdir(parents=True)
    (root / "selfassess.toml").write_text('council = "Testshire Council"\n', "utf-8")
    return Workspace(root)


@pytest.fixture
def inputs(workspace: Workspace, framework: Framework) -> Inputs:
    return full_inputs(workspace, framework)


@pytest.fixture
def report(framework: Framework, inputs: Inputs) -> Document:
    return read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))


# ---- structure ------------------------------------------------------------------------------


def test_four_sections_in_order(report: Document) -> None:
    assert headings(report, 1) == [
        "Section A: Overview and summary",
        "Section B: Self-assessment against the CQC themes",
        "Section C: Our self-assessment process and sign off",
        "Section D: Our self-assessment library and evidence",
    ]


def test_cover_has_council_title_date_and_version(report: Document) -> None:
    cover = paragraphs(report)[:6]
    assert ("Title", "Adult social care\nself-assessment") in cover
    assert ("Subtitle", "Testshire Council") in cover
    assert ("Normal", "1 March 2024") in cover
    assert ("Normal", "Version 1.0") in cover


def test_nine_quality_statements_in_order_under_their_themes(
    report: Document, framework: Framework
) -> None:
    expected: list[tuple[str, str]] = []
    for theme in framework.themes:
        expected.append(("Heading 2", theme.name))
        expected += [("Heading 3", qs.name) for qs in theme.quality_statements]
    section_b = _between(
        paragraphs(report),
        "Section B: Self-assessment against the CQC themes",
        "Section C: Our self-assessment process and sign off",
    )
    assert [(s, t) for s, t in section_b if s in ("Heading 2", "Heading 3")] == expected
    assert len(headings(report, 3)) == 9


def _between(paras: list[tuple[str, str]], start: str, end: str) -> list[tuple[str, str]]:
    texts = [t for _, t in paras]
    return paras[texts.index(start) + 1 : texts.index(end)]


def test_each_quality_statement_has_its_parts(report: Document, framework: Framework) -> None:
    paras = paragraphs(report)
    qs1 = _between(paras, "Assessing needs", "Supporting people to live healthier lives")
    assert qs1 == [
        ("Quote", framework.quality_statement("QS1").we_statement),
        ("Heading 4", "Introduction and summary"),
        ("Normal", "QS1 ambition: people get the right support."),
        ("Heading 4", "Current performance"),
        ("Heading 5", "Strengths"),
        ("Normal", "1. QS1 strength one."),
        ("Caption", "Evidence: EV-001, EV-002"),
        ("Normal", "2. QS1 strength two."),
        ("Heading 5", "Areas for improvement"),
        ("Normal", "1. QS1 improve one."),
        ("Caption", "Evidence: EV-003"),
        ("Heading 4", "Priorities to maintain and improve"),
        ("Normal", "QS1 priorities."),
        ("Heading 4", "What others say"),
        ("Normal", "QS1 others say."),
    ]


def test_section_a_has_its_four_subsections(report: Document) -> None:
    paras = paragraphs(report)
    section_a = _between(
        paras,
        "Section A: Overview and summary",
        "Section B: Self-assessment against the CQC themes",
    )
    assert section_a == [
        ("Heading 2", "About us"),
        ("Normal", "About us text."),
        ("Heading 2", "Our strategy for adult social care"),
        ("Normal", "Strategy text."),
        ("Heading 2", "Our key strengths"),
        ("Normal", "Key strengths text."),
        ("Heading 2", "Our key risks, issues and challenges"),
        ("Normal", "Key risks text."),
    ]


def test_section_c_has_the_process_and_the_filled_sign_off_rows(report: Document) -> None:
    assert "We ran workshops." in body_text(report)
    table = next(t for t in report.tables if t.rows[0].cells[0].text == "Role")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows == [
        ["Role", "Name", "Date", "Endorsement"],
        ["Chief executive", "Chris Exec", "20 February 2024", "Endorsed."],
    ]


def test_no_sign_off_yet_says_so(framework: Framework, inputs: Inputs) -> None:
    inputs.overview = overview(sign_off=())
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    assert "No sign-off has been recorded yet." in body_text(doc)


# ---- text exactly as typed ------------------------------------------------------------------


def test_every_narrative_appears_verbatim(framework: Framework, inputs: Inputs) -> None:
    inputs.summaries = [
        summary(
            qs.code,
            ambition=text(f"{qs.code} {AWKWARD}"),
            strengths=(entry("Strength 1", f"S {AWKWARD}", "EV-001"),),
            improvements=(entry("Area for improvement 1", f"I {AWKWARD}", "EV-003"),),
            priorities=text(f"P {AWKWARD}"),
            others_say=text(f"O {AWKWARD}"),
        )
        for qs in framework.quality_statements
    ]
    inputs.overview = overview(about_us=text(f"A {AWKWARD}"), process=text(f"C {AWKWARD}"))
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    everything = body_text(doc)
    for qs in framework.quality_statements:
        assert f"{qs.code} {AWKWARD}" in everything
    for prefix in ("1. S", "1. I", "P", "O", "A", "C"):
        assert f"{prefix} {AWKWARD}" in everything
    # A blank line made a new paragraph in the same style; a single line break stayed a break.
    assert ("Normal", "A second paragraph\twith a tab.") in paragraphs(doc)


def test_a_break_in_the_title_or_a_line_in_a_table_stays(
    framework: Framework, inputs: Inputs
) -> None:
    inputs.library = library(evidence(1, title="Two\nlines & <more>", owner="A & B"))
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    assert ("Two\nlines & <more>", "https://example.org/docs/1?a=1&b=2") in hyperlinks(doc)
    assert "A & B" in body_text(doc)


@pytest.mark.slow  # a long property test: make test-all and CI
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    typed=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c"),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s.strip() and not re.search(r"[\x00-\x08\x0e-\x1f\ufffe\uffff]", s))
)
def test_any_text_comes_back_exactly(
    framework: Framework, workspace: Workspace, typed: str
) -> None:
    inputs = full_inputs(workspace, framework)
    inputs.summaries = [summary("QS1", priorities=text(typed))]
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    section = _between(paragraphs(doc), "Priorities to maintain and improve", "What others say")
    assert "\n\n".join(t for _, t in section) == typed


def test_control_characters_are_dropped_not_fatal(framework: Framework, inputs: Inputs) -> None:
    inputs.overview = overview(about_us=text("bell\x07 and null\x00 gone"))
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    assert "bell and null gone" in body_text(doc)


# ---- links ----------------------------------------------------------------------------------


def test_evidence_ids_link_to_their_register_entries(report: Document) -> None:
    links = internal_links(report)
    assert ("EV-001", "ev_EV_001") in links
    assert ("EV-003", "ev_EV_003") in links
    marks = bookmarks(report)
    for _, anchor in links:
        assert anchor in marks
    assert len(marks) == len(set(marks))


def test_unknown_evidence_ids_are_shown_plain(framework: Framework, inputs: Inputs) -> None:
    inputs.summaries = [summary("QS1", strengths=(entry("Strength 1", "Good.", "EV-001, EV-999"),))]
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    assert ("Caption", "Evidence: EV-001, EV-999") in paragraphs(doc)
    assert "EV-999" not in [t for t, _ in internal_links(doc)]


def test_section_d_prints_the_relevant_sections_of_a_document(
    framework: Framework, inputs: Inputs
) -> None:
    where = "Section 3 & appendix B, pages 12–15"
    inputs.library = library(
        evidence(1, ir_items=("IR5",), sections=where), evidence(2, ir_items=("IR2",))
    )
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    paras = paragraphs(doc)
    section_d = paras[
        [t for _, t in paras].index("Section D: Our self-assessment library and evidence") :
    ]
    # Under the document in the IR table, and under its title in the register; once each.
    assert [(s, t) for s, t in section_d if t == where] == [("Caption", where)] * 2
    assert [t for s, t in section_d if s == "Caption"] == [where, where]  # none for EV-002


def test_section_d_links_documents_to_the_register_urls(report: Document, inputs: Inputs) -> None:
    assert inputs.library is not None
    targets = {target for _, target in hyperlinks(report)}
    assert targets == {item.link for item in inputs.library.items}
    assert ("Feedback & complaints <2023>", "https://example.org/docs/2?a=1&b=2") in (
        hyperlinks(report)
    )


def test_section_d_groups_ir_items_as_the_guidance(report: Document, framework: Framework) -> None:
    section_d = _between(
        paragraphs(report),
        "Section D: Our self-assessment library and evidence",
        "Evidence register",
    )
    groups = [t for s, t in section_d if s == "Heading 2"]
    assert groups == ["All themes"] + [theme.name for theme in framework.themes]
    tables = [t for t in report.tables if t.rows[0].cells[0].text == "CQC IR"]
    codes = [row.cells[0].text for t in tables for row in t.rows[1:]]
    assert codes[:5] == ["IR37", "IR38", "IR2", "IR3", "IR4"]  # the guidance's order
    assert sorted(codes, key=lambda c: int(c[2:])) == sorted(
        (ir.code for ir in framework.ir_items), key=lambda c: int(c[2:])
    )


def test_ir_items_show_their_documents_or_a_gap(report: Document) -> None:
    rows = {
        row.cells[0].text: [c.text for c in row.cells]
        for t in report.tables
        if t.rows[0].cells[0].text == "CQC IR"
        for row in t.rows[1:]
    }
    assert rows["IR5"][4] == "EV-001 Document 1"
    assert rows["IR2"][4] == "EV-002 Feedback & complaints <2023>"
    # A gap, worded for the reader of a final report (a draft says "No document yet").
    assert rows["IR7"][4] == "No document provided for this item"
    assert rows["IR5"][2] == "Assessing needs"
    assert rows["IR2"][2] == "All"
    assert rows["IR5"][3] == "Policy and procedures\nPerformance reports"


def test_register_lists_every_document_with_a_bookmark(report: Document) -> None:
    table = next(t for t in report.tables if t.rows[0].cells[0].text == "ID")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in rows] == ["EV-001", "EV-002", "EV-003"]
    assert rows[0] == [
        "EV-001",
        "Document 1",
        "IR5, IR6",
        "Policy and procedures",
        "Policy team",
        "2 November 2023",
        "Yes",
        "Not applicable",
    ]
    assert bookmarks(report) == ["ev_EV_001", "ev_EV_002", "ev_EV_003"]


def test_a_long_register_is_printed_as_several_tables_each_with_its_header(
    framework: Framework, inputs: Inputs
) -> None:
    """One table of thousands of rows is slow for LibreOffice to lay out (issue 17): 600
    documents are three tables of 200, one after the other, every row in order."""
    inputs.library = library(*(evidence(n) for n in range(1, 601)))
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "ID"]
    assert [len(t.rows) for t in tables] == [201, 201, 201]
    for table in tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on pages
    ids = [row.cells[0].text for t in tables for row in t.rows[1:]]
    assert ids == [f"EV-{n:03d}" for n in range(1, 601)]
    assert bookmarks(doc) == [f"ev_EV_{n:03d}" for n in range(1, 601)]
    # A paragraph between two tables keeps them apart (Word joins tables that touch).
    for table in tables[:-1]:
        assert table._tbl.getnext().tag == qn("w:p")
        assert table._tbl.getnext().getnext().tag == qn("w:tbl")


@pytest.mark.parametrize(
    ("documents", "parts"),
    [(0, []), (1, [1]), (250, [250]), (251, [126, 125]), (2600, [237] * 4 + [236] * 7)],
)
def test_register_parts_are_as_even_as_they_can_be(documents: int, parts: list[int]) -> None:
    rows = list(range(documents))
    split = register_parts(rows)  # type: ignore[arg-type]
    assert [len(part) for part in split] == parts
    assert [row for part in split for row in part] == rows


def test_a_link_that_is_not_a_url_is_shown_as_text(framework: Framework, inputs: Inputs) -> None:
    inputs.library = library(evidence(1, link=r"\\server\share\doc.pdf"))
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    assert hyperlinks(doc) == []
    assert "Document 1" in body_text(doc)


def test_a_link_with_credentials_is_shown_as_text(framework: Framework, inputs: Inputs) -> None:
    secret = "https://officer:Secret123@docs.example.org/plan.pdf"
    inputs.library = library(evidence(1, link=secret), evidence(2))
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    targets = [target for _, target in hyperlinks(doc)]
    assert targets and not any("Secret123" in t for t in targets)
    assert not any("Secret123" in rel.target_ref for rel in doc.part.rels.values())


def test_duplicate_ids_get_one_bookmark(framework: Framework, inputs: Inputs) -> None:
    inputs.library = library(evidence(1), evidence(1, title="Again"))
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    assert bookmarks(doc) == ["ev_EV_001"]


# ---- draft, missing parts -------------------------------------------------------------------


def test_draft_marks_every_page_and_the_cover(framework: Framework, inputs: Inputs) -> None:
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    assert all("DRAFT" in h for h in header_texts(doc))
    assert "DRAFT: not for submission" in body_text(doc)
    assert doc.core_properties.content_status == "Draft"


def test_no_draft_marking_without_draft(report: Document) -> None:
    assert not any("DRAFT" in h for h in header_texts(report))
    assert "DRAFT" not in body_text(report)
    headers = [report.sections[0].header, report.sections[0].first_page_header]
    assert not any(h._element.xpath(".//w:pict") for h in headers)


def test_missing_summary_has_a_placeholder(framework: Framework, inputs: Inputs) -> None:
    inputs.summaries = inputs.summaries[1:]
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    qs1 = _between(paragraphs(doc), "Assessing needs", "Supporting people to live healthier lives")
    assert qs1[1:] == [("Normal", "No summary received for this quality statement.")]


def test_renders_with_nothing_read(framework: Framework, workspace: Workspace) -> None:
    doc = read(render_report(framework, Inputs(ws=workspace), draft=True, template=TEMPLATE_PATH))
    assert ("Subtitle", "Testshire Council") in paragraphs(doc)  # from selfassess.toml
    assert "The evidence library is empty." in body_text(doc)


def test_contents_field_is_refreshed_on_open(report: Document) -> None:
    instructions = [i.text for i in report.element.body.iter(qn("w:instrText"))]
    assert any(i.strip().startswith("TOC") for i in instructions)
    assert report.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    footer = report.sections[0].footer._element
    assert "PAGE" in " ".join(i.text for i in footer.iter(qn("w:instrText")))


def test_the_xml_is_well_structured(framework: Framework, inputs: Inputs) -> None:
    """Runs only in paragraphs or links, nothing inside text, bookmarks paired: what Word needs."""
    inputs.overview = overview(about_us=text(AWKWARD))
    doc = read(render_report(framework, inputs, draft=True, template=TEMPLATE_PATH))
    section = doc.sections[0]
    for root in (doc.element, section.header._element, section.first_page_header._element):
        for run in root.iter(qn("w:r")):
            assert run.getparent().tag in (qn("w:p"), qn("w:hyperlink")), run.getparent().tag
        for t in root.iter(qn("w:t")):
            assert len(t) == 0
        for link in root.iter(qn("w:hyperlink")):
            assert link.getparent().tag == qn("w:p")
    starts = [b.get(qn("w:id")) for b in doc.element.body.iter(qn("w:bookmarkStart"))]
    ends = [b.get(qn("w:id")) for b in doc.element.body.iter(qn("w:bookmarkEnd"))]
    assert sorted(starts) == sorted(ends) and len(set(starts)) == len(starts)


# ---- determinism ----------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_files(framework: Framework, inputs: Inputs) -> None:
    first = render_report(framework, inputs, draft=False, template=TEMPLATE_PATH)
    second = render_report(framework, inputs, draft=False, template=TEMPLATE_PATH)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"


def test_document_properties_are_fixed(report: Document) -> None:
    props = report.core_properties
    assert props.created == props.modified
    assert props.created.date() == dt.date(2024, 3, 1)  # the submission date
    assert props.author == "Testshire Council"
    assert props.last_modified_by == "selfassess"


# ---- the template ---------------------------------------------------------------------------


def test_a_misspelt_variable_fails_with_its_name(
    framework: Framework, inputs: Inputs, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.docx"
    doc = Document(str(TEMPLATE_PATH))
    doc.add_paragraph("{{ councl }}")
    doc.save(str(broken))
    with pytest.raises(SelfAssessError, match="councl"):
        render_report(framework, inputs, draft=False, template=broken)


def test_a_link_in_an_r_placeholder_fails_clearly(
    framework: Framework, inputs: Inputs, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.docx"
    doc = Document(str(TEMPLATE_PATH))
    doc.add_paragraph("{{r register[0].title }}")
    doc.save(str(broken))
    with pytest.raises(SelfAssessError, match=r"\{\{r"):
        render_report(framework, inputs, draft=False, template=broken)


def test_a_template_that_is_not_a_docx_fails_clearly(
    framework: Framework, inputs: Inputs, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_text("not a zip")
    with pytest.raises(SelfAssessError, match="cannot be opened"):
        render_report(framework, inputs, draft=False, template=broken)


def test_the_committed_template_is_what_make_template_makes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_template", TEMPLATE_PATH.parent / "make_template.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.make() == TEMPLATE_PATH.read_bytes(), "run templates/docx/make_template.py"


def test_a_council_template_copy_is_used(workspace: Workspace) -> None:
    own = workspace.root / "templates" / TEMPLATE
    own.parent.mkdir(parents=True)
    own.write_bytes(TEMPLATE_PATH.read_bytes())
    assert workspace.template(TEMPLATE) == own


# ---- logo -----------------------------------------------------------------------------------


def png(width: int = 4, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_logo_on_the_cover(framework: Framework, inputs: Inputs, workspace: Workspace) -> None:
    (workspace.inputs / "logo.png").write_bytes(png())
    inputs.overview = overview(logo=text("logo.png"))
    doc = read(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    assert len(doc.inline_shapes) == 1
    # Alternative text for screen readers (Word's Alt Text; the PDF's /Alt).
    (described,) = doc.element.body.iter(qn("wp:docPr"))
    assert described.get("descr") == "Logo of Testshire Council"


@pytest.mark.parametrize("name", ["nowhere.png", "../logo.png", "logo.svg", "broken.png"])
def test_a_logo_that_cannot_be_used_is_left_out(
    framework: Framework, inputs: Inputs, workspace: Workspace, name: str
) -> None:
    # validate warns (invalid-logo: "the report is built without a logo"); the build goes on.
    (workspace.inputs / "broken.png").write_bytes(b"not a picture")
    (workspace.root / "logo.png").write_bytes(png())
    (workspace.inputs / "logo.svg").write_bytes(b"<svg/>")
    inputs.overview = overview(logo=text(name))
    for draft in (False, True):
        doc = read(render_report(framework, inputs, draft=draft, template=TEMPLATE_PATH))
        assert len(doc.inline_shapes) == 0


# ---- build: the real reading and checking of a real workspace --------------------------------


def test_build_writes_the_report(complete: Workspace) -> None:
    result = build_report(complete)
    assert result.docx == complete.report_docx
    assert result.pdf is None
    assert [f.line() for f in result.findings] == []
    everything = body_text(Document(str(complete.report_docx)))
    assert "Section D" in everything
    assert "Strengths-based practice is embedded." in everything  # read from inputs/stage2/


def test_a_pdf_of_an_earlier_build_is_removed(complete: Workspace) -> None:
    complete.outputs.mkdir(parents=True, exist_ok=True)
    complete.report_pdf.write_bytes(b"%PDF-1.4 last week")
    build_report(complete)
    assert not complete.report_pdf.exists()


def test_two_builds_write_byte_identical_files(complete: Workspace) -> None:
    build_report(complete)
    first = complete.report_docx.read_bytes()
    build_report(complete)
    assert complete.report_docx.read_bytes() == first


def test_build_refuses_while_errors_remain(complete: Workspace) -> None:
    too_long = {**VALID, "What is our ambition?": (words(800), "")}
    fill_summary(complete, "QS1.xlsx", "QS1", values=too_long)
    refused = build_report(complete)
    assert (refused.docx, refused.pdf) == (None, None)
    assert [(f.code, f.file) for f in refused.findings.errors] == [
        ("word-limit", "inputs/stage2/QS1.xlsx")
    ]
    assert not complete.report_docx.exists()
    drafted = build_report(complete, draft=True)
    assert drafted.docx == complete.report_docx
    assert "DRAFT" in body_text(Document(str(complete.report_docx)))


def test_an_interrupted_build_leaves_the_previous_report(
    monkeypatch: pytest.MonkeyPatch, complete: Workspace
) -> None:
    build_report(complete)
    before = complete.report_docx.read_bytes()
    real_write_bytes = Path.write_bytes

    def interrupted(self: Path, data: bytes) -> int:
        """Ctrl-C half way through writing the new report to disk (the only thing mocked)."""
        if self.name.startswith(".self-assessment-"):
            real_write_bytes(self, bytes(data)[: len(data) // 2])
            raise KeyboardInterrupt
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_report(complete, draft=True)
    monkeypatch.undo()
    assert complete.report_docx.read_bytes() == before
    assert not [p.name for p in complete.outputs.iterdir() if p.name.startswith(".self-")]


def test_format_date_is_british_and_locale_free() -> None:
    assert format_date(dt.date(2024, 3, 1)) == "1 March 2024"
    assert format_date(None) == ""
