"""Survey exports (one row per respondent, one column per statement) as Stage 1 returns.

A council runs its Stage 1 checklist as an online survey as well as sending workbooks. The
export (CSV or XLSX from Microsoft Forms, SmartSurvey, SurveyMonkey or a spreadsheet) is copied
into ``inputs/surveys/`` by ``selfassess import survey``, which also writes its guesses of what
each column is into ``inputs/survey-mapping.yaml`` for a person to check. ``collect`` reads every
export there with its mapping: each respondent's answers for a quality statement become one
:class:`Stage1Return` (``source="survey"``), counted like any returned checklist, each value
keeping its file, row and column.

Columns are matched to statements by their text, as :func:`pipeline.read.labels.normalise_label`
compares labels (case, spacing, numbering and punctuation do not matter), wherever the statement
sits in the heading: after the export's own prefix ("Q3.", "Please rate: … - ", Microsoft Forms'
``Question.Statement``, SurveyMonkey's two header rows, whose first names a matrix question
over its columns and whose second names each row, or "Response").
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.model.findings import Finding, error, excerpt, warning
from pipeline.model.stage1 import NOT_GIVEN, OTHER_GROUP, Stage1Response, Stage1Return
from pipeline.read.labels import normalise_label

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.settings import LimitSettings
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import CellScalar


SURVEY_SUFFIXES = (".csv", ".xlsx")


# What a column is read as, besides a statement's rating ("QS1.3") or comment ("QS1.3 comment").
GROUP, IGNORE, UNMATCHED = "group", "ignore", "?"


_TARGET = re.compile(r"^(QS[1-9][0-9]*)\.([1-9][0-9]*)( comment)?$")


# Headings of the columns survey tools add (identifiers, times, the respondent's details).
_METADATA = frozenset(
    normalise_label(h)
    for h in (
        "ID",
        "Respondent ID",
        "Response ID",
        "Collector ID",
        "Start time",
        "Completion time",
        "Last modified time",
        "Start date",
        "End date",
        "Started",
        "Ended",
        "Completed",
        "Submitted",
        "Timestamp",
        "Date",
        "IP address",
        "Email",
        "Email address",
        "Name",
        "First name",
        "Last name",
        "Custom data 1",
        "User ID",
        "Status",
    )
)


# Words in a heading that, beside a statement's text, mark its comment column.
_COMMENT_WORDS = frozenset(
    {"comment", "comments", "why", "evidence", "explain", "reason", "reasons", "tell", "more"}
)


# Words in a heading that mark the question asking for the respondent's group.
_GROUP_CUES = ("describes you", "best describe", "group", "are you", "capacity", "your role")


# Answers to the group question a survey may phrase its own way: a word in the answer and the
# respondent group it suggests (the first that matches; a person checks them in the mapping).
_GROUP_WORDS = (
    ("healthwatch", "Healthwatch"),
    ("carer", "Unpaid carer"),
    ("councillor", "Elected member"),
    ("elected", "Elected member"),
    ("nhs", "Health partner"),
    ("health", "Health partner"),
    ("provider", "Care provider"),
    ("voluntary", "Voluntary and community sector"),
    ("charity", "Voluntary and community sector"),
    ("social care staff", "Adult social care staff"),
    ("social worker", "Adult social care staff"),
    ("council staff", "Other council staff"),
    ("use", "Person with lived experience"),
    ("lived experience", "Person with lived experience"),
)


# A survey's own answers for the second header row of SurveyMonkey's exports.
_RESPONSE_WORDS = frozenset({"response", "open ended response", "responses"})


SIMILAR = 0.85


class SurveyUnreadable(Exception):
    """A survey export that cannot be read; the message follows the file's name."""


@dataclass
class Table:
    """A survey export as read: one heading per column and the rows below the header."""

    headings: list[str]
    rows: list[tuple[int, list[CellScalar]]]  # (row number in the file, values by column)
    header_rows: int
    sheet: str | None = None
    sha256: str = ""


# ---- The mapping file ----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnMapping(_Strict):
    column: str
    heading: str = ""
    read_as: str = UNMATCHED


class SurveyMapping(_Strict):
    file: str
    sheet: str | None = None
    header_rows: int = Field(1, ge=1, le=5)
    # Every respondent's group when the survey has no group column ("" = not given).
    group: str = ""
    # The survey's own answers to its group question, and the respondent group each is.
    groups: dict[str, str] = Field(default_factory=dict)
    columns: list[ColumnMapping] = Field(default_factory=list)


class MappingFile(_Strict):
    surveys: list[SurveyMapping] = Field(default_factory=list)

    def entry(self, file: str) -> SurveyMapping | None:
        return next((s for s in self.surveys if s.file == file), None)


MAPPING_HEADER = """\
# How `selfassess collect` reads each survey export in inputs/surveys/ (one row per
# respondent). Written by `selfassess import survey` with its guesses: check every column's
# read_as, change what is wrong, and run `selfassess collect` again. Running `import survey`
# again keeps what is here and adds only columns it has not seen.
#
# read_as is one of:
#   QS1.3            the rating of statement 3 of QS1 (as on the Stage 1 checklist)
#   QS1.3 comment    the evidence or comment for that statement
#   group            the respondent's group (the survey's answers are matched under groups:)
#   ignore           not read (an identifier, a date, a question not on the checklists)
#   ?                not matched: collect reports it until you say what it is
# header_rows: how many rows at the top are headings (SurveyMonkey's exports have 2).
# group: every respondent's group when the survey has no group column (e.g. a carers' survey).
# groups: each answer to the survey's group question, and the respondent group it counts as
#   (blank: counted as Other).
"""


def load_mapping(path: Path) -> MappingFile:
    """``inputs/survey-mapping.yaml`` (an empty mapping when there is none); raises
    :class:`MappingError` with one line naming what is wrong."""
    import yaml

    if not path.is_file():
        return MappingFile()
    try:
        text = path.read_bytes().decode("utf-8-sig")
        data = yaml.safe_load(text)
    except UnicodeDecodeError as e:
        raise MappingError(f"is not UTF-8 text (byte {e.start + 1}); save it as UTF-8") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise MappingError(f"is not valid YAML{where}: {getattr(e, 'problem', e)}") from e
    if data is None:
        return MappingFile()
    try:
        return MappingFile.model_validate(data)
    except ValidationError as e:
        from pipeline.errors import describe_validation_error

        raise MappingError(f"has entries that are not valid: {describe_validation_error(e)}") from e


class MappingError(Exception):
    """The mapping file cannot be used; the message follows its name."""


def dump_mapping(mapping: MappingFile) -> str:
    """The mapping file's text: the explanation, then the surveys (what load_mapping reads)."""
    import yaml

    data = mapping.model_dump(mode="json")
    for survey in data["surveys"]:
        if survey["sheet"] is None:
            del survey["sheet"]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return MAPPING_HEADER + "\n" + body


# ---- Reading an export ----------------------------------------------------------------------


def read_table(path: Path, limits: LimitSettings, header_rows: int | None = None) -> Table:
    """The export at ``path`` (CSV or XLSX), its header rows worked out unless given."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid, sheet, sha = _csv_grid(path, limits), None, ""
    elif suffix == ".xlsx":
        grid, sheet, sha = _xlsx_grid(path, limits)
    else:
        raise SurveyUnreadable(
            "is not a survey export the tool reads: export the survey as CSV or .xlsx"
        )
    if not sha:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    while grid and not any(_text(v) for v in grid[0][1]):
        grid.pop(0)
    if not grid:
        raise SurveyUnreadable("is empty: export the survey's responses again")
    if header_rows is None:
        header_rows = _header_rows(grid)
    headings = _headings([values for _row, values in grid[:header_rows]])
    rows = [(row, values) for row, values in grid[header_rows:] if any(_text(v) for v in values)]
    return Table(headings, rows, header_rows, sheet, sha)


def _csv_grid(path: Path, limits: LimitSettings) -> list[tuple[int, list[CellScalar]]]:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise SurveyUnreadable(
            f"is too large ({size:,} bytes; the limit is {limits.max_file_bytes:,})"
        )
    data = path.read_bytes()
    text = _decode(data)
    sample = text[:20000]
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=first_line.count)
    # The sniffer can be misled by commas in the text: the header row decides between them.
    counts = {d: first_line.count(d) for d in ",;\t"}
    if counts.get(delimiter, 0) == 0 or counts[delimiter] < max(counts.values()) / 2:
        delimiter = max(counts, key=lambda d: counts[d])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(n, list(values)) for n, values in enumerate(reader, start=1)]
    except csv.Error as e:
        raise SurveyUnreadable(f"is not a CSV file the tool can read ({e})") from e


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252 (Excel's "CSV
    (Comma delimited)" in a UK locale)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise SurveyUnreadable("is not a text file: export the survey as CSV or .xlsx")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _xlsx_grid(
    path: Path, limits: LimitSettings
) -> tuple[list[tuple[int, list[CellScalar]]], str, str]:
    from pipeline.xlsx.cells import WorkbookRejected, split_ref
    from pipeline.xlsx.reader import open_workbook

    try:
        wb = open_workbook(path, limits)
    except WorkbookRejected as e:
        raise SurveyUnreadable(str(e)) from e
    ours = _selfassess_kind(wb)
    if ours is not None:
        raise SurveyUnreadable(f"is {ours.found_as}, not a survey export: {ours.belongs}")
    sheets = [s for s in wb.sheets.values() if s.state == "visible" and s.cells]
    if not sheets:
        raise SurveyUnreadable("has no sheet with anything on it")
    sheet = sheets[0]
    grid: list[tuple[int, list[CellScalar]]] = []
    for row, cells in sheet.rows():
        values: list[CellScalar] = []
        for ref, cell in cells:
            col = split_ref(ref)[1]
            values.extend([""] * (col - 1 - len(values)))
            values.append("=" + cell.formula if cell.formula is not None else cell.value)
        grid.append((row, values))
    return grid, sheet.name, wb.sha256


def _selfassess_kind(wb: Any) -> Any:
    """The kind of selfassess workbook ``wb`` is (None: not one of ours)."""
    from pipeline.xlsx.cells import WorkbookRejected
    from pipeline.xlsx.identity import TEMPLATE_KINDS, identity_places, read_identity

    if not identity_places(wb):
        return None
    try:
        kind = read_identity(wb).get("template", "")
    except WorkbookRejected:
        return None
    return TEMPLATE_KINDS.get(kind)


def _text(value: object) -> str:
    from pipeline.xlsx.cells import format_value

    if value is None:
        return ""
    return (value if isinstance(value, str) else format_value(value)).strip()  # type: ignore[arg-type]


def _header_rows(grid: list[tuple[int, list[CellScalar]]]) -> int:
    """2 when the second row names the answers under the first's questions (SurveyMonkey)."""
    if len(grid) < 2:
        return 1
    second = [normalise_label(_text(v)) for v in grid[1][1]]
    return 2 if any(v in _RESPONSE_WORDS for v in second) else 1


def _headings(rows: list[list[CellScalar]]) -> list[str]:
    """One heading per column; with two header rows, the question (carried over the columns of
    a matrix question) then the row's own text, unless that is only "Response"."""
    width = max((len(r) for r in rows), default=0)
    if len(rows) == 1:
        return [_text(v) for v in rows[0]] + [""] * (width - len(rows[0]))
    headings = []
    question = ""
    for col in range(width):
        parts = []
        for n, row in enumerate(rows):
            value = _text(row[col]) if col < len(row) else ""
            if n == 0:
                question = value or question
                value = question
            if value and normalise_label(value) not in _RESPONSE_WORDS:
                parts.append(value)
        headings.append(" - ".join(parts))
    return headings


def column_letter(index: int) -> str:
    """Column ``index`` (0 = A) as its letters."""
    from pipeline.xlsx.cells import column_letters

    return column_letters(index + 1)


# ---- Guessing what each column is ----------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    code: str
    number: int
    norm: str


def _statements(framework: Framework) -> list[_Statement]:
    return [
        _Statement(qs.code, n, normalise_label(text))
        for qs in framework.quality_statements
        for n, text in enumerate(qs.checklist_statements, start=1)
    ]


def guess_column(heading: str, values: Iterable[str], framework: Framework) -> str:
    """What a column with ``heading`` (and these answers) is: ``QS1.3``, ``QS1.3 comment``,
    ``group``, ``ignore`` or ``?``."""
    norm = normalise_label(heading)
    if not norm or norm in _METADATA:
        return IGNORE
    padded = f" {norm} "
    found = [s for s in _statements(framework) if f" {s.norm} " in padded]
    statement = max(found, key=lambda s: len(s.norm), default=None)
    rest = padded
    if statement is None:
        statement = _similar(norm, framework)
        if statement is not None:
            rest = ""
    else:
        rest = padded.replace(f" {statement.norm} ", " ")
    if statement is not None:
        comment = bool(set(rest.split()) & _COMMENT_WORDS)
        return f"{statement.code}.{statement.number}{' comment' if comment else ''}"
    if _looks_like_groups(heading, values, framework):
        return GROUP
    return UNMATCHED


# Words a follow-up question's heading may hold besides _COMMENT_WORDS ("Please tell us why").
_FOLLOW_UP_WORDS = frozenset(
    {"please", "us", "your", "you", "answer", "about", "this", "the", "give", "any", "other"}
    | {"optional", "details", "say", "if", "can", "specify", "a", "is", "that"}
)


def _asks_why(norm: str) -> bool:
    """A heading that is only a follow-up question: "Why?", "Comments", "Please explain"."""
    words = set(norm.split())
    return bool(words & _COMMENT_WORDS) and words <= _COMMENT_WORDS | _FOLLOW_UP_WORDS


def _similar(norm: str, framework: Framework) -> _Statement | None:
    """The statement a heading holds with its text a little changed (at least 85% alike to the
    heading's end), if one is clearly it."""
    scored = []
    for s in _statements(framework):
        words = len(s.norm.split())
        tail = " ".join(norm.split()[-words:])
        for text in {tail, norm}:
            matcher = difflib.SequenceMatcher(None, s.norm, text, autojunk=False)
            if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR:
                ratio = matcher.ratio()
                if ratio >= SIMILAR:
                    scored.append((ratio, s))
    scored.sort(key=lambda pair: -pair[0])
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0] or scored[0][1] == scored[1][1]):
        return scored[0][1]
    return None


def _looks_like_groups(heading: str, values: Iterable[str], framework: Framework) -> bool:
    text = heading.casefold()
    if any(cue in text for cue in _GROUP_CUES):
        return True
    answers = [v for v in values if v.strip()]
    if not answers:
        return False
    groups = {normalise_label(g) for g in framework.respondent_groups}
    known = sum(1 for v in answers if normalise_label(v) in groups)
    return known >= 0.6 * len(answers)


def guess_group(answer: str, framework: Framework) -> str:
    """The respondent group an answer to the survey's group question suggests ("" = none)."""
    norm = normalise_label(answer)
    for group in framework.respondent_groups:
        if normalise_label(group) == norm:
            return group
    for word, group in _GROUP_WORDS:
        if f" {word} " in f" {norm} " and group in framework.respondent_groups:
            return group
    return ""


def guess_mapping(
    file: str, table: Table, framework: Framework, known: SurveyMapping | None = None
) -> SurveyMapping:
    """The mapping of ``file``: what ``known`` (the mapping file's entry) says of each column it
    has (by heading), the tool's guesses for the rest; the groups' answers likewise."""
    by_heading: dict[str, str] = {}
    by_place: dict[tuple[str, str], str] = {}
    if known is not None:
        by_heading = {normalise_label(c.heading): c.read_as for c in known.columns}
        by_place = {(c.column, normalise_label(c.heading)): c.read_as for c in known.columns}
    # A heading used for several columns ("Why?" after each statement) is known by its place.
    times = Counter(normalise_label(h) for h in table.headings)
    columns: list[ColumnMapping] = []
    for index, heading in enumerate(table.headings):
        values = [_text(row[index]) for _n, row in table.rows if index < len(row)]
        norm, letter = normalise_label(heading), column_letter(index)
        read_as = by_place.get((letter, norm))
        if read_as is None and times[norm] == 1:
            read_as = by_heading.get(norm)
        if read_as is None:
            read_as = guess_column(heading, values[:200], framework)
            if read_as == UNMATCHED and columns and _asks_why(norm):
                # "Why?", "Please explain" just after a statement's rating: its comment.
                before = _TARGET.match(columns[-1].read_as)
                if before is not None and before.group(3) is None:
                    read_as = f"{columns[-1].read_as} comment"
        columns.append(ColumnMapping(column=letter, heading=heading, read_as=read_as))
    groups = dict(known.groups) if known is not None else {}
    for index, c in enumerate(columns):
        if c.read_as != GROUP:
            continue
        for _n, row in table.rows:
            answer = _text(row[index]) if index < len(row) else ""
            if answer and answer not in groups:
                groups[answer] = guess_group(answer, framework)
    return SurveyMapping(
        file=file,
        sheet=table.sheet,
        header_rows=table.header_rows,
        group=known.group if known is not None else "",
        groups=groups,
        columns=columns,
    )


def with_survey(mapping: MappingFile, survey: SurveyMapping) -> MappingFile:
    """The mapping file with ``survey``'s entry added or replaced (the others as they were)."""
    surveys = [s for s in mapping.surveys if s.file != survey.file]
    return MappingFile(surveys=sorted([*surveys, survey], key=lambda s: s.file))


# ---- Reading every survey into returns -----------------------------------------------------


# Invalid ratings reported one by one per survey, then one finding for the rest.
MAX_REPORTED = 50


@dataclass
class ReadSurveys:
    returns: list[Stage1Return] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)


def survey_files(ws: Workspace) -> list[Path]:
    from pipeline.workspace import input_files

    return input_files(ws.surveys_dir)


# How a rating is read: pipeline.read.returns.parse_rating (passed in: that module reads the
# surveys too, after the checklists).
ParseRating = Callable[["CellScalar", dict[str, int]], "int | None"]


def read_surveys(ws: Workspace, ratings: dict[str, int], parse: ParseRating) -> ReadSurveys:
    """Every export in ``inputs/surveys/`` read with its mapping; writes nothing."""
    result = ReadSurveys()
    files = survey_files(ws)
    if not files:
        return result
    mapping_rel = ws.relative(ws.survey_mapping)
    try:
        mapping = load_mapping(ws.survey_mapping)
    except MappingError as e:
        found = error(
            "survey-mapping-invalid",
            mapping_rel,
            f"{e}, so the surveys in inputs/surveys/ are read with the tool's guesses until it "
            "is corrected.",
        )
        result.findings.append(found)
        mapping = MappingFile()
    seen: dict[str, str] = {}
    for path in files:
        rel = ws.relative(path)
        name = path.relative_to(ws.surveys_dir).as_posix()
        known = mapping.entry(name)
        try:
            table = read_table(path, ws.settings.limits, known.header_rows if known else None)
        except SurveyUnreadable as e:
            skip = error("unreadable-file", rel, str(e))
            result.findings.append(skip)
            result.skipped.append(skip)
            continue
        first = seen.setdefault(table.sha256, rel)
        if first != rel:
            result.findings.append(
                warning(
                    "duplicate-return",
                    rel,
                    f"is an exact copy of {first}; only that one is counted. Delete one of them.",
                )
            )
            continue
        read_survey(ws.framework, (ratings, parse), rel, mapping_rel, table, name, known, result)
    return result


def read_survey(
    framework: Framework,
    ratings: tuple[dict[str, int], ParseRating],
    rel: str,
    mapping_rel: str,
    table: Table,
    name: str,
    known: SurveyMapping | None,
    into: ReadSurveys | None = None,
) -> ReadSurveys:
    """One export's returns and findings (added to ``into``), read with its mapping entry
    ``known`` (None: the tool's guesses, reported as not checked)."""
    result = into if into is not None else ReadSurveys()
    _SurveyReader(framework, ratings, rel, mapping_rel, table, name, known, result).read()
    return result


class _SurveyReader:
    def __init__(
        self,
        framework: Framework,
        ratings: tuple[dict[str, int], ParseRating],
        rel: str,
        mapping_rel: str,
        table: Table,
        name: str,
        known: SurveyMapping | None,
        result: ReadSurveys,
    ) -> None:
        self.framework, self.rel, self.table = framework, rel, table
        self.ratings, self.parse = ratings
        self.mapping_rel, self.result = mapping_rel, result
        self.mapping = guess_mapping(name, table, framework, known)
        self.known = known
        self.findings = result.findings

    def where(self, index: int, row: int) -> dict[str, str | None]:
        return {"sheet": self.table.sheet, "cell": f"{column_letter(index)}{row}"}

    def read(self) -> None:
        parse_rating = self.parse
        table = self.table
        header_row = table.rows[0][0] - 1 if table.rows else table.header_rows
        plan = self.plan(header_row)
        group_col = next((i for i, t in plan.items() if t == GROUP), None)
        default_group = self.default_group()
        invalid = 0
        unknown_groups: dict[str, list[int]] = {}
        for row, values in table.rows:
            group = default_group
            if group_col is not None:
                typed = _text(values[group_col]) if group_col < len(values) else ""
                group = self.group(typed, row, unknown_groups) if typed else default_group
            by_qs: dict[str, dict[int, dict[str, Any]]] = {}
            for index, target in plan.items():
                if not isinstance(target, tuple):
                    continue
                value = values[index] if index < len(values) else ""
                typed = _text(value)
                if not typed:
                    continue
                code, number, comment = target
                answer = by_qs.setdefault(code, {}).setdefault(number, {})
                ref = f"{column_letter(index)}{row}"
                if comment:
                    answer["evidence"] = typed
                    answer["evidence_cell"] = ref
                    continue
                rating = parse_rating(value if not isinstance(value, str) else typed, self.ratings)
                if rating is None:
                    invalid += 1
                    if invalid <= MAX_REPORTED:
                        self.findings.append(self.invalid_rating(typed, index, row, code, number))
                    continue
                answer["rating"] = rating
                answer["rating_cell"] = ref
            for code, answers in by_qs.items():
                responses = tuple(Stage1Response(number=n, **a) for n, a in sorted(answers.items()))
                key = hashlib.sha256(f"{self.rel}\n{row}\n{code}".encode()).hexdigest()
                self.result.returns.append(
                    Stage1Return(
                        file=self.rel,
                        quality_statement=code,
                        group=group,
                        responses=responses,
                        content_key=key,
                        source="survey",
                        sheet=table.sheet,
                        row=row,
                    )
                )
        if invalid > MAX_REPORTED:
            self.findings.append(
                error(
                    "rating-invalid",
                    self.rel,
                    f"… and {invalid - MAX_REPORTED} more answers that are not on the rating "
                    "scale are not counted.",
                    sheet=table.sheet,
                ).with_data(answers=invalid - MAX_REPORTED)
            )
        for typed, rows in unknown_groups.items():
            shown = ", ".join(str(r) for r in rows[:5]) + (
                f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            )
            assert group_col is not None
            self.findings.append(
                warning(
                    "group-unknown",
                    self.rel,
                    f"The group “{excerpt(typed)}” (column {column_letter(group_col)}, "
                    f"row{'s' * (len(rows) > 1)} {shown}) is not one of the listed groups, so "
                    f"{'these respondents are' if len(rows) > 1 else 'this respondent is'} "
                    f"counted under ‘{OTHER_GROUP}’; say which group it is under groups: in "
                    f"{self.mapping_rel}.",
                    **self.where(group_col, rows[0]),
                ).with_data(respondents=len(rows))
            )

    def plan(self, header_row: int) -> dict[int, str | tuple[str, int, bool]]:
        """Each column's target, checked: a statement as (code, number, comment)."""
        plan: dict[int, str | tuple[str, int, bool]] = {}
        unmapped = []
        by_heading = (
            {normalise_label(c.heading) for c in self.known.columns} if self.known else set()
        )
        for index, column in enumerate(self.mapping.columns):
            fresh = self.known is None or normalise_label(column.heading) not in by_heading
            if fresh and column.heading:
                unmapped.append(column)
            read_as = " ".join(column.read_as.split())
            match = _TARGET.match(read_as)
            at = {"sheet": self.table.sheet, "cell": f"{column.column}{header_row}"}
            if match:
                code, number = match.group(1), int(match.group(2))
                try:
                    count = len(self.framework.quality_statement(code).checklist_statements)
                except KeyError:
                    count = 0
                if not 1 <= number <= count:
                    self.findings.append(
                        error(
                            "survey-mapping-invalid",
                            self.mapping_rel,
                            f"Column {column.column} of {self.rel} (“{excerpt(column.heading)}”) "
                            f"is mapped to {read_as}, which is not a checklist statement, so it "
                            "is not counted; use a quality statement's code and a statement "
                            "number on its checklist, such as QS1.3.",
                        )
                    )
                    continue
                plan[index] = (code, number, bool(match.group(3)))
            elif read_as in (GROUP, IGNORE):
                plan[index] = read_as
            else:
                if read_as != UNMATCHED:
                    self.findings.append(
                        error(
                            "survey-mapping-invalid",
                            self.mapping_rel,
                            f"Column {column.column} of {self.rel} is read as “{excerpt(read_as)}”"
                            ", which the tool does not know, so it is not counted; use QS1.3, "
                            "QS1.3 comment, group, ignore or ?.",
                        )
                    )
                    continue
                if column.heading or any(
                    _text(row[index]) for _n, row in self.table.rows[:50] if index < len(row)
                ):
                    self.findings.append(
                        warning(
                            "survey-column-unmatched",
                            self.rel,
                            f"Column {column.column} (“{excerpt(column.heading)}”) matches no "
                            "checklist statement, so it is not counted; say what it is in "
                            f"{self.mapping_rel} (a statement such as QS1.3, its comment, "
                            "group, or ignore).",
                            **at,
                        )
                    )
        if unmapped:
            self.findings.append(
                warning(
                    "survey-not-mapped",
                    self.rel,
                    f"{len(unmapped)} column{'s' * (len(unmapped) != 1)} "
                    f"({', '.join(c.column for c in unmapped[:8])}"
                    f"{' …' if len(unmapped) > 8 else ''}) "
                    f"{'are' if len(unmapped) != 1 else 'is'} not in {self.mapping_rel}, so "
                    "the tool's guesses are used; run `selfassess import survey "
                    f"{self.rel}` and check the mapping it writes.",
                    sheet=self.table.sheet,
                ).with_data(columns=len(unmapped))
            )
        return plan

    def default_group(self) -> str:
        group = self.mapping.group.strip()
        if not group:
            return NOT_GIVEN
        known = {normalise_label(g): g for g in self.framework.respondent_groups}
        found = known.get(normalise_label(group))
        if found is None:
            self.findings.append(
                error(
                    "survey-mapping-invalid",
                    self.mapping_rel,
                    f"The group “{excerpt(group)}” given for every respondent of {self.rel} is "
                    f"not one of the respondent groups, so they are counted under ‘{OTHER_GROUP}’"
                    "; use a group from the checklist's list.",
                )
            )
            return OTHER_GROUP
        return found

    def group(self, typed: str, row: int, unknown: dict[str, list[int]]) -> str:
        known = {normalise_label(g): g for g in self.framework.respondent_groups}
        mapped = self.mapping.groups.get(typed, "")
        for candidate in (mapped, typed):
            found = known.get(normalise_label(candidate)) if candidate else None
            if found is not None:
                return found
        unknown.setdefault(typed, []).append(row)
        return OTHER_GROUP

    def invalid_rating(self, typed: str, index: int, row: int, code: str, number: int) -> Finding:
        options = ", ".join(r.display for r in self.framework.rating_scale)
        heading = self.table.headings[index] if index < len(self.table.headings) else ""
        return error(
            "rating-invalid",
            self.rel,
            f"Row {row}, column {column_letter(index)} (“{excerpt(heading, 40)}”, {code} "
            f"statement {number}): “{excerpt(typed)}” is not on the rating scale, so it is not "
            f"counted; the scale is {options} (their numbers or labels alone are read too).",
            sheet=self.table.sheet,
            cell=f"{column_letter(index)}{row}",
            field=f"{code} statement {number}",
        )
