"""Reading the overview workbook by label."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.forms.overview import OVERVIEW_FIELDS, OVERVIEW_SHEET, WORDS_LABEL
from pipeline.model.findings import Finding, error, excerpt
from pipeline.model.inputs import Located, Overview, SignOff, Text
from pipeline.read.annotations import unread_annotations
from pipeline.read.common import _ignored, _open, _other_sheets, _template_texts
from pipeline.read.dates import parse_date
from pipeline.read.expected import cache_dir
from pipeline.read.formulas import formula_in_input
from pipeline.read.labels import normalise_label
from pipeline.xlsx.identity import IDENTITY_SHEET, OVERVIEW

if TYPE_CHECKING:
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import CellValue, ReadWorkbook, Sheet


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadSignOff(SignOff):
    """A sign-off row as read, with the date as typed (when it could not be read as one)."""

    typed_date: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadOverview(Overview):
    """The overview as read, with the submission date as typed."""

    typed_submission_date: str = ""


_FIELD_KEYS = {normalise_label(f.label, notes=False): f.key for f in OVERVIEW_FIELDS}


_FIELD_KEYS[normalise_label("Logo file", notes=False)] = "logo"


_DATE_FIELDS = {"submission_date"}


def _find_overview_sheet(wb: ReadWorkbook) -> Sheet | None:
    """The sheet called Overview, or else the one with most of the overview's labels."""
    scores: list[tuple[bool, int, Sheet]] = []
    for sheet in wb.sheets.values():
        if sheet.name == IDENTITY_SHEET:
            continue
        labels = [
            normalise_label(sheet.text(f"A{row}"), notes=False) for row, _cells in sheet.rows()
        ]
        hits = sum(1 for label in labels if label in _FIELD_KEYS)
        if hits:
            scores.append((sheet.name == OVERVIEW_SHEET, hits, sheet))
    return max(scores, key=lambda s: s[:2])[2] if scores else None


def read_overview(ws: Workspace) -> tuple[Overview | None, list[Finding]]:
    """Council details, Section A and Section C from ``overview.xlsx``, found by label."""
    path = ws.overview
    file = ws.relative(path)
    wb, _ours, found = _open(ws, path, OVERVIEW.kind, "overview workbook")
    if wb is None:
        return None, found
    sheet = _find_overview_sheet(wb)
    if sheet is None:
        labels = ", ".join(f.label for f in OVERVIEW_FIELDS)
        return None, [
            error(
                "template-mismatch",
                file,
                f"has none of the overview's labels in column A ({labels}), so it cannot be "
                "read. Use the overview.xlsx made by 'selfassess init'.",
            )
        ]
    sheet, formulas = _without_formulas(sheet)
    findings: list[Finding] = []
    texts: dict[str, Text] = {}
    dates: dict[str, tuple[dt.date | None, Located, str]] = {}
    inputs: set[str] = set()
    skip: set[str] = set()
    sign_off: list[SignOff] = []
    sign_off_header: int | None = None

    def here(ref: str | None) -> Located:
        return Located(file=file, sheet=sheet.name, cell=ref)

    for row, _cells in sheet.rows():
        label = normalise_label(sheet.text(f"A{row}"), notes=False)
        if (
            sign_off_header is None
            and label == "role"
            and normalise_label(sheet.text(f"B{row}"), notes=False) == "name"
        ):
            sign_off_header = row
            continue
        key = _FIELD_KEYS.get(label)
        if label == normalise_label(WORDS_LABEL, notes=False):
            count = sheet.get(f"B{row}")
            if count is not None and count.formula is not None:
                skip.add(f"B{row}")  # the live word count, not typed
            continue
        if key is not None and key not in texts and key not in dates:
            ref = f"B{row}"
            inputs.add(ref)
            if key in _DATE_FIELDS:
                date, problem = _read_date(sheet, ref, file, "Submission date")
                dates[key] = (date, here(ref), sheet.text(ref))
                findings += problem
            else:
                texts[key] = Text(value=sheet.text(ref), at=here(ref))
            continue
        if sign_off_header is not None and row > sign_off_header:
            refs = [f"{c}{row}" for c in "ABCD"]
            if not any(sheet.text(r).strip() for r in refs):
                continue
            inputs.update(refs)
            role = sheet.text(f"A{row}").strip()
            date, problem = _read_date(sheet, f"C{row}", file, f"Date signed off ({role})")
            findings += problem
            sign_off.append(
                ReadSignOff(
                    role=role,
                    name=Text(value=sheet.text(f"B{row}"), at=here(f"B{row}")),
                    date=date,
                    date_at=here(f"C{row}"),
                    endorsement=Text(value=sheet.text(f"D{row}"), at=here(f"D{row}")),
                    typed_date=sheet.text(f"C{row}"),
                )
            )
    template = _template_texts(ws.framework, OVERVIEW.kind, cache_dir(ws)).get(
        OVERVIEW_SHEET, frozenset()
    )
    for ref, cell in formulas.items():
        if ref in inputs:
            findings.append(formula_in_input(file, sheet.name, ref, cell, "this overview field"))
        else:
            typed = "=" + (cell.formula or "")
            findings.append(_ignored(file, sheet.name, ref, typed, "outside the overview's fields"))
    for ref in sheet.cells:
        if ref in inputs or ref in skip:
            continue
        typed = sheet.text(ref)
        if typed.strip() and typed not in template:
            findings.append(_ignored(file, sheet.name, ref, typed, "outside the overview's fields"))
    findings += _other_sheets(wb, {sheet.name}, file)
    findings += unread_annotations(wb, file)

    def text(key: str) -> Text:
        return texts.get(key) or Text(value="", at=here(None))

    submission, submission_at, typed = dates.get("submission_date", (None, here(None), ""))
    overview = ReadOverview(
        file=file,
        council=text("council"),
        submission_date=submission,
        submission_date_at=submission_at,
        version_label=text("version_label"),
        logo=text("logo"),
        about_us=text("about_us"),
        our_strategy=text("our_strategy"),
        our_key_strengths=text("our_key_strengths"),
        our_key_risks=text("our_key_risks"),
        process=text("process"),
        sign_off=tuple(sign_off),
        typed_submission_date=typed,
    )
    return overview, findings


def _without_formulas(sheet: Sheet) -> tuple[Sheet, dict[str, CellValue]]:
    """The sheet without its formula cells (but the live word counts), and those cells: a
    formula is never read as an answer (see :mod:`pipeline.read.formulas`)."""
    from pipeline.xlsx.cells import Sheet as _Sheet

    counts = {
        f"B{row}"
        for row, _cells in sheet.rows()
        if normalise_label(sheet.text(f"A{row}"), notes=False)
        == normalise_label(WORDS_LABEL, notes=False)
    }
    formulas = {
        ref: cell
        for ref, cell in sheet.cells.items()
        if cell.formula is not None and ref not in counts
    }
    if not formulas:
        return sheet, {}
    cells = {ref: cell for ref, cell in sheet.cells.items() if ref not in formulas}
    return _Sheet(sheet.name, sheet.state, sheet.protected, cells, sheet.pictures), formulas


def _read_date(
    sheet: Sheet, ref: str, file: str, what: str
) -> tuple[dt.date | None, list[Finding]]:
    cell = sheet.get(ref)
    if cell is None or not sheet.text(ref).strip():
        return None, []
    date = parse_date(cell.value)
    if date is not None:
        return date, []
    return None, [
        error(
            "invalid-date",
            file,
            f"{what}: “{excerpt(sheet.text(ref), 30)}” is not a date the tool can read. "
            "Type a date, e.g. 01/03/2026.",
            sheet=sheet.name,
            cell=ref,
            field=what,
        )
    ]
