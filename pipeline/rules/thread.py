"""The thread from Stage 1 to Stage 2: flagged Stage 1 statements that no summary entry cites,
and citations of statements the checklist does not have."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, excerpt, warning
from pipeline.model.inputs import split_stage1

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, Rule


def stage1_not_answered(inputs: Inputs) -> Iterator[Finding]:
    """A Stage 1 statement flagged as an emerging area for improvement that no strength or area
    for improvement of the quality statement's summary cites in column E."""
    from pipeline.analysis.thread import threads

    for thread in threads(inputs.ws.framework, inputs):
        summary = thread.summary
        if summary is None:
            continue  # summary-missing says so
        target = next(iter(summary.improvements), None)
        at = target.stage1 if target is not None else None
        for row in thread.rows:
            if not row.unanswered:
                continue
            agree = "" if row.agree is None else f" ({row.agree:.0f}% agree)"
            yield warning(
                "stage1-not-answered",
                summary.file,
                f"Stage 1 statement {row.number}, “{excerpt(row.text, 80)}”{agree}, was flagged "
                "as an emerging area for improvement, but no strength or area for improvement "
                "cites it. Put its number in column E beside the one that answers it.",
                sheet=at.at.sheet if at is not None else None,
                cell=at.at.cell if at is not None else None,
                field=target.label if target is not None else None,
            ).with_data(statement=row.number, quality_statement=thread.code)


def stage1_citation_unknown(inputs: Inputs) -> Iterator[Finding]:
    """A number in column E that is not one of the quality statement's checklist statements."""
    framework = inputs.ws.framework
    for summary in inputs.summaries:
        try:
            qs = framework.quality_statement(summary.quality_statement)
        except KeyError:
            continue
        count = len(qs.checklist_statements)
        for e in (*summary.strengths, *summary.improvements):
            if e.stage1 is None or e.stage1.blank:
                continue
            bad = [
                p
                for p in split_stage1(e.stage1.value)
                if not p.isdigit() or not 1 <= int(p) <= count
            ]
            if not bad:
                continue
            yield warning(
                "stage1-citation-unknown",
                summary.file,
                f"‘{e.label}’ cites {', '.join(f'“{excerpt(b, 20)}”' for b in bad)} in column E, "
                f"which {'is' if len(bad) == 1 else 'are'} not among the {count} Stage 1 "
                f"statements of {qs.code}. Use their numbers (1 to {count}), separated by commas.",
                sheet=e.stage1.at.sheet,
                cell=e.stage1.at.cell,
                field=e.label,
            )


RULES: list[Rule] = [stage1_not_answered, stage1_citation_unknown]
