"""Make ``self-assessment.docx``, the Word template of the Stage 3 report, with python-docx.

    .venv/bin/python templates/docx/make_template.py

The committed ``.docx`` is what a council restyles in Word; this script is how it was first made,
so that its making can be reviewed and redone. Every look is a Word style (Title, Subtitle,
Heading 1-5, Quote, TOC 1-3, Header, Footer, Hyperlink, and the table style "Light List
Accent 1"), so that restyling in Word needs no code. The placeholders are docxtpl (Jinja) tags;
``README.md`` beside this file lists the variables.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.report.docx import TOC_INSTRUCTION, add_field, deterministic_zip

OUT = Path(__file__).resolve().parent / "self-assessment.docx"

FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)
BLUE = RGBColor(0x2E, 0x74, 0xB5)
GREY = RGBColor(0x59, 0x59, 0x59)
RED = RGBColor(0xC0, 0x00, 0x00)
TABLE_STYLE = "Light List Accent 1"
CONTENT_WIDTH = Cm(16)  # A4 (21 cm) less two 2.5 cm margins


def _fonts(rpr: object, font: str = FONT) -> None:
    """Set every script's font on a run-properties element, dropping theme fonts (which would
    win over the named font in Word)."""
    rfonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)  # type: ignore[attr-defined]
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), font)


def _defaults(doc: WordDocument) -> None:
    """Arial 11 pt, British English, for everything unless a style says otherwise."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr)
    size = rpr.find(qn("w:sz"))
    if size is None:
        size = OxmlElement("w:sz")
        lang_el = rpr.find(qn("w:lang"))
        lang_el.addprevious(size)
    size.set(qn("w:val"), "22")
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    # The language Word assumes for theme fonts, British English too (python-docx: en-US).
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), "en-GB")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "264")


def _paragraph_style(
    doc: WordDocument,
    name: str,
    *,
    size: float,
    bold: bool = False,
    italic: bool = False,
    color: RGBColor | None = None,
    before: float | None = None,
    after: float | None = None,
    page_break_before: bool = False,
    keep_with_next: bool | None = None,
    base: str | None = None,
) -> None:
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base or "Normal"]
        style.next_paragraph_style = styles["Normal"]
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    if color is not None:
        font.color.rgb = color
    _fonts(style.element.get_or_add_rPr())
    fmt = style.paragraph_format
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    fmt.page_break_before = page_break_before or None
    if keep_with_next is not None:
        fmt.keep_with_next = keep_with_next


def _styles(doc: WordDocument) -> None:
    _defaults(doc)
    # Normal takes its size (11 pt) from the document defaults rather than stating it: a size
    # stated in Normal would win over the table style's 9.5 pt in LibreOffice (and in Word's
    # reading of the precedence rules), and tables would print at 11 pt in columns sized for
    # 9.5 pt (dates on two lines, words broken mid-word).
    _paragraph_style(doc, "Normal", size=11)
    doc.styles["Normal"].font.size = None
    _paragraph_style(doc, "Title", size=32, bold=True, color=NAVY, before=96, after=12)
    # The default Title style draws a rule under the title; a plain title restyles more easily.
    title_ppr = doc.styles["Title"].element.find(qn("w:pPr"))
    if title_ppr is not None and title_ppr.find(qn("w:pBdr")) is not None:
        title_ppr.remove(title_ppr.find(qn("w:pBdr")))
    _paragraph_style(doc, "Subtitle", size=20, color=BLUE, after=36)
    _paragraph_style(
        doc, "Heading 1", size=20, bold=True, color=NAVY, before=0, after=12, page_break_before=True
    )
    _paragraph_style(doc, "Heading 2", size=16, bold=True, color=NAVY, before=18, after=6)
    _paragraph_style(doc, "Heading 3", size=13, bold=True, color=BLUE, before=16, after=6)
    _paragraph_style(doc, "Heading 4", size=12, bold=True, color=NAVY, before=12, after=4)
    _paragraph_style(doc, "Heading 5", size=11, bold=True, color=GREY, before=8, after=4)
    for level in range(1, 6):
        # Headings keep their own colour, not the theme's.
        rpr = doc.styles[f"Heading {level}"].element.get_or_add_rPr()
        color = rpr.find(qn("w:color"))
        if color is not None:
            for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
                color.attrib.pop(qn(attr), None)
    _paragraph_style(doc, "Quote", size=11, italic=True, color=NAVY, before=6, after=12)
    quote = doc.styles["Quote"].paragraph_format
    quote.left_indent = Cm(0.6)
    _left_rule(doc.styles["Quote"].element, "2E74B5")
    _paragraph_style(
        doc, "TOC Heading", size=20, bold=True, color=NAVY, before=0, after=12, base="Heading 1"
    )
    toc_heading = doc.styles["TOC Heading"]
    toc_heading.paragraph_format.page_break_before = False
    toc_heading.hidden = False  # shown in Word's style gallery (it is "outline level 9":
    toc_heading.unhide_when_used = False  # the contents never list their own heading)
    for level, (indent, bold) in enumerate([(0.0, True), (0.6, False), (1.2, False)], start=1):
        # Word's built-in "toc N" styles, which its contents use when it updates them.
        style = doc.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        _builtin(style.element, f"TOC{level}")
        style.base_style = doc.styles["Normal"]
        style.next_paragraph_style = doc.styles["Normal"]
        _paragraph_style(doc, f"toc {level}", size=11, bold=bold, before=6 if bold else 0, after=2)
        fmt = style.paragraph_format
        fmt.left_indent = Cm(indent)
        fmt.tab_stops.add_tab_stop(CONTENT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    _paragraph_style(doc, "Header", size=9, color=GREY, after=0)
    _paragraph_style(doc, "Footer", size=9, color=GREY, after=0)
    _paragraph_style(doc, "Caption", size=9, italic=True, color=GREY, after=6)
    if "Hyperlink" not in [s.name for s in doc.styles]:
        link = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.base_style = doc.styles["Default Paragraph Font"]
        link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        link.font.underline = True
        _builtin(link.element, "Hyperlink")
    # Table text a little smaller than body text.
    table = doc.styles[TABLE_STYLE]
    table.font.size = Pt(9.5)
    _header_fill(table.element, "2E74B5")


def _header_fill(style_element: object, fill: str) -> None:
    """The table style's header row filled with ``fill``: white bold 9.5 pt text on the style's
    own accent colour (4F81BD) has a contrast of 4.0:1, under the 4.5:1 that WCAG 2.2 AA asks
    for; on 2E74B5 it has 4.9:1."""
    for part in style_element.findall(qn("w:tblStylePr")):  # type: ignore[attr-defined]
        if part.get(qn("w:type")) != "firstRow":
            continue
        for shd in part.iter(qn("w:shd")):
            shd.set(qn("w:fill"), fill)
            for attr in ("w:themeFill", "w:themeFillShade", "w:themeFillTint"):
                shd.attrib.pop(qn(attr), None)


def _builtin(element: object, style_id: str) -> None:
    """Mark a style python-docx added as Word's own built-in style of that name."""
    element.set(qn("w:styleId"), style_id)  # type: ignore[attr-defined]
    element.attrib.pop(qn("w:customStyle"), None)  # type: ignore[attr-defined]


# What may follow <w:pBdr> in a paragraph's properties (Word refuses files out of this order).
_AFTER_PBDR = (
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)


def _left_rule(style_element: object, color: str) -> None:
    """A coloured rule down the left of a paragraph style (the quote's bar)."""
    ppr = style_element.get_or_add_pPr()  # type: ignore[attr-defined]
    border = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "8"), ("color", color)):
        left.set(qn(f"w:{key}"), value)
    border.append(left)
    for child in ppr:
        if child.tag.rsplit("}", 1)[-1] in _AFTER_PBDR:
            child.addprevious(border)
            return
    ppr.append(border)


def _page(doc: WordDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.2)
    section.different_first_page_header_footer = True

    # Cover page: only the DRAFT marking, no page number.
    first = section.first_page_header.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _red(first.add_run("{% if draft %}DRAFT{% endif %}"))
    section.first_page_footer.paragraphs[0].text = ""

    header = section.header.paragraphs[0]
    _red(header.add_run("{% if draft %}DRAFT   {% endif %}"))
    header.add_run("{{ council }}: adult social care self-assessment")
    # The DRAFT watermark (empty unless --draft): a pale diagonal word on every page.
    header.add_run("{{ draft_watermark }}")

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    add_field(footer, "PAGE", "1")
    footer.add_run(" of ")
    add_field(footer, "NUMPAGES", "1")


def _red(run: object) -> None:
    run.bold = True  # type: ignore[attr-defined]
    run.font.color.rgb = RED  # type: ignore[attr-defined]


def _tag(doc: WordDocument, tag: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag (``{%p ... %}``): it disappears."""
    doc.add_paragraph(tag)


def _cover(doc: WordDocument) -> None:
    _tag(doc, "{%p if logo %}")
    doc.add_paragraph("{{ logo }}")
    _tag(doc, "{%p endif %}")
    title = doc.add_paragraph(style="Title")
    title.add_run("Adult social care")
    title.add_run().add_break()
    title.add_run("self-assessment")
    doc.add_paragraph("{{ council }}", style="Subtitle")
    doc.add_paragraph("{{ date }}")
    doc.add_paragraph("{{ version }}")
    _tag(doc, "{%p if draft %}")
    draft = doc.add_paragraph()
    draft.paragraph_format.space_before = Pt(48)
    run = draft.add_run("DRAFT: not for submission")
    run.font.size = Pt(28)
    _red(run)
    _tag(doc, "{%p endif %}")


def _contents(doc: WordDocument) -> None:
    # A new page without an empty paragraph to hold the break (accessibility checkers flag
    # those).
    doc.add_paragraph("Contents", style="TOC Heading").paragraph_format.page_break_before = True
    toc = doc.add_paragraph()
    add_field(
        toc,
        TOC_INSTRUCTION,
        "selfassess build writes the contents here (the headings; Word adds the page "
        "numbers when it updates fields).",
    )


def _section_a(doc: WordDocument) -> None:
    doc.add_paragraph("Section A: Overview and summary", style="Heading 1")
    for heading, variable in (
        ("About us", "about_us"),
        ("Our strategy for adult social care", "our_strategy"),
        ("Our key strengths", "our_key_strengths"),
        ("Our key risks, issues and challenges", "our_key_risks"),
    ):
        doc.add_paragraph(heading, style="Heading 2")
        doc.add_paragraph("{{ " + variable + " }}")


def _entries(doc: WordDocument, collection: str) -> None:
    _tag(doc, "{%p for entry in " + collection + " %}")
    p = doc.add_paragraph()
    p.add_run("{{ entry.number }}. ").bold = True
    p.add_run("{{ entry.text }}")
    _tag(doc, "{%p if entry.evidence %}")
    evidence = doc.add_paragraph(style="Caption")
    evidence.paragraph_format.left_indent = Cm(0.6)
    evidence.add_run("Evidence: {{ entry.evidence }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")


def _section_b(doc: WordDocument) -> None:
    doc.add_paragraph("Section B: Self-assessment against the CQC themes", style="Heading 1")
    _tag(doc, "{%p for theme in themes %}")
    doc.add_paragraph("{{ theme.name }}", style="Heading 2")
    _tag(doc, "{%p for qs in theme.quality_statements %}")
    doc.add_paragraph("{{ qs.name }}", style="Heading 3")
    doc.add_paragraph("{{ qs.we_statement }}", style="Quote")
    _tag(doc, "{%p if qs.summary %}")
    doc.add_paragraph("Introduction and summary", style="Heading 4")
    doc.add_paragraph("{{ qs.summary.ambition }}")
    doc.add_paragraph("Current performance", style="Heading 4")
    # Stage 1: the rating chart (a picture with alt text) and its one-line summary.
    _tag(doc, "{%p if qs.stage1 %}")
    _tag(doc, "{%p if qs.stage1.chart %}")
    doc.add_paragraph("{{ qs.stage1.chart }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if qs.stage1.summary %}")
    doc.add_paragraph("Stage 1 checklists: {{ qs.stage1.summary }}", style="Caption")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endif %}")
    doc.add_paragraph("Strengths", style="Heading 5")
    _entries(doc, "qs.summary.strengths")
    doc.add_paragraph("Areas for improvement", style="Heading 5")
    _entries(doc, "qs.summary.improvements")
    _tag(doc, "{%p if qs.summary.priorities %}")
    doc.add_paragraph("Priorities to maintain and improve", style="Heading 4")
    doc.add_paragraph("{{ qs.summary.priorities }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if qs.summary.others_say or qs.summary.pictures %}")
    doc.add_paragraph("What others say", style="Heading 4")
    _tag(doc, "{%p if qs.summary.others_say %}")
    doc.add_paragraph("{{ qs.summary.others_say }}")
    _tag(doc, "{%p endif %}")
    # Pictures the lead officer pasted into the "What others say" area, with their alt text.
    _tag(doc, "{%p for picture in qs.summary.pictures %}")
    doc.add_paragraph("{{ picture }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p else %}")
    missing = doc.add_paragraph()
    missing.add_run("No summary received for this quality statement.").italic = True
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")


def _table(
    doc: WordDocument, headers: list[str], cells: list[str], widths: list[float], loop: str
) -> None:
    """A table with a repeating header row and one template row inside a ``{%tr for %}``."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    # Header row and banded rows only; no bold first column.
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        table._tbl.tblPr.append(look)
    for attr, value in (
        ("w:val", "0420"),
        ("w:firstRow", "1"),
        ("w:lastRow", "0"),
        ("w:firstColumn", "0"),
        ("w:lastColumn", "0"),
        ("w:noHBand", "0"),
        ("w:noVBand", "1"),
    ):
        look.set(qn(attr), value)
    for i, width in enumerate(widths):
        table.columns[i].width = Cm(width)
        for row in table.rows:
            row.cells[i].width = Cm(width)
    header = table.rows[0]
    header_trpr = header._tr.get_or_add_trPr()
    header_trpr.append(OxmlElement("w:cantSplit"))
    repeat = OxmlElement("w:tblHeader")  # repeated on every page the table runs over
    header_trpr.append(repeat)
    # A row stays on one page (Word splits one only when it is taller than a page).
    table.rows[2]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell, text in zip(header.cells, headers, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _section_c(doc: WordDocument) -> None:
    doc.add_paragraph("Section C: Our self-assessment process and sign off", style="Heading 1")
    # Stage 1 engagement: returns by respondent group and quality statement (a table the
    # report makes in the style of the template's first table), before the process text.
    _tag(doc, "{%p if engagement %}")
    doc.add_paragraph("{{ engagement.intro }}")
    doc.add_paragraph("{{p engagement.table }}")
    doc.add_paragraph("{{ engagement.key }}", style="Caption")
    _tag(doc, "{%p endif %}")
    doc.add_paragraph("{{ process }}")
    doc.add_paragraph("Sign off", style="Heading 2")
    _tag(doc, "{%p if sign_off %}")
    _table(
        doc,
        ["Role", "Name", "Date", "Endorsement"],
        ["{{ s.role }}", "{{ s.name }}", "{{ s.date }}", "{{ s.endorsement }}"],
        # Sized so that a date ("30 September 2026") stays on one line.
        [3.7, 3.3, 3.8, 5.2],
        "for s in sign_off",
    )
    _tag(doc, "{%p else %}")
    doc.add_paragraph("No sign-off has been recorded yet.")
    _tag(doc, "{%p endif %}")


def _landscape(doc: WordDocument) -> None:
    """Section D's wide tables get a landscape section of their own (same header and footer)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.different_first_page_header_footer = False
    for part in (section.header, section.footer, section.first_page_header):
        part.is_linked_to_previous = True


def _section_d(doc: WordDocument) -> None:
    _landscape(doc)
    doc.add_paragraph("Section D: Our self-assessment library and evidence", style="Heading 1")
    doc.add_paragraph(
        "The documents in our self-assessment library, listed against the items of the CQC "
        "information return (IR). A document's title opens it; its ID leads to its entry in "
        "the evidence register at the end of this section."
    )
    _tag(doc, "{%p for group in ir_groups %}")
    doc.add_paragraph("{{ group.name }}", style="Heading 2")
    _table(
        doc,
        ["CQC IR", "Evidence item", "Quality statement", "Document type", "Documents"],
        [
            "{{ item.code }}",
            "{{ item.text }}",
            "{{ item.quality_statements }}",
            "{{ item.document_types }}",
            "",
        ],
        [1.9, 8.9, 3.8, 3.6, 6.5],
        "for item in group.items",
    )
    item_table = doc.tables[-1]
    text_cell = item_table.rows[2].cells[1]
    _tag_in_cell(text_cell, "{%p if item.detail %}")
    text_cell.add_paragraph("{{ item.detail }}")
    _tag_in_cell(text_cell, "{%p endif %}")
    docs = item_table.rows[2].cells[4]
    docs.paragraphs[0].text = "{%p for doc in item.documents %}"
    docs.add_paragraph("{{ doc.id }} {{ doc.title }}")
    _tag_in_cell(docs, "{%p if doc.sections %}")
    docs.add_paragraph("{{ doc.sections }}", style="Caption")
    _tag_in_cell(docs, "{%p endif %}")
    _tag_in_cell(docs, "{%p else %}")
    # No document for this item: a to-do in a draft, said plainly to the reader in a final.
    _tag_in_cell(docs, "{%p if draft %}")
    gap = docs.add_paragraph().add_run("No document yet")
    gap.italic = True
    gap.font.color.rgb = RED
    _tag_in_cell(docs, "{%p else %}")
    docs.add_paragraph().add_run("No document provided for this item").italic = True
    _tag_in_cell(docs, "{%p endif %}")
    _tag_in_cell(docs, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")

    doc.add_paragraph("Evidence register", style="Heading 2")
    _tag(doc, "{%p if register %}")
    # A long register is printed as several tables of a few hundred rows each (the report's
    # register_parts), each with its header row: LibreOffice lays out one table of thousands
    # of rows in time that grows faster than its length (issue 17).
    _tag(doc, "{%p for part in register_parts %}")
    _table(
        doc,
        ["ID", "Document", "IR items", "Type", "Owner", "Date", "Public", "Redacted"],
        [
            "{{ ev.id }}",
            "{{ ev.title }}",
            "{{ ev.ir_items }}",
            "{{ ev.document_type }}",
            "{{ ev.owner }}",
            "{{ ev.date }}",
            "{{ ev.public }}",
            "{{ ev.redacted }}",
        ],
        # Sized for their longest words and a date on one line (in Arial and in the wider
        # DejaVu Sans that LibreOffice uses where Arial is not installed).
        [1.8, 6.9, 2.0, 3.2, 3.0, 3.8, 1.7, 2.3],
        "for ev in part",
    )
    title_cell = doc.tables[-1].rows[2].cells[1]
    _tag_in_cell(title_cell, "{%p if ev.sections %}")
    title_cell.add_paragraph("{{ ev.sections }}", style="Caption")
    _tag_in_cell(title_cell, "{%p endif %}")
    # Between two parts, a paragraph one point high keeps the tables apart (Word joins
    # tables that touch) without a visible gap.
    _tag(doc, "{%p if not loop.last %}")
    gap = doc.add_paragraph()
    gap.paragraph_format.space_before = gap.paragraph_format.space_after = Pt(0)
    gap.paragraph_format.line_spacing = Pt(1)  # exactly
    mark = OxmlElement("w:rPr")  # the paragraph mark's size: 1 pt
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    gap._p.get_or_add_pPr().append(mark)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p else %}")
    doc.add_paragraph("The evidence library is empty.")
    _tag(doc, "{%p endif %}")


def _annexes(doc: WordDocument) -> None:
    """The annexes, each shown only when the report has it (see pipeline/report/build.py):
    the improvement plan, and the internal self-ratings. They follow Section D on its pages."""
    _tag(doc, "{%p if improvement_plan %}")
    doc.add_paragraph("Annex: Our improvement plan", style="Heading 1")
    doc.add_paragraph("{{ improvement_plan.intro }}")
    _tag(doc, "{%p for theme in improvement_plan.themes %}")
    doc.add_paragraph("{{ theme.name }}", style="Heading 2")
    _tag(doc, "{%p for qs in theme.quality_statements %}")
    doc.add_paragraph("{{ qs.name }}", style="Heading 3")
    doc.add_paragraph("{{p qs.table }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if self_rating %}")
    doc.add_paragraph("Annex: Our self-rating (internal)", style="Heading 1")
    doc.add_paragraph("{{ self_rating.intro }}")
    doc.add_paragraph("{{p self_rating.table }}")
    doc.add_paragraph("{{p self_rating.totals }}")
    doc.add_paragraph("{{ self_rating.note }}", style="Caption")
    _tag(doc, "{%p endif %}")


def _tag_in_cell(cell: object, tag: str) -> None:
    cell.add_paragraph(tag)  # type: ignore[attr-defined]


def _no_styles_with_effects(doc: WordDocument) -> None:
    """python-docx's starting document also carries Word 2010's copy of every style with its
    effects (stylesWithEffects.xml, 0.4 MB), which later Word versions neither need nor write."""
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[r_id]


def _no_thumbnail(doc: WordDocument) -> None:
    """python-docx's starting document carries a preview picture of itself: drop it (and the
    setting that would save a new one), so file browsers show no misleading thumbnail."""
    package = doc.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[r_id]
    preview = doc.settings.element.find(qn("w:savePreviewPicture"))
    if preview is not None:
        doc.settings.element.remove(preview)


def make() -> bytes:
    doc = Document()
    _styles(doc)
    _page(doc)
    # python-docx starts with one empty paragraph; the cover begins there.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _cover(doc)
    _contents(doc)
    _section_a(doc)
    _section_b(doc)
    _section_c(doc)
    _section_d(doc)
    _annexes(doc)
    _no_thumbnail(doc)
    _no_styles_with_effects(doc)
    props = doc.core_properties
    props.title = "Adult social care self-assessment"
    props.author = "selfassess"
    props.last_modified_by = "selfassess"
    props.comments = "Template of the Stage 3 report: see templates/docx/README.md"
    import io

    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())


if __name__ == "__main__":
    OUT.write_bytes(make())
    print(f"wrote {OUT.relative_to(ROOT)}")
