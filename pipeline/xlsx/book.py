"""A small .xlsx writer of our own, for findings.xlsx: no openpyxl, no per-cell objects.

``collect`` writes findings.xlsx every time it runs; importing openpyxl and building its cell
objects cost more than reading every return. This module writes the same package openpyxl
wrote (the same parts, elements, attributes and style numbers: tests/test_findings_writer.py
compares them with a file openpyxl wrote), for what findings.xlsx uses: text, numbers, one
rich-text cell per sheet, looks (font, fill, border, alignment, number format, quote prefix),
row heights, column widths, merged ranges, internal links, page setup with repeated header
rows and manual row breaks, and one stacked bar chart per sheet (:mod:`pipeline.xlsx.book_chart`).

Each cell is kept as its XML, made when it is put (:meth:`Sheet.put`); its style number is
given when the sheet is written, in the order openpyxl gives them (the order cells are
written), while fonts, fills, borders and number formats are numbered in the order they are
first used, as openpyxl numbers them when a cell is given one.

The other workbooks (forms, reports) are written with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from pipeline.xlsx.write import ERROR_TEXTS, FORMULA_TRIGGERS, clean_text

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# The most characters an Excel cell holds: longer text is the caller's to split.
CELL_LIMIT = 32767
# A lone surrogate is no character: XML cannot hold it, as a reference either.
_SURROGATES = re.compile("[\ud800-\udfff]")


# --------------------------------------------------------------------------------------------
# XML text


def text_xml(text: str) -> str:
    """``text`` as element content: the parser reads back exactly ``text`` (a CR too)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def attr_xml(text: str) -> str:
    """``text`` as an attribute value in double quotes, as lxml writes it."""
    text = text_xml(text)
    for char, ref in (('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;")):
        if char in text:
            text = text.replace(char, ref)
    return text


def number_xml(value: float) -> str:
    """A number as openpyxl writes it (``%.16g``: ``7``, ``0.7391304347826086``)."""
    return f"{value:.16g}"


def _t(text: str) -> str:
    """A ``<t>`` element, whitespace kept where the text starts or ends with it."""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{text_xml(text)}</t>"


@lru_cache(maxsize=256)
def column_letter(col: int) -> str:
    """``1`` -> ``A``, ``27`` -> ``AA``."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_sheetname(name: str) -> str:
    """A sheet's name in a reference, as openpyxl writes it: always quoted."""
    return "'" + name.replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# Looks


def colour_xml(rgb: str) -> str:
    """A colour from 6 hex digits (``1F3864``), as openpyxl stores it (``001F3864``)."""
    return f'<color rgb="00{rgb}"/>' if len(rgb) == 6 else f'<color rgb="{rgb}"/>'


def font_xml(
    name: str,
    size: float,
    bold: bool = False,
    italic: bool = False,
    colour: str | None = None,
    underline: str | None = None,
) -> str:
    """A ``<font>`` as openpyxl writes ``Font(name, size, bold, italic, color, underline)``."""
    parts = [f'<font><name val="{attr_xml(name)}"/>']
    if bold:
        parts.append('<b val="1"/>')
    if italic:
        parts.append('<i val="1"/>')
    if colour:
        parts.append(colour_xml(colour))
    parts.append(f'<sz val="{number_xml(size)}"/>')
    if underline:
        parts.append(f'<u val="{underline}"/>')
    parts.append("</font>")
    return "".join(parts)


def solid_fill_xml(rgb: str) -> str:
    """``PatternFill("solid", fgColor=rgb)``."""
    return f'<fill><patternFill patternType="solid"><fgColor rgb="00{rgb}"/></patternFill></fill>'


def thin_border_xml(rgb: str, sides: str = "left right top bottom") -> str:
    """A thin border of colour ``rgb`` on ``sides``.

    All four sides: ``Border(left=side, right=side, top=side, bottom=side)`` (no diagonal).
    Fewer: the borders openpyxl gives the cells of a merged range from its top-left cell's
    (the other sides empty, with an empty diagonal)."""
    side = f'style="thin">{colour_xml(rgb)}'
    names = ("left", "right", "top", "bottom")
    if sides == "left right top bottom":
        return "<border>" + "".join(f"<{n} {side}</{n}>" for n in names) + "</border>"
    shown = sides.split()
    body = "".join(f"<{n} {side}</{n}>" if n in shown else f"<{n}/>" for n in names)
    return f"<border>{body}<diagonal/></border>"


WRAP = '<alignment vertical="top" wrapText="1"/>'
WRAP_CENTRE = '<alignment horizontal="center" vertical="top" wrapText="1"/>'

_DEFAULT_FONT = (
    '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
    '<scheme val="minor"/></font>'
)
_DEFAULT_FILLS = (
    "<fill><patternFill/></fill>",
    '<fill><patternFill patternType="gray125"/></fill>',
)
_DEFAULT_BORDER = "<border><left/><right/><top/><bottom/><diagonal/></border>"
# Excel's built-in number formats that findings.xlsx uses (no numFmt element needed).
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "0%": 9, "0.00%": 10}


class Look(NamedTuple):
    """A cell's look, by the numbers of its parts in the workbook's tables (its xf)."""

    font: int
    fill: int
    border: int
    number_format: int
    alignment: str  # the <alignment> element, "" for none
    quote_prefix: bool = False


PLAIN = Look(0, 0, 0, 0, "")


class Styles:
    """The workbook's style tables: fonts, fills, borders and number formats numbered as first
    used (:meth:`look`), cell looks (xfs) as first written (:meth:`xf`)."""

    def __init__(self) -> None:
        self.fonts: dict[str, int] = {_DEFAULT_FONT: 0}
        self.fills: dict[str, int] = {xml: n for n, xml in enumerate(_DEFAULT_FILLS)}
        self.borders: dict[str, int] = {_DEFAULT_BORDER: 0}
        self.formats: dict[str, int] = {}  # custom number formats, from 164
        self.xfs: dict[Look, int] = {PLAIN: 0}

    def look(
        self,
        font: str = "",
        fill: str = "",
        border: str = "",
        alignment: str = "",
        number_format: str = "General",
        quote_prefix: bool = False,
    ) -> Look:
        """A look from its parts' XML (``""``: the default), each part numbered now if new."""
        return Look(
            self._number(self.fonts, font) if font else 0,
            self._number(self.fills, fill) if fill else 0,
            self.border_id(border) if border else 0,
            self.format_id(number_format),
            alignment,
            quote_prefix,
        )

    def border_id(self, border: str) -> int:
        """The number of ``border`` in the borders table (added if new)."""
        return self._number(self.borders, border)

    def format_id(self, code: str) -> int:
        """A number format's number: built in, or custom from 164 in the order first used."""
        builtin = _BUILTIN_FORMATS.get(code)
        if builtin is not None:
            return builtin
        found = self.formats.get(code)
        if found is None:
            found = self.formats[code] = 164 + len(self.formats)
        return found

    @staticmethod
    def _number(table: dict[str, int], xml: str) -> int:
        found = table.get(xml)
        if found is None:
            found = table[xml] = len(table)
        return found

    def xf(self, look: Look) -> int:
        """The look's number in the cell looks (added when first written, as openpyxl does)."""
        found = self.xfs.get(look)
        if found is None:
            found = self.xfs[look] = len(self.xfs)
        return found

    def xml(self) -> str:
        """xl/styles.xml."""
        out = [f'<styleSheet xmlns="{MAIN_NS}">']
        if self.formats:
            out.append(f'<numFmts count="{len(self.formats)}">')
            for code, n in self.formats.items():
                out.append(f'<numFmt numFmtId="{n}" formatCode="{attr_xml(code)}"/>')
            out.append("</numFmts>")
        for name, table in (("fonts", self.fonts), ("fills", self.fills)):
            out.append(f'<{name} count="{len(table)}">{"".join(table)}</{name}>')
        out.append(f'<borders count="{len(self.borders)}">{"".join(self.borders)}</borders>')
        out.append(
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(self.xfs)}">'
        )
        for look in self.xfs:
            apply = ' applyAlignment="1"' if look.alignment else ""
            attrs = (
                f'numFmtId="{look.number_format}" fontId="{look.font}" fillId="{look.fill}" '
                f'borderId="{look.border}"{apply} pivotButton="0" '
                f'quotePrefix="{int(look.quote_prefix)}" xfId="0"'
            )
            out.append(f"<xf {attrs}>{look.alignment}</xf>" if look.alignment else f"<xf {attrs}/>")
        out.append("</cellXfs>")
        out.append(_STYLES_TAIL)
        return "".join(out)


# openpyxl's legacy palette, 64 colours of 8 hex digits, written into every styles part.
_INDEXED_COLOURS = (
    "0000000000FFFFFF00FF00000000FF00000000FF00FFFF0000FF00FF0000FFFF0000000000FFFFFF"
    "00FF00000000FF00000000FF00FFFF0000FF00FF0000FFFF00800000000080000000008000808000"
    "008000800000808000C0C0C000808080009999FF0099336600FFFFCC00CCFFFF0066006600FF8080"
    "000066CC00CCCCFF0000008000FF00FF00FFFF000000FFFF008000800080000000008080000000FF"
    "0000CCFF00CCFFFF00CCFFCC00FFFF990099CCFF00FF99CC00CC99FF00FFCC99003366FF0033CCCC"
    "0099CC0000FFCC0000FF990000FF6600006666990096969600003366003399660000330000333300"
    "00993300009933660033339900333333"
)
_STYLES_TAIL = (
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/>'
    '</cellStyles><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
    'defaultPivotStyle="PivotStyleLight16"/><colors><indexedColors>'
    + "".join(f'<rgbColor rgb="{_INDEXED_COLOURS[i : i + 8]}"/>' for i in range(0, 512, 8))
    + "</indexedColors></colors></styleSheet>"
)


# --------------------------------------------------------------------------------------------
# Sheets


class RowHeight:
    """A row's height, where :class:`pipeline.xlsx.write.Pages` reads it (``.height``)."""

    __slots__ = ("height",)

    def __init__(self, height: float) -> None:
        self.height = height


@dataclass
class Break:
    """A manual page break after row ``id`` (as openpyxl's ``Break``: Pages moves it)."""

    id: int


@dataclass
class RowBreaks:
    """A sheet's manual row breaks, as :class:`pipeline.xlsx.write.Pages` adds and moves them."""

    brk: list[Break] = field(default_factory=list)

    def append(self, brk: Break) -> None:
        self.brk.append(brk)

    @staticmethod
    def new_break(row: int) -> Break:
        """A break after ``row``, of the kind ``append`` takes."""
        return Break(id=row)


@dataclass
class PageSetup:
    """What findings.xlsx sets of a sheet's page setup beyond ``print_setup``'s constants."""

    fitToHeight: int = 0  # openpyxl's name: Pages.fit_last_page sets it


@dataclass
class BarChart:
    """A stacked horizontal bar chart, as findings.xlsx draws each quality statement's ratings
    (the XML: :func:`pipeline.xlsx.book_chart.chart_xml`)."""

    title: str
    x_title: str
    y_title: str
    # (title cell, categories, values, colour) per series; references as Excel writes them.
    series: list[tuple[str, str, str, str]]
    major_unit: float
    width_cm: float
    height_cm: float
    row: int  # the anchor: the top-left cell, from 1
    col: int


class Sheet:
    """A worksheet: cells kept as their XML by row, and the sheet's settings.

    Where :class:`pipeline.xlsx.write.Pages` reads or sets them, the names are openpyxl's
    (``row_dimensions``, ``row_breaks``, ``page_setup``), so the one page planner serves both.
    """

    def __init__(self, book: Book, title: str) -> None:
        self.title = title
        self.styles = book.styles
        self.widths: dict[int, float] = {}
        self.row_dimensions: dict[int, RowHeight] = {}
        self.rows: dict[int, dict[int, tuple[Look, str]]] = {}
        # (min_row, min_col, max_row, max_col): a set, so that they are written in the order
        # openpyxl's set of ranges (hashed alike) writes them.
        self.merged: set[tuple[int, int, int, int]] = set()
        self._merged_by_row: dict[int, list[tuple[int, int, int, int]]] = {}
        self.links: list[tuple[int, int, str]] = []
        self.row_breaks = RowBreaks()
        self.page_setup = PageSetup()
        self.print_title_rows: str | None = None
        self.chart: BarChart | None = None

    def width(self, col: int, width: float) -> None:
        self.widths[col] = width

    def height(self, row: int, height: float) -> None:
        self.row_dimensions[row] = RowHeight(height)

    def put(self, row: int, col: int, value: object, look: Look) -> None:
        """Put ``value`` (text, a number, or None for a cell with only a look) in a cell with
        ``look``: see :func:`cell_xml`."""
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
        cells[col] = cell_xml(value, look)

    def put_row(self, row: int, height: float, cells: dict[int, tuple[Look, str]]) -> None:
        """A row of its own (no cell in it yet): its cells by column, each made by
        :func:`cell_xml` (a cell that recurs, made once), and its height. Thousands of comment
        rows are most of findings.xlsx."""
        self.rows[row] = cells
        self.row_dimensions[row] = RowHeight(height)

    def put_rich(self, row: int, col: int, runs: list[tuple[str, str]], look: Look) -> None:
        """A cell of rich text: (run properties XML, text) runs."""
        body = "".join(f"<r>{props}{_t(clean_text(text)[0])}</r>" for props, text in runs)
        self.rows.setdefault(row, {})[col] = (look, f' t="inlineStr"><is>{body}</is></c>')

    def merge(self, min_row: int, min_col: int, max_row: int, max_col: int) -> None:
        """Merge a range; its cells but the top-left one show nothing. A range held by one
        merged already is not added (as openpyxl)."""
        for _r1, c1, r2, c2 in self._merged_by_row.get(min_row, ()):
            if c1 <= min_col and max_row <= r2 and max_col <= c2:
                return
        merged = (min_row, min_col, max_row, max_col)
        self.merged.add(merged)
        for row in range(min_row, max_row + 1):
            self._merged_by_row.setdefault(row, []).append(merged)

    def print_setup(self, repeat_rows: str | None = None) -> None:
        """As :func:`pipeline.xlsx.write.print_setup` sets a sheet (its defaults): A4
        landscape, fitted to the page width, ``MARGINS``, ``FOOTER``, and ``repeat_rows``
        (``"5:5"``) printed at the top of every page."""
        self.print_title_rows = repeat_rows

    def link(self, row: int, col: int, target: str) -> None:
        """A link from the cell (an address such as ``#'Sheet'!A1``)."""
        self.links.append((row, col, target))


# The looks with Excel's quote prefix added, by look without (see cell_xml).
_QUOTED: dict[Look, Look] = {}


def cell_xml(value: object, look: Look) -> tuple[Look, str]:
    """A cell's look and its XML after the reference and style (`` t="n"><v>7</v></c>``).

    Text stays text, as :func:`pipeline.xlsx.write.write_text` keeps it: text a spreadsheet
    would take for a formula or an error value gets Excel's quote prefix; characters no
    workbook can hold are removed (``clean_text``); a lone surrogate, which no XML can hold,
    is refused, as openpyxl refused it.
    """
    if isinstance(value, str):
        text = value
        if not text.isascii():
            if _SURROGATES.search(text):
                raise ValueError("All strings must be XML compatible: a lone surrogate is none")
            text = clean_text(text)[0]
        elif not text.isprintable():
            text = clean_text(text)[0]
        if not text:
            return look, ' t="inlineStr"></c>'
        if text.startswith(FORMULA_TRIGGERS) or text in ERROR_TEXTS:
            quoted = _QUOTED.get(look)
            if quoted is None:
                quoted = _QUOTED[look] = look._replace(quote_prefix=True)
            look = quoted
        if len(text) > CELL_LIMIT:
            raise ValueError(f"text of {len(text)} characters is more than a cell holds")
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return look, f' t="inlineStr"><is><t{space}>{text_xml(text)}</t></is></c>'
    if value is None:
        return look, ' t="n"></c>'
    if value.__class__ is int:
        return look, f' t="n"><v>{value}</v></c>'  # as %.16g writes any count
    if isinstance(value, int | float) and not isinstance(value, bool):
        return look, f' t="n"><v>{value:.16g}</v></c>'
    raise TypeError(f"findings.xlsx holds text and numbers, not {type(value).__name__}")


class Book:
    """A workbook: sheets in order, its title and author
    (:func:`pipeline.xlsx.book_package.write_package` writes it)."""

    def __init__(self, title: str = "", creator: str = "") -> None:
        self.styles = Styles()
        self.sheets: list[Sheet] = []
        self.title, self.creator = title, creator
        self.created = _now()

    def sheet(self, title: str) -> Sheet:
        """A new sheet, after the others."""
        sheet = Sheet(self, title)
        self.sheets.append(sheet)
        return sheet


def _now() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(tzinfo=None, microsecond=0)


def sheet_rows(sheet: Sheet) -> Iterator[int]:
    """The rows written: those with a cell, a height or a merged range, in order."""
    rows = set(sheet.rows)
    rows.update(sheet.row_dimensions)
    for r1, _c1, r2, _c2 in sheet.merged:
        rows.update(range(r1, r2 + 1))
    return iter(sorted(rows))
