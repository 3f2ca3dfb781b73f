"""Insert a row into a sheet through LibreOffice (python-UNO), as a person does, and save.

Run with the Python that has LibreOffice's ``uno`` module (the system python3):
``python3 insert_row.py SRC OUT SHEET ROW LABEL TEXT`` inserts a row above ROW (1-based), puts
LABEL in column A and TEXT in column B, recalculates and saves OUT as .xlsx.
"""

import contextlib
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(src, out, sheet_name, row, label, text):
    pipe = f"lo-insert-{uuid.uuid4().hex}"
    profile = f"/tmp/{pipe}"
    soffice = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;",
        ]
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),)
        )
        sheet = doc.Sheets.getByName(sheet_name)
        sheet.unprotect("")
        sheet.Rows.insertByIndex(int(row) - 1, 1)
        sheet.getCellRangeByName(f"A{row}").setString(label)
        sheet.getCellRangeByName(f"B{row}").setString(text)
        doc.calculateAll()
        doc.storeToURL(
            uno.systemPathToFileUrl(out), (prop("FilterName", "Calc MS Excel 2007 XML"),)
        )
        doc.close(True)
        with contextlib.suppress(Exception):
            desktop.terminate()
    finally:
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()
        subprocess.run(["rm", "-rf", profile], check=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
