"""The framework, practice standards and settings are checked by pydantic when read from their
YAML or TOML, and kept checked (``pipeline/framework/data/*.json`` for the packaged files, a
workspace's ``outputs/.cache/checked/`` for its own): a run with nothing changed imports neither
pydantic nor yaml, and a changed, damaged or foreign file is never taken on trust."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from pipeline.errors import SelfAssessError
from pipeline.framework import Framework, load_framework, packaged_copies
from pipeline.settings import SETTINGS_FILE, ReportSettings, Settings
from pipeline.workspace import Workspace
from tests.factories import new_workspace

# In a fresh process: the workspace's framework, standards and settings, and the heavy modules
# that loading them imported.
PROBE = """
import json, sys
from pipeline.workspace import Workspace
from pipeline.errors import SelfAssessError
ws = Workspace(sys.argv[1])
try:
    out = {
        "digest": ws.framework.digest,
        "roles": list(ws.framework.sign_off_roles),
        "standards": [s.title for s in ws.standards.standards],
        "word_limit": ws.settings.report.word_limit,
        "council": ws.settings.council,
    }
except SelfAssessError as e:
    out = {"error": str(e)}
out["imported"] = sorted({"pydantic", "yaml", "tomllib"} & set(sys.modules))
print(json.dumps(out))
"""


def probe(ws: Workspace) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(ws.root)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    found: dict[str, Any] = json.loads(run.stdout)
    return found


ROLES = ["Director of Adult Social Services", "Chair of the health and wellbeing board"]
STANDARDS = Path(__file__).parents[1] / "pipeline/framework/data/practice-assurance-standards.yaml"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A new workspace with its own framework.yaml and practice standards (a renamed one)."""
    ws = new_workspace(tmp_path / "ws")
    ws.framework_overrides.write_text(yaml.safe_dump({"sign_off_roles": ROLES}), "utf-8")
    standards = yaml.safe_load(STANDARDS.read_text("utf-8"))
    standards["standards"][0]["name"] = "Our own first standard"
    ws.practice_standards.write_text(yaml.safe_dump(standards, allow_unicode=True), "utf-8")
    return Workspace(ws.root)


def test_the_packaged_copies_are_up_to_date() -> None:
    """pipeline/framework/data/*.json hold what checking the packaged YAML gives now (after
    changing a packaged file or the classes: ``python -m pipeline.framework --write``)."""
    for path, text in packaged_copies().items():
        assert path.read_text("utf-8") == text, f"{path.name}: python -m pipeline.framework --write"


def test_the_digest_is_pydantics() -> None:
    """round.json and the packaged caches keep the SHA-256 of the framework's JSON as pydantic
    wrote it: the same value, for the packaged framework and one with any text."""
    framework = load_framework()
    odd = replace(
        framework.ir_items[0], text="Ynys Môn & “quotes” <b>\n\t\x01 \\ / é 😀", detail=None
    )
    changed = replace(framework, ir_items=(odd, *framework.ir_items[1:]))
    for fw in (framework, changed):
        pydantics = TypeAdapter(Framework).dump_json(fw)
        assert fw.digest == hashlib.sha256(pydantics).hexdigest()
    assert framework.digest != changed.digest


def test_a_second_run_imports_neither_pydantic_nor_yaml(ws: Workspace) -> None:
    first = probe(ws)
    assert first["roles"] == ROLES
    assert first["standards"][0] == "Standard 1: Our own first standard"
    assert {"pydantic", "yaml"} <= set(first["imported"])
    kept = sorted(p.name for p in (ws.outputs / ".cache" / "checked").iterdir())
    assert kept == ["framework.json", "settings.json", "standards.json"]
    second = probe(ws)
    assert second == {**first, "imported": []}
    # The same as checking the files in this process.
    assert second["digest"] == load_framework(ws.framework_overrides).digest


def test_a_workspace_without_its_own_files_needs_no_cache(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    (ws.root / SETTINGS_FILE).unlink()
    shutil.rmtree(ws.outputs / ".cache", ignore_errors=True)
    found = probe(ws)
    assert found["imported"] == []
    assert found["word_limit"] == Settings().report.word_limit == 750
    assert not (ws.outputs / ".cache").exists()


def test_a_changed_file_is_seen_at_once(ws: Workspace) -> None:
    probe(ws)
    settings = ws.root / SETTINGS_FILE
    settings.write_text(settings.read_text("utf-8").replace("word_limit = 750", "word_limit = 900"))
    ws.framework_overrides.write_text(yaml.safe_dump({"sign_off_roles": ROLES[:1]}), "utf-8")
    found = probe(ws)
    assert (found["word_limit"], found["roles"]) == (900, ROLES[:1])
    assert probe(ws) == {**found, "imported": []}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            SETTINGS_FILE,
            '[report]\nword_limit = "many"\n',
            "selfassess.toml has settings that are not valid: report.word_limit: input should "
            "be a valid integer, unable to parse string as an integer (it is 'many'). Fix them, "
            "or delete the line to use the default.",
        ),
        (
            SETTINGS_FILE,
            "[stage1]\ndivergence_share = 2\nmood = 1\n",
            "selfassess.toml has settings that are not valid: stage1.divergence_share: input "
            "should be less than or equal to 1 (it is 2); stage1.mood: not a key this file may "
            "have. Fix them, or delete the line to use the default.",
        ),
        (SETTINGS_FILE, "stage1 = 5\n", "stage1: input should be a valid dictionary or instance"),
        (
            "framework.yaml",
            "ir_items:\n  - code: IR5\n    max_age_months: 0\n",
            "The framework data (pch-cqc-la-v3.yaml with framework.yaml) is not valid: "
            "ir_items.3.max_age_months: input should be greater than or equal to 1 (it is 0)",
        ),
        (
            "framework.yaml",
            "quality_statements:\n  - code: QS1\n    slug: Not A Slug\n",
            "themes.0.quality_statements.0.slug: slug 'Not A Slug' must be lower-case words "
            "joined by hyphens (it is 'Not A Slug')",
        ),
        (
            "framework.yaml",
            "ir_items:\n  - code: IR99\n    text: x\n    quality_statements: [QS42]\n"
            "    document_types: []\n",
            "R99 names unknown quality statement QS42",
        ),
    ],
)
def test_a_bad_file_after_a_good_one_says_what_is_wrong(
    ws: Workspace, name: str, text: str, message: str
) -> None:
    probe(ws)
    (ws.root / name if name == SETTINGS_FILE else ws.inputs / name).write_text(text, "utf-8")
    assert message in probe(ws)["error"]
    again = Workspace(ws.root)  # the same in this process
    with pytest.raises(SelfAssessError) as caught:
        assert again.settings if name == SETTINGS_FILE else again.framework
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[1, 2]",
        b'{"key": "0000", "data": {}}',
    ],
)
def test_a_damaged_cache_is_made_again(ws: Workspace, damage: bytes) -> None:
    first = probe(ws)
    for kept in (ws.outputs / ".cache" / "checked").iterdir():
        kept.write_bytes(damage)
    again = probe(ws)  # checked again (pydantic and yaml imported), and kept
    assert {"pydantic", "yaml"} <= set(again.pop("imported"))
    assert probe(ws) == {**again, "imported": []}
    assert again == {k: v for k, v in first.items() if k != "imported"}


def test_a_cache_of_the_right_key_but_another_shape_is_made_again(ws: Workspace) -> None:
    first = probe(ws)
    kept = ws.outputs / ".cache" / "checked" / "settings.json"
    data = json.loads(kept.read_text("utf-8"))
    data["data"]["report"] = {"word_limit": 5, "not_a_setting": 1}
    kept.write_text(json.dumps(data), "utf-8")
    again = probe(ws)
    assert again == {**first, "imported": again["imported"]}
    assert again["word_limit"] == 750 and "pydantic" in again["imported"]


def test_another_workspaces_cache_is_not_taken(ws: Workspace, tmp_path: Path) -> None:
    """A workspace copied with its cache, then given other settings and framework.yaml."""
    probe(ws)
    other = Workspace(tmp_path / "other")
    shutil.copytree(ws.root, other.root)
    (other.root / SETTINGS_FILE).write_text('council = "Otherton"\n', "utf-8")
    other.framework_overrides.unlink()
    found = probe(other)
    assert found["council"] == "Otherton"
    assert found["roles"] == list(load_framework().sign_off_roles)
    assert found["digest"] == load_framework().digest


def test_a_cache_that_cannot_be_written_is_skipped(ws: Workspace) -> None:
    """outputs/.cache is a file (as a read-only folder would be): every run checks again."""
    shutil.rmtree(ws.outputs / ".cache", ignore_errors=True)
    (ws.outputs / ".cache").write_text("in the way", "utf-8")
    first = probe(ws)
    assert first["roles"] == ROLES and {"pydantic", "yaml"} <= set(first["imported"])
    assert probe(ws) == first


def test_settings_keep_their_defaults_in_one_place() -> None:
    """``Settings()`` and each section: the defaults; the sections are their own objects."""
    assert Settings().report == ReportSettings()
    assert Settings().report.word_limit == 750
    assert replace(Settings().report, word_limit=900).word_limit == 900
