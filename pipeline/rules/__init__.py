"""Validation rules, one module per family. A rule is a function ``(inputs) -> findings``.

To add a rule: write a small function in the module of its family and add it to that module's
``RULES`` list; ``validate`` runs every rule of every family over everything read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.model.findings import Findings
    from pipeline.model.inputs import Inputs, Rule


def all_rules() -> list[Rule]:
    """Every rule of every family, in a stable order."""
    from pipeline.rules import evidence, overview, personal_data, plan, stage2, thread

    return [
        *stage2.RULES,
        *evidence.RULES,
        *overview.RULES,
        *personal_data.RULES,
        *thread.RULES,
        *plan.RULES,
    ]


def run_rules(inputs: Inputs) -> Findings:
    """Run every rule over what was read; reading findings come first."""
    from pipeline.model.findings import Findings

    findings = Findings(inputs.read_findings)
    for rule in all_rules():
        findings.extend(rule(inputs))
    return findings
