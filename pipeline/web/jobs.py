"""One action at a time: the stages run in a background thread, report progress, and keep their
result; an upload waits for the lock too. A second action while one runs is told to try again."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Result:
    """What an action reports when it ends: ``ok``, lines to show, files to download."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # relative to the workspace
    findings_link: bool = False


@dataclass
class Job:
    """One action: its label, progress (``done`` of ``total`` at ``step``) and result."""

    id: int
    action: str
    label: str
    started: float = field(default_factory=time.monotonic)
    step: str = "Starting"
    done: int = 0
    total: int = 0
    result: Result | None = None
    finished: float | None = None

    @property
    def running(self) -> bool:
        return self.result is None

    def as_json(self) -> dict[str, object]:
        result = self.result
        return {
            "id": self.id,
            "action": self.action,
            "label": self.label,
            "running": self.running,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "seconds": round((self.finished or time.monotonic()) - self.started, 1),
            "ok": None if result is None else result.ok,
            "lines": [] if result is None else result.lines,
            "files": [] if result is None else result.files,
        }

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        """The library's progress hook: counts items as they are worked through."""
        self.step, self.done, self.total = label, 0, total
        for item in items:
            yield item
            self.done += 1


class Busy(Exception):
    """Another action is running; ``job`` is it."""

    def __init__(self, job: Job | None) -> None:
        super().__init__("busy")
        self.job = job


class Jobs:
    """The lock every action takes, and the jobs run so far (the last few kept)."""

    def __init__(self, keep: int = 20) -> None:
        self.lock = threading.Lock()
        self._guard = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._next = 1
        self._keep = keep
        self.current: Job | None = None
        self.changed: Callable[[], None] = lambda: None  # after every action

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def latest(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def start(self, action: str, label: str, work: Callable[[Job], Result]) -> Job:
        """Run ``work`` in a thread holding the lock; raises :class:`Busy` at once if taken."""
        if not self.lock.acquire(blocking=False):
            raise Busy(self.current)
        job = self._new(action, label)
        self.current = job
        thread = threading.Thread(target=self._run, args=(job, work), daemon=True)
        thread.start()
        return job

    def run_now(self, action: str, label: str, work: Callable[[Job], Result]) -> Job:
        """Run ``work`` in this thread holding the lock (an upload); :class:`Busy` if taken."""
        if not self.lock.acquire(blocking=False):
            raise Busy(self.current)
        job = self._new(action, label)
        self.current = job
        self._run(job, work)
        return job

    def _new(self, action: str, label: str) -> Job:
        with self._guard:
            job = Job(self._next, action, label)
            self._next += 1
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[: -self._keep]:
                del self._jobs[old]
        return job

    def _run(self, job: Job, work: Callable[[Job], Result]) -> None:
        try:
            job.result = work(job)
        except Exception as e:  # shown on the page, as the command line would print it
            job.result = Result(False, [_describe(e)])
            traceback.print_exc()
        finally:
            job.finished = time.monotonic()
            self.current = None
            try:
                self.changed()
            finally:
                self.lock.release()


def _describe(e: Exception) -> str:
    import errno

    from pipeline.errors import SelfAssessError

    if isinstance(e, SelfAssessError):
        return str(e)
    if isinstance(e, PermissionError):
        return (
            f"Permission denied: {e.filename2 or e.filename}. Close the file if it is open in "
            "Excel or LibreOffice, or check you may write to that folder."
        )
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return (
            "The disk is full: the file being written was not replaced (files finished before "
            "it are complete). Free some space and try again."
        )
    return f"It stopped with an unexpected error: {type(e).__name__}: {e}"
