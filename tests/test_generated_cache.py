"""The blank-template cache (``outputs/.cache``,
:func:`pipeline.read.expected.cached_expected_cells`): kept between runs and used, made again
when the framework changes, and a damaged file is ignored safely. The packaged framework's blank
workbooks were read when the package was built (``pipeline/read/blank-cells.json``): a new
workspace caches nothing; the tests of the cache give the council an override file.

Each run is a separate ``python -m pipeline validate --json`` process, as a person runs it: one
process remembers the blank templates in memory as well, which would hide the files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.app import generate_checklists
from pipeline.forms.checklist import CHECKLIST_SHEET, STATEMENT_COL, ChecklistLayout
from pipeline.framework import load_framework
from pipeline.workspace import Workspace
from tests.factories import fill_checklist, new_workspace

RETURN = "inputs/stage1/QS1 from a partner.xlsx"
CACHE_GLOB = "stage1-checklist-QS1-*.json"
LOCALLY = " (as agreed with our partners)"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``init`` with a framework override (one more sign-off role: the packaged framework's
    blank workbooks are never cached), the checklists generated and one QS1 return filled in;
    nothing cached yet."""
    ws = new_workspace(tmp_path_factory.mktemp("cache") / "ws")
    roles = [*load_framework().sign_off_roles, "Chair of the health and wellbeing board"]
    ws.framework_overrides.write_text(yaml.safe_dump({"sign_off_roles": roles}), "utf-8")
    ws = Workspace(ws.root)
    generate_checklists(ws)
    fill_checklist(ws, "QS1", Path(RETURN).name, "Health partner", {1: "3 Tend to agree"})
    assert not list((ws.outputs / ".cache").glob("*.json"))  # (checked/: the settings)
    return ws.root


@pytest.fixture
def ws(prepared: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(prepared, root)
    return Workspace(root)


def validate(ws: Workspace) -> list[tuple[str, str | None, str]]:
    """``selfassess validate --json`` in its own process: (code, cell, message) of every finding
    about the Stage 1 returns."""
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "--workspace", str(ws.root), "validate", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in run.stderr, run.stderr
    findings: list[dict[str, Any]] = json.loads(run.stdout)["findings"]
    return [
        (f["code"], f["cell"], f["message"])
        for f in findings
        if f["file"].startswith("inputs/stage1/")
    ]


def cached(ws: Workspace) -> list[Path]:
    """The cache files of the QS1 checklist's blank template."""
    return sorted((ws.outputs / ".cache").glob(CACHE_GLOB))


def statement_cell(number: int) -> str:
    """The cell holding checklist statement ``number``'s text (on its rating's row)."""
    return f"{STATEMENT_COL}{ChecklistLayout(number).rating_cell(number)[1:]}"


def test_a_second_run_reuses_the_cache_and_uses_its_content(ws: Workspace) -> None:
    assert validate(ws) == []
    (path,) = cached(ws)
    first = path.read_bytes(), path.stat().st_mtime_ns
    texts = json.loads(first[0])
    ref = statement_cell(1)
    assert (
        texts[CHECKLIST_SHEET][ref] == ws.framework.quality_statement("QS1").checklist_statements[0]
    )

    assert validate(ws) == []
    assert cached(ws) == [path]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == first, "read, not made again"

    # A well-formed file whose text differs from the template: the run believes the file.
    texts[CHECKLIST_SHEET][ref] = "What the cache says"
    path.write_text(json.dumps(texts), "utf-8")
    ((code, cell, message),) = validate(ws)
    assert (code, cell) == ("ignored-content", ref)
    assert "a cell of the form that was changed" in message


def test_a_framework_change_makes_a_new_cache_and_its_text_counts(ws: Workspace) -> None:
    assert validate(ws) == []
    (before,) = cached(ws)

    # The council changes the text of QS1's first checklist statement (inputs/framework.yaml).
    statements = list(load_framework().quality_statement("QS1").checklist_statements)
    statements[0] += LOCALLY
    override = yaml.safe_load(ws.framework_overrides.read_text("utf-8"))
    override["quality_statements"] = [{"code": "QS1", "checklist_statements": statements}]
    ws.framework_overrides.write_text(yaml.safe_dump(override, allow_unicode=True), "utf-8")

    # The return was made from the old checklist: its statement text is not the template's now.
    # The return's statement 1 is still clearly the framework's (changed) statement 1: its rating
    # counts against it, and the difference is reported.
    ((code, cell, message),) = validate(ws)
    assert (code, cell) == ("statement-edited", statement_cell(1))
    assert "The text of statement 1 was changed" in message
    after = [p for p in cached(ws) if p != before]
    assert len(after) == 1, "a new cache file for the changed framework"
    new_text = json.loads(after[0].read_text("utf-8"))[CHECKLIST_SHEET][statement_cell(1)]
    assert new_text == statements[0]

    # A return made from the checklist generated with the change is read without a finding.
    changed = Workspace(ws.root)  # a new one loads the framework with the override
    assert changed.framework.quality_statement("QS1").checklist_statements[0] == statements[0]
    generate_checklists(changed)
    (ws.root / RETURN).unlink()
    fill_checklist(changed, "QS1", "QS1 new.xlsx", "Health partner", {1: 4})
    assert validate(ws) == []
    assert sorted(cached(ws)) == sorted([before, *after]), "the new cache file was reused"


DAMAGE = {
    "broken JSON": b"{not json",
    "empty": b"",
    "not UTF-8": b"\xff\xfe\x00garbage",
    "a list": b'["a", "list"]',
    "a number for a text": b'{"Checklist": {"B8": 5}}',
    "a list for a sheet": b'{"Checklist": ["B8"]}',
}


def test_a_damaged_cache_file_is_ignored_and_made_again(ws: Workspace) -> None:
    assert validate(ws) == []
    (path,) = cached(ws)
    good = path.read_bytes()
    for what, damage in DAMAGE.items():
        path.write_bytes(damage)
        assert validate(ws) == [], what
        assert cached(ws) == [path], what
        assert path.read_bytes() == good, what


def test_the_shipped_blank_workbooks_are_the_forms_read_back() -> None:
    """pipeline/read/blank-cells.json is what the packaged framework's blank workbooks hold
    now (regenerate with ``python -m pipeline.read.expected --write`` after changing a form)."""
    from pipeline.read.expected import SHIPPED_CELLS, shipped_cells_text

    assert SHIPPED_CELLS.read_text("utf-8") == shipped_cells_text()


def test_the_shipped_texts_hold_for_any_council_and_style(tmp_path: Path) -> None:
    """A new workspace reads its returns against the shipped texts and caches nothing, whatever
    the council and its own workbook style: neither is in a checklist's cells (the council's
    name is in the page header), which the blank checklist made for them shows. (The register
    and overview are always read against blanks made with the shipped style and no council.)"""
    from pipeline.forms.checklist import build_checklist
    from pipeline.read.expected import SHIPPED_CELLS, expected_cells, framework_digest, shipped_id
    from pipeline.xlsx.identity import CHECKLIST
    from pipeline.xlsx.write import Style

    council = "Cyngor Sir Ynys Môn & “Anytown” <Council>"
    ws = new_workspace(tmp_path / "ws", council=council)
    style_file = ws.root / "templates" / "xlsx" / "style.toml"
    style_file.parent.mkdir(parents=True)
    style_file.write_text('font = "Verdana"\nfont_size = 14\ninput_fill = "FFFFFF"\n', "utf-8")
    generate_checklists(ws)
    fill_checklist(ws, "QS1", Path(RETURN).name, "Health partner", {1: "3 Tend to agree"})
    assert validate(ws) == []
    assert not list((ws.outputs / ".cache").glob("*.json"))  # (checked/: the settings)

    framework, style = ws.framework, Style.load(style_file)
    digest = framework_digest(framework)
    qs = framework.quality_statement("QS1")
    made = expected_cells(build_checklist(framework, qs, style, council))
    shipped = json.loads(SHIPPED_CELLS.read_text("utf-8"))
    key = [digest, CHECKLIST.kind, CHECKLIST.version, "QS1"]
    assert made == shipped[shipped_id(f"{CHECKLIST.kind}-QS1", key)]
