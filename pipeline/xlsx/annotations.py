"""What people type that is not in a cell: comments (notes), threaded comments, and text in
shapes and text boxes, each placed on its sheet.

Comments are in ``xl/commentsN.xml`` (Excel's notes, LibreOffice's comments) and, for Excel's
threaded comments, ``xl/threadedComments/threadedCommentN.xml``; shapes with text are ``xdr:sp``
in the sheet's drawing (``xl/drawings/drawingN.xml``) or, in older files, shapes in its legacy
VML drawing. Every part goes through the safe reader's package (:mod:`pipeline.xlsx.package`):
the same size, CRC and budget checks, parsed without DTDs or entities.
"""

from __future__ import annotations

import posixpath

from lxml import etree

from pipeline.xlsx.cells import ShapeText, WorkbookRejected
from pipeline.xlsx.drawings import _A_NS, _ANCHORS, _XDR_NS, _rels_name
from pipeline.xlsx.package import _Package, _relationships

_VML_NS = "urn:schemas-microsoft-com:vml"


_EXCEL_VML_NS = "urn:schemas-microsoft-com:office:excel"


# More than this on one sheet is not what a person typed: the rest are not read (and the
# findings say how many there were).
MAX_PER_SHEET = 1000


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def sheet_annotations(package: _Package, sheet_part: str) -> tuple[dict[str, str], list[ShapeText]]:
    """The comments (by cell, ``"B12"``) and the shapes with text of the sheet in ``sheet_part``."""
    rels_name = _rels_name(package, sheet_part)
    if rels_name is None:
        return {}, []
    rels = _relationships(package, rels_name, posixpath.dirname(sheet_part))
    legacy: dict[str, str] = {}
    threaded: dict[str, str] = {}
    shapes: list[ShapeText] = []
    for rel_type, target in rels.values():
        kind = rel_type.rsplit("/", 1)[-1]
        part = package.find(target)
        if part is None:
            continue
        if kind == "comments":
            legacy.update(_comments(package, part))
        elif kind == "threadedComment":
            threaded.update(_threaded(package, part))
        elif kind == "drawing":
            shapes.extend(_drawing_shapes(package, part))
        elif kind == "vmlDrawing":
            shapes.extend(_vml_shapes(package, part))
    # Excel writes a threaded comment twice: threaded, and as a note saying "[Threaded comment]"
    # for older versions; the thread is what people wrote.
    comments = {**legacy, **threaded}
    return dict(list(comments.items())[:MAX_PER_SHEET]), shapes[:MAX_PER_SHEET]


def _text(el: etree._Element) -> str:
    """The text of a comment's ``text`` element: its ``t`` runs, not phonetic guides."""
    parts: list[str] = []
    for node in el.iter():
        name = _local(node)
        if name == "rPh":
            continue
        if name == "t" and _local(node.getparent()) != "rPh":  # type: ignore[arg-type]
            parts.append(node.text or "")
    return "".join(parts)


def _comments(package: _Package, part: str) -> dict[str, str]:
    root = package.xml(part)
    authors = [a.text or "" for a in root.iter() if _local(a) == "author"]
    found: dict[str, str] = {}
    for comment in root.iter():
        if _local(comment) != "comment":
            continue
        ref = (comment.get("ref") or "").split(":")[0].replace("$", "").upper()
        text_el = next((c for c in comment if _local(c) == "text"), None)
        if not ref or text_el is None:
            continue
        text = _text(text_el)
        # Excel starts a note with its author's name ("Sam Jones:\n"): not what they wrote.
        author_id = comment.get("authorId") or ""
        if author_id.isdigit() and int(author_id) < len(authors):
            author = authors[int(author_id)].strip()
            if author and text.startswith(author + ":"):
                text = text[len(author) + 1 :]
        text = text.strip()
        if text:
            found[ref] = text
        if len(found) >= MAX_PER_SHEET:
            break
    return found


def _threaded(package: _Package, part: str) -> dict[str, str]:
    root = package.xml(part)
    found: dict[str, list[str]] = {}
    for comment in root.iter():
        if _local(comment) != "threadedComment":
            continue
        ref = (comment.get("ref") or "").split(":")[0].replace("$", "").upper()
        text = " ".join(
            (c.text or "").strip()
            for c in comment
            if _local(c) == "text" and (c.text or "").strip()
        )
        if ref and text:
            found.setdefault(ref, []).append(text)
        if len(found) >= MAX_PER_SHEET:
            break
    return {ref: " / ".join(texts) for ref, texts in found.items()}


def _drawing_shapes(package: _Package, part: str) -> list[ShapeText]:
    root = package.xml(part)
    shapes: list[ShapeText] = []
    for anchor in root:
        if anchor.tag not in _ANCHORS:
            continue
        row, col = _from_cell(anchor)
        for sp in anchor.iter(f"{{{_XDR_NS}}}sp"):
            body = sp.find(f"{{{_XDR_NS}}}txBody")
            if body is None:
                continue
            paragraphs = [
                "".join(t.text or "" for t in p.iter(f"{{{_A_NS}}}t"))
                for p in body.iter(f"{{{_A_NS}}}p")
            ]
            text = "\n".join(paragraphs).strip()
            if not text:
                continue
            props = sp.find(f"{{{_XDR_NS}}}nvSpPr/{{{_XDR_NS}}}cNvPr")
            name = (props.get("name") or "") if props is not None else ""
            shapes.append(ShapeText(name, text, row, col))
            if len(shapes) >= MAX_PER_SHEET:
                return shapes
    return shapes


def _from_cell(anchor: etree._Element) -> tuple[int | None, int | None]:
    start = anchor.find(f"{{{_XDR_NS}}}from")
    if start is None:
        return None, None
    try:
        col = int((start.findtext(f"{{{_XDR_NS}}}col") or "").strip()) + 1
        row = int((start.findtext(f"{{{_XDR_NS}}}row") or "").strip()) + 1
    except ValueError:
        return None, None
    return row, col


def _vml_shapes(package: _Package, part: str) -> list[ShapeText]:
    """Shapes with text in a legacy VML drawing, other than comments' own boxes (notes).

    Excel's VML is not always well-formed XML; a part that does not parse holds only the
    boxes of the comments read above, as far as this tool can tell, and is skipped."""
    try:
        root = package.xml(part)
    except WorkbookRejected:
        return []
    shapes: list[ShapeText] = []
    for shape in root.iter(f"{{{_VML_NS}}}shape", f"{{{_VML_NS}}}rect", f"{{{_VML_NS}}}roundrect"):
        data = shape.find(f"{{{_EXCEL_VML_NS}}}ClientData")
        kind = data.get("ObjectType") if data is not None else None
        if kind == "Note":
            continue
        box = shape.find(f"{{{_VML_NS}}}textbox")
        if box is None:
            continue
        text = " ".join(" ".join(str(t) for t in box.itertext()).split())
        if not text:
            continue
        row = col = None
        if data is not None:
            row_text = data.findtext(f"{{{_EXCEL_VML_NS}}}Row")
            col_text = data.findtext(f"{{{_EXCEL_VML_NS}}}Column")
            if row_text and col_text and row_text.strip().isdigit() and col_text.strip().isdigit():
                row, col = int(row_text) + 1, int(col_text) + 1
        shapes.append(ShapeText(shape.get("id") or "", text, row, col))
        if len(shapes) >= MAX_PER_SHEET:
            break
    return shapes
