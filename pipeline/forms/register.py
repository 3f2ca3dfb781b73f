"""The evidence library register workbook (SPEC §9) and its IR items sheet: layout and build."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.identity import LIBRARY, TEMPLATE_KINDS, set_identity
from pipeline.xlsx.write import (
    Style,
    list_validation,
    print_setup,
    protect,
    row_height,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, IRItem


REGISTER_SHEET = "Evidence library"


IR_SHEET = "IR items"


TITLE_ROW, INTRO_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 4


FIRST_ROW = HEADER_ROW + 1


BLANK_ROWS = 200


# The IR items sheet counts register rows down to here (far beyond the pre-formatted ones).
COUNT_LAST_ROW = 2000


YES, NO, NOT_APPLICABLE = "Yes", "No", "Not applicable"


PUBLIC_CHOICES = (YES, NO)


REDACTED_CHOICES = (YES, NO, NOT_APPLICABLE)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    note: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "ID",
        10,
        "A unique ID for each document: EV-001, EV-002 … Stage 2 summaries cite these IDs.",
        ("evidence id", "document id", "ref", "reference", "evidence ref"),
    ),
    Column(
        "title",
        "Title",
        34,
        "The document's title, as the CQC will see it in the report.",
        ("document title", "document", "document name", "evidence title"),
    ),
    Column(
        "link",
        "Link",
        34,
        "A web address the CQC can open (https://…): the council's website or a shared "
        "SharePoint link. Not a file path on your network.",
        ("url", "hyperlink", "web link", "web address", "link to document"),
    ),
    Column(
        "sections",
        "Relevant sections/pages",
        16,
        "Optional: where in the document the CQC should look, e.g. Section 3, pages 12-15. "
        "Printed in Section D.",
        ("relevant sections", "relevant pages", "sections", "pages", "page numbers", "section"),
    ),
    Column(
        "ir_items",
        "IR items",
        12,
        "The information return items this document is for (codes from the 'IR items' sheet), "
        "separated by commas.",
        ("ir item", "ir", "ir code", "ir codes", "cqc ir", "cqc ir item", "cqc ir items"),
    ),
    Column(
        "quality_statements",
        "Quality statements",
        15,
        "Optional: QS codes or names. Left blank, they follow from the IR items.",
        ("quality statement", "qs", "qs codes"),
    ),
    Column(
        "document_type",
        "Document type",
        18,
        "For example Policy and procedures, Performance report, Strategy.",
        ("type", "type of document"),
    ),
    Column(
        "owner",
        "Owner",
        16,
        "The team or post that holds the document.",
        ("document owner", "lead", "responsible officer"),
    ),
    Column(
        "date",
        "Date",
        12,
        "The document's date, e.g. 01/03/2026. The CQC expects the last 12 months (24 for "
        "Safeguarding Adult Reviews).",
        ("document date", "date of document", "date published", "publication date"),
    ),
    Column(
        "review_date",
        "Review or end date",
        14,
        "Strategies, policies, plans: the review or end date, e.g. 31/03/2027. Current until then.",
        ("review date", "end date", "next review", "next review date", "review due", "valid until"),
    ),
    Column(
        "still_current",
        "Why still current (or period covered)",
        24,
        "For a document older than the CQC expects: why it still applies, or the period it "
        "covers. Filled in, the tool no longer warns about its age.",
        (
            "why still current",
            "why it still applies",
            "still current because",
            "period covered",
            "period",
            "currency",
        ),
    ),
    Column(
        "public",
        "Publicly available",
        12,
        "Yes or No.",
        ("public", "publicly available yes no", "published"),
    ),
    Column(
        "redacted",
        "Personal data redacted",
        14,
        "Yes, No, or Not applicable (no personal data in it).",
        ("redacted", "personal data removed"),
    ),
    Column(
        "notes",
        "Notes",
        30,
        "Anything else the information return team needs to know.",
        ("note", "comments", "comment"),
    ),
)


COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def column_letter(key: str) -> str:
    """The column of a register field in the template (``"ir_items"`` -> ``"D"``)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.key for c in COLUMNS].index(key) + 1)


DATE_FORMAT = "DD/MM/YYYY"


def _identity(framework: Framework, template: str) -> dict[str, str]:
    return {
        "framework": framework.version_tag,
        "template": template,
        "template_version": TEMPLATE_KINDS[template].version,
    }


def ir_item_text(item: IRItem) -> str:
    """An IR item's full text as the guidance lays it out: the text, then its detail."""
    lines = [item.text]
    if item.detail is not None:
        if item.detail.text:
            lines.append(item.detail.text)
        lines += [f"• {b}" for b in item.detail.bullets]
    return "\n".join(lines)


def quality_statement_names(framework: Framework, codes: Iterable[str]) -> str:
    """``("QS1",)`` -> ``"Assessing needs"``; ``("ALL",)`` -> ``"All"``."""
    names = []
    for code in codes:
        if code == "ALL":
            return "All"
        try:
            names.append(framework.quality_statement(code).name)
        except KeyError:
            names.append(code)
    return "\n".join(names)


def build_evidence_library(framework: Framework, style: Style) -> Workbook:
    """The blank evidence library register, in memory: the register and the IR items sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    _register_sheet(wb.active, style)
    _ir_items_sheet(wb.create_sheet(IR_SHEET), framework, style)
    set_identity(wb, _identity(framework, LIBRARY.kind))
    wb.properties.title = "Evidence library register"
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb


def _register_sheet(ws: Any, style: Style) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws.title = REGISTER_SHEET
    last = get_column_letter(len(COLUMNS))
    intro = (
        "One row per document in the self-assessment library (Section D of the report). "
        "Add rows below as you need them, and sort or filter freely. The 'IR items' sheet "
        "shows how many documents there are for each information return item. Data should "
        "cover the last 12 months and any personal information must be redacted."
    )
    table_heading(ws, style, "Evidence library register", intro, COLUMNS)

    date_col = column_letter("date")
    centred = Alignment(horizontal="center", vertical="top")
    one_line = Alignment(vertical="top", wrap_text=False)
    for index, column in enumerate(COLUMNS, start=1):
        first = ws.cell(FIRST_ROW, index)
        style.input(first)
        if column.key in ("date", "review_date"):
            first.number_format = DATE_FORMAT
        if column.key in ("date", "review_date", "public", "redacted"):
            first.alignment = centred
        elif column.key == "link":
            first.alignment = one_line  # a long address wrapped is hard to read or copy
        # Copying the finished style is ~50 times faster than styling 2,000 cells one by one.
        for row in range(FIRST_ROW + 1, FIRST_ROW + BLANK_ROWS):
            ws.cell(row, index)._style = copy(first._style)
    review_col = column_letter("review_date")
    # Rows people add below the formatted ones still show dates as dates.
    ws.column_dimensions[date_col].number_format = DATE_FORMAT
    ws.column_dimensions[review_col].number_format = DATE_FORMAT

    end = FIRST_ROW + BLANK_ROWS - 1
    public, redacted = column_letter("public"), column_letter("redacted")
    list_validation(
        ws,
        f"{public}{FIRST_ROW}:{public}{COUNT_LAST_ROW}",
        list(PUBLIC_CHOICES),
        "Publicly available",
        "Yes if anyone can open it on the web; No if it is shared with the CQC only.",
    )
    list_validation(
        ws,
        f"{redacted}{FIRST_ROW}:{redacted}{COUNT_LAST_ROW}",
        list(REDACTED_CHOICES),
        "Personal data redacted",
        "Yes once any personal information has been removed; Not applicable if it has none.",
    )
    _date_validation(ws, f"{date_col}{FIRST_ROW}:{date_col}{COUNT_LAST_ROW}")
    _date_validation(
        ws,
        f"{review_col}{FIRST_ROW}:{review_col}{COUNT_LAST_ROW}",
        "Review or end date",
        "When a strategy, policy or plan is due for review or ends",
    )
    ws.freeze_panes = f"B{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{end}"
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _date_validation(
    ws: Any, cells: str, title: str = "Date", what: str = "The document's date"
) -> None:
    """Dates only (a warning, not a refusal: text like 'March 2026' is read too)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="36526",  # 1 January 2000
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not a date",
        error=f"Type the date, e.g. 01/03/2026 ({what[0].lower() + what[1:]}).",
        showInputMessage=True,
        promptTitle=title,
        prompt=f"{what}, e.g. 01/03/2026.",
    )
    ws.add_data_validation(dv)
    dv.add(cells)


def ir_count_formula(code_ref: str) -> str:
    """Register rows whose IR items cell names the code in ``code_ref`` as a whole code: IR1 is
    not counted for IR10-IR19. Spaces are ignored; commas, semicolons and line breaks separate."""
    col = column_letter("ir_items")
    cells = f"'{REGISTER_SHEET}'!${col}${FIRST_ROW}:${col}${COUNT_LAST_ROW}"
    joined = (
        f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cells}," ",""),";",","),'
        'CHAR(10),","),CHAR(13),",")'
    )
    return f'=SUMPRODUCT(--ISNUMBER(SEARCH(","&{code_ref}&",",","&{joined}&",")))'


IR_FIRST_ROW = 5


IR_WIDTHS = {"A": 8, "B": 70, "C": 24, "D": 26, "E": 14}


def _ir_items_sheet(ws: Any, framework: Framework, style: Style) -> None:
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    for col, width in IR_WIDTHS.items():
        ws.column_dimensions[col].width = width
    style.text(ws["A1"], "Information return (IR) items", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    intro = (
        "The CQC information return items the self-assessment library is aligned to. The last "
        "column counts the documents in the register that name each item (it updates as you "
        "type); items with no document yet are shaded red."
    )
    ws.merge_cells("A2:E2")
    style.text(ws["A2"], intro)
    ws.row_dimensions[2].height = row_height([(intro, sum(IR_WIDTHS.values()))])
    header = IR_FIRST_ROW - 1
    style.header_row(
        ws,
        header,
        ["IR", "Evidence item", "Quality statement", "Document type", "Documents in register"],
    )
    ws.row_dimensions[header].height = 30
    row = IR_FIRST_ROW
    for item in framework.ir_items:
        text = ir_item_text(item)
        qs = quality_statement_names(framework, item.quality_statements)
        types = "\n".join(item.document_types)
        values: list[str] = [item.code, text, qs, types]
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row, index)
            style.text(cell, value, style.bold if index == 1 else None)
            cell.border = style.border
        count = ws.cell(row, 5)
        count.value = ir_count_formula(f"$A{row}")
        count.font = style.bold
        count.alignment = style.wrap_center
        count.border = style.border
        ws.row_dimensions[row].height = row_height(
            [(text, IR_WIDTHS["B"]), (qs, IR_WIDTHS["C"]), (types, IR_WIDTHS["D"])]
        )
        row += 1
    last = row - 1
    gap_fill = PatternFill("solid", fgColor="F8CBAD")
    ws.conditional_formatting.add(
        f"A{IR_FIRST_ROW}:E{last}", FormulaRule(formula=[f"$E{IR_FIRST_ROW}=0"], fill=gap_fill)
    )
    row = last + 2
    style.text(ws.cell(row, 2), "Items with no document yet", style.bold)
    ws.cell(row, 2).alignment = style.wrap
    total = ws.cell(row, 5)
    total.value = f'=COUNTIF(E{IR_FIRST_ROW}:E{last},0)&" of {len(framework.ir_items)}"'
    total.font = style.bold
    total.alignment = style.wrap_center
    ws.freeze_panes = f"A{IR_FIRST_ROW}"
    print_setup(ws, repeat_rows=f"{header}:{header}")
    protect(ws)


def table_heading(ws: Any, style: Style, title: str, intro: str, columns: Sequence[Any]) -> None:
    """A table form's top rows, as the register and the improvement plan have them: the
    columns' widths, the title (TITLE_ROW), the introduction across the table (INTRO_ROW), a
    small note under each column (NOTE_ROW) and the header row (HEADER_ROW). ``columns`` have
    ``header``, ``width`` and ``note``."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    total_width = sum(c.width for c in columns)
    style.text(ws[f"A{TITLE_ROW}"], title, style.title, wrap=False)
    ws.row_dimensions[TITLE_ROW].height = 24
    ws.merge_cells(f"A{INTRO_ROW}:{get_column_letter(len(columns))}{INTRO_ROW}")
    style.text(ws[f"A{INTRO_ROW}"], intro)
    ws.row_dimensions[INTRO_ROW].height = row_height([(intro, total_width)])
    note_font = Font(
        name=style.values["font"], size=style.values["font_size"] - 2, italic=True,
        color=style.values["note_colour"],
    )  # fmt: skip
    for index, column in enumerate(columns, start=1):
        style.text(ws.cell(NOTE_ROW, index), column.note, note_font)
    ws.row_dimensions[NOTE_ROW].height = row_height(
        [(c.note, c.width * 1.15) for c in columns], line_height=12.5
    )
    style.header_row(ws, HEADER_ROW, [c.header for c in columns])
    ws.row_dimensions[HEADER_ROW].height = 30
