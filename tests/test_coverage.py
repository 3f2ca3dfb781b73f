"""IR coverage: the rows, the status line and outputs/ir-coverage.xlsx."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipeline.analysis.coverage import coverage_line, ir_coverage
from pipeline.framework import Framework
from pipeline.model.inputs import EvidenceItem, EvidenceLibrary, Located
from pipeline.outputs.coverage import GAP_FILL, HEADER_ROW, MARK, SHEET, write_ir_coverage
from pipeline.read.register import read_library
from pipeline.workspace import Workspace
from tests.conftest import soffice_convert
from tests.factories import fill_register


def _library(*docs: tuple[str, tuple[str, ...]]) -> EvidenceLibrary:
    at = Located(file="inputs/evidence-library.xlsx")
    return EvidenceLibrary(
        file=at.file,
        items=tuple(
            EvidenceItem(id=ident, title=f"Document {ident}", ir_items=codes, at=at)
            for ident, codes in docs
        ),
    )


def test_rows_follow_the_framework_with_their_documents(framework: Framework):
    lib = _library(("EV-001", ("IR5", "IR6")), ("EV-002", ("IR5",)), ("EV-003", ("IR99",)))
    rows = ir_coverage(framework, lib)
    assert [r.item.code for r in rows] == [i.code for i in framework.ir_items]
    by_code = {r.item.code: r for r in rows}
    assert [d.id for d in by_code["IR5"].documents] == ["EV-001", "EV-002"]
    assert [d.id for d in by_code["IR6"].documents] == ["EV-001"]
    assert not by_code["IR7"].covered
    assert by_code["IR2"].quality_statements == tuple(
        qs.code for qs in framework.quality_statements
    )
    assert by_code["IR5"].quality_statements == ("QS1",)


def test_coverage_line(framework: Framework):
    codes = [i.code for i in framework.ir_items]
    everything = _library(*((f"EV-{n}", (c,)) for n, c in enumerate(codes)))
    assert coverage_line(ir_coverage(framework, everything)) == (
        "IR coverage: 35 of 35 items have a document"
    )
    most = _library(*((f"EV-{n}", (c,)) for n, c in enumerate(codes) if c not in {"IR17", "IR20"}))
    assert coverage_line(ir_coverage(framework, most)) == (
        "IR coverage: 33 of 35 items have a document (missing: IR17, IR20)"
    )
    assert coverage_line(ir_coverage(framework, None)) == (
        "IR coverage: 0 of 35 items have a document (missing: IR2, IR3, IR4, IR5, IR6, IR7, "
        "IR8, IR9, IR10, IR11 and 25 more)"
    )


def _cells(path: Path) -> Any:
    return openpyxl.load_workbook(path)[SHEET]


def test_the_workbook_shows_items_down_and_statements_across(
    workspace: Workspace, framework: Framework
):
    def gap(rows: list[dict[str, Any]]) -> None:
        rows[15]["ir_items"] = "IR16"  # IR17's only document now names IR16

    fill_register(workspace, framework, change=gap)
    lib, _found = read_library(workspace)
    path = write_ir_coverage(workspace, framework, lib)
    assert path == workspace.root / "outputs" / "ir-coverage.xlsx"
    sheet = _cells(path)
    assert sheet["A2"].value == "IR coverage: 34 of 35 items have a document (missing: IR17)"
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == [
        "IR",
        "Evidence item",
        *(qs.code for qs in framework.quality_statements),
        "Document type",
        "Documents",
        "Documents in the library",
    ]
    rows = {sheet.cell(r, 1).value: r for r in range(HEADER_ROW + 1, HEADER_ROW + 36)}
    ir2, ir5, ir16, ir17 = (rows[c] for c in ("IR2", "IR5", "IR16", "IR17"))
    assert [sheet.cell(ir2, c).value for c in range(3, 12)] == [MARK] * 9
    assert [sheet.cell(ir5, c).value for c in range(3, 12)] == [MARK] + [None] * 8
    assert sheet.cell(ir16, 13).value == 2
    assert (
        sheet.cell(ir16, 14).value == "EV-015  IR16 source document\nEV-016  IR17 source document"
    )
    assert sheet.cell(ir17, 13).value == 0
    assert sheet.cell(ir17, 14).value == "No document yet"
    assert sheet.cell(ir17, 1).fill.fgColor.rgb.endswith(GAP_FILL)
    assert not sheet.cell(ir16, 1).fill.fgColor.rgb.endswith(GAP_FILL)
    assert sheet.freeze_panes == f"C{HEADER_ROW + 1}"
    assert sheet.page_setup.orientation == "landscape"


def test_the_workbook_without_a_library(workspace: Workspace, framework: Framework):
    sheet = _cells(write_ir_coverage(workspace, framework, None))
    assert "could not be read" in sheet["A3"].value
    assert sheet.cell(HEADER_ROW + 1, 14).value == "No document yet"


def test_titles_are_written_as_text(workspace: Workspace, framework: Framework):
    lib = _library(("EV-001", ("IR5",)))
    item = replace(lib.items[0], title='=HYPERLINK("http://evil")')
    lib = replace(lib, items=(item,))
    sheet = _cells(write_ir_coverage(workspace, framework, lib))
    row = next(r for r in range(HEADER_ROW + 1, HEADER_ROW + 36) if sheet.cell(r, 1).value == "IR5")
    assert sheet.cell(row, 14).data_type == "s"


@pytest.mark.libreoffice
def test_libreoffice_renders_the_coverage_workbook(
    workspace: Workspace, framework: Framework, tmp_path: Path
):
    fill_register(workspace, framework)
    lib, _found = read_library(workspace)
    pdf = soffice_convert(write_ir_coverage(workspace, framework, lib), "pdf", tmp_path)
    assert pdf.stat().st_size > 10_000
