"""What the dashboard, findings and evidence pages show: everything read and checked once, and
read again only when a file under ``inputs/`` (or the settings or templates) changes."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.analysis.coverage import CoverageRow
    from pipeline.model.findings import Findings
    from pipeline.model.inputs import Inputs
    from pipeline.outputs.status import StatusRow
    from pipeline.workspace import Workspace


RATINGS = (4, 3, 2, 1, 0)  # the chart's order: strongly agree first, don't know last


@dataclass
class Snapshot:
    """The workspace read and checked, and what the pages work out from it."""

    inputs: Inputs
    findings: Findings
    rows: list[StatusRow]
    coverage: list[CoverageRow]
    coverage_line: str
    # quality statement code -> rating (0-4) -> how many
    ratings: dict[str, Counter[int]] = field(default_factory=dict)
    # quality statement code -> respondent group -> returns
    groups: dict[str, Counter[str]] = field(default_factory=dict)
    # workspace-relative file -> quality statement code
    qs_of_file: dict[str, str] = field(default_factory=dict)

    @property
    def group_names(self) -> list[str]:
        """Every respondent group of the framework, then any other group seen."""
        known = list(self.inputs.ws.framework.respondent_groups)
        seen = {g for counts in self.groups.values() for g in counts}
        return known + sorted(seen - set(known))

    def next_step(self) -> str:
        """What the pen holder should do next, in words (the page's version of ``status``)."""
        errors = len(self.findings.errors)
        returns = len(self.inputs.returns)
        missing = [r.code for r in self.rows if not r.received]
        unverified = [r.code for r in self.rows if r.received and not r.verified]
        if not returns and len(missing) == len(self.rows):
            return (
                "Generate the Stage 1 checklists and send them out; drop the returned ones "
                "on the Upload page."
            )
        if errors:
            return (
                f"Fix the {errors} error{'s' * (errors != 1)} listed under Findings (each says "
                "what to do), then Validate again. A draft report can be built meanwhile."
            )
        if missing:
            return (
                f"Get the Stage 2 summaries still missing ({', '.join(missing)}) and drop them "
                "on the Upload page; a draft report can be built meanwhile."
            )
        if unverified:
            return (
                f"Ask the lead officers to verify their summaries ({', '.join(unverified)}); a "
                "draft report can be built meanwhile."
            )
        return "Everything is in and valid: build the final report."


def fingerprint(ws: Workspace) -> tuple[tuple[str, int, int], ...]:
    """Every input file, the settings and the workspace's templates, with size and time."""
    out: list[tuple[str, int, int]] = []
    for base in (ws.inputs, ws.root / "templates"):
        if base.is_dir():
            for path in base.rglob("*"):
                try:
                    st = path.stat()
                except OSError:
                    continue
                out.append((str(path), st.st_size, st.st_mtime_ns))
    settings = ws.root / "selfassess.toml"
    if settings.is_file():
        st = settings.stat()
        out.append((str(settings), st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


class Snapshots:
    """The latest snapshot, made again when the fingerprint changes; one made at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._key: object = None
        self._snapshot: Snapshot | None = None

    def get(self) -> Snapshot:
        from pipeline.workspace import Workspace

        with self._lock:
            # A new Workspace each time: settings and framework are read again when changed.
            ws = Workspace(self.root).require()
            key = fingerprint(ws)
            if self._snapshot is None or key != self._key:
                self._snapshot = make_snapshot(ws)
                self._key = key
            return self._snapshot

    def forget(self) -> None:
        with self._lock:
            self._snapshot = None


def make_snapshot(ws: Workspace) -> Snapshot:
    from pipeline.analysis.coverage import coverage_line, ir_coverage
    from pipeline.app import read_inputs
    from pipeline.outputs.status import status_rows
    from pipeline.rules import run_rules

    inputs = read_inputs(ws)
    findings = run_rules(inputs)
    framework = ws.framework
    coverage = ir_coverage(framework, inputs.library)
    snap = Snapshot(
        inputs=inputs,
        findings=findings,
        rows=status_rows(framework, inputs, findings),
        coverage=coverage,
        coverage_line=coverage_line(coverage),
    )
    for ret in inputs.returns:
        snap.groups.setdefault(ret.quality_statement, Counter())[ret.group] += 1
        counts = snap.ratings.setdefault(ret.quality_statement, Counter())
        for response in ret.responses:
            if response.rating is not None:
                counts[response.rating] += 1
        snap.qs_of_file[ret.file] = ret.quality_statement
    for summary in inputs.summaries:
        snap.qs_of_file[summary.file] = summary.quality_statement
    return snap
