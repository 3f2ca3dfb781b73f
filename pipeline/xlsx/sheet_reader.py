"""The safe reader's second half: a worksheet's cells, with their text, numbers, dates and
formulas exactly as typed. A plain sheet is read with one strict pattern; anything else with lxml.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, cast

from lxml import etree

from pipeline.xlsx.cells import (
    _CANONICAL_REFS,
    _MISSING,
    _REF,
    CellScalar,
    CellValue,
    Sheet,
    WorkbookRejected,
    _cell,
    _column_number,
    _damaged,
    _new_object,
    _set_formula,
    _set_value,
    column_letters,
    split_ref,
)
from pipeline.xlsx.package import (
    _STREAM_ABOVE,
    MEMO,
    _one_line,
    _Package,
    _parse,
    _parsed,
    _refuse_declarations,
    _refuse_doctype,
    _syntax_error,
    _Tags,
    _tags,
)

# Excel writes characters XML cannot carry (and literal "_x0041_") as _xHHHH_ escapes.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


# Built-in number formats that show a date (27-36 and 50-58 are the East Asian date formats),
# and those that show a time: 18-21 and 45-47 show only a time or a duration, read as a datetime
# on Excel's day 0 since a cell value is never a bare time here.
_BUILTIN_DATE_FORMATS = frozenset([14, 15, 16, 17, *range(27, 37), *range(50, 59)])


_BUILTIN_DATETIME_FORMATS = frozenset([18, 19, 20, 21, 22, 45, 46, 47])


_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|am/pm|a/p', re.IGNORECASE)


_ELAPSED = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)


_SHARED_FORMULA_REF = re.compile(
    r"""('(?:[^']|'')*'|"(?:[^"]|"")*")"""  # quoted sheet names and string literals: leave alone
    r"|(?<![A-Za-z0-9_.$])(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})(?![A-Za-z0-9_(!.])"
)


_DateKind = Literal["date", "datetime"]


def _unescape(text: str) -> str:
    """Decode Excel's ``_xHHHH_`` escapes; ``_x005F_`` (an escaped ``_``) keeps what follows."""
    out = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in out):  # a pair written as two escapes
        out = out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return out


def _rich_text(el: etree._Element, tags: _Tags) -> str:
    """The text of an ``<si>`` or ``<is>``: its ``<t>`` and ``<r>`` runs, not phonetic ones."""
    t_tag, r_tag = tags.t, tags.r
    if len(el) == 1 and el[0].tag == t_tag:
        text = el[0].text or ""
        return _unescape(text) if "_x" in text else text
    parts: list[str] = []
    for child in el:
        if child.tag == t_tag:
            parts.append(child.text or "")
        elif child.tag == r_tag:
            parts.extend(t.text or "" for t in child.iterchildren(t_tag))
    text = "".join(_unescape(p) if "_x" in p else p for p in parts)
    return text


_INDEX_KEYS = [str(index) for index in range(4096)]


def _read_date_styles(package: _Package, part: str | None, tags: _Tags) -> dict[str, _DateKind]:
    """``{style index as written in s="…": "date" | "datetime"}`` for the styles showing dates."""
    name = package.find(part) if part else None
    if name is None:
        return {}
    return package.parsed(name, _extract_date_styles, tags.ns)


def _extract_date_styles(root: etree._Element, ns: str) -> dict[str, _DateKind]:
    tags = _tags(ns)
    custom: dict[int, str] = {}
    num_fmts = root.find(tags.num_fmts)
    if num_fmts is not None:
        for fmt in num_fmts:
            fmt_id = fmt.get("numFmtId")
            if fmt_id is not None and fmt_id.isdigit():
                custom[int(fmt_id)] = fmt.get("formatCode") or ""
    kinds: dict[str, _DateKind] = {}
    xfs = root.find(tags.cell_xfs)
    if xfs is None:
        return kinds
    cache: dict[str, _DateKind | None] = {}
    for index, xf in enumerate(xfs):
        fmt_id = xf.get("numFmtId") or "0"
        if fmt_id not in cache:
            cache[fmt_id] = _format_kind(int(fmt_id), custom) if fmt_id.isdigit() else None
        kind = cache[fmt_id]
        if kind is not None:
            kinds[str(index)] = kind
    return kinds


def _format_kind(fmt_id: int, custom: dict[int, str]) -> _DateKind | None:
    if fmt_id in custom:
        return date_format_kind(custom[fmt_id])
    if fmt_id in _BUILTIN_DATE_FORMATS:
        return "date"
    if fmt_id in _BUILTIN_DATETIME_FORMATS:
        return "datetime"
    return None


def date_format_kind(code: str) -> _DateKind | None:
    """``"date"`` for a format showing a date, ``"datetime"`` if it shows a time, else None."""
    section = code.split(";", 1)[0]
    elapsed = _ELAPSED.search(section) is not None
    letters = _FORMAT_NOISE.sub("", section).lower()
    has_date = "d" in letters or "y" in letters
    has_time = elapsed or "h" in letters or "s" in letters
    if not has_date and "m" in letters and not has_time:
        has_date = True  # "mmmm" alone is a month; next to h or s it would be minutes
    if has_time:
        return "datetime"
    return "date" if has_date else None


_EPOCH_1900 = datetime.datetime(1899, 12, 30)


_EPOCH_1900_EARLY = datetime.datetime(1899, 12, 31)  # before Excel's phantom 29 Feb 1900


_EPOCH_1904 = datetime.datetime(1904, 1, 1)


_MAX_SERIAL = 2_958_465  # 31 Dec 9999


def _from_serial(
    serial: float, kind: _DateKind, date1904: bool
) -> datetime.date | datetime.datetime | None:
    if not 0 <= serial <= _MAX_SERIAL:
        return None
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900_EARLY if serial < 60 else _EPOCH_1900
    days = int(serial)
    if kind == "date":
        return (epoch + datetime.timedelta(days=days)).date()
    millis = round((serial - days) * 86_400_000)  # Excel keeps time to the millisecond
    return epoch + datetime.timedelta(days=days, milliseconds=millis)


def _number(text: str) -> int | float:
    """A ``<v>`` number: an int when it is whole (Excel stores every number as a double)."""
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} where a number should be") from None
    return int(number) if number.is_integer() else number


class _RowsNeeded(Exception):
    """A cell without r= was met while walking a sheet without its rows."""


# Plain sheets (see _CellReader._plain_sheet). The rows: <row r="N"> with Excel's and
# LibreOffice's attributes, each at most once and in the schema's order; cells <c r="B12">
# with an optional style and type, then an optional <f> (not shared, not an array) and <v>.
_ROW_ATTRIBUTES = (
    "spans",
    "s",
    "customFormat",
    "ht",
    "hidden",
    "customHeight",
    "outlineLevel",
    "collapsed",
    "thickTop",
    "thickBot",
    "ph",
    "x14ac:dyDescent",
)


# Text as XML reads it unchanged but for the five entities and character references (no CR,
# which XML turns into a line feed, nor characters XML forbids).
_PLAIN_CHARS = r"[^<&\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]*+"


_PLAIN_TEXT = (
    _PLAIN_CHARS
    + r"(?:&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
    + _PLAIN_CHARS
    + ")*+"
)


def _cell_pattern(group: str) -> str:
    """The pattern of a plain cell; ``group`` is ``"("`` to capture its parts, else ``"(?:"``
    (captures inside the repetition of _PLAIN_ROWS would make the regex engine save them)."""
    return (
        rf'<c r="{group}[A-Z]{{1,3}}[1-9][0-9]{{0,6}})"(?: s="{group}[0-9]{{1,9}})")?+'
        rf'(?: t="{group}s|n|str|b|e|d|inlineStr)")?+'
        rf'(?:/>|>(?:{group}<f(?: aca="(?:false|true)")?+>){group}{_PLAIN_TEXT})</f>)?+'
        rf"(?:<v>{group}{_PLAIN_TEXT})</v>)?+</c>"
        rf'|><is><t(?: xml:space="preserve")?+>{group}{_PLAIN_TEXT})</t></is></c>)'
    )


_ROW_PATTERN = (
    r'<row r="[1-9][0-9]{0,6}"'
    + "".join(rf'(?: {name}="[^"<&]*+")?+' for name in _ROW_ATTRIBUTES)
    + r"(?:/>|>(?:"
    + _cell_pattern("(?:")
    + r")*+</row>)"
)


_PLAIN_ROWS = re.compile(f"(?:{_ROW_PATTERN})*+")


_PLAIN_CELL = re.compile(_cell_pattern("("))


_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")


_CHAR_REFS = re.compile(r"&#[0-9]+;|&#x[0-9a-fA-F]+;")


_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


_DECLARED_ENCODING = re.compile(rb'<\?xml[^>]*?\sencoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')


class _NotPlain(Exception):
    """Text that XML would refuse: the part is left to lxml (which says why)."""


def _xml_text(text: str) -> str:
    """``text`` with its entity and character references replaced, as an XML parser does."""

    if "&" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.startswith("#"):
            return _ENTITIES[name]
        code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
        if not (
            code in (9, 10, 13)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF
        ):
            raise _NotPlain
        return chr(code)

    return _ENTITY.sub(one, text)


def _utf8_declared(data: bytes) -> bool:
    """Whether the part is UTF-8: by its byte-order mark, its declaration, or by default."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.startswith(b"<?xml"):
        return data.startswith(b"<")
    declared = _DECLARED_ENCODING.match(data, 0, data.find(b"?>") + 2)
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


def _extract_skeleton(root: etree._Element, ns: str) -> tuple[bool, bool, frozenset[str]]:
    """A sheet without its rows: whether <sheetData> is where the reader looks for it, the
    protection, and the namespace prefixes declared (for the rows' attributes)."""
    tags = _tags(ns)
    protection = root.find(tags.protection)
    return (
        root.find(tags.sheet_data) is not None,
        protection is not None and _truthy(protection.get("sheet")),
        frozenset(prefix for prefix in root.nsmap if prefix),
    )


@dataclass(frozen=True, slots=True)
class _PlainSheet:
    """A plain sheet's cells as written (see _plain_sheet), and its protection."""

    # (ref, s, t, "<f>" if a formula, formula, v, inline text) for each <c>, in order; the
    # texts as written, entity and character references not yet replaced.
    cells: list[tuple[str, str, str, str, str, str, str]]
    protected: bool


def _plain_sheet(part: str, data: bytes, ns: str) -> _PlainSheet | None:
    """The cells of a sheet written plainly, as Excel, LibreOffice and openpyxl write them,
    found without building a tree; None for any other sheet (which lxml then reads).

    Parsing a sheet with lxml and walking its elements costs more than anything else in
    reading a return. The rows of a plain sheet match one strict pattern (_PLAIN_ROWS:
    each element and attribute in its usual order, text only in <f> and <v>, no
    comments, no CDATA), which XML reads in exactly one way; everything around the rows
    is parsed with lxml (once for all returns alike, as it does not change), so a part is
    read here only if it is well-formed XML that lxml reads to the same cells, in the same
    order, with the same values and the same errors.
    """
    _refuse_declarations(part, data)
    start = data.find(b"<sheetData")
    if start < 0 or data.count(b"<sheetData") != 1 or not _utf8_declared(data):
        return None
    if data.startswith(b"<sheetData/>", start):
        rows, end = "", start + 12
    elif data.startswith(b"<sheetData>", start):
        close = data.find(b"</sheetData>", start)
        if close < 0:
            return None
        try:
            rows = data[start + 11 : close].decode("utf-8")
        except UnicodeDecodeError:
            return None
        end = close + 12
    else:
        return None
    if "]]>" in rows or not _PLAIN_ROWS.fullmatch(rows):
        return None
    try:
        placed, protected, prefixes = _parsed(
            part, data[:start] + b"<sheetData/>" + data[end:], _extract_skeleton, ns
        )
    except WorkbookRejected:
        return None  # lxml says why, about the whole part
    if not placed or ("x14ac:" in rows and "x14ac" not in prefixes):
        return None
    if "&#" in rows:
        try:  # a character reference XML forbids: lxml says why
            _xml_text("".join(_CHAR_REFS.findall(rows)))
        except _NotPlain:
            return None
    return _PlainSheet(_PLAIN_CELL.findall(rows), protected)


class _CellReader:
    """Turns ``<c>`` elements into :class:`CellValue` objects, one sheet at a time."""

    def __init__(
        self,
        tags: _Tags,
        shared: dict[str, CellValue | None],
        read_date_styles: Callable[[], dict[str, _DateKind]],
        date1904: bool,
        fast: bool = True,
    ) -> None:
        self.tags = tags
        self.fast = fast  # False: never the plain-sheet reader, always lxml
        self.shared = shared
        # styles.xml is read only when a number cell has a style: many returns have none.
        self._read_date_styles = read_date_styles
        self._date_styles: dict[str, _DateKind] | None = None
        self.date1904 = date1904

    def date_styles(self) -> dict[str, _DateKind]:
        """``{s: kind}`` for the cell styles that show dates, read on first use."""
        if self._date_styles is None:
            self._date_styles = self._read_date_styles()
        return self._date_styles

    def read_sheet(self, package: _Package, part: str, sheet: Sheet) -> None:
        """Fill ``sheet`` from its part, keyed by canonical references (``"B12"``)."""
        if package.infos[part].file_size > _STREAM_ABOVE:
            self._stream_sheet(package, part, sheet)
        elif not self.fast:
            self._tree_sheet(part, package.read(part), sheet)
        elif self._read_plain(package, part, sheet):
            return  # its references are canonical: _PLAIN_ROWS allows no other
        # One regex over all keys; only odd files ("$B$12", "b12", "B012") need a cell-by-cell look.
        if sheet.cells and not _CANONICAL_REFS.fullmatch("\n".join(sheet.cells) + "\n"):
            sheet.cells = _canonical_cells(sheet)

    def _read_plain(self, package: _Package, part: str, sheet: Sheet) -> bool:
        """Read a plain sheet (see _plain_sheet); read any other with lxml and return False.

        What _plain_sheet makes of a part is remembered by the part's packed bytes: the sheets
        people do not type in (guidance, identity) are the same in every return of a template.
        """
        key = package.memo_key(part, "plain sheet", self.tags.ns)
        found = None if key is None else MEMO.get(key)
        if found is None:
            data = package.read(part)
            plain = _plain_sheet(part, data, self.tags.ns)
            if key is not None:
                MEMO.put(key, (plain,), len(data))
        elif found[0] is None:
            data = package.read(part)
            plain = None
        else:
            package.skip(part)
            plain = cast(_PlainSheet, found[0])
        if plain is None:
            self._tree_sheet(part, data, sheet)
            return False
        self._store_plain(plain, sheet)
        return True

    def _store_plain(self, plain: _PlainSheet, sheet: Sheet) -> None:
        """Store a plain sheet's cells as _read_cells would."""
        cells = sheet.cells
        shared = self.shared
        date_styles = self._date_styles
        for ref, s, t, opened, f, v, inline in plain.cells:
            if t == "s":
                if opened:
                    self._store_text(cells, ref, t, _xml_text(v), _xml_text(f), s or None, sheet)
                    continue
                if "&" in v:
                    v = _xml_text(v)
                shared_cell = shared.get(v, _MISSING)
                if shared_cell is _MISSING and v:
                    shared_cell = self._shared_cell(v, ref, sheet)
                if shared_cell is not None and shared_cell is not _MISSING:
                    cells[ref] = shared_cell
            elif opened:  # a formula
                self._store_text(cells, ref, t or "n", _xml_text(v), _xml_text(f), s or None, sheet)
            elif not t or t == "n":
                if not v:
                    continue
                if "&" in v:
                    v = _xml_text(v)
                kind: _DateKind | None = None
                if s:
                    if date_styles is None:
                        date_styles = self.date_styles()
                    kind = date_styles.get(s)
                if kind is None and v.isdecimal():
                    cells[ref] = _cell(int(v))
                else:
                    cells[ref] = _cell(self._number_value(v, kind, ref, sheet))
            elif t == "inlineStr":  # the text of <is><t>, as _rich_text reads it
                text = _xml_text(inline)
                if "_x" in text:
                    text = _unescape(text)
                if text:
                    cells[ref] = _cell(text)
            else:
                self._store_text(cells, ref, t, _xml_text(v), None, s or None, sheet)
        sheet.protected = plain.protected

    def _tree_sheet(self, part: str, content: bytes, sheet: Sheet) -> None:
        root = _parse(part, content)
        tags = self.tags
        data = root.find(tags.sheet_data)
        if data is not None:
            try:
                # Rows matter only for cells without r=, which are rare: walk without them first.
                self._read_cells(data.iter(tags.c, tags.v, tags.f, tags.is_), sheet, False)
            except _RowsNeeded:
                sheet.cells.clear()
                self._read_cells(data.iter(tags.row, tags.c, tags.v, tags.f, tags.is_), sheet)
        protection = root.find(tags.protection)
        sheet.protected = protection is not None and _truthy(protection.get("sheet"))

    def _stream_sheet(self, package: _Package, part: str, sheet: Sheet) -> None:
        """Row by row for very large sheets, dropping each row once its cells are read."""
        data = package.read(part)
        _refuse_declarations(part, data)
        tags = self.tags
        events = etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            tag=(tags.row, tags.protection),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )

        def rows() -> Iterator[Iterator[etree._Element]]:
            previous: etree._Element | None = None
            for _event, el in events:
                if previous is None:
                    _refuse_doctype(part, el)
                if el.tag == tags.protection:
                    sheet.protected = _truthy(el.get("sheet"))
                    continue
                yield el.iter(tags.row, tags.c, tags.v, tags.f, tags.is_)
                # The previous row's last cell is stored once this row's first element is seen,
                # so a row is dropped one row late.
                if previous is not None:
                    previous.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
                previous = el

        try:
            self._read_cells(itertools.chain.from_iterable(rows()), sheet)
        except etree.XMLSyntaxError as e:
            raise _syntax_error(part, e) from e

    def _read_cells(
        self, elements: Iterable[etree._Element], sheet: Sheet, with_rows: bool = True
    ) -> None:
        """Store the cells found in a document-order walk of ``<row>``, ``<c>`` and their parts.

        One flat walk is much faster in lxml than visiting each cell's children. Text and number
        cells are stored at their ``<v>`` (a formula's ``<f>`` comes before it); any other cell
        when the next ``<c>`` or ``<row>``, or the end, shows that all its parts have been seen.
        """
        tags = self.tags
        c_tag, v_tag, f_tag, row_tag = tags.c, tags.v, tags.f, tags.row
        shared = self.shared
        date_styles = self._date_styles
        cells = sheet.cells
        formulas: dict[str, tuple[str, int, int]] = {}
        row_num = col = 0
        last_ref: str | None = None
        cell: etree._Element | None = None  # the cell whose parts are being gathered
        ref = t = v = ""
        f: etree._Element | None = None
        inline: etree._Element | None = None
        for el in elements:
            tag = el.tag
            if tag == v_tag:
                if cell is None or f is not None:
                    v = el.text or ""
                    continue
                v = el.text or ""
                if t == "s":
                    shared_cell = shared.get(v, _MISSING)
                    if shared_cell is _MISSING and v:
                        shared_cell = self._shared_cell(v, ref, sheet)
                    if shared_cell is not None and shared_cell is not _MISSING:
                        cells[ref] = shared_cell
                    cell = None
                elif t == "n" and v:
                    s = cell.get("s")
                    if s is None:
                        kind = None
                    else:
                        if date_styles is None:
                            date_styles = self.date_styles()
                        kind = date_styles.get(s)
                    if kind is None and v.isdecimal():
                        number = _new_object(CellValue)
                        _set_value(number, int(v))
                        _set_formula(number, None)
                        cells[ref] = number
                    else:
                        cells[ref] = _cell(self._number_value(v, kind, ref, sheet))
                    cell = None
                continue
            if tag == c_tag:
                if cell is not None:
                    self._store(cells, ref, t, v, f, inline, cell, formulas, sheet)
                f = inline = None
                v = ""
                cell = el
                t = el.get("t") or "n"
                r = el.get("r")
                if r is None:
                    # Some writers leave out r=; the cell then follows the one before it.
                    if not with_rows:
                        raise _RowsNeeded
                    if last_ref is not None:
                        col = _ref_column(last_ref, sheet.name)
                        last_ref = None
                    col += 1
                    ref = f"{column_letters(col)}{row_num}"
                else:
                    ref = last_ref = r
                continue
            if tag == f_tag:
                f = el
                continue
            if tag != row_tag:
                inline = el  # <is>
                continue
            if cell is not None:
                self._store(cells, ref, t, v, f, inline, cell, formulas, sheet)
                cell = f = inline = None
                v = ""
            r = el.get("r")
            row_num = int(r) if r is not None and r.isdecimal() else row_num + 1
            col = 0
            last_ref = None
        if cell is not None:
            self._store(cells, ref, t, v, f, inline, cell, formulas, sheet)

    def _shared_cell(self, v: str, ref: str, sheet: Sheet) -> CellValue | None:
        """The shared text a ``<v>`` written unusually (``" 01"``) points to."""
        try:
            return self.shared[str(_index(v))]
        except (KeyError, IndexError, ValueError):
            raise _damaged(
                f"cell {ref} on sheet '{sheet.name}' points to shared text that is not in the file"
            ) from None

    def _store(
        self,
        cells: dict[str, CellValue],
        ref: str,
        t: str,
        v: str,
        f: etree._Element | None,
        inline: etree._Element | None,
        cell: etree._Element,
        formulas: dict[str, tuple[str, int, int]],
        sheet: Sheet,
    ) -> None:
        """Store a cell not stored at its ``<v>``: formulas, booleans, errors, inline text."""
        try:
            if f is not None:
                formula = self._formula(f, ref, formulas)
                value = self._value(t, v, inline, cell.get("s"))
                cells[ref] = _cell("" if value is None else value, formula)
            else:
                value = self._value(t, v, inline, cell.get("s"))
                if value is not None and value != "":
                    cells[ref] = _cell(value)
        except (IndexError, KeyError) as e:
            raise _damaged(
                f"cell {ref} on sheet '{sheet.name}' points to shared text that is not in the file"
            ) from e
        except (ValueError, OverflowError) as e:
            raise _damaged(f"cell {ref} on sheet '{sheet.name}' holds {_one_line(e)}") from e

    def _store_text(
        self,
        cells: dict[str, CellValue],
        ref: str,
        t: str,
        v: str,
        formula: str | None,
        s: str | None,
        sheet: Sheet,
    ) -> None:
        """As _store, for a plain sheet's cell (its formula as text, no inline text)."""
        try:
            value = self._value(t, v, None, s)
            if formula is not None:
                cells[ref] = _cell("" if value is None else value, formula)
            elif value is not None and value != "":
                cells[ref] = _cell(value)
        except (IndexError, KeyError) as e:
            raise _damaged(
                f"cell {ref} on sheet '{sheet.name}' points to shared text that is not in the file"
            ) from e
        except (ValueError, OverflowError) as e:
            raise _damaged(f"cell {ref} on sheet '{sheet.name}' holds {_one_line(e)}") from e

    def _number_value(self, v: str, kind: _DateKind | None, ref: str, sheet: Sheet) -> CellScalar:
        try:
            return _number(v) if kind is None else self._date_or_number(v, kind)
        except (ValueError, OverflowError) as e:
            raise _damaged(f"cell {ref} on sheet '{sheet.name}' holds {_one_line(e)}") from e

    def _value(
        self, t: str, v: str, inline: etree._Element | None, s: str | None
    ) -> CellScalar | None:
        """The value of a cell of type ``t`` (None when it has none); ``v`` is its ``<v>`` text."""
        if t == "inlineStr":
            return _rich_text(inline, self.tags) if inline is not None else None
        if not v:
            return None
        if t == "s":
            cell = self.shared[str(_index(v))]  # KeyError is reported like IndexError
            return None if cell is None else cell.value
        if t == "str":
            return _unescape(v) if "_x" in v else v
        if t == "b":
            return v.strip() in ("1", "true", "TRUE")
        if t == "e":
            return v
        if t == "d":
            return _iso_date(v)
        if t != "n":
            raise ValueError(f"a value of unknown type {t[:20]!r}")
        kind = self.date_styles().get(s) if s is not None else None
        return _number(v) if kind is None else self._date_or_number(v, kind)

    def _date_or_number(self, v: str, kind: _DateKind) -> CellScalar:
        number = _number(v)
        when = _from_serial(number, kind, self.date1904)
        return number if when is None else when

    def _formula(
        self, f: etree._Element, ref: str, shared_formulas: dict[str, tuple[str, int, int]]
    ) -> str:
        text = f.text or ""
        if f.get("t") != "shared":
            return text
        index = f.get("si") or ""
        if text:
            row, col = split_ref(ref)
            shared_formulas[index] = (text, row, col)
            return text
        if index not in shared_formulas:
            return ""
        master, master_row, master_col = shared_formulas[index]
        row, col = split_ref(ref)
        return _shift_formula(master, row - master_row, col - master_col)


def _index(v: str) -> int:
    try:
        index = int(v)
    except ValueError:
        raise ValueError(f"{v[:40]!r} where a shared text number should be") from None
    if index < 0:
        raise IndexError(index)
    return index


def _canonical_cells(sheet: Sheet) -> dict[str, CellValue]:
    cells: dict[str, CellValue] = {}
    for ref, cell in sheet.cells.items():
        match = _REF.fullmatch(ref)
        if match is None or int(match.group(2)) == 0:
            raise _damaged(f"sheet '{sheet.name}' has a cell called {ref[:20]!r}")
        cells[f"{match.group(1).upper()}{int(match.group(2))}"] = cell
    return cells


def _ref_column(ref: str, sheet_name: str) -> int:
    try:
        return split_ref(ref)[1]
    except ValueError:
        raise _damaged(f"sheet '{sheet_name}' has a cell called {ref[:20]!r}") from None


def _truthy(value: str | None) -> bool:
    return value in ("1", "true")


def _iso_date(text: str) -> datetime.date | datetime.datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} where a date should be") from None


def _shift_formula(formula: str, d_row: int, d_col: int) -> str:
    """A shared formula as it reads in a cell ``d_row``/``d_col`` away from its first cell."""

    def shift(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        col_abs, letters, row_abs, digits = match.group(2, 3, 4, 5)
        col = _column_number(letters) + (0 if col_abs else d_col)
        row = int(digits) + (0 if row_abs else d_row)
        if col < 1 or row < 1:
            return "#REF!"
        return f"{col_abs}{column_letters(col)}{row_abs}{row}"

    return _SHARED_FORMULA_REF.sub(shift, formula)
