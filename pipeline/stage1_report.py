"""``outputs/stage1/findings.xlsx``: the Stage 1 findings as a council officer reads them.

A summary sheet, then one sheet per quality statement: the emerging findings first, a native
Excel chart of the rating distribution, the numbers behind it, the breakdown by respondent group
and every evidence comment, attributed to its group and never to a name (SPEC §6). Nothing here
names a file or a respondent: the workbook may be passed on to lead officers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from copy import copy
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pipeline.xlsx import Style, atomic_path, print_setup, write_text

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.collect import CollectResult, GroupResult, QSResult, StatementResult
    from pipeline.framework import Framework
    from pipeline.settings import Stage1Settings
    from pipeline.workspace import Workspace

SUMMARY_SHEET = "Summary"
# Columns of a quality statement sheet: number, statement, then ten narrow figure columns.
NUMBER_WIDTH, STATEMENT_WIDTH, FIGURE_WIDTH = 6, 58, 11
# Column D, "Don't know" in the table and the group of each comment, is wider.
GROUP_WIDTH = 20
FIGURE_COLUMNS = "CDEFGHIJKL"
TABLE_HEADERS = [
    "No.",
    "Statement",
    "Responses",
    "Don't know",
    "1 Strongly disagree",
    "2 Tend to disagree",
    "3 Tend to agree",
    "4 Strongly agree",
    "% agree",
    "Mean (1-4)",
    "Divergent views",
    "Evidence gap",
]
# Rating colours, red (disagree) to green (agree), grey for don't know.
RATING_COLOURS = {1: "C00000", 2: "F4B183", 3: "A9D18E", 4: "548235", 0: "A6A6A6"}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_DEFAULT_ROW_CM = 0.53  # a 15-point row
LINE_HEIGHT = 15.0  # points per wrapped line, as row_height() counts


class _Looks:
    """Cell looks (font, alignment, border, number format) made once, then copied to cells.

    Setting them one by one makes openpyxl look each up in the workbook's style tables, which
    dominates writing thousands of comment rows; copying a made look costs almost nothing.
    """

    def __init__(self, style: Style, rows_as_data: bool = False) -> None:
        self.style = style
        # With rows_as_data, put_row keeps plain rows for save_fast instead of making cells.
        self.rows_as_data = rows_as_data
        self.recipes: dict[str, tuple[Any, Any, str]] = {
            "number": (style.bold, style.wrap_center, "General"),
            "text": (style.body, style.wrap, "General"),
            "centre": (style.body, style.wrap_center, "General"),
            "flag": (style.warning, style.wrap_center, "General"),
            "percent": (style.body, style.wrap_center, "0%"),
            "mean": (style.body, style.wrap_center, "0.0"),
        }
        self.made: dict[str, Any] = {}

    def put(self, ws: Any, row: int, col: int, value: object, look: str) -> Any:
        """Write ``value`` (user text stays text) into a bordered cell with ``look``."""
        made = self.made.get(look)
        if made is None or (row, col) in ws._cells:
            cell = ws.cell(row, col)
            if made is None:
                font, alignment, number_format = self.recipes[look]
                cell.font, cell.alignment, cell.border = font, alignment, self.style.border
                cell.number_format = number_format
                self.made[look] = copy(cell._style)
            else:
                cell._style = copy(made)
        else:
            # What ws.cell() does for a new cell, with the look given at once.
            if not 0 < row < 1048577 or col < 1:
                raise ValueError(f"no cell at row {row}, column {col}")
            cell = self.cell_type(ws, row=row, column=col, style_array=copy(made))
            ws._cells[(row, col)] = cell
            ws._current_row = max(row, ws._current_row)
        write_text(cell, value)
        return cell

    @property
    def cell_type(self) -> Any:
        from openpyxl.cell.cell import Cell

        return Cell

    def put_row(self, ws: Any, row: int, values: list[tuple[object, str]], height: float) -> None:
        """``put`` each (value, look) from column A on, and set the row's height.

        With ``rows_as_data`` (for a workbook that :func:`save_fast` writes), the row is kept
        as data beside the sheet rather than as openpyxl cells, which cost far more to make
        and to write: thousands of comment rows are most of the findings workbook. The file
        written is the same (see :func:`_materialise`); the sheet in memory lacks these rows.
        """
        if not self.rows_as_data:
            for col, (value, look) in enumerate(values, start=1):
                self.put(ws, row, col, value, look)
            ws.row_dimensions[row].height = height
            return
        cells: list[tuple[int, str, object, Any]] = []
        for col, (value, look) in enumerate(values, start=1):
            made = self.made.get(look)
            if made is None:  # made on a cell of its own, as put() would make it here
                self.put(self.scratch(ws), 1, 1, None, look)
                made = self.made[look]
            cells.append((col, *_plain_value(value), made))
        ws.__dict__.setdefault(_ROWS_AS_DATA, []).append((row, height, cells))

    def scratch(self, ws: Any) -> Any:
        """A sheet of no workbook's, for making a look (styles go into ``ws``'s workbook)."""
        from openpyxl.worksheet.worksheet import Worksheet

        sheet = Worksheet(ws.parent, "scratch")
        return sheet


# Where a sheet built with rows_as_data keeps its plain rows: [(row, height, cells)], each cell
# (column, kind, value, look) with kind "s" or "n", or kind "" and value a ready openpyxl Cell.
_ROWS_AS_DATA = "_selfassess_rows_as_data"


def _plain_value(value: object) -> tuple[str, object]:
    """What write_text and openpyxl's Cell make of ``value``: ("s", text) or ("n", number) in
    the plain cases, else ("", value) for a real cell to decide."""
    from pipeline.xlsx import FORMULA_TRIGGERS, clean_text

    if isinstance(value, str):
        # Printable ASCII has none of the characters clean_text removes: skip its regex.
        text = value if value.isascii() and value.isprintable() else clean_text(value)[0]
        if len(text) <= 32767 and not text.startswith(FORMULA_TRIGGERS) and text not in _ERRORS:
            return "s", text
    elif type(value) is int:
        return "n", value
    return "", value


# openpyxl's ERROR_CODES: text that it stores as an error value.
_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def write_findings(ws: Workspace, result: CollectResult) -> Path:
    """Write ``outputs/stage1/findings.xlsx`` atomically; returns its path."""
    style = Style.load(ws.template("xlsx/style.toml"))
    wb = build_findings(
        ws.framework, result, style, ws.settings.council, ws.settings.stage1, rows_as_data=True
    )
    with atomic_path(ws.findings_xlsx) as tmp:
        save_fast(wb, tmp)
    return ws.findings_xlsx


def save_fast(wb: Workbook, path: Path) -> None:
    """``wb.save(path)``, byte for byte, but each sheet's cells are written as one block of XML.

    openpyxl writes one cell at a time through lxml's incremental writer, which dominates
    saving thousands of comment rows. Here the rows are put together as text (the same
    elements, attributes and style numbers), parsed once and handed to the same writer. A sheet
    with a formula or a cell comment is written by openpyxl itself.
    """
    import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    writer_class = _excel_writer()
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        # As openpyxl's save_workbook does.
        wb.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        writer_class(wb, archive).save()


class _Unusual(Exception):
    """A cell the fast sheet writer leaves to openpyxl."""


def _materialise(ws: Any) -> None:
    """Turn the rows a sheet keeps as data into its cells, as ``_Looks.put_row`` would have."""
    for row, height, cells in ws.__dict__.pop(_ROWS_AS_DATA, None) or ():
        for col, _kind, value, look in cells:
            cell = ws.cell(row, col)
            cell._style = copy(look)
            write_text(cell, value)
        ws.row_dimensions[row].height = height


def _escape(text: str, quote: bool = False) -> str:
    """``text`` in XML; the parser reads back exactly ``text`` (a CR too, not a line feed)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if quote:
        for char, ref in (('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;")):
            if char in text:
                text = text.replace(char, ref)
    return text


def _attributes(attrs: dict[str, str]) -> str:
    return "".join(f' {key}="{_escape(value, quote=True)}"' for key, value in attrs.items())


@lru_cache(maxsize=1)
def _excel_writer() -> type:
    """openpyxl's ExcelWriter, writing worksheets with the fast sheet writer (made on first use:
    openpyxl is imported only when a workbook is written)."""
    from lxml import etree
    from openpyxl.cell._writer import _set_attributes
    from openpyxl.cell.cell import Cell
    from openpyxl.compat import safe_string
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.worksheet.dimensions import RowDimension, SheetDimension
    from openpyxl.writer.excel import ExcelWriter

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    # Elements openpyxl opens and closes with nothing inside come out as <c ...></c>.
    empty_elements = etree.XPath("/sheetData/row[not(node())] | /sheetData/row/c[not(node())]")

    class SheetWriter(WorksheetWriter):
        def write_dimensions(self) -> None:
            data_rows = self.ws.__dict__.get(_ROWS_AS_DATA)
            if not data_rows:
                super().write_dimensions()
                return
            # As Worksheet.calculate_dimension, over the cells and the rows kept as data.
            rows = {row for row, _col in self.ws._cells}
            cols = {col for _row, col in self.ws._cells}
            rows.update(row for row, _height, _cells in data_rows)
            cols.update(cell[0] for _row, _height, cells in data_rows for cell in cells)
            first, last = get_column_letter(min(cols)), get_column_letter(max(cols))
            self.xf.send(SheetDimension(f"{first}{min(rows)}:{last}{max(rows)}").to_tree())

        def write_rows(self) -> None:
            ws = self.ws
            hyperlinks, comments = len(ws._hyperlinks), len(ws._comments)
            try:
                xml = self.sheet_data()
            except _Unusual:
                del ws._hyperlinks[hyperlinks:]
                del ws._comments[comments:]
                _materialise(ws)
                super().write_rows()
                return
            data = etree.fromstring(xml.encode("utf-8"), parser)
            for empty in cast("list[etree._Element]", empty_elements(data)):
                empty.text = ""
            self.xf.send(data)

        def sheet_data(self) -> str:
            """What WorksheetWriter.write_rows and lxml_write_cell write, as one string."""
            ws = self.ws
            out = ["<sheetData>"]
            append = out.append
            dims = ws.row_dimensions
            self.style_ids: dict[bytes, str] = {}
            self.letters: dict[int, str] = {}
            data_rows = ws.__dict__.get(_ROWS_AS_DATA) or []
            rows = self.rows()
            if {row for row, _cells in rows} & {row for row, _height, _cells in data_rows}:
                raise _Unusual  # never made so: a row is either cells or data
            heights: dict[float, str] = {}
            data_index = 0
            for row_idx, row in rows:
                while data_index < len(data_rows) and data_rows[data_index][0] < row_idx:
                    data_row, height, cells = data_rows[data_index]
                    self.data_row(append, data_row, height, cells, heights)
                    data_index += 1
                dim = dims.get(row_idx)
                attrs = {"r": f"{row_idx}"}
                if dim is not None:
                    attrs.update(dim)
                append(f"<row{_attributes(attrs)}>")
                for cell in row:
                    self.cell(append, cell, row_idx)
                append("</row>")
            for data_row, height, cells in data_rows[data_index:]:
                self.data_row(append, data_row, height, cells, heights)
            append("</sheetData>")
            return "".join(out)

        def data_row(
            self,
            append: Callable[[str], None],
            row_idx: int,
            height: float,
            cells: list[tuple[int, str, object, Any]],
            heights: dict[float, str],
        ) -> None:
            ht = heights.get(height)
            if ht is None:  # what a RowDimension of this height writes
                ht = heights[height] = _attributes(dict(RowDimension(self.ws, ht=height)))
            append(f'<row r="{row_idx}"{ht}>')
            for col, kind, value, look in cells:
                if not kind:
                    cell = Cell(self.ws, row=row_idx, column=col, style_array=copy(look))
                    write_text(cell, value)
                    self.cell(append, cell, row_idx)
                    continue
                start = f'<c r="{self.letter(col)}{row_idx}" s="{self.style_id(look)}"'
                if kind == "n":
                    append(f'{start} t="n"><v>{_escape(safe_string(value))}</v></c>')
                elif value == "":
                    append(f'{start} t="inlineStr"/>')
                else:
                    assert isinstance(value, str)
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    append(f'{start} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
            append("</row>")

        def letter(self, column: int) -> str:
            letter = self.letters.get(column)
            if letter is None:
                letter = self.letters[column] = get_column_letter(column)
            return letter

        def style_id(self, look: Any) -> str:
            """As Cell.style_id: the look's number in the workbook's cell styles."""
            key = look.tobytes()
            style_id = self.style_ids.get(key)
            if style_id is None:
                style_id = self.style_ids[key] = f"{self.ws.parent._cell_styles.add(look)}"
            return style_id

        def cell(self, append: Callable[[str], None], cell: Any, row_idx: int) -> None:
            if cell._comment is not None:
                raise _Unusual
            styled = cell.has_style
            value = cell._value
            if value is None and not styled:
                return
            kind = cell.data_type
            if kind == "f":
                raise _Unusual
            if kind == "d" or cell.hyperlink:
                value, attrs = _set_attributes(cell, styled)
                start = f"<c{_attributes(attrs)}"
            else:
                start = f'<c r="{self.letter(cell.column)}{row_idx}"'
                if styled:
                    start += f' s="{self.style_id(cell._style)}"'
                start += ' t="inlineStr"' if kind == "s" else f' t="{_escape(kind, True)}"'
            if value is None or value == "":
                append(f"{start}/>")
            elif kind != "s":
                append(f"{start}><v>{_escape(safe_string(value))}</v></c>")
            elif type(value) is str:
                space = ' xml:space="preserve"' if value != value.strip() else ""
                append(f"{start}><is><t{space}>{_escape(value)}</t></is></c>")
            else:  # rich text
                tree = etree.tostring(value.to_tree(), encoding="unicode")
                append(f"{start}>{tree}</c>")

    class Writer(ExcelWriter):
        def write_worksheet(self, ws: Any) -> None:
            # As ExcelWriter.write_worksheet does for a workbook that is not write-only.
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = SheetWriter(ws)
            writer.write()
            ws._rels = writer._rels
            self._archive.write(writer.out, ws.path[1:])
            self.manifest.append(ws)
            writer.cleanup()

    return Writer


def build_findings(
    framework: Framework,
    result: CollectResult,
    style: Style,
    council: str,
    settings: Stage1Settings,
    today: dt.date | None = None,
    rows_as_data: bool = False,
) -> Workbook:
    """The findings workbook, in memory (with ``rows_as_data``, only for :func:`save_fast`: the
    comment rows are kept beside each sheet rather than as cells; see ``_Looks.put_row``)."""
    from openpyxl import Workbook

    wb = Workbook()
    names = sheet_names([f"{qs.code} {qs.name}" for qs in result.results])
    looks = _Looks(style, rows_as_data)
    _summary_sheet(wb.active, framework, result, style, looks, council, settings, names, today)
    for qs, name in zip(result.results, names, strict=True):
        _qs_sheet(wb.create_sheet(name), framework, qs, style, looks, settings)
    wb.properties.title = f"Stage 1 findings{' — ' + council if council else ''}"
    wb.properties.creator = "selfassess"
    return wb


def sheet_names(titles: list[str]) -> list[str]:
    """Sheet names Excel accepts (31 characters, none of ``[]:*?/\\``), cut at a word."""
    names = []
    for title in titles:
        name = _SHEET_NAME_BAD.sub(" ", title).strip()
        if len(name) > 31:
            name = name[:32].rsplit(" ", 1)[0].rstrip(" ,;-")[:31]
        names.append(name)
    return names


# --------------------------------------------------------------------------------------------
# Summary


def _summary_sheet(
    ws: Any,
    framework: Framework,
    result: CollectResult,
    style: Style,
    looks: _Looks,
    council: str,
    settings: Stage1Settings,
    names: list[str],
    today: dt.date | None,
) -> None:
    ws.title = SUMMARY_SHEET
    widths = {"A": 40, "B": 11, "C": 11, "D": 11, "E": 16, "F": 16, "G": 16, "H": 16}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    style.text(ws["A1"], "Stage 1 findings: what the checklists say", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    if council:
        style.text(ws["A2"], council, style.heading, wrap=False)
    day = today or dt.date.today()
    when = f"{day.day} {day:%B %Y}"
    errors = sum(1 for f in result.findings.errors if f not in result.skipped)
    warnings = len(result.findings.warnings)
    lines = [
        f"Collected on {when} from {_plural(result.returns, 'returned checklist')}.",
    ]
    if result.skipped:
        lines.append(
            f"{_plural(len(result.skipped), 'file')} could not be read and "
            f"{'is' if len(result.skipped) == 1 else 'are'} not included: run `selfassess "
            "collect` to see which and why."
        )
    if errors or warnings:
        lines.append(
            f"The returns read had {_plural(errors, 'error')} and {_plural(warnings, 'warning')}"
            " (for example a rating not on the scale, or text typed outside the form): run "
            "`selfassess validate` to see them."
        )
    _merged(ws, 3, " ".join(lines), style, "H", 148)

    header = 5
    style.header_row(
        ws,
        header,
        [
            "Quality statement",
            "Returns",
            "Ratings (1-4)",
            "% agree",
            "Emerging strengths",
            "Emerging areas for improvement",
            "Divergent views",
            "Evidence gaps",
        ],
    )
    ws.row_dimensions[header].height = 32
    for col in range(2, 9):
        ws.cell(header, col).alignment = style.wrap_center
    for row, (qs, name) in enumerate(zip(result.results, names, strict=True), start=header + 1):
        rated = sum(s.rated for s in qs.statements)
        agreed = sum(s.counts[3] + s.counts[4] for s in qs.statements)
        link = ws.cell(row, 1)
        style.text(link, f"{qs.code} {qs.name}", style.link)
        link.hyperlink = f"#'{name}'!A1"
        values: list[object] = [
            qs.returns,
            rated,
            agreed / rated if rated else "—",
            _numbers(qs.emerging_strengths),
            _numbers(qs.emerging_improvements),
            _numbers(qs.divergent),
            _numbers(qs.evidence_gaps),
        ]
        for col, value in enumerate(values, start=2):
            looks.put(ws, row, col, value, "percent" if col == 4 else "centre")
        link.border = style.border
        longest = max((str(v) for v in values), key=len)
        ws.row_dimensions[row].height = max(20.0, _height(longest, 15, narrow=True))
    row = header + len(result.results) + 1
    style.text(
        ws.cell(row, 1),
        "Strengths, areas for improvement, divergent views and evidence gaps are listed by "
        "statement number; each quality statement's sheet gives the statements in full.",
        style.note,
        wrap=False,
    )
    row += 2
    style.text(ws.cell(row, 1), "How to read these findings", style.heading, wrap=False)
    for text in _definitions(framework, settings):
        row += 1
        _merged(ws, row, text, style, "H", 148)
    print_setup(ws)


def _definitions(framework: Framework, settings: Stage1Settings) -> list[str]:
    scale = ", ".join(r.display for r in framework.rating_scale)
    share = _percent(settings.divergence_share)
    return [
        f"Ratings: {scale}. Responses count every rating including don't know; blank ratings "
        "are not responses.",
        "% agree: ratings of 3 or 4 as a share of all ratings from 1 to 4 (don't know is left "
        "out). Mean: the average of the ratings from 1 to 4.",
        f"Divergent views: at least {share} of the ratings from 1 to 4 on each side (1-2 and "
        f"3-4), or two respondent groups with at least {settings.group_min_ratings} ratings "
        f"each whose means differ by {settings.group_mean_gap:g} or more.",
        f"Evidence gap: don't know is at least {_percent(settings.dont_know_gap_share)} of "
        f"responses, or fewer than {_percent(settings.evidence_min_share)} of the ratings from 1 "
        "to 4 come with any evidence text.",
        f"Emerging strengths: up to {settings.emerging_count} statements with the highest % "
        f"agree, where more than half agree, with at least {settings.min_ratings_for_strength} "
        "ratings and no divergent views. Emerging areas for improvement: up to "
        f"{settings.emerging_count} with the lowest % agree, below every emerging strength, with "
        "the same conditions.",
        "Comments are shown with the respondent's group only, never a name. These are emerging "
        "findings to test in Stage 2, not conclusions.",
    ]


# --------------------------------------------------------------------------------------------
# One quality statement


def _qs_sheet(
    ws: Any,
    framework: Framework,
    qs: QSResult,
    style: Style,
    looks: _Looks,
    settings: Stage1Settings,
) -> None:
    ws.column_dimensions["A"].width = NUMBER_WIDTH
    ws.column_dimensions["B"].width = STATEMENT_WIDTH
    groups = _groups(qs)
    last_col = max(len(FIGURE_COLUMNS), len(groups)) + 2
    for col in range(3, last_col + 1):
        ws.column_dimensions[_letter(col)].width = FIGURE_WIDTH
    ws.column_dimensions["D"].width = GROUP_WIDTH
    page_width = NUMBER_WIDTH + STATEMENT_WIDTH + FIGURE_WIDTH * len(FIGURE_COLUMNS)
    page_width += GROUP_WIDTH - FIGURE_WIDTH

    theme = framework.theme_of(qs.code).name
    style.text(ws["A1"], f"{qs.code} {qs.name}: Stage 1 findings", style.title, wrap=False)
    ws.row_dimensions[1].height = 24
    returns = _plural(qs.returns, "returned checklist") if qs.returns else "No returns yet"
    style.text(ws["A2"], f"Theme: {theme}. {returns}.", style.note, wrap=False)
    we = framework.quality_statement(qs.code).we_statement
    ws.merge_cells("A3:L3")
    style.labelled(ws["A3"], "We statement", we)
    ws.row_dimensions[3].height = _height(f"We statement\n{we}", page_width)

    # The chart first: what people see at a glance; it reads the table further down.
    row = 5
    style.text(ws.cell(row, 1), "Rating distribution", style.heading, wrap=False)
    chart_row = row + 1
    chart_height = max(7.5, 0.7 * len(qs.statements) + 3.5)
    chart_rows = math.ceil(chart_height / _DEFAULT_ROW_CM) + 1
    for r in range(chart_row, chart_row + chart_rows):
        ws.row_dimensions[r].height = LINE_HEIGHT
    row = chart_row + chart_rows + 1

    style.text(ws.cell(row, 1), "Emerging findings", style.heading, wrap=False)
    row += 1
    enough = (
        f"None yet: no statement has {settings.min_ratings_for_strength} or more ratings "
        "without divergent views"
    )
    blocks = [
        (
            "Emerging strengths (highest % agree, most agree, no divergent views)",
            qs.emerging_strengths,
            _describe,
            f"{enough} where most agree." if qs.returns else "No returns yet.",
        ),
        (
            "Emerging areas for improvement (lowest % agree, no divergent views)",
            qs.emerging_improvements,
            _describe,
            f"{enough} below the strengths." if qs.returns else "No returns yet.",
        ),
        ("Divergent views", qs.divergent, _why_divergent, "None."),
        ("Evidence gaps", qs.evidence_gaps, _why_gap, "None."),
    ]
    for label, statements, describe, none in blocks:
        row = _finding_block(ws, row, label, statements, describe, none, style, page_width)

    row += 1
    _new_page(ws, row)
    style.text(ws.cell(row, 1), "Ratings by statement", style.heading, wrap=False)
    header = row + 1
    style.header_row(ws, header, TABLE_HEADERS)
    ws.row_dimensions[header].height = 45
    for col in range(3, len(TABLE_HEADERS) + 1):
        ws.cell(header, col).alignment = style.wrap_center
    for s in qs.statements:
        _statement_row(ws, header + s.number, s, looks)
    last = header + len(qs.statements)
    _chart(ws, f"A{chart_row}", header, last, chart_height)

    row = last + 2
    row = _group_table(ws, row, qs, groups, style, looks, settings, page_width)
    row += 1
    _comments(ws, row, qs, style, looks, framework, page_width)
    print_setup(ws)


def _finding_block(
    ws: Any,
    row: int,
    label: str,
    statements: list[StatementResult],
    describe: Callable[[StatementResult], str],
    none: str,
    style: Style,
    page_width: float,
) -> int:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=12)
    cell = ws.cell(row, 1)
    style.text(cell, label, style.bold, wrap=False)
    cell.fill = style.label_fill
    row += 1
    if not statements:
        style.text(ws.cell(row, 2), none, style.note, wrap=False)
        return row + 2
    for s in statements:
        number = ws.cell(row, 1)
        style.text(number, s.number, style.bold)
        number.alignment = style.wrap_center
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=12)
        text = f"{s.text} — {describe(s)}"
        style.text(ws.cell(row, 2), text)
        ws.row_dimensions[row].height = _height(text, page_width - NUMBER_WIDTH)
        row += 1
    return row + 1


def _describe(s: StatementResult) -> str:
    """``86% agree (6 of 7 ratings), mean 3.3; 2 don't know; 3 with evidence``."""
    parts = []
    if s.rated:
        agreed = s.counts[3] + s.counts[4]
        parts.append(
            f"{s.percent_agree:.0f}% agree ({agreed} of {_plural(s.rated, 'rating')}), "
            f"mean {s.mean:.1f}"
        )
    if s.dont_know:
        parts.append(f"{s.dont_know} don't know")
    if s.rated:
        parts.append(f"{s.with_evidence} of {s.rated} ratings with evidence")
    return "; ".join(parts) or "no responses"


def _why_divergent(s: StatementResult) -> str:
    reasons = []
    if s.split_views:
        low, high = s.counts[1] + s.counts[2], s.counts[3] + s.counts[4]
        reasons.append(f"views split: {low} disagree and {high} agree of {s.rated} ratings")
    if s.groups_apart is not None:
        high_group, low_group = s.groups_apart
        high_mean, low_mean = s.by_group[high_group].mean, s.by_group[low_group].mean
        reasons.append(
            f"groups differ: {high_group} mean {high_mean:.1f}, {low_group} mean {low_mean:.1f}"
        )
    return "; ".join(reasons)


def _why_gap(s: StatementResult) -> str:
    reasons = []
    if s.many_dont_know:
        reasons.append(f"{s.dont_know} of {_plural(s.responses, 'response')} are don't know")
    if s.little_evidence:
        reasons.append(f"only {s.with_evidence} of {_plural(s.rated, 'rating')} give evidence")
    return "; ".join(reasons)


def _statement_row(ws: Any, row: int, s: StatementResult, looks: _Looks) -> None:
    values: list[tuple[object, str]] = [
        (s.number, "number"),
        (s.text, "text"),
        (s.responses, "centre"),
        (s.dont_know, "centre"),
        *((s.counts[rating], "centre") for rating in (1, 2, 3, 4)),
        (s.percent_agree / 100 if s.percent_agree is not None else "—", "percent"),
        (s.mean if s.mean is not None else "—", "mean"),
        ("Yes" if s.divergent else "", "flag"),
        ("Yes" if s.evidence_gap else "", "flag"),
    ]
    for col, (value, look) in enumerate(values, start=1):
        looks.put(ws, row, col, value, look)
    ws.row_dimensions[row].height = _height(s.text, STATEMENT_WIDTH)


def _chart(ws: Any, anchor: str, header: int, last: int, height_cm: float) -> None:
    """A stacked horizontal bar per statement: how many chose each rating."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 50
    chart.title = "Number of responses for each rating, by statement"
    chart.style = 10
    chart.y_axis.title = "Responses"
    chart.x_axis.title = "Statement"
    chart.x_axis.scaling.orientation = "maxMin"  # statement 1 at the top, as in the table
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    # Ratings 1-4 (columns E-H), then don't know (column D), each titled by its header.
    for col in (5, 6, 7, 8, 4):
        data = Reference(ws, min_col=col, max_col=col, min_row=header, max_row=last)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, max_col=1, min_row=header + 1, max_row=last))
    for series, rating in zip(chart.series, (1, 2, 3, 4, 0), strict=True):
        series.graphicalProperties.solidFill = RATING_COLOURS[rating]
        series.graphicalProperties.line.solidFill = RATING_COLOURS[rating]
    chart.width = 30.0
    chart.height = height_cm
    ws.add_chart(chart, anchor)


def _groups(qs: QSResult) -> list[str]:
    """The groups with a return for this quality statement, in framework order."""
    groups: list[str] = []
    for s in qs.statements:
        for group in s.by_group:
            if group not in groups:
                groups.append(group)
    return groups


def _group_table(
    ws: Any,
    row: int,
    qs: QSResult,
    groups: list[str],
    style: Style,
    looks: _Looks,
    settings: Stage1Settings,
    page_width: float,
) -> int:
    _new_page(ws, row)
    style.text(ws.cell(row, 1), "By respondent group", style.heading, wrap=False)
    row += 1
    note = (
        "Each cell: % agree and mean of the group's ratings from 1 to 4, how many, and any "
        f"don't know. Groups with at least {settings.group_min_ratings} ratings whose means "
        f"differ by {settings.group_mean_gap:g} or more show divergent views ('Not given' is "
        "not compared)."
    )
    _merged(ws, row, note, style, "L", page_width, style.note)
    row += 1
    if not groups:
        style.text(ws.cell(row, 2), "No returns yet.", style.note, wrap=False)
        return row + 1
    style.header_row(ws, row, ["No.", "Statement", *groups])
    ws.row_dimensions[row].height = 45
    for col in range(3, len(groups) + 3):
        ws.cell(row, col).alignment = style.wrap_center
    for s in qs.statements:
        row += 1
        looks.put(ws, row, 1, s.number, "number")
        looks.put(ws, row, 2, s.text, "text")
        lines = [_height(s.text, STATEMENT_WIDTH)]
        for col, group in enumerate(groups, start=3):
            text = _group_cell(s.by_group.get(group))
            looks.put(ws, row, col, text, "centre")
            lines.append(_height(text, FIGURE_WIDTH - 1, narrow=True))
        ws.row_dimensions[row].height = max(lines)
    return row + 1


def _group_cell(result: GroupResult | None) -> str:
    if result is None or not result.responses:
        return "—"
    parts = []
    rated = sum(result.counts.values())
    if rated:
        parts.append(f"{result.percent_agree:.0f}% agree\nmean {result.mean:.1f}\n({rated} rated)")
    if result.dont_know:
        parts.append(f"{result.dont_know} don't know")
    return "\n".join(parts)


def _comments(
    ws: Any,
    row: int,
    qs: QSResult,
    style: Style,
    looks: _Looks,
    framework: Framework,
    page_width: float,
) -> int:
    _new_page(ws, row)
    style.text(ws.cell(row, 1), "Evidence comments", style.heading, wrap=False)
    row += 1
    total = sum(len(s.comments) for s in qs.statements)
    note = (
        "Every comment given, by statement, as typed; attributed to the respondent's group, "
        f"never to a name. {_plural(total, 'comment')}."
    )
    _merged(ws, row, note, style, "L", page_width, style.note)
    row += 1
    if not total:
        return row
    labels = {r.value: r.display for r in framework.rating_scale}
    # There may be thousands of comments: no merged cells here (openpyxl checks each merge
    # against every other), and looks are copied (see _Looks).
    style.header_row(ws, row, ["No.", "Comment", "Rating", "Group"])
    heights: dict[str, float] = {}
    for s in qs.statements:
        for group, rating, text in s.comments:
            row += 1
            label = "—" if rating is None else labels.get(rating, "—")
            if group not in heights:
                heights[group] = _height(group, GROUP_WIDTH, narrow=True)
            height = max(_height(text, STATEMENT_WIDTH), heights[group], 2 * LINE_HEIGHT)
            values = [(s.number, "number"), (text, "text"), (label, "text"), (group, "text")]
            looks.put_row(ws, row, values, height)
    return row + 1


# --------------------------------------------------------------------------------------------
# Small helpers


def _new_page(ws: Any, row: int) -> None:
    """Start a printed page at ``row``, so that a section (and the chart) is never split."""
    from openpyxl.worksheet.pagebreak import Break

    ws.row_breaks.append(Break(id=row - 1))


def _merged(
    ws: Any, row: int, text: str, style: Style, last: str, width: float, font: Any = None
) -> None:
    ws.merge_cells(f"A{row}:{last}{row}")
    style.text(ws[f"A{row}"], text, font)
    ws.row_dimensions[row].height = _height(text, width)


def _height(text: str, width: float, narrow: bool = False) -> float:
    """A row height that shows ``text`` wrapped in a column ``width`` characters wide.

    Body text fits about 15% more characters per line than ``row_height`` assumes; in narrow
    centred cells words wrap early, so there the plain estimate is kept.
    """
    # row_height([(text, width if narrow else width * 1.15)]) for one text, without its loop
    # over pairs: thousands of comment rows need one each (tests/test_stage1_report.py keeps
    # the two the same).
    per_line = max(int((width if narrow else width * 1.15) * 1.05), 10)
    lines = sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))
    return min(409.0, max(1, lines) * LINE_HEIGHT + 4)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def _numbers(statements: list[StatementResult]) -> str:
    return ", ".join(str(s.number) for s in statements) or "—"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"
