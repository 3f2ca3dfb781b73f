"""The ``status`` table: where each quality statement stands, and the next step."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.findings import Findings
    from pipeline.model.inputs import Inputs, Summary


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

    def lines(self) -> list[str]:
        """Printable lines: a plain-text table that fits in 100 columns."""
        header = _line("Quality statement", [c[0] for c in COLUMNS])
        out = [header, "─" * WIDTH]
        for row in self.rows:
            out.append(_line(_shorten(f"{row.code} {row.name}", NAME_WIDTH), row.cells()))
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
