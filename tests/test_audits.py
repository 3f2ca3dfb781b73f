"""Case-file audits (issue 15 item 4): the standards as data, the audit workbook, `collect
audits` and audit-findings.xlsx against a hand tally, personal identifiers, and the summary as
an evidence document in Section D."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.app import (
    build_report,
    collect_audits,
    generate_audits,
    generate_checklists,
    read_inputs,
)
from pipeline.cli import main
from pipeline.framework import Framework, load_standards
from pipeline.workspace import Workspace
from tests.factories import fill_audit

REFERENCE = Path("/work/shared/reference/quality-practice-assurance-standards.txt")

CHOICES = ("Met", "Partly met", "Not met", "Not applicable", "")

TEAMS = ("Hospital discharge team", "North locality team", "Learning disability team")


def _squash(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


# ---- The standards as data ---------------------------------------------------------------------


def test_eight_standards_with_their_criteria_and_ir_items(framework: Framework) -> None:
    standards = load_standards(framework=framework)
    assert [s.number for s in standards.standards] == list(range(1, 9))
    assert [len(s.criteria) for s in standards.standards] == [11, 10, 13, 9, 10, 6, 9, 9]
    assert standards.standard_of("3.4").name == "Safeguarding everyone"
    known = {item.code for item in framework.ir_items}
    served = {code for s in standards.standards for code in s.ir_items}
    assert served == {"IR5", "IR6", "IR7", "IR28", "IR29"} and served <= known
    safeguarding = standards.standards[2]
    assert set(safeguarding.ir_items) == {"IR28", "IR29"}


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the reference text is not on this machine")
def test_criteria_are_the_reference_texts() -> None:
    reference = _squash(REFERENCE.read_text("utf-8"))
    for criterion in load_standards().criteria:
        # The first and last 40 characters of each (the joined ones are checked piecewise).
        for piece in (criterion.text[:40], criterion.text[-40:].split("; ")[-1]):
            assert _squash(piece) in reference, (criterion.code, piece)


def test_a_council_may_audit_against_its_own_standards(workspace: Workspace) -> None:
    workspace.practice_standards.write_text(
        "id: our-standards\nversion: '2'\ntitle: Our practice standards\nstandards:\n"
        "  - code: S1\n    name: Recording\n    ir_items: [IR5]\n    criteria:\n"
        "      - {code: '1.1', text: Case notes are up to date.}\n",
        "utf-8",
    )
    assert [c.text for c in Workspace(workspace.root).standards.criteria] == [
        "Case notes are up to date."
    ]


# ---- The 20-audit acceptance test: audit-findings.xlsx against a hand tally ---------------------


def _answers(rng: random.Random, codes: list[str], bias: float) -> dict[str, tuple[str, str]]:
    weights = (0.5 + bias, 0.2, 0.15 - bias / 2, 0.1, 0.05)
    return {
        code: (rng.choices(CHOICES, weights)[0], f"Seen in the case notes & plan <{code}>")
        for code in codes
    }


def _hand_tally(
    audits: list[tuple[str, dict[str, tuple[str, str]]]], key: object
) -> dict[object, dict[str, int]]:
    out: dict[object, dict[str, int]] = {}
    for team, answers in audits:
        for code, (finding, _evidence) in answers.items():
            k = key(team, code)  # type: ignore[operator]
            counts = out.setdefault(k, dict.fromkeys(CHOICES, 0))
            counts[finding] += 1
    return out


def _compliance(counts: dict[str, int]) -> float | str:
    answered = counts["Met"] + counts["Partly met"] + counts["Not met"]
    return (counts["Met"] + counts["Partly met"] / 2) / answered if answered else "–"


def _rows(sheet: object, first: int = 6) -> list[list[object]]:
    rows = []
    for row in sheet.iter_rows(min_row=first, values_only=True):  # type: ignore[attr-defined]
        if row[0] is None:
            break
        rows.append(list(row))
    return rows


def test_twenty_audits_collect_into_figures_equal_to_a_hand_tally(complete: Workspace) -> None:
    ws = complete
    rng = random.Random(15)
    codes = [c.code for c in ws.standards.criteria]
    audits = []
    for n in range(20):
        team = TEAMS[n % 3]
        answers = _answers(rng, codes, bias=0.1 * (n % 3))
        audits.append((team, answers))
        fill_audit(
            ws,
            f"audit-{n + 1:02d}.xlsx",
            answers,
            case=f"LAS-{204100 + n}",
            team=team,
            date=dt.date(2026, 10, 1) + dt.timedelta(days=2 * n),
        )
    result = CliRunner().invoke(main, ["-w", str(ws.root), "collect", "audits"])
    assert result.exit_code == 0, result.output
    assert "20 audits read, 0 skipped" in result.output

    wb = openpyxl.load_workbook(ws.audit_findings_xlsx)
    by_standard = _hand_tally(audits, lambda _team, code: code.split(".")[0])
    rows = _rows(wb["By standard"])
    assert [r[0] for r in rows] == [s.title for s in ws.standards.standards] + ["All standards"]
    for standard, row in zip(ws.standards.standards, rows, strict=False):
        counts = by_standard[str(standard.number)]
        assert row[1:6] == [
            counts["Met"],
            counts["Partly met"],
            counts["Not met"],
            counts["Not applicable"],
            counts[""],
        ]
        assert row[6] == pytest.approx(_compliance(counts))
    total = _hand_tally(audits, lambda _team, _code: "all")["all"]
    assert rows[-1][1:6] == [total[c] for c in CHOICES]
    assert rows[-1][6] == pytest.approx(_compliance(total))
    assert "half the criteria partly met" in wb["By standard"]["A3"].value  # the rule, printed

    by_team = _hand_tally(audits, lambda team, code: (team, code.split(".")[0]))
    team_total = _hand_tally(audits, lambda team, _code: team)
    team_rows = {r[0]: r for r in _rows(wb["By team"])}
    assert set(team_rows) == set(TEAMS)
    for team in TEAMS:
        row = team_rows[team]
        assert row[1] == sum(1 for t, _ in audits if t == team)
        for i, standard in enumerate(ws.standards.standards):
            assert row[2 + i] == pytest.approx(_compliance(by_team[(team, str(standard.number))]))
        assert row[-1] == pytest.approx(_compliance(team_total[team]))

    by_criterion = _hand_tally(audits, lambda _team, code: code)
    ranked = sorted(
        (c for c in codes if by_criterion[c]["Not met"]),
        key=lambda c: (-by_criterion[c]["Not met"], -by_criterion[c]["Partly met"]),
    )[:10]
    listed = _rows(wb["Most often not met"])
    assert [r[0] for r in listed] == ranked
    assert [r[3] for r in listed] == [by_criterion[c]["Not met"] for c in ranked]
    assert len(_rows(wb["Audits"])) == 20
    assert len(wb["By standard"]._charts) == 1 and len(wb["By team"]._charts) == 1

    # The summary is a dated evidence document under its IR items in Section D.
    built = build_report(ws)
    assert built.docx is not None, built.incomplete
    report = Document(str(built.docx))
    latest = dt.date(2026, 10, 1) + dt.timedelta(days=38)
    ident = f"AUDIT-{latest.isoformat()}"
    ir_rows = {
        row.cells[0].text: row.cells[4].text
        for t in report.tables
        if t.rows[0].cells[0].text == "CQC IR"
        for row in t.rows[1:]
    }
    with_audit = {code for code, docs in ir_rows.items() if ident in docs}
    assert with_audit == {"IR5", "IR6", "IR7", "IR28", "IR29"}
    overall = round(100 * _compliance(total))  # type: ignore[operator]
    assert f"20 audits, {overall}% compliance" in ir_rows["IR28"]
    register = [
        [c.text for c in row.cells]
        for t in report.tables
        for row in t.rows
        if row.cells[0].text == ident
    ]
    assert register and "8 November 2026" in register[0]


def test_the_audit_document_counts_in_ir_coverage(workspace: Workspace) -> None:
    from pipeline.analysis.coverage import ir_coverage

    fill_audit(workspace, "a.xlsx", {"3.1": ("Met", ""), "3.2": ("Not met", "")})
    inputs = read_inputs(workspace)
    assert inputs.library is not None and inputs.library.items == ()
    covered = {row.item.code for row in ir_coverage(workspace.framework, inputs.library)}
    assert (
        {"IR28", "IR29"}
        <= {
            row.item.code for row in ir_coverage(workspace.framework, inputs.library) if row.covered
        }
        <= covered
    )
    assert not any(
        row.covered
        for row in ir_coverage(workspace.framework, inputs.library)
        if row.item.code in ("IR5", "IR7")
    )  # only the standards audited count


# ---- What is reported ------------------------------------------------------------------------


def test_personal_identifiers_are_reported_and_masked(workspace: Workspace) -> None:
    fill_audit(workspace, "name.xlsx", {"1.1": ("Met", "")}, case="Jane Doe")
    fill_audit(
        workspace,
        "nhs.xlsx",
        {"1.1": ("Not met", "Spoke to jo.bloggs@example.org on 07700 900123")},
        case="943 476 5919",
    )
    result = collect_audits(workspace)
    found = {(f.file.split("/")[-1], f.code, f.cell) for f in result.findings}
    assert ("name.xlsx", "audit-case-reference-name", "C4") in found
    assert ("nhs.xlsx", "personal-data", "C4") in found
    evidence_cell = next(c for c in (f.cell for f in result.findings if f.cell) if c != "C4")
    assert re.fullmatch(r"D\d+", evidence_cell)
    messages = " ".join(f.message for f in result.findings)
    assert "Jane" not in messages and "943 476 5919" not in messages
    shown = [r[1] for r in _rows(openpyxl.load_workbook(result.written)["Audits"])]
    assert shown == ["(looks like a name: not shown)", "943 *** **19"]
    # validate reports them too, and build does not count them as printed in the report.
    from pipeline.rules import run_rules
    from pipeline.rules.personal_data import printed_personal_data

    inputs = read_inputs(workspace)
    assert {"audit-case-reference-name", "personal-data"} <= {f.code for f in inputs.read_findings}
    assert printed_personal_data(inputs, run_rules(inputs)) == []


def test_typed_findings_wrong_files_and_empty_audits(workspace: Workspace) -> None:
    fill_audit(
        workspace,
        "typed.xlsx",
        {"1.1": ("n/a", ""), "1.2": ("partly", ""), "1.3": ("Yes", ""), "1.4": ("MET", "")},
        team="",
    )
    fill_audit(workspace, "empty.xlsx", {})
    generate_checklists(workspace)
    checklist = next(workspace.checklists_dir.glob("*.xlsx"))
    (workspace.audits_inputs / "checklist.xlsx").write_bytes(checklist.read_bytes())
    result = collect_audits(workspace)
    codes = {(f.file.split("/")[-1], f.code) for f in result.findings}
    assert ("typed.xlsx", "invalid-choice") in codes
    assert ("typed.xlsx", "audit-missing-detail") in codes
    assert ("empty.xlsx", "audit-empty") in codes
    assert [f.file.split("/")[-1] for f in result.skipped] == ["checklist.xlsx"]
    assert "a Stage 1 checklist" in result.skipped[0].message
    (audit,) = result.summary.audits
    assert [a.finding for a in audit.answers[:4]] == ["Not applicable", "Partly met", "", "Met"]
    assert result.summary.teams == ["Team not given"]
    assert result.summary.overall.compliance == pytest.approx(0.75)


def test_generate_keeps_filled_audits_and_collect_without_audits_says_so(
    workspace: Workspace,
) -> None:
    assert [p.name for p in generate_audits(workspace, count=3).written] == [
        "case-file-audit-1.xlsx",
        "case-file-audit-2.xlsx",
        "case-file-audit-3.xlsx",
    ]
    path = workspace.audit_templates_dir / "case-file-audit-2.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Audit"]["C5"] = "North locality team"
    wb.save(path)
    again = generate_audits(workspace, count=3)
    assert again.kept == [path] and len(again.written) == 2
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "collect", "audits"])
    assert result.exit_code == 1
    assert "No case-file audit to count" in result.output
    assert not workspace.audit_findings_xlsx.exists()


@pytest.mark.libreoffice
def test_an_audit_saved_by_libreoffice_reads_the_same(workspace: Workspace, tmp_path: Path) -> None:
    from tests.conftest import soffice_convert

    answers = {"2.1": ("Met", "Risk plan on file & signed"), "2.2": ("Partly met", "")}
    path = fill_audit(workspace, "lo.xlsx", answers, date=dt.date(2026, 11, 14))
    saved = soffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    path.write_bytes(saved.read_bytes())
    (audit,) = collect_audits(workspace).summary.audits
    assert audit.date == dt.date(2026, 11, 14) and audit.case_reference == "CR-2026-0001"
    read = {a.criterion: (a.finding, a.evidence) for a in audit.answers if a.finding}
    assert read == answers
