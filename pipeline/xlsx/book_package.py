"""Writing a :class:`pipeline.xlsx.book.Book` as an .xlsx package (a zip of XML parts).

The parts, their names, their order in the zip and their content types are those openpyxl
wrote for the same workbook: docProps, the theme, each sheet (with its drawing, chart link and
links), the charts, the styles, then the workbook and the content types. Every part that does
not depend on the workbook's content is a constant. Sheets are written as ASCII with character
references (as openpyxl's incremental writer wrote them), the other parts as UTF-8.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import IO

from pipeline.xlsx.book import (
    MAIN_NS,
    PKG_REL_NS,
    PLAIN,
    REL_NS,
    Book,
    Look,
    Sheet,
    attr_xml,
    column_letter,
    number_xml,
    quote_sheetname,
    sheet_rows,
    text_xml,
)
from pipeline.xlsx.book_chart import chart_xml, drawing_xml
from pipeline.xlsx.write import FOOTER, MARGINS, clean_text

_TYPES = "application/vnd.openxmlformats-officedocument."
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_APP_XML = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel Compatible / selfassess</Application>"
    "<AppVersion>3.1</AppVersion></Properties>"
)
_ROOT_RELS = (
    f'<Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Type="{_OFFICE_REL}officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
    '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml" Id="rId2"/>'
    f'<Relationship Type="{_OFFICE_REL}extended-properties" Target="docProps/app.xml" Id="rId3"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    f'<worksheet xmlns="{MAIN_NS}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
    '<pageSetUpPr fitToPage="1"/></sheetPr>'
)
_SHEET_VIEW = (
    '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/>'
    '</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
)
_MARGINS = (
    "<pageMargins "
    + " ".join(f'{side}="{number_xml(inches)}"' for side, inches in MARGINS.items())
    + "/>"
)
# print_setup's footer, centred (&C).
_HEADER_FOOTER = (
    f"<headerFooter><oddHeader></oddHeader><oddFooter>{text_xml('&C' + FOOTER)}</oddFooter>"
    "<evenHeader></evenHeader><evenFooter></evenFooter><firstHeader></firstHeader>"
    "<firstFooter></firstFooter></headerFooter>"
)
_WORKBOOK_HEAD = (
    f'<workbook xmlns="{MAIN_NS}"><workbookPr/><workbookProtection/><bookViews>'
    '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" '
    'showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" '
    'autoFilterDateGrouping="1"/></bookViews>'
)


@lru_cache(maxsize=1)
def _theme() -> bytes:
    """The Office theme every openpyxl workbook carries (xl/theme/theme1.xml)."""
    return Path(__file__).with_name("theme1.xml").read_bytes()


def write_package(book: Book, target: Path | IO[bytes]) -> None:
    """Write ``book`` to ``target`` (a path or a binary file), compressed quickly."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("docProps/app.xml", _APP_XML)
        archive.writestr("docProps/core.xml", _core_xml(book).encode())
        archive.writestr("xl/theme/theme1.xml", _theme())
        charts: list[str] = []
        for n, sheet in enumerate(book.sheets, start=1):
            _write_sheet(archive, sheet, n, charts)
        for n, chart in enumerate(charts, start=1):
            archive.writestr(f"xl/charts/chart{n}.xml", chart.encode())
        archive.writestr("xl/styles.xml", book.styles.xml().encode())
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook_xml(book).encode())
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(book.sheets)))
        archive.writestr("[Content_Types].xml", _content_types(book).encode())


def _write_sheet(archive: zipfile.ZipFile, sheet: Sheet, n: int, charts: list[str]) -> None:
    """A sheet's part, then its drawing and relationships; its chart kept for later."""
    rels = [
        (f"{_OFFICE_REL}hyperlink", attr_xml(target), ' TargetMode="External"')
        for _row, _col, target in sheet.links
    ]
    drawing = ""
    if sheet.chart is not None:
        charts.append(chart_xml(sheet.chart))
        rels.append((f"{_OFFICE_REL}drawing", f"/xl/drawings/drawing{len(charts)}.xml", ""))
        drawing = f'<drawing xmlns:r="{REL_NS}" r:id="rId{len(rels)}"/>'
    xml = _sheet_xml(sheet, drawing)
    archive.writestr(f"xl/worksheets/sheet{n}.xml", xml.encode("ascii", "xmlcharrefreplace"))
    if sheet.chart is not None:
        path = f"xl/drawings/drawing{len(charts)}.xml"
        archive.writestr(path, drawing_xml(sheet.chart).encode())
        chart_rel = (f"{_OFFICE_REL}chart", f"/xl/charts/chart{len(charts)}.xml", "")
        archive.writestr(f"xl/drawings/_rels/drawing{len(charts)}.xml.rels", _rels([chart_rel]))
    if rels:
        archive.writestr(f"xl/worksheets/_rels/sheet{n}.xml.rels", _rels(rels).encode())


def _rels(rels: list[tuple[str, str, str]]) -> str:
    """A relationships part: (type, target as attribute text, extra attributes) each."""
    body = "".join(
        f'<Relationship Type="{kind}" Target="{target}"{extra} Id="rId{n}"/>'
        for n, (kind, target, extra) in enumerate(rels, start=1)
    )
    return f'<Relationships xmlns="{PKG_REL_NS}">{body}</Relationships>'


def _sheet_xml(sheet: Sheet, drawing: str) -> str:
    """xl/worksheets/sheetN.xml."""
    out = [_SHEET_HEAD, "", _SHEET_VIEW]
    if sheet.widths:
        out.append("<cols>")
        for col in sorted(sheet.widths):
            width = number_xml(sheet.widths[col])
            out.append(f'<col width="{width}" customWidth="1" min="{col}" max="{col}"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    first_col, last_col = _write_rows(sheet, out)
    out.append("</sheetData>")
    out[1] = f'<dimension ref="{_dimension(sheet, first_col, last_col)}"/>'
    if sheet.merged:
        out.append(f'<mergeCells count="{len(sheet.merged)}">')
        for r1, c1, r2, c2 in sheet.merged:
            out.append(f'<mergeCell ref="{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"/>')
        out.append("</mergeCells>")
    if sheet.links:
        out.append("<hyperlinks>")
        for n, (row, col, _target) in enumerate(sheet.links, start=1):
            ref = f"{column_letter(col)}{row}"
            out.append(f'<hyperlink xmlns:r="{REL_NS}" ref="{ref}" r:id="rId{n}"/>')
        out.append("</hyperlinks>")
    out.append(_MARGINS)
    out.append(
        f'<pageSetup orientation="landscape" paperSize="9" '
        f'fitToHeight="{sheet.page_setup.fitToHeight}" fitToWidth="1"/>'
    )
    out.append(_HEADER_FOOTER)
    breaks = sheet.row_breaks.brk
    if breaks:
        out.append(f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">')
        out.extend(f'<brk id="{b.id}" min="0" max="16383" man="1"/>' for b in breaks)
        out.append("</rowBreaks>")
    out.append(drawing)
    out.append("</worksheet>")
    return "".join(out)


def _write_rows(sheet: Sheet, out: list[str]) -> tuple[int, int]:
    """Append the sheet's rows to ``out``; the first and last columns with a cell."""
    xf = sheet.styles.xf
    # The style attribute of each look met, by identity: the looks are made once and kept
    # (book_looks.Looks), so this spares hashing one for every cell.
    styles: dict[int, str] = {}
    heights = sheet.row_dimensions
    height_attrs: dict[float, str] = {}
    first_col, last_col = 16384, 0
    append = out.append
    empty: dict[int, tuple[Look, str]] = {}
    letters = [""] + [column_letter(n) for n in range(1, 64)]
    for row in sheet_rows(sheet):
        dim = heights.get(row)
        if dim is None:
            append(f'<row r="{row}">')
        else:
            ht = height_attrs.get(dim.height)
            if ht is None:
                ht = height_attrs[dim.height] = f' ht="{number_xml(dim.height)}" customHeight="1"'
            append(f'<row r="{row}"{ht}>')
        cells = sheet.rows.get(row, empty)
        if not cells:
            append("</row>")
            continue
        cols = sorted(cells)
        first_col, last_col = min(first_col, cols[0]), max(last_col, cols[-1])
        if cols[-1] >= len(letters):
            letters += [column_letter(n) for n in range(len(letters), cols[-1] + 1)]
        for col in cols:
            look, value = cells[col]
            s = styles.get(id(look))
            if s is None:
                if look == PLAIN and value == ' t="n"></c>':
                    continue  # an empty cell of no look is not written
                number = xf(look)
                s = styles[id(look)] = f' s="{number}"' if number else ""
            append(f'<c r="{letters[col]}{row}"{s}{value}')
        append("</row>")
    return first_col, last_col


def _dimension(sheet: Sheet, first_col: int, last_col: int) -> str:
    """The range the sheet's cells and merged ranges cover (``A1:A1`` for none)."""
    rows = set(sheet.rows)
    for r1, c1, r2, c2 in sheet.merged:
        rows.update((r1, r2))
        first_col, last_col = min(first_col, c1), max(last_col, c2)
    if not rows:
        return "A1:A1"
    return f"{column_letter(first_col)}{min(rows)}:{column_letter(last_col)}{max(rows)}"


def _core_xml(book: Book) -> str:
    """docProps/core.xml: the title, the author, when made and saved."""
    dc = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    terms = (
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="dcterms:W3CDTF"'
    )
    saved = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    when = [f"{moment:%Y-%m-%dT%H:%M:%SZ}" for moment in (book.created, saved)]
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        f'core-properties"><dc:creator {dc}>{_text(book.creator)}</dc:creator>'
        f"<dc:title {dc}>{_text(book.title)}</dc:title>"
        f"<dcterms:created {terms}>{when[0]}</dcterms:created>"
        f"<dcterms:modified {terms}>{when[1]}</dcterms:modified></cp:coreProperties>"
    )


def _text(text: str) -> str:
    """Text of the book's own (its title: the council's name) as XML, without the characters
    no workbook can hold (openpyxl refused to save them)."""
    return text_xml(clean_text(text)[0])


def _workbook_xml(book: Book) -> str:
    """xl/workbook.xml: the sheets in order and each one's repeated rows."""
    out = [_WORKBOOK_HEAD, "<sheets>"]
    for n, sheet in enumerate(book.sheets, start=1):
        out.append(
            f'<sheet xmlns:r="{REL_NS}" name="{attr_xml(sheet.title)}" sheetId="{n}" '
            f'state="visible" r:id="rId{n}"/>'
        )
    out.append("</sheets>")
    titles = [
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
        f"{text_xml(quote_sheetname(sheet.title))}!{_rows(sheet.print_title_rows)}</definedName>"
        for n, sheet in enumerate(book.sheets)
        if sheet.print_title_rows
    ]
    if titles:
        out.append(f"<definedNames>{''.join(titles)}</definedNames>")
    out.append('<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')
    return "".join(out)


def _rows(rows: str) -> str:
    """``"93:93"`` -> ``"$93:$93"``."""
    first, last = rows.split(":")
    return f"${first}:${last}"


def _workbook_rels(sheets: int) -> str:
    rels = [
        (f"{_OFFICE_REL}worksheet", f"/xl/worksheets/sheet{n}.xml", "")
        for n in range(1, sheets + 1)
    ]
    rels.append((f"{_OFFICE_REL}styles", "styles.xml", ""))
    rels.append((f"{_OFFICE_REL}theme", "theme/theme1.xml", ""))
    return _rels(rels)


def _content_types(book: Book) -> str:
    """[Content_Types].xml: every part's type, in the order openpyxl listed them."""
    sheet_type = f"{_TYPES}spreadsheetml.worksheet+xml"
    parts = [
        ("/xl/styles.xml", f"{_TYPES}spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", f"{_TYPES}theme+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml", f"{_TYPES}extended-properties+xml"),
    ]
    drawings = 0
    for n, sheet in enumerate(book.sheets, start=1):
        parts.append((f"/xl/worksheets/sheet{n}.xml", sheet_type))
        if sheet.chart is not None:
            drawings += 1
            parts.append((f"/xl/drawings/drawing{drawings}.xml", f"{_TYPES}drawing+xml"))
    parts += [
        (f"/xl/charts/chart{n}.xml", f"{_TYPES}drawingml.chart+xml") for n in range(1, drawings + 1)
    ]
    parts.append(("/xl/workbook.xml", f"{_TYPES}spreadsheetml.sheet.main+xml"))
    overrides = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in parts
    )
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f"{overrides}</Types>"
    )
