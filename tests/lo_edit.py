"""Edit workbooks in LibreOffice as a person does in a spreadsheet program, through UNO.

Run by the tests with a Python that has LibreOffice's ``uno`` module (not the project's venv)::

    python3 tests/lo_edit.py JOBS.json

``JOBS.json`` is ``{"profile": "/tmp/lo-...", "jobs": [{"src": ..., "dst": ..., "sheet": ...,
"edits": [[name, args...], ...]}, ...]}``. One LibreOffice process does every job, each file
opened, edited with Calc's own commands (sort, standard filter, insert or delete a whole row or
column, type text, enter text as Calc reads typing (a date becomes a date), add a comment or a
text box; ``["sheet", name]`` moves on to another sheet), recalculated and saved as .xlsx. Rows
and columns are counted from 1, as a person counts them.

This file uses only the standard library and ``uno``: it is not part of the package.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.append("/usr/lib/python3/dist-packages")
sys.path.append("/usr/lib/libreoffice/program")

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.table import TableSortField


def prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str, proc: subprocess.Popen[bytes]) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def sort_rows(sheet: Any, first: int, last: int, by_col: int, descending: bool) -> None:
    """Data > Sort over columns A-D of rows ``first``-``last``, by column ``by_col``."""
    rng = sheet.getCellRangeByPosition(0, first - 1, 3, last - 1)
    field = TableSortField()
    field.Field = by_col - 1
    field.IsAscending = not descending
    field.IsCaseSensitive = False
    rng.sort(
        (
            prop("SortFields", uno.Any("[]com.sun.star.table.TableSortField", (field,))),
            prop("ContainsHeader", False),
        )
    )


def hide_by_filter(sheet: Any, first: int, last: int, col: int, value: str) -> None:
    """Data > More Filters > Standard Filter on rows ``first``-``last``: keep the rows whose
    column ``col`` holds ``value``; the others are hidden."""
    from com.sun.star.sheet import TableFilterField
    from com.sun.star.sheet.FilterOperator import EQUAL

    rng = sheet.getCellRangeByPosition(0, first - 1, 3, last - 1)
    desc = rng.createFilterDescriptor(True)
    field = TableFilterField()
    field.Field = col - 1
    field.Operator = EQUAL
    field.IsNumeric = False
    field.StringValue = value
    desc.ContainsHeader = False
    desc.FilterFields = (field,)
    rng.filter(desc)


def _sheet(doc: Any, name: str) -> Any:
    sheet = doc.Sheets.getByName(name)
    sheet.unprotect("")  # the forms' protection has no password, as a person finds
    return sheet


def edit(doc: Any, sheet_name: str, edits: list[list[Any]]) -> None:
    from com.sun.star.awt import Point, Size

    sheet = _sheet(doc, sheet_name)
    for name, *args in edits:
        if name == "sheet":  # the edits after this one are on another sheet
            sheet = _sheet(doc, args[0])
        elif name == "comment":
            cell = sheet.getCellRangeByName(args[0])
            sheet.Annotations.insertNew(cell.getCellAddress(), args[1])
        elif name == "textbox":
            cell = sheet.getCellRangeByName(args[0])
            shape = doc.createInstance("com.sun.star.drawing.TextShape")
            shape.setPosition(Point(cell.Position.X, cell.Position.Y))
            shape.setSize(Size(6000, 1500))
            sheet.DrawPage.add(shape)
            shape.setString(args[1])
        elif name == "sort":
            sort_rows(sheet, *args)
        elif name == "filter":
            hide_by_filter(sheet, *args)
        elif name == "insert_row":
            sheet.Rows.insertByIndex(args[0] - 1, 1)
        elif name == "delete_row":
            sheet.Rows.removeByIndex(args[0] - 1, 1)
        elif name == "insert_column":
            sheet.Columns.insertByIndex(args[0] - 1, 1)
        elif name == "type":
            sheet.getCellRangeByName(args[0]).setString(args[1])
        elif name == "enter":  # typed and recognised as Calc does (2026-10-15 becomes a date)
            sheet.getCellRangeByName(args[0]).setFormula(args[1])
        else:
            raise ValueError(f"unknown edit {name!r}")


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    pipe = f"selfassess-{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation=file://{spec['profile']}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        desktop = connect(pipe, proc)
        for job in spec["jobs"]:
            url = uno.systemPathToFileUrl(os.path.abspath(job["src"]))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            try:
                edit(doc, job["sheet"], job["edits"])
                doc.calculateAll()
                out = uno.systemPathToFileUrl(os.path.abspath(job["dst"]))
                doc.storeToURL(out, (prop("FilterName", "Calc MS Excel 2007 XML"),))
            finally:
                doc.close(True)
        with contextlib.suppress(Exception):  # the bridge drops as LibreOffice exits
            desktop.terminate()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
