"""Safe, fast, located reading of any returned ``.xlsx``, straight from the zip and its XML.

Council staff send workbooks back renamed, re-saved by Excel or LibreOffice, sometimes broken,
occasionally hostile. :func:`open_workbook` checks every limit *before* parsing
(:mod:`pipeline.xlsx.package`), refuses anything that is not a plain ``.xlsx`` with one
plain-English line, and otherwise returns every non-empty cell keyed by its reference (``"B12"``)
so that findings can say exactly where a problem is.

It reads the zip with :mod:`zipfile` and the XML with :mod:`lxml.etree` rather than openpyxl:
openpyxl builds a full object model (styles, fonts, borders) that collect-time checks never need,
and is many times slower than reading the few parts we use.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.settings import LimitSettings
from pipeline.xlsx.annotations import sheet_annotations
from pipeline.xlsx.cells import (
    _MISSING,
    CellValue,
    ReadWorkbook,
    Sheet,
    SheetState,
    WorkbookRejected,
    _cell,
    _damaged,
    _reject,
)
from pipeline.xlsx.drawings import modified, sheet_pictures
from pipeline.xlsx.package import (
    _OFFICE_REL_NS,
    _check_not_other_format,
    _check_spreadsheet,
    _namespace,
    _open_zip,
    _Package,
    _parse,
    _read_file,
    _refuse_declarations,
    _relationships,
    _Tags,
    _tags,
    _workbook_part,
)
from pipeline.xlsx.sheet_reader import (
    _CHAR_REFS,
    _INDEX_KEYS,
    _CellReader,
    _NotPlain,
    _read_date_styles,
    _rich_text,
    _unescape,
    _xml_text,
)

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


_CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


def open_workbook(
    path: Path, limits: LimitSettings | None = None, *, fast: bool = True, pictures: bool = False
) -> ReadWorkbook:
    """Read a returned ``.xlsx`` safely; raise :class:`WorkbookRejected` for anything else.

    ``pictures=True`` also reads each sheet's pictures (:attr:`Sheet.pictures`).

    ``fast=False`` reads every sheet and the shared strings with lxml, never with the plain
    readers (``_plain_sheet``, ``_plain_shared_strings``): the same result, slower; for tests
    that compare the two.
    """
    limits = limits or LimitSettings()
    data = _read_file(path, limits)
    sha256 = hashlib.sha256(data).hexdigest()
    _check_not_other_format(path, data)
    with _open_zip(data) as zf:
        package = _Package(data, zf, limits)
    _check_spreadsheet(package)
    return _read_workbook(package, path, sha256, fast, pictures)


@dataclass(frozen=True, slots=True)
class _WorkbookPart:
    """What the workbook part says: namespace, date system, sheets and defined names."""

    namespace: str
    date1904: bool
    # (name, relationship id, state attribute) in workbook order.
    sheets: tuple[tuple[str, str | None, str | None], ...]
    # (name, localSheetId, formula) in document order.
    defined_names: tuple[tuple[str, str | None, str], ...]


def _extract_workbook(root: etree._Element, _key: str) -> _WorkbookPart:
    tags = _Tags(_namespace(root))
    date1904 = False
    pr = root.find(tags.workbook_pr)
    if pr is not None:
        date1904 = pr.get("date1904") in ("1", "true")
    sheets_el = root.find(tags.sheets)
    sheets = tuple(
        (
            sheet_el.get("name") or "",
            next((v for k in _OFFICE_REL_NS if (v := sheet_el.get(f"{{{k}}}id"))), None),
            sheet_el.get("state"),
        )
        for sheet_el in (sheets_el.iterchildren(tags.sheet) if sheets_el is not None else ())
    )
    container = root.find(tags.defined_names)
    names = tuple(
        (el.get("name") or "", el.get("localSheetId"), el.text or "")
        for el in (container if container is not None else ())
    )
    return _WorkbookPart(_namespace(root), date1904, sheets, names)


def _read_workbook(
    package: _Package, path: Path, sha256: str, fast: bool = True, pictures: bool = False
) -> ReadWorkbook:
    wb_name = _workbook_part(package)
    if wb_name is None:  # _check_spreadsheet has already said why
        raise _reject("is not an Excel workbook")
    part_info = package.parsed(wb_name, _extract_workbook)
    tags = _tags(part_info.namespace)
    base_dir = posixpath.dirname(wb_name)
    rels_name = package.find(
        posixpath.join(base_dir, "_rels", posixpath.basename(wb_name) + ".rels")
    )
    rels = _relationships(package, rels_name, base_dir) if rels_name else {}
    date1904 = part_info.date1904

    by_type = {rel_type.rsplit("/", 1)[-1]: part for rel_type, part in rels.values()}
    shared = _read_shared_strings(package, by_type.get("sharedStrings"), tags, fast)
    styles_part = by_type.get("styles")
    reader = _CellReader(
        tags, shared, lambda: _read_date_styles(package, styles_part, tags), date1904, fast
    )

    sheets: dict[str, Sheet] = {}
    local_names: list[str] = []
    for name, rid, state_attr in part_info.sheets:
        if name in sheets:
            raise _damaged(f"two sheets are both called '{name}'")
        part = package.find(rels[rid][1]) if rid in rels else None
        if part is None:
            raise _damaged(f"the sheet '{name}' has no data inside the file")
        state: SheetState = "visible"
        if state_attr == "hidden":
            state = "hidden"
        elif state_attr == "veryHidden":
            state = "veryHidden"
        sheet = Sheet(name=name, state=state)
        reader.read_sheet(package, part, sheet)
        if pictures:
            sheet.pictures = sheet_pictures(package, part)
        sheet.comments, sheet.shapes = sheet_annotations(package, part)
        sheets[name] = sheet
        local_names.append(name)

    return ReadWorkbook(
        path=path,
        sha256=sha256,
        sheets=sheets,
        custom_properties=_read_custom_properties(package),
        defined_names=_read_defined_names(part_info, local_names),
        date1904=date1904,
        modified=modified(package),
    )


def _read_defined_names(part_info: _WorkbookPart, sheet_names: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for name, local, text in part_info.defined_names:
        if local is not None and local.isdigit() and int(local) < len(sheet_names):
            name = f"{sheet_names[int(local)]}!{name}"
        names[name] = text
    return names


def _read_custom_properties(package: _Package) -> dict[str, str]:
    name = package.find("docProps/custom.xml")
    if name is None:
        return {}
    return dict(package.parsed(name, _extract_custom_properties))


def _extract_custom_properties(root: etree._Element, _key: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in root.iter(f"{{{_CUSTOM_PROPS_NS}}}property"):
        key = prop.get("name")
        if key is not None:
            props[key] = (prop[0].text or "") if len(prop) else ""
    return props


def _read_shared_strings(
    package: _Package, part: str | None, tags: _Tags, fast: bool = True
) -> dict[str, CellValue | None]:
    """One immutable cell per shared string (None for an empty one), shared by every use.

    Keyed by the index as cells write it (``"0"``, ``"1"``…), which saves an int() per cell.
    A plain table (see _plain_shared_strings) is read without lxml, unless not ``fast``.
    """
    name = package.find(part) if part else None
    if name is None:
        return {}
    data = package.read(name)
    texts = _plain_shared_strings(name, data, tags) if fast else None
    cells = _tree_shared_strings(name, data, tags) if texts is None else _shared_cells(texts)
    keys = _INDEX_KEYS
    if len(cells) > len(keys):
        keys = keys + [str(index) for index in range(len(keys), len(cells))]
    return dict(zip(keys, cells, strict=False))


def _tree_shared_strings(name: str, data: bytes, tags: _Tags) -> list[CellValue | None]:
    root = _parse(name, data)
    t_tag = tags.t
    cells: list[CellValue | None] = []
    for si in root.iterchildren(tags.si):
        if len(si) == 1 and si[0].tag == t_tag:  # plain text: _rich_text, inlined
            text = si[0].text or ""
            if "_x" in text:
                text = _unescape(text)
        else:
            text = _rich_text(si, tags)
        cells.append(_cell(text) if text else None)
    return cells


# A shared string as written: its text, or a rich text's runs' texts.
SharedText = str | tuple[str, ...]


# A plain shared-string table's items: <si><t>text</t></si>, as Excel and LibreOffice write
# text without formatting (its text perhaps marked xml:space="preserve").
_ITEM_START, _ITEM_START_PRESERVED, _ITEM_END = (
    "<si><t>",
    '<si><t xml:space="preserve">',
    "</t></si>",
)


# The usual start of a table, which needs no parsing: as Excel and LibreOffice write it.
_SST_HEAD = re.compile(
    rb'(?:\xef\xbb\xbf)?<\?xml version="1\.0" encoding="UTF-8"(?: standalone="yes")?\?>\r?\n?'
    rb'<sst xmlns="http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"'
    rb'(?: count="[0-9]{1,10}")?(?: uniqueCount="[0-9]{1,10}")?>'
)


_SST_TAIL = re.compile(rb"</sst>[ \t\r\n]*")


# Characters XML forbids, and the carriage return (which XML reads as a line feed).
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0B, 0x20)])


# An ampersand that does not start an entity or character reference, which XML refuses.
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")


def _plain_shared_strings(name: str, data: bytes, tags: _Tags) -> Sequence[SharedText] | None:
    """The texts of a plain shared-string table as written (references not yet replaced), found
    with a few string operations rather than a tree; None for any other table (phonetic
    guides, comments, spaces between items...), which lxml then reads.

    As for plain sheets (_plain_sheet), only XML read in exactly one way is read here: the items
    must be exactly <si><t>text</t></si> with no markup in the text (every "<" in the body
    is one of the items' own), or rich text as _items reads it; no character XML forbids, no
    carriage return, and every "&" a reference XML allows; the start, unless written as Excel
    and LibreOffice write it, is parsed by lxml. So lxml would give the same strings, or refuse
    the part.
    """
    _refuse_declarations(name, data)
    start = _sst_body_start(name, data, tags)
    close = data.rfind(b"</sst>")
    if start is None or close < start or not _SST_TAIL.fullmatch(data, close):
        return None
    raw = data[start:close]
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw):
        return None
    try:
        body = raw.decode("utf-8").replace(_ITEM_START_PRESERVED, _ITEM_START)
    except UnicodeDecodeError:
        return None
    if "\ufffe" in body or "\uffff" in body:  # not characters, to XML
        return None
    if not body:
        return []
    if "]]>" in body or ("&" in body and not _plain_references(body)):
        return None
    if body.startswith(_ITEM_START) and body.endswith(_ITEM_END):
        texts = body[len(_ITEM_START) : -len(_ITEM_END)].split(_ITEM_END + _ITEM_START)
        if body.count("<") == 4 * len(texts):  # no "<" of its own in any text: all plain
            return texts
    return _items(body)


def _items(body: str) -> list[SharedText] | None:
    """The items of a table with rich text (formatted runs, as the checklists' guidance has):
    a plain item's text, or a rich one's runs' texts; None if any item is neither."""
    if not (body.startswith("<si>") and body.endswith("</si>")):
        return None
    items: list[SharedText] = []
    for item in body[4:-5].split("</si><si>"):
        if item.startswith("<t>") and item.endswith("</t>") and item.count("<") == 2:
            items.append(item[3:-4])
        elif _RICH_ITEM.fullmatch(item):
            items.append(tuple(_RUN_TEXT.findall(item)))
        else:
            return None
    return items


def _run(group: str) -> str:
    """The pattern of a rich text run as Excel and LibreOffice write it: its properties (each
    an empty element with at most one attribute), then its text; ``group`` is ``"("`` to
    capture the text, else ``"(?:"``. "&", control characters and "]]>" are checked on the
    whole table."""
    prop = r'<[A-Za-z]{1,20}(?: [A-Za-z]{1,20}="[^"<&]*+")?+/>'
    return rf'<r>(?:<rPr>(?:{prop})*+</rPr>)?+<t(?: xml:space="preserve")?+>{group}[^<]*+)</t></r>'


_RICH_ITEM = re.compile(f"(?:{_run('(?:')})++")


_RUN_TEXT = re.compile(_run("("))


def _sst_body_start(name: str, data: bytes, tags: _Tags) -> int | None:
    """Where the items of a shared-string table start (after ``<sst ...>``), or None when the
    start is not a well-formed ``<sst>`` start tag of the workbook's namespace."""
    head = _SST_HEAD.match(data)
    if head is not None and tags.ns == _MAIN_NS:
        return head.end()
    start = data.find(b"<sst")
    end = data.find(b">", start) + 1
    if start < 0 or end <= 0:
        return None
    try:
        root = _parse(name, data[:end] + b"</sst>")
    except WorkbookRejected:
        return None  # lxml says why, about the whole part
    if root.tag != f"{{{tags.ns}}}sst" or len(root) or root.text:
        return None
    return end


def _plain_references(text: str) -> bool:
    """Whether every "&" in ``text`` starts a reference XML reads (entity or allowed
    character)."""
    if _BARE_AMPERSAND.search(text):
        return False
    if "&#" in text:
        try:
            _xml_text("".join(_CHAR_REFS.findall(text)))
        except _NotPlain:
            return False
    return True


def _shared_cells(texts: Sequence[SharedText]) -> list[CellValue | None]:
    """The cells of shared strings as written (a rich text's runs as a tuple), each text as XML
    reads it with Excel's _xHHHH_ escapes decoded (run by run, as _rich_text does); the same
    text gives the same immutable cell in every return."""
    known = _SHARED_CELLS
    cells: list[CellValue | None] = []
    for text in texts:
        cell = known.get(text, _MISSING)
        if cell is _MISSING:
            runs = (text,) if isinstance(text, str) else text
            value = "".join(map(_run_value, runs))
            cell = _cell(value) if value else None
            if sum(map(len, runs)) <= _SHARED_TEXT_MAX:
                if len(known) >= _SHARED_CELLS_MAX:
                    known.clear()
                known[text] = cell
        cells.append(cell)
    return cells


def _run_value(text: str) -> str:
    value = _xml_text(text) if "&" in text else text
    return _unescape(value) if "_x" in value else value


# Shared strings as written -> their cell: the template's texts recur in every return. At most
# _SHARED_CELLS_MAX texts of up to _SHARED_TEXT_MAX characters (a few tens of megabytes).
_SHARED_CELLS: dict[SharedText, CellValue | None] = {}


_SHARED_CELLS_MAX = 20_000


_SHARED_TEXT_MAX = 2_000
