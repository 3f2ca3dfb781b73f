"""Are two findings.xlsx files the same workbook? For checking a change to the writer.

    .venv/bin/python bench/same_findings.py before.xlsx after.xlsx

Compares, sheet by sheet, what a reader sees: every cell's value (rich text run by run, with
each run's font), type, number format, font, fill, border, alignment, protection and link;
merged cells; row heights and column widths; freeze panes and sheet state; print settings (page
setup, margins, options, print titles and area, row and column breaks, fit to page, header and
footer); data validations and conditional formats; each chart's kind, style, anchor, size,
title, bar overlap and gap, axes, legend and series references and colours; and the workbook's
title and author. Exit status 0 when they are the same, 1 with the first differences listed
when not.

It says too which parts of the two zips differ, each part's XML canonicalised (C14N: attribute
order, namespace declarations and character references aside), but the save times in
docProps/core.xml and the program named in docProps/app.xml; and whether every part holds the
same bytes (but the save time). Neither is required of a workbook that reads the same.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from typing import Any


def _xml(obj: Any) -> bytes:
    """An openpyxl object as the XML it is saved as (None as b"")."""
    from lxml import etree

    if obj is None:
        return b""
    return bytes(etree.tostring(obj.to_tree()))


def _value(value: object) -> object:
    """A cell's value; rich text as its runs: (font XML, text) each."""
    from openpyxl.cell.rich_text import CellRichText

    if not isinstance(value, CellRichText):
        return value
    return tuple((_xml(getattr(run, "font", None)), getattr(run, "text", run)) for run in value)


def _cell(cell: Any) -> tuple[object, ...]:
    return (
        _value(cell.value),
        cell.data_type,
        cell.number_format,
        _xml(cell.font),
        _xml(cell.fill),
        _xml(cell.border),
        _xml(cell.alignment),
        _xml(cell.protection),
        cell.quotePrefix,
        (cell.hyperlink.location, cell.hyperlink.target) if cell.hyperlink else None,
    )


def _chart(anchored: Any) -> tuple[object, ...]:
    chart = anchored
    anchor = chart.anchor._from if hasattr(chart.anchor, "_from") else chart.anchor
    anchor_at = (anchor.row, anchor.col) if hasattr(anchor, "row") else str(anchor)
    return (
        type(chart).__name__,
        getattr(chart, "type", None),
        getattr(chart, "grouping", None),
        getattr(chart, "overlap", None),
        getattr(chart, "gapWidth", None),
        chart.style,
        anchor_at,
        round(chart.width, 3),
        round(chart.height, 3),
        _xml(chart.title),
        tuple(
            (
                s.val.numRef.f if s.val and s.val.numRef else None,
                s.cat.numRef.f if s.cat and s.cat.numRef else None,
                s.tx.strRef.f if s.tx and s.tx.strRef else None,
                _xml(s.graphicalProperties),
            )
            for s in chart.series
        ),
        _xml(chart.x_axis),
        _xml(chart.y_axis),
        _xml(chart.legend),
    )


def differences(path_a: Path, path_b: Path, limit: int = 20) -> list[str]:
    """What differs between the two workbooks, as lines (empty: the same)."""
    import openpyxl

    a_wb = openpyxl.load_workbook(path_a, rich_text=True)
    b_wb = openpyxl.load_workbook(path_b, rich_text=True)
    out: list[str] = []

    def same(what: str, x: object, y: object) -> None:
        if x != y and len(out) < limit:
            out.append(f"{what}: {x!r:.200} != {y!r:.200}")

    same("sheets", a_wb.sheetnames, b_wb.sheetnames)
    for prop in ("title", "creator"):
        same(f"workbook {prop}", getattr(a_wb.properties, prop), getattr(b_wb.properties, prop))
    same("defined names", sorted(a_wb.defined_names), sorted(b_wb.defined_names))
    for name in a_wb.sheetnames:
        if name not in b_wb.sheetnames:
            continue
        a, b = a_wb[name], b_wb[name]
        same(f"{name} dimensions", a.dimensions, b.dimensions)
        for row, col in sorted(set(a._cells) | set(b._cells)):
            same(f"{name} cell {row},{col}", _cell(a.cell(row, col)), _cell(b.cell(row, col)))
        same(
            f"{name} merged",
            sorted(map(str, a.merged_cells.ranges)),
            sorted(map(str, b.merged_cells.ranges)),
        )
        for r in sorted(set(a.row_dimensions) | set(b.row_dimensions)):
            same(f"{name} row {r} height", a.row_dimensions[r].height, b.row_dimensions[r].height)
        for c in sorted(set(a.column_dimensions) | set(b.column_dimensions)):
            same(
                f"{name} column {c} width",
                a.column_dimensions[c].width,
                b.column_dimensions[c].width,
            )
        same(f"{name} freeze", a.freeze_panes, b.freeze_panes)
        same(f"{name} state", a.sheet_state, b.sheet_state)
        for part in (
            "page_setup",
            "print_options",
            "page_margins",
            "row_breaks",
            "col_breaks",
            "HeaderFooter",
            "data_validations",
            "sheet_format",
        ):
            same(f"{name} {part}", _xml(getattr(a, part)), _xml(getattr(b, part)))
        same(f"{name} fit to page", a.sheet_properties.pageSetUpPr, b.sheet_properties.pageSetUpPr)
        same(f"{name} print titles", a.print_title_rows, b.print_title_rows)
        same(f"{name} print area", a.print_area, b.print_area)
        same(
            f"{name} conditional formats",
            [(str(r.sqref), [_xml(x) for x in r.rules]) for r in a.conditional_formatting],
            [(str(r.sqref), [_xml(x) for x in r.rules]) for r in b.conditional_formatting],
        )
        same(f"{name} charts", len(a._charts), len(b._charts))
        for k, (x, y) in enumerate(zip(a._charts, b._charts, strict=False)):
            same(f"{name} chart {k}", _chart(x), _chart(y))
    return out


_SAVED = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
_PROGRAM = re.compile(rb"<Application>[^<]*</Application>")


def same_bytes(path_a: Path, path_b: Path) -> bool:
    """Whether every part holds the same bytes, but the save times in docProps/core.xml and
    the program named in docProps/app.xml."""

    def plain(name: str, data: bytes) -> bytes:
        return _PROGRAM.sub(b"", _SAVED.sub(rb"\1", data)) if name.startswith("docProps/") else data

    with zipfile.ZipFile(path_a) as za, zipfile.ZipFile(path_b) as zb:
        if za.namelist() != zb.namelist():
            return False
        return all(plain(n, za.read(n)) == plain(n, zb.read(n)) for n in za.namelist())


def part_differences(path_a: Path, path_b: Path) -> list[str]:
    """The parts whose canonical XML (C14N) differs, or that only one file has; the save
    times in docProps/core.xml and the program named in docProps/app.xml aside."""
    from lxml import etree

    def canonical(name: str, data: bytes) -> bytes:
        if name.startswith("docProps/"):
            data = _PROGRAM.sub(b"", _SAVED.sub(rb"\1", data))
        if not name.endswith((".xml", ".rels")):
            return data
        return bytes(etree.tostring(etree.fromstring(data), method="c14n"))

    with zipfile.ZipFile(path_a) as za, zipfile.ZipFile(path_b) as zb:
        a_names, b_names = set(za.namelist()), set(zb.namelist())
        out = [
            f"{n}: only in {path_a.name if n in a_names else path_b.name}"
            for n in sorted(a_names ^ b_names)
        ]
        for name in sorted(a_names & b_names):
            if canonical(name, za.read(name)) != canonical(name, zb.read(name)):
                out.append(f"{name}: differs")
    return out


def main() -> None:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    found = differences(a, b)
    for line in found:
        print(line)
    parts = part_differences(a, b)
    for line in parts:
        print(f"part {line}")
    print(
        f"{'DIFFERENT' if found else 'same workbook'}; parts the same as XML (C14N): {not parts}; "
        f"parts byte-identical: {same_bytes(a, b)} (save time and program aside)"
    )
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
