"""Comparing two rounds of the self-assessment (issue 14): what changed between the round archived
by ``round close`` and the one in the workspace now. Pure: two ``Inputs`` in, a ``Comparison`` out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from pipeline.read.labels import normalise_label

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.inputs import Inputs, PlanRow


# Two areas for improvement are "the same" when their normalised texts are this similar
# (difflib's ratio): a lead officer rewords an entry between rounds without it being new.
SAME_TEXT = 0.6


@dataclass(frozen=True)
class StatementChange:
    """One Stage 1 statement, then and now (None: no answers that round)."""

    quality_statement: str
    number: int
    text: str
    returns_then: int
    returns_now: int
    responses_then: int
    responses_now: int
    agree_then: float | None
    agree_now: float | None
    mean_then: float | None
    mean_now: float | None

    @property
    def agree_change(self) -> float | None:
        if self.agree_then is None or self.agree_now is None:
            return None
        return round(self.agree_now - self.agree_then, 1)

    @property
    def mean_change(self) -> float | None:
        if self.mean_then is None or self.mean_now is None:
            return None
        return round(self.mean_now - self.mean_then, 2)


@dataclass(frozen=True)
class QSChange:
    """One quality statement's Stage 2, then and now."""

    code: str
    name: str
    new_improvements: tuple[str, ...] = ()
    resolved_improvements: tuple[str, ...] = ()
    rating_then: int | None = None
    rating_now: int | None = None
    words_then: int | None = None  # None: no summary that round
    words_now: int | None = None

    @property
    def rating_changed(self) -> bool:
        return self.rating_then != self.rating_now


@dataclass
class Comparison:
    """Everything ``compare`` reports."""

    then_label: str
    statements: list[StatementChange] = field(default_factory=list)
    quality_statements: list[QSChange] = field(default_factory=list)
    evidence_added: list[str] = field(default_factory=list)
    evidence_retired: list[str] = field(default_factory=list)
    # (ref, quality statement, action) of the plan rows Done now and not Done then.
    actions_completed: list[tuple[str, str, str]] = field(default_factory=list)

    def changed_statements(self) -> list[StatementChange]:
        """The statements whose % agree or mean moved."""
        return [
            s for s in self.statements if (s.agree_then, s.mean_then) != (s.agree_now, s.mean_now)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "then": self.then_label,
            "statements": [
                {
                    "quality_statement": s.quality_statement,
                    "number": s.number,
                    "returns": [s.returns_then, s.returns_now],
                    "responses": [s.responses_then, s.responses_now],
                    "percent_agree": [s.agree_then, s.agree_now],
                    "mean": [s.mean_then, s.mean_now],
                    "percent_agree_change": s.agree_change,
                    "mean_change": s.mean_change,
                }
                for s in self.statements
            ],
            "quality_statements": [
                {
                    "code": q.code,
                    "new_improvements": list(q.new_improvements),
                    "resolved_improvements": list(q.resolved_improvements),
                    "self_rating": [q.rating_then, q.rating_now],
                    "words": [q.words_then, q.words_now],
                }
                for q in self.quality_statements
            ],
            "evidence_added": self.evidence_added,
            "evidence_retired": self.evidence_retired,
            "actions_completed": [
                {"ref": ref, "quality_statement": qs, "action": action}
                for ref, qs, action in self.actions_completed
            ],
        }


def similar(a: str, b: str) -> float:
    """How alike two texts are once case, spacing and punctuation are set aside (0 to 1)."""
    return SequenceMatcher(None, normalise_label(a), normalise_label(b)).ratio()


def match_texts(then: list[str], now: list[str]) -> tuple[list[str], list[str]]:
    """``(new, resolved)``: the texts of ``now`` like none of ``then``, and those of ``then``
    like none of ``now``. Pairs are taken most alike first, each text matched once."""
    pairs = sorted(
        ((similar(a, b), i, j) for i, a in enumerate(then) for j, b in enumerate(now)),
        reverse=True,
    )
    used_then: set[int] = set()
    used_now: set[int] = set()
    for ratio, i, j in pairs:
        if ratio < SAME_TEXT:
            break
        if i in used_then or j in used_now:
            continue
        used_then.add(i)
        used_now.add(j)
    new = [t for j, t in enumerate(now) if j not in used_now]
    resolved = [t for i, t in enumerate(then) if i not in used_then]
    return new, resolved


def compare_inputs(framework: Framework, then: Inputs, now: Inputs, then_label: str) -> Comparison:
    """What changed from ``then`` (an archived round) to ``now``, in framework order."""
    result = Comparison(then_label)
    for qs in framework.quality_statements:
        old, new = then.stage1.get(qs.code), now.stage1.get(qs.code)
        old_by = {s.number: s for s in old.statements} if old else {}
        new_by = {s.number: s for s in new.statements} if new else {}
        for number, text in enumerate(qs.checklist_statements, start=1):
            a, b = old_by.get(number), new_by.get(number)
            if a is None and b is None:
                continue
            result.statements.append(
                StatementChange(
                    quality_statement=qs.code,
                    number=number,
                    text=text,
                    returns_then=old.returns if old else 0,
                    returns_now=new.returns if new else 0,
                    responses_then=a.responses if a else 0,
                    responses_now=b.responses if b else 0,
                    agree_then=a.percent_agree if a else None,
                    agree_now=b.percent_agree if b else None,
                    mean_then=a.mean if a else None,
                    mean_now=b.mean if b else None,
                )
            )
        s_then = _first_summary(then, qs.code)
        s_now = _first_summary(now, qs.code)
        added, resolved = match_texts(_improvements(s_then), _improvements(s_now))
        result.quality_statements.append(
            QSChange(
                code=qs.code,
                name=qs.name,
                new_improvements=tuple(added),
                resolved_improvements=tuple(resolved),
                rating_then=s_then.self_rating if s_then else None,
                rating_now=s_now.self_rating if s_now else None,
                words_then=then.printed_words(s_then) if s_then else None,
                words_now=now.printed_words(s_now) if s_now else None,
            )
        )
    ids_then = _evidence_ids(then)
    ids_now = _evidence_ids(now)
    result.evidence_added = sorted(ids_now - ids_then)
    result.evidence_retired = sorted(ids_then - ids_now)
    result.actions_completed = _completed(then, now)
    return result


def _first_summary(inputs: Inputs, code: str) -> Any:
    return next((s for s in inputs.summaries if s.quality_statement == code), None)


def _improvements(summary: Any) -> list[str]:
    if summary is None:
        return []
    return [e.text.value for e in summary.improvements if not e.text.blank]


def _evidence_ids(inputs: Inputs) -> set[str]:
    if inputs.library is None:
        return set()
    return {item.id.strip().upper() for item in inputs.library.items if item.id.strip()}


def _plan_key(row: PlanRow) -> tuple[str, str]:
    return (row.ref.strip().upper(), normalise_label(row.action))


def _completed(then: Inputs, now: Inputs) -> list[tuple[str, str, str]]:
    """The plan's actions Done now that were not Done then (or not in the plan then). A row is
    the same action when its Ref and action text are (case and punctuation aside)."""
    if now.plan is None:
        return []
    done_then = {_plan_key(r) for r in then.plan.rows if r.done} if then.plan else set()
    return [
        (r.ref, r.quality_statement, r.action)
        for r in now.plan.actions
        if r.done and _plan_key(r) not in done_then
    ]
