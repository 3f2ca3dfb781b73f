"""The library API: what a council analyst calls from a script or notebook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pipeline
from tests.conftest import COUNCIL


def test_importing_the_package_imports_no_heavy_library() -> None:
    code = (
        "import sys, pipeline\n"
        "heavy = {'openpyxl', 'lxml', 'docx', 'docxtpl', 'pydantic', 'yaml'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_export_resolves() -> None:
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None, name
    assert set(dir(pipeline)) >= {"Workspace", "collect", "validate", "build"}


def test_a_round_from_a_script(tmp_path: Path) -> None:
    """The README's five lines, on a new workspace."""
    from pipeline import Workspace, build, collect, generate_checklists, init, validate

    init(tmp_path / "council", COUNCIL)
    ws = Workspace(tmp_path / "council").require()
    assert len(generate_checklists(ws).written) == 9
    stage1 = collect(ws)
    assert stage1.returns == 0
    checked = validate(ws)
    assert not checked.findings.errors
    assert {f.code for f in checked.findings.warnings} >= {"summary-missing"}
    built = build(ws, draft=True)
    assert built.docx == ws.report_docx and built.docx.is_file()


def test_the_readme_lines_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's snippet names the workspace by its folder's name, a string, from its parent."""
    from pipeline import Workspace, build, collect, init, validate

    init(tmp_path / "anytown", COUNCIL)
    monkeypatch.chdir(tmp_path)
    ws = Workspace("anytown").require()  # type: ignore[arg-type]
    assert ws.root == Path("anytown") and ws.inputs.is_dir()
    collect(ws)
    validate(ws)
    built = build(ws, draft=True)
    assert "QS3 Equity in experience and outcomes: no summary received" in built.incomplete
