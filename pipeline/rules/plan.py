"""The improvement plan: areas for improvement without an action, actions without an owner or a
due date, overdue actions, and Done actions without a measure of success. No plan, no findings
(it is made with ``selfassess generate plan`` once the summaries are in)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, excerpt, warning

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, PlanRow, Rule


def _what(r: PlanRow) -> str:
    name = r.ref or f"Row {r.row}"
    text = r.action or r.text
    return f"{name} (“{excerpt(text, 60)}”)" if text else name


def _where(r: PlanRow, key: str, field: str) -> dict[str, str | None]:
    return {"sheet": r.at.sheet, "cell": r.cell(key), "field": field}


def plan_no_action(inputs: Inputs) -> Iterator[Finding]:
    """An area for improvement (or priority) with no action in any of its rows."""
    plan = inputs.plan
    if plan is None:
        return
    actioned = {r.ref.upper() for r in plan.rows if r.ref and r.action.strip()}
    seen: set[str] = set()
    for r in plan.rows:
        if r.action.strip() or not r.text.strip():
            continue
        key = r.ref.upper()
        if key and (key in actioned or key in seen):
            continue
        seen.add(key)
        kind = (r.source or "area for improvement").lower()
        yield warning(
            "plan-no-action",
            plan.file,
            f"{_what(r)}: this {kind} has no action yet. Say what will be done in the Action "
            "column (another row with the same Ref counts too).",
            **_where(r, "action", "Action"),
        )


def plan_action_incomplete(inputs: Inputs) -> Iterator[Finding]:
    """An action without an owner, or without a due date."""
    plan = inputs.plan
    if plan is None:
        return
    invalid = {(f.file, f.cell) for f in inputs.read_findings if f.code == "invalid-date"}
    for r in plan.actions:
        if not r.owner.strip():
            yield warning(
                "plan-action-incomplete",
                plan.file,
                f"{_what(r)}: the action has no owner. Give the post responsible for it.",
                **_where(r, "owner", "Owner (post)"),
            )
        if r.due is None and (plan.file, r.cell("due")) not in invalid:
            yield warning(
                "plan-action-incomplete",
                plan.file,
                f"{_what(r)}: the action has no due date. Type it as dd/mm/yyyy.",
                **_where(r, "due", "Due date"),
            )


def plan_overdue(inputs: Inputs) -> Iterator[Finding]:
    """An action past its due date that is not Done."""
    plan = inputs.plan
    if plan is None:
        return
    for r in plan.actions:
        days = r.days_overdue(inputs.today)
        if days <= 0 or r.due is None:
            continue
        yield warning(
            "plan-overdue",
            plan.file,
            f"{_what(r)}: due on {r.due:%d/%m/%Y}, {days} day{'s' * (days != 1)} ago, and not "
            f"Done (status: {r.status or 'not given'}). Update its status, or agree a new date.",
            **_where(r, "due", "Due date"),
        ).with_data(days=days, due=r.due.isoformat())


def plan_done_no_measure(inputs: Inputs) -> Iterator[Finding]:
    """An action marked Done that says nothing about how we know it worked."""
    plan = inputs.plan
    if plan is None:
        return
    for r in plan.actions:
        if r.done and not r.measure.strip():
            yield warning(
                "plan-done-no-measure",
                plan.file,
                f"{_what(r)} is Done, but ‘Measure of success’ is empty: say how we know it "
                "worked.",
                **_where(r, "measure", "Measure of success"),
            )


RULES: list[Rule] = [plan_no_action, plan_action_incomplete, plan_overdue, plan_done_no_measure]
