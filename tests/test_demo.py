"""The demo council (fictional Wealdshire County Council): demo/make_inputs.py makes inputs that
validate with only the planted warnings, and the committed inputs/ agree with demo/content/."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from pipeline.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "demo" / "content"
RETURNS = 50  # 48 checklists and 2 workshops, in inputs/stage1/
SURVEY_RESPONDENTS = 60  # in inputs/surveys/, all on QS2
# EV-009: a policy past its review date; EV-019: data over 12 months old, no reason given. Not
# EV-037 (a 2023-2027 strategy current until 31/03/2027), EV-031 (a SAR, 24 months for IR27) or
# EV-045 (older survey data whose "Why still current" says why).
STALE = {"EV-009", "EV-019"}
UNCOVERED = {"IR17", "IR20"}


def _load_make_inputs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_make_inputs", ROOT / "demo/make_inputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_inputs() -> ModuleType:
    return _load_make_inputs()


@pytest.fixture(scope="module")
def demo(make_inputs: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the demo workspace, its inputs made by the script."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(ROOT / "selfassess.toml", root / "selfassess.toml")
    assert make_inputs.main(["--workspace", str(root)]) == 0
    return Workspace(root)


def _content(name: str) -> object:
    return yaml.safe_load((CONTENT / name).read_text("utf-8"))


def test_the_demo_validates_with_only_the_planted_warnings(demo: Workspace) -> None:
    from pipeline.app import validate_workspace

    findings = validate_workspace(demo).findings
    assert [f.line() for f in findings.errors] == []
    by_code = Counter(f.code for f in findings.warnings)
    assert by_code == {
        "ir-item-uncovered": 2,
        "stale-evidence": 2,
        "sign-off-incomplete": 1,
        "library-candidate": 1,  # QS8 names a review the register does not have yet
    }, [f.line() for f in findings.warnings]
    uncovered = {
        code
        for f in findings.warnings
        if f.code == "ir-item-uncovered"
        for code in re.findall(r"\bIR\d+\b", f.message)
    }
    assert uncovered == UNCOVERED
    stale = {f.message.split(" ")[0] for f in findings.warnings if f.code == "stale-evidence"}
    assert stale == STALE
    (candidate,) = [f for f in findings.warnings if f.code == "library-candidate"]
    assert candidate.file.startswith("inputs/stage2/QS8") and candidate.data is not None
    assert candidate.data["title"] == "Carers' short breaks review 2026"
    (sign_off,) = [f for f in findings.warnings if f.code == "sign-off-incomplete"]
    assert sign_off.message.startswith("Care provider association")


def test_collect_reads_every_demo_return(demo: Workspace) -> None:
    from pipeline.app import collect

    result = collect(demo)
    assert result.returns == RETURNS + SURVEY_RESPONDENTS
    assert result.skipped == []
    assert [f.line() for f in result.findings] == []  # no personal data in the comments either
    # Areas for improvement have fewer than 60% agreeing: QS1 lists statement 12 (0%), no
    # longer 5 and 8 (83% and 86%); QS2's lowest undivided statement has 80%, so it says why.
    improvements = {q.code: [s.number for s in q.emerging_improvements] for q in result.results}
    assert improvements["QS1"] == [12]
    assert improvements["QS2"] == []
    (qs2,) = [q for q in result.results if q.code == "QS2"]
    assert qs2.no_improvements == (
        "No statement had fewer than 60% agreeing, apart from those with divergent views "
        "(listed below)."
    )
    for qs in result.results:
        for s in qs.emerging_improvements:
            assert s.percent_agree is not None and s.percent_agree < 60, (qs.code, s.number)


def test_make_inputs_refuses_to_replace_inputs_without_force(
    make_inputs: ModuleType, demo: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    before = demo.overview.stat().st_mtime_ns
    assert make_inputs.main(["--workspace", str(demo.root)]) == 1
    assert "--force" in capsys.readouterr().err
    assert demo.overview.stat().st_mtime_ns == before


def test_the_synthesised_returns_are_the_same_every_time(make_inputs: ModuleType) -> None:
    from pipeline.framework import load_framework

    framework, stage1 = load_framework(), _content("stage1.yaml")
    first = make_inputs.synthesise_returns(framework, stage1)
    assert first == make_inputs.synthesise_returns(framework, stage1)
    assert len(first) == RETURNS


# ---- The committed inputs/ agree with demo/content/ -----------------------------------------


@pytest.fixture(scope="module")
def committed() -> Workspace:
    ws = Workspace(ROOT)
    if not ws.overview.is_file():
        pytest.fail("inputs/overview.xlsx is missing: run `make demo-inputs` and commit inputs/")
    return ws


def test_committed_overview_and_library_agree_with_the_content(committed: Workspace) -> None:
    from pipeline.read.overview import read_overview
    from pipeline.read.register import read_library

    overview_content = _content("overview.yaml")
    assert isinstance(overview_content, dict)
    overview, _ = read_overview(committed)
    assert overview is not None
    assert overview.council.value == overview_content["council"] == committed.settings.council
    assert overview.submission_date == dt.date.fromisoformat(overview_content["submission_date"])
    assert overview.about_us.value == overview_content["section_a"]["about_us"]
    assert overview.process.value == overview_content["section_c"]["process"]
    assert [s.role for s in overview.sign_off] == [s["role"] for s in overview_content["sign_off"]]

    documents = _content("evidence.yaml")
    assert isinstance(documents, list)
    library, _ = read_library(committed)
    assert library is not None
    assert [(i.id, i.title, i.link, i.date) for i in library.items] == [
        (d["id"], d["title"], d["link"], dt.date.fromisoformat(d["date"])) for d in documents
    ]


def test_committed_summaries_agree_with_the_content(committed: Workspace) -> None:
    from pipeline.read.summaries import read_summaries

    read = read_summaries(committed)
    assert sorted(s.quality_statement for s in read.summaries) == [f"QS{n}" for n in range(1, 10)]
    for summary in read.summaries:
        content = _content(f"summaries/{summary.quality_statement}.yaml")
        assert isinstance(content, dict)
        assert summary.ambition.value == content["ambition"]
        assert summary.others_say.value == content["others_say"]
        assert [e.text.value for e in summary.strengths] == [
            s["text"] for s in content["strengths"]
        ]
        assert summary.verified_on == dt.date.fromisoformat(content["verified_on"])


def test_committed_returns_are_the_ones_the_script_makes(
    make_inputs: ModuleType, committed: Workspace
) -> None:
    from pipeline.read.returns import read_returns

    files = sorted(committed.stage1_inputs.rglob("*"))
    assert len([p for p in files if p.is_file()]) == RETURNS, "every file in inputs/stage1/"
    expected = {
        f"inputs/stage1/{r.folder}/{r.file_name}": (
            r.code,
            r.group,
            [(n, a.rating, a.comment) for n, a in enumerate(r.answers, 1) if a.typed is not None],
        )
        for r in make_inputs.synthesise_returns(committed.framework, _content("stage1.yaml"))
    }
    read = read_returns(committed)
    assert read.skipped == []
    found = {
        r.file: (
            r.quality_statement,
            r.group,
            [(x.number, x.rating, x.evidence) for x in r.responses],
        )
        for r in read.returns
        if r.source != "survey"
    }
    assert found == expected, "inputs/stage1/ differs from demo/content: run `make demo-inputs`"
    workshops = [
        (r.quality_statement, r.participants) for r in read.returns if r.source == "workshop"
    ]
    assert workshops == [("QS3", 9), ("QS4", 14)]


def test_committed_survey_is_the_one_the_script_makes(
    make_inputs: ModuleType, committed: Workspace
) -> None:
    import csv

    from pipeline.read.surveys import load_mapping

    survey = _content("survey.yaml")
    assert isinstance(survey, dict)
    headings, rows = make_inputs.survey_rows(committed.framework, survey)
    path = committed.surveys_dir / survey["file"]
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "saved as Excel's CSV UTF-8, with a BOM"
    written = list(csv.reader(data[3:].decode("utf-8").splitlines()))
    assert written == [headings, *rows], "inputs/surveys/ differs: run `make demo-inputs`"
    assert len(rows) == SURVEY_RESPONDENTS
    (entry,) = load_mapping(committed.survey_mapping).surveys
    assert "?" not in [c.read_as for c in entry.columns]


def test_the_lived_experience_view_flags_the_planted_statement(demo: Workspace) -> None:
    import openpyxl

    from pipeline.app import collect
    from pipeline.outputs.findings_voices import SEEN_DIFFERENTLY, VOICES_SHEET

    result = collect(demo)
    (qs2,) = [q for q in result.results if q.code == "QS2"]
    planted = qs2.statements[9]
    assert planted.number == 10 and planted.seen_differently
    assert qs2.sources.survey_responses == SURVEY_RESPONDENTS
    wb = openpyxl.load_workbook(demo.findings_xlsx)
    flagged = {
        (row[0].value, row[1].value)
        for row in wb[VOICES_SHEET].iter_rows()
        if row[len(row) - 1].value == SEEN_DIFFERENTLY
    }
    assert ("QS2", 10) in flagged


AUDITS = 12  # case-file audits in inputs/audits/


def test_committed_audits_are_the_ones_the_script_makes(
    make_inputs: ModuleType, committed: Workspace
) -> None:
    from pipeline.read.audits import read_audits
    from pipeline.read.expected import _read
    from pipeline.xlsx.write import Style

    style = Style.load(committed.template("xlsx/style.toml"))
    made = make_inputs.audit_workbooks(committed, style, _content("audits.yaml"))
    read = read_audits(committed)
    assert read.skipped == [] and read.findings == []
    assert len(read.audits) == len(made) == AUDITS
    for (name, wb), audit in zip(made, read.audits, strict=True):
        assert audit.file == f"inputs/audits/{name}"
        cells = _read(wb).sheets["Audit"]
        typed = [cells.text(a.cell) for a in audit.answers]
        assert [a.finding for a in audit.answers] == typed, "run `make demo-inputs`"


def test_the_demo_audits_are_in_section_d_and_carers_are_the_weakest(demo: Workspace) -> None:
    from pipeline.app import collect_audits, read_inputs

    result = collect_audits(demo)
    assert len(result.summary.audits) == AUDITS and not result.findings
    weakest = min(result.summary.by_standard, key=lambda st: st[1].compliance or 0)
    assert weakest[0].code == "S7"
    library = read_inputs(demo).library
    assert library is not None
    (document,) = library.extra
    assert document.id == f"AUDIT-{result.summary.latest}"
    assert document.ir_items == ("IR5", "IR6", "IR7", "IR28", "IR29")
