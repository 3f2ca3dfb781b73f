"""Reading returned Stage 2 summaries back by label, so that rows people add are read too."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.forms.summary import (
    FIELDS,
    FORM_SHEET,
    GUIDANCE_SHEET,
    IDS_COL,
    LABEL_COL,
    SECTIONS,
    STAGE1_COL,
    TEXT_COL,
    TOTAL_LABEL,
    WORDS_COL,
    FormField,
    _entry,
    _guidance_cells,
    accepted_texts,
    build_summary,
    guidance_digest,
    summary_title,
)
from pipeline.model.findings import Finding, error, excerpt, warning
from pipeline.model.inputs import Entry, Located, Summary, Text
from pipeline.progress import Progress, no_progress
from pipeline.read.dates import parse_date
from pipeline.read.expected import cap_per_sheet
from pipeline.read.labels import normalise_label
from pipeline.workspace import input_files
from pipeline.xlsx.identity import IDENTITY_SHEET, SUMMARY, identity_problem
from pipeline.xlsx.write import Style, clean_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from openpyxl import Workbook

    from pipeline.model.stage1 import QSResult
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import ReadWorkbook, Sheet


@dataclass
class ReadSummaries:
    """What reading ``inputs/stage2/`` gave: one summary per quality statement, every finding."""

    summaries: list[Summary]
    findings: list[Finding]


# Reporting stops after this many cells of one sheet; one more finding says how many were left.


def summary_files(ws: Workspace) -> list[Path]:
    """Every file under ``inputs/stage2/`` (any sub-folder) except lock files, in path order."""
    return input_files(ws.stage2_inputs)


def read_summaries(
    ws: Workspace,
    stage1: Mapping[str, QSResult] | None = None,
    progress: Progress = no_progress,
) -> ReadSummaries:
    """Read and check every completed summary under ``inputs/stage2/``; writes nothing.

    ``stage1`` holds the Stage 1 results the summaries were generated with (by quality
    statement), so that their guidance sheets can be recognised; None when there are none."""
    reader = _SummaryReader(ws, stage1 or {})
    files = summary_files(ws)
    for path in progress(files, len(files), "Reading Stage 2 summaries"):
        reader.read(path)
    return ReadSummaries(reader.summaries, reader.findings)


_LABELS = {normalise_label(f.label): f for f in FIELDS}


_ENTRY_LABEL = re.compile(r"(strength|areas? (?:for|of) improvement)\s*(\d{1,3})")


def match_label(text: str) -> FormField | None:
    """The field a column A label names: one of the form's, or an added ``Strength 4``."""
    norm = normalise_label(text)
    known = _LABELS.get(norm)
    if known is not None:
        return known
    match = _ENTRY_LABEL.fullmatch(norm)
    if match is None:
        return None
    number = int(match.group(2))
    if match.group(1) == "strength":
        return _entry(f"Strength {number}", "strengths", "")
    return _entry(f"Area for improvement {number}", "improvements", "")


class _SummaryReader:
    """Reads completed summaries one at a time, remembering what spots duplicates."""

    def __init__(self, ws: Workspace, stage1: Mapping[str, QSResult]) -> None:
        self.ws = ws
        self.framework = ws.framework
        self.summaries: list[Summary] = []
        self.findings: list[Finding] = []
        self.by_sha: dict[str, str] = {}
        self.by_qs: dict[str, str] = {}
        self._guidance: dict[tuple[str, str], dict[str, str] | None] = {}
        self._stage1 = stage1
        self._style: Style | None = None

    def read(self, path: Path) -> None:
        from pipeline.xlsx.cells import WorkbookRejected
        from pipeline.xlsx.identity import read_identity
        from pipeline.xlsx.reader import open_workbook

        rel = self.ws.relative(path)
        try:
            wb = open_workbook(path, self.ws.settings.limits, pictures=True)
            identity = read_identity(wb)
        except WorkbookRejected as e:
            self.findings.append(e.finding(rel))
            return
        problem = self.identity_problem(identity)
        if problem:
            self.findings.append(error("template-mismatch", rel, problem))
            return
        first = self.by_sha.setdefault(wb.sha256, rel)
        if first != rel:
            self.findings.append(
                warning(
                    "duplicate-return",
                    rel,
                    f"is an exact copy of {first}; only that one is read. Delete one of them.",
                )
            )
            return
        code = identity["quality_statement"]
        qs = self.framework.quality_statement(code)
        first = self.by_qs.setdefault(code, rel)
        if first != rel:
            self.findings.append(
                error(
                    "duplicate-summary",
                    rel,
                    f"is a second summary for {code} {qs.name} (the first is {first}); only "
                    "that one is read. Keep the up-to-date one in inputs/stage2/ and move the "
                    "other out.",
                )
            )
            return
        form = _find_form_sheet(wb)
        if form is None:
            self.findings.append(
                error(
                    "template-mismatch",
                    rel,
                    f"has no ‘{FORM_SHEET}’ sheet with the form's labels in column A (it was "
                    "deleted, or the labels were changed), so nothing can be read; copy the "
                    "answers into a fresh workbook from outputs/stage2/templates/",
                )
            )
            return
        from pipeline.read.annotations import unread_annotations
        from pipeline.read.pictures import read_pictures

        form_reader = _FormReader(rel, form, accepted_texts(summary_title(self.framework, qs)))
        pictures, found = read_pictures(
            wb,
            rel,
            form.name,
            form_reader.others_area(),
            f"{code} {qs.name}",
            self.ws.settings.report,
        )
        signature = identity.get("printed", "")
        summary = replace(
            form_reader.summary(code), pictures=tuple(pictures), layout_signature=signature
        )
        self.summaries.append(summary)
        self.findings.extend(form_reader.findings)
        self.findings.extend(found)
        self.findings.extend(self.guidance_changes(wb, rel, identity))
        self.findings.extend(_extra_sheets(wb, rel, form.name))
        self.findings.extend(unread_annotations(wb, rel))

    def identity_problem(self, identity: dict[str, str]) -> str | None:
        """Why this workbook is not a current Stage 2 summary, or None when it is one."""
        fresh = "copy the answers into a fresh workbook from outputs/stage2/templates/"
        return identity_problem(identity, SUMMARY, self.framework, fresh, fresh)

    @property
    def style(self) -> Style:
        if self._style is None:
            self._style = Style.load(self.ws.template("xlsx/style.toml"))
        return self._style

    def template(self, code: str, stage1: QSResult | None) -> Workbook:
        return build_summary(
            self.framework,
            self.framework.quality_statement(code),
            self.style,
            stage1,
            self.ws.settings.council,
            self.ws.settings.report.word_limit,
        )

    def guidance_changes(
        self, wb: ReadWorkbook, rel: str, identity: dict[str, str]
    ) -> list[Finding]:
        """Text typed on the guidance sheet (it would be lost)."""
        from pipeline.read.expected import unplaced_cells

        sheet = wb.sheets.get(GUIDANCE_SHEET)
        if sheet is None:
            return []  # deleted: nothing anyone typed is lost
        digest = identity.get("guidance", "")
        if guidance_digest({ref: sheet.text(ref) for ref in sheet.cells}) == digest:
            return []
        expected = self.expected_guidance(identity["quality_statement"], digest)
        if expected is None:
            return [
                warning(
                    "guidance-changed",
                    rel,
                    f"The ‘{GUIDANCE_SHEET}’ sheet has been changed since the workbook was made; "
                    f"anything typed on it is not read. Put your text on the ‘{FORM_SHEET}’ "
                    "sheet.",
                    sheet=GUIDANCE_SHEET,
                )
            ]
        others = frozenset(name for name in wb.sheets if name != GUIDANCE_SHEET)
        found = unplaced_cells(wb, {GUIDANCE_SHEET: expected}, {}, rel, skip_sheets=others)
        return cap_per_sheet(found, GUIDANCE_SHEET, rel)

    def expected_guidance(self, code: str, digest: str) -> dict[str, str] | None:
        """The guidance sheet as generated (found by its fingerprint), or None if unknown."""
        key = (code, digest)
        if key not in self._guidance:
            self._guidance[key] = None
            for stage1 in (self._stage1.get(code), None):
                cells = _guidance_cells(self.template(code, stage1))
                if guidance_digest(cells) == digest:
                    self._guidance[key] = cells
                    break
        return self._guidance[key]


def _column(ref: str) -> str:
    """``"B12"`` -> ``"B"``."""
    return ref.rstrip("0123456789").replace("$", "").upper()


def _find_form_sheet(wb: ReadWorkbook) -> Sheet | None:
    """The form: the sheet called ‘Summary’, or else one (renamed) with the form's labels."""
    sheet = wb.sheets.get(FORM_SHEET)
    if sheet is not None:
        return sheet
    for name, candidate in wb.sheets.items():
        if name in (GUIDANCE_SHEET, IDENTITY_SHEET):
            continue
        labels = {
            normalise_label(candidate.text(f"A{row}"))
            for row, _cells in candidate.rows()
            if match_label(candidate.text(f"A{row}"))
        }
        if len(labels) >= 3:
            return candidate
    return None


def _extra_sheets(wb: ReadWorkbook, rel: str, form_name: str) -> list[Finding]:
    """One finding per sheet someone added: what is on it is not read."""
    found = []
    for name, sheet in wb.sheets.items():
        if name in (GUIDANCE_SHEET, form_name, IDENTITY_SHEET):
            continue
        filled = [ref for ref, cell in sheet.cells.items() if sheet.text(ref).strip()]
        if not filled:
            continue
        found.append(
            error(
                "ignored-content",
                rel,
                f"The sheet ‘{name}’ is not part of the form; its {len(filled)} filled "
                f"cell{'s' * (len(filled) != 1)} are not read. Move anything that matters into "
                f"the ‘{FORM_SHEET}’ sheet, then delete this sheet.",
                sheet=name,
                cell=filled[0],
            )
        )
    return found


class _FormReader:
    """Reads the form sheet by its labels; whatever it cannot place becomes a finding."""

    def __init__(self, rel: str, sheet: Sheet, known_texts: set[tuple[str, str]]) -> None:
        self.rel = rel
        self.sheet = sheet
        self.known = known_texts
        self.values: dict[str, Text] = {}
        self.first_row: dict[str, int] = {}
        self.entries: dict[str, list[Entry]] = {"strengths": [], "improvements": []}
        self.verified_on: dt.date | None = None
        self.verified_on_at: Located | None = None
        self.self_rating: int | None = None
        self.self_rating_at: Located | None = None
        self.findings: list[Finding] = []
        self.ignored: list[Finding] = []
        self.heading_rows: dict[str, int] = {}
        self._read()

    def at(self, ref: str | None) -> Located:
        return Located(file=self.rel, sheet=self.sheet.name, cell=ref)

    def text(self, ref: str, field: str | None = None) -> Text:
        from pipeline.read.formulas import formula_in_input

        cell = self.sheet.get(ref)
        if cell is not None and cell.formula is not None:
            what = f"‘{field}’" if field else "this field"
            self.findings.append(
                formula_in_input(self.rel, self.sheet.name, ref, cell, what, field=field)
            )
            return Text(value="", at=self.at(ref))
        value = self.sheet.text(ref)
        _, removed = clean_text(value)
        if removed:
            chars = ", ".join(sorted(set(removed)))
            self.findings.append(
                warning(
                    "invalid-characters",
                    self.rel,
                    f"The text has characters a workbook cannot hold ({chars}); they are left "
                    "out of the report. Nothing else is lost.",
                    sheet=self.sheet.name,
                    cell=ref,
                )
            )
        return Text(value=value, at=self.at(ref))

    def ignore(self, ref: str, message: str, field: str | None = None) -> None:
        where = {"sheet": self.sheet.name, "cell": ref, "field": field}
        self.ignored.append(error("ignored-content", self.rel, message, **where))

    def others_area(self) -> tuple[int, int] | None:
        """The rows of the "What others say" area: from its heading (or its field's row) to
        the row before the next heading or field; None when its label is gone."""
        row = self.first_row.get(_OTHERS.label)
        if row is None:
            return None
        heading = self.heading_rows.get(normalise_label(_OTHERS_HEADING), row)
        start = heading if heading <= row else row
        later = [r for r in (*self.first_row.values(), *self.heading_rows.values()) if r > row]
        return start, (min(later) - 1 if later else 1_048_576)

    def _read(self) -> None:
        for row, cells in self.sheet.rows():
            heading = normalise_label(self.sheet.text(f"{LABEL_COL}{row}"))
            if heading in _HEADINGS:
                self.heading_rows.setdefault(heading, row)
            label_cell = self.sheet.get(f"{LABEL_COL}{row}")
            f = None
            if label_cell is not None and label_cell.formula is None:
                f = match_label(self.sheet.text(f"{LABEL_COL}{row}"))
            if f is not None:
                self._field_row(row, f, [(_column(r), r) for r, _ in cells])
            else:
                self._other_row(row, [(_column(r), r) for r, _ in cells])
        self.findings.extend(cap_per_sheet(self.ignored, self.sheet.name, self.rel))

    def _field_row(self, row: int, f: FormField, cells: list[tuple[str, str]]) -> None:
        inputs = {TEXT_COL, IDS_COL, STAGE1_COL} if f.kind == "entry" else {TEXT_COL}
        first = self.first_row.setdefault(f.label, row)
        if first != row:
            for col, ref in cells:
                if col != LABEL_COL and self.sheet.text(ref).strip():
                    self.ignore(
                        ref,
                        f"This is a second ‘{f.label}’ row; only the first (row {first}) is read, "
                        f"so “{excerpt(self.sheet.text(ref))}” would be lost. Move it into row "
                        f"{first} and delete this row.",
                        f.label,
                    )
            return
        text_ref = f"{TEXT_COL}{row}"
        if f.kind == "entry":
            entry = Entry(
                label=f.label,
                text=self.text(text_ref, f.label),
                evidence=self.text(f"C{row}", f.label),
                stage1=self.text(f"{STAGE1_COL}{row}", f.label),
            )
            self.entries[f.key].append(entry)
        elif f.kind == "date":
            self._date(text_ref)
        elif f.kind == "rating":
            self._rating(text_ref, f.label)
        else:
            self.values[f.key] = self.text(text_ref, f.label)
        for col, ref in cells:
            if col == LABEL_COL or col in inputs:
                continue
            cell = self.sheet.cells[ref]
            typed = self.sheet.text(ref)
            if col == WORDS_COL and f.counted:
                if cell.formula is None and not _is_number(cell.value) and typed.strip():
                    self._overwritten(ref, typed, f.label)
            elif typed.strip() or cell.formula:
                self.ignore(
                    ref,
                    f"Text beside the ‘{f.label}’ field, outside its yellow cell, is not read: "
                    f"“{excerpt(typed)}”. Move it into {text_ref}, or delete it.",
                    f.label,
                )

    def _other_row(self, row: int, cells: list[tuple[str, str]]) -> None:
        total_row = normalise_label(self.sheet.text(f"{LABEL_COL}{row}")) == normalise_label(
            TOTAL_LABEL
        )
        for col, ref in cells:
            cell = self.sheet.cells[ref]
            typed = self.sheet.text(ref)
            if total_row and col in (TEXT_COL, IDS_COL, WORDS_COL):
                if cell.formula is None and not _is_number(cell.value) and typed.strip():
                    self._overwritten(ref, typed, TOTAL_LABEL)
                continue
            if cell.formula is None and (not typed.strip() or (col, typed) in self.known):
                continue
            if cell.formula is not None and col == WORDS_COL:
                continue  # a word count of a row that is reported on its own
            if col == LABEL_COL:
                self.ignore(
                    ref,
                    f"Column A holds “{excerpt(typed)}”, which is not one of the form's labels, "
                    "so nothing in this row is read. Give the row one of the labels (such as "
                    "‘Strength 2’ or ‘What is our ambition?’), or delete it.",
                )
            elif self.sheet.text(f"{LABEL_COL}{row}").strip() == "" and col in (TEXT_COL, IDS_COL):
                self.ignore(
                    ref,
                    f"Row {row} has no label in column A, so “{excerpt(typed)}” is not read. "
                    "Move it into the yellow cell of the right field, or delete it.",
                )
            else:
                self.ignore(
                    ref,
                    f"Text in a cell outside the form is not read: “{excerpt(typed)}”. Move it "
                    "into the yellow cell of the right field, or delete it.",
                )

    def _overwritten(self, ref: str, typed: str, field: str) -> None:
        self.findings.append(
            warning(
                "formula-overwritten",
                self.rel,
                f"The word count in {ref} has been replaced by “{excerpt(typed)}”, which is not "
                "read (the tool counts the words itself). To see the count again, copy a word "
                "count cell from another row into it.",
                sheet=self.sheet.name,
                cell=ref,
                field=field,
            )
        )

    def _date(self, ref: str) -> None:
        from pipeline.read.formulas import formula_in_input

        self.verified_on_at = self.at(ref)
        cell = self.sheet.get(ref)
        if cell is not None and cell.formula is not None:
            what, field = "‘Verified on (date)’", "Verified on (date)"
            self.findings.append(
                formula_in_input(self.rel, self.sheet.name, ref, cell, what, field=field)
            )
            return
        if cell is None or not self.sheet.text(ref).strip():
            return
        when = parse_date(cell.value)
        if when is None:
            self.findings.append(
                error(
                    "invalid-date",
                    self.rel,
                    f"“{excerpt(self.sheet.text(ref))}” is not a date. Type the date the "
                    "summary was verified as dd/mm/yyyy, for example 04/12/2026.",
                    sheet=self.sheet.name,
                    cell=ref,
                    field="Verified on (date)",
                )
            )
        self.verified_on = when

    def _rating(self, ref: str, label: str) -> None:
        """The self-rating: ``3``, ``3 A good standard`` (from the list) or ``3.0``; anything
        else is ``rating-invalid``."""
        self.self_rating_at = self.at(ref)
        typed = self.text(ref, label).value.strip()
        if not typed:
            return
        match = re.fullmatch(r"([1-4])(?:\.0+)?(?:\s.*)?", typed, flags=re.DOTALL)
        if match is None:
            self.findings.append(
                error(
                    "rating-invalid",
                    self.rel,
                    f"The self-rating “{excerpt(typed)}” is not on the CQC's scale; choose 1, 2, "
                    "3 or 4 from the list (or leave it blank).",
                    sheet=self.sheet.name,
                    cell=ref,
                    field=label,
                )
            )
            return
        self.self_rating = int(match.group(1))

    def summary(self, code: str) -> Summary:
        """What was read. Strengths and areas for improvement are the rows with something in
        them, in row order; when none has, the first (empty) row, so a rule can point at it."""

        def text(key: str) -> Text:
            return self.values.get(key) or Text(at=self.at(None))

        def entries(key: str) -> tuple[Entry, ...]:
            rows = self.entries[key]
            filled = [
                e
                for e in rows
                if not (e.text.blank and e.evidence.blank and (e.stage1 is None or e.stage1.blank))
            ]
            return tuple(filled or rows[:1])

        return Summary(
            file=self.rel,
            quality_statement=code,
            lead_officer_name=text("lead_officer_name"),
            lead_officer_post=text("lead_officer_post"),
            ambition=text("ambition"),
            strengths=entries("strengths"),
            improvements=entries("improvements"),
            priorities=text("priorities"),
            others_say=text("others_say"),
            key_documents=text("key_documents"),
            verified_by_name=text("verified_by_name"),
            verified_by_post=text("verified_by_post"),
            verified_on=self.verified_on,
            verified_on_at=self.verified_on_at,
            self_rating=self.self_rating,
            self_rating_at=self.self_rating_at,
            rating_reason=self.values.get("rating_reason"),
        )


_OTHERS = next(f for f in FIELDS if f.key == "others_say")


_OTHERS_HEADING = next(s.heading for s in SECTIONS if _OTHERS in s.fields)


_HEADINGS = {normalise_label(s.heading) for s in SECTIONS}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
