"""The Word XML helpers: text as typed, links, bookmarks, fields, repeatable zips."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from pipeline.report.docx import (
    HYPERLINK_REL,
    W_NS,
    Ink,
    Prose,
    Runs,
    add_field,
    clean,
    deterministic_zip,
    draft_watermark,
    drop_empty_runs,
    fill_contents,
    is_linkable,
    join_runs,
    keep_rows_whole,
    mark_fields_dirty,
    preserve_spaces,
    text_run,
)

NS = f'xmlns:w="{W_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def paragraph_of(runs: Runs) -> etree._Element:
    """The runs as they land in a template paragraph ``<w:r><w:t>{{ x }}</w:t></w:r>``."""
    return etree.fromstring(f"<w:p {NS}><w:r><w:t>{runs.__html__()}</w:t></w:r></w:p>")


# ---- Prose ----------------------------------------------------------------------------------


def test_prose_escapes_markup_and_keeps_everything_else() -> None:
    html = Prose("a & b < c > d \"e\" 'f' ŵ 👍 {_{").__html__()
    assert html == "a &amp; b &lt; c &gt; d &#34;e&#34; 'f' ŵ 👍 {&#95;{"
    root = etree.fromstring(f"<w:t {NS}>{html}</w:t>")
    assert root.text == "a & b < c > d \"e\" 'f' ŵ 👍 {_{"


def test_prose_blank_lines_become_paragraph_marks() -> None:
    assert Prose("one\r\ntwo\n\nthree").__html__() == "one\ntwo\athree"


def test_prose_truthiness_and_text() -> None:
    assert not Prose("  \n ")
    assert Prose(" x ")
    assert str(Prose("a\r\nb")) == "a\nb"
    assert Prose("x") == Prose("x")


def test_clean_drops_what_xml_cannot_hold() -> None:
    assert clean("a\x00b\x07c\x0bd\tf\ud800g") == "abcd\tfg"


# ---- runs, links, bookmarks -----------------------------------------------------------------


def test_runs_close_and_reopen_the_placeholder_run() -> None:
    p = paragraph_of(text_run("x & y"))
    texts = ["".join(t.itertext()) for t in p.iter(qn("w:t"))]
    assert "".join(texts) == "x & y"
    assert not Runs()
    assert Runs().__html__() == ""


def test_text_run_breaks_and_tabs() -> None:
    p = paragraph_of(text_run("a\nb\tc"))
    run = p.findall(qn("w:r"))[1]
    assert [etree.QName(c).localname for c in run] == ["t", "br", "t", "tab", "t"]


def test_hyperlink_relates_the_url() -> None:
    doc = Document()
    ink = Ink(doc.part)
    link = ink.hyperlink("Report <2023>", "https://example.org/a?b=1&c=2")
    p = paragraph_of(link)
    h = p.find(qn("w:hyperlink"))
    rel = doc.part.rels[h.get(qn("r:id"))]
    assert rel.reltype == HYPERLINK_REL
    assert rel.is_external and rel.target_ref == "https://example.org/a?b=1&c=2"
    assert "".join(h.itertext()) == "Report <2023>"
    assert h.find(f"{qn('w:r')}/{qn('w:rPr')}/{qn('w:rStyle')}").get(qn("w:val")) == "Hyperlink"


@pytest.mark.parametrize(
    ("url", "linkable"),
    [
        ("https://example.org", True),
        ("http://x.y/z", True),
        ("mailto:a@b.c", True),
        # Addresses that only work inside the council print as text (link-not-shareable).
        ("file:///c:/x.pdf", False),
        ("file:///S:/Adults/Policy.docx", False),
        ("https://intranet/policies/x.pdf", False),
        ("http://192.168.1.10/x.pdf", False),
        (r"\\server\share", False),
        ("C:\\docs\\x.pdf", False),
        ("see the shared drive", False),
        ("https://exa mple.org", False),
        ("", False),
        ("https://user:secret@example.org/doc", False),
        ("http://admin@example.org", False),
        ("HTTPS://u:p@EXAMPLE.org?x=1", False),
        ("https://example.org/people/@team", True),
        ("https://example.org/?mail=a@b.c", True),
    ],
)
def test_is_linkable(url: str, linkable: bool) -> None:
    assert is_linkable(url) is linkable


def test_a_link_that_is_not_a_url_is_plain_text() -> None:
    doc = Document()
    before = len(doc.part.rels)
    runs = Ink(doc.part).hyperlink("Doc", r"\\server\share")
    assert "hyperlink" not in runs.xml
    assert len(doc.part.rels) == before


def test_internal_link_and_bookmark() -> None:
    ink = Ink(Document().part)
    mark = ink.bookmark("ev_EV_001", text_run("EV-001"))
    again = ink.bookmark("ev_EV_001", text_run("EV-001"))
    link = ink.internal_link("EV-001", "ev_EV_001")
    p = paragraph_of(join_runs([mark, again, link], ", "))
    starts = p.findall(qn("w:bookmarkStart"))
    assert [(s.get(qn("w:name")), s.get(qn("w:id"))) for s in starts] == [("ev_EV_001", "1")]
    assert p.find(qn("w:bookmarkEnd")).get(qn("w:id")) == "1"
    assert p.find(qn("w:hyperlink")).get(qn("w:anchor")) == "ev_EV_001"
    assert "".join(p.itertext()) == "EV-001, EV-001, EV-001"


def test_join_runs() -> None:
    assert join_runs([]).xml == ""
    assert str(join_runs([text_run("a"), text_run("b")], " / ")) == "a / b"


def test_draft_watermark_is_well_formed() -> None:
    p = paragraph_of(draft_watermark())
    assert p.find(".//{urn:schemas-microsoft-com:vml}textpath[@string='DRAFT']") is not None


# ---- fields and finishing -------------------------------------------------------------------


def test_add_field_and_mark_dirty() -> None:
    doc = Document()
    p = doc.add_paragraph()
    add_field(p, "PAGE", "1")
    assert [c.get(qn("w:fldCharType")) for c in p._p.iter(qn("w:fldChar"))] == [
        "begin",
        "separate",
        "end",
    ]
    assert p._p.find(f".//{qn('w:instrText')}").text == " PAGE "
    mark_fields_dirty(doc)
    mark_fields_dirty(doc)  # twice: still one updateFields
    settings = doc.settings.element
    updates = settings.findall(qn("w:updateFields"))
    assert len(updates) == 1 and updates[0].get(qn("w:val")) == "true"
    # It sits where the schema wants it: before <w:compat>.
    names = [etree.QName(c).localname for c in settings]
    assert names.index("updateFields") < names.index("compat")


def _contents_field(doc: object, results: list[str]) -> None:
    """A contents field as Word saves it after an update: the field starts in the first
    entry's paragraph and ends in a paragraph of its own."""
    paragraphs = [doc.add_paragraph() for _ in results] + [doc.add_paragraph()]  # type: ignore[attr-defined]
    add_field(paragraphs[0], 'TOC \\o "1-3" \\h', results[0] if results else "")
    first = paragraphs[0]._p
    end = [r for r in first.iter(qn("w:r")) if r.find(qn("w:fldChar")) is not None][-1]
    paragraphs[-1]._p.append(end)
    for p, text in zip(paragraphs[1:], results[1:], strict=False):
        p.add_run(text)


@pytest.mark.parametrize("old", [[], ["Old entry 1", "Old entry 2", "Old entry 3"]])
def test_fill_contents_writes_an_entry_per_heading(old: list[str]) -> None:
    doc = Document()
    doc.add_paragraph("Contents", style="TOC Heading")
    _contents_field(doc, old or ["Right-click to update"])
    doc.add_paragraph("Section A", style="Heading 1")
    doc.add_paragraph("About <us> & more", style="Heading 2")
    doc.add_paragraph("Body text.")
    doc.add_paragraph("A quality statement", style="Heading 3")
    doc.add_paragraph("Not listed", style="Heading 4")
    doc.add_paragraph("", style="Heading 2")  # empty headings are left out
    assert fill_contents(doc) == 3
    body = doc.element.body

    def style(p: object) -> str:
        found = p._p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")  # type: ignore[attr-defined]
        return "" if found is None else str(found.get(qn("w:val")))

    texts = [(style(p), p.text) for p in doc.paragraphs]
    assert texts[:4] == [
        ("TOCHeading", "Contents"),
        ("TOC1", "Section A"),  # Word's built-in "toc 1" style
        ("TOC2", "About <us> & more"),
        ("TOC3", "A quality statement"),
    ]
    assert texts[4] == ("Heading1", "Section A")  # no paragraph left over from the field
    kinds = [c.get(qn("w:fldCharType")) for c in body.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]
    # The field starts in the first entry and ends in the last.
    assert next(doc.paragraphs[1]._p.iter(qn("w:instrText"))).text.strip().startswith("TOC")
    assert next(doc.paragraphs[3]._p.iter(qn("w:fldChar"))).get(qn("w:fldCharType")) == "end"
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))]
    marks = {b.get(qn("w:name")): b.getparent() for b in body.iter(qn("w:bookmarkStart"))}
    assert [doc.paragraphs[i]._p for i in (4, 5, 7)] == [marks[a] for a in anchors]


def test_fill_contents_without_a_contents_field_changes_nothing() -> None:
    doc = Document()
    doc.add_paragraph("Section A", style="Heading 1")
    before = etree.tostring(doc.element)
    assert fill_contents(doc) == 0
    assert etree.tostring(doc.element) == before


def test_keep_rows_whole_marks_every_row_once() -> None:
    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    inner = table.cell(0, 0).add_table(rows=1, cols=1)  # a table in a cell too
    keep_rows_whole(doc)
    keep_rows_whole(doc)
    rows = list(doc.element.body.iter(qn("w:tr")))
    assert len(rows) == 4 and inner._tbl in [r.getparent() for r in rows]
    for row in rows:
        assert row[0].tag == qn("w:trPr")
        assert len(row[0].findall(qn("w:cantSplit"))) == 1


def test_preserve_spaces_marks_text_with_outer_spaces() -> None:
    doc = Document()
    doc.add_paragraph("  indented")
    doc.add_paragraph("plain")
    doc.add_paragraph("two  spaces")
    for t in doc.element.body.iter(qn("w:t")):
        t.attrib.clear()
    preserve_spaces(doc)
    ts = list(doc.element.body.iter(qn("w:t")))
    space = "{http://www.w3.org/XML/1998/namespace}space"
    assert [t.get(space) for t in ts] == ["preserve", None, "preserve"]


def test_drop_empty_runs_keeps_runs_with_content() -> None:
    doc = Document()
    p = doc.add_paragraph("kept")
    p.add_run("")
    p.add_run().add_break()
    drop_empty_runs(doc)
    assert len(p.runs) == 2
    assert p.text == "kept\n"


def test_deterministic_zip_fixes_times_and_order() -> None:
    def make(order: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in order:
                z.writestr(name, name.encode())
        return out.getvalue()

    a = deterministic_zip(make(["word/document.xml", "_rels/.rels", "[Content_Types].xml"]))
    b = deterministic_zip(make(["[Content_Types].xml", "word/document.xml", "_rels/.rels"]))
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert z.namelist() == ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.read("word/document.xml") == b"word/document.xml"
