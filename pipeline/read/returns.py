"""Reading returned Stage 1 checklists: every rating, comment and stray cell, located."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, error, excerpt, warning
from pipeline.model.stage1 import NOT_GIVEN, OTHER_GROUP, Stage1Response, Stage1Return
from pipeline.progress import Progress, no_progress
from pipeline.workspace import input_files, printable_path
from pipeline.xlsx.identity import CHECKLIST, identity_problem

if TYPE_CHECKING:
    from pipeline.forms.checklist import ChecklistLayout
    from pipeline.framework import Framework, QualityStatement
    from pipeline.read.checklist_rows import ChecklistTable
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import CellScalar, CellValue, ReadWorkbook, Sheet


_APOSTROPHES = str.maketrans({"’": "", "‘": "", "'": "", "`": ""})


# "3", "3.0", "3 - Tend to agree", "3. tend to agree" (normalised): the number, then any label.
_NUMBER_THEN_LABEL = re.compile(r"([0-4])(?:\.0+)?(?:\s*[-–—.:)]?\s*([^\W\d_].*))?")


@dataclass
class ReadReturns:
    """What reading ``inputs/stage1/`` gave: the returns counted, every finding, the skipped."""

    returns: list[Stage1Return]
    findings: list[Finding]
    # The unreadable-file / template-mismatch findings of files not read (also in ``findings``).
    skipped: list[Finding]


def return_files(ws: Workspace) -> list[Path]:
    """Every file under ``inputs/stage1/`` (any sub-folder) except lock files, in path order."""
    return input_files(ws.stage1_inputs)


def read_returns(ws: Workspace, progress: Progress = no_progress) -> ReadReturns:
    """Read and check every return under ``inputs/stage1/``; writes nothing."""
    from pipeline.forked import map_split

    reader = _ReturnReader(ws)
    files = return_files(ws)

    def examine(paths: Sequence[Path]) -> list[_Read]:
        return [reader.examine(path) for path in paths]

    def examine_shown(paths: Sequence[Path]) -> list[_Read]:
        return examine(list(progress(paths, len(paths), "Reading Stage 1 returns")))

    # Enough returns to pay for a second process: half are read by a forked copy of this one.
    # This process reads the first return before, and has every blank checklist at hand, so
    # that the two do not both import the reader's modules or make the same blank checklist.
    reads = examine(files[:1])
    if len(files) > _SPLIT_FROM:  # as map_split splits the rest
        for qs in reader.framework.quality_statements:
            reader.template(qs.code)
    reads += map_split(examine, files[1:], least=_SPLIT_FROM, shown=examine_shown)
    for read in reads:
        reader.accept(read)
    # Survey exports in inputs/surveys/: each respondent's answers are returns like the rest
    # (the survey reader is imported only when there are some: read_surveys reads these files).
    if not input_files(ws.surveys_dir):
        return ReadReturns(reader.returns, reader.findings, reader.skipped)
    from pipeline.read.surveys import read_surveys

    surveys = read_surveys(ws, reader.ratings, parse_rating)
    return ReadReturns(
        [*reader.returns, *surveys.returns],
        [*reader.findings, *surveys.findings],
        [*reader.skipped, *surveys.skipped],
    )


def read_return(ws: Workspace, path: Path) -> ReadReturns:
    """Read and check one workbook as a Stage 1 return (wherever it is); writes nothing."""
    reader = _ReturnReader(ws)
    reader.accept(reader.examine(path))
    return ReadReturns(reader.returns, reader.findings, reader.skipped)


# From this many returns, a second process reads half of them (see pipeline.forked).
_SPLIT_FROM = 24


@dataclass
class _Read:
    """One file as read, before it is compared with the files before it: what it gave, and
    what tells a copy (its bytes' hash; its answers' key when they are distinctive)."""

    rel: str
    sha256: str = ""
    findings: list[Finding] = field(default_factory=list)
    # Not read at all (unreadable, not a current checklist): the finding saying so.
    skipped: Finding | None = None
    # The return counted (None: nothing was answered), and whether its answers are
    # distinctive enough to call another return with the same answers a copy.
    read: Stage1Return | None = None
    distinctive: bool = False


@dataclass(frozen=True)
class _Template:
    """A quality statement's blank checklist as read-back sees it."""

    qs: QualityStatement
    layout: ChecklistLayout
    expected: dict[str, dict[str, str]]
    # Worked out once, not for every return: the layout's input cells, and each statement's
    # (number, rating cell, evidence cell).
    input_cells: dict[str, set[str]] = field(default_factory=dict)
    statements: tuple[tuple[int, str, str], ...] = ()
    # The statement table, to find each statement by its text when rows or columns moved.
    table: ChecklistTable | None = None


@lru_cache(maxsize=32)
def _blank_checklist(
    framework: Framework, code: str, council: str, style_file: Path, cache: Path | None = None
) -> _Template:
    """Once per quality statement per process, and kept in ``cache`` between runs (see
    :func:`pipeline.read.expected.cached_expected_cells`): building one is the only openpyxl work
    in reading."""
    from pipeline.forms.checklist import (
        CHECKLIST_SHEET,
        HEADER_ROW,
        HEADINGS,
        STATEMENT_COL,
        ChecklistLayout,
        build_checklist,
    )
    from pipeline.read.checklist_rows import checklist_table
    from pipeline.read.expected import cached_expected_cells, framework_digest

    qs = framework.quality_statement(code)

    def build() -> object:
        from pipeline.xlsx.write import Style

        return build_checklist(framework, qs, Style.load(style_file), council)

    style = style_file.read_bytes().decode("utf-8", "replace") if style_file.is_file() else ""
    key = [framework_digest(framework), CHECKLIST.kind, CHECKLIST.version, code, council, style]
    shipped = [*key[:3], code]  # the texts do not depend on the council or the style
    expected = cached_expected_cells(cache, f"{CHECKLIST.kind}-{code}", key, build, shipped)
    layout = ChecklistLayout(len(qs.checklist_statements))
    statements = tuple(
        (number, layout.rating_cell(number), layout.evidence_cell(number))
        for number in range(1, layout.statements + 1)
    )
    input_cells = layout.input_cells
    table = checklist_table(
        CHECKLIST_SHEET,
        tuple(qs.checklist_statements),
        expected,
        input_cells,
        statements,
        HEADER_ROW,
        HEADINGS,
        STATEMENT_COL,
    )
    return _Template(qs, layout, expected, input_cells, statements, table)


class _ReturnReader:
    """Reads returns one at a time, remembering only what spots duplicates."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.framework = ws.framework
        self.limits = ws.settings.limits
        self.ratings = rating_lookup(self.framework)
        self.groups = {_norm(g): g for g in self.framework.respondent_groups}
        # The first file with each content hash: examined here, and accepted (in file order).
        self.by_sha: dict[str, str] = {}
        self.accepted: dict[str, str] = {}
        self.by_content: dict[str, str] = {}
        self.returns: list[Stage1Return] = []
        self.findings: list[Finding] = []
        self.skipped: list[Finding] = []
        self._templates: dict[str, _Template] = {}
        self._folders: dict[Path, str] = {}
        self._outside: set[Path] = set()
        self._ratings_read: dict[tuple[type, CellScalar], int | None] = {}

    def template(self, code: str) -> _Template:
        """The blank checklist of quality statement ``code``, as read-back sees it."""
        from pipeline.read.expected import cache_dir

        # Remembered here too: the lru_cache would hash the whole framework on every return.
        template = self._templates.get(code)
        if template is None:
            style_file = self.ws.template("xlsx/style.toml")
            template = _blank_checklist(
                self.framework, code, self.ws.settings.council, style_file, cache_dir(self.ws)
            )
            self._templates[code] = template
        return template

    def parse_rating(self, value: CellScalar) -> int | None:
        """:func:`parse_rating`, remembered for the value (by type too: ``True == 1``): most
        returns choose from the same few dropdown labels."""
        key = (type(value), value)
        if key not in self._ratings_read:
            if len(self._ratings_read) >= 10_000:
                self._ratings_read.clear()
            self._ratings_read[key] = parse_rating(value, self.ratings)
        return self._ratings_read[key]

    def skip(self, finding: Finding) -> None:
        self.skipped.append(finding)
        self.findings.append(finding)

    def relative(self, path: Path) -> str:
        """``ws.relative(path)``, resolving each folder once rather than every file's path."""
        if path.is_symlink():
            return self.ws.relative(path)
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = self.ws.relative(path.parent)
            if folder == str(path.parent):  # outside the workspace: as ws.relative says it
                self._outside.add(path.parent)
        if path.parent in self._outside:
            return self.ws.relative(path)
        name = printable_path(path.name)
        return name if folder == "." else f"{folder}/{name}"

    def examine(self, path: Path) -> _Read:
        """Read one file, on its own (any process may do this: nothing here is remembered)."""
        from pipeline.xlsx.cells import WorkbookRejected
        from pipeline.xlsx.identity import read_identity
        from pipeline.xlsx.reader import open_workbook

        rel = self.relative(path)
        try:
            wb = open_workbook(path, self.limits)
            identity = read_identity(wb)
        except WorkbookRejected as e:
            return _Read(rel, skipped=e.finding(rel))
        problem = self.identity_problem(identity, wb)
        if problem:
            return _Read(rel, skipped=error("template-mismatch", rel, problem))
        # An exact copy of a file read before is not read at all (in this process).
        if wb.sha256 in self.by_sha:
            return _Read(rel, wb.sha256)
        self.by_sha.setdefault(wb.sha256, rel)
        template = self.template(identity["quality_statement"])
        return self.read_checklist(wb, rel, template)

    def accept(self, read: _Read) -> None:
        """Count a file :meth:`examine` read, unless it is a copy of one accepted before."""
        if read.skipped is not None:
            self.skip(read.skipped)
            return
        first = self.accepted.setdefault(read.sha256, read.rel)
        if first != read.rel:
            self.findings.append(
                warning(
                    "duplicate-return",
                    read.rel,
                    f"is an exact copy of {first}; only that one is counted. Delete one of them.",
                )
            )
            return
        self.findings.extend(read.findings)
        if read.read is None:
            return
        if read.distinctive:
            first = self.by_content.setdefault(read.read.content_key, read.rel)
            if first != read.rel:
                self.findings.append(
                    warning(
                        "duplicate-return",
                        read.rel,
                        f"has exactly the same answers as {first} (the same return saved "
                        "twice?); it is counted once. Delete one of them.",
                    )
                )
                return
        self.returns.append(read.read)

    def identity_problem(self, identity: dict[str, str], wb: ReadWorkbook) -> str | None:
        """Why this workbook is not a current Stage 1 checklist, or None when it is one."""
        from pipeline.forms.checklist import CHECKLIST_SHEET, RESPONDENT_SHEET

        fresh = "send out the current checklists from outputs/stage1/checklists/"
        problem = identity_problem(
            identity,
            CHECKLIST,
            self.framework,
            fresh,
            f"copy the answers into the current checklist, or {fresh}",
        )
        if problem:
            return problem
        code = identity["quality_statement"]
        qs = self.framework.quality_statement(code)
        statements = identity.get("statements", "")
        if statements != str(len(qs.checklist_statements)):
            return (
                f"was made when {code} had {statements or 'an unknown number of'} checklist "
                f"statements, but it now has {len(qs.checklist_statements)}; copy the answers "
                f"into the current checklist, or {fresh}"
            )
        for sheet in (RESPONDENT_SHEET, CHECKLIST_SHEET):
            if sheet not in wb.sheets:
                return (
                    f"has no '{sheet}' sheet (it was renamed or deleted), so its answers cannot be "
                    f"found; give the sheet back its name, or {fresh}"
                )
        return None

    def read_checklist(self, wb: ReadWorkbook, rel: str, template: _Template) -> _Read:
        from pipeline.forms.checklist import (
            CHECKLIST_SHEET,
            GROUP_CELL,
            NAME_CELL,
            PARTICIPANT_GROUPS_CELL,
            PARTICIPANTS_CELL,
            RESPONDENT_SHEET,
            TEAM_CELL,
            WORKSHOP_CELL,
        )
        from pipeline.read.annotations import note_text, unread_annotations
        from pipeline.read.checklist_rows import place_statements
        from pipeline.read.expected import unplaced_cells
        from pipeline.xlsx.write import clean_text

        about, checklist = wb.sheets[RESPONDENT_SHEET], wb.sheets[CHECKLIST_SHEET]
        assert template.table is not None
        # Each statement's cells: the form's own, or where sorting or edits put them.
        placed = place_statements(checklist, template.table, rel)
        found = unplaced_cells(wb, placed.expected, placed.input_cells, rel)
        found += placed.findings
        about_you = _typed_answers(
            about,
            {
                GROUP_CELL: "the group",
                NAME_CELL: "your name",
                TEAM_CELL: "your team",
                WORKSHOP_CELL: "the workshop mark",
                PARTICIPANTS_CELL: "the number of participants",
                PARTICIPANT_GROUPS_CELL: "the participants' groups",
            },
            rel,
            found,
        )
        typed_group = about_you[GROUP_CELL]
        group = self.group(typed_group, rel, found)
        workshop = self.workshop(about_you, rel, found)

        responses: list[Stage1Response] = []
        # Everything typed, as read (ratings parsed when valid): the content-duplicate key.
        typed: list[object] = [template.qs.code, typed_group]
        if workshop is not None:
            typed.append([about_you[c] for c in (WORKSHOP_CELL, PARTICIPANTS_CELL)])
            typed.append(about_you[PARTICIPANT_GROUPS_CELL])
        answered = False
        notes = _notes_by_row(checklist)
        read_notes: set[tuple[str, str]] = set()
        for number, rating_ref, evidence_ref in placed.statements:
            cell = checklist.get(rating_ref)
            typed_rating = _as_typed(cell).strip()
            rating: int | None = None
            if cell is not None and typed_rating:
                rating = self.parse_rating(cell.value)
                if rating is None:
                    found.append(self.invalid_rating(typed_rating, number, rel, rating_ref))
            # A formula typed as evidence ("=HYPERLINK(...)") is kept as typed, never its result.
            evidence = _as_typed(checklist.get(evidence_ref)).strip()
            # Comments (notes) on the statement's row are read as more of its evidence.
            row_notes = notes.get(_row_of(rating_ref), []) if notes else []
            if row_notes:
                read_notes.update((CHECKLIST_SHEET, ref) for ref, _ in row_notes)
                evidence = " ".join([evidence, *(note_text(t) for _, t in row_notes)]).strip()
            # Printable ASCII has nothing clean_text removes: skip its regex.
            removed = (
                [] if evidence.isascii() and evidence.isprintable() else clean_text(evidence)[1]
            )
            if removed:
                found.append(_removed_characters(rel, CHECKLIST_SHEET, evidence_ref, removed))
            answered = answered or bool(typed_rating or evidence)
            typed += [rating if rating is not None else typed_rating, evidence]
            if rating is not None or evidence:
                responses.append(
                    Stage1Response(
                        number=number,
                        rating=rating,
                        evidence=evidence,
                        rating_cell=rating_ref,
                        evidence_cell=evidence_ref,
                    )
                )
        found += unread_annotations(wb, rel, read_notes)
        free_text = [r.evidence for r in responses]
        free_text += [about_you[NAME_CELL], about_you[TEAM_CELL]]
        typed += free_text[-2:]

        if not answered:
            found.append(
                warning(
                    "empty-return",
                    rel,
                    "has no ratings and no comments, so there is nothing to count; fill in the "
                    f"'{CHECKLIST_SHEET}' sheet and send it again, or delete it",
                )
            )
            return _Read(rel, wb.sha256, found)
        content_key = hashlib.sha256(
            json.dumps(typed, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        return _Read(
            rel,
            wb.sha256,
            found,
            # Two people can give identical ratings and no text; only a return with some text
            # is distinctive enough to call a copy of another.
            distinctive=any(free_text),
            read=Stage1Return(
                file=rel,
                quality_statement=template.qs.code,
                group=group,
                responses=tuple(responses),
                content_key=content_key,
                saved=wb.modified,
                source="checklist" if workshop is None else "workshop",
                participants=1 if workshop is None else workshop[0],
                participant_groups=() if workshop is None else workshop[1],
            ),
        )

    def workshop(
        self, about_you: dict[str, str], rel: str, found: list[Finding]
    ) -> tuple[int, tuple[tuple[str, int | None], ...]] | None:
        """A workshop or group return's participants and their groups; None for one person's
        return. Marked Yes, or given more than one participant."""
        from pipeline.forms.checklist import (
            PARTICIPANT_GROUPS_CELL,
            PARTICIPANTS_CELL,
            RESPONDENT_SHEET,
            WORKSHOP_CELL,
        )

        mark = _norm(about_you[WORKSHOP_CELL])
        typed = about_you[PARTICIPANTS_CELL].strip()
        number = _whole_number(typed)
        marked = mark in _YES
        if not marked and not (number is not None and number > 1):
            return None
        if number is None or number < 1:
            found.append(
                warning(
                    "workshop-participants-invalid",
                    rel,
                    f"This is marked as a workshop or group return, but the number of "
                    f"participants is {f'“{excerpt(typed)}”' if typed else 'not given'}, so it "
                    "counts as one voice; type the number of participants (e.g. 12).",
                    sheet=RESPONDENT_SHEET,
                    cell=PARTICIPANTS_CELL,
                )
            )
            number = 1
        groups: list[tuple[str, int | None]] = []
        for part in re.split(r"[,;\n]+", about_you[PARTICIPANT_GROUPS_CELL]):
            part = part.strip()
            if not part:
                continue
            match = _GROUP_COUNT.fullmatch(part)
            count = None
            name = part
            if match:
                name = (match.group("name1") or match.group("name2") or "").strip(" :-–")
                count = int(match.group("n1") or match.group("n2"))
            known = self.groups.get(_norm(name))
            if known is None:
                found.append(
                    warning(
                        "group-unknown",
                        rel,
                        f"The participants' group “{excerpt(name)}” is not one of the listed "
                        "groups, so it is shown as typed; use the groups from the list.",
                        sheet=RESPONDENT_SHEET,
                        cell=PARTICIPANT_GROUPS_CELL,
                    )
                )
                known = name
            groups.append((known, count))
        return number, tuple(groups)

    def group(self, typed: str, rel: str, found: list[Finding]) -> str:
        """The listed group the respondent chose (NOT_GIVEN when blank, OTHER_GROUP if typed)."""
        from pipeline.forms.checklist import GROUP_CELL, RESPONDENT_SHEET

        if not typed:
            return NOT_GIVEN
        known = self.groups.get(_norm(typed))
        if known is not None:
            return known
        found.append(
            warning(
                "group-unknown",
                rel,
                f"The group “{excerpt(typed)}” is not one of the listed groups, so the return "
                f"is counted under ‘{OTHER_GROUP}’; choose the group from the list.",
                sheet=RESPONDENT_SHEET,
                cell=GROUP_CELL,
            )
        )
        return OTHER_GROUP

    def invalid_rating(self, typed: str, number: int, rel: str, ref: str) -> Finding:
        from pipeline.forms.checklist import CHECKLIST_SHEET

        options = ", ".join(r.display for r in self.framework.rating_scale)
        return error(
            "rating-invalid",
            rel,
            f"The rating “{excerpt(typed)}” for statement {number} is not on the "
            f"scale, so it is not counted; choose one of {options} (or leave it blank).",
            sheet=CHECKLIST_SHEET,
            cell=ref,
            field=f"statement {number}",
        )


_YES = frozenset({"yes", "y", "true", "x", "✓", "✔"})


# "8 Person with lived experience", "Person with lived experience (8)", "Unpaid carer: 4".
_GROUP_COUNT = re.compile(
    r"(?:(?P<n1>\d+)\s*x?\s+(?P<name1>\D.*))|(?:(?P<name2>\D.*?)\s*[(:\-–]\s*(?P<n2>\d+)\s*\)?)"
)


def _whole_number(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def rating_lookup(framework: Framework) -> dict[str, int]:
    """Every accepted way of writing each rating, normalised: ``3 tend to agree``, ``3``,
    ``tend to agree``."""
    lookup: dict[str, int] = {}
    for option in framework.rating_scale:
        lookup[_norm(option.display)] = option.value
        lookup[_norm(option.label)] = option.value
        lookup[str(option.value)] = option.value
    return lookup


def parse_rating(value: CellScalar, lookup: dict[str, int]) -> int | None:
    """A rating 0-4 from the dropdown label, the bare number or the label alone; None when it
    is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() and 0 <= value <= 4 else None
    if not isinstance(value, str):
        return None
    text = _norm(value)
    if text in lookup:
        return lookup[text]
    match = _NUMBER_THEN_LABEL.fullmatch(text)
    if match is None:
        return None
    number, label = int(match.group(1)), match.group(2)
    if label is None or lookup.get(label) == number:
        return number
    return None


def _norm(text: str) -> str:
    """Lower case, no apostrophes, single spaces: how ratings and groups are compared."""
    return " ".join(text.translate(_APOSTROPHES).casefold().split())


def _as_typed(cell: CellValue | None) -> str:
    """A cell as the person typed it: a formula with its ``=``, anything else as shown."""
    from pipeline.xlsx.cells import format_value

    if cell is None:
        return ""
    if cell.formula is not None:
        return "=" + cell.formula
    return format_value(cell.value)


def _row_of(ref: str) -> int:
    from pipeline.xlsx.cells import split_ref

    return split_ref(ref)[0]


def _notes_by_row(sheet: Sheet) -> dict[int, list[tuple[str, str]]]:
    """The sheet's comments by row, each row's in column order: ``(ref, text)``."""
    from pipeline.xlsx.cells import split_ref

    by_row: dict[int, list[tuple[int, str, str]]] = {}
    for ref, text in sheet.comments.items():
        row, col = split_ref(ref)
        by_row.setdefault(row, []).append((col, ref, text))
    return {row: [(ref, text) for _c, ref, text in sorted(notes)] for row, notes in by_row.items()}


def _typed_answers(
    sheet: Sheet, cells: dict[str, str], rel: str, found: list[Finding]
) -> dict[str, str]:
    """Each of ``cells`` (ref: what it is) as typed and stripped; a formula is reported
    (``formula-in-input``) and read as empty, as a formula in a rating cell is not counted."""
    from pipeline.read.formulas import formula_in_input

    answers: dict[str, str] = {}
    for ref, what in cells.items():
        cell = sheet.get(ref)
        if cell is not None and cell.formula is not None:
            found.append(formula_in_input(rel, sheet.name, ref, cell, what))
            answers[ref] = ""
        else:
            answers[ref] = sheet.text(ref).strip()
    return answers


def _removed_characters(rel: str, sheet: str, ref: str, removed: list[str]) -> Finding:
    return warning(
        "invalid-characters",
        rel,
        f"The text has characters a workbook cannot hold ({', '.join(sorted(set(removed)))}); "
        "they are left out of findings.xlsx. Nothing else is lost.",
        sheet=sheet,
        cell=ref,
    )
