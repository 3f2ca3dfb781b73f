"""Validation of Stage 2 summaries (SPEC §8): summaries filled as lead officers would, checked by
the whole engine (every rule, beside a valid register and overview); and the ``validate``
command's table, JSON and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.app import generate_checklists, read_inputs
from pipeline.cli import main
from pipeline.forms.checklist import checklist_path
from pipeline.forms.summary import TOTAL_CELL, field_cell
from pipeline.model.findings import Finding
from pipeline.rules import run_rules
from pipeline.workspace import Workspace
from pipeline.xlsx.write import write_text
from tests.factories import (
    VALID,
    copy_workspace,
    fill_overview,
    fill_register,
    fill_to_printed,
    insert_row,
    open_form,
    prepare_summaries_workspace,
    save_to_inputs,
    section_b_words,
    words,
)
from tests.factories import fill_form as fill
from tests.factories import fill_summary as filled
from tests.factories import summary_template as template

FILE = "inputs/stage2/QS1 summary - Priya.xlsx"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``init``, the summaries generated, a valid register (EV-001 to EV-0nn, one per IR item)
    and a signed-off overview: what the summaries are checked against."""
    root = prepare_summaries_workspace(tmp_path_factory.mktemp("prepared"))
    ws = Workspace(root)
    fill_register(ws, ws.framework)
    fill_overview(ws, ws.framework)
    return root


@pytest.fixture
def generated(prepared: Path, tmp_path: Path) -> Workspace:
    """A workspace with the summaries generated, nothing returned yet."""
    return copy_workspace(prepared, tmp_path)


def check(ws: Workspace) -> list[Finding]:
    """Read every input and run every rule, as ``validate`` does; every finding but the
    warnings for the quality statements whose summary has not come back."""
    return [f for f in run_rules(read_inputs(ws)) if f.code != "summary-missing"]


def codes(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in findings]


def test_a_valid_summary_has_no_errors_or_warnings(generated: Workspace) -> None:
    values = dict(VALID)
    values["Strength 1"] = ("Strengths-based practice is embedded.", "EV-003")
    filled(generated, values=values)
    assert codes(check(generated)) == []


def test_751_words_is_over_the_limit_and_says_so(generated: Workspace) -> None:
    """751 words as printed (the heading, we statement, subheadings and evidence lines count)."""
    values = fill_to_printed(generated, 751)
    typed = section_b_words(values)
    assert typed < 751
    findings = check(generated)
    assert codes(findings) == [("word-limit", TOTAL_CELL)]
    (f,) = findings
    assert f.severity == "error" and f.file == FILE
    assert f.message.startswith("Section B prints 751 words, 1 over the 750-word limit.")
    assert f.data == {"words": 751, "limit": 750, "typed": typed}


def test_750_words_is_within_the_limit(generated: Workspace) -> None:
    fill_to_printed(generated, 750)
    assert codes(check(generated)) == []


def test_a_strength_4_row_is_one_strength_too_many(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    write_text(sheet[field_cell("Strength 3")], "A third strength.")
    write_text(sheet[field_cell("Strength 3", "C")], "EV-012")
    row = int(field_cell("Strength 3")[1:]) + 1
    insert_row(sheet, row)
    write_text(sheet[f"A{row}"], "Strength 4")
    write_text(sheet[f"B{row}"], "A fourth strength.")
    write_text(sheet[f"C{row}"], "EV-030")
    save_to_inputs(generated, wb)
    findings = check(generated)
    assert codes(findings) == [("too-many-strengths", f"B{row}")]
    assert findings[0].field == "Strength 4"
    assert "4 strengths are filled in, but Section B takes at most 3" in findings[0].message
    assert findings[0].data == {"count": 4, "limit": 3}


def test_four_areas_for_improvement_in_added_rows(generated: Workspace) -> None:
    values = dict(VALID)
    for n in (2, 3):
        values[f"Area for improvement {n}"] = (f"Improvement {n}.", f"EV-02{n}")
    wb, sheet = open_form(template(generated))
    fill(sheet, values=values)
    row = int(field_cell("Area for improvement 3")[1:]) + 1
    insert_row(sheet, row)
    write_text(sheet[f"A{row}"], "Area for improvement 4")
    write_text(sheet[f"B{row}"], "A fourth.")
    write_text(sheet[f"C{row}"], "EV-031")
    save_to_inputs(generated, wb)
    assert codes(check(generated)) == [("too-many-improvements", f"B{row}")]


def test_text_typed_far_outside_the_form_is_ignored_content(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    write_text(sheet["K60"], "Remember to add the carers survey")
    save_to_inputs(generated, wb)
    findings = check(generated)
    assert codes(findings) == [("ignored-content", "K60")]
    assert findings[0].severity == "error"
    assert "Remember to add the carers survey" in findings[0].message


def test_a_stage1_checklist_in_stage2_is_a_template_mismatch(generated: Workspace) -> None:
    generate_checklists(generated)
    qs = generated.framework.quality_statement("QS3")
    generated.stage2_inputs.mkdir(parents=True, exist_ok=True)
    shutil.copy(checklist_path(generated, qs), generated.stage2_inputs / "QS3.xlsx")
    filled(generated)
    findings = check(generated)
    assert [(f.file, f.code) for f in findings] == [("inputs/stage2/QS3.xlsx", "template-mismatch")]
    assert "Stage 1 checklist" in findings[0].message


def test_missing_verification_is_unverified(generated: Workspace) -> None:
    values = {k: v for k, v in VALID.items() if not k.startswith("Verified by (name)")}
    filled(generated, values=values, verified_on=None)
    findings = check(generated)
    assert codes(findings) == [
        ("unverified", field_cell("Verified by (name)")),
        ("unverified", field_cell("Verified on (date)")),
    ]
    assert {f.field for f in findings} == {"Verified by (name)", "Verified on (date)"}


def test_a_date_that_is_not_a_date_is_reported_once(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet, verified_on=None)
    write_text(sheet[field_cell("Verified on (date)")], "Tuesday")
    save_to_inputs(generated, wb)
    assert codes(check(generated)) == [("invalid-date", field_cell("Verified on (date)"))]


def test_missing_fields_are_errors_or_warnings(generated: Workspace) -> None:
    values = {
        "Strength 1": ("", "EV-007"),  # evidence but no text: no strength yet
        "Strength 2": ("", "EV-008"),  # the same, in a second row
        "Area for improvement 1": ("Waits are too long.", ""),  # text but no evidence
        "Verified by (name)": ("Dr Tom Evans", ""),
    }
    filled(generated, values=values)
    findings = check(generated)
    found = [(f.code, f.severity.value, f.field, f.cell) for f in findings]
    assert found == [
        ("missing-field", "error", "What is our ambition?", field_cell("What is our ambition?")),
        ("missing-field", "error", "Strength 1", field_cell("Strength 1")),
        ("missing-field", "warning", "Strength 2", field_cell("Strength 2")),
        ("missing-field", "warning", "Area for improvement 1", "C17"),
        ("missing-field", "warning", "Lead officer (name)", field_cell("Lead officer (name)")),
        ("missing-field", "warning", "Lead officer (post)", field_cell("Lead officer (post)")),
        ("missing-field", "warning", "Priorities to maintain and improve", "B22"),
        ("missing-field", "warning", "What do others say about our performance?", "B25"),
        ("missing-field", "warning", "Key documents for the evidence library", "B28"),
        ("missing-field", "warning", "Verified by (post)", field_cell("Verified by (post)")),
    ]
    assert "Section B needs at least one strength" in findings[1].message
    assert "has evidence IDs but no text" in findings[2].message
    assert "gives no evidence IDs" in findings[3].message


def test_no_strength_rows_at_all(generated: Workspace) -> None:
    """Every strength row deleted: the finding says the row is missing."""
    wb, sheet = open_form(template(generated))
    fill(sheet)
    for label in ("Strength 1", "Strength 2", "Strength 3"):
        write_text(sheet[field_cell(label, "A")], "")
    save_to_inputs(generated, wb)
    (f,) = [f for f in check(generated) if f.code == "missing-field"]
    assert (f.severity, f.field, f.cell) == ("error", "Strength 1", None)
    assert "The ‘Strength 1’ row is missing from the form" in f.message


def test_every_quality_statement_without_a_summary_is_a_warning(generated: Workspace) -> None:
    filled(generated)
    missing = [f for f in run_rules(read_inputs(generated)) if f.code == "summary-missing"]
    assert [f.file for f in missing] == [
        f"outputs/stage2/templates/{p.name}" for p in sorted(generated.summaries_dir.iterdir())
    ][1:]
    assert all(f.severity == "warning" for f in missing)
    assert "QS2 Supporting people to live healthier lives" in missing[0].message


def test_every_finding_is_collected_across_files(generated: Workspace) -> None:
    """Findings as data, from every input: never the first one only."""
    values = {k: v for k, v in VALID.items() if k != "What is our ambition?"}
    filled(generated, "a.xlsx", values=values, verified_on=None)
    wb, sheet = open_form(template(generated, "QS2"))
    fill(sheet)
    write_text(sheet["Z99"], "stray")
    save_to_inputs(generated, wb, "b.xlsx")
    (generated.stage2_inputs / "c.xlsx").write_bytes(b"PK\x03\x04 broken")
    assert [(f.file[len("inputs/stage2/") :], f.code) for f in check(generated)] == [
        ("b.xlsx", "ignored-content"),
        ("c.xlsx", "unreadable-file"),
        ("a.xlsx", "missing-field"),
        ("a.xlsx", "unverified"),
    ]


# ---- The command ----------------------------------------------------------------------------


def run(ws: Workspace, *args: str) -> Any:
    return CliRunner().invoke(main, ["--workspace", str(ws.root), "validate", *args])


def test_validate_json_has_the_spec_shape(generated: Workspace) -> None:
    filled(generated, values={**VALID, "What is our ambition?": (words(800), "")})
    result = run(generated, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert set(data) == {"errors", "warnings", "findings"}
    assert data["errors"] == 1 and data["warnings"] == 8
    first = data["findings"][0]
    assert first == {
        "severity": "error",
        "code": "word-limit",
        "file": FILE,
        "sheet": "Summary",
        "cell": TOTAL_CELL,
        "field": "Words in Section B",
        "message": first["message"],
        "data": {**first["data"], "limit": 750},
    }
    assert "Section B prints" in first["message"]
    assert first["data"]["words"] > 750
    assert all("data" not in f for f in data["findings"][1:])  # missing-field: no figures
    assert (generated.root / "outputs" / "validation-report.xlsx").is_file()


def test_validate_exit_codes_and_strict(generated: Workspace) -> None:
    for qs in generated.framework.quality_statements:
        wb, sheet = open_form(template(generated, qs.code))
        fill(sheet)
        save_to_inputs(generated, wb, f"{qs.code}.xlsx")
    clean = run(generated)
    assert clean.exit_code == 0, clean.output
    assert "0 errors, 0 warnings" in clean.output
    assert "Report: outputs/validation-report.xlsx" in clean.output

    # Only a warning: fine, unless --strict.
    wb, sheet = open_form(template(generated))
    fill(sheet, values={**VALID, "Lead officer (post)": ("", "")})
    save_to_inputs(generated, wb, "QS1.xlsx")
    warned = run(generated)
    assert warned.exit_code == 0, warned.output
    assert "inputs/stage2/QS1.xlsx" in warned.output and "[missing-field]" in warned.output
    assert run(generated, "--strict").exit_code == 1

    # An error fails.
    (generated.stage2_inputs / "broken.xlsx").write_text("not a workbook")
    failed = run(generated)
    assert failed.exit_code == 1
    assert "unreadable-file" in failed.output
    assert "Traceback" not in failed.output
