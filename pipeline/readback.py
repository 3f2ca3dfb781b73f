"""Safe, fast, located reading of any returned ``.xlsx``, straight from the zip and its XML.

Council staff send workbooks back renamed, re-saved by Excel or LibreOffice, sometimes broken,
occasionally hostile. This module checks every limit *before* parsing (file size, zip entries,
uncompressed size, compression ratio, DTD/entity declarations), refuses anything that is not a
plain ``.xlsx`` with one plain-English line, and otherwise returns every non-empty cell keyed by its
reference (``"B12"``) so that findings can say exactly where a problem is.

It reads the zip with :mod:`zipfile` and the XML with :mod:`lxml.etree` rather than openpyxl:
openpyxl builds a full object model (styles, fonts, borders) that collect-time checks never need,
and is many times slower than reading the few parts we use.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import itertools
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar, cast

from lxml import etree

from pipeline.findings import Finding, error
from pipeline.settings import LimitSettings
from pipeline.xlsx import IDENTITY_PREFIX, IDENTITY_SHEET

UNREADABLE = "unreadable-file"
MISMATCH = "template-mismatch"

CellScalar = str | int | float | bool | datetime.datetime | datetime.date
SheetState = Literal["visible", "hidden", "veryHidden"]

# Entries smaller than this are never treated as zip bombs: tiny XML parts compress very well.
_RATIO_MIN_BYTES = 1024 * 1024
# Parts larger than this are streamed row by row so memory stays bounded by the cells we keep.
_STREAM_ABOVE = 8 * 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))

_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_XML_DECL_ATTACK = (b"<!DOCTYPE", b"<!ENTITY")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

# Excel writes characters XML cannot carry (and literal "_x0041_") as _xHHHH_ escapes.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_CANONICAL_REFS = re.compile(r"(?:[A-Z]{1,3}[1-9][0-9]{0,6}\n)*")

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
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True, slots=True)
class CellValue:
    """One non-empty cell: its value as typed (or cached, for a formula) and any formula."""

    value: CellScalar
    formula: str | None = None


# CellValue is frozen, so its __init__ goes through object.__setattr__; filling the slots
# directly is twice as fast, which counts when a workbook has tens of thousands of cells.
_new_object = object.__new__
_set_value = vars(CellValue)["value"].__set__
_set_formula = vars(CellValue)["formula"].__set__


_MISSING = CellValue("")  # compared by identity: "no such shared string"


def _cell(value: CellScalar, formula: str | None = None) -> CellValue:
    cell: CellValue = _new_object(CellValue)
    _set_value(cell, value)
    _set_formula(cell, formula)
    return cell


@dataclass(slots=True, eq=False)
class Sheet:
    """One worksheet: its name, visibility, protection and non-empty cells keyed ``"B12"``."""

    name: str
    state: SheetState = "visible"
    protected: bool = False
    cells: dict[str, CellValue] = field(default_factory=dict)

    def get(self, ref: str) -> CellValue | None:
        """The cell at ``ref`` (``"B12"``), or None when it is empty."""
        return self.cells.get(ref)

    def text(self, ref: str) -> str:
        """The cell at ``ref`` as text, ``''`` when empty."""
        cell = self.cells.get(ref)
        return "" if cell is None else format_value(cell.value)

    def rows(self) -> Iterator[tuple[int, list[tuple[str, CellValue]]]]:
        """Each non-empty row as ``(row, [(ref, cell), ...])``, top to bottom, left to right."""
        split = _split_ref_cached
        keyed = sorted((*split(ref), ref) for ref in self.cells)
        current = 0
        row_cells: list[tuple[str, CellValue]] = []
        for row, _col, ref in keyed:
            if row != current:
                if row_cells:
                    yield current, row_cells
                current, row_cells = row, []
            row_cells.append((ref, self.cells[ref]))
        if row_cells:
            yield current, row_cells

    @property
    def max_row(self) -> int:
        """The last row holding a non-empty cell (0 for an empty sheet)."""
        return max((split_ref(ref)[0] for ref in self.cells), default=0)


@dataclass(slots=True, eq=False)
class ReadWorkbook:
    """A returned workbook: where it came from, its hash, its sheets in workbook order."""

    path: Path
    sha256: str
    sheets: dict[str, Sheet]
    custom_properties: dict[str, str] = field(default_factory=dict)
    # Workbook-scoped names as "name"; sheet-scoped ones as "Sheet name!name".
    defined_names: dict[str, str] = field(default_factory=dict)
    date1904: bool = False


class WorkbookRejected(Exception):
    """A workbook the tool will not read; ``message`` is one line, without the file name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def finding(self, file: str) -> Finding:
        """This rejection as an error finding for ``file``."""
        return error(self.code, file, self.message)


def _reject(message: str) -> WorkbookRejected:
    return WorkbookRejected(UNREADABLE, message)


def _damaged(detail: str) -> WorkbookRejected:
    return _reject(f"is damaged ({detail}); open and re-save it in Excel, then send it again")


# --------------------------------------------------------------------------------------------
# Public helpers


def split_ref(ref: str) -> tuple[int, int]:
    """``"B12"`` as ``(12, 2)``: row and column numbers, both counted from 1."""
    match = _REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    letters, digits = match.groups()
    return int(digits), _column_number(letters)


_SPLIT_REFS: dict[str, tuple[int, int]] = {}


def _split_ref_cached(ref: str) -> tuple[int, int]:
    """split_ref, remembered: the same few hundred references recur in every return."""
    split = _SPLIT_REFS.get(ref)
    if split is None:
        split = split_ref(ref)
        if len(_SPLIT_REFS) < 100_000:
            _SPLIT_REFS[ref] = split
    return split


def column_letters(col: int) -> str:
    """Column number 28 as ``"AB"``."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def format_value(value: CellScalar) -> str:
    """A cell value as people read it: ``7`` not ``7.0``, ``TRUE``, ISO dates."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # Excel shows at most 15 significant digits
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat()


def _column_number(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


# --------------------------------------------------------------------------------------------
# Opening: every limit is checked before any XML is parsed


def open_workbook(
    path: Path, limits: LimitSettings | None = None, *, fast: bool = True
) -> ReadWorkbook:
    """Read a returned ``.xlsx`` safely; raise :class:`WorkbookRejected` for anything else.

    ``fast=False`` reads every sheet with lxml, never with the plain-sheet reader
    (``_CellReader._plain_sheet``): the same result, slower; for tests that compare the two.
    """
    limits = limits or LimitSettings()
    data = _read_file(path, limits)
    sha256 = hashlib.sha256(data).hexdigest()
    _check_not_other_format(path, data)
    with _open_zip(data) as zf:
        package = _Package(data, zf, limits)
    _check_spreadsheet(package)
    return _read_workbook(package, path, sha256, fast)


def _read_file(path: Path, limits: LimitSettings) -> bytes:
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file_bytes:
                raise _too_large(size, limits)
            data = fh.read(limits.max_file_bytes + 1)
    except IsADirectoryError as e:
        raise _reject("is a folder, not a workbook; put the .xlsx file itself there") from e
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise _reject(
            f"cannot be opened ({reason.lower()}); check it still exists and is not open or "
            "locked by another program"
        ) from e
    if not data:
        raise _reject("is empty (0 bytes); save the workbook again in Excel and send it again")
    if len(data) > limits.max_file_bytes:  # it grew while we read it
        raise _too_large(len(data), limits)
    return data


def _too_large(size: int, limits: LimitSettings) -> WorkbookRejected:
    return _reject(
        f"is too large ({_mb(size)}; the limit is {_mb(limits.max_file_bytes)}); remove pictures "
        "or copied-in sheets and send it again, or raise limits.max_file_bytes in selfassess.toml"
    )


def _mb(n: float) -> str:
    return f"{n / 1_048_576:.1f} MB"


def _check_not_other_format(path: Path, data: bytes) -> None:
    """Recognise the files people send instead of an .xlsx, and say what to do with each."""
    if data.startswith(_OLE_MAGIC):
        if any(name in data for name in _ENCRYPTED_STREAMS):
            raise _reject(
                "is password-protected; remove the password (File › Info › Protect Workbook in "
                "Excel) and send it again"
            )
        raise _reject(
            "is an old-style .xls workbook; open it and save it as Excel Workbook (.xlsx)"
        )
    if data.startswith(_ZIP_MAGICS):
        return
    if path.name.startswith("~$"):
        raise _reject(
            "is Excel's temporary lock file, not a workbook; close Excel and use the workbook "
            "without '~$' at the start of its name"
        )
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        raise _reject("is a PDF, not an Excel workbook; send the filled-in .xlsx workbook")
    if head.startswith((b"<html", b"<!doctype html")):
        raise _reject(
            "is a web page, not an Excel workbook (perhaps a download link saved by mistake); "
            "send the .xlsx workbook itself"
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise _reject(
            "is an Excel 2003 XML spreadsheet; open it and save it as Excel Workbook (.xlsx)"
        )
    if _looks_like_text(data[:4096]):
        raise _reject(
            "is a text file (perhaps CSV), not an Excel workbook; send the filled-in .xlsx "
            "workbook from outputs/ rather than an export of it"
        )
    raise _reject(
        "is not an Excel workbook (it is not in .xlsx format, whatever its name says); send the "
        "filled-in .xlsx workbook from outputs/"
    )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3  # only a character cut in half at the end
    return True


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as e:
        raise _reject(
            "is damaged: the file is incomplete or corrupt (perhaps cut short while being copied "
            "or emailed); send it again, or open and re-save it in Excel"
        ) from e


class _Package:
    """The zip's entries, read one by one under the limits, never trusting the headers."""

    def __init__(self, data: bytes, zf: zipfile.ZipFile, limits: LimitSettings) -> None:
        self.data = data
        self.view = memoryview(data)
        self.limits = limits
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            raise _reject(
                f"has too many parts inside ({len(infos)}; the limit is {limits.max_zip_entries}),"
                " which a normal workbook never has; it was not read"
            )
        total = 0
        for info in infos:
            _check_entry(info)
            total += info.file_size
            if info.file_size > _RATIO_MIN_BYTES:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_compression_ratio:
                    raise _reject(
                        f"is suspicious: its part {info.filename} would expand {ratio:,.0f} times "
                        f"(the limit is {limits.max_compression_ratio:,.0f}), as a zip bomb does;"
                        " it was not read"
                    )
        if total > limits.max_uncompressed_bytes:
            raise _reject(
                f"would unpack to {_mb(total)}, over the {_mb(limits.max_uncompressed_bytes)} "
                "limit; remove pictures or copied-in sheets and send it again"
            )
        self.infos = {info.filename: info for info in infos}
        self._lower: dict[str, str] | None = None
        self.budget = limits.max_uncompressed_bytes

    def find(self, name: str) -> str | None:
        """The entry called ``name``; part names are case-insensitive in the package format."""
        if name in self.infos:
            return name
        if self._lower is None:
            self._lower = {n.lower(): n for n in self.infos}
        return self._lower.get(name.lower())

    def read(self, name: str) -> bytes:
        """One entry's bytes, unpacked from the file image with the output capped at its size.

        zipfile's own reader costs four times as much per entry; the central directory it parsed
        still says where each entry is, and the size and CRC are checked as zipfile would.
        """
        info = self.infos[name]
        size = info.file_size
        if size > self.budget:
            raise _reject(
                f"would unpack to more than the {_mb(self.limits.max_uncompressed_bytes)} limit; "
                "remove pictures or copied-in sheets and send it again"
            )
        offset = info.header_offset
        header = self.data[offset : offset + 30]
        if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
            raise _damaged(f"its part {name} is not where the zip's directory says")
        name_len, extra_len = struct.unpack_from("<HH", header, 26)
        start = offset + 30 + name_len + extra_len
        raw = self.view[start : start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            data = bytes(raw)
        else:
            try:
                data = zlib.decompressobj(-15).decompress(raw, size + 1)
            except zlib.error as e:
                raise _damaged(f"its part {name} cannot be unpacked: {_one_line(e)}") from e
        if len(data) > size:
            raise _reject(
                f"is suspicious: its part {name} holds more data than the zip says; it was not read"
            )
        if len(data) != size or zlib.crc32(data) != info.CRC:
            raise _damaged(f"its part {name} is incomplete or corrupt")
        self.budget -= size
        return data

    def xml(self, name: str) -> etree._Element:
        """Parse one part, refusing any DTD or entity declaration (billion laughs, XXE)."""
        return self._parse(name, self.read(name))

    def parsed(self, name: str, extract: Callable[[etree._Element, str], _T], key: str = "") -> _T:
        """What ``extract(root, key)`` takes from part ``name``, remembered by its exact bytes.

        Returns made from the same template repeat their small parts (the workbook, its
        relationships, styles, document properties) byte for byte, so each is parsed once per
        process. The bytes are still read and checked (size, CRC, budget) every time; only
        parts that parsed cleanly are remembered, and nothing shared may be changed by callers.
        """
        return _parsed(name, self.read(name), extract, key)

    def _parse(self, name: str, data: bytes) -> etree._Element:
        return _parse(name, data)


def _parse(name: str, data: bytes) -> etree._Element:
    """Parse part ``name``, refusing any DTD or entity declaration (billion laughs, XXE)."""
    _refuse_declarations(name, data)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise _syntax_error(name, e) from e
    _refuse_doctype(name, root)
    return root


def _parsed(name: str, data: bytes, extract: Callable[[etree._Element, str], _T], key: str) -> _T:
    """``extract(_parse(name, data), key)``, remembered by ``data`` (see _Package.parsed)."""
    cache_key = (extract, key, data)
    try:
        return cast(_T, _PARSED[cache_key])
    except KeyError:
        pass
    result = extract(_parse(name, data), key)
    if len(data) <= _PARSED_MAX_BYTES:
        if len(_PARSED) >= _PARSED_MAX_ENTRIES:
            del _PARSED[next(iter(_PARSED))]  # the oldest
        _PARSED[cache_key] = result
    return result


# Parsed small parts by their bytes (see _Package.parsed): bounded in count and in part size.
_PARSED: dict[tuple[object, str, bytes], object] = {}
_PARSED_MAX_ENTRIES = 128
_PARSED_MAX_BYTES = 256 * 1024


_COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}


def _check_entry(info: zipfile.ZipInfo) -> None:
    """Refuse zip features Excel never uses; bzip2 and LZMA would also inflate without a cap."""
    if info.flag_bits & 0x1:
        raise _reject(
            "uses zip encryption, which Excel never writes; save it again from Excel without a "
            "password and send it again"
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        method = _COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise _reject(
            f"was zipped with {method} compression, which Excel never uses; open and re-save it "
            "in Excel, then send it again"
        )


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _refuse_declarations(name: str, data: bytes) -> None:
    """Refuse a DTD before parsing: a byte scan for UTF-8, a decoded one for UTF-16 and UTF-32.

    _refuse_doctype checks again after parsing, for any other encoding libxml2 understands.
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _attack(name)
    if b"\x00" in data[:4]:
        for encoding in ("utf-16", "utf-32"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "<!DOCTYPE" in text or "<!ENTITY" in text:
                raise _attack(name)


def _refuse_doctype(name: str, root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    doctype: str = getattr(docinfo, "doctype", "")  # missing from lxml-stubs
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _attack(name)


def _syntax_error(name: str, e: etree.XMLSyntaxError) -> WorkbookRejected:
    if "amplification" in str(e):  # libxml2 stopped an entity expansion it found too large
        return _attack(name)
    return _damaged(f"{name} is not well-formed XML: {_one_line(e)}")


def _attack(name: str) -> WorkbookRejected:
    return _reject(
        f"contains XML the tool refuses to read (possible attack: a DTD or entity declaration in "
        f"{name}); it was not read — send the original workbook from outputs/ after filling it in"
    )


def _check_spreadsheet(package: _Package) -> None:
    """Refuse zips that are not plain .xlsx workbooks: macros, .ods, .xlsb, Word files."""
    names = package.infos
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lowered):
        raise _reject(
            "contains macros (a VBA project); save it as Excel Workbook (.xlsx), which removes "
            "the macros, and send it again"
        )
    if _macro_content_type(package):
        raise _reject(
            "is a macro-enabled workbook (.xlsm) renamed .xlsx; save it as Excel Workbook (.xlsx) "
            "and send it again"
        )
    if "mimetype" in lowered and b"opendocument" in package.read(package.find("mimetype") or ""):
        raise _reject(
            "is an OpenDocument spreadsheet (.ods); save it as Excel Workbook (.xlsx) and send it "
            "again"
        )
    if _workbook_part(package) is not None:
        return
    if "xl/workbook.bin" in lowered:
        raise _reject(
            "is an Excel Binary Workbook (.xlsb); save it as Excel Workbook (.xlsx) and send it "
            "again"
        )
    if "word/document.xml" in lowered:
        raise _reject(
            "is not an Excel workbook: it is a Word document renamed; send the filled-in .xlsx "
            "workbook from outputs/"
        )
    if "ppt/presentation.xml" in lowered:
        raise _reject(
            "is not an Excel workbook: it is a PowerPoint file renamed; send the filled-in .xlsx "
            "workbook from outputs/"
        )
    raise _reject(
        "is not an Excel workbook (it is a zip file with no workbook inside); send the filled-in "
        ".xlsx workbook from outputs/"
    )


def _macro_content_type(package: _Package) -> bool:
    name = package.find("[Content_Types].xml")
    return name is not None and b"macroenabled" in package.read(name).lower()


def _workbook_part(package: _Package) -> str | None:
    """The workbook part: ``xl/workbook.xml`` normally, else wherever ``_rels/.rels`` points."""
    name = package.find("xl/workbook.xml")
    if name is not None:
        return name
    rels_name = package.find("_rels/.rels")
    if rels_name is None:
        return None
    for rel_type, target in _relationships(package, rels_name, "").values():
        if rel_type.endswith("/officeDocument"):
            return package.find(target)
    return None


def _relationships(package: _Package, rels_name: str, base_dir: str) -> dict[str, tuple[str, str]]:
    """``{Id: (Type, part name)}`` from a ``.rels`` part; targets resolved against ``base_dir``."""
    return package.parsed(rels_name, _extract_relationships, base_dir)


def _extract_relationships(root: etree._Element, base_dir: str) -> dict[str, tuple[str, str]]:
    rels: dict[str, tuple[str, str]] = {}
    tag = f"{{{_REL_NS}}}Relationship"
    for rel in root.iter(tag):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join(base_dir, target))
        rels[rel.get("Id") or ""] = (rel.get("Type") or "", part)
    return rels


# --------------------------------------------------------------------------------------------
# Reading the parts


class _Tags:
    """Clark-notation tag names for one SpreadsheetML namespace (transitional or strict)."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self.sheets = f"{{{ns}}}sheets"
        self.sheet = f"{{{ns}}}sheet"
        self.workbook_pr = f"{{{ns}}}workbookPr"
        self.defined_names = f"{{{ns}}}definedNames"
        self.si = f"{{{ns}}}si"
        self.t = f"{{{ns}}}t"
        self.r = f"{{{ns}}}r"
        self.sheet_data = f"{{{ns}}}sheetData"
        self.row = f"{{{ns}}}row"
        self.c = f"{{{ns}}}c"
        self.v = f"{{{ns}}}v"
        self.f = f"{{{ns}}}f"
        self.is_ = f"{{{ns}}}is"
        self.protection = f"{{{ns}}}sheetProtection"
        self.num_fmts = f"{{{ns}}}numFmts"
        self.cell_xfs = f"{{{ns}}}cellXfs"


_TAGS: dict[str, _Tags] = {}


def _tags(ns: str) -> _Tags:
    """The (shared) tag names of namespace ``ns``."""
    tags = _TAGS.get(ns)
    if tags is None:
        tags = _Tags(ns)
        if len(_TAGS) < 16:
            _TAGS[ns] = tags
    return tags


def _namespace(root: etree._Element) -> str:
    tag = root.tag
    return tag[1 : tag.index("}")] if isinstance(tag, str) and tag.startswith("{") else ""


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


def _read_workbook(package: _Package, path: Path, sha256: str, fast: bool = True) -> ReadWorkbook:
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
    shared = _read_shared_strings(package, by_type.get("sharedStrings"), tags)
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
        sheets[name] = sheet
        local_names.append(name)

    return ReadWorkbook(
        path=path,
        sha256=sha256,
        sheets=sheets,
        custom_properties=_read_custom_properties(package),
        defined_names=_read_defined_names(part_info, local_names),
        date1904=date1904,
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


def _read_shared_strings(
    package: _Package, part: str | None, tags: _Tags
) -> dict[str, CellValue | None]:
    """One immutable cell per shared string (None for an empty one), shared by every use.

    Keyed by the index as cells write it (``"0"``, ``"1"``…), which saves an int() per cell.
    """
    name = package.find(part) if part else None
    if name is None:
        return {}
    root = package.xml(name)
    t_tag = tags.t
    keys = _INDEX_KEYS
    shared: dict[str, CellValue | None] = {}
    for index, si in enumerate(root.iterchildren(tags.si)):
        if len(si) == 1 and si[0].tag == t_tag:  # plain text: _rich_text, inlined
            text = si[0].text or ""
            if "_x" in text:
                text = _unescape(text)
        else:
            text = _rich_text(si, tags)
        shared[keys[index] if index < len(keys) else str(index)] = _cell(text) if text else None
    return shared


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
        else:
            data = package.read(part)
            if not (self.fast and self._plain_sheet(part, data, sheet)):
                self._tree_sheet(part, data, sheet)
        # One regex over all keys; only odd files ("$B$12", "b12", "B012") need a cell-by-cell look.
        if sheet.cells and not _CANONICAL_REFS.fullmatch("\n".join(sheet.cells) + "\n"):
            sheet.cells = _canonical_cells(sheet)

    def _plain_sheet(self, part: str, data: bytes, sheet: Sheet) -> bool:
        """Read a sheet whose cells are written plainly, as Excel, LibreOffice and openpyxl
        write them, without building a tree; False (nothing read) for any other sheet.

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
            return False
        if data.startswith(b"<sheetData/>", start):
            rows, end = "", start + 12
        elif data.startswith(b"<sheetData>", start):
            close = data.find(b"</sheetData>", start)
            if close < 0:
                return False
            try:
                rows = data[start + 11 : close].decode("utf-8")
            except UnicodeDecodeError:
                return False
            end = close + 12
        else:
            return False
        if "]]>" in rows or not _PLAIN_ROWS.fullmatch(rows):
            return False
        try:
            placed, protected, prefixes = _parsed(
                part, data[:start] + b"<sheetData/>" + data[end:], _extract_skeleton, self.tags.ns
            )
        except WorkbookRejected:
            return False  # lxml says why, about the whole part
        if not placed or ("x14ac:" in rows and "x14ac" not in prefixes):
            return False
        if "&#" in rows:
            try:  # a character reference XML forbids: lxml says why
                _xml_text("".join(_CHAR_REFS.findall(rows)))
            except _NotPlain:
                return False
        cells = sheet.cells
        shared = self.shared
        date_styles = self._date_styles
        for ref, s, t, opened, f, v, inline in _PLAIN_CELL.findall(rows):
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
        sheet.protected = protected
        return True

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


# --------------------------------------------------------------------------------------------
# Template identity


_NOT_OURS = (
    "is not a workbook made by selfassess (no template identity). Use the workbooks from "
    "outputs/ and fill them in, rather than copying their contents into a new file"
)


def identity_places(wb: ReadWorkbook) -> dict[str, dict[str, str]]:
    """The identity found in each place that holds one: document properties, hidden sheet."""
    places: dict[str, dict[str, str]] = {}
    props = {
        key[len(IDENTITY_PREFIX) :]: value
        for key, value in wb.custom_properties.items()
        if key.startswith(IDENTITY_PREFIX)
    }
    if props:
        places["document properties"] = props
    sheet = wb.sheets.get(IDENTITY_SHEET)
    if sheet is not None:
        from_sheet: dict[str, str] = {}
        for row, _cells in sheet.rows():
            key = sheet.text(f"A{row}").strip()
            if key and not (row == 1 and key == "key"):
                from_sheet[key] = sheet.text(f"B{row}")
        if from_sheet:
            places["hidden sheet"] = from_sheet
    return places


def read_identity(wb: ReadWorkbook) -> dict[str, str]:
    """The template identity, from both places when both survive (and then they must agree)."""
    places = identity_places(wb)
    if not places:
        raise WorkbookRejected(MISMATCH, _NOT_OURS)
    # One place alone is accepted: a re-save by another program may drop the custom properties,
    # or someone may delete the hidden sheet; identity_places() tells the caller which survived.
    first, *others = places.values()
    for other in others:
        if other != first:
            differ = sorted(k for k in first.keys() | other.keys() if first.get(k) != other.get(k))
            raise WorkbookRejected(
                MISMATCH,
                "has template identity in the hidden sheet and the document properties that "
                f"disagree (on {', '.join(differ)}): it may have been edited by hand or copied "
                "from another workbook; use a fresh workbook from outputs/",
            )
    return dict(first)


__all__ = [
    "MISMATCH",
    "UNREADABLE",
    "CellScalar",
    "CellValue",
    "ReadWorkbook",
    "Sheet",
    "SheetState",
    "WorkbookRejected",
    "column_letters",
    "date_format_kind",
    "format_value",
    "identity_places",
    "open_workbook",
    "read_identity",
    "split_ref",
]
