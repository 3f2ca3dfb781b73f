"""The evidence library register and the overview workbook (SPEC §9): blank ones for ``init``,
and the read-back of what councils give back.

The register is read by its header row, not by fixed columns, so that a council can paste in the
register it already keeps: a sheet with the headings ID and Title (plus any of the others, in
any order, under common alternative names) is read even without the template identity; its
rows above the headings are taken as a title. Rows are read to the end of the sheet, however
many people add; a row with only an ID (numbered in advance) is not a document yet. The register
sheet is not protected: the information return team sorts, filters, inserts and pastes rows.

The overview is read by its labels in column A, so inserted rows do not matter; sign-off rows are
the rows under the Role | Name | Date heading, including rows people add.

Whatever a person typed that has no place (another column, a visible extra sheet, beside the
form) is reported as ``ignored-content``. A workbook with the identity of another template is a
``template-mismatch``; a different framework version is accepted, because both workbooks hold
the council's own data and are checked against the current framework anyway.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.findings import Finding, error
from pipeline.generated import cache_dir
from pipeline.models import EvidenceItem, EvidenceLibrary, Located, Overview, SignOff, Text
from pipeline.settings import ReportSettings
from pipeline.xlsx import (
    IDENTITY_SHEET,
    Style,
    atomic_path,
    list_validation,
    print_setup,
    protect,
    row_height,
    set_identity,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework, IRItem
    from pipeline.readback import CellValue, ReadWorkbook, Sheet
    from pipeline.workspace import Workspace

LIBRARY_TEMPLATE = "evidence-library"
OVERVIEW_TEMPLATE = "overview"
TEMPLATE_VERSION = "1"

# ---- The register's layout ----------------------------------------------------------------

REGISTER_SHEET = "Evidence library"
IR_SHEET = "IR items"
TITLE_ROW, INTRO_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_ROW = HEADER_ROW + 1
BLANK_ROWS = 200
# The IR items sheet counts register rows down to here (far beyond the pre-formatted ones).
COUNT_LAST_ROW = 2000
# Pasted registers may have a title or notes above their headings: look this far down for them.
HEADER_SEARCH_ROWS = 30

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


# ---- The overview's layout ----------------------------------------------------------------

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
DATE_FORMAT = "DD/MM/YYYY"


# ---- Shared helpers: identity, labels, values ---------------------------------------------


def _identity(framework: Framework, template: str) -> dict[str, str]:
    return {
        "framework": framework.version_tag,
        "template": template,
        "template_version": TEMPLATE_VERSION,
    }


def normalise_label(text: str) -> str:
    """``'Publicly available? (Yes/No)'`` -> ``'publicly available'``: how labels are compared."""
    text = re.sub(r"\([^)]*\)", " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


_HEADER_KEYS: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.header, *_c.aliases):
        _HEADER_KEYS.setdefault(normalise_label(_name), _c.key)


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


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?")
_UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")
_WORDY_DATE = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?,?\s+(\d{4})")


def parse_date(value: Any) -> dt.date | None:
    """A date from a date cell or from text people type: ``2026-03-01``, ``01/03/2026``
    (day first, as in the UK), ``1 March 2026`` or ``March 2026`` (the 1st). None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().casefold().split())
    try:
        if m := _ISO_DATE.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _UK_DATE.fullmatch(text):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[2]), int(m[1]))
        if (m := _WORDY_DATE.fullmatch(text)) and m[2] in _MONTHS:
            return dt.date(int(m[3]), _MONTHS[m[2]], int(m[1] or 1))
    except ValueError:
        return None
    return None


def _choice(text: str, choices: tuple[str, ...]) -> str:
    """``'y'`` -> ``'Yes'``, ``'N/A'`` -> ``'Not applicable'``; anything else as typed."""
    key = normalise_label(text)
    synonyms = {
        "yes": YES,
        "y": YES,
        "true": YES,
        "no": NO,
        "n": NO,
        "false": NO,
        "not applicable": NOT_APPLICABLE,
        "n a": NOT_APPLICABLE,
        "na": NOT_APPLICABLE,
    }
    found = synonyms.get(key)
    return found if found in choices else text.strip()


_IR_TOKEN = re.compile(r"IR\s*-?\s*(\d+)", re.IGNORECASE)


def parse_ir_items(text: str) -> tuple[str, ...]:
    """``'IR5, ir 6;IR7'`` -> ``('IR5', 'IR6', 'IR7')``. Pieces that are not an IR code are kept
    as typed, so that the ``unknown-ir-item`` rule can point at them."""
    out: list[str] = []
    for piece in re.split(r"[,;/\n\r\t&+]+|\s+and\s+", text):
        piece = piece.strip()
        if not piece:
            continue
        codes = _IR_TOKEN.findall(piece)
        if codes and not _IR_TOKEN.sub("", piece).strip():
            out += [f"IR{c}" for c in codes]
        else:
            out.append(piece)
    return tuple(dict.fromkeys(out))


def parse_quality_statements(text: str, framework: Framework) -> tuple[str, ...]:
    """``'QS1; Safeguarding'`` -> ``('QS1', 'QS7')``; ``'All'`` -> ``('ALL',)``. A theme's name
    stands for its quality statements; anything else is kept as typed."""
    names: dict[str, tuple[str, ...]] = {
        normalise_label(qs.name): (qs.code,) for qs in framework.quality_statements
    }
    for theme in framework.themes:
        names.setdefault(
            normalise_label(theme.name), tuple(qs.code for qs in theme.quality_statements)
        )
    out: list[str] = []
    for piece in re.split(r"[,;\n\r\t]+", text):
        piece = piece.strip()
        if not piece:
            continue
        key = normalise_label(piece)
        if m := re.fullmatch(r"qs\s*(\d+)", key):
            out.append(f"QS{int(m[1])}")
        elif key in ("all", "all themes", "all quality statements"):
            out.append("ALL")
        elif key in names:
            out += names[key]
        else:
            out.append(piece)
    return ("ALL",) if "ALL" in out else tuple(dict.fromkeys(out))


def derived_quality_statements(framework: Framework, ir_items: Iterable[str]) -> tuple[str, ...]:
    """The quality statements of a document's (known) IR items, in framework order."""
    codes: set[str] = set()
    known = {item.code: item for item in framework.ir_items}
    for code in ir_items:
        if code in known:
            codes.update(known[code].quality_statements)
    if "ALL" in codes:
        return ("ALL",)
    return tuple(qs.code for qs in framework.quality_statements if qs.code in codes)


# ---- Building the blank workbooks ---------------------------------------------------------


def create_blank_inputs(ws: Workspace, council: str) -> list[Path]:
    """Write blank ``inputs/evidence-library.xlsx`` and ``inputs/overview.xlsx``; a file that
    already exists is never touched. Returns the files written."""
    style = Style.load(ws.template("xlsx/style.toml"))
    style_key = tuple(sorted(style.values.items()))
    word_warning = ws.settings.report.section_a_word_warning
    written: list[Path] = []
    for path, template in (
        (ws.evidence_library, LIBRARY_TEMPLATE),
        (ws.overview, OVERVIEW_TEMPLATE),
    ):
        if path.exists():
            continue
        data = _blank_workbook(template, ws.framework, style_key, council, word_warning)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        written.append(path)
    return written


@lru_cache(maxsize=8)
def _blank_workbook(
    template: str,
    framework: Framework,
    style_key: tuple[tuple[str, Any], ...],
    council: str,
    word_warning: int,
) -> bytes:
    """A blank workbook's bytes, built once per process for the same framework, style and
    council (the register's 2,000 styled cells take a while; tests run init hundreds of times)."""
    import io

    style = Style(dict(style_key))
    if template == LIBRARY_TEMPLATE:
        wb = build_evidence_library(framework, style)
    else:
        wb = build_overview(framework, style, council, word_warning=word_warning)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_evidence_library(framework: Framework, style: Style) -> Workbook:
    """The blank evidence library register, in memory: the register and the IR items sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    _register_sheet(wb.active, style)
    _ir_items_sheet(wb.create_sheet(IR_SHEET), framework, style)
    set_identity(wb, _identity(framework, LIBRARY_TEMPLATE))
    wb.properties.title = "Evidence library register"
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb


def _register_sheet(ws: Any, style: Style) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.title = REGISTER_SHEET
    last = get_column_letter(len(COLUMNS))
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    total_width = sum(c.width for c in COLUMNS)

    style.text(ws[f"A{TITLE_ROW}"], "Evidence library register", style.title, wrap=False)
    ws.row_dimensions[TITLE_ROW].height = 24
    intro = (
        "One row per document in the self-assessment library (Section D of the report). "
        "Add rows below as you need them, and sort or filter freely. The 'IR items' sheet "
        "shows how many documents there are for each information return item. Data should "
        "cover the last 12 months and any personal information must be redacted."
    )
    ws.merge_cells(f"A{INTRO_ROW}:{last}{INTRO_ROW}")
    style.text(ws[f"A{INTRO_ROW}"], intro)
    ws.row_dimensions[INTRO_ROW].height = row_height([(intro, total_width)])
    note_font = Font(
        name=style.values["font"], size=style.values["font_size"] - 2, italic=True,
        color=style.values["note_colour"],
    )  # fmt: skip
    for index, column in enumerate(COLUMNS, start=1):
        style.text(ws.cell(NOTE_ROW, index), column.note, note_font)
    ws.row_dimensions[NOTE_ROW].height = row_height(
        [(c.note, c.width * 1.15) for c in COLUMNS], line_height=12.5
    )
    style.header_row(ws, HEADER_ROW, [c.header for c in COLUMNS])
    ws.row_dimensions[HEADER_ROW].height = 30

    date_col = column_letter("date")
    centred = Alignment(horizontal="center", vertical="top")
    one_line = Alignment(vertical="top", wrap_text=False)
    for index, column in enumerate(COLUMNS, start=1):
        first = ws.cell(FIRST_ROW, index)
        style.input(first)
        if column.key == "date":
            first.number_format = DATE_FORMAT
        if column.key in ("date", "public", "redacted"):
            first.alignment = centred
        elif column.key == "link":
            first.alignment = one_line  # a long address wrapped is hard to read or copy
        # Copying the finished style is ~50 times faster than styling 2,000 cells one by one.
        for row in range(FIRST_ROW + 1, FIRST_ROW + BLANK_ROWS):
            ws.cell(row, index)._style = copy(first._style)
    # Rows people add below the formatted ones still show dates as dates.
    ws.column_dimensions[date_col].number_format = DATE_FORMAT

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
    ws.freeze_panes = f"B{FIRST_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{end}"
    print_setup(ws, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    # Not protected: the information return team sorts, filters, inserts and pastes rows.


def _date_validation(ws: Any, cells: str) -> None:
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
        error="Type the document's date, e.g. 01/03/2026.",
        showInputMessage=True,
        promptTitle="Date",
        prompt="The document's date, e.g. 01/03/2026.",
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


def _word_count(ref: str) -> str:
    """Words in one cell, exactly as the Stage 2 form and ``models.count_words`` count them."""
    from pipeline.summaries import word_count_expression

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
    set_identity(wb, _identity(framework, OVERVIEW_TEMPLATE))
    wb.properties.title = "Self-assessment overview"
    wb.properties.creator = "selfassess"
    wb.active = 0
    return wb


# ---- Reading back -------------------------------------------------------------------------


class RegisterItem(EvidenceItem):
    """An evidence item as read from the register, with the cell of each field it came from.

    (``cells`` maps field names such as ``"link"`` to cell references, so that rules can point
    at the exact cell even in a pasted register whose columns are in another order.)
    """

    cells: tuple[tuple[str, str], ...] = ()
    typed_date: str = ""


class ReadSignOff(SignOff):
    """A sign-off row as read, with the date as typed (when it could not be read as one)."""

    typed_date: str = ""


class ReadOverview(Overview):
    """The overview as read, with the submission date as typed."""

    typed_submission_date: str = ""


def cell_of(item: EvidenceItem, key: str) -> str | None:
    """The cell a register field was read from (the item's own cell when not known)."""
    for name, ref in getattr(item, "cells", ()):
        if name == key:
            return str(ref)
    return item.at.cell


def _open(
    ws: Workspace, path: Path, template: str, what: str
) -> tuple[ReadWorkbook | None, bool, list[Finding]]:
    """The workbook, whether it carries our identity, and any finding that stops reading it."""
    from pipeline.readback import WorkbookRejected, identity_places, open_workbook, read_identity

    file = ws.relative(path)
    if not path.is_file():
        return (
            None,
            False,
            [
                error(
                    "missing-file",
                    file,
                    f"The {what} is missing. Put it back as {file} (a blank one is made by "
                    "'selfassess init' in a new folder).",
                )
            ],
        )
    try:
        wb = open_workbook(path, ws.settings.limits)
        if not identity_places(wb):
            return wb, False, []
        identity = read_identity(wb)
    except WorkbookRejected as e:
        return None, False, [e.finding(file)]
    if identity.get("template") != template:
        found = identity.get("template") or "unknown"
        return (
            None,
            False,
            [
                error(
                    "template-mismatch",
                    file,
                    f"is a '{found}' workbook, not the {what}. Put the {what} here, and the "
                    "other workbook where it belongs.",
                )
            ],
        )
    return wb, True, []


@lru_cache(maxsize=8)
def _template_texts(
    framework: Framework, template: str, cache: Path | None = None
) -> dict[str, frozenset[str]]:
    """The texts of a blank workbook, by sheet, as read-back sees them: what people did not type.

    Compared as sets of texts, not cell by cell, so that inserted rows do not matter. Kept in
    ``cache`` between runs (see :func:`pipeline.generated.cached_expected_cells`)."""
    from pipeline.generated import cached_expected_cells, framework_digest
    from pipeline.resources import template_path

    def build() -> Workbook:
        # The texts do not depend on the style or the council.
        style = Style.load(template_path("xlsx/style.toml"))
        if template == LIBRARY_TEMPLATE:
            return build_evidence_library(framework, style)
        return build_overview(framework, style, "")

    key = [framework_digest(framework), template, TEMPLATE_VERSION]
    cells = cached_expected_cells(cache, template, key, build)
    return {name: frozenset(texts.values()) for name, texts in cells.items()}


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ignored(file: str, sheet: str, ref: str, text: str, why: str) -> Finding:
    return error(
        "ignored-content",
        file,
        f"Text {why} is not read: “{_excerpt(text)}”. Move it into the right cell, or delete it.",
        sheet=sheet,
        cell=ref,
    )


def _other_sheets(wb: ReadWorkbook, known: set[str], file: str) -> list[Finding]:
    """One ``ignored-content`` finding for each extra sheet that holds anything."""
    found: list[Finding] = []
    for name, sheet in wb.sheets.items():
        if name in known or name == IDENTITY_SHEET or sheet.state != "visible":
            continue  # hidden sheets hold lists for dropdowns, not what people type
        filled = [ref for ref in sheet.cells if sheet.text(ref).strip()]
        if not filled:
            continue
        first = next(ref for _row, cells in sheet.rows() for ref, _c in cells if ref in filled)
        found.append(
            error(
                "ignored-content",
                file,
                f"The sheet '{name}' is not read ({len(filled)} cells with text, from "
                f"“{_excerpt(sheet.text(first))}”). Move what matters into the "
                "register or notes, or delete the sheet.",
                sheet=name,
                cell=first,
            )
        )
    return found


def _find_header(sheet: Sheet) -> tuple[int, dict[int, str]] | None:
    """The register's header row and its columns (column number -> field key), if any."""
    from pipeline.readback import split_ref

    for row, cells in sheet.rows():
        if row > HEADER_SEARCH_ROWS:
            break
        columns: dict[int, str] = {}
        for ref, _cell in cells:
            key = _HEADER_KEYS.get(normalise_label(sheet.text(ref)))
            if key is not None and key not in columns.values():
                columns[split_ref(ref)[1]] = key
        if {"id", "title"} <= set(columns.values()):
            return row, columns
    return None


def read_library(ws: Workspace) -> tuple[EvidenceLibrary | None, list[Finding]]:
    """The evidence library register as typed, and what reading it found (SPEC §9)."""
    path = ws.evidence_library
    file = ws.relative(path)
    wb, ours, found = _open(ws, path, LIBRARY_TEMPLATE, "evidence library register")
    if wb is None:
        return None, found
    candidates = sorted(wb.sheets.values(), key=lambda s: (s.name != REGISTER_SHEET,))
    for sheet in candidates:
        if sheet.name == IDENTITY_SHEET or (not ours and sheet.state != "visible"):
            continue
        header = _find_header(sheet)
        if header is not None:
            break
    else:
        headings = ", ".join(c.header for c in COLUMNS)
        return None, [
            error(
                "template-mismatch",
                file,
                "has no row of column headings with at least ID and Title, so it cannot be read "
                f"as the evidence library register. Use the headings {headings}.",
            )
        ]
    header_row, columns = header
    template = _template_texts(ws.framework, LIBRARY_TEMPLATE, cache_dir(ws))
    findings: list[Finding] = []
    if ours:
        findings += _unplaced_above(sheet, header_row, template.get(sheet.name, frozenset()), file)
        if IR_SHEET in wb.sheets:
            findings += _unplaced_ir_sheet(
                wb.sheets[IR_SHEET], template.get(IR_SHEET, frozenset()), file
            )
    findings += _other_sheets(wb, {sheet.name, IR_SHEET} if ours else {sheet.name}, file)
    items, row_findings = _read_rows(ws.framework, sheet, header_row, columns, file)
    return EvidenceLibrary(file=file, items=tuple(items)), findings + row_findings


def _unplaced_above(
    sheet: Sheet, header_row: int, template: frozenset[str], file: str
) -> list[Finding]:
    """Text typed above the headings of our own register (its title and notes are fine)."""
    found = []
    for row, cells in sheet.rows():
        if row >= header_row:
            break
        for ref, _cell in cells:
            text = sheet.text(ref)
            if text.strip() and text not in template:
                found.append(_ignored(file, sheet.name, ref, text, "above the column headings"))
    return found


def _unplaced_ir_sheet(sheet: Sheet, template: frozenset[str], file: str) -> list[Finding]:
    """The IR items sheet is the tool's own: anything typed on it would be lost."""
    found = []
    for ref, cell in sheet.cells.items():
        if cell.formula is not None:
            continue
        text = sheet.text(ref)
        if text.strip() and text not in template:
            found.append(_ignored(file, sheet.name, ref, text, f"on the '{sheet.name}' sheet"))
    return found


def _read_rows(
    framework: Framework, sheet: Sheet, header_row: int, columns: dict[int, str], file: str
) -> tuple[list[EvidenceItem], list[Finding]]:
    from pipeline.readback import column_letters, split_ref

    items: list[EvidenceItem] = []
    findings: list[Finding] = []
    letters = {key: column_letters(col) for col, key in columns.items()}
    unknown: dict[int, list[str]] = {}
    for row, cells in sheet.rows():
        if row <= header_row:
            continue
        values: dict[str, CellValue] = {}
        for ref, cell in cells:
            col = split_ref(ref)[1]
            if col in columns:
                values[columns[col]] = cell
            elif sheet.text(ref).strip():
                unknown.setdefault(col, []).append(ref)
        refs = {key: f"{letter}{row}" for key, letter in letters.items()}
        texts = {key: sheet.text(refs[key]) for key in values}
        # Blank rows, and IDs numbered in advance with nothing else yet, are not documents.
        if not any(t.strip() for key, t in texts.items() if key != "id"):
            continue
        item, problems = _read_row(framework, values, texts, refs, row, sheet.name, file)
        findings += problems
        if item is not None:
            items.append(item)
    for col, refs_in_col in sorted(unknown.items()):
        heading = sheet.text(f"{column_letters(col)}{header_row}").strip()
        name = f"column {column_letters(col)}" + (f" (‘{heading}’)" if heading else "")
        first = refs_in_col[0]
        findings.append(
            error(
                "ignored-content",
                file,
                f"Text in {name} is not read: {len(refs_in_col)} cells, from "
                f"“{_excerpt(sheet.text(first))}”. The register's columns are "
                f"{', '.join(c.header for c in COLUMNS)}: move it into Notes, or delete it.",
                sheet=sheet.name,
                cell=first,
            )
        )
    return items, findings


_HYPERLINK = re.compile(r'^\s*=?\s*HYPERLINK\(\s*"((?:[^"]|"")*)"', re.IGNORECASE)


def _link(cell: CellValue | None, text: str) -> str:
    """The address in a link cell: the typed text, or the target of a =HYPERLINK() formula."""
    source = cell.formula if cell is not None and cell.formula else text
    if m := _HYPERLINK.match(source):
        return m[1].replace('""', '"').strip()
    return text.strip()


def _read_row(
    framework: Framework,
    values: dict[str, CellValue],
    texts: dict[str, str],
    refs: dict[str, str],
    row: int,
    sheet: str,
    file: str,
) -> tuple[EvidenceItem | None, list[Finding]]:
    findings: list[Finding] = []
    ident = texts.get("id", "").strip()
    id_ref = refs.get("id")
    if not ident:
        title = texts.get("title", "").strip()
        what = f"“{_excerpt(title, 40)}”" if title else "a document"
        return None, [
            error(
                "missing-field",
                file,
                f"Row {row} has {what} but no ID, so summaries cannot cite it and it is left "
                "out. Give it a unique ID such as EV-001.",
                sheet=sheet,
                cell=id_ref,
                field="ID",
            )
        ]
    date: dt.date | None = None
    if "date" in values:
        raw = values["date"].value
        date = parse_date(raw)
        if date is None and texts["date"].strip():
            findings.append(
                error(
                    "invalid-date",
                    file,
                    f"{ident}: “{_excerpt(texts['date'], 30)}” is not a date the tool can read. "
                    "Type the document's date, e.g. 01/03/2026 or March 2026.",
                    sheet=sheet,
                    cell=refs["date"],
                    field="Date",
                )
            )
    ir_items = parse_ir_items(texts.get("ir_items", ""))
    typed_qs = parse_quality_statements(texts.get("quality_statements", ""), framework)
    item = RegisterItem(
        id=ident,
        title=texts.get("title", ""),
        link=_link(values.get("link"), texts.get("link", "")),
        ir_items=ir_items,
        quality_statements=typed_qs or derived_quality_statements(framework, ir_items),
        document_type=texts.get("document_type", ""),
        owner=texts.get("owner", ""),
        date=date,
        public=_choice(texts.get("public", ""), PUBLIC_CHOICES),
        redacted=_choice(texts.get("redacted", ""), REDACTED_CHOICES),
        notes=texts.get("notes", ""),
        at=Located(file=file, sheet=sheet, cell=id_ref),
        cells=tuple(sorted(refs.items())),
        typed_date=texts.get("date", ""),
    )
    return item, findings


# ---- Reading the overview -----------------------------------------------------------------

_FIELD_KEYS = {normalise_label(f.label): f.key for f in OVERVIEW_FIELDS}
_FIELD_KEYS[normalise_label("Logo file")] = "logo"
_DATE_FIELDS = {"submission_date"}


def _find_overview_sheet(wb: ReadWorkbook) -> Sheet | None:
    """The sheet called Overview, or else the one with most of the overview's labels."""
    scores: list[tuple[bool, int, Sheet]] = []
    for sheet in wb.sheets.values():
        if sheet.name == IDENTITY_SHEET:
            continue
        labels = [normalise_label(sheet.text(f"A{row}")) for row, _cells in sheet.rows()]
        hits = sum(1 for label in labels if label in _FIELD_KEYS)
        if hits:
            scores.append((sheet.name == OVERVIEW_SHEET, hits, sheet))
    return max(scores, key=lambda s: s[:2])[2] if scores else None


def read_overview(ws: Workspace) -> tuple[Overview | None, list[Finding]]:
    """Council details, Section A and Section C from ``overview.xlsx``, found by label."""
    path = ws.overview
    file = ws.relative(path)
    wb, _ours, found = _open(ws, path, OVERVIEW_TEMPLATE, "overview workbook")
    if wb is None:
        return None, found
    sheet = _find_overview_sheet(wb)
    if sheet is None:
        labels = ", ".join(f.label for f in OVERVIEW_FIELDS)
        return None, [
            error(
                "template-mismatch",
                file,
                f"has none of the overview's labels in column A ({labels}), so it cannot be "
                "read. Use the overview.xlsx made by 'selfassess init'.",
            )
        ]
    findings: list[Finding] = []
    texts: dict[str, Text] = {}
    dates: dict[str, tuple[dt.date | None, Located, str]] = {}
    inputs: set[str] = set()
    skip: set[str] = set()
    sign_off: list[SignOff] = []
    sign_off_header: int | None = None

    def here(ref: str | None) -> Located:
        return Located(file=file, sheet=sheet.name, cell=ref)

    for row, _cells in sheet.rows():
        label = normalise_label(sheet.text(f"A{row}"))
        if (
            sign_off_header is None
            and label == "role"
            and normalise_label(sheet.text(f"B{row}")) == "name"
        ):
            sign_off_header = row
            continue
        key = _FIELD_KEYS.get(label)
        if label == normalise_label(WORDS_LABEL):
            count = sheet.get(f"B{row}")
            if count is not None and count.formula is not None:
                skip.add(f"B{row}")  # the live word count, not typed
            continue
        if key is not None and key not in texts and key not in dates:
            ref = f"B{row}"
            inputs.add(ref)
            if key in _DATE_FIELDS:
                date, problem = _read_date(sheet, ref, file, "Submission date")
                dates[key] = (date, here(ref), sheet.text(ref))
                findings += problem
            else:
                texts[key] = Text(value=sheet.text(ref), at=here(ref))
            continue
        if sign_off_header is not None and row > sign_off_header:
            refs = [f"{c}{row}" for c in "ABCD"]
            if not any(sheet.text(r).strip() for r in refs):
                continue
            inputs.update(refs)
            role = sheet.text(f"A{row}").strip()
            date, problem = _read_date(sheet, f"C{row}", file, f"Date signed off ({role})")
            findings += problem
            sign_off.append(
                ReadSignOff(
                    role=role,
                    name=Text(value=sheet.text(f"B{row}"), at=here(f"B{row}")),
                    date=date,
                    date_at=here(f"C{row}"),
                    endorsement=Text(value=sheet.text(f"D{row}"), at=here(f"D{row}")),
                    typed_date=sheet.text(f"C{row}"),
                )
            )
    template = _template_texts(ws.framework, OVERVIEW_TEMPLATE, cache_dir(ws)).get(
        OVERVIEW_SHEET, frozenset()
    )
    for ref in sheet.cells:
        if ref in inputs or ref in skip:
            continue
        typed = sheet.text(ref)
        if typed.strip() and typed not in template:
            findings.append(_ignored(file, sheet.name, ref, typed, "outside the overview's fields"))
    findings += _other_sheets(wb, {sheet.name}, file)

    def text(key: str) -> Text:
        return texts.get(key) or Text(value="", at=here(None))

    submission, submission_at, typed = dates.get("submission_date", (None, here(None), ""))
    overview = ReadOverview(
        file=file,
        council=text("council"),
        submission_date=submission,
        submission_date_at=submission_at,
        version_label=text("version_label"),
        logo=text("logo"),
        about_us=text("about_us"),
        our_strategy=text("our_strategy"),
        our_key_strengths=text("our_key_strengths"),
        our_key_risks=text("our_key_risks"),
        process=text("process"),
        sign_off=tuple(sign_off),
        typed_submission_date=typed,
    )
    return overview, findings


def _read_date(
    sheet: Sheet, ref: str, file: str, what: str
) -> tuple[dt.date | None, list[Finding]]:
    cell = sheet.get(ref)
    if cell is None or not sheet.text(ref).strip():
        return None, []
    date = parse_date(cell.value)
    if date is not None:
        return date, []
    return None, [
        error(
            "invalid-date",
            file,
            f"{what}: “{_excerpt(sheet.text(ref), 30)}” is not a date the tool can read. "
            "Type a date, e.g. 01/03/2026.",
            sheet=sheet.name,
            cell=ref,
            field=what,
        )
    ]
