"""The thread from Stage 1 to action, per quality statement: each Stage 1 statement flagged (an
emerging area for improvement, divergent views, an evidence gap) or cited, the Stage 2 strengths
and areas for improvement that cite it (column E of the summary), their evidence IDs, the IR items
of those documents, and the improvement plan's actions for those areas for improvement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.inputs import Entry, ImprovementPlan, Inputs, PlanRow, Summary


IMPROVEMENT, DIVERGENT, GAP = "area for improvement", "divergent views", "evidence gap"


@dataclass
class ThreadRow:
    """One Stage 1 statement of a quality statement, and what answers it."""

    number: int
    text: str
    flags: list[str]
    agree: float | None
    cited_by: list[str] = field(default_factory=list)  # "Area for improvement 2"
    evidence: list[str] = field(default_factory=list)
    ir_items: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # "Action (owner, due, status)"

    @property
    def unanswered(self) -> bool:
        """Flagged as an area for improvement, and no Stage 2 entry cites it."""
        return IMPROVEMENT in self.flags and not self.cited_by


@dataclass
class QSThread:
    code: str
    name: str
    summary: Summary | None
    rows: list[ThreadRow]


def entry_refs(summary: Summary) -> dict[str, str]:
    """The improvement plan's Ref of each area for improvement with text (``QS1-I2``), by label."""
    refs: dict[str, str] = {}
    n = 0
    for e in summary.improvements:
        if e.text.blank:
            continue
        n += 1
        refs[e.label] = f"{summary.quality_statement}-I{n}"
    return refs


def plan_actions(plan: ImprovementPlan | None, summary: Summary, entry: Entry) -> list[PlanRow]:
    """The plan's actions for an area for improvement: rows with its Ref, or (a row whose Ref was
    cleared) with its text."""
    if plan is None:
        return []
    ref = entry_refs(summary).get(entry.label)
    text = entry.text.value.strip()
    return [
        r
        for r in plan.rows
        if r.action.strip()
        and ((ref and r.ref.upper() == ref.upper()) or (not r.ref and r.text == text and text))
    ]


def _action_line(r: PlanRow) -> str:
    from pipeline.model.inputs import PLAN_STATUSES

    when = r.due.strftime("%d/%m/%Y") if r.due else "no due date"
    status = r.status or PLAN_STATUSES[0]
    owner = r.owner or "no owner"
    return f"{r.action} ({owner}; {when}; {status})"


def threads(framework: Framework, inputs: Inputs) -> list[QSThread]:
    """The thread of every quality statement, in framework order."""
    first: dict[str, Summary] = {}
    for received in inputs.summaries:
        first.setdefault(received.quality_statement, received)
    library = inputs.library.by_id() if inputs.library is not None else {}
    out = []
    for qs in framework.quality_statements:
        result = inputs.stage1.get(qs.code)
        summary = first.get(qs.code)
        statements = {st.number: st for st in result.statements} if result else {}
        flags: dict[int, list[str]] = {}
        if result is not None:
            for name, listed in (
                (IMPROVEMENT, result.emerging_improvements),
                (DIVERGENT, result.divergent),
                (GAP, result.evidence_gaps),
            ):
                for flagged in listed:
                    flags.setdefault(flagged.number, []).append(name)
        cited: dict[int, list[Entry]] = {}
        if summary is not None:
            for e in (*summary.strengths, *summary.improvements):
                for number in dict.fromkeys(e.stage1_numbers):
                    cited.setdefault(number, []).append(e)
        numbers = sorted(n for n in {*flags, *cited} if n in statements or n in flags)
        rows = []
        for number in numbers:
            st = statements.get(number)
            row = ThreadRow(
                number=number,
                text=st.text if st else "",
                flags=flags.get(number, []),
                agree=st.percent_agree if st else None,
            )
            for e in cited.get(number, []):
                row.cited_by.append(e.label)
                row.evidence += [i for i in e.evidence_ids if i not in row.evidence]
                for evidence_id in e.evidence_ids:
                    item = library.get(evidence_id.upper())
                    if item is not None:
                        row.ir_items += [c for c in item.ir_items if c not in row.ir_items]
                if summary is not None:
                    row.actions += [_action_line(r) for r in plan_actions(inputs.plan, summary, e)]
            rows.append(row)
        out.append(QSThread(qs.code, qs.name, summary, rows))
    return out
