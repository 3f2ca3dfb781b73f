"""Are two findings.xlsx files the same workbook? For checking a change to the writer.

    .venv/bin/python bench/same_findings.py before.xlsx after.xlsx

Compares, sheet by sheet, what a reader sees: every cell's value, type, number format, font,
fill, border, alignment, protection and link; merged cells; row heights and column widths;
freeze panes; print settings (page setup, margins, options, print titles and area, row and
column breaks, fit to page, header and footer); data validations and conditional formats; each
chart's kind, anchor, size, title and series references; and the workbook's title and author.
Exit status 0 when they are the same, 1 with the first differences listed when not. It says
too whether every part of the two zips holds the same bytes (but the save time), which is not
required.
"""

from __future__ import annotations

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


def _cell(cell: Any) -> tuple[object, ...]:
    return (
        cell.value,
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

    a_wb, b_wb = openpyxl.load_workbook(path_a), openpyxl.load_workbook(path_b)
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


def same_bytes(path_a: Path, path_b: Path) -> bool:
    """Whether every part holds the same bytes, but the save time in docProps/core.xml."""
    with zipfile.ZipFile(path_a) as za, zipfile.ZipFile(path_b) as zb:
        if za.namelist() != zb.namelist():
            return False
        return all(za.read(n) == zb.read(n) for n in za.namelist() if n != "docProps/core.xml")


def main() -> None:
    a, b = Path(sys.argv[1]), Path(sys.argv[2])
    found = differences(a, b)
    for line in found:
        print(line)
    print(f"{'DIFFERENT' if found else 'same workbook'}; parts byte-identical: {same_bytes(a, b)}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
