"""Stage 2 summaries: generated per SPEC §7, filled as lead officers would, read back by label."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.app import generate_checklists, generate_summaries
from pipeline.forms.checklist import checklist_path
from pipeline.forms.summary import (
    EARLIER_INTROS,
    FIELD_ROWS,
    FIELDS,
    FORM_SHEET,
    GUIDANCE_SHEET,
    TOTAL_CELL,
    field_cell,
    form_texts,
    input_cells,
    summary_title,
)
from pipeline.framework import Framework
from pipeline.model.words import WORD_COUNT_RULE
from pipeline.read.dates import parse_date
from pipeline.read.summaries import match_label, read_summaries
from pipeline.workspace import Workspace
from pipeline.xlsx.identity import IDENTITY_SHEET, read_identity
from pipeline.xlsx.reader import open_workbook
from pipeline.xlsx.write import write_text
from tests.conftest import soffice_convert
from tests.factories import (
    VALID,
    VERIFIED_ON,
    copy_workspace,
    insert_row,
    open_form,
    prepare_summaries_workspace,
    save_to_inputs,
)
from tests.factories import fill_form as fill
from tests.factories import fill_summary as filled
from tests.factories import summary_template as template

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

# The labels people see, and read-back relies on (SPEC §7), top to bottom.
SPEC_LABELS = [
    "Lead officer (name)",
    "Lead officer (post)",
    "What is our ambition?",
    "Strength 1",
    "Strength 2",
    "Strength 3",
    "Area for improvement 1",
    "Area for improvement 2",
    "Area for improvement 3",
    "Priorities to maintain and improve",
    "What do others say about our performance?",
    "Key documents for the evidence library",
    "Verified by (name)",
    "Verified by (post)",
    "Verified on (date)",
    # Not in SPEC §7: the optional self-rating on CQC's scale (issue 14).
    "Self-rating (1 to 4)",
    "Reason for the self-rating",
]

# Text that must come back exactly: markup characters, quotes, emoji, Welsh, line breaks, tabs,
# non-breaking spaces, and a leading "=" that must not become a formula.
TRICKY = (
    "=Our ambition: R&D <team> “quoted” 'single' \"double\" 🙂\n"
    "Cwm Dŵr & Llanfair\tPwllgwyngyll\u00a0— second line\n\nthird   paragraph "
)


def prepare_workspace(folder: Path) -> Path:
    """A new workspace with the nine summaries generated (made once per test module)."""
    root = prepare_summaries_workspace(folder)
    assert sorted(p.name for p in Workspace(root).summaries_dir.iterdir()) == EXPECTED_FILES
    return root


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_workspace(tmp_path_factory.mktemp("prepared"))


@pytest.fixture
def generated(prepared: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of that workspace: summaries generated, nothing returned yet."""
    return copy_workspace(prepared, tmp_path)


def codes(findings: list[Any]) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in findings]


# ---- Generation -----------------------------------------------------------------------------


def test_one_workbook_per_quality_statement_with_its_identity(
    generated: Workspace, framework: Framework
) -> None:
    for qs in framework.quality_statements:
        path = template(generated, qs.code)
        identity = read_identity(open_workbook(path))
        assert identity["template"] == "stage2-summary"
        assert identity["template_version"] == "1"
        assert identity["framework"] == framework.version_tag
        assert identity["quality_statement"] == qs.code
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [GUIDANCE_SHEET, FORM_SHEET, IDENTITY_SHEET]
        assert wb[IDENTITY_SHEET].sheet_state == "hidden"


def test_form_has_the_spec_labels_inputs_counts_and_protection(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    labels = [
        sheet[f"A{row}"].value
        for row in range(1, sheet.max_row + 1)
        if match_label(str(sheet[f"A{row}"].value or ""))
    ]
    assert labels == SPEC_LABELS
    assert [f.label for f in FIELDS] == SPEC_LABELS

    # Only the input cells are unlocked, and the sheets are protected.
    unlocked = {
        c.coordinate
        for row in sheet.iter_rows()
        for c in row
        if not c.protection.locked and type(c).__name__ != "MergedCell"
    }
    assert unlocked == input_cells()[FORM_SHEET]
    assert sheet.protection.sheet and wb[GUIDANCE_SHEET].protection.sheet

    # A live word count beside every Section B field, a running total, red above the limit.
    for f in FIELDS:
        count = sheet[field_cell(f.label, "D")].value
        if f.counted:
            # The words the row prints: its text, and for an entry its number and evidence line.
            assert count.startswith(("=IF(", "=(LEN("))
            assert f"B{FIELD_ROWS[f.label]}" in count and "\u3000" in count
            assert (f"C{FIELD_ROWS[f.label]}" in count) == (f.kind == "entry")
        else:
            assert count is None
    first, _last = FIELD_ROWS["What is our ambition?"], FIELD_ROWS[SPEC_LABELS[10]]
    # The total adds what is printed whatever is typed (heading, we statement, subheadings).
    assert sheet[TOTAL_CELL].value.text.startswith(f"=D{first}+")
    (rule, _status) = [r for cf in sheet.conditional_formatting for r in cf.rules]
    assert rule.formula == ["$D$2>750"]
    assert rule.dxf.fill.fgColor.rgb.endswith("C00000")

    # The date cell shows a date and accepts only dates.
    date_cell = sheet[field_cell("Verified on (date)")]
    assert date_cell.number_format == "dd/mm/yyyy"
    date_rules = [dv for dv in sheet.data_validations.dataValidation if dv.type == "date"]
    assert [str(dv.sqref) for dv in date_rules] == [date_cell.coordinate]

    # Prints on A4, with the title, total and header repeated.
    assert int(sheet.page_setup.paperSize) == 9
    assert sheet.print_title_rows.replace("$", "") == "1:3"
    assert WORD_COUNT_RULE in sheet["A4"].value


def test_the_form_texts_read_back_accepts_are_the_templates_own(
    generated: Workspace, framework: Framework
) -> None:
    qs = framework.quality_statement("QS4")
    form = open_workbook(template(generated, "QS4")).sheets[FORM_SHEET]
    written = {
        (ref.rstrip("0123456789"), form.text(ref))
        for ref, cell in form.cells.items()
        if cell.formula is None and form.text(ref)
    }
    earlier = {("A", intro) for intro in EARLIER_INTROS}  # accepted on forms made before
    assert written == form_texts(summary_title(framework, qs)) - earlier


def test_guidance_has_we_statement_prompts_and_what_the_cqc_looks_for(
    generated: Workspace, framework: Framework
) -> None:
    qs = framework.quality_statement("QS7")
    sheet = openpyxl.load_workbook(template(generated, "QS7"))[GUIDANCE_SHEET]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert qs.we_statement in text
    assert all(prompt in text for prompt in qs.prompts)
    assert all(s in text for s in qs.i_statements)
    assert qs.cqc_looking_for[0].text in text
    assert "Prompts to consider (in no particular order" in text
    assert "No Stage 1 checklist returns had been collected" in text


def test_guidance_carries_the_stage1_findings_when_returns_exist(
    generated: Workspace, framework: Framework
) -> None:
    workspace = generated
    generate_checklists(workspace)
    qs = framework.quality_statement("QS1")
    ratings = {
        # statement -> ratings given by the returns: 1 is a strength, 2 an area for improvement,
        # 3 divergent, 4 an evidence gap ("don't know").
        1: ["4 Strongly agree", "4 Strongly agree", "3 Tend to agree", "4 Strongly agree"],
        2: ["1 Strongly disagree", "2 Tend to disagree", "2 Tend to disagree", "1"],
        3: ["1 Strongly disagree", "4 Strongly agree", "1 Strongly disagree", "4 Strongly agree"],
        4: ["0 Don't know", "0 Don't know", "3 Tend to agree", "0 Don't know"],
    }
    for n in range(4):
        wb = openpyxl.load_workbook(checklist_path(workspace, qs))
        wb["About you"]["B9"] = "Adult social care staff"
        for number, given_ratings in ratings.items():
            wb["Checklist"][f"C{7 + number}"] = given_ratings[n]
            wb["Checklist"][f"D{7 + number}"] = "Audit results"
        (workspace.stage1_inputs / f"return-{n}.xlsx").parent.mkdir(exist_ok=True)
        wb.save(workspace.stage1_inputs / f"return-{n}.xlsx")
    generate_summaries(workspace)
    sheet = openpyxl.load_workbook(template(workspace))[GUIDANCE_SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    text = "\n".join(str(v) for row in rows for v in row if v is not None)
    assert "From 4 returned checklists." in text
    for heading in ("Emerging strengths", "Emerging areas for improvement", "Divergent views"):
        assert heading in text
    assert [1, qs.checklist_statements[0], "100%", "3.8", "0 / 0 / 1 / 3", "0 of 4"] in rows
    assert [2, qs.checklist_statements[1], "0%", "1.5", "2 / 2 / 0 / 0", "0 of 4"] in rows
    assert [3, qs.checklist_statements[2], "50%", "2.5", "2 / 0 / 0 / 2", "0 of 4"] in rows
    assert [4, qs.checklist_statements[3], "100%", "3.0", "0 / 0 / 1 / 0", "3 of 4"] in rows
    # The other quality statements had no returns.
    other = openpyxl.load_workbook(template(workspace, "QS2"))[GUIDANCE_SHEET]
    assert any(
        "No Stage 1 checklist returns" in str(c.value) for row in other.iter_rows() for c in row
    )
    # A summary filled in with those findings in its guidance reads back clean, even once the
    # Stage 1 returns have changed since.
    filled(workspace)
    assert codes(read_summaries(workspace).findings) == []
    shutil.rmtree(workspace.stage1_inputs)
    assert codes(read_summaries(workspace).findings) == []
    # Typed-in text on that guidance can no longer be pinned to a cell: the sheet is reported.
    wb = openpyxl.load_workbook(workspace.stage2_inputs / "QS1 summary - Priya.xlsx")
    wb[GUIDANCE_SHEET]["H3"] = "My notes"
    save_to_inputs(workspace, wb)
    findings = read_summaries(workspace).findings
    assert [(f.code, f.severity, f.sheet) for f in findings] == [
        ("guidance-changed", "warning", GUIDANCE_SHEET)
    ]


def test_a_filled_template_is_kept_unless_forced(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    write_text(sheet[field_cell("What is our ambition?")], "Half-written")
    wb.save(template(generated))
    again = generate_summaries(generated)
    assert [p.name for p in again.kept] == ["QS1-assessing-needs.xlsx"]
    assert len(again.written) == 8
    ambition = field_cell("What is our ambition?")
    assert openpyxl.load_workbook(template(generated))[FORM_SHEET][ambition].value == "Half-written"
    forced = generate_summaries(generated, force=True)
    assert len(forced.written) == 9
    assert openpyxl.load_workbook(template(generated))[FORM_SHEET][ambition].value is None


@pytest.mark.libreoffice
def test_a_summary_with_text_typed_only_beside_the_form_is_kept(
    generated: Workspace, tmp_path: Path
) -> None:
    """Typed outside the yellow cells (then saved by LibreOffice, which also recalculates every
    word count): kept; one only re-saved by LibreOffice is still blank and is written again."""
    path = template(generated)
    wb, sheet = open_form(path)
    write_text(sheet["F3"], "Draft ideas: link to the carers' strategy")
    wb.save(path)
    path.write_bytes(soffice_convert(path, "xlsx", tmp_path / "typed").read_bytes())
    other = generated.summaries_dir / "QS2-supporting-people-to-live-healthier-lives.xlsx"
    other.write_bytes(soffice_convert(other, "xlsx", tmp_path / "resaved").read_bytes())
    again = generate_summaries(generated)
    assert [p.name for p in again.kept] == ["QS1-assessing-needs.xlsx"]
    assert other in again.written


# ---- Read-back ------------------------------------------------------------------------------


def test_a_valid_summary_reads_back_exactly(generated: Workspace) -> None:
    values = dict(VALID)
    values["What is our ambition?"] = (TRICKY, "")
    values["Strength 3"] = ('Ŵyl Dewi: <b>not bold</b> & "fine"', "ev-012; EV-013")
    filled(generated, values=values)
    read = read_summaries(generated)
    assert codes(read.findings) == []
    (s,) = read.summaries
    assert s.file == "inputs/stage2/QS1 summary - Priya.xlsx"
    assert s.quality_statement == "QS1"
    assert s.ambition.value == TRICKY
    assert (s.ambition.at.sheet, s.ambition.at.cell) == (FORM_SHEET, "B11")
    assert s.lead_officer_name.value == "Priya Shah"
    assert [e.label for e in s.strengths] == ["Strength 1", "Strength 2", "Strength 3"]
    assert s.strengths[0].evidence_ids == ["EV-003", "EV-011"]
    assert s.strengths[2].text.value == 'Ŵyl Dewi: <b>not bold</b> & "fine"'
    assert s.strengths[2].evidence_ids == ["ev-012", "EV-013"]  # as typed; compared upper-case
    # Only the rows with something in them: the empty ones are not strengths or improvements.
    assert [e.text.value for e in s.improvements] == ["Occupational therapy waits are too long."]
    assert s.key_document_ids == ["EV-001", "EV-004"]
    assert s.verified_on == VERIFIED_ON
    assert s.verified_on_at is not None and s.verified_on_at.cell == "B33"


_XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11"
        "\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\r\ufffe\uffff",
    ),
    max_size=60,
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_XML_TEXT, ids=_XML_TEXT)
def test_any_text_round_trips(generated: Workspace, text: str, ids: str) -> None:
    """Generate → fill → read back gives the same text, for any text a cell can hold."""
    wb, sheet = open_form(template(generated))
    write_text(sheet[field_cell("Priorities to maintain and improve")], text)
    write_text(sheet[field_cell("Strength 2")], text)
    write_text(sheet[field_cell("Strength 2", "C")], ids)
    save_to_inputs(generated, wb)
    (s,) = read_summaries(generated).summaries
    assert s.priorities.value == text
    entry = {e.label: e for e in s.strengths}.get("Strength 2")
    if text.strip() or ids.strip():
        assert entry is not None
        assert (entry.text.value, entry.evidence.value) == (text, ids)
    else:
        assert entry is None  # an empty row is not a strength


def test_a_strength_4_row_added_after_strength_3_is_read(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    assert field_cell("Strength 3") == "B16"
    write_text(sheet["B16"], "A third strength.")
    insert_row(sheet, 17)
    write_text(sheet["A17"], "Strength 4")
    write_text(sheet["B17"], "A fourth strength.")
    write_text(sheet["C17"], "EV-030")
    save_to_inputs(generated, wb)
    read = read_summaries(generated)
    assert codes(read.findings) == []
    (s,) = read.summaries
    assert [(e.label, e.text.at.cell, e.text.value) for e in s.strengths][2:] == [
        ("Strength 3", "B16", "A third strength."),
        ("Strength 4", "B17", "A fourth strength."),
    ]
    assert s.strengths[3].evidence_ids == ["EV-030"]
    # Everything below moved down one row and is still found by its label.
    assert s.improvements[0].text.at.cell == "B18"
    assert s.verified_on_at is not None and s.verified_on_at.cell == "B34"


def test_labels_are_matched_whatever_their_case_and_spacing() -> None:
    assert match_label("  strength  5 ") is not None
    assert match_label("STRENGTH 5").label == "Strength 5"  # type: ignore[union-attr]
    assert match_label("Areas for improvement 4:").label == "Area for improvement 4"  # type: ignore[union-attr]
    assert match_label("What is our ambition").label == "What is our ambition?"  # type: ignore[union-attr]
    assert match_label("Our ambition") is None


def test_text_typed_outside_the_form_is_reported_where_it_is(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    sheet.protection.sheet = False  # unprotected to type anywhere: still read
    write_text(sheet["H40"], "Note to self: check the waiting list figures")
    assert field_cell("What is our ambition?") == "B11"
    write_text(sheet["E11"], "More ambition here")  # beside a field
    sheet.unmerge_cells("B11:C11")
    write_text(sheet["C11"], "typed into the merged cell")  # unmerged, then typed
    write_text(sheet["B39"], "Below the form")
    assert field_cell("Strength 2") == "B15"
    write_text(sheet["A15"], "Stregnth 2")  # a label misspelt: the row cannot be placed
    save_to_inputs(generated, wb)
    read = read_summaries(generated)
    assert codes(read.findings) == [
        ("ignored-content", "C11"),
        ("ignored-content", "E11"),
        ("ignored-content", "A15"),
        ("ignored-content", "B15"),
        ("ignored-content", "C15"),
        ("ignored-content", "B39"),
        ("ignored-content", "H40"),
    ]
    assert all(f.severity == "error" and f.sheet == FORM_SHEET for f in read.findings)
    by_cell = {f.cell: f.message for f in read.findings}
    assert "Note to self" in by_cell["H40"]
    assert "“Stregnth 2”, which is not one of the form's labels" in by_cell["A15"]
    (s,) = read.summaries
    assert [e.label for e in s.strengths] == ["Strength 1"]  # Strength 3 was left empty


def test_text_typed_on_the_guidance_sheet_or_a_new_sheet_is_reported(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    wb[GUIDANCE_SHEET]["H3"] = "My notes"
    wb.create_sheet("Notes")["B2"] = "Draft wording"
    save_to_inputs(generated, wb)
    findings = read_summaries(generated).findings
    assert [(f.code, f.sheet, f.cell) for f in findings] == [
        ("ignored-content", GUIDANCE_SHEET, "H3"),
        ("ignored-content", "Notes", "B2"),
    ]


def test_pasted_over_word_counts(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    sheet["D11"] = 9  # pasted as a value: still a count
    write_text(sheet["D14"], "about thirty")  # typed over the formula
    sheet[TOTAL_CELL] = "lots"
    save_to_inputs(generated, wb)
    findings = read_summaries(generated).findings
    assert [(f.code, f.severity, f.cell) for f in findings] == [
        ("formula-overwritten", "warning", "D2"),
        ("formula-overwritten", "warning", "D14"),
    ]


def test_a_renamed_form_sheet_is_still_found(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    sheet.title = "QS1 summary"
    save_to_inputs(generated, wb)
    read = read_summaries(generated)
    assert codes(read.findings) == []
    assert read.summaries[0].ambition.at.sheet == "QS1 summary"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (dt.datetime(2026, 12, 4, 0, 0), dt.date(2026, 12, 4)),
        ("04/12/2026", dt.date(2026, 12, 4)),
        ("2026-12-04", dt.date(2026, 12, 4)),
        ("4 December 2026", dt.date(2026, 12, 4)),
        (46360, dt.date(2026, 12, 4)),  # a date whose cell lost its date format
        ("next week", None),
        ("31/02/2026", None),
        (2026, None),
    ],
)
def test_verified_on_dates(typed: Any, expected: dt.date | None) -> None:
    assert parse_date(typed) == expected


def test_a_verified_on_that_is_not_a_date_is_reported(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet, verified_on=None)
    write_text(sheet[field_cell("Verified on (date)")], "4 December 2026")
    save_to_inputs(generated, wb, "a.xlsx")
    wb, sheet = open_form(template(generated, "QS2"))
    fill(sheet, verified_on=None)
    write_text(sheet[field_cell("Verified on (date)")], "when Tom is back")
    save_to_inputs(generated, wb, "b.xlsx")
    read = read_summaries(generated)
    assert [s.verified_on for s in read.summaries] == [dt.date(2026, 12, 4), None]
    assert [(f.file, f.code, f.cell) for f in read.findings] == [
        ("inputs/stage2/b.xlsx", "invalid-date", "B33")
    ]
    assert "“when Tom is back” is not a date" in read.findings[0].message


def test_wrong_and_broken_files_are_reported_and_the_rest_still_read(
    generated: Workspace,
) -> None:
    generate_checklists(generated)
    folder = generated.stage2_inputs / "from lead officers"
    folder.mkdir(parents=True)
    filled(generated, "from lead officers/QS1.xlsx")
    shutil.copy(
        checklist_path(generated, generated.framework.quality_statement("QS1")),
        folder / "checklist.xlsx",
    )
    (folder / "notes.xlsx").write_text("not a workbook")
    (folder / "~$QS1.xlsx").write_bytes(b"lock")  # Excel's lock file: skipped
    (folder / ".~lock.QS1.xlsx#").write_bytes(b"lock")  # LibreOffice's
    shutil.copy(folder / "QS1.xlsx", folder / "QS1_copy.xlsx")  # the same file twice
    wb, sheet = open_form(template(generated))
    fill(sheet)
    write_text(sheet[field_cell("What is our ambition?")], "A later draft.")
    save_to_inputs(generated, wb, "from lead officers/QS1_v2.xlsx")  # a second, different one
    read = read_summaries(generated)
    assert [
        (f.file.removeprefix("inputs/stage2/from lead officers/"), f.code) for f in read.findings
    ] == [
        ("QS1_copy.xlsx", "duplicate-return"),
        ("QS1_v2.xlsx", "duplicate-summary"),
        ("checklist.xlsx", "template-mismatch"),
        ("notes.xlsx", "unreadable-file"),
    ]
    messages = {f.code: f.message for f in read.findings}
    assert messages["template-mismatch"] == (
        "is a Stage 1 checklist, not a Stage 2 summary; put it in inputs/stage1/"
    )
    assert [s.file for s in read.summaries] == ["inputs/stage2/from lead officers/QS1.xlsx"]


def test_a_summary_for_another_framework_version_is_a_mismatch(generated: Workspace) -> None:
    wb, sheet = open_form(template(generated))
    fill(sheet)
    for prop in wb.custom_doc_props.props:
        if prop.name == "selfassess.framework":
            prop.value = "pch-cqc-la@2.0"
    for row in wb[IDENTITY_SHEET].iter_rows():
        if row[0].value == "framework":
            row[1].value = "pch-cqc-la@2.0"
    save_to_inputs(generated, wb)
    (f,) = read_summaries(generated).findings
    assert (f.code, f.severity) == ("template-mismatch", "error")
    assert "was made for framework pch-cqc-la@2.0" in f.message


@pytest.mark.libreoffice
def test_a_summary_saved_again_by_libreoffice_reads_back_the_same(
    generated: Workspace, tmp_path: Path
) -> None:
    values = {**VALID, "What is our ambition?": (TRICKY, "")}
    src = filled(generated, "original.xlsx", values=values)
    resaved = soffice_convert(src, "xlsx", tmp_path / "resaved")
    src.unlink()
    shutil.copy(resaved, generated.stage2_inputs / "resaved.xlsx")
    read = read_summaries(generated)
    assert codes(read.findings) == []
    (s,) = read.summaries
    assert s.ambition.value == TRICKY
    assert s.verified_on == VERIFIED_ON
    assert [e.evidence_ids for e in s.strengths[:2]] == [["EV-003", "EV-011"], ["EV-007"]]
