"""Read every input, run every rule, collect every finding (SPEC §8); write the report workbook.

Reading problems (unreadable files, template mismatches, ignored content, invalid ratings) are
found by the readers; everything else by the rules in ``pipeline.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.findings import Finding, Findings
from pipeline.progress import Progress, no_progress

if TYPE_CHECKING:
    from pipeline.models import EvidenceLibrary, Overview, Stage1Return, Summary
    from pipeline.workspace import Workspace


@dataclass
class Inputs:
    """Everything read from a workspace's ``inputs/``, and what reading it found."""

    ws: Workspace
    returns: list[Stage1Return] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    library: EvidenceLibrary | None = None
    overview: Overview | None = None
    read_findings: list[Finding] = field(default_factory=list)


def gather(ws: Workspace, progress: Progress = no_progress) -> Inputs:
    """Read every input of the workspace; nothing is written."""
    from pipeline import collect, library, summaries

    inputs = Inputs(ws)
    returns = collect.read_returns(ws, progress)
    inputs.returns = returns.returns
    inputs.read_findings.extend(returns.findings)
    read = summaries.read_summaries(ws, progress)
    inputs.summaries = read.summaries
    inputs.read_findings.extend(read.findings)
    inputs.library, found = library.read_library(ws)
    inputs.read_findings.extend(found)
    inputs.overview, found = library.read_overview(ws)
    inputs.read_findings.extend(found)
    return inputs


def check(inputs: Inputs) -> Findings:
    """Run every rule over what was read; reading findings come first."""
    from pipeline.rules import all_rules

    findings = Findings(inputs.read_findings)
    for rule in all_rules():
        findings.extend(rule(inputs))
    return findings


@dataclass
class ValidationResult:
    inputs: Inputs
    findings: Findings


def validate_workspace(ws: Workspace, progress: Progress = no_progress) -> ValidationResult:
    """Read and check everything, then write ``outputs/validation-report.xlsx``."""
    from pipeline.coverage import write_ir_coverage
    from pipeline.validation_report import write_validation_report

    inputs = gather(ws, progress)
    findings = check(inputs)
    write_validation_report(ws, findings)
    write_ir_coverage(ws, ws.framework, inputs.library)
    return ValidationResult(inputs, findings)
