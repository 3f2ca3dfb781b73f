"""Stage 1 returns in, findings out (SPEC §6): read every returned checklist, aggregate, write.

Reading streams one workbook at a time through :mod:`pipeline.readback` (zip + lxml, no
openpyxl) and keeps only the typed answers, so memory stays flat however many returns there are.
openpyxl is used once per quality statement per run, to know what a blank checklist holds, and
once more to write ``outputs/stage1/findings.xlsx``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.findings import Finding, Findings, error, excerpt, warning
from pipeline.models import Stage1Response, Stage1Return
from pipeline.progress import Progress, no_progress
from pipeline.workspace import input_files
from pipeline.xlsx import CHECKLIST, identity_problem

if TYPE_CHECKING:
    from pipeline.checklists import ChecklistLayout
    from pipeline.framework import Framework, QualityStatement
    from pipeline.readback import CellScalar, CellValue, ReadWorkbook
    from pipeline.settings import Stage1Settings
    from pipeline.workspace import Workspace

# The group of a return whose respondent left the group cell blank. It is shown in the group
# breakdown but not compared with the real groups when looking for divergent views.
NOT_GIVEN = "Not given"
# Typed groups that are not on the list are counted here (a typed group could be a name).
OTHER_GROUP = "Other"


_APOSTROPHES = str.maketrans({"’": "", "‘": "", "'": "", "`": ""})
# "3", "3.0", "3 - Tend to agree", "3. tend to agree" (normalised): the number, then any label.
_NUMBER_THEN_LABEL = re.compile(r"([0-4])(?:\.0+)?(?:\s*[-–—.:)]?\s*([^\W\d_].*))?")


# --------------------------------------------------------------------------------------------
# Reading


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
    reader = _ReturnReader(ws)
    files = return_files(ws)
    for path in progress(files, len(files), "Reading Stage 1 returns"):
        reader.read(path)
    return ReadReturns(reader.returns, reader.findings, reader.skipped)


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


@lru_cache(maxsize=32)
def _blank_checklist(
    framework: Framework, code: str, council: str, style_file: Path, cache: Path | None = None
) -> _Template:
    """Once per quality statement per process, and kept in ``cache`` between runs (see
    :func:`pipeline.generated.cached_expected_cells`): building one is the only openpyxl work
    in reading."""
    from pipeline.checklists import (
        ChecklistLayout,
        build_checklist,
    )
    from pipeline.generated import cached_expected_cells, framework_digest

    qs = framework.quality_statement(code)

    def build() -> object:
        from pipeline.xlsx import Style

        return build_checklist(framework, qs, Style.load(style_file), council)

    style = style_file.read_bytes().decode("utf-8", "replace") if style_file.is_file() else ""
    key = [framework_digest(framework), CHECKLIST.kind, CHECKLIST.version, code, council, style]
    expected = cached_expected_cells(cache, f"{CHECKLIST.kind}-{code}", key, build)
    layout = ChecklistLayout(len(qs.checklist_statements))
    statements = tuple(
        (number, layout.rating_cell(number), layout.evidence_cell(number))
        for number in range(1, layout.statements + 1)
    )
    return _Template(qs, layout, expected, layout.input_cells, statements)


class _ReturnReader:
    """Reads returns one at a time, remembering only what spots duplicates."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.framework = ws.framework
        self.limits = ws.settings.limits
        self.ratings = rating_lookup(self.framework)
        self.groups = {_norm(g): g for g in self.framework.respondent_groups}
        self.by_sha: dict[str, str] = {}
        self.by_content: dict[str, str] = {}
        self.returns: list[Stage1Return] = []
        self.findings: list[Finding] = []
        self.skipped: list[Finding] = []
        self._templates: dict[str, _Template] = {}
        self._folders: dict[Path, str] = {}
        self._outside: set[Path] = set()

    def template(self, code: str) -> _Template:
        """The blank checklist of quality statement ``code``, as read-back sees it."""
        from pipeline.generated import cache_dir

        # Remembered here too: the lru_cache would hash the whole framework on every return.
        template = self._templates.get(code)
        if template is None:
            style_file = self.ws.template("xlsx/style.toml")
            template = _blank_checklist(
                self.framework, code, self.ws.settings.council, style_file, cache_dir(self.ws)
            )
            self._templates[code] = template
        return template

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
        return path.name if folder == "." else f"{folder}/{path.name}"

    def read(self, path: Path) -> None:
        from pipeline.readback import WorkbookRejected, open_workbook, read_identity

        rel = self.relative(path)
        try:
            wb = open_workbook(path, self.limits)
            identity = read_identity(wb)
        except WorkbookRejected as e:
            self.skip(e.finding(rel))
            return
        problem = self.identity_problem(identity, wb)
        if problem:
            self.skip(error("template-mismatch", rel, problem))
            return
        first = self.by_sha.setdefault(wb.sha256, rel)
        if first != rel:
            self.findings.append(
                warning(
                    "duplicate-return",
                    rel,
                    f"is an exact copy of {first}; only that one is counted. Delete one of them.",
                )
            )
            return
        template = self.template(identity["quality_statement"])
        self.read_checklist(wb, rel, template)

    def identity_problem(self, identity: dict[str, str], wb: ReadWorkbook) -> str | None:
        """Why this workbook is not a current Stage 1 checklist, or None when it is one."""
        from pipeline.checklists import CHECKLIST_SHEET, RESPONDENT_SHEET

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

    def read_checklist(self, wb: ReadWorkbook, rel: str, template: _Template) -> None:
        from pipeline.checklists import (
            CHECKLIST_SHEET,
            GROUP_CELL,
            NAME_CELL,
            RESPONDENT_SHEET,
            TEAM_CELL,
        )
        from pipeline.generated import unplaced_cells
        from pipeline.xlsx import clean_text

        found = unplaced_cells(wb, template.expected, template.input_cells, rel)
        about, checklist = wb.sheets[RESPONDENT_SHEET], wb.sheets[CHECKLIST_SHEET]
        typed_group = about.text(GROUP_CELL).strip()
        group = self.group(typed_group, rel, found)

        responses: list[Stage1Response] = []
        # Everything typed, as read (ratings parsed when valid): the content-duplicate key.
        typed: list[object] = [template.qs.code, typed_group]
        answered = False
        for number, rating_ref, evidence_ref in template.statements:
            cell = checklist.get(rating_ref)
            typed_rating = _as_typed(cell).strip()
            rating: int | None = None
            if cell is not None and typed_rating:
                rating = parse_rating(cell.value, self.ratings)
                if rating is None:
                    found.append(self.invalid_rating(typed_rating, number, rel, rating_ref))
            # A formula typed as evidence ("=HYPERLINK(...)") is kept as typed, never its result.
            evidence = _as_typed(checklist.get(evidence_ref)).strip()
            # Printable ASCII has nothing clean_text removes: skip its regex.
            removed = (
                [] if evidence.isascii() and evidence.isprintable() else clean_text(evidence)[1]
            )
            if removed:
                found.append(_removed_characters(rel, CHECKLIST_SHEET, evidence_ref, removed))
            answered = answered or bool(typed_rating or evidence)
            typed += [rating if rating is not None else typed_rating, evidence]
            if rating is not None or evidence:
                responses.append(Stage1Response(number=number, rating=rating, evidence=evidence))
        free_text = [r.evidence for r in responses]
        free_text += [about.text(NAME_CELL).strip(), about.text(TEAM_CELL).strip()]
        typed += free_text[-2:]
        self.findings.extend(found)

        if not answered:
            self.findings.append(
                warning(
                    "empty-return",
                    rel,
                    "has no ratings and no comments, so there is nothing to count; fill in the "
                    f"'{CHECKLIST_SHEET}' sheet and send it again, or delete it",
                )
            )
            return
        content_key = hashlib.sha256(
            json.dumps(typed, ensure_ascii=False, default=str).encode()
        ).hexdigest()
        # Two people can give identical ratings and no text; only a return with some text is
        # distinctive enough to call a copy of another.
        if any(free_text):
            first = self.by_content.setdefault(content_key, rel)
            if first != rel:
                self.findings.append(
                    warning(
                        "duplicate-return",
                        rel,
                        f"has exactly the same answers as {first} (the same return saved twice?); "
                        "it is counted once. Delete one of them.",
                    )
                )
                return
        self.returns.append(
            Stage1Return(
                file=rel,
                quality_statement=template.qs.code,
                group=group,
                responses=tuple(responses),
                content_key=content_key,
            )
        )

    def group(self, typed: str, rel: str, found: list[Finding]) -> str:
        """The listed group the respondent chose (NOT_GIVEN when blank, OTHER_GROUP if typed)."""
        from pipeline.checklists import GROUP_CELL, RESPONDENT_SHEET

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
        from pipeline.checklists import CHECKLIST_SHEET

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
    from pipeline.readback import format_value

    if cell is None:
        return ""
    if cell.formula is not None:
        return "=" + cell.formula
    return format_value(cell.value)


def _removed_characters(rel: str, sheet: str, ref: str, removed: list[str]) -> Finding:
    return warning(
        "invalid-characters",
        rel,
        f"The text has characters a workbook cannot hold ({', '.join(sorted(set(removed)))}); "
        "they are left out of findings.xlsx. Nothing else is lost.",
        sheet=sheet,
        cell=ref,
    )


# --------------------------------------------------------------------------------------------
# Aggregating (SPEC §6)


@dataclass
class GroupResult:
    """One respondent group's answers to one statement."""

    group: str
    responses: int
    dont_know: int
    counts: dict[int, int]
    percent_agree: float | None
    mean: float | None


@dataclass
class StatementResult:
    """One checklist statement over every return for its quality statement."""

    number: int
    text: str
    responses: int
    dont_know: int
    counts: dict[int, int]
    percent_agree: float | None
    mean: float | None
    divergent: bool
    evidence_gap: bool
    by_group: dict[str, GroupResult]
    comments: list[tuple[str, int | None, str]]
    # Why the flags are set, for people reading the findings: how many 1-4 ratings came with
    # evidence text; views split both ways; the two groups furthest apart (highest mean first);
    # many don't know; little evidence.
    with_evidence: int = 0
    split_views: bool = False
    groups_apart: tuple[str, str] | None = None
    many_dont_know: bool = False
    little_evidence: bool = False

    @property
    def rated(self) -> int:
        """Ratings 1-4 (don't know excluded)."""
        return sum(self.counts.values())


@dataclass
class QSResult:
    """A quality statement's Stage 1 findings."""

    code: str
    name: str
    returns: int
    statements: list[StatementResult]
    emerging_strengths: list[StatementResult] = field(default_factory=list)
    emerging_improvements: list[StatementResult] = field(default_factory=list)
    divergent: list[StatementResult] = field(default_factory=list)
    evidence_gaps: list[StatementResult] = field(default_factory=list)


def aggregate(
    framework: Framework, returns: list[Stage1Return], settings: Stage1Settings
) -> list[QSResult]:
    """Every quality statement's findings, in framework order (all of them, even with no
    returns)."""
    group_order = {g: i for i, g in enumerate((*framework.respondent_groups, NOT_GIVEN))}
    by_qs: dict[str, list[Stage1Return]] = {}
    for ret in returns:
        by_qs.setdefault(ret.quality_statement, []).append(ret)
    results = []
    for qs in framework.quality_statements:
        qs_returns = by_qs.get(qs.code, [])
        groups = sorted({r.group for r in qs_returns}, key=lambda g: group_order.get(g, -1))
        statements = [
            _statement(number, text, qs_returns, groups, group_order, settings)
            for number, text in enumerate(qs.checklist_statements, start=1)
        ]
        results.append(_qs_result(qs.code, qs.name, len(qs_returns), statements, settings))
    return results


def _tally(ratings: Iterable[int]) -> tuple[int, int, dict[int, int]]:
    counts = dict.fromkeys((1, 2, 3, 4), 0)
    responses = dont_know = 0
    for rating in ratings:
        responses += 1
        if rating == 0:
            dont_know += 1
        else:
            counts[rating] += 1
    return responses, dont_know, counts


def _agree(counts: dict[int, int]) -> Fraction | None:
    rated = sum(counts.values())
    return Fraction(counts[3] + counts[4], rated) if rated else None


def _mean(counts: dict[int, int]) -> Fraction | None:
    rated = sum(counts.values())
    return Fraction(sum(k * n for k, n in counts.items()), rated) if rated else None


def _float(value: Fraction | None, scale: int = 1) -> float | None:
    return None if value is None else float(value * scale)


def _setting(value: float) -> Fraction:
    """A threshold as the decimal people wrote (0.3 is 3/10, not the nearest binary float)."""
    return Fraction(repr(value))


def _statement(
    number: int,
    text: str,
    returns: list[Stage1Return],
    groups: list[str],
    group_order: dict[str, int],
    settings: Stage1Settings,
) -> StatementResult:
    answers: list[tuple[str, Stage1Response]] = []
    for ret in returns:
        for response in ret.responses:
            if response.number == number:
                answers.append((ret.group, response))
                break
    rated_answers = [(g, r) for g, r in answers if r.rating is not None]
    responses, dont_know, counts = _tally(
        r.rating for _, r in rated_answers if r.rating is not None
    )
    rated = sum(counts.values())
    with_evidence = sum(1 for _, r in rated_answers if r.rating and r.evidence.strip())

    by_group: dict[str, GroupResult] = {}
    compared: list[tuple[Fraction, str]] = []
    for group in groups:
        g_responses, g_dk, g_counts = _tally(
            r.rating for g, r in rated_answers if g == group and r.rating is not None
        )
        g_mean = _mean(g_counts)
        by_group[group] = GroupResult(
            group, g_responses, g_dk, g_counts, _float(_agree(g_counts), 100), _float(g_mean)
        )
        enough = sum(g_counts.values()) >= settings.group_min_ratings
        if group != NOT_GIVEN and g_mean is not None and enough:
            compared.append((g_mean, group))

    share = _setting(settings.divergence_share)
    split = (
        rated > 0
        and Fraction(counts[1] + counts[2], rated) >= share
        and Fraction(counts[3] + counts[4], rated) >= share
    )
    apart = None
    if len(compared) >= 2:
        (high, high_group), (low, low_group) = max(compared), min(compared)
        if high - low >= _setting(settings.group_mean_gap):
            apart = (high_group, low_group)
    many_dont_know = responses > 0 and Fraction(dont_know, responses) >= _setting(
        settings.dont_know_gap_share
    )
    little_evidence = rated > 0 and Fraction(with_evidence, rated) < _setting(
        settings.evidence_min_share
    )
    comments = sorted(
        ((g, r.rating, r.evidence) for g, r in answers if r.evidence.strip()),
        key=lambda c: group_order.get(c[0], -1),
    )
    return StatementResult(
        number=number,
        text=text,
        responses=responses,
        dont_know=dont_know,
        counts=counts,
        percent_agree=_float(_agree(counts), 100),
        mean=_float(_mean(counts)),
        divergent=split or apart is not None,
        evidence_gap=many_dont_know or little_evidence,
        by_group=by_group,
        comments=comments,
        with_evidence=with_evidence,
        split_views=split,
        groups_apart=apart,
        many_dont_know=many_dont_know,
        little_evidence=little_evidence,
    )


def _qs_result(
    code: str, name: str, returns: int, statements: list[StatementResult], settings: Stage1Settings
) -> QSResult:
    eligible = [
        s for s in statements if not s.divergent and s.rated >= settings.min_ratings_for_strength
    ]

    def exact(s: StatementResult) -> tuple[Fraction, Fraction]:
        agree, mean = _agree(s.counts), _mean(s.counts)
        assert agree is not None and mean is not None  # eligible statements have ratings
        return agree, mean

    # A strength needs most to agree; an area for improvement sits below every strength, so
    # that neither list shows a statement that plainly belongs in the other.
    majority = [s for s in eligible if exact(s)[0] > Fraction(1, 2)]
    strengths = sorted(majority, key=lambda s: (-exact(s)[0], -exact(s)[1], s.number))
    strengths = strengths[: settings.emerging_count]
    ceiling = min((exact(s)[0] for s in strengths), default=Fraction(2))
    lower = [s for s in eligible if exact(s)[0] < ceiling]
    improvements = sorted(lower, key=lambda s: (*exact(s), s.number))[: settings.emerging_count]
    return QSResult(
        code=code,
        name=name,
        returns=returns,
        statements=statements,
        emerging_strengths=strengths,
        emerging_improvements=improvements,
        divergent=[s for s in statements if s.divergent],
        evidence_gaps=[s for s in statements if s.evidence_gap],
    )


# --------------------------------------------------------------------------------------------
# The command


@dataclass
class CollectResult:
    """What ``collect`` read, found and aggregated."""

    returns: int
    skipped: list[Finding]
    findings: Findings
    results: list[QSResult]

    def as_json(self) -> dict[str, object]:
        """The SPEC §6 ``collect --json`` shape; % agree to 1 decimal place, means to 2."""
        return {
            "returns": self.returns,
            "skipped": [
                {"file": f.file, "code": f.code, "message": f.message} for f in self.skipped
            ],
            "quality_statements": [
                {
                    "code": qs.code,
                    "returns": qs.returns,
                    "statements": [
                        {
                            "number": s.number,
                            "text": s.text,
                            "responses": s.responses,
                            "dont_know": s.dont_know,
                            "counts": {str(k): s.counts[k] for k in (1, 2, 3, 4)},
                            "percent_agree": _round(s.percent_agree, 1),
                            "mean": _round(s.mean, 2),
                            "divergent": s.divergent,
                            "evidence_gap": s.evidence_gap,
                        }
                        for s in qs.statements
                    ],
                }
                for qs in self.results
            ],
        }


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def collect(ws: Workspace, progress: Progress = no_progress) -> CollectResult:
    """Read every Stage 1 return, aggregate, and write ``outputs/stage1/findings.xlsx``."""
    from pipeline.stage1_report import write_findings

    read = read_returns(ws, progress)
    results = aggregate(ws.framework, read.returns, ws.settings.stage1)
    result = CollectResult(
        returns=len(read.returns),
        skipped=read.skipped,
        findings=Findings(read.findings),
        results=results,
    )
    write_findings(ws, result)
    return result
