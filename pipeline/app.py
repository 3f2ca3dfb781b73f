"""One function per command, for the command line and for a council's own scripts alike.

Each reads everything it needs, checks it, and only then writes; this is the only module that
writes outputs. Heavy libraries are imported inside the functions, so that a command imports
only what it uses.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import SelfAssessError
from pipeline.progress import Progress, no_progress
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.findings import Finding, Findings
    from pipeline.model.inputs import Inputs
    from pipeline.model.stage1 import CollectResult, QSResult
    from pipeline.model.words import PrintedLayout
    from pipeline.outputs.status import StatusTable


@dataclass
class GenerateResult:
    """What a ``generate`` command wrote, and what it kept because people had filled it in."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


@dataclass
class ValidationResult:
    """What ``validate`` read, and what it found."""

    inputs: Inputs
    findings: Findings


@dataclass
class BuildResult:
    """What ``build`` did: the findings, and the files written (``docx`` None = refused).

    ``incomplete``: the quality statements without a valid, verified summary, one line each
    ("QS3 Equity in experience and outcomes: no summary received"); a final report is refused
    while there are any, a draft is built and marked DRAFT. ``personal_data``: the
    ``personal-data`` findings in text the report prints."""

    findings: Findings
    docx: Path | None
    pdf: Path | None
    incomplete: list[str] = field(default_factory=list)
    personal_data: list[Finding] = field(default_factory=list)


# ---- init -------------------------------------------------------------------------------------


def init_workspace(root: Path, council: str) -> Workspace:
    """Create a new, empty workspace for ``council``; refuses to touch an existing one."""
    from pipeline.settings import SETTINGS_FILE, settings_template

    council = council.strip()
    if not council:
        raise SelfAssessError("Give the council's name, e.g. --council 'Anytown Council'.")
    ws = Workspace(root)
    if ws.inputs.exists():
        raise SelfAssessError(
            f"{root} is already a workspace (it has an inputs/ folder); nothing was changed."
        )
    for folder in (ws.stage1_inputs, ws.stage2_inputs, ws.outputs):
        folder.mkdir(parents=True, exist_ok=True)
    settings = root / SETTINGS_FILE
    if not settings.exists():
        settings.write_text(settings_template(council), "utf-8")
    create_blank_inputs(ws, council)
    return ws


def create_blank_inputs(ws: Workspace, council: str) -> list[Path]:
    """Write blank ``inputs/evidence-library.xlsx`` and ``inputs/overview.xlsx``; a file that
    already exists is never touched. Returns the files written."""
    from pipeline.xlsx.identity import LIBRARY, OVERVIEW
    from pipeline.xlsx.write import Style, atomic_path

    style = Style.load(ws.template("xlsx/style.toml"))
    style_key = tuple(sorted(style.values.items()))
    word_warning = ws.settings.report.section_a_word_warning
    written: list[Path] = []
    for path, template in (
        (ws.evidence_library, LIBRARY.kind),
        (ws.overview, OVERVIEW.kind),
    ):
        if path.exists():
            continue
        data = _blank_workbook(template, ws.framework, style_key, council, word_warning)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        written.append(path)
    return written


@lru_cache(maxsize=8)
def _blank_workbook(
    template: str,
    framework: Framework,
    style_key: tuple[tuple[str, Any], ...],
    council: str,
    word_warning: int,
) -> bytes:
    """A blank workbook's bytes, built once per process for the same framework, style and
    council (the register's 2,000 styled cells take a while; tests run init hundreds of times)."""
    from pipeline.forms.overview import build_overview
    from pipeline.forms.register import build_evidence_library
    from pipeline.xlsx.identity import LIBRARY
    from pipeline.xlsx.write import Style

    style = Style(dict(style_key))
    if template == LIBRARY.kind:
        wb = build_evidence_library(framework, style)
    else:
        wb = build_overview(framework, style, council, word_warning=word_warning)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- generate ---------------------------------------------------------------------------------


def generate_checklists(ws: Workspace, *, force: bool = False) -> GenerateResult:
    """Write the nine Stage 1 checklists; keep any that people have already filled in."""
    from pipeline.forms.checklist import ChecklistLayout, build_checklist, checklist_path
    from pipeline.read.expected import is_filled, stamp_blank
    from pipeline.xlsx.write import Style, save_atomic

    framework, council = ws.framework, ws.settings.council
    style = Style.load(ws.template("xlsx/style.toml"))
    result = GenerateResult()
    for qs in framework.quality_statements:
        path = checklist_path(ws, qs)
        layout = ChecklistLayout(len(qs.checklist_statements))
        if not force and is_filled(path, layout.input_cells):
            result.kept.append(path)
            continue
        wb = build_checklist(framework, qs, style, council)
        stamp_blank(wb)
        save_atomic(wb, path)
        result.written.append(path)
    return result


def generate_summaries(
    ws: Workspace, *, force: bool = False, progress: Progress = no_progress
) -> GenerateResult:
    """Write the nine Stage 2 workbooks, with Stage 1 findings in their guidance when returns
    exist; keep any that people have already filled in (unless ``force``)."""
    from pipeline.forms.summary import build_summary, input_cells, summary_path
    from pipeline.read.expected import is_filled, stamp_blank
    from pipeline.xlsx.write import Style, save_atomic

    framework, council = ws.framework, ws.settings.council
    limit = ws.settings.report.word_limit
    style = Style.load(ws.template("xlsx/style.toml"))
    returns = _returns(ws, progress)
    stage1 = _by_quality_statement(ws, returns)
    result = GenerateResult()
    inputs = input_cells()
    printed = printed_layouts(ws, returns)
    items = framework.quality_statements
    for qs in progress(items, len(items), "Writing Stage 2 summaries"):
        path = summary_path(ws, qs)
        if not force and is_filled(path, inputs):
            result.kept.append(path)
            continue
        wb = build_summary(
            framework, qs, style, stage1.get(qs.code), council, limit, printed.get(qs.code)
        )
        stamp_blank(wb)
        save_atomic(wb, path)
        result.written.append(path)
    return result


def generate_plan(ws: Workspace, *, force: bool = False) -> GenerateResult:
    """Write ``inputs/improvement-plan.xlsx``: one row per area for improvement and priority of
    the Stage 2 summaries received, pre-filled. A plan someone has filled in is kept (unless
    ``force``); with no summaries yet, nothing is written and the error says so."""
    from pipeline.forms.plan import build_plan, plan_items
    from pipeline.read.expected import stamp_blank
    from pipeline.xlsx.write import Style, save_atomic

    path = ws.improvement_plan
    result = GenerateResult()
    if not force and path.exists() and _plan_filled(ws, path):
        result.kept.append(path)
        return result
    inputs = read_inputs(ws)
    if not inputs.summaries:
        raise SelfAssessError(
            "No Stage 2 summaries are in inputs/stage2/ yet: the improvement plan is made from "
            "their areas for improvement and priorities. Put the completed summaries there, then "
            "run this again."
        )
    items = plan_items(ws.framework, inputs.summaries)
    style = Style.load(ws.template("xlsx/style.toml"))
    wb = build_plan(ws.framework, style, items, ws.settings.council)
    stamp_blank(wb)
    save_atomic(wb, path)
    result.written.append(path)
    return result


def _plan_filled(ws: Workspace, path: Path) -> bool:
    """Whether the plan at ``path`` has anything a person typed (any action or update, or a
    change anywhere since it was made)."""
    from pipeline.forms.plan import plan_input_cells
    from pipeline.read.expected import is_filled

    # Its pre-filled rows are at most a few dozen; the input cells of 500 rows cover them.
    return is_filled(path, plan_input_cells(500))


def stage1_results(ws: Workspace, progress: Progress = no_progress) -> dict[str, QSResult]:
    """The Stage 1 findings of each quality statement that has returns (none: ``{}``)."""

    return _by_quality_statement(ws, _returns(ws, progress))


def _returns(ws: Workspace, progress: Progress = no_progress) -> list[Any]:
    """The Stage 1 returns (none read when there are no files)."""
    from pipeline.read.returns import read_returns, return_files
    from pipeline.read.surveys import survey_files

    if not return_files(ws) and not survey_files(ws):
        return []
    return read_returns(ws, progress).returns


def _by_quality_statement(ws: Workspace, returns: list[Any]) -> dict[str, QSResult]:
    from pipeline.analysis.stage1 import aggregate

    if not returns:
        return {}
    results = aggregate(ws.framework, returns, ws.settings.stage1)
    return {r.code: r for r in results if r.returns}


def generate_audits(ws: Workspace, *, force: bool = False, count: int = 1) -> GenerateResult:
    """Write blank case-file audit workbooks to ``outputs/audits/templates/``: one, or ``count``
    numbered ones (one per case to audit); keep any that have been filled in (unless ``force``)."""
    from pipeline.forms.audit import AuditLayout, build_audit
    from pipeline.read.expected import is_filled, stamp_blank
    from pipeline.xlsx.write import Style, atomic_path

    if count < 1:
        raise SelfAssessError("--count must be 1 or more.")
    standards = ws.standards
    style = Style.load(ws.template("xlsx/style.toml"))
    inputs = AuditLayout(standards).input_cells
    names = (
        ["case-file-audit.xlsx"]
        if count == 1
        else [f"case-file-audit-{n:0{len(str(count))}d}.xlsx" for n in range(1, count + 1)]
    )
    result = GenerateResult()
    data: bytes | None = None
    for name in names:
        path = ws.audit_templates_dir / name
        if not force and is_filled(path, inputs):
            result.kept.append(path)
            continue
        if data is None:
            wb = build_audit(ws.framework, standards, style, ws.settings.council)
            stamp_blank(wb)
            buffer = io.BytesIO()
            wb.save(buffer)
            data = buffer.getvalue()
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        result.written.append(path)
    return result


# ---- collect ----------------------------------------------------------------------------------


@dataclass
class AuditCollectResult:
    """What ``collect audits`` read and wrote: the summary, every finding, the files skipped."""

    summary: Any
    findings: Findings
    skipped: list[Finding]
    written: Path | None


def read_audit_findings(ws: Workspace) -> tuple[Any, list[Finding], list[Finding]]:
    """The returned case-file audits summed up, with what reading them found (personal data
    included) and the files skipped."""
    from pipeline.analysis.audits import audit_personal_data, summarise_audits
    from pipeline.read.audits import read_audits

    read = read_audits(ws)
    summary = summarise_audits(ws.standards, read.audits, ws.framework)
    findings = [*read.findings, *audit_personal_data(read.audits)]
    return summary, findings, read.skipped


def collect_audits(ws: Workspace) -> AuditCollectResult:
    """Read every case-file audit in ``inputs/audits/`` and write
    ``outputs/audits/audit-findings.xlsx`` (nothing is written when there is no audit)."""
    from pipeline.model.findings import Findings
    from pipeline.outputs.audits import write_audit_findings

    summary, findings, skipped = read_audit_findings(ws)
    written = None
    if summary.audits:
        write_audit_findings(ws, summary)
        written = ws.audit_findings_xlsx
    return AuditCollectResult(summary, Findings(findings), skipped, written)


def collect(ws: Workspace, progress: Progress = no_progress) -> CollectResult:
    """Read every Stage 1 return, aggregate, and write ``outputs/stage1/findings.xlsx``; the
    findings include ``personal-data`` in the comments (masked in the workbook unless
    ``[stage1] mask_personal_data = false``)."""
    from pipeline.analysis.personal_data import stage1_findings
    from pipeline.analysis.stage1 import aggregate
    from pipeline.model.findings import Findings
    from pipeline.model.stage1 import CollectResult
    from pipeline.outputs.findings import write_findings
    from pipeline.read.returns import read_returns

    read = read_returns(ws, progress)
    results = aggregate(ws.framework, read.returns, ws.settings.stage1)
    result = CollectResult(
        returns=len(read.returns),
        skipped=read.skipped,
        findings=Findings([*read.findings, *stage1_findings(read.returns)]),
        results=results,
    )
    write_findings(ws, result)
    return result


# ---- import survey -----------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What ``import survey`` did: where the export now is, the mapping written, what each column
    was taken for (column letter, heading, read_as), and the findings of reading it."""

    survey: Path
    mapping: Path
    replaced: bool
    respondents: int
    columns: list[tuple[str, str, str]]
    findings: Findings


def import_survey(ws: Workspace, source: Path, *, replace: bool = False) -> ImportResult:
    """Copy a survey export (CSV or XLSX) into ``inputs/surveys/`` and write (or update) its
    entry in ``inputs/survey-mapping.yaml``: what it already says of a column is kept, the
    other columns are guessed. ``collect`` then counts its respondents.

    A different export already there under the same name is replaced only with ``replace``
    (a newer export of the same survey); otherwise the import is refused, changing nothing."""
    import shutil

    from pipeline.model.findings import Findings
    from pipeline.read.returns import parse_rating, rating_lookup
    from pipeline.read.surveys import (
        SURVEY_SUFFIXES,
        MappingError,
        SurveyUnreadable,
        dump_mapping,
        guess_mapping,
        load_mapping,
        read_survey,
        read_table,
        with_survey,
    )
    from pipeline.xlsx.write import atomic_path

    if not source.is_file():
        raise SelfAssessError(f"{source} is not a file: give the survey export's path.")
    if source.suffix.lower() not in SURVEY_SUFFIXES:
        raise SelfAssessError(
            f"{source.name} is not a CSV or .xlsx file: export the survey's responses as CSV "
            "(or Excel .xlsx) and import that."
        )
    mapping_rel = ws.relative(ws.survey_mapping)
    try:
        mapping = load_mapping(ws.survey_mapping)
    except MappingError as e:
        raise SelfAssessError(f"{mapping_rel} {e}; correct it (or delete it) first.") from e
    target = ws.surveys_dir / source.name
    inside = source.resolve().parent == ws.surveys_dir.resolve()
    known = mapping.entry(source.name)
    try:
        table = read_table(source, ws.settings.limits, known.header_rows if known else None)
    except SurveyUnreadable as e:
        raise SelfAssessError(f"{source.name} {e}.") from e
    replaced = False
    if not inside:
        replaced = target.exists()
        if replaced and not replace and target.read_bytes() != source.read_bytes():
            raise SelfAssessError(
                f"{ws.relative(target)} already holds a different export. To add this one "
                f"beside it, give the file another name (such as {source.stem}-2"
                f"{source.suffix}); if it is a newer export of the same survey, import it again "
                "with --replace."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    survey = guess_mapping(source.name, table, ws.framework, known)
    mapping = with_survey(mapping, survey)
    with atomic_path(ws.survey_mapping) as tmp:
        tmp.write_text(dump_mapping(mapping), "utf-8")
    # Read as collect will, to report what it would find.
    rel = ws.relative(target)
    ratings = (rating_lookup(ws.framework), parse_rating)
    read = read_survey(ws.framework, ratings, rel, mapping_rel, table, source.name, survey)
    respondents = len({r.row for r in read.returns})
    return ImportResult(
        survey=target,
        mapping=ws.survey_mapping,
        replaced=replaced,
        respondents=respondents,
        columns=[(c.column, c.heading, c.read_as) for c in survey.columns],
        findings=Findings(read.findings),
    )


# ---- validate ---------------------------------------------------------------------------------


def read_inputs(ws: Workspace, progress: Progress = no_progress) -> Inputs:
    """Read every input of the workspace, Stage 1 first (the Stage 2 reader needs its results
    to know each summary's guidance sheet); nothing is written."""
    from pipeline.model.inputs import Inputs
    from pipeline.read.overview import read_overview
    from pipeline.read.plan import read_plan
    from pipeline.read.register import read_library
    from pipeline.read.returns import read_returns
    from pipeline.read.summaries import read_summaries

    inputs = Inputs(ws)
    returns = read_returns(ws, progress)
    inputs.returns = returns.returns
    inputs.read_findings.extend(returns.findings)
    stage1 = _by_quality_statement(ws, returns.returns)
    inputs.stage1 = stage1
    read = read_summaries(ws, stage1, progress)
    inputs.summaries = read.summaries
    inputs.read_findings.extend(read.findings)
    inputs.library, found = read_library(ws)
    inputs.read_findings.extend(found)
    inputs.overview, found = read_overview(ws)
    inputs.read_findings.extend(found)
    inputs.plan, found = read_plan(ws)
    inputs.read_findings.extend(found)
    _read_audits(ws, inputs)
    inputs.printed = printed_layouts(ws, returns.returns)
    return inputs


def _read_audits(ws: Workspace, inputs: Inputs) -> None:
    """The case-file audits in ``inputs/audits/``: their findings, and their summary as a dated
    evidence document of the library (for the IR items its standards serve)."""
    from pipeline.analysis.audits import audit_document
    from pipeline.read.audits import audit_files

    if not audit_files(ws):
        return
    summary, found, _skipped = read_audit_findings(ws)
    inputs.audits = summary.audits
    inputs.read_findings.extend(found)
    document = audit_document(summary, ws.framework, ws.relative(ws.audits_inputs))
    if document is not None and inputs.library is not None:
        library = inputs.library
        inputs.library = dataclasses.replace(library, extra=(*library.extra, document))


def printed_layouts(ws: Workspace, returns: list[Any] | None = None) -> dict[str, PrintedLayout]:
    """How each quality statement's Section B prints with the workspace's report template
    (its own copy under templates/ if it has one): what the word limit counts. With the Stage 1
    ``returns``, each layout includes its quality statement's Stage 1 summary line (when the
    report prints one)."""
    from pipeline.read.expected import cache_dir
    from pipeline.report import TEMPLATE
    from pipeline.report.printed import printed_layouts as measure

    layouts = measure(ws.framework, ws.template(TEMPLATE), cache_dir(ws))
    if not returns:
        return layouts
    return _with_stage1_lines(ws, layouts, _by_quality_statement(ws, returns), returns)


def _with_stage1_lines(
    ws: Workspace,
    layouts: dict[str, PrintedLayout],
    stage1: dict[str, QSResult],
    returns: list[Any],
) -> dict[str, PrintedLayout]:
    """The layouts with each quality statement's Stage 1 summary line, when the report prints
    one (its words count towards the limit like the rest of the section)."""
    from pipeline.analysis.stage1 import summary_line

    if not ws.settings.report.stage1_summary:
        return layouts
    return {
        code: layout.with_stage1_line(summary_line(stage1[code], returns) if code in stage1 else "")
        for code, layout in layouts.items()
    }


def validate_workspace(ws: Workspace, progress: Progress = no_progress) -> ValidationResult:
    """Read and check everything, then write what :func:`write_validation_outputs` writes."""
    result = check_workspace(ws, progress)
    write_validation_outputs(ws, result)
    return result


def check_workspace(ws: Workspace, progress: Progress = no_progress) -> ValidationResult:
    """Read and check everything; nothing is written."""
    from pipeline.rules import run_rules

    inputs = read_inputs(ws, progress)
    return ValidationResult(inputs, run_rules(inputs))


def write_validation_outputs(ws: Workspace, validated: ValidationResult) -> None:
    """What ``validate`` writes: ``outputs/validation-report.xlsx``, ``outputs/ir-coverage.xlsx``
    and ``outputs/thread.xlsx``."""
    from pipeline.outputs.coverage import write_ir_coverage
    from pipeline.outputs.thread import write_thread
    from pipeline.outputs.validation_report import write_validation_report

    write_validation_report(ws, validated.findings)
    write_ir_coverage(ws, ws.framework, validated.inputs.library)
    write_thread(ws, validated.inputs)


# ---- status -----------------------------------------------------------------------------------


def workspace_status(ws: Workspace) -> StatusTable:
    """Read and check everything (writing nothing) and sum it up per quality statement."""
    from pipeline.analysis.coverage import coverage_line, ir_coverage
    from pipeline.analysis.rating import workspace_ratings
    from pipeline.outputs.status import (
        StatusTable,
        next_step,
        plan_lines,
        rating_lines,
        status_rows,
    )
    from pipeline.rules import run_rules

    inputs = read_inputs(ws)
    findings = run_rules(inputs)
    framework = ws.framework
    rows = status_rows(framework, inputs, findings)
    ratings = workspace_ratings(framework, inputs)
    sections = [plan_lines(framework, inputs.plan, inputs.today)]
    if ratings.any:
        sections.append(rating_lines(ratings))
    notes = []
    if inputs.library is None:
        notes.append(f"The evidence library ({ws.relative(ws.evidence_library)}) was not read.")
    return StatusTable(
        rows=rows,
        coverage=coverage_line(ir_coverage(framework, inputs.library)),
        errors=len(findings.errors),
        warnings=len(findings.warnings),
        next_step=next_step(rows, findings),
        notes=notes,
        sections=sections,
    )


# ---- build ------------------------------------------------------------------------------------


def build_report(
    ws: Workspace,
    *,
    draft: bool = False,
    pdf: bool = False,
    progress: Progress = no_progress,
) -> BuildResult:
    """Validate everything, then write ``outputs/self-assessment.docx`` (and the PDF).

    Refuses (``docx`` None) while errors remain or a quality statement lacks a valid, verified
    summary (``BuildResult.incomplete``), unless ``draft``. An interrupted build leaves
    the previous report as it was. Without ``pdf``, a PDF left by an earlier build is removed,
    so that the two never disagree. Raises ``PdfError`` when the PDF cannot be made (the
    ``.docx`` has been written by then).
    """
    from pipeline.forked import in_background
    from pipeline.rules.personal_data import printed_personal_data
    from pipeline.rules.stage2 import report_gaps
    from pipeline.xlsx.write import atomic_path

    validated = check_workspace(ws, progress)
    # validate's workbooks are written on the second core while the report is rendered; the
    # report is written only once they are (as when one followed the other).
    written = in_background(lambda: write_validation_outputs(ws, validated))
    try:
        findings = validated.findings
        gaps = report_gaps(validated.inputs, findings)
        personal = printed_personal_data(validated.inputs, findings)
        refused = bool(findings.errors or gaps) and not draft
        data = None if refused else _render(ws, validated, draft)
    except BaseException:
        written.settle()  # nothing still being written once the build has said it failed
        raise
    written.result()
    if data is None:
        return BuildResult(findings, None, None, gaps, personal)
    with atomic_path(ws.report_docx) as tmp:
        tmp.write_bytes(data)
    if not pdf:
        _remove_stale_pdf(ws)
        return BuildResult(findings, ws.report_docx, None, gaps, personal)
    from pipeline.report.pdf import docx_to_pdf

    library = validated.inputs.library
    documents = len(library.items) if library is not None else 0
    report = ws.settings.report
    made = docx_to_pdf(
        ws.report_docx,
        ws.report_pdf,
        # The evidence register is what makes a report long.
        timeout=report.pdf_timeout_seconds + report.pdf_timeout_seconds_per_document * documents,
        size=f"an evidence register of {documents:,} document{'s' * (documents != 1)}",
    )
    return BuildResult(findings, ws.report_docx, made, gaps, personal)


def _render(ws: Workspace, validated: ValidationResult, draft: bool) -> bytes:
    """The report, rendered with the workspace's template: the .docx's bytes."""
    from pipeline.report.build import TEMPLATE, render_report

    return render_report(
        ws.framework, validated.inputs, draft=draft, template=ws.template(TEMPLATE)
    )


def _remove_stale_pdf(ws: Workspace) -> None:
    """A PDF from an earlier build no longer matches the new .docx: nobody should send it."""
    try:
        ws.report_pdf.unlink(missing_ok=True)
    except OSError as e:
        raise SelfAssessError(
            f"The .docx was written, but the PDF of an earlier build, "
            f"{ws.relative(ws.report_pdf)}, could not be removed ({e.strerror}): close it, or "
            "build again with --pdf."
        ) from e


# ---- rounds -----------------------------------------------------------------------------------


# What a new round starts with: the register, the overview and the improvement plan (without its
# Done actions), and the council's own framework changes. Everything else under inputs/ (Stage 1
# returns, Stage 2 summaries, survey exports and their mapping) stays in the archive only.
CARRIED_FORWARD = (
    "evidence-library.xlsx",
    "overview.xlsx",
    "improvement-plan.xlsx",
    "framework.yaml",
    "practice-standards.yaml",  # a council's own practice standards for case-file audits
)


ROUND_FILE = "round.json"


@dataclass
class CloseResult:
    """What ``round close`` did: the archive, what the next round starts with, what left
    ``inputs/`` (it is in the archive), and the Done actions taken out of the plan."""

    archive: Path
    carried: list[Path] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    done_actions: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Files changed or added while the round was being archived: not in the archive, so kept.
    stayed: list[str] = field(default_factory=list)
    # Why the plan's Done actions were left in it (empty: they were taken out, or none).
    plan_note: str = ""


def close_round(ws: Workspace, *, on: Any = None) -> CloseResult:
    """Archive the round (``inputs/``, ``outputs/``, ``selfassess.toml``, the workspace's own
    templates, and ``round.json`` with the framework's version) into ``rounds/<date>/``, read-only
    (a second close the same day: ``<date>-2``), then start the next round: the register, the
    overview and the improvement plan stay in ``inputs/`` (the plan without its Done actions);
    Stage 1 returns, surveys, Stage 2 summaries and the outputs leave the workspace (they are in
    the archive). Refuses when there is nothing to close. ``on``: the date (default today)."""
    import datetime as dt
    import json
    import shutil

    from pipeline._version import __version__
    from pipeline.read.expected import framework_digest
    from pipeline.settings import SETTINGS_FILE
    from pipeline.workspace import input_files

    ws.require()
    day: dt.date = on or dt.date.today()
    round_files = [
        p
        for p in input_files(ws.inputs)
        if p.relative_to(ws.inputs).as_posix() not in CARRIED_FORWARD
    ]
    if not round_files:
        raise SelfAssessError(
            "There is nothing to close: inputs/ has no Stage 1 returns, surveys or Stage 2 "
            "summaries this round."
        )
    # Read it all first, as validate does: a round that cannot be read at all is not archived.
    inputs = read_inputs(ws)
    framework = ws.framework
    plan = inputs.plan
    counts = {
        "stage1_returns": len(inputs.returns),
        "quality_statements_with_returns": len(inputs.stage1),
        "stage2_summaries": len(inputs.summaries),
        "evidence_items": len(inputs.library.items) if inputs.library else 0,
        "plan_rows": len(plan.rows) if plan else 0,
        "plan_actions": len(plan.actions) if plan else 0,
        "plan_actions_done": sum(r.done for r in plan.actions) if plan else 0,
        "files": len(round_files),
    }
    archive = _new_round_folder(ws.rounds_dir, day.isoformat())
    staging = archive.with_name(f".closing-{archive.name}")
    if ws.rounds_dir.is_dir():  # what an interrupted close left behind (its own copies only)
        for left in ws.rounds_dir.glob(".closing-*"):
            shutil.rmtree(left, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        cache = ws.outputs / ".cache"
        shutil.copytree(ws.inputs, staging / "inputs")
        if ws.outputs.is_dir():
            shutil.copytree(
                ws.outputs,
                staging / "outputs",
                ignore=lambda folder, names: [".cache"] if Path(folder) == cache else [],
            )
        if (ws.root / SETTINGS_FILE).is_file():
            shutil.copy2(ws.root / SETTINGS_FILE, staging / SETTINGS_FILE)
        if (ws.root / "templates").is_dir():
            shutil.copytree(ws.root / "templates", staging / "templates")
        record = {
            "closed": day.isoformat(),
            "council": ws.settings.council,
            "framework": framework.version_tag,
            "framework_digest": framework_digest(framework),
            "selfassess": __version__,
            "counts": counts,
        }
        (staging / ROUND_FILE).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        # The archive is whole before anything leaves the workspace.
        copied = {p.relative_to(staging / "inputs") for p in input_files(staging / "inputs")}
        missing = [p for p in round_files if p.relative_to(ws.inputs) not in copied]
        if missing:
            raise SelfAssessError(
                f"{ws.relative(missing[0])} could not be copied into the archive; nothing was "
                "changed in inputs/."
            )
        staging.rename(archive)
    except shutil.Error as e:
        shutil.rmtree(staging, ignore_errors=True)
        first = e.args[0][0] if e.args and e.args[0] else ("", "", str(e))
        raise SelfAssessError(
            f"{first[0]} could not be copied into the archive ({first[2]}); nothing was changed "
            "in inputs/. Close the file (or give it read permission) and try again."
        ) from e
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _read_only(archive)
    result = CloseResult(archive=archive, counts=counts)
    if plan is not None and any(r.done for r in plan.rows):
        result.done_actions, result.plan_note = _remove_done_actions(
            ws, plan, archive / "inputs" / ws.improvement_plan.name
        )
    for path in sorted(ws.inputs.iterdir()):
        if path.name in CARRIED_FORWARD:
            result.carried.append(path)
            continue
        result.removed.append(ws.relative(path))
        result.stayed += _leave_archived(ws, path, archive / "inputs" / path.name)
    for folder in (ws.stage1_inputs, ws.stage2_inputs):
        folder.mkdir(parents=True, exist_ok=True)
    if ws.outputs.is_dir():
        for path in sorted(ws.outputs.iterdir()):
            if path.name == ".cache":
                continue
            result.stayed += _leave_archived(ws, path, archive / "outputs" / path.name)
    return result


def _leave_archived(ws: Workspace, path: Path, copy: Path) -> list[str]:
    """Remove ``path`` (a file, a link or a folder) from the workspace where the archive holds
    it unchanged at ``copy``; anything saved or changed since it was copied stays (returned)."""
    import os

    def same(p: Path, c: Path) -> bool:
        try:
            a, b = p.stat(), c.stat()
        except OSError:
            return False
        return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns

    if path.is_symlink() or not path.is_dir():
        if (path.is_symlink() and copy.exists()) or same(path, copy):
            path.unlink()
            return []
        return [ws.relative(path)]
    stayed: list[str] = []
    for folder, dirs, files in os.walk(path, topdown=False):
        here = Path(folder)
        for name in [*files, *(d for d in dirs if (here / d).is_symlink())]:
            item = here / name
            stayed += _leave_archived(ws, item, copy / item.relative_to(path))
        with contextlib.suppress(OSError):  # a folder still holding what stayed
            here.rmdir()
    return stayed


def _new_round_folder(rounds: Path, name: str) -> Path:
    """``rounds/<name>``, or ``<name>-2``, ``-3``... when it is taken: never an existing one."""
    n = 1
    while True:
        folder = rounds / (name if n == 1 else f"{name}-{n}")
        if not folder.exists():
            return folder
        n += 1


def _read_only(folder: Path) -> None:
    """Files 0o444 and folders 0o555, so that nobody changes a closed round by mistake."""
    import os

    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    os.chmod(folder, 0o555)


def _remove_done_actions(ws: Workspace, plan: Any, archived: Path) -> tuple[list[str], str]:
    """Take the Done actions out of ``inputs/improvement-plan.xlsx`` (the rows below move up,
    with their row heights); the others keep their status. Returns the Refs taken out, or why
    none were: the plan changed since it was archived, or rows below the first Done action hold
    links, merged cells or formulas that moving rows would leave on the wrong actions."""
    import openpyxl

    from pipeline.xlsx.write import save_atomic

    if not archived.is_file() or archived.read_bytes() != ws.improvement_plan.read_bytes():
        return [], "the plan was saved while the round was being closed"
    wb = openpyxl.load_workbook(ws.improvement_plan)
    sheet = wb[plan.rows[0].at.sheet] if plan.rows[0].at.sheet else wb.active
    done = sorted((r for r in plan.rows if r.done), key=lambda r: r.row, reverse=True)
    first = done[-1].row
    merged = any(m.max_row >= first for m in sheet.merged_cells.ranges)
    linked = any(
        c.hyperlink is not None or c.data_type == "f"
        for row in sheet.iter_rows(min_row=first)
        for c in row
    )
    if merged or linked:
        return [], "rows below its first Done action hold links, merged cells or formulas"
    heights = {r: d.height for r, d in sheet.row_dimensions.items() if d.height is not None}
    last = max(heights, default=0)
    for row in done:
        sheet.delete_rows(row.row)
        for r in range(row.row, last + 1):
            below = heights.get(r + 1)
            heights[r] = below if below is not None else heights.get(r, 15.0)
            sheet.row_dimensions[r].height = heights[r]
    save_atomic(wb, ws.improvement_plan)
    return [r.ref or f"row {r.row}" for r in reversed(done)], ""


@dataclass
class CompareResult:
    """What ``compare`` found, and the workbook it wrote."""

    comparison: Any  # pipeline.analysis.rounds.Comparison
    then: Path
    xlsx: Path


def closed_rounds(ws: Workspace) -> list[Path]:
    """The archived rounds, oldest first (``2026-12-01`` before ``2026-12-01-2``)."""
    if not ws.rounds_dir.is_dir():
        return []

    def key(path: Path) -> tuple[str, int]:
        # <YYYY-MM-DD> or <YYYY-MM-DD>-<n>
        date, _, n = path.name[:10], path.name[10:11], path.name[11:]
        return (date, int(n) if n.isdigit() else 1)

    folders = [
        p
        for p in ws.rounds_dir.iterdir()
        if not p.name.startswith(".") and p.is_dir() and (p / ROUND_FILE).is_file()
    ]
    return sorted(folders, key=key)


def compare_rounds(ws: Workspace, round_name: str | None = None) -> CompareResult:
    """Compare the workspace's round with an archived one (default: the latest) and write
    ``outputs/comparison.xlsx``. Both rounds are read with the same readers."""
    from pipeline.analysis.rounds import compare_inputs
    from pipeline.outputs.comparison import write_comparison
    from pipeline.xlsx.write import Style

    ws.require()
    rounds = closed_rounds(ws)
    if round_name is None:
        if not rounds:
            raise SelfAssessError(
                "There is no closed round to compare with: `selfassess round close` archives "
                "one into rounds/."
            )
        then = rounds[-1]
    else:
        then = next((p for p in rounds if p.name == round_name), None)  # type: ignore[assignment]
        if then is None:
            known = ", ".join(p.name for p in rounds) or "none yet"
            raise SelfAssessError(f"There is no closed round {round_name} (closed: {known}).")
    old = Workspace(then)
    comparison = compare_inputs(ws.framework, read_inputs(old), read_inputs(ws), then.name)
    style = Style.load(ws.template("xlsx/style.toml"))
    write_comparison(ws.comparison_xlsx, comparison, style, ws.settings.council)
    return CompareResult(comparison, then, ws.comparison_xlsx)
