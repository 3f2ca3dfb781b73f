"""What ``pip install .`` gives a council: the wheel, installed outside the checkout, runs a whole
round, report included (the templates ship inside it), and it declares what it imports."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from docx import Document

from pipeline.workspace import Workspace
from tests.test_collect import ASC, fill

ROOT = Path(__file__).resolve().parent.parent
COUNCIL = "Testshire Council"
# Not from PyPI: LibreOffice's own Python bridge (python3-uno), used by pipeline/pdf.py.
NOT_FROM_PYPI = {"uno", "com"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> set[str]:
    """The top-level names of every module pipeline/ imports, lazily or not."""
    names: set[str] = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_package_pipeline_imports_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {
        _normal(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in project["dependencies"]
    }
    third_party = _imported_modules() - set(sys.stdlib_module_names) - {"pipeline"} - NOT_FROM_PYPI
    distributions = packages_distributions()
    needed = {_normal(distributions[m][0]) for m in third_party}
    assert needed <= declared, f"imported by pipeline/ but not declared: {needed - declared}"
    assert project["license"] == "MIT"


def _clean_env() -> dict[str, str]:
    """This environment without anything that could make Python find the checkout's code."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.wheel
def test_the_installed_wheel_runs_a_round_outside_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it in a fresh venv in ``tmp_path`` and run every command there.

    How, so that it is quick (well under a minute) and needs no network:

    - The wheel is built with ``pip wheel --no-deps --no-build-isolation --no-index``: hatchling
      is in the dev extras, so it is already in this venv (pinned by constraints.txt).
    - The fresh venv is made with ``python -m venv --without-pip``, and this venv's pip installs
      the wheel into it (``pip --python``, ``--no-deps --no-index``).
    - Its dependencies come from this venv: a ``.pth`` file in the fresh venv names this venv's
      site-packages. Python appends that folder after the fresh venv's own site-packages, so the
      installed ``pipeline`` is the one imported; and it does not read the ``.pth`` files inside
      a folder named that way, so the checkout's editable install (``_selfassess.pth``) does not
      put the checkout on ``sys.path`` (asserted below). Installing the dependencies from PyPI
      instead would need the network and take much longer.
    - Every command is the installed ``selfassess`` script, run with its working folder in
      ``tmp_path`` (outside the repository) and without PYTHONPATH and the like.
    """
    assert not tmp_path.resolve().is_relative_to(ROOT)
    env = _clean_env()
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, ROOT],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    (wheel,) = dist.glob("selfassess-*.whl")

    # Only what is read at run time ships: the templates inside the package, not their tools.
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped = zf.read("pipeline/_templates/docx/self-assessment.docx")
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert shipped == (ROOT / "templates/docx/self-assessment.docx").read_bytes()
    assert {
        "pipeline/resources.py",
        "pipeline/framework/data/pch-cqc-la-v3.yaml",
        # measured and read when the package is built: a new workspace's first build is warm
        "pipeline/report/printed-words.json",
        "pipeline/read/blank-cells.json",
        "pipeline/framework/data/pch-cqc-la-v3.json",
        "pipeline/framework/data/practice-assurance-standards.json",
        # selfassess serve's pages and every asset they use
        "pipeline/web/templates/base.html",
        "pipeline/web/static/style.css",
        "pipeline/web/static/app.js",
    } <= names
    assert sorted(n for n in names if n.startswith("pipeline/_templates/")) == [
        "pipeline/_templates/docx/self-assessment.docx",
        "pipeline/_templates/xlsx/style.toml",
    ]
    assert not [n for n in names if n.startswith(("tests/", "templates/", "demo/", "bench/"))]
    assert b"License-Expression: MIT" in metadata
    assert b"Requires-Dist: jinja2" in metadata

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [*pip, "--python", python, "install", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_selfassess_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")

    # The packaged framework's checked copy is of the installed code: no pydantic to load it.
    probe = (
        "import sys, pipeline\nfrom pipeline.resources import templates_dir\n"
        "from pipeline.framework import load_framework, load_standards\n"
        "load_standards(framework=load_framework())\nassert 'pydantic' not in sys.modules\n"
        "print(pipeline.__file__); print(templates_dir()); print('\\n'.join(sys.path))"
    )
    lines = subprocess.run(
        [python, "-c", probe], check=True, capture_output=True, text=True, env=env, cwd=tmp_path
    ).stdout.splitlines()
    assert Path(lines[0]).is_relative_to(venv), lines[0]
    assert Path(lines[1]) == Path(site) / "pipeline" / "_templates"
    # The only folders of the checkout on sys.path are this venv's site-packages (the .venv/ of
    # `make` lives in the checkout): never the checkout itself.
    outside = [p for p in lines[2:] if p and p not in ours]
    assert not [p for p in outside if Path(p).resolve().is_relative_to(ROOT)], lines

    selfassess = venv / "bin" / "selfassess"

    def run(*args: str, cwd: Path, expect: int = 0) -> str:
        done = subprocess.run(
            [selfassess, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
        )
        output = done.stdout + done.stderr
        assert done.returncode == expect, f"selfassess {' '.join(args)}:\n{output}"
        return output

    run("init", "ws", "--council", COUNCIL, cwd=tmp_path)
    root = tmp_path / "ws"
    run("generate", "checklists", cwd=root)
    ws = Workspace(root)
    fill(ws, "QS1", "team-a/return.xlsx", ASC, {1: "3", 2: "4"}, {1: "Audit of March, EV-001"})
    assert "1 returns read, 0 skipped" in run("collect", cwd=root)
    assert ws.findings_xlsx.is_file()
    run("generate", "summaries", cwd=root)
    assert len(list(ws.summaries_dir.glob("*.xlsx"))) == 9
    # No summaries are back yet: warnings only, so validate passes unless --strict.
    assert "0 errors" in run("validate", cwd=root)
    run("validate", "--strict", cwd=root, expect=1)
    assert ws.validation_report.is_file()
    # A final report needs all nine summaries: refused, naming them; a draft is built.
    assert "QS1 Assessing needs: no summary received" in run("build", cwd=root, expect=1)
    assert not ws.report_docx.exists()
    assert "(DRAFT)" in run("build", "--draft", cwd=root)
    text = "\n".join(p.text for p in Document(str(ws.report_docx)).paragraphs)
    assert COUNCIL in text
    run("status", cwd=root)
