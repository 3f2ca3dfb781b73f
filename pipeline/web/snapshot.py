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
    """The latest snapshot, read again (in a background thread) when the fingerprint changes.

    A page waits for a fresh one up to ``wait`` seconds, then shows the one it has (marked not
    fresh, so that it refreshes itself), so that no page waits for a whole read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._key: object = None
        self._snapshot: Snapshot | None = None
        self._thread: threading.Thread | None = None
        self._error: Exception | None = None

    def get(self, wait: float | None = None) -> tuple[Snapshot | None, bool]:
        """The snapshot (None before the first read has finished) and whether it is fresh.

        ``wait`` None: until the read has finished. A mistake in a file the council edits is
        raised (``SelfAssessError``), as the command line would say it."""
        from pipeline.workspace import Workspace

        # A new Workspace each time: settings and framework are read again when changed.
        key = fingerprint(Workspace(self.root).require())
        with self._lock:
            if self._snapshot is not None and key == self._key:
                return self._snapshot, True
            if self._thread is None or not self._thread.is_alive():
                self._error = None
                self._thread = threading.Thread(target=self._read, args=(key,), daemon=True)
                self._thread.start()
            thread = self._thread
        thread.join(wait)
        with self._lock:
            if self._error is not None and not thread.is_alive():
                error, self._error = self._error, None
                raise error
            return self._snapshot, self._snapshot is not None and key == self._key

    def refresh(self) -> None:
        """Start reading again now (after an upload or a stage), so that the next page finds
        the snapshot ready."""
        self.get(wait=0)

    def _read(self, key: object) -> None:
        from pipeline.workspace import Workspace

        try:
            snapshot = make_snapshot(Workspace(self.root).require())
        except Exception as e:  # given to the page that waits for it
            with self._lock:
                self._error = e
            return
        with self._lock:
            self._snapshot, self._key = snapshot, key


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
