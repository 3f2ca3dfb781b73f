"""One function per command, for the command line and for a council's own scripts alike.

Each reads everything it needs, checks it, and only then writes; this is the only module that
writes outputs. Heavy libraries are imported inside the functions, so that a command imports
only what it uses.
"""

from __future__ import annotations

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


def stage1_results(ws: Workspace, progress: Progress = no_progress) -> dict[str, QSResult]:
    """The Stage 1 findings of each quality statement that has returns (none: ``{}``)."""

    return _by_quality_statement(ws, _returns(ws, progress))


def _returns(ws: Workspace, progress: Progress = no_progress) -> list[Any]:
    """The Stage 1 returns (none read when there are no files)."""
    from pipeline.read.returns import read_returns, return_files

    if not return_files(ws):
        return []
    return read_returns(ws, progress).returns


def _by_quality_statement(ws: Workspace, returns: list[Any]) -> dict[str, QSResult]:
    from pipeline.analysis.stage1 import aggregate

    if not returns:
        return {}
    results = aggregate(ws.framework, returns, ws.settings.stage1)
    return {r.code: r for r in results if r.returns}


# ---- collect ----------------------------------------------------------------------------------


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


# ---- validate ---------------------------------------------------------------------------------


def read_inputs(ws: Workspace, progress: Progress = no_progress) -> Inputs:
    """Read every input of the workspace, Stage 1 first (the Stage 2 reader needs its results
    to know each summary's guidance sheet); nothing is written."""
    from pipeline.model.inputs import Inputs
    from pipeline.read.overview import read_overview
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
    inputs.printed = printed_layouts(ws, returns.returns)
    return inputs


def printed_layouts(ws: Workspace, returns: list[Any] | None = None) -> dict[str, PrintedLayout]:
    """How each quality statement's Section B prints with the workspace's report template
    (its own copy under templates/ if it has one): what the word limit counts. With the Stage 1
    ``returns``, each layout includes its quality statement's Stage 1 summary line (when the
    report prints one)."""
    from pipeline.read.expected import cache_dir
    from pipeline.report.build import TEMPLATE
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
    """Read and check everything, then write ``outputs/validation-report.xlsx`` and
    ``outputs/ir-coverage.xlsx``."""
    from pipeline.outputs.coverage import write_ir_coverage
    from pipeline.outputs.validation_report import write_validation_report
    from pipeline.rules import run_rules

    inputs = read_inputs(ws, progress)
    findings = run_rules(inputs)
    write_validation_report(ws, findings)
    write_ir_coverage(ws, ws.framework, inputs.library)
    return ValidationResult(inputs, findings)


# ---- status -----------------------------------------------------------------------------------


def workspace_status(ws: Workspace) -> StatusTable:
    """Read and check everything (writing nothing) and sum it up per quality statement."""
    from pipeline.analysis.coverage import coverage_line, ir_coverage
    from pipeline.outputs.status import StatusTable, next_step, status_rows
    from pipeline.rules import run_rules

    inputs = read_inputs(ws)
    findings = run_rules(inputs)
    framework = ws.framework
    rows = status_rows(framework, inputs, findings)
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
    from pipeline.report.build import TEMPLATE, render_report
    from pipeline.rules.personal_data import printed_personal_data
    from pipeline.rules.stage2 import report_gaps
    from pipeline.xlsx.write import atomic_path

    validated = validate_workspace(ws, progress)
    findings = validated.findings
    gaps = report_gaps(validated.inputs, findings)
    personal = printed_personal_data(validated.inputs, findings)
    if (findings.errors or gaps) and not draft:
        return BuildResult(findings, None, None, gaps, personal)
    data = render_report(
        ws.framework, validated.inputs, draft=draft, template=ws.template(TEMPLATE)
    )
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
