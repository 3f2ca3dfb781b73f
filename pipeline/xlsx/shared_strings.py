"""The safe reader's shared strings (``xl/sharedStrings.xml``): the text cells point to.

A table as Excel and LibreOffice write it (plain items, or rich text in formatted runs) is read
with a few string operations and strict patterns rather than an lxml tree, which costs more
than anything else in a return once its repeated parts are remembered; any other table is read
with lxml. Both give the same cells, or the same refusal (tests/test_reader_differential.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.xlsx.cells import _MISSING, CellValue, WorkbookRejected, _cell
from pipeline.xlsx.package import _Package, _parse, _refuse_declarations, _Tags
from pipeline.xlsx.sheet_reader import (
    _CHAR_REFS,
    _INDEX_KEYS,
    _NotPlain,
    _rich_text,
    _unescape,
    _xml_text,
)

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read_shared_strings(
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
