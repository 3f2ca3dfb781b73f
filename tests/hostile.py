"""Builders of hand-made, broken and hostile workbooks for tests; each writes a file and returns it.

A minimal valid ``.xlsx`` is a handful of XML parts in a zip. :func:`workbook_parts` makes them
from small pieces (sheet XML, shared strings) so a test can build exactly the file it needs, and
the hostile builders start from it and break one thing each, the way real files break.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sst(*items: str, raw: bool = False) -> str:
    """A sharedStrings part: each item is plain text, or (``raw=True``) the XML inside ``<si>``."""
    body = "".join(
        f"<si>{item}</si>" if raw else f'<si><t xml:space="preserve">{escape(item)}</t></si>'
        for item in items
    )
    return (
        f'{DECL}<sst xmlns="{MAIN_NS}" count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'
    )


def worksheet(sheet_data: str, after: str = "", ns: str = MAIN_NS) -> str:
    """A worksheet part holding ``sheet_data`` (the rows) and ``after`` (e.g. sheetProtection)."""
    return f'{DECL}<worksheet xmlns="{ns}"><sheetData>{sheet_data}</sheetData>{after}</worksheet>'


def styles(num_fmts: dict[int, str] | None = None, xf_formats: tuple[int, ...] = (0,)) -> str:
    """A styles part whose cellXfs use the number formats ``xf_formats`` (s="0", s="1", ...)."""
    fmts = num_fmts or {}
    fmt_xml = "".join(
        f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(code)}/>"
        for i, code in fmts.items()
    )
    xfs = "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0"/>' for i in xf_formats)
    return (
        f'{DECL}<styleSheet xmlns="{MAIN_NS}"><numFmts count="{len(fmts)}">{fmt_xml}</numFmts>'
        f'<cellXfs count="{len(xf_formats)}">{xfs}</cellXfs></styleSheet>'
    )


def workbook_parts(
    sheets: dict[str, str] | None = None,
    *,
    shared_strings: str | None = None,
    styles_xml: str | None = None,
    states: dict[str, str] | None = None,
    workbook_pr: str = "",
    custom_props: dict[str, str] | None = None,
    absolute_targets: bool = False,
    strict: bool = False,
) -> dict[str, str | bytes]:
    """The parts of a minimal .xlsx: ``sheets`` maps sheet names to worksheet XML, in order."""
    if sheets is None:
        sheets = {"Sheet1": worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')}
        shared_strings = shared_strings or sst("hello")
    ns, rel_ns = (STRICT_NS, STRICT_REL_NS) if strict else (MAIN_NS, REL_NS)
    states = states or {}
    prefix = "/xl/" if absolute_targets else ""
    rels: list[str] = []
    sheet_els: list[str] = []
    parts: dict[str, str | bytes] = {}
    overrides = [("/xl/workbook.xml", SHEET_CT)]
    for i, (name, xml) in enumerate(sheets.items(), start=1):
        state = f' state="{states[name]}"' if name in states else ""
        sheet_els.append(f'<sheet name={quoteattr(name)} sheetId="{i}"{state} r:id="rId{i}"/>')
        rels.append(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
            f'Target="{prefix}worksheets/sheet{i}.xml"/>'
        )
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        overrides.append(
            (
                f"/xl/worksheets/sheet{i}.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            )
        )
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
        rels.append(
            f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" '
            f'Target="{prefix}sharedStrings.xml"/>'
        )
    if styles_xml is not None:
        parts["xl/styles.xml"] = styles_xml
        rels.append(f'<Relationship Id="rIdT" Type="{REL_NS}/styles" Target="{prefix}styles.xml"/>')
    parts["xl/workbook.xml"] = (
        f'{DECL}<workbook xmlns="{ns}" xmlns:r="{rel_ns}">{workbook_pr}'
        f"<sheets>{''.join(sheet_els)}</sheets></workbook>"
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'{DECL}<Relationships xmlns="{PKG_REL_NS}">{"".join(rels)}</Relationships>'
    )
    root_rels = [
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    ]
    if custom_props is not None:
        props = "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" '
            f"name={quoteattr(key)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
            for i, (key, value) in enumerate(custom_props.items(), start=2)
        )
        parts["docProps/custom.xml"] = (
            f'{DECL}<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{props}</Properties>'
        )
        root_rels.append(
            f'<Relationship Id="rId2" Type="{REL_NS}/custom-properties" '
            'Target="docProps/custom.xml"/>'
        )
    parts["_rels/.rels"] = (
        f'{DECL}<Relationships xmlns="{PKG_REL_NS}">{"".join(root_rels)}</Relationships>'
    )
    parts["[Content_Types].xml"] = content_types(overrides)
    return parts


def content_types(overrides: list[tuple[str, str]]) -> str:
    """A ``[Content_Types].xml`` with the usual defaults and these part overrides."""
    body = "".join(f'<Override PartName="{p}" ContentType="{ct}"/>' for p, ct in overrides)
    return (
        f'{DECL}<Types xmlns="{CT_NS}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{body}</Types>'
    )


def write_zip(
    path: Path, parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    """Zip ``parts`` (text is written as UTF-8) into ``path``."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def write_xlsx(path: Path, sheets: dict[str, str] | None = None, **options: Any) -> Path:
    """A hand-made .xlsx: :func:`workbook_parts` zipped into ``path``."""
    return write_zip(path, workbook_parts(sheets, **options))


# ---------------------------------------------------------------------------------------------
# Files that are not workbooks at all


def random_bytes(path: Path, size: int = 4096, seed: int = 0) -> Path:
    """Noise, as when a download fails or a file is mis-named."""
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def pdf_file(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    return path


def csv_file(path: Path) -> Path:
    path.write_text("statement,rating\nWe assess needs,3 Tend to agree\n", encoding="utf-8")
    return path


def lock_file(path: Path) -> Path:
    """Excel's ``~$name.xlsx`` owner file: 165 bytes of user name and padding."""
    path.write_bytes(b"\x0bJane Smith" + b"\x20" * 43 + b"\x00" * 111)
    return path


def _ole(path: Path, stream_names: list[str]) -> Path:
    # Enough of a compound file for the tests: the signature, then a directory sector holding
    # the stream names in UTF-16LE as a real one does.
    header = OLE_MAGIC + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
        for name in ["Root Entry", *stream_names]
    )
    path.write_bytes(header + directory.ljust(2048, b"\x00"))
    return path


def password_protected(path: Path) -> Path:
    """An encrypted .xlsx: Excel wraps it in an OLE compound file with these streams."""
    return _ole(path, ["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])


def old_xls(path: Path) -> Path:
    """A BIFF8 .xls workbook: an OLE compound file with a Workbook stream."""
    return _ole(path, ["Workbook", "\x05SummaryInformation"])


# ---------------------------------------------------------------------------------------------
# Zips that are broken or hostile


def truncated_zip(path: Path, keep: float = 0.6) -> Path:
    """A valid workbook cut short, as by an interrupted copy or an email size limit."""
    write_xlsx(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def corrupt_entry(path: Path) -> Path:
    """A zip whose directory is intact but whose sheet data has flipped bytes."""
    write_zip(path, workbook_parts(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    at = data.index(b"<sheetData>") + 3
    data[at : at + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    return path


def future_zip_version(path: Path) -> Path:
    """A workbook whose zip directory asks for a zip version no program writes (9.9)."""
    write_xlsx(path)
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")  # the first directory entry
    data[at + 6] = 99  # "version needed to extract"
    path.write_bytes(bytes(data))
    return path


def zip_bomb(path: Path, size: int = 20 * 1024 * 1024) -> Path:
    """A workbook carrying a part of ``size`` zero bytes, which deflates about 1000 to 1."""
    write_zip(path, workbook_parts())
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/a.bin", "w") as fh,
    ):
        chunk = b"\x00" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    return path


def too_many_entries(path: Path, count: int = 600) -> Path:
    """A workbook with ``count`` extra tiny parts."""
    parts = workbook_parts()
    for i in range(count):
        parts[f"xl/media/image{i}.png"] = b"x"
    return write_zip(path, parts)


def bzip2_entry(path: Path) -> Path:
    """A workbook compressed with bzip2, which Excel never writes and which inflates unbounded."""
    return write_zip(path, workbook_parts(), compression=zipfile.ZIP_BZIP2)


def zip_encrypted_flag(path: Path) -> Path:
    """A workbook whose sheet entry claims traditional zip encryption."""
    write_zip(path, workbook_parts(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (at := data.find(signature, at)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[at + flag_at] |= 0x01
            at += 4
    path.write_bytes(bytes(data))
    return path


def billion_laughs(path: Path) -> Path:
    """Exponential entity expansion in sharedStrings.xml: a few hundred bytes, gigabytes of text."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
        f'<sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>'
    )
    return write_xlsx(path, None, shared_strings=xml)


def billion_laughs_utf16(path: Path) -> Path:
    """The same attack encoded as UTF-16, which a plain byte search for ``<!DOCTYPE`` misses."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [{entities}]>'
        f'<sst xmlns="{MAIN_NS}"><si><t>&lol9;</t></si></sst>'
    )
    parts = workbook_parts()
    parts["xl/sharedStrings.xml"] = xml.encode("utf-16")
    return write_zip(path, parts)


def external_entity(path: Path) -> Path:
    """XXE: a sheet whose text would pull in a local file if entities were resolved."""
    xml = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;'
        "</t></is></c></row></sheetData></worksheet>"
    )
    return write_xlsx(path, {"Sheet1": xml})


def macro_workbook(path: Path) -> Path:
    """An .xlsm renamed .xlsx: a VBA project and the macro-enabled content type."""
    parts = workbook_parts()
    parts["xl/vbaProject.bin"] = OLE_MAGIC + b"\x00" * 504
    parts["[Content_Types].xml"] = content_types([("/xl/workbook.xml", MACRO_CT)])
    return write_zip(path, parts)


def macro_content_type_only(path: Path) -> Path:
    """Saved as .xlsm without any macro yet: only the content type gives it away."""
    parts = workbook_parts()
    parts["[Content_Types].xml"] = content_types([("/xl/workbook.xml", MACRO_CT)])
    return write_zip(path, parts)


def word_document(path: Path) -> Path:
    """A .docx renamed .xlsx."""
    return write_zip(
        path,
        {
            "[Content_Types].xml": content_types([]),
            "_rels/.rels": f'{DECL}<Relationships xmlns="{PKG_REL_NS}"/>',
            "word/document.xml": (
                f'{DECL}<w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body/></w:document>'
            ),
        },
    )


def plain_zip(path: Path) -> Path:
    """A zip of unrelated files."""
    return write_zip(path, {"notes.txt": "hello", "photo.jpg": b"\xff\xd8\xff"})


def ods_file(path: Path) -> Path:
    """An OpenDocument spreadsheet renamed .xlsx."""
    return write_zip(
        path,
        {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
        compression=zipfile.ZIP_STORED,
    )


def xlsb_file(path: Path) -> Path:
    """An Excel Binary Workbook renamed .xlsx."""
    return write_zip(path, {"[Content_Types].xml": content_types([]), "xl/workbook.bin": b"\x83"})


def malformed_xml(path: Path) -> Path:
    """A sheet whose XML is cut off mid-element."""
    xml = f'{DECL}<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v>'
    return write_xlsx(path, {"Sheet1": xml}, shared_strings=sst("x"))


def missing_sheet_part(path: Path) -> Path:
    """workbook.xml names a sheet whose part is not in the zip."""
    parts = workbook_parts()
    del parts["xl/worksheets/sheet1.xml"]
    return write_zip(path, parts)


def missing_shared_string(path: Path) -> Path:
    """A cell pointing at shared string 5 of 1."""
    sheet = worksheet('<row r="1"><c r="A1" t="s"><v>5</v></c></row>')
    return write_xlsx(path, {"Sheet1": sheet}, shared_strings=sst("only one"))


def bad_number(path: Path) -> Path:
    """A number cell holding text."""
    sheet = worksheet('<row r="1"><c r="A1"><v>twelve</v></c></row>')
    return write_xlsx(path, {"Sheet1": sheet})


def bad_cell_reference(path: Path) -> Path:
    """A cell whose r= is not a cell reference."""
    sheet = worksheet('<row r="1"><c r="NOTACELL"><v>1</v></c></row>')
    return write_xlsx(path, {"Sheet1": sheet})


HOSTILE_BUILDERS = {
    "random-bytes": random_bytes,
    "empty": empty_file,
    "pdf": pdf_file,
    "csv": csv_file,
    "password-protected": password_protected,
    "old-xls": old_xls,
    "truncated-zip": truncated_zip,
    "corrupt-entry": corrupt_entry,
    "future-zip-version": future_zip_version,
    "zip-bomb": zip_bomb,
    "too-many-entries": too_many_entries,
    "bzip2": bzip2_entry,
    "zip-encrypted": zip_encrypted_flag,
    "billion-laughs": billion_laughs,
    "billion-laughs-utf16": billion_laughs_utf16,
    "external-entity": external_entity,
    "macro": macro_workbook,
    "macro-content-type": macro_content_type_only,
    "word-document": word_document,
    "plain-zip": plain_zip,
    "ods": ods_file,
    "xlsb": xlsb_file,
    "malformed-xml": malformed_xml,
    "missing-sheet-part": missing_sheet_part,
    "missing-shared-string": missing_shared_string,
    "bad-number": bad_number,
    "bad-cell-reference": bad_cell_reference,
}
