"""The ``status`` table: where each quality statement stands, and the next step."""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.analysis.rating import SelfRatings
    from pipeline.framework import Framework
    from pipeline.model.findings import Findings
    from pipeline.model.inputs import ImprovementPlan, Inputs, PlanRow, Summary


WIDTH = 100


NAME_WIDTH = 45


# (heading, width, right-aligned) of the columns after the quality statement.
COLUMNS = (
    ("Stage 1", 7, True),
    ("Stage 2", 8, False),
    ("Valid", 9, False),
    ("Words", 8, False),
    ("Evidence", 8, False),
    ("Verified", 8, False),
)


DASH = "–"


@dataclass(frozen=True)
class StatusRow:
    """One quality statement's progress."""

    code: str
    name: str
    returns: int
    received: bool
    errors: int = 0
    words: int = 0
    word_limit: int = field(kw_only=True)
    evidence_found: int = 0
    evidence_cited: int = 0
    verified: bool = False

    def cells(self) -> tuple[str, ...]:
        """The row's values as printed (a dash where there is no summary yet)."""
        if not self.received:
            return (str(self.returns), "missing", DASH, DASH, DASH, DASH)
        valid = "yes" if not self.errors else f"{self.errors} error{'s' * (self.errors != 1)}"
        words = f"{self.words}/{self.word_limit}" + ("!" if self.words > self.word_limit else "")
        evidence = f"{self.evidence_found}/{self.evidence_cited}" if self.evidence_cited else "none"
        return (
            str(self.returns),
            "received",
            valid,
            words,
            evidence,
            "yes" if self.verified else "no",
        )


@dataclass
class StatusTable:
    """The table, the IR coverage line and the next step."""

    rows: list[StatusRow]
    coverage: str
    errors: int
    warnings: int
    next_step: str
    notes: list[str] = field(default_factory=list)
    # More tables after the main one: the improvement plan's actions, the self-ratings.
    sections: list[list[str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Printable lines: a plain-text table that fits in 100 columns."""
        header = _line("Quality statement", [c[0] for c in COLUMNS])
        out = [header, "─" * WIDTH]
        for row in self.rows:
            out.append(_line(_shorten(f"{row.code} {row.name}", NAME_WIDTH), row.cells()))
        for section in self.sections:
            out += ["", *section]
        out.append("")
        n_err, n_warn = self.errors, self.warnings
        for text in (
            "Stage 1: returns read. Words: Section B as printed / limit (! = over the limit). "
            "Evidence: cited IDs found in the library / IDs cited.",
            self.coverage,
            *self.notes,
            f"Findings: {n_err} error{'s' * (n_err != 1)}, "
            f"{n_warn} warning{'s' * (n_warn != 1)} (selfassess validate lists them).",
            self.next_step,
        ):
            out += textwrap.wrap(text, WIDTH, subsequent_indent="  ", break_on_hyphens=False)
        return out


def _line(name: str, cells: list[str] | tuple[str, ...]) -> str:
    parts = [f"{name:<{NAME_WIDTH}}"]
    for (_, width, right), cell in zip(COLUMNS, cells, strict=True):
        parts.append(f"{cell:>{width}}" if right else f"{cell:<{width}}")
    return " ".join(parts).rstrip()


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def status_rows(framework: Framework, inputs: Inputs, findings: Findings) -> list[StatusRow]:
    """One row per quality statement, in framework order."""
    limit = inputs.ws.settings.report.word_limit
    library = inputs.library.by_id() if inputs.library is not None else {}
    errors_by_file: dict[str, int] = {}
    for f in findings.errors:
        errors_by_file[f.file] = errors_by_file.get(f.file, 0) + 1
    summaries: dict[str, Summary] = {}
    for s in inputs.summaries:
        summaries.setdefault(s.quality_statement, s)
    rows = []
    for qs in framework.quality_statements:
        returns = sum(1 for r in inputs.returns if r.quality_statement == qs.code)
        summary = summaries.get(qs.code)
        if summary is None:
            rows.append(StatusRow(qs.code, qs.name, returns, received=False, word_limit=limit))
            continue
        cited = list(
            dict.fromkeys(
                evidence_id.upper()
                for entry in (*summary.strengths, *summary.improvements)
                for evidence_id in entry.evidence_ids
            )
        )
        rows.append(
            StatusRow(
                code=qs.code,
                name=qs.name,
                returns=returns,
                received=True,
                errors=errors_by_file.get(summary.file, 0),
                words=inputs.printed_words(summary),
                word_limit=limit,
                evidence_found=sum(1 for i in cited if i in library),
                evidence_cited=len(cited),
                verified=not summary.verified_by_name.blank and summary.verified_on is not None,
            )
        )
    return rows


def next_step(rows: list[StatusRow], findings: Findings) -> str:
    """What the pen holder should do next, in one line."""
    errors = len(findings.errors)
    if errors:
        return (
            f"Next: fix {errors} error{'s' * (errors != 1)} (selfassess validate shows "
            "where), or build a draft meanwhile: selfassess build --draft"
        )
    missing = [r.code for r in rows if not r.received]
    if missing:
        return (
            f"Next: get the Stage 2 summaries still missing ({', '.join(missing)}); "
            "a draft can be built meanwhile: selfassess build --draft"
        )
    return "Ready to build: selfassess build"


PLAN_COLUMNS = ("Actions", "Done", "On track", "At risk", "Overdue", "No action")


def plan_lines(framework: Framework, plan: ImprovementPlan | None, today: dt.date) -> list[str]:
    """The improvement plan's actions per quality statement: how many, done, on track, at risk,
    overdue (past due and not done), and areas for improvement or priorities with no action."""
    if plan is None:
        return ["Improvement plan: none yet (selfassess generate plan, once the summaries are in)."]
    widths = [8] * (len(PLAN_COLUMNS) - 1) + [9]
    head = f"{'Improvement plan':<{NAME_WIDTH}} " + " ".join(
        f"{c:>{w}}" for c, w in zip(PLAN_COLUMNS, widths, strict=True)
    )
    out = [head, "─" * WIDTH]
    by_qs: dict[str, list[PlanRow]] = {}
    for r in plan.rows:
        by_qs.setdefault(r.quality_statement, []).append(r)
    names = [(qs.code, f"{qs.code} {qs.name}") for qs in framework.quality_statements]
    if "" in by_qs:
        names.append(("", "(no quality statement)"))
    for code, name in names:
        rows = by_qs.get(code, [])
        if not rows:
            continue
        actions = [r for r in rows if r.action.strip()]
        actioned = {r.ref.upper() for r in actions if r.ref}
        unactioned = {
            r.ref.upper() or f"row{r.row}"
            for r in rows
            if not r.action.strip() and r.text.strip() and r.ref.upper() not in actioned
        }
        counts = (
            len(actions),
            sum(r.done for r in actions),
            sum(r.status == "On track" and not r.days_overdue(today) for r in actions),
            sum(r.status == "At risk" and not r.days_overdue(today) for r in actions),
            sum(r.days_overdue(today) > 0 for r in actions),
            len(unactioned),
        )
        out.append(
            f"{_shorten(name, NAME_WIDTH):<{NAME_WIDTH}} "
            + " ".join(f"{n:>{w}}" for n, w in zip(counts, widths, strict=True))
        )
    return out


def rating_lines(ratings: SelfRatings) -> list[str]:
    """The self-ratings per quality statement beside the Stage 1 % agree, then per theme and
    overall as CQC aggregates scores (a percentage of the maximum, and its band)."""
    if not ratings.any:
        return []
    out = [f"{'Self-rating (CQC scale 1-4)':<{NAME_WIDTH}} {'Score':>5} {'Stage 1':>8}  Note"]
    out.append("─" * WIDTH)
    for r in ratings.statements:
        score = DASH if r.score is None else str(r.score)
        agree = DASH if r.agree is None else f"{r.agree:.0f}%"
        note = f"! {r.disagrees}" if r.disagrees else ""
        line = f"{_shorten(f'{r.code} {r.name}', NAME_WIDTH):<{NAME_WIDTH}} {score:>5} {agree:>8}"
        out.append(_shorten(f"{line}  {note}".rstrip(), WIDTH))
    for theme in ratings.themes:
        out.append(_shorten(f"Theme: {theme.name}: {theme.describe()}", WIDTH))
    out.append(f"Overall: {ratings.overall.describe()}")
    out.append(
        "Stage 1: % agree overall. ! marks a sharp disagreement between the score and Stage 1."
    )
    return out
