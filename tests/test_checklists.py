"""Stage 1 checklists: generated per SPEC §5, filled as a person would, round-tripped."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline.app import generate_checklists
from pipeline.forms.checklist import (
    CHECKLIST_SHEET,
    FIRST_STATEMENT_ROW,
    GROUP_CELL,
    GUIDANCE_SHEET,
    NAME_CELL,
    RESPONDENT_SHEET,
    WORKSHOP_CELL,
    ChecklistLayout,
    checklist_path,
)
from pipeline.framework import Framework
from pipeline.workspace import Workspace
from pipeline.xlsx.identity import IDENTITY_SHEET, read_identity
from pipeline.xlsx.reader import open_workbook
from tests.conftest import soffice_convert

EXPECTED_FILES = [
    "QS1-assessing-needs.xlsx",
    "QS2-supporting-people-to-live-healthier-lives.xlsx",
    "QS3-equity-in-experience-and-outcomes.xlsx",
    "QS4-care-provision-integration-and-continuity.xlsx",
    "QS5-partnerships-and-communities.xlsx",
    "QS6-safe-systems-pathways-and-transitions.xlsx",
    "QS7-safeguarding.xlsx",
    "QS8-governance-management-and-sustainability.xlsx",
    "QS9-learning-improvement-and-innovation.xlsx",
]


@pytest.fixture
def generated(workspace: Workspace) -> Workspace:
    result = generate_checklists(workspace)
    assert [p.name for p in result.written] == EXPECTED_FILES
    assert result.kept == []
    return workspace


def _identity_from_openpyxl(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The identity as read independently of our reader: (custom properties, hidden sheet)."""
    wb = openpyxl.load_workbook(path)
    props = {
        p.name.removeprefix("selfassess."): p.value
        for p in wb.custom_doc_props.props
        if p.name.startswith("selfassess.")
    }
    sheet = wb[IDENTITY_SHEET]
    rows = {str(k): str(v) for k, v in sheet.iter_rows(min_row=2, values_only=True) if k}
    return props, rows


def test_one_workbook_per_quality_statement_with_its_identity(
    generated: Workspace, framework: Framework
) -> None:
    for qs in framework.quality_statements:
        path = checklist_path(generated, qs)
        props, rows = _identity_from_openpyxl(path)
        assert props == rows
        assert props["quality_statement"] == qs.code
        assert props["template"] == "stage1-checklist"
        assert props["framework"] == framework.version_tag
        assert props["statements"] == str(len(qs.checklist_statements))
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [RESPONDENT_SHEET, CHECKLIST_SHEET, GUIDANCE_SHEET, IDENTITY_SHEET]
        assert wb[IDENTITY_SHEET].sheet_state == "hidden"


def test_checklist_rows_dropdowns_and_protection(
    generated: Workspace, framework: Framework
) -> None:
    qs = framework.quality_statement("QS7")
    wb = openpyxl.load_workbook(checklist_path(generated, qs))
    sheet = wb[CHECKLIST_SHEET]
    layout = ChecklistLayout(len(qs.checklist_statements))
    statements = [sheet[f"B{row}"].value for row in layout.statement_rows]
    assert statements == list(qs.checklist_statements)
    assert sheet[f"B{FIRST_STATEMENT_ROW + 15}"].value is None  # 15 statements, no more

    (rating_dv,) = sheet.data_validations.dataValidation
    assert rating_dv.formula1 == (
        '"1 Strongly disagree,2 Tend to disagree,3 Tend to agree,4 Strongly agree,0 Don\'t know"'
    )
    assert str(rating_dv.sqref) == f"C{FIRST_STATEMENT_ROW}:C{FIRST_STATEMENT_ROW + 14}"
    group_dv, workshop_dv = wb[RESPONDENT_SHEET].data_validations.dataValidation
    assert group_dv.formula1.strip('"').split(",") == list(framework.respondent_groups)
    assert "Healthwatch" in framework.respondent_groups
    assert str(group_dv.sqref) == GROUP_CELL
    assert workshop_dv.formula1 == '"Yes,No"' and str(workshop_dv.sqref) == WORKSHOP_CELL

    # Only the cells people fill are unlocked, and every sheet is protected.
    for name, inputs in layout.input_cells.items():
        ws = wb[name]
        assert ws.protection.sheet
        unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
        assert unlocked == inputs, name
    assert wb[GUIDANCE_SHEET].protection.sheet
    # The evidence header is the guidance's question, to the right of the rating.
    assert sheet["D7"].value.startswith("Why? What evidence do you have")


def test_prints_on_a4_landscape_with_repeated_header(
    generated: Workspace, framework: Framework
) -> None:
    wb = openpyxl.load_workbook(checklist_path(generated, framework.quality_statements[0]))
    for name in (RESPONDENT_SHEET, CHECKLIST_SHEET, GUIDANCE_SHEET):
        setup = wb[name].page_setup
        assert setup.orientation == "landscape"
        assert int(setup.paperSize) == 9  # A4
    assert wb[CHECKLIST_SHEET].print_title_rows.replace("$", "") == "7:7"
    assert wb[CHECKLIST_SHEET]["B8"].alignment.wrap_text


def test_guidance_sheet_has_what_the_cqc_looks_for_and_the_data_pack(
    generated: Workspace, framework: Framework
) -> None:
    qs = framework.quality_statement("QS3")
    sheet = openpyxl.load_workbook(checklist_path(generated, qs))[GUIDANCE_SHEET]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "What the CQC will be looking for" in texts
    assert any(qs.cqc_looking_for[0].text in t for t in texts)
    links = [c.hyperlink.target for row in sheet.iter_rows() for c in row if c.hyperlink]
    assert links == [framework.framework.data_pack_url]
    assert "0 Don't know" in texts


def _fill(path: Path, group: str, ratings: dict[int, object], evidence: dict[int, str]) -> None:
    """Fill a checklist the way a person would in a spreadsheet program."""
    wb = openpyxl.load_workbook(path)
    wb[RESPONDENT_SHEET][GROUP_CELL] = group
    wb[RESPONDENT_SHEET][NAME_CELL] = "Siân Llŷr"
    sheet = wb[CHECKLIST_SHEET]
    for number, rating in ratings.items():
        sheet[f"C{FIRST_STATEMENT_ROW + number - 1}"] = rating
    for number, text in evidence.items():
        sheet[f"D{FIRST_STATEMENT_ROW + number - 1}"] = text
    wb.save(path)


@pytest.mark.libreoffice
def test_filled_checklist_survives_a_libreoffice_resave(
    generated: Workspace, framework: Framework, tmp_path: Path
) -> None:
    qs = framework.quality_statement("QS1")
    path = checklist_path(generated, qs)
    evidence = "Audit 2026: 78% good or better & rising <see R&D>\nSecond line 🙂"
    _fill(path, "Unpaid carer", {1: "3 Tend to agree", 2: "0 Don't know"}, {1: evidence})

    resaved = soffice_convert(path, "xlsx", tmp_path / "resaved")

    wb = open_workbook(resaved)
    identity = read_identity(wb)
    assert identity["quality_statement"] == "QS1"
    assert identity["template"] == "stage1-checklist"
    props, rows = _identity_from_openpyxl(resaved)
    assert props == rows, "both identity places must survive a LibreOffice re-save and agree"
    sheet = wb.sheets[CHECKLIST_SHEET]
    assert sheet.text(f"C{FIRST_STATEMENT_ROW}") == "3 Tend to agree"
    assert sheet.text(f"C{FIRST_STATEMENT_ROW + 1}") == "0 Don't know"
    assert sheet.text(f"D{FIRST_STATEMENT_ROW}") == evidence
    assert wb.sheets[RESPONDENT_SHEET].text(GROUP_CELL) == "Unpaid carer"
    assert wb.sheets[CHECKLIST_SHEET].protected


def test_a_filled_checklist_is_never_overwritten_without_force(
    generated: Workspace, framework: Framework
) -> None:
    qs = framework.quality_statement("QS2")
    path = checklist_path(generated, qs)
    _fill(path, "Health partner", {3: "4 Strongly agree"}, {})
    filled = path.read_bytes()

    again = generate_checklists(generated)
    assert again.kept == [path]
    assert len(again.written) == 8
    assert path.read_bytes() == filled

    forced = generate_checklists(generated, force=True)
    assert path in forced.written
    assert path.read_bytes() != filled


def test_council_can_restyle_through_the_style_file(workspace: Workspace) -> None:
    own = workspace.root / "templates" / "xlsx" / "style.toml"
    own.parent.mkdir(parents=True)
    own.write_text('font = "Verdana"\nheader_fill = "006400"\n', "utf-8")
    generate_checklists(workspace)
    wb = openpyxl.load_workbook(workspace.checklists_dir / EXPECTED_FILES[0])
    header = wb[CHECKLIST_SHEET]["B7"]
    assert header.font.name == "Verdana"
    assert header.fill.fgColor.rgb.endswith("006400")


def test_council_name_is_in_the_page_header_not_in_a_cell(
    generated: Workspace, framework: Framework
) -> None:
    wb = openpyxl.load_workbook(checklist_path(generated, framework.quality_statements[0]))
    assert wb[RESPONDENT_SHEET].oddHeader.left.text == "Testshire Council"
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not any("Testshire" in str(t) for t in texts)


def _resave_in_libreoffice(path: Path, tmp: Path) -> None:
    out = soffice_convert(path, "xlsx", tmp / f"lo-{path.stem}")
    path.write_bytes(out.read_bytes())


@pytest.mark.libreoffice
def test_text_typed_outside_the_input_cells_counts_as_filled(
    generated: Workspace, framework: Framework, tmp_path: Path
) -> None:
    """A note typed beside the form (not in a yellow cell) is typing too: generate keeps the
    workbook; one only opened and saved again in a spreadsheet program is still blank."""
    noted = checklist_path(generated, framework.quality_statement("QS3"))
    wb = openpyxl.load_workbook(noted)
    wb[CHECKLIST_SHEET]["H2"] = "Ask me about statement 4 - I really mean 2"
    wb.save(noted)
    _resave_in_libreoffice(noted, tmp_path)
    resaved = checklist_path(generated, framework.quality_statement("QS4"))
    _resave_in_libreoffice(resaved, tmp_path)
    guidance = checklist_path(generated, framework.quality_statement("QS5"))
    wb = openpyxl.load_workbook(guidance)
    wb[GUIDANCE_SHEET]["A1"] = "Our own title"
    wb.save(guidance)
    typed = {p: p.read_bytes() for p in (noted, guidance)}

    again = generate_checklists(generated)
    assert sorted(again.kept) == sorted([noted, guidance])
    assert resaved in again.written
    assert all(p.read_bytes() == data for p, data in typed.items())
    assert sorted(generate_checklists(generated, force=True).written) == sorted(
        again.written + again.kept
    )
