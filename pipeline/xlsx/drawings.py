"""Pictures on a sheet: its drawing part (``xl/drawings/drawingN.xml``), the anchors that place
each picture on the cells, and the image files (``xl/media/…``) their relationships point at.

Everything goes through the safe reader's package (:mod:`pipeline.xlsx.package`): each part is
read under the same size, CRC and budget checks and parsed without DTDs or entities.
"""

from __future__ import annotations

import datetime as dt
import posixpath

from lxml import etree

from pipeline.xlsx.cells import Picture, _damaged
from pipeline.xlsx.package import _OFFICE_REL_NS, _Package, _relationships

_XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


_ANCHORS = tuple(f"{{{_XDR_NS}}}{a}" for a in ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor"))


# A sheet with more pictures than this is not a form someone filled in: the rest are not read.
MAX_PICTURES_PER_SHEET = 50


def _rels_name(package: _Package, part: str) -> str | None:
    base, name = posixpath.split(part)
    return package.find(posixpath.join(base, "_rels", name + ".rels"))


def sheet_pictures(package: _Package, sheet_part: str) -> list[Picture]:
    """The pictures of the sheet stored in ``sheet_part``, in the drawing's order."""
    rels_name = _rels_name(package, sheet_part)
    if rels_name is None:
        return []
    rels = _relationships(package, rels_name, posixpath.dirname(sheet_part))
    pictures: list[Picture] = []
    for rel_type, target in rels.values():
        if not rel_type.endswith("/drawing"):
            continue
        drawing = package.find(target)
        if drawing is None:
            continue
        pictures.extend(_drawing_pictures(package, drawing))
    return pictures[:MAX_PICTURES_PER_SHEET]


def _drawing_pictures(package: _Package, drawing: str) -> list[Picture]:
    root = package.xml(drawing)
    rels_name = _rels_name(package, drawing)
    rels = _relationships(package, rels_name, posixpath.dirname(drawing)) if rels_name else {}
    pictures: list[Picture] = []
    for anchor in root:
        if anchor.tag not in _ANCHORS:
            continue
        row, col = _from_cell(anchor)
        for pic in anchor.iter(f"{{{_XDR_NS}}}pic"):
            if len(pictures) >= MAX_PICTURES_PER_SHEET:
                return pictures
            pictures.append(_picture(package, pic, rels, row, col))
    return pictures


def _from_cell(anchor: etree._Element) -> tuple[int | None, int | None]:
    start = anchor.find(f"{{{_XDR_NS}}}from")
    if start is None:
        return None, None
    try:
        col = int((start.findtext(f"{{{_XDR_NS}}}col") or "").strip()) + 1
        row = int((start.findtext(f"{{{_XDR_NS}}}row") or "").strip()) + 1
    except ValueError as e:
        raise _damaged("a picture's position is not a number") from e
    return row, col


def _picture(
    package: _Package,
    pic: etree._Element,
    rels: dict[str, tuple[str, str]],
    row: int | None,
    col: int | None,
) -> Picture:
    props = pic.find(f"{{{_XDR_NS}}}nvPicPr/{{{_XDR_NS}}}cNvPr")
    name = descr = title = ""
    if props is not None:
        name = props.get("name") or ""
        descr = props.get("descr") or ""
        title = props.get("title") or ""
    blip = pic.find(f".//{{{_A_NS}}}blip")
    embed = link = None
    if blip is not None:
        embed = next((v for ns in _OFFICE_REL_NS if (v := blip.get(f"{{{ns}}}embed"))), None)
        link = next((v for ns in _OFFICE_REL_NS if (v := blip.get(f"{{{ns}}}link"))), None)
    part = None
    problem = None
    data = None
    if embed is not None and embed in rels:
        part = package.find(rels[embed][1])
    if part is not None:
        data = package.read(part)
    elif link is not None or embed is None:
        problem = "it is linked to a file elsewhere rather than pasted into the workbook"
    else:
        problem = "its image is missing from the file"
    return Picture(name, descr, title, row, col, part, data, problem)


_CORE_NS = "http://purl.org/dc/terms/"


def modified(package: _Package) -> dt.datetime | None:
    """When the workbook says it was last saved (``docProps/core.xml``), or None."""
    name = package.find("docProps/core.xml")
    if name is None:
        return None
    return package.parsed(name, _extract_modified)


def _extract_modified(root: etree._Element, _key: str) -> dt.datetime | None:
    text = (root.findtext(f"{{{_CORE_NS}}}modified") or "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when
