"""pipeline.forked: work on a forked child gives what the same work gives in this process.

The forked path runs only in a process with one thread, and pytest's workers may run more, so
it is exercised in a fresh interpreter (a script run with ``subprocess``), as the CLI runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.errors import SelfAssessError
from pipeline.forked import ONE_PROCESS, in_background, map_split

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pipeline.errors import SelfAssessError
    from pipeline.forked import can_fork, in_background, map_split

    out = {"forked": can_fork(), "parent": os.getpid()}
    out["pid"] = in_background(os.getpid).result()
    out["squares"] = map_split(lambda xs: [x * x for x in xs], list(range(11)), least=2)
    out["text"] = in_background(lambda: "Tŷ & <Co> 👍\\nline").result()

    def fails():
        raise SelfAssessError("outputs/thread.xlsx is open in Excel: close it")

    try:
        in_background(fails).result()
    except SelfAssessError as e:
        out["error"] = str(e)

    class Unpicklable(Exception):
        def __reduce__(self):
            raise TypeError("no")

    def odd():
        raise Unpicklable("a lock")

    try:
        in_background(odd).result()
    except Exception as e:
        out["odd"] = [type(e).__name__, str(e)]

    class Particular(Exception):  # pickles, but cannot be rebuilt from its pickle
        def __init__(self, code, message):
            super().__init__(message)

    def particular():
        raise Particular("unreadable-file", "a damaged return")

    try:
        in_background(particular).result()
    except Exception as e:
        out["particular"] = [type(e).__name__, str(e)]

    # The parent's own part fails: the child is waited for, not left running.
    def fails_here(xs):
        if 0 in xs:
            return [x for x in xs]
        raise SelfAssessError("this process failed")

    try:
        map_split(fails_here, list(range(30)), least=2)
    except SelfAssessError as e:
        out["parent_failed"] = str(e)
    try:
        os.waitpid(-1, os.WNOHANG)
        out["children_left"] = True
    except ChildProcessError:
        out["children_left"] = False

    # No process can be made: the work is done here, and the pipe's ends are closed.
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    real_fork = os.fork
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = no_fork
    try:
        alone = map_split(lambda xs: list(xs), [1, 2, 3], least=2)
        out["no_fork"] = [in_background(os.getpid).result(), alone]
    finally:
        os.fork = real_fork
    out["fds_kept"] = (len(os.listdir("/proc/self/fd")) if fds else 0) == fds

    out["killed"] = ""
    if can_fork():  # in one process this would kill the script itself
        try:
            in_background(lambda: os.kill(os.getpid(), 9)).result()
        except SelfAssessError as e:
            out["killed"] = str(e)
    print(json.dumps(out))
    """
)


def _run(env_extra: dict[str, str]) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != ONE_PROCESS} | env_extra
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2, reason="forks on Linux"
)
def test_forked_child_gives_the_same_results_and_errors() -> None:
    got = _run({})
    assert got["forked"] is True
    assert got["pid"] != got["parent"]  # the work really ran in another process
    assert got["squares"] == [x * x for x in range(11)]
    assert got["text"] == "Tŷ & <Co> 👍\nline"
    assert got["error"] == "outputs/thread.xlsx is open in Excel: close it"
    assert got["odd"] == ["SelfAssessError", "Unpicklable: a lock"]
    assert "A helper process stopped unexpectedly (exit status -9)" in str(got["killed"])
    assert got["particular"] == ["SelfAssessError", "Particular: a damaged return"]
    assert got["parent_failed"] == "this process failed"
    assert got["children_left"] is False
    assert got["no_fork"] == [got["parent"], [1, 2, 3]]
    assert got["fds_kept"] is True


def test_one_process_when_asked() -> None:
    got = _run({ONE_PROCESS: "1"})
    assert got["forked"] is False
    assert got["pid"] == got["parent"]
    assert got["squares"] == [x * x for x in range(11)]
    assert got["error"] == "outputs/thread.xlsx is open in Excel: close it"
    assert got["odd"] == ["Unpicklable", "a lock"]  # raised as it was: nothing to pickle
    assert got["particular"] == ["Particular", "a damaged return"]


def test_in_this_process_the_error_is_raised_by_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process (as under a threaded server), the work is done at once and its error raised
    where a forked child's would be: from ``result()``."""
    done: list[str] = []

    def work() -> str:
        done.append("now")
        raise SelfAssessError("disk full")

    monkeypatch.setenv(ONE_PROCESS, "1")
    pending = in_background(work)
    assert done == ["now"]
    with pytest.raises(SelfAssessError, match="disk full"):
        pending.result()
    assert map_split(lambda xs: [x + 1 for x in xs], [1, 2, 3], least=1) == [2, 3, 4]


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo council's committed inputs and settings."""
    import shutil

    root = tmp_path_factory.mktemp("demo")
    here = Path(__file__).resolve().parent.parent
    shutil.copytree(here / "inputs", root / "inputs")
    shutil.copy(here / "selfassess.toml", root / "selfassess.toml")
    return root


@pytest.mark.parametrize("one_process", ["", "1"])
def test_build_writes_validates_workbooks_before_the_report(
    demo_copy: Path, one_process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``build`` writes validate's workbooks on the second core; the report is written only
    once they are, and a workbook that cannot be written stops the build as it always did."""
    import shutil

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from pipeline.cli import main

    monkeypatch.setenv(ONE_PROCESS, one_process)
    outputs = demo_copy / "outputs"
    shutil.rmtree(outputs, ignore_errors=True)
    done = CliRunner().invoke(main, ["--workspace", str(demo_copy), "build"])
    assert done.exit_code == 0, done.output
    for name in ("validation-report.xlsx", "ir-coverage.xlsx", "thread.xlsx"):
        assert load_workbook(outputs / name, read_only=True).sheetnames
    assert (outputs / "self-assessment.docx").stat().st_size > 0

    shutil.rmtree(outputs)
    (outputs / "thread.xlsx").mkdir(parents=True)  # in the way of thread.xlsx
    done = CliRunner().invoke(main, ["--workspace", str(demo_copy), "build"])
    assert done.exit_code == 1
    assert "Is a directory" in done.output and "Traceback" not in done.output
    assert "thread.xlsx)" in done.output and ".thread-" not in done.output  # its own name
    assert not (outputs / "self-assessment.docx").exists()
    assert (outputs / "validation-report.xlsx").is_file()  # written before thread.xlsx
