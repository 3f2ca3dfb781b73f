"""One round from start to finish through every command, with nothing patched: ``init``,
``generate checklists``, Stage 1 returns filled as people fill them (one re-saved by LibreOffice),
``collect``, ``generate summaries``, nine summaries filled and verified, the register and the
overview filled and signed off, ``validate``, ``status`` and ``build``; then the report's text.

Also: the word limit that applies when a council's settings do not give one is 750.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from docx import Document

from pipeline.cli import main
from pipeline.settings import Settings
from pipeline.workspace import Workspace
from tests.conftest import slow_tests_selected, soffice_convert
from tests.factories import (
    VALID,
    fill_checklist,
    fill_overview,
    fill_register,
    fill_summary,
    fill_to_printed,
)
from tests.test_report import body_text, headings, internal_links, paragraphs

COUNCIL = "Testshire & Gwynedd Council"
ASC, CARER, HEALTH, LIVED = (
    "Adult social care staff",
    "Unpaid carer",
    "Health partner",
    "Person with lived experience",
)
# A strength as a lead officer types it: markup characters, an emoji, Welsh.
STRENGTH = "Fish & chips <b>not bold</b> for carers 🙂 in Cwm Dŵr, co-produced."
STRENGTH_IDS = "EV-003, EV-011"


def libreoffice_available() -> bool:
    """Whether the LibreOffice part runs: skipped without soffice, unless CI requires it."""
    if shutil.which("soffice"):
        return True
    if os.environ.get("SELFASSESS_REQUIRE_LIBREOFFICE"):
        pytest.fail("LibreOffice (soffice) is required here but not installed")
    return False


@dataclass
class Round:
    ws: Workspace
    results: dict[str, Result]
    libreoffice: bool


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--workspace", str(root), *args])


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Round:
    """The whole round, once; each test below looks at one part of it. The return re-saved by
    LibreOffice is in it when the run includes the slow tests (``make test-all``, CI), which
    check it; ``make test`` runs the same round without it."""
    tmp = tmp_path_factory.mktemp("e2e")
    root = tmp / "testshire"
    results: dict[str, Result] = {}
    results["init"] = CliRunner().invoke(main, ["init", str(root), "--council", COUNCIL])
    assert results["init"].exit_code == 0, results["init"].output
    ws = Workspace(root)

    results["generate checklists"] = invoke(root, "generate", "checklists")
    assert results["generate checklists"].exit_code == 0, results["generate checklists"].output

    # Stage 1: returns from different groups, any names, any sub-folders.
    fill_checklist(
        ws,
        "QS1",
        "QS1 return - assessment team.xlsx",
        ASC,
        {1: "4 Strongly agree", 2: "3 Tend to agree", 3: "0 Don't know"},
        {1: "Audit 2025: 78% good & rising <see R&D>"},
    )
    fill_checklist(ws, "QS1", "carers/from a carer.xlsx", CARER, {1: "2 Tend to disagree", 2: 3})
    fill_checklist(ws, "QS7", "partners/ICB.xlsx", HEALTH, {1: "3 Tend to agree"})
    libreoffice = slow_tests_selected(request) and libreoffice_available()
    if libreoffice:
        # Filled, then opened and saved again in LibreOffice Calc before it came back.
        staged = fill_checklist(
            ws,
            "QS2",
            "staging/lived.xlsx",
            LIVED,
            {1: "4 Strongly agree", 2: "1 Strongly disagree"},
        )
        resaved = soffice_convert(staged, "xlsx", tmp / "resaved")
        shutil.rmtree(staged.parent)
        (ws.stage1_inputs / "lived experience").mkdir()
        shutil.move(resaved, ws.stage1_inputs / "lived experience" / "QS2 from Dŵr.xlsx")

    results["collect"] = invoke(root, "collect", "--json")
    results["generate summaries"] = invoke(root, "generate", "summaries")
    assert results["generate summaries"].exit_code == 0, results["generate summaries"].output

    # Stage 2: nine summaries, each filled and verified; the register and the overview.
    for qs in ws.framework.quality_statements:
        values = {**VALID, "What is our ambition?": (f"{qs.code}: {qs.name} for everyone.", "")}
        if qs.code == "QS1":
            values["Strength 1"] = (STRENGTH, STRENGTH_IDS)
        fill_summary(ws, f"{qs.code} summary - lead officer.xlsx", qs.code, values=values)
    fill_register(ws, ws.framework)
    fill_overview(ws, ws.framework)

    results["validate"] = invoke(root, "validate")
    results["validate --json"] = invoke(root, "validate", "--json")
    results["status"] = invoke(root, "status")
    results["build"] = invoke(root, "build")
    return Round(ws, results, libreoffice)


def test_collect_counts_every_return(round_: Round) -> None:
    result = round_.results["collect"]
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    returns = {qs["code"]: qs["returns"] for qs in data["quality_statements"]}
    assert data["skipped"] == []
    assert data["returns"] == 3 + round_.libreoffice
    assert returns == {
        "QS1": 2,
        "QS2": int(round_.libreoffice),
        "QS3": 0,
        "QS4": 0,
        "QS5": 0,
        "QS6": 0,
        "QS7": 1,
        "QS8": 0,
        "QS9": 0,
    }
    qs1 = next(qs for qs in data["quality_statements"] if qs["code"] == "QS1")
    first, second, third = qs1["statements"][:3]
    assert first["counts"] == {"1": 0, "2": 1, "3": 0, "4": 1}
    assert second["counts"] == {"1": 0, "2": 0, "3": 2, "4": 0}
    assert (third["counts"], third["dont_know"]) == ({"1": 0, "2": 0, "3": 0, "4": 0}, 1)
    assert round_.ws.findings_xlsx.is_file()


@pytest.mark.libreoffice
def test_a_return_resaved_by_libreoffice_is_counted(round_: Round) -> None:
    if not round_.libreoffice:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    resaved = round_.ws.stage1_inputs / "lived experience" / "QS2 from Dŵr.xlsx"
    with zipfile.ZipFile(resaved) as z:
        assert b"LibreOffice" in z.read("docProps/app.xml"), "saved by LibreOffice, not openpyxl"
    data = json.loads(round_.results["collect"].stdout)
    qs2 = next(qs for qs in data["quality_statements"] if qs["code"] == "QS2")
    assert qs2["returns"] == 1
    assert qs2["statements"][0]["counts"] == {"1": 0, "2": 0, "3": 0, "4": 1}
    assert qs2["statements"][1]["counts"] == {"1": 1, "2": 0, "3": 0, "4": 0}


def test_every_command_succeeded(round_: Round) -> None:
    for command, result in round_.results.items():
        assert result.exit_code == 0, f"{command}: {result.output}"
        assert "Traceback" not in result.output
    assert "9 checklists written, 0 kept." in round_.results["generate checklists"].output
    assert "9 summaries written, 0 kept." in round_.results["generate summaries"].output
    assert "wrote outputs/self-assessment.docx" in round_.results["build"].output


def test_validate_finds_nothing(round_: Round) -> None:
    assert "0 errors, 0 warnings" in round_.results["validate"].output
    data = json.loads(round_.results["validate --json"].stdout)
    assert (data["errors"], data["warnings"], data["findings"]) == (0, 0, [])


def test_status_shows_every_quality_statement_received_and_verified(round_: Round) -> None:
    lines = round_.results["status"].output.splitlines()
    returns = {"QS1": 2, "QS2": int(round_.libreoffice), "QS7": 1}
    for qs in round_.ws.framework.quality_statements:
        (line,) = [x for x in lines if x.startswith(f"{qs.code} ")]
        stage1 = returns.get(qs.code, 0)
        assert re.search(rf" {stage1} received yes +\d+/750 +4/4 +yes$", line), line
    assert "IR coverage: 35 of 35 items have a document" in lines
    assert "Findings: 0 errors, 0 warnings" in round_.results["status"].output


def test_the_report_has_what_was_typed(round_: Round) -> None:
    doc = Document(str(round_.ws.report_docx))
    framework = round_.ws.framework
    assert headings(doc, 3) == [qs.name for qs in framework.quality_statements]
    paras = paragraphs(doc)
    assert ("Subtitle", COUNCIL) in paras
    # Each summary under its own quality statement.
    texts = [t for _, t in paras]
    for qs in framework.quality_statements:
        at = texts.index(qs.name)
        assert f"{qs.code}: {qs.name} for everyone." in texts[at : at + 5], qs.code
    # The strength exactly as typed, with its evidence IDs linked to the register.
    assert ("Normal", f"1. {STRENGTH}") in paras
    assert ("Caption", f"Evidence: {STRENGTH_IDS}") in paras
    links = internal_links(doc)
    assert ("EV-003", "ev_EV_003") in links and ("EV-011", "ev_EV_011") in links
    everything = body_text(doc)
    assert "Testshire is a rural county of 600,000 people" in everything  # the overview
    assert "DRAFT" not in everything


# ---- The default word limit -----------------------------------------------------------------


@pytest.fixture
def no_settings(round_: Round, tmp_path: Path) -> Workspace:
    """A copy of the round's workspace whose selfassess.toml names only the council."""
    root = tmp_path / "ws"
    shutil.copytree(round_.ws.root, root)
    (root / "selfassess.toml").write_text(f"council = {json.dumps(COUNCIL)}\n", "utf-8")
    return Workspace(root)


def _word_limit_findings(ws: Workspace) -> list[dict[str, Any]]:
    result = invoke(ws.root, "validate", "--json")
    data = json.loads(result.stdout)
    return [f for f in data["findings"] if f["code"] == "word-limit"]


def test_751_words_break_the_default_limit_and_750_do_not(no_settings: Workspace) -> None:
    name = "QS1 summary - lead officer.xlsx"  # replaces the round's QS1 summary
    fill_to_printed(no_settings, 751, name, "QS1")
    (finding,) = _word_limit_findings(no_settings)
    assert finding["file"] == f"inputs/stage2/{name}"
    assert finding["message"].startswith("Section B prints 751 words, 1 over the 750-word limit.")

    fill_to_printed(no_settings, 750, name, "QS1")
    assert _word_limit_findings(no_settings) == []


def test_init_writes_the_default_settings(round_: Round) -> None:
    """Every value ``init`` writes below the council's name is the default, as it says."""
    written = tomllib.loads((round_.ws.root / "selfassess.toml").read_text("utf-8"))
    defaults = asdict(Settings())
    for section, values in written.items():
        if section == "council":
            continue
        assert values == {k: defaults[section][k] for k in values}, section
    assert written["report"]["word_limit"] == 750
