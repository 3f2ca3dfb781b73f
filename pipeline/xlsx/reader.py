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
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.settings import LimitSettings
from pipeline.xlsx.annotations import sheet_annotations
from pipeline.xlsx.cells import ReadWorkbook, Sheet, SheetState, _damaged, _reject
from pipeline.xlsx.drawings import modified, sheet_pictures
from pipeline.xlsx.package import (
    _OFFICE_REL_NS,
    _check_not_other_format,
    _check_spreadsheet,
    _namespace,
    _open_zip,
    _Package,
    _read_file,
    _relationships,
    _Tags,
    _tags,
    _workbook_part,
)
from pipeline.xlsx.shared_strings import read_shared_strings
from pipeline.xlsx.sheet_reader import _CellReader, _read_date_styles

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
    shared = read_shared_strings(package, by_type.get("sharedStrings"), tags, fast)
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
