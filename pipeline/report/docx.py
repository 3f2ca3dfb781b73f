"""Small helpers over Word's XML, for what python-docx and docxtpl do not do.

Text as people typed it (``Prose``), hyperlinks to URLs and to bookmarks, bookmarks, fields
(contents, page numbers), the DRAFT watermark, and a byte-for-byte repeatable ``.docx`` file.
Everything that writes raw WordprocessingML lives here so that the report code speaks in its own
models.

``Prose`` and ``Runs`` are values for a docxtpl template's ``{{ ... }}`` placeholders (never
``{{r ... }}``): Jinja's autoescape calls their ``__html__``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document
    from docx.opc.part import Part
    from docx.text.paragraph import Paragraph


def _xml_escape(data: str, entities: dict[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` escaped, then each of ``entities`` replaced, as
    ``xml.sax.saxutils.escape`` does (which imports ``urllib.request``: 0.1 s on every build)."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        data = data.replace(key, value)
    return data


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


XML_NS = "http://www.w3.org/XML/1998/namespace"


HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


HYPERLINK_STYLE = "Hyperlink"


# Characters XML 1.0 cannot hold (tab, LF and CR are fine), and lone surrogates UTF-8 cannot.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Schemes a hyperlink may point at; anything else is shown as text.
LINK_SCHEMES = ("http://", "https://", "mailto:", "file:")


# 1980-01-01, the earliest time a zip file can record: every member gets it.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def clean(text: str) -> str:
    """``text`` that XML can hold: Windows and old Mac line ends become ``\\n``; characters
    XML 1.0 forbids (control characters, lone surrogates) are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL.sub("", text)


class Prose:
    """Text exactly as typed, for a ``{{ ... }}`` placeholder.

    A line break becomes a Word line break; a blank line starts a new paragraph with the
    placeholder's paragraph style; tabs stay tabs. Reading the report back, the paragraphs joined
    with a blank line give the typed text again.
    """

    __slots__ = ("text",)

    def __init__(self, text: str = "") -> None:
        self.text = clean(text)

    def __html__(self) -> str:
        # docxtpl turns "\a" into a new paragraph, "\n" into <w:br/> and "\t" into <w:tab/>
        # after rendering (its "listing" pass). "_" is written as a character reference so that
        # docxtpl's post-render replacements of "{_{" etc. can never touch typed text.
        paragraphs = self.text.split("\n\n")
        return "\a".join(_xml_escape(p, {'"': "&#34;", "_": "&#95;"}) for p in paragraphs)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text.strip())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prose) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Prose({self.text!r})"


class Runs:
    """Ready-made runs (links, bookmarks) for a ``{{ ... }}`` placeholder.

    Like docxtpl's ``InlineImage``, the XML closes the placeholder's run, adds its own runs and
    opens a new run for any text that follows in the template.
    """

    __slots__ = ("text", "xml")

    def __init__(self, xml: str = "", text: str = "") -> None:
        self.xml = xml
        self.text = text

    def __html__(self) -> str:
        if not self.xml:
            return ""
        return f'</w:t></w:r>{self.xml}<w:r><w:t xml:space="preserve">'

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.xml)

    def __add__(self, other: Runs) -> Runs:
        return Runs(self.xml + other.xml, self.text + other.text)

    def __repr__(self) -> str:
        return f"Runs({self.text!r})"


def join_runs(parts: Iterable[Runs], separator: str = ", ") -> Runs:
    """``parts`` one after the other, with ``separator`` as plain text between them."""
    out = Runs()
    for i, part in enumerate(parts):
        if i:
            out = out + text_run(separator)
        out = out + part
    return out


def _run_content(text: str) -> str:
    """The inside of a ``<w:r>``: text, with line breaks and tabs as Word's own elements."""
    pieces: list[str] = []
    for i, line in enumerate(clean(text).split("\n")):
        if i:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{_xml_escape(chunk)}</w:t>')
    return "".join(pieces)


def _run(text: str, style: str | None = None, bold: bool = False, italic: bool = False) -> str:
    props = ""
    if style:
        props += f'<w:rStyle w:val="{_xml_escape(style, {chr(34): "&#34;"})}"/>'
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f"<w:r>{rpr}{_run_content(text)}</w:r>"


def text_run(text: str, *, bold: bool = False, italic: bool = False) -> Runs:
    """Plain text as a run (for use beside links)."""
    if not text:
        return Runs()
    return Runs(_run(text, bold=bold, italic=italic), text)


def is_linkable(url: str) -> bool:
    """A link Word can open: a URL with a scheme we allow (validation checks the rest), and one
    the reader can follow: a file path, network path or intranet address (validation's
    ``link-not-shareable``) only works inside the council, so it prints as text; and never one
    carrying a user name or password (``https://user:secret@host/``), printed as text too."""
    from pipeline.rules.evidence import link_problem

    url = url.strip()
    if not url.lower().startswith(LINK_SCHEMES) or any(c.isspace() for c in url):
        return False
    if url.lower().startswith("mailto:"):
        return True
    authority = url.split("//", 1)[1] if "//" in url else ""
    if "@" in re.split(r"[/?#]", authority, maxsplit=1)[0]:
        return False
    problem = link_problem(url)
    return problem is None or problem[0] != "link-not-shareable"


class Ink:
    """Makes links and bookmarks for one document: it owns the relationship and bookmark ids."""

    def __init__(self, part: Part) -> None:
        self.part = part
        self._bookmark_id = 0
        self._url_ids: dict[str, str] = {}
        self._next_rel = 1
        self.bookmarks: set[str] = set()

    def hyperlink(self, text: str, url: str) -> Runs:
        """``text`` linked to ``url``; plain text when ``url`` is not a link Word can open."""
        if not text:
            text = url
        if not is_linkable(url):
            return text_run(text)
        url = url.strip()
        r_id = self._url_ids.get(url)
        if r_id is None:
            r_id = self._url_ids[url] = self._new_link(url)
        xml = (
            f'<w:hyperlink r:id="{r_id}" w:history="1">'
            f"{_run(text, style=HYPERLINK_STYLE)}</w:hyperlink>"
        )
        return Runs(xml, text)

    def _new_link(self, url: str) -> str:
        """A new external relationship to ``url``, with the id python-docx's ``relate_to``
        would give it (the first unused ``rIdN``), found without its two scans of every
        relationship per link: those made a 10,000-document register take minutes."""
        rels = self.part.rels
        n = self._next_rel
        while f"rId{n}" in rels:
            n += 1
        self._next_rel = n + 1
        rels.add_relationship(HYPERLINK_REL, url, f"rId{n}", is_external=True)
        return f"rId{n}"

    def internal_link(self, text: str, anchor: str) -> Runs:
        """``text`` linked to the bookmark ``anchor`` in the same document."""
        xml = (
            f'<w:hyperlink w:anchor="{_xml_escape(anchor)}" w:history="1">'
            f"{_run(text, style=HYPERLINK_STYLE)}</w:hyperlink>"
        )
        return Runs(xml, text)

    def bookmark(self, name: str, content: Runs) -> Runs:
        """``content`` inside a bookmark called ``name``; no bookmark if the name is taken."""
        if name in self.bookmarks:
            return content
        self.bookmarks.add(name)
        self._bookmark_id += 1
        n = self._bookmark_id
        xml = (
            f'<w:bookmarkStart w:id="{n}" w:name="{_xml_escape(name)}"/>'
            f'{content.xml}<w:bookmarkEnd w:id="{n}"/>'
        )
        return Runs(xml, content.text)


TOC_INSTRUCTION = r'TOC \o "1-3" \h \z \u'


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """Append a complex field (``PAGE``, ``TOC ...``) to ``paragraph``, marked for updating."""
    from docx.oxml import parse_xml

    p = paragraph._p
    runs = [
        '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>',
        f'<w:r><w:instrText xml:space="preserve"> {_xml_escape(instruction)} </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r>{_run_content(placeholder)}</w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ]
    for xml in runs:
        p.append(parse_xml(f'<w:root xmlns:w="{W_NS}">{xml}</w:root>')[0])


# The heading styles the contents list (``TOC \o "1-3"``), by style id, with their level.
_TOC_LEVELS = {"Heading1": 1, "Heading2": 2, "Heading3": 3}


_TOC_BOOKMARK = "_TocSelfAssess{:04d}"


def fill_contents(document: Document) -> int:
    """Write the contents entries into the contents field's result, so that the contents show
    when the document opens, before (or without) a field update: one paragraph per heading of
    level 1-3 in the body, in Word's "toc N" style, linked to a bookmark on its heading. Page
    numbers are left to Word's update of the field (and to LibreOffice's, for the PDF): they
    depend on the fonts of the computer that lays the pages out. Returns the number of entries
    (0 when the document has no contents field)."""
    body = document.element.body
    field = _toc_field(body)
    if field is None:
        return 0
    first, last = field
    headings = []
    for p in body.iterchildren(_w("p")):
        level = _TOC_LEVELS.get(_style_id(p))
        text = _paragraph_text(p).strip() if level else ""
        if level and text and p is not first:
            headings.append((level, text, p))
    if not headings:
        return 0
    existing = {b.get(_w("id")) for b in body.iter(_w("bookmarkStart"))}
    next_id = 1 + max((int(i) for i in existing if i and i.isdigit()), default=0)
    entries = []
    for n, (level, text, heading) in enumerate(headings, start=1):
        name = _TOC_BOOKMARK.format(n)
        _bookmark_paragraph(heading, name, next_id)
        next_id += 1
        entries.append(
            f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>'
            f'<w:hyperlink w:anchor="{name}" w:history="1">{_run(text)}</w:hyperlink></w:p>'
        )
    _replace_field_result(first, last, entries)
    return len(entries)


def _style_id(p: Any) -> str:
    style = p.find(f"{_w('pPr')}/{_w('pStyle')}")
    return "" if style is None else str(style.get(_w("val")) or "")


def _paragraph_text(p: Any) -> str:
    parts = []
    for el in p.iter(_w("t"), _w("tab"), _w("br")):
        if el.tag == _w("t"):
            parts.append(el.text or "")
        else:
            parts.append(" ")
    return " ".join("".join(parts).split())


def _toc_field(body: Any) -> tuple[Any, Any] | None:
    """The paragraphs where the contents field begins and ends (the same one, in the
    template), or None."""
    for p in body.iterchildren(_w("p")):
        for instr in p.iter(_w("instrText")):
            if (instr.text or "").strip().upper().startswith("TOC"):
                last = p
                while last is not None and not _ends_field(last):
                    last = last.getnext()
                return (p, last) if last is not None else None
    return None


def _ends_field(p: Any) -> bool:
    return any(c.get(_w("fldCharType")) == "end" for c in p.iter(_w("fldChar")))


def _replace_field_result(first: Any, last: Any, entries: list[str]) -> None:
    """Put ``entries`` (paragraphs' XML) as the field's result: the first entry's paragraph
    starts the field, the last one ends it (as Word writes a contents)."""
    from docx.oxml import parse_xml

    def field_runs(p: Any, kind: str) -> list[Any]:
        """The run holding the field character ``kind`` and the runs before ("separate") or
        after ("end") it."""
        runs = list(p.iterchildren(_w("r")))
        for n, r in enumerate(runs):
            if any(c.get(_w("fldCharType")) == kind for c in r.iter(_w("fldChar"))):
                return runs[: n + 1] if kind == "separate" else runs[n:]
        return []

    start = field_runs(first, "separate")
    end = field_runs(last, "end")
    if not start or not end:
        return
    # Everything between the two ends goes: the old result (a placeholder, or entries that an
    # update in Word or LibreOffice wrote).
    node = first.getnext()
    while last is not first and node is not None and node is not last:
        following = node.getnext()
        node.getparent().remove(node)
        node = following
    if last is not first:
        last.getparent().remove(last)
    for child in list(first):
        first.remove(child)
    paragraphs = [parse_xml(f'<w:root xmlns:w="{W_NS}">{x}</w:root>')[0] for x in entries]
    head = paragraphs[0]
    ppr = head.find(_w("pPr"))
    first.append(ppr)
    for r in start:
        first.append(r)
    for child in list(head):
        first.append(child)
    tail = first
    for p in paragraphs[1:]:
        tail.addnext(p)
        tail = p
    for r in end:
        tail.append(r)


def _bookmark_paragraph(p: Any, name: str, n: int) -> None:
    """A bookmark called ``name`` around the text of paragraph ``p``."""
    from docx.oxml import parse_xml

    start = parse_xml(f'<w:bookmarkStart xmlns:w="{W_NS}" w:id="{n}" w:name="{name}"/>')
    end = parse_xml(f'<w:bookmarkEnd xmlns:w="{W_NS}" w:id="{n}"/>')
    ppr = p.find(_w("pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def keep_rows_whole(document: Document) -> None:
    """Every table row of the body on one page (``w:cantSplit``), also in a council's copy of
    the template made before its rows had it; Word still splits a row taller than a page."""
    from docx.oxml import OxmlElement

    for row in document.element.body.iter(_w("tr")):
        trpr = row.find(_w("trPr"))
        if trpr is None:
            trpr = OxmlElement("w:trPr")
            # trPr follows only tblPrEx in a row.
            ex = row.find(_w("tblPrEx"))
            if ex is not None:
                ex.addnext(trpr)
            else:
                row.insert(0, trpr)
        if trpr.find(_w("cantSplit")) is None:
            trpr.insert(0, OxmlElement("w:cantSplit"))


def mark_fields_dirty(document: Document) -> None:
    """Ask Word to update every field (the contents above all) when the document is opened."""
    from docx.oxml import OxmlElement

    body = document.element.body
    for begin in body.iter(_w("fldChar")):
        if begin.get(_w("fldCharType")) == "begin":
            begin.set(_w("dirty"), "true")
    settings = document.settings.element
    if settings.find(_w("updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(_w("val"), "true")
        # CT_Settings is a sequence: updateFields sits before these elements when they exist.
        later = (
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            "mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            "schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        )
        for child in settings:
            local = child.tag.rsplit("}", 1)[-1]
            if local in later or not child.tag.startswith(f"{{{W_NS}}}"):
                child.addprevious(update)
                break
        else:
            settings.append(update)


def preserve_spaces(document: Document) -> None:
    """Keep the spaces people typed at either end of a line, or several in a row (Word may
    drop or merge them otherwise)."""
    key = f"{{{XML_NS}}}space"
    for part_element in _story_elements(document):
        for t in part_element.iter(_w("t")):
            text = t.text or ""
            if text != text.strip(" \t") or "  " in text:
                t.set(key, "preserve")


def drop_empty_runs(document: Document) -> None:
    """Remove runs left with no text by placeholders (tidier XML for whoever edits the report)."""
    for element in _story_elements(document):
        for run in element.xpath(_EMPTY_RUNS):
            run.getparent().remove(run)


# Runs holding nothing but run properties and empty text (lxml evaluates this in C: fast).
_EMPTY_RUNS = ".//w:r[not(*[not(self::w:rPr or self::w:t)]) and not(w:t[string-length(.) > 0])]"


def _story_elements(document: Document) -> list[Any]:
    elements = [document.element]
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        if rel.reltype.endswith(("/header", "/footer")):
            elements.append(rel.target_part.element)
    return elements


def set_core_properties(
    document: Document, *, title: str, author: str, when: dt.datetime, draft: bool
) -> None:
    """Fixed document properties: nothing that changes from one build to the next."""
    props = document.core_properties
    props.title = clean(title)
    props.subject = "Adult social care self-assessment"
    props.author = clean(author)
    props.last_modified_by = "selfassess"
    props.comments = ""
    props.keywords = "CQC; adult social care; self-assessment"
    props.category = ""
    props.content_status = "Draft" if draft else "Final"
    props.language = "en-GB"  # the document's language for readers (the text's is in styles)
    props.revision = 1
    props.created = when
    props.modified = when
    props.last_printed = when


def deterministic_zip(data: bytes) -> bytes:
    """The same ``.docx`` with fixed member order, timestamps and attributes.

    ``[Content_Types].xml`` comes first and the package relationships second (as Word writes
    them); the rest in name order.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        return zip_members({name: zin.read(name) for name in zin.namelist()})


def zip_members(members: dict[str, bytes]) -> bytes:
    """``members`` (name -> bytes) as a ``.docx`` as ``deterministic_zip`` writes it."""
    first = {"[Content_Types].xml": 0, "_rels/.rels": 1}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in sorted(members, key=lambda n: (first.get(n, 2), n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            zout.writestr(info, members[name])
    return out.getvalue()


def package_members(document: Document) -> dict[str, bytes]:
    """What ``document.save`` would zip, member name -> bytes, without zipping it: the report is
    zipped once, by ``zip_members`` (its pictures would otherwise be compressed twice). The
    steps of python-docx's ``OpcPackage.save`` and ``PackageWriter.write``."""
    from docx.opc.pkgwriter import PackageWriter

    class Members(dict[str, bytes]):
        def write(self, uri: Any, blob: bytes) -> None:
            self[uri.membername] = blob

    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    members: Any = Members()  # written to as PackageWriter writes to a zip
    PackageWriter._write_content_types_stream(members, parts)
    PackageWriter._write_pkg_rels(members, package.rels)
    PackageWriter._write_parts(members, parts)
    return dict(members)


def draft_watermark(text: str = "DRAFT") -> Runs:
    """A pale diagonal word across the page, as Word's own watermarks are made (a VML text
    shape in the header), for a header placeholder."""
    word = _xml_escape(text, {'"': "&quot;"})
    xml = (
        '<w:r><w:rPr><w:noProof/></w:rPr><w:pict xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e">'
        '<v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/>'
        "</v:shapetype>"
        '<v:shape id="SelfAssessDraftWatermark" o:spid="_x0000_s1025" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:440pt;height:130pt;'
        "rotation:315;z-index:-251657216;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#d9d9d9" '
        'stroked="f">'
        '<v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;Arial&quot;;font-size:1pt" string="{word}"/>'
        "</v:shape></w:pict></w:r>"
    )
    return Runs(xml, "")


WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"


EMU_PER_MM = 36_000


# Pictures get drawing ids from here on: far above any id the template's own shapes use.
_FIRST_PICTURE_ID = 5000


class Pictures:
    """Inline pictures for one document, each with its alternative text (``descr``), which
    Word reads aloud and shows in Alt Text. Equal pictures share one image part."""

    def __init__(self, part: Part) -> None:
        self.part = part
        self._next_id = _FIRST_PICTURE_ID

    def inline(self, data: bytes, width_mm: float, alt: str, *, max_height_mm: float = 0) -> Runs:
        """``data`` (PNG, JPEG or GIF) as a picture ``width_mm`` wide (or less, to stay under
        ``max_height_mm``), keeping its proportions."""
        r_id, image = self.part.get_or_add_image(io.BytesIO(data))  # type: ignore[attr-defined]
        px_w, px_h = max(image.px_width, 1), max(image.px_height, 1)
        cx = round(width_mm * EMU_PER_MM)
        cy = round(cx * px_h / px_w)
        if max_height_mm and cy > max_height_mm * EMU_PER_MM:
            cy = round(max_height_mm * EMU_PER_MM)
            cx = round(cy * px_w / px_h)
        self._next_id += 1
        n = self._next_id
        descr = _xml_escape(clean(alt), {'"': "&quot;", "\n": "&#10;"})
        name = f"Picture {n}"
        xml = (
            f'<w:r><w:drawing><wp:inline xmlns:wp="{WP_NS}" distT="0" distB="0" distL="0" '
            f'distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{n}" name="{name}" descr="{descr}"/>'
            f'<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="{A_NS}" noChangeAspect="1"/>'
            f'</wp:cNvGraphicFramePr><a:graphic xmlns:a="{A_NS}">'
            f'<a:graphicData uri="{PIC_NS}"><pic:pic xmlns:pic="{PIC_NS}">'
            f'<pic:nvPicPr><pic:cNvPr id="{n}" name="{name}" descr="{descr}"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip xmlns:r="{R_NS}" r:embed="{r_id}"/>'
            "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
            "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
        )
        return Runs(xml, "")


class Block:
    """Block-level XML (a table) for a ``{{p ... }}`` placeholder, which replaces its whole
    paragraph."""

    __slots__ = ("xml",)

    def __init__(self, xml: str = "") -> None:
        self.xml = xml

    def __html__(self) -> str:
        return self.xml

    def __bool__(self) -> bool:
        return bool(self.xml)


def table_block(
    headers: list[str],
    rows: list[list[str]],
    widths_mm: list[float],
    style_id: str,
    *,
    bold_last_row: bool = False,
    numbers: bool = True,
) -> Block:
    """A simple table in the template's table style: a repeating header row, then ``rows``;
    columns after the first are numbers, right-aligned (all text, left-aligned, when not
    ``numbers``)."""
    twips = [round(w / 25.4 * 1440) for w in widths_mm]

    def cell(text: str, width: int, first: bool, bold: bool) -> str:
        jc = "" if first or not numbers else '<w:jc w:val="right"/>'
        ppr = f'<w:pPr><w:spacing w:before="0" w:after="0"/>{jc}</w:pPr>'
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f"<w:p>{ppr}{_run(text, bold=bold)}</w:p></w:tc>"
        )

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    header = (
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        + "".join(
            cell(h, w, i == 0, False) for i, (h, w) in enumerate(zip(headers, twips, strict=True))
        )
        + "</w:tr>"
    )
    body = "".join(
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        + "".join(
            cell(t, w, i == 0, bold_last_row and n == len(rows) - 1)
            for i, (t, w) in enumerate(zip(row, twips, strict=True))
        )
        + "</w:tr>"
        for n, row in enumerate(rows)
    )
    xml = (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{_xml_escape(style_id, {chr(34): "&#34;"})}"/>'
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        "</w:tblCellMar>"
        '<w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{header}{body}</w:tbl>"
    )
    return Block(xml)
