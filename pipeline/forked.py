"""Work on the second core: a forked copy of this process does a part while this one goes on.

A council's pen holder runs ``build`` and ``collect`` on an ordinary laptop with two or more
cores, and Python runs on one. Some of the work is independent of the rest (the workbooks
``validate`` writes, while ``build`` renders the report), so a child process made by ``fork``,
which starts with everything this process has read and imported, does it at the same time.

Only where that is safe and pays: on Linux (macOS has ``fork`` but its system libraries do not
promise to work in a forked child, which is why Python itself does not fork there by default;
Windows has none), with more than one core, when this process runs a single thread (forking a
process with threads, such as ``selfassess serve``'s, can leave a lock held for ever in the
child), and unless ``SELFASSESS_ONE_PROCESS`` is set. Otherwise, or when no process can be made
(no memory, a process limit), the work is done right away in this process, in the same order as
ever, with the same results.

The child never returns into the caller's code: it does its work, sends back its result (or the
exception it raised) through a pipe, and leaves with ``os._exit``, running no exit handlers and
flushing none of the parent's buffers. Whatever happens to it, the parent gets its result, its
exception, or a one-line error; and a parent that fails itself first waits for its child, so
that nothing is still being written after the command has said it stopped.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from pipeline.errors import SelfAssessError

T = TypeVar("T")
R = TypeVar("R")

ONE_PROCESS = "SELFASSESS_ONE_PROCESS"


def can_fork() -> bool:
    """Whether work can go to a forked child here and now (see the module's docstring)."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get(ONE_PROCESS)
        and threading.active_count() == 1
        and (os.cpu_count() or 1) > 1
    )


class Pending(Generic[R]):
    """Work started by :func:`in_background`: :meth:`result` waits for it and gives what it
    returned (or raises what it raised); :meth:`settle` just waits, for a caller that is
    failing itself."""

    def result(self) -> R:
        raise NotImplementedError

    def settle(self) -> None:
        """Wait for the work to end, whatever it gave."""


class _Done(Pending[R]):
    """Work done in this process: its result, or the exception it raised (raised again here)."""

    def __init__(self, work: Callable[[], R]) -> None:
        self._error: BaseException | None = None
        try:
            self._value = work()
        except Exception as e:  # raised from result(), where the caller expects it
            self._error = e

    def result(self) -> R:
        if self._error is not None:
            raise self._error
        return self._value


class _Child(Pending[R]):
    """Work done in a forked child, which sends back one pickled ``(ok, value)`` and exits.

    Raises OSError when no child can be made (the pipe's ends are closed again)."""

    def __init__(self, work: Callable[[], R]) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        if pid == 0:  # the child
            os.close(read)
            _run_child(work, write)
        os.close(write)
        self._pid = pid
        self._read = read
        self._outcome: tuple[bool, object] | None = None

    def result(self) -> R:
        if self._outcome is None:
            self._outcome = self._collect()
        ok, value = self._outcome
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]  # what work() returned, unpickled

    def settle(self) -> None:
        if self._outcome is None:
            self._outcome = self._collect()

    def _collect(self) -> tuple[bool, object]:
        """Read everything the child sends, then reap it (reading first: a result larger than
        the pipe holds keeps the child writing until it is read)."""
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        try:
            ok, value = pickle.loads(b"".join(chunks))
            if not isinstance(ok, bool) or (not ok and not isinstance(value, BaseException)):
                raise TypeError("not an outcome")
        except Exception:  # nothing, or cut short: killed (out of memory, a signal) meanwhile
            code = os.waitstatus_to_exitcode(status)
            return False, SelfAssessError(
                f"A helper process stopped unexpectedly (exit status {code}); run the command "
                f"again, or set {ONE_PROCESS}=1 to do everything in one process."
            )
        return ok, value


def _run_child(work: Callable[[], object], pipe: int) -> None:
    """In the child: do ``work``, send its outcome down ``pipe``, and leave without returning
    (exit status 0 only once a result is sent whole)."""
    code = 1
    try:
        try:
            outcome: tuple[bool, object] = (True, work())
        except BaseException as e:  # every failure, even Ctrl-C, goes back to the parent
            outcome = (False, e)
        data = _outcome_bytes(outcome)
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
        code = 0 if outcome[0] else 1
    finally:
        os._exit(code)


def _outcome_bytes(outcome: tuple[bool, object]) -> bytes:
    """``outcome`` pickled; an exception that cannot be pickled, or rebuilt from its pickle
    (one whose constructor wants other arguments), is sent as a one-line error saying what
    it was."""
    ok, value = outcome
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        if not ok:
            pickle.loads(data)
        return data
    except Exception:
        message = f"{type(value).__name__}: {value}"
        return pickle.dumps((False, SelfAssessError(message)))


def _child_or_none(work: Callable[[], R]) -> _Child[R] | None:
    """A child doing ``work``, when :func:`can_fork` and one can be made."""
    if not can_fork():
        return None
    try:
        return _Child(work)
    except OSError:  # no process could be made (memory, a process limit): one process it is
        return None


def in_background(work: Callable[[], R]) -> Pending[R]:
    """Start ``work`` in a forked child when :func:`can_fork`, else do it now; either way
    ``.result()`` gives what it returned or raises what it raised."""
    return _child_or_none(work) or _Done(work)


def map_split(
    work: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    least: int,
    shown: Callable[[Sequence[T]], list[R]] | None = None,
) -> list[R]:
    """``work(items)``, with the first half of ``items`` done by a forked child when there are
    at least ``least`` of them and :func:`can_fork`. ``work`` maps a sequence to one result per
    item; the results come back in the order of ``items``. ``shown`` (if given) does this
    process's part instead of ``work``: the same work, showing its progress, which a child must
    not (two progress bars on one line)."""
    mine = shown or work
    half = len(items) // 2
    first = _child_or_none(lambda: work(items[:half])) if len(items) >= least else None
    if first is None:
        return mine(items)
    try:
        rest = mine(items[half:])
    except BaseException:
        first.settle()  # not left running (or blocked on a full pipe) after this fails
        raise
    return [*first.result(), *rest]
