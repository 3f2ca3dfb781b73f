"""The safe reader's pictures: a sheet's drawing, its anchors and images, under every limit."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image

from pipeline.xlsx.cells import WorkbookRejected
from pipeline.xlsx.drawings import MAX_PICTURES_PER_SHEET
from pipeline.xlsx.reader import open_workbook

DRAWING = "xl/drawings/drawing1.xml"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 90, 0)).save(out, "PNG")
    return out.getvalue()


def with_picture(
    path: Path, anchor: str = "C7", edit: dict[str, bytes | None] | None = None
) -> Path:
    """A workbook with a picture on its second sheet at ``anchor``; ``edit`` replaces (or, with
    None, removes) parts of the saved file, as other programs write them."""
    wb = Workbook()
    wb.active.title = "First"
    sheet = wb.create_sheet("Second")
    sheet["A1"] = "text"
    image = SheetImage(io.BytesIO(png()))
    image.anchor = anchor
    sheet.add_image(image)
    wb.save(path)
    if edit:
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        for name, data in edit.items():
            if data is None:
                parts.pop(name, None)
            else:
                parts[name] = data
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def drawing_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(DRAWING).decode()


def test_pictures_are_read_only_when_asked_with_their_place_and_bytes(tmp_path: Path) -> None:
    path = with_picture(tmp_path / "p.xlsx")
    assert open_workbook(path).sheets["Second"].pictures == []
    wb = open_workbook(path, pictures=True)
    assert wb.sheets["First"].pictures == []
    [pic] = wb.sheets["Second"].pictures
    assert (pic.cell, pic.descr, pic.name, pic.part) == (
        "C7",
        "Picture",
        "Image 1",
        "xl/media/image1.png",
    )
    assert pic.data == png() and pic.problem is None
    assert wb.modified is not None


def test_a_linked_or_missing_image_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = with_picture(tmp_path / "p.xlsx")
    linked = drawing_xml(path).replace("r:embed=", "r:link=")
    path = with_picture(tmp_path / "linked.xlsx", edit={DRAWING: linked.encode()})
    [pic] = open_workbook(path, pictures=True).sheets["Second"].pictures
    assert pic.data is None and pic.problem is not None and "linked" in pic.problem
    path = with_picture(tmp_path / "missing.xlsx", edit={"xl/media/image1.png": None})
    [pic] = open_workbook(path, pictures=True).sheets["Second"].pictures
    assert pic.data is None and pic.problem == "its image is missing from the file"


def test_a_drawing_with_a_dtd_is_refused(tmp_path: Path) -> None:
    path = with_picture(tmp_path / "p.xlsx")
    xml = drawing_xml(path)
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml.split("?>", 1)[-1]
    path = with_picture(tmp_path / "evil.xlsx", edit={DRAWING: evil.encode()})
    with pytest.raises(WorkbookRejected, match="DTD or entity"):
        open_workbook(path, pictures=True)


def test_at_most_fifty_pictures_a_sheet_are_read(tmp_path: Path) -> None:
    wb = Workbook()
    for n in range(MAX_PICTURES_PER_SHEET + 5):
        image = SheetImage(io.BytesIO(png()))
        image.anchor = f"A{n + 1}"
        wb.active.add_image(image)
    wb.save(tmp_path / "many.xlsx")
    read = open_workbook(tmp_path / "many.xlsx", pictures=True)
    pictures = read.sheets[wb.active.title].pictures
    assert len(pictures) == MAX_PICTURES_PER_SHEET
    assert pictures[-1].cell == f"A{MAX_PICTURES_PER_SHEET}"
