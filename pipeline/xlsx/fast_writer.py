"""The fast findings.xlsx writer: the one place that uses openpyxl's private API.

Checked against openpyxl >=3.1.2,<3.2 (FAST_WRITER_OPENPYXL; tests/test_fast_writer.py, run
with 3.1.5). Writing thousands of comment rows cell by cell through openpyxl's public API is
most of the time ``collect`` takes, so the findings workbook keeps those rows as plain data
beside each sheet and :func:`save_fast` writes them as one block of XML, put straight into the
sheet's part, the same bytes ``wb.save`` writes. Looks are made once and copied to cells
(:func:`styled_cell`, :func:`restyle`), and merged ranges of unstyled cells are made without
openpyxl's per-cell border and protection pass (:func:`merge_cells`). To do so it reads and
writes openpyxl internals, none of them promised:

- ``Worksheet._cells``, ``Worksheet._current_row``, ``Worksheet._hyperlinks``,
  ``Worksheet._comments``, ``Worksheet._charts``, ``Worksheet._images``, ``Worksheet._rels``,
  ``Worksheet._drawing``, ``Worksheet.path``, and an attribute of its own in a sheet's
  ``__dict__`` (the rows kept as data);
- ``Cell(..., style_array=)``, ``Cell._style``, ``Cell._value``, ``Cell._comment``,
  ``StyleArray.tobytes``, ``Workbook._cell_styles``;
- ``openpyxl.cell._writer._set_attributes``, ``openpyxl.worksheet._writer.WorksheetWriter``
  (``WorksheetWriter(ws, out=BytesIO())``, ``xf``, ``rows``, ``write_rows``,
  ``write_dimensions``, ``read``, ``_rels``) and ``ExcelWriter`` (``_archive``, ``manifest``,
  ``write_worksheet``), and that the lxml writer writes a part as ASCII with character
  references;
- ``MergedCellRange(ws, ref)`` (it makes the top-left cell), ``MergedCell(ws, row, col)``,
  ``Worksheet.merged_cells.ranges`` (a set, added to as ``MultiCellRange.add`` does) and
  that ``MergedCellRange.format`` changes nothing on unstyled cells.

Outside the checked range :func:`fast_writer_supports` is False and ``write_findings`` uses
only the public API (``build_findings(..., rows_as_data=False)`` and ``wb.save``): the same
file, only slower. Check a new openpyxl release with ``pytest tests/test_fast_writer.py``
before widening the range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.write import write_text

if TYPE_CHECKING:
    from pathlib import Path

    from openpyxl import Workbook

# The openpyxl versions the private API use here was checked against: >=3.1.2,<3.2.
FAST_WRITER_OPENPYXL = ((3, 1, 2), (3, 2))
_RELEASE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def fast_writer_supports(version: str) -> bool:
    """Whether the fast writer may be used with openpyxl ``version`` (e.g. ``"3.1.5"``).

    Only final releases in FAST_WRITER_OPENPYXL: a pre-release, a development build or a
    version that cannot be read gets the public-API path.
    """
    match = _RELEASE.fullmatch(version.strip())
    if match is None:
        return False
    release = tuple(int(part or 0) for part in match.groups())
    low, high = FAST_WRITER_OPENPYXL
    return low <= release < high


def installed_openpyxl() -> str:
    """The installed openpyxl's version string."""
    import openpyxl

    return str(openpyxl.__version__)


def styled_cell(ws: Any, row: int, col: int, look: Any) -> Any:
    """``ws.cell(row, col)`` with the style array ``look`` (from :func:`look_of`) given at once.

    Setting a font, an alignment and so on one by one makes openpyxl look each up in the
    workbook's style tables; copying a made look costs almost nothing.
    """
    if (row, col) in ws._cells:
        cell = ws.cell(row, col)
        cell._style = copy(look)
        return cell
    # What ws.cell() does for a new cell, with the look given at once.
    if not 0 < row < 1048577 or col < 1:
        raise ValueError(f"no cell at row {row}, column {col}")
    from openpyxl.cell.cell import Cell

    cell = Cell(ws, row=row, column=col, style_array=copy(look))
    ws._cells[(row, col)] = cell
    ws._current_row = max(row, ws._current_row)
    return cell


def merge_cells(ws: Any, ref: str) -> None:
    """``ws.merge_cells(ref)`` for a range whose cells hold no style yet, without the cost of
    ``MergedCellRange.format``.

    On such a range, format() only gives each cell the default border and protection (style
    number 0: nothing changes), looking each up in the workbook's style tables. Here the range
    is added and its cells made as merge_cells makes them; a range with a styled cell in it is
    merged by openpyxl itself.
    """
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.merge import MergedCellRange

    mcr = MergedCellRange(ws, ref)  # makes the top-left cell, as merge_cells does
    cells = list(mcr.cells)
    if any((cell := ws._cells.get(coord)) is not None and cell.has_style for coord in cells):
        ws.merge_cells(ref)
        return
    _add_merged(ws, mcr)
    for row, col in cells[1:]:
        ws._cells[row, col] = MergedCell(ws, row, col)


# Where a sheet keeps its merged ranges by row for _add_merged: [how many ranges it has seen,
# {row: [ranges covering it]}].
_MERGED_BY_ROW = "_selfassess_merged_by_row"


def _add_merged(ws: Any, mcr: Any) -> None:
    """``ws.merged_cells.add(mcr)``: added unless a range already merged holds it.

    openpyxl compares the new range with every merged range of the sheet, so that a sheet of
    a thousand merges costs half a million comparisons; here only the ranges covering the new
    range's first row are compared (any range that holds it covers that row). The index is
    made again whenever the sheet has ranges it has not seen (merged by openpyxl itself).
    """
    ranges = ws.merged_cells.ranges
    index = ws.__dict__.get(_MERGED_BY_ROW)
    if index is None or index[0] != len(ranges):
        by_row: dict[int, list[Any]] = {}
        for merged in ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                by_row.setdefault(row, []).append(merged)
        index = ws.__dict__[_MERGED_BY_ROW] = [len(ranges), by_row]
    by_row = index[1]
    if any(mcr <= merged for merged in by_row.get(mcr.min_row, ())):
        return
    ranges.add(mcr)
    for row in range(mcr.min_row, mcr.max_row + 1):
        by_row.setdefault(row, []).append(mcr)
    index[0] = len(ranges)


def restyle(cell: Any, look: Any) -> None:
    """Give ``cell`` a copy of the style array ``look`` (from :func:`look_of`) at once."""
    cell._style = copy(look)


def look_of(cell: Any) -> Any:
    """A copy of the cell's style array, for :func:`styled_cell` and :func:`keep_row`."""
    return copy(cell._style)


def keep_row(ws: Any, row: int, height: float, values: list[tuple[object, Any]]) -> None:
    """Keep a row of (value, look) from column A on, and its height, as data for save_fast."""
    cells = [(col, *_plain_value(value), look) for col, (value, look) in enumerate(values, 1)]
    ws.__dict__.setdefault(_ROWS_AS_DATA, []).append((row, height, cells))


# Where a sheet built with rows_as_data keeps its plain rows: [(row, height, cells)], each cell
# (column, kind, value, look) with kind "s" or "n", or kind "" and value a ready openpyxl Cell.
_ROWS_AS_DATA = "_selfassess_rows_as_data"


def _plain_value(value: object) -> tuple[str, object]:
    """What write_text and openpyxl's Cell make of ``value``: ("s", text) or ("n", number) in
    the plain cases, else ("", value) for a real cell to decide."""
    from pipeline.xlsx.write import FORMULA_TRIGGERS, clean_text

    if isinstance(value, str):
        # Printable ASCII has none of the characters clean_text removes: skip its regex.
        text = value if value.isascii() and value.isprintable() else clean_text(value)[0]
        if len(text) <= 32767 and not text.startswith(FORMULA_TRIGGERS) and text not in _ERRORS:
            return "s", text
    elif type(value) is int:
        return "n", value
    return "", value


# What the fast sheet writer's rows stand in for until the part is put together: no cell's text
# (it is not a sheet's XML), and never written to a file.
_ROWS_MARKER = "selfassess-rows-0c1b6f3e"

# A lone surrogate is no character: XML cannot hold it, as a reference either.
_SURROGATES = re.compile("[\ud800-\udfff]")

# openpyxl's ERROR_CODES: text that it stores as an error value.
_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


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
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
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
    from io import BytesIO

    from lxml import etree
    from openpyxl.cell._writer import _set_attributes
    from openpyxl.cell.cell import Cell
    from openpyxl.compat import safe_string
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.worksheet.dimensions import RowDimension, SheetDimension
    from openpyxl.writer.excel import ExcelWriter

    class SheetWriter(WorksheetWriter):
        # The rows as written by sheet_data, for write_worksheet to put in place (None: the
        # rows went through openpyxl's own writer).
        rows_xml: bytes | None = None

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
            # The rows go into the part as they are (Writer.write_worksheet puts them in place of
            # a marker), written as openpyxl's lxml writer writes them: ASCII, every other
            # character as a reference.
            self.rows_xml = xml.encode("ascii", "xmlcharrefreplace")
            marker = etree.Element("sheetData")
            marker.text = _ROWS_MARKER
            self.xf.send(marker)

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
            xml = "".join(out)
            if _SURROGATES.search(xml):
                raise _Unusual  # no XML can hold it: openpyxl's writer says so
            return xml

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
                    append(f'{start} t="inlineStr"></c>')
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
                append(f"{start}></c>")
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
            writer = SheetWriter(ws, out=BytesIO())
            writer.write()
            ws._rels = writer._rels
            part = writer.read()
            if writer.rows_xml is not None:
                marker = f"<sheetData>{_ROWS_MARKER}</sheetData>".encode()
                if part.count(marker) != 1:  # never so: the marker is not text a sheet holds
                    raise AssertionError("the fast sheet writer lost its place")
                part = part.replace(marker, writer.rows_xml)
            self._archive.writestr(ws.path[1:], part)
            self.manifest.append(ws)

    return Writer
