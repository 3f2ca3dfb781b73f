"""Reading the evidence library register by its header row, so added rows and columns are read."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.forms.register import (
    COLUMNS,
    IR_SHEET,
    NO,
    NOT_APPLICABLE,
    PUBLIC_CHOICES,
    REDACTED_CHOICES,
    REGISTER_SHEET,
    YES,
)
from pipeline.model.findings import Finding, error, excerpt
from pipeline.model.inputs import EvidenceItem, EvidenceLibrary, Located
from pipeline.read.annotations import unread_annotations
from pipeline.read.common import _ignored, _open, _other_sheets, _template_texts, find_header_row
from pipeline.read.dates import parse_date
from pipeline.read.expected import cache_dir
from pipeline.read.labels import normalise_label
from pipeline.xlsx.identity import IDENTITY_SHEET, LIBRARY

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import CellValue, Sheet


# Pasted registers may have a title or notes above their headings: look this far down for them.


_HEADER_KEYS: dict[str, str] = {}


for _c in COLUMNS:
    for _name in (_c.header, *_c.aliases):
        _HEADER_KEYS.setdefault(normalise_label(_name, notes=False), _c.key)


def _choice(text: str, choices: tuple[str, ...]) -> str:
    """``'y'`` -> ``'Yes'``, ``'N/A'`` -> ``'Not applicable'``; anything else as typed."""
    key = normalise_label(text, notes=False)
    synonyms = {
        "yes": YES,
        "y": YES,
        "true": YES,
        "no": NO,
        "n": NO,
        "false": NO,
        "not applicable": NOT_APPLICABLE,
        "n a": NOT_APPLICABLE,
        "na": NOT_APPLICABLE,
    }
    found = synonyms.get(key)
    return found if found in choices else text.strip()


_IR_TOKEN = re.compile(r"IR\s*-?\s*(\d+)", re.IGNORECASE)


def parse_ir_items(text: str) -> tuple[str, ...]:
    """``'IR5, ir 6;IR7'`` -> ``('IR5', 'IR6', 'IR7')``. Pieces that are not an IR code are kept
    as typed, so that the ``unknown-ir-item`` rule can point at them."""
    out: list[str] = []
    for piece in re.split(r"[,;/\n\r\t&+]+|\s+and\s+", text):
        piece = piece.strip()
        if not piece:
            continue
        codes = _IR_TOKEN.findall(piece)
        if codes and not _IR_TOKEN.sub("", piece).strip():
            out += [f"IR{c}" for c in codes]
        else:
            out.append(piece)
    return tuple(dict.fromkeys(out))


def parse_quality_statements(text: str, framework: Framework) -> tuple[str, ...]:
    """``'QS1; Safeguarding'`` -> ``('QS1', 'QS7')``; ``'All'`` -> ``('ALL',)``. A theme's name
    stands for its quality statements; anything else is kept as typed."""
    names = _quality_statement_names(framework)
    out: list[str] = []
    for piece in re.split(r"[,;\n\r\t]+", text):
        piece = piece.strip()
        if not piece:
            continue
        key = normalise_label(piece, notes=False)
        if m := re.fullmatch(r"qs\s*(\d+)", key):
            out.append(f"QS{int(m[1])}")
        elif key in ("all", "all themes", "all quality statements"):
            out.append("ALL")
        elif key in names:
            out += names[key]
        else:
            out.append(piece)
    return ("ALL",) if "ALL" in out else tuple(dict.fromkeys(out))


@lru_cache(maxsize=8)
def _quality_statement_names(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Each quality statement's and theme's name, as compared, with the codes it stands for
    (made once per framework, not once per register row)."""
    names: dict[str, tuple[str, ...]] = {
        normalise_label(qs.name, notes=False): (qs.code,) for qs in framework.quality_statements
    }
    for theme in framework.themes:
        names.setdefault(
            normalise_label(theme.name, notes=False),
            tuple(qs.code for qs in theme.quality_statements),
        )
    return names


@lru_cache(maxsize=8)
def _ir_quality_statements(framework: Framework) -> dict[str, tuple[str, ...]]:
    return {item.code: item.quality_statements for item in framework.ir_items}


def derived_quality_statements(framework: Framework, ir_items: Iterable[str]) -> tuple[str, ...]:
    """The quality statements of a document's (known) IR items, in framework order."""
    codes: set[str] = set()
    known = _ir_quality_statements(framework)
    for code in ir_items:
        if code in known:
            codes.update(known[code])
    if "ALL" in codes:
        return ("ALL",)
    return tuple(qs.code for qs in framework.quality_statements if qs.code in codes)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterItem(EvidenceItem):
    """An evidence item as read from the register, with the cell of each field it came from.

    (``cells`` maps field names such as ``"link"`` to cell references, so that rules can point
    at the exact cell even in a pasted register whose columns are in another order.)
    """

    cells: tuple[tuple[str, str], ...] = ()
    typed_date: str = ""


def cell_of(item: EvidenceItem, key: str) -> str | None:
    """The cell a register field was read from (the item's own cell when not known)."""
    for name, ref in getattr(item, "cells", ()):
        if name == key:
            return str(ref)
    return item.at.cell


def _find_header(sheet: Sheet) -> tuple[int, dict[int, str]] | None:
    """The register's header row and its columns (column number -> field key), if any."""
    return find_header_row(sheet, _HEADER_KEYS, {"id", "title"})


def read_library(ws: Workspace) -> tuple[EvidenceLibrary | None, list[Finding]]:
    """The evidence library register as typed, and what reading it found (SPEC §9)."""
    path = ws.evidence_library
    file = ws.relative(path)
    wb, ours, found = _open(ws, path, LIBRARY.kind, "evidence library register")
    if wb is None:
        return None, found
    candidates = sorted(wb.sheets.values(), key=lambda s: (s.name != REGISTER_SHEET,))
    for sheet in candidates:
        if sheet.name == IDENTITY_SHEET or (not ours and sheet.state != "visible"):
            continue
        header = _find_header(sheet)
        if header is not None:
            break
    else:
        headings = ", ".join(c.header for c in COLUMNS)
        return None, [
            error(
                "template-mismatch",
                file,
                "has no row of column headings with at least ID and Title, so it cannot be read "
                f"as the evidence library register. Use the headings {headings}.",
            )
        ]
    header_row, columns = header
    template = _template_texts(ws.framework, LIBRARY.kind, cache_dir(ws))
    findings: list[Finding] = []
    if ours:
        findings += _unplaced_above(sheet, header_row, template.get(sheet.name, frozenset()), file)
        if IR_SHEET in wb.sheets:
            findings += _unplaced_ir_sheet(
                wb.sheets[IR_SHEET], template.get(IR_SHEET, frozenset()), file
            )
    findings += _other_sheets(wb, {sheet.name, IR_SHEET} if ours else {sheet.name}, file)
    items, row_findings = _read_rows(ws.framework, sheet, header_row, columns, file)
    findings += row_findings + unread_annotations(wb, file)
    return EvidenceLibrary(file=file, items=tuple(items)), findings


def _unplaced_above(
    sheet: Sheet, header_row: int, template: frozenset[str], file: str
) -> list[Finding]:
    """Text typed above the headings of our own register (its title and notes are fine)."""
    found = []
    for row, cells in sheet.rows():
        if row >= header_row:
            break
        for ref, _cell in cells:
            text = sheet.text(ref)
            if text.strip() and text not in template:
                found.append(_ignored(file, sheet.name, ref, text, "above the column headings"))
    return found


def _unplaced_ir_sheet(sheet: Sheet, template: frozenset[str], file: str) -> list[Finding]:
    """The IR items sheet is the tool's own: anything typed on it would be lost."""
    found = []
    for ref, cell in sheet.cells.items():
        if cell.formula is not None:
            continue
        text = sheet.text(ref)
        if text.strip() and text not in template:
            found.append(_ignored(file, sheet.name, ref, text, f"on the '{sheet.name}' sheet"))
    return found


def _read_rows(
    framework: Framework, sheet: Sheet, header_row: int, columns: dict[int, str], file: str
) -> tuple[list[EvidenceItem], list[Finding]]:
    from pipeline.xlsx.cells import column_letters, split_ref

    items: list[EvidenceItem] = []
    findings: list[Finding] = []
    letters = {key: column_letters(col) for col, key in columns.items()}
    unknown: dict[int, list[str]] = {}
    for row, cells in sheet.rows():
        if row <= header_row:
            continue
        values: dict[str, CellValue] = {}
        for ref, cell in cells:
            col = split_ref(ref)[1]
            if col in columns:
                values[columns[col]] = cell
            elif sheet.text(ref).strip():
                unknown.setdefault(col, []).append(ref)
        refs = {key: f"{letter}{row}" for key, letter in letters.items()}
        findings += _formulas(values, refs, sheet.name, file)
        texts = {key: sheet.text(refs[key]) for key in values}
        # Blank rows, and IDs numbered in advance with nothing else yet, are not documents.
        if not any(t.strip() for key, t in texts.items() if key != "id"):
            continue
        item, problems = _read_row(framework, values, texts, refs, row, sheet.name, file)
        findings += problems
        if item is not None:
            items.append(item)
    for col, refs_in_col in sorted(unknown.items()):
        heading = sheet.text(f"{column_letters(col)}{header_row}").strip()
        name = f"column {column_letters(col)}" + (f" (‘{heading}’)" if heading else "")
        first = refs_in_col[0]
        findings.append(
            error(
                "ignored-content",
                file,
                f"Text in {name} is not read: {len(refs_in_col)} cells, from "
                f"“{excerpt(sheet.text(first))}”. The register's columns are "
                f"{', '.join(c.header for c in COLUMNS)}: move it into Notes, or delete it.",
                sheet=sheet.name,
                cell=first,
            )
        )
    return items, findings


def _formulas(
    values: dict[str, CellValue], refs: dict[str, str], sheet: str, file: str
) -> list[Finding]:
    """``formula-in-input`` for each formula in the row's cells, which are then read as empty
    (dropped from ``values``); a =HYPERLINK() in the Link column is a link, and read as one."""
    from pipeline.read.formulas import formula_in_input

    found: list[Finding] = []
    headers = {c.key: c.header for c in COLUMNS}
    for key in [k for k, cell in values.items() if cell.formula is not None]:
        cell = values[key]
        if key == "link" and _HYPERLINK.match(cell.formula or ""):
            continue
        header = headers.get(key, key)
        found.append(formula_in_input(file, sheet, refs[key], cell, f"‘{header}’", field=header))
        del values[key]
    return found


_HYPERLINK = re.compile(r'^\s*=?\s*HYPERLINK\(\s*"((?:[^"]|"")*)"', re.IGNORECASE)


def _link(cell: CellValue | None, text: str) -> str:
    """The address in a link cell: the typed text, or the target of a =HYPERLINK() formula."""
    source = cell.formula if cell is not None and cell.formula else text
    if m := _HYPERLINK.match(source):
        return m[1].replace('""', '"').strip()
    return text.strip()


def _read_row(
    framework: Framework,
    values: dict[str, CellValue],
    texts: dict[str, str],
    refs: dict[str, str],
    row: int,
    sheet: str,
    file: str,
) -> tuple[EvidenceItem | None, list[Finding]]:
    findings: list[Finding] = []
    ident = texts.get("id", "").strip()
    id_ref = refs.get("id")
    if not ident:
        title = texts.get("title", "").strip()
        what = f"“{excerpt(title, 40)}”" if title else "a document"
        return None, [
            error(
                "missing-field",
                file,
                f"Row {row} has {what} but no ID, so summaries cannot cite it and it is left "
                "out. Give it a unique ID such as EV-001.",
                sheet=sheet,
                cell=id_ref,
                field="ID",
            )
        ]
    date: dt.date | None = None
    if "date" in values:
        raw = values["date"].value
        date = parse_date(raw)
        if date is None and texts["date"].strip():
            findings.append(
                error(
                    "invalid-date",
                    file,
                    f"{ident}: “{excerpt(texts['date'], 30)}” is not a date the tool can read. "
                    "Type the document's date, e.g. 01/03/2026 or March 2026.",
                    sheet=sheet,
                    cell=refs["date"],
                    field="Date",
                )
            )
    review_date: dt.date | None = None
    if "review_date" in values:
        review_date = parse_date(values["review_date"].value)
        if review_date is None and texts["review_date"].strip():
            findings.append(
                error(
                    "invalid-date",
                    file,
                    f"{ident}: “{excerpt(texts['review_date'], 30)}” is not a date the tool can "
                    "read. Type the review or end date, e.g. 31/03/2027 or March 2027.",
                    sheet=sheet,
                    cell=refs["review_date"],
                    field="Review or end date",
                )
            )
    ir_items = parse_ir_items(texts.get("ir_items", ""))
    typed_qs = parse_quality_statements(texts.get("quality_statements", ""), framework)
    item = RegisterItem(
        id=ident,
        title=texts.get("title", ""),
        link=_link(values.get("link"), texts.get("link", "")),
        ir_items=ir_items,
        quality_statements=typed_qs or derived_quality_statements(framework, ir_items),
        document_type=texts.get("document_type", ""),
        owner=texts.get("owner", ""),
        date=date,
        review_date=review_date,
        still_current=texts.get("still_current", ""),
        sections=texts.get("sections", ""),
        public=_choice(texts.get("public", ""), PUBLIC_CHOICES),
        redacted=_choice(texts.get("redacted", ""), REDACTED_CHOICES),
        notes=texts.get("notes", ""),
        at=Located(file=file, sheet=sheet, cell=id_ref),
        cells=tuple(sorted(refs.items())),
        typed_date=texts.get("date", ""),
    )
    return item, findings
