"""Personal data in Stage 1 comments: `collect` says where (file, sheet, cell) and masks it in
findings.xlsx, which goes to every lead officer; `mask_personal_data = false` shows it as typed,
still reported. Returns are filled as people fill them, one re-saved by LibreOffice."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.app import generate_checklists, validate_workspace
from pipeline.cli import main
from pipeline.forms.checklist import CHECKLIST_SHEET, ChecklistLayout
from pipeline.workspace import Workspace
from tests.conftest import soffice_convert
from tests.factories import fill_checklist, make_workspace, with_blank_checklists

ASC, CARER = "Adult social care staff", "Unpaid carer"
EMAIL_COMMENT = "Ask jo.bloggs@testshire.gov.uk & the team <duty>: they know 🙂"
PHONE_COMMENT = "Ring Sam on 07700 900123 for the details"
CLEAN_COMMENT = "Audit of 40 cases in May 2026"
MASKED_EMAIL = "Ask j***@testshire.gov.uk & the team <duty>: they know 🙂"
MASKED_PHONE = "Ring Sam on 077** ****23 for the details"


@pytest.fixture(scope="module")
def blank_checklists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("blank"))
    generate_checklists(ws)
    return ws.checklists_dir


@pytest.fixture
def ws(tmp_path: Path, blank_checklists: Path) -> Workspace:
    workspace = with_blank_checklists(tmp_path / "ws", blank_checklists)
    fill_checklist(workspace, "QS2", "asc.xlsx", ASC, {1: 3, 2: 4}, {1: EMAIL_COMMENT})
    carer = fill_checklist(
        workspace, "QS2", "carer.xlsx", CARER, {1: 2, 4: 1}, {1: CLEAN_COMMENT, 4: PHONE_COMMENT}
    )
    # The carer's return comes back re-saved by LibreOffice, as from a person without Excel.
    resaved = soffice_convert(carer, "xlsx", tmp_path / "lo")
    resaved.replace(carer)
    return workspace


def _cell(number: int) -> str:
    return ChecklistLayout(number).evidence_cell(number)


def _comments(ws: Workspace) -> list[str]:
    """The comment column of the QS2 sheet of findings.xlsx, read back."""
    wb = openpyxl.load_workbook(ws.findings_xlsx)
    (name,) = [n for n in wb.sheetnames if n.startswith("QS2 ")]
    sheet = wb[name]
    header = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "Comment")
    return [
        sheet.cell(r, 2).value
        for r in range(header + 1, sheet.max_row + 1)
        if sheet.cell(r, 2).value is not None
    ]


def _summary_text(ws: Workspace) -> str:
    wb = openpyxl.load_workbook(ws.findings_xlsx)
    return str(wb["Summary"]["A3"].value)


@pytest.mark.libreoffice
def test_collect_reports_personal_data_by_file_sheet_and_cell(ws: Workspace) -> None:
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect"])
    # A warning: the returns were all read and counted, so collect succeeds.
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "[personal-data]" in line]
    assert lines == [
        f"warning: inputs/stage1/asc.xlsx › {CHECKLIST_SHEET} › {_cell(1)}: This looks like an "
        "email address (j***@testshire.gov.uk). Personal information must not go to the CQC: "
        "remove it, or replace it with a role or a team mailbox. If it is not personal data (a "
        "public helpline, say), ignore this warning. [personal-data]",
        f"warning: inputs/stage1/carer.xlsx › {CHECKLIST_SHEET} › {_cell(4)}: This looks like a "
        "UK phone number (077** ****23). Personal information must not go to the CQC: remove "
        "it, or replace it with a role or a team mailbox. If it is not personal data (a public "
        "helpline, say), ignore this warning. [personal-data]",
    ]
    assert "jo.bloggs" not in result.output and "900123" not in result.output
    assert "2 returns read, 0 skipped" in result.stdout


@pytest.mark.libreoffice
def test_findings_xlsx_masks_the_comments_by_default(ws: Workspace) -> None:
    CliRunner().invoke(main, ["--workspace", str(ws.root), "collect"])
    comments = _comments(ws)
    assert sorted(comments) == sorted([MASKED_EMAIL, CLEAN_COMMENT, MASKED_PHONE])
    summary = _summary_text(ws)
    assert (
        "2 pieces of what looks like personal data (an email address, a phone number...) were "
        "found in the comments: they are masked in this workbook; `selfassess collect` lists "
        "where, so that the returns can be corrected."
    ) in summary
    # Not counted again among the returns' other warnings (there are none).
    assert "warning" not in summary
    everything = json.dumps(
        [
            c.value
            for sheet in openpyxl.load_workbook(ws.findings_xlsx)
            for row in sheet.iter_rows()
            for c in row
        ],
        ensure_ascii=False,
        default=str,
    )
    assert "jo.bloggs" not in everything and "07700 900123" not in everything


@pytest.mark.libreoffice
def test_with_masking_off_comments_are_as_typed_and_still_reported(ws: Workspace) -> None:
    settings = ws.root / "selfassess.toml"
    settings.write_text(
        settings.read_text("utf-8") + "\n[stage1]\nmask_personal_data = false\n", "utf-8"
    )
    ws = Workspace(ws.root)  # settings are read once per workspace object
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("[personal-data]") == 2
    assert sorted(_comments(ws)) == sorted([EMAIL_COMMENT, CLEAN_COMMENT, PHONE_COMMENT])
    summary = _summary_text(ws)
    assert "they are shown as typed (mask_personal_data = false in selfassess.toml)" in summary


@pytest.mark.libreoffice
def test_collect_and_validate_report_the_same_comments(ws: Workspace) -> None:
    """One implementation: validate's rule finds what collect finds, at the same cells."""
    from pipeline.app import collect

    def where(findings: object) -> list[tuple[str, str | None, str | None, str]]:
        return sorted(
            (f.file, f.sheet, f.cell, f.message)
            for f in findings  # type: ignore[attr-defined]
            if f.code == "personal-data"
        )

    collected = where(collect(ws).findings)
    validated = where(validate_workspace(ws).findings)
    assert len(collected) == 2
    assert [f for f in validated if f[0].startswith("inputs/stage1/")] == collected


def test_a_clean_round_says_nothing_about_personal_data(
    tmp_path: Path, blank_checklists: Path
) -> None:
    ws = with_blank_checklists(tmp_path / "clean", blank_checklists)
    fill_checklist(ws, "QS1", "a.xlsx", ASC, {1: 3}, {1: "Call the duty team via the portal"})
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "collect"])
    assert result.exit_code == 0 and "personal-data" not in result.output
    assert "personal data" not in _summary_text(ws)


def test_an_email_in_a_stage2_narrative_is_still_a_validate_warning(tmp_path: Path) -> None:
    """The report is not changed here (an email in "What others say" is printed as typed): the
    warning `validate` and `build` give for it must stay, at its cell, masked."""
    from pipeline.app import generate_summaries
    from pipeline.forms.summary import field_cell
    from tests.factories import VALID, fill_summary, new_workspace

    ws = new_workspace(tmp_path / "stage2")
    generate_summaries(ws)
    values = dict(VALID)
    label = "What do others say about our performance?"
    values[label] = ("Email jo.bloggs@testshire.gov.uk for the survey results.", "")
    fill_summary(ws, "QS1.xlsx", "QS1", values=values)
    found = [f for f in validate_workspace(ws).findings if f.code == "personal-data"]
    assert [(f.file, f.cell, f.field) for f in found] == [
        ("inputs/stage2/QS1.xlsx", field_cell(label), label)
    ]
    assert "j***@testshire.gov.uk" in found[0].message and "jo.bloggs" not in found[0].message
