"""The overview workbook: council details, Section A, Section C and the sign-off table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.forms.register import DATE_FORMAT, _identity
from pipeline.settings import ReportSettings
from pipeline.xlsx.identity import OVERVIEW, set_identity
from pipeline.xlsx.write import (
    Style,
    print_setup,
    protect,
    row_height,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework


OVERVIEW_SHEET = "Overview"


OVERVIEW_WIDTHS = {"A": 32, "B": 26, "C": 14, "D": 50, "E": 52}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    guidance: str


COUNCIL_FIELDS: tuple[Field, ...] = (
    Field("council", "Council name", "As it should appear on the cover of the self-assessment."),
    Field(
        "submission_date",
        "Submission date",
        "The date you will send the self-assessment to the CQC, e.g. 01/03/2026. Evidence "
        "dates are checked against it.",
    ),
    Field("version_label", "Version label", "Shown on the cover, e.g. Draft 2 or Final."),
    Field(
        "logo",
        "Logo file (optional)",
        "A PNG or JPEG picture saved in the workspace's inputs/ folder: type its name, e.g. "
        "logo.png.",
    ),
)


SECTION_A_INTRO = (
    "A short overview and summary (suggested maximum length: four pages) should provide a clear "
    "and compelling overview. It might include the following sub-headings."
)


SECTION_A_FIELDS: tuple[Field, ...] = (
    Field(
        "about_us",
        "About us",
        "This section can set out the key facts relevant to adult social care to frame the "
        "self-assessment. It might include:\n"
        "• demographics, employment, housing, health inequalities\n"
        "• description of the council and corporate plan\n"
        "• health and wellbeing priorities and overview of leadership of place (including "
        "integrated care partnership/integrated care system, the voluntary and community sector "
        "(VCS) and how local people are engaged)\n"
        "• who is approaching/receiving adult social care.",
    ),
    Field(
        "our_strategy",
        "Our strategy for adult social care",
        "This section can provide an overview of the council's adult social care strategy, "
        "with reference to key priorities.\n"
        "This may also cover joint working/partnerships including with health, co-production, "
        "working with care providers, the VCSE and other statutory services such as public "
        "health and housing to the benefit of people with care and support needs.",
    ),
    Field(
        "our_key_strengths",
        "Our key strengths",
        "This section can draw out key strengths identified through the self-assessment.\n"
        "In summarising the key strengths, these can be aligned to the self-assessment themes, "
        "being clear that there is evidence to support these as strengths and where "
        "appropriate, highlighting where these have been achieved through specific improvement "
        "work.",
    ),
    Field(
        "our_key_risks",
        "Our key risks, issues and challenges",
        "This section can draw out areas which are recognised as being the key risks and issues "
        "and what is being done to manage these and support improvement.\n"
        "In summarising these areas, which can be aligned to the self-assessment themes, offer "
        "evidence of what you are doing about these and where possible draw on your track "
        "record of improvement.",
    ),
)


SECTION_C_FIELDS: tuple[Field, ...] = (
    Field(
        "process",
        "Our self-assessment process",
        "The self-assessment document should provide some detail on the processes undertaken, "
        "including any sign off processes and formal endorsement and comments received, for "
        "example from the people in the sign-off table below.",
    ),
)


OVERVIEW_FIELDS = COUNCIL_FIELDS + SECTION_A_FIELDS + SECTION_C_FIELDS


WORDS_LABEL = "Section A words"


SIGN_OFF_HEADERS = ("Role", "Name", "Date", "Endorsement and comments")


SECTION_A_HEIGHT = 300.0


def _word_count(ref: str) -> str:
    """Words in one cell, exactly as the Stage 2 form and ``models.count_words`` count them."""
    from pipeline.model.words import word_count_expression

    return word_count_expression(ref)


def build_overview(
    framework: Framework, style: Style, council: str, *, word_warning: int | None = None
) -> Workbook:
    """The blank overview workbook, in memory: council details, Section A, Section C."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font

    if word_warning is None:
        word_warning = ReportSettings().section_a_word_warning
    wb = Workbook()
    ws = wb.active
    ws.title = OVERVIEW_SHEET
    for col, width in OVERVIEW_WIDTHS.items():
        ws.column_dimensions[col].width = width
    guide_width = OVERVIEW_WIDTHS["E"]

    style.text(ws["A1"], "Self-assessment overview", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    intro = (
        "The council's details, Section A (overview and summary) and Section C (our "
        "self-assessment process and sign off) of the self-assessment report. Type in the "
        "shaded cells; the guidance is on the right. Keep the labels in column A as they are: "
        "the tool finds each part by its label."
    )
    ws.merge_cells("A2:E2")
    style.text(ws["A2"], intro)
    ws.row_dimensions[2].height = row_height([(intro, sum(OVERVIEW_WIDTHS.values()))])
    row = 4

    def heading(text: str) -> None:
        nonlocal row
        style.text(ws.cell(row, 1), text, style.heading, wrap=False)
        ws.row_dimensions[row].height = 20
        row += 1

    def field(f: Field, height: float | None = None, value: Any = None) -> str:
        nonlocal row
        label = ws.cell(row, 1)
        style.text(label, f.label, style.bold)
        label.fill = style.label_fill
        label.border = style.border
        ws.merge_cells(f"B{row}:D{row}")
        for col in "BCD":
            style.input(ws[f"{col}{row}"])
        if value is not None:
            style.text(ws[f"B{row}"], value)
            style.input(ws[f"B{row}"])
        style.text(ws.cell(row, 5), f.guidance, style.note)
        ws.row_dimensions[row].height = height or max(
            20.0, row_height([(f.guidance, guide_width)], line_height=14)
        )
        ref = f"B{row}"
        row += 1
        return ref

    heading("The council")
    for f in COUNCIL_FIELDS:
        ref = field(f, value=council if f.key == "council" else None)
        if f.key == "submission_date":
            ws[ref].number_format = DATE_FORMAT
            ws[ref].alignment = style.wrap
    row += 1

    heading("Section A: Overview and summary")
    ws.merge_cells(f"A{row}:E{row}")
    style.text(ws.cell(row, 1), SECTION_A_INTRO, style.note)
    ws.row_dimensions[row].height = 18
    row += 1
    section_a: list[str] = []
    for f in SECTION_A_FIELDS:
        section_a.append(field(f, height=SECTION_A_HEIGHT))
    words = ws.cell(row, 1)
    style.text(words, WORDS_LABEL, style.bold)
    words.fill = style.label_fill
    words.border = style.border
    count = ws.cell(row, 2)
    count.value = "=" + "+".join(_word_count(ref) for ref in section_a)
    count.font = style.bold
    count.border = style.border
    ws.conditional_formatting.add(
        f"B{row}",
        CellIsRule(
            operator="greaterThan",
            formula=[str(word_warning)],
            font=Font(bold=True, color=style.values["warning_colour"]),
        ),
    )
    note = (
        f"About four pages: keep Section A within about {word_warning:,} words "
        "(the count turns red above that)."
    )
    ws.merge_cells(f"C{row}:E{row}")
    style.text(ws.cell(row, 3), note, style.note)
    ws.row_dimensions[row].height = 20
    row += 2

    heading("Section C: Our self-assessment process and sign off")
    for f in SECTION_C_FIELDS:
        field(f, height=200)
    row += 1
    style.text(ws.cell(row, 1), "Sign off", style.heading, wrap=False)
    sign_note = (
        "Formal endorsement and comments received. Add a row for anyone else who signed off."
    )
    ws.merge_cells(f"B{row}:E{row}")
    style.text(ws.cell(row, 2), sign_note, style.note)
    ws.row_dimensions[row].height = 20
    row += 1
    style.header_row(ws, row, list(SIGN_OFF_HEADERS))
    ws.row_dimensions[row].height = 20
    row += 1
    for role in framework.sign_off_roles:
        label = ws.cell(row, 1)
        style.text(label, role, style.bold)
        label.fill = style.label_fill
        label.border = style.border
        for col in "BCD":
            style.input(ws[f"{col}{row}"])
        ws[f"C{row}"].number_format = DATE_FORMAT
        ws.row_dimensions[row].height = max(45.0, row_height([(role, OVERVIEW_WIDTHS["A"])]))
        row += 1
    print_setup(ws)
    protect(ws)
    ws.protection.insertRows = False  # people may add sign-off rows
    set_identity(wb, _identity(framework, OVERVIEW.kind))
    wb.properties.title = "Self-assessment overview"
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb
