"""The safe reader's first half: the file and its zip, checked against every limit before any
XML is parsed (size, entries, compression ratio, DTD/entity declarations), and the package's
parts and relationships.
"""

from __future__ import annotations

import io
import os
import posixpath
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar, cast

from lxml import etree

from pipeline.settings import LimitSettings
from pipeline.xlsx.cells import WorkbookRejected, _damaged, _reject

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


_T = TypeVar("_T")


def _read_file(path: Path, limits: LimitSettings) -> bytes:
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limits.max_file_bytes:
                raise _too_large(size, limits)
            # Asking for the size the file has, not the limit: a read of the limit allocates
            # that much first, which costs more than reading a return.
            data = fh.read(size + 1)
            if len(data) > size:  # it grew since fstat: read on, up to the limit
                data += fh.read(limits.max_file_bytes + 1 - len(data))
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
    except NotImplementedError as e:  # zipfile's word for a zip version it cannot read
        raise _reject(
            f"was zipped in a way Excel never uses ({_one_line(e)}); open and re-save it in "
            "Excel, then send it again"
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
        info, raw = self._member(name)
        if info.compress_type == zipfile.ZIP_STORED:
            data = bytes(raw)
        else:
            try:
                data = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
            except zlib.error as e:
                raise _damaged(f"its part {name} cannot be unpacked: {_one_line(e)}") from e
        if len(data) > info.file_size:
            raise _reject(
                f"is suspicious: its part {name} holds more data than the zip says; it was not read"
            )
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise _damaged(f"its part {name} is incomplete or corrupt")
        self.budget -= info.file_size
        return data

    def memo_key(self, name: str, *what: Hashable) -> Hashable | None:
        """A key to remember by what ``what`` makes of part ``name``: the part's packed bytes,
        method, CRC and size, which always unpack to the same data (or fail the same way). None
        for a part too large to remember (see MEMO).

        Checked as :meth:`read` checks first (the budget, where the entry is), so a reader may
        look its result up by this, then either :meth:`read` the part or, having met the same
        content before, :meth:`skip` it.
        """
        info, raw = self._member(name)
        if info.file_size > MEMO.max_part_bytes:
            return None
        return (*what, info.compress_type, info.CRC, info.file_size, bytes(raw))

    def skip(self, name: str) -> None:
        """Count an entry whose content is known (by :meth:`memo_key`) as read, not unpacking it:
        its size still comes off the budget."""
        info, _raw = self._member(name)
        self.budget -= info.file_size

    def _member(self, name: str) -> tuple[zipfile.ZipInfo, memoryview]:
        """An entry's directory record and packed bytes, found through its local header; an
        entry bigger than what is left of the budget is refused before anything else."""
        info = self.infos[name]
        if info.file_size > self.budget:
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
        return info, self.view[start : start + info.compress_size]

    def xml(self, name: str) -> etree._Element:
        """Parse one part, refusing any DTD or entity declaration (billion laughs, XXE)."""
        return self._parse(name, self.read(name))

    def parsed(self, name: str, extract: Callable[[etree._Element, str], _T], key: str = "") -> _T:
        """What ``extract(root, key)`` takes from part ``name``, remembered by its content.

        Returns made from the same template repeat their small parts (the workbook, its
        relationships, styles, document properties) byte for byte, so each is unpacked and
        parsed once per process (see :meth:`remembered`; by its unpacked bytes too, for the same
        part packed differently). Nothing shared may be changed by callers.
        """
        return self.remembered(name, _parsed, extract, key)

    def remembered(self, name: str, make: Callable[..., _T], *args: Hashable) -> _T:
        """``make(name, data, *args)`` for part ``name``, remembered by the part's content.

        The same packed bytes (:meth:`memo_key`) give the same data, so a part met before is
        neither unpacked nor worked on again; its size still counts against the budget. Only
        results ``make`` returned (rather than raised) are remembered, and only for parts up to
        Memo.max_part_bytes; ``make`` must depend on nothing but its arguments.
        """
        memo_key = self.memo_key(name, make, *args)
        found = None if memo_key is None else MEMO.get(memo_key)
        if found is not None:
            self.skip(name)
            return cast(_T, found[0])
        result = make(name, self.read(name), *args)
        if memo_key is not None:
            MEMO.put(memo_key, (result,), self.infos[name].file_size)
        return result

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
    """``extract(_parse(name, data), key)``, remembered by ``data`` (see _Package.parsed): the
    same part packed differently, and the sheets' parts around their rows (_plain_sheet)."""
    cache_key = (extract, key, data)
    found = BY_DATA.get(cache_key)
    if found is not None:
        return cast(_T, found[0])
    result = extract(_parse(name, data), key)
    if len(data) <= BY_DATA.max_part_bytes:
        BY_DATA.put(cache_key, (result,), len(data))
    return result


_PARSED_MAX_BYTES = 256 * 1024


class Memo:
    """Results worked out from parts' content, kept for the next return that carries the same
    part: bounded in entries and in the bytes of the parts they were made from, the least
    recently used forgotten first. Keys must hold everything a result depends on. Safe to use
    from several threads (``selfassess serve`` reads workbooks in the background)."""

    def __init__(self, max_entries: int, max_bytes: int, max_part_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_part_bytes = max_part_bytes
        self._entries: dict[Hashable, tuple[tuple[object, ...], int]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[object, ...] | None:
        """The result remembered for ``key`` (in a 1-tuple, so that None can be remembered)."""
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None:
                return None
            self._entries[key] = entry  # now the most recently used
        return entry[0]

    def put(self, key: Hashable, result: tuple[object, ...], part_bytes: int) -> None:
        """Remember ``result``, made from a part of ``part_bytes`` unpacked bytes."""
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (result, part_bytes)
            self._bytes += part_bytes
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                oldest = next(iter(self._entries))
                self._bytes -= self._entries.pop(oldest)[1]

    def clear(self) -> None:
        """Forget everything (tests that count what is worked out afresh)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


# Shared by the package's parsed parts and the sheet reader's plain sheets. A return's parts
# are a few kilobytes; 512 entries keep every template's repeated parts while the parts unique
# to each return pass through.
MEMO = Memo(max_entries=512, max_bytes=32 * 1024 * 1024, max_part_bytes=_PARSED_MAX_BYTES)


# Parsed small parts by their unpacked bytes (see _parsed).
BY_DATA = Memo(max_entries=128, max_bytes=16 * 1024 * 1024, max_part_bytes=_PARSED_MAX_BYTES)


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
    return name is not None and package.remembered(name, _names_macros)


def _names_macros(_name: str, data: bytes) -> bool:
    return b"macroenabled" in data.lower()


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
