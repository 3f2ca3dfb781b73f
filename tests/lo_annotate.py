"""Edit a workbook in LibreOffice as a person does (add a comment, add a text box), through
LibreOffice's own API (python-UNO), and save it as .xlsx.

Run with the system Python that has LibreOffice's ``uno`` module (not the project's venv):

    python3 tests/lo_annotate.py '[["in.xlsx", "out.xlsx", [["comment", "Checklist", "C8", "x"]]]]'

(several workbooks in one LibreOffice session: starting it is most of the time).

Operations: ``["comment", sheet, cell, text]`` adds a comment (a note) to the cell;
``["textbox", sheet, cell, text]`` adds a text box over the cell. A protected sheet without a
password is unprotected first, as a person would (Tools › Protect Sheet).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.awt import Point, Size  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def _prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(edits: list[tuple[str, str, list[list[str]]]]) -> None:
    pipe = f"selfassess_{uuid.uuid4().hex}"
    profile = Path(tempfile.gettempdir()) / f"lo-uno-{uuid.uuid4().hex}"
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.1)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        for src, dest, operations in edits:
            _edit(desktop, src, dest, operations)
        desktop.terminate()
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _edit(desktop: Any, src: str, dest: str, operations: list[list[str]]) -> None:
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (_prop("Hidden", True),)
    )
    for kind, sheet_name, ref, text in operations:
        sheet = doc.Sheets.getByName(sheet_name)
        if sheet.isProtected():
            sheet.unprotect("")
        cell = sheet.getCellRangeByName(ref)
        if kind == "comment":
            sheet.Annotations.insertNew(cell.getCellAddress(), text)
        elif kind == "textbox":
            shape = doc.createInstance("com.sun.star.drawing.TextShape")
            shape.setPosition(Point(cell.Position.X, cell.Position.Y))
            shape.setSize(Size(6000, 1500))
            sheet.DrawPage.add(shape)
            shape.setString(text)
        else:
            raise SystemExit(f"unknown operation {kind}")
    doc.storeToURL(
        uno.systemPathToFileUrl(os.path.abspath(dest)),
        (_prop("FilterName", "Calc MS Excel 2007 XML"),),
    )
    doc.close(True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
