"""Shared fixtures: a fresh workspace, the framework, and LibreOffice for round trips.

Slow tests: every test marked ``libreoffice`` (or ``wheel`` or ``browser``) is also marked
``slow``, as are the long property tests (``@pytest.mark.slow``). ``make test`` runs ``pytest -m
"not slow"``; ``make test-all`` (and CI) runs everything. In a run that leaves the slow tests out,
a test that starts LibreOffice through the helpers below without the ``libreoffice`` marker fails,
so the quick run stays quick.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from pipeline.app import init_workspace
from pipeline.framework import Framework, load_framework
from pipeline.workspace import Workspace

COUNCIL = "Testshire Council"


_SLOW_MARKERS = ("libreoffice", "wheel", "browser")


class _Run:
    """This process's run: whether ``-m`` left the slow tests out, and the test running now.
    Kept on ``tests.conftest``, the module the tests import the helpers from (pytest loads this
    file as a plugin under another name)."""

    quick = False
    item: pytest.Item | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark LibreOffice and wheel tests ``slow`` (before ``-m`` deselects anything)."""
    for item in items:
        if any(item.get_closest_marker(m) for m in _SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


def pytest_deselected(items: list[pytest.Item]) -> None:
    if any(item.get_closest_marker("slow") for item in items):
        _shared().quick = True


def pytest_runtest_setup(item: pytest.Item) -> None:
    _shared().item = item


def _shared() -> type[_Run]:
    import tests.conftest

    return tests.conftest._Run


def slow_tests_selected(request: pytest.FixtureRequest) -> bool:
    """Whether this run includes any slow test (``make test-all``, CI, or a file run alone)."""
    return any(item.get_closest_marker("slow") for item in request.session.items)


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A new, empty workspace made by ``init``."""
    return init_workspace(tmp_path / "ws", COUNCIL)


@pytest.fixture(scope="session")
def complete_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace that validates without errors (see ``factories.complete_workspace``), made
    once per session: copy it (``complete``) before changing it."""
    from tests.factories import complete_workspace

    return complete_workspace(tmp_path_factory.mktemp("complete") / "ws").root


@pytest.fixture
def complete(complete_prepared: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the complete workspace: nine verified summaries, a register covering
    every IR item, an overview filled and signed off; no Stage 1 returns."""
    root = tmp_path / "complete"
    shutil.copytree(complete_prepared, root)
    return Workspace(root)


def soffice_or_skip() -> str:
    """The LibreOffice binary; skip (or, in CI, fail) when it is not installed."""
    item = _Run.item
    if _Run.quick and item is not None and not item.get_closest_marker("libreoffice"):
        pytest.fail(
            f"{item.nodeid} runs LibreOffice: mark it @pytest.mark.libreoffice, so that "
            "`make test` leaves it to `make test-all`"
        )
    found = shutil.which("soffice")
    if found:
        return found
    if os.environ.get("SELFASSESS_REQUIRE_LIBREOFFICE"):
        pytest.fail("LibreOffice (soffice) is required here but not installed")
    pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")


def lo_edit(jobs: list[dict[str, object]]) -> None:
    """Edit workbooks in LibreOffice with its own commands, as a person does (tests/lo_edit.py:
    each job is ``{"src", "dst", "sheet", "edits"}``), in one LibreOffice session. It runs under
    the Python that has LibreOffice's ``uno`` module (the system one, not the virtualenv)."""
    import json
    import tempfile

    soffice_or_skip()
    pythons = [p for p in ("/usr/bin/python3", shutil.which("python3")) if p]
    python = next(
        (p for p in pythons if subprocess.run([p, "-c", "import uno"], check=False,
                                              capture_output=True).returncode == 0),
        None,
    )  # fmt: skip
    if python is None:
        if os.environ.get("SELFASSESS_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice's Python (uno) is required here but not installed")
        pytest.skip("LibreOffice's Python (uno) is not installed: apt-get install python3-uno")
    folder = Path(tempfile.mkdtemp(prefix="lo-edit-"))
    spec = folder / "jobs.json"
    spec.write_text(json.dumps({"profile": str(folder / "profile"), "jobs": jobs}), "utf-8")
    script = Path(__file__).with_name("lo_edit.py")
    try:
        subprocess.run([python, str(script), str(spec)], check=True, timeout=300)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def soffice_convert(src: Path, fmt: str, outdir: Path, timeout: int = 120) -> Path:
    """Convert ``src`` with LibreOffice (own profile, so runs never collide); the new file."""
    soffice = soffice_or_skip()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path("/tmp") / f"lo-test-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                fmt,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert out.exists(), f"LibreOffice did not write {out}"
    return out
