"""The looks of a workbook written by :mod:`pipeline.xlsx.book` (findings.xlsx), from the
style file, as :class:`pipeline.xlsx.write.Style` makes them for openpyxl."""

from __future__ import annotations

from typing import Any

from pipeline.xlsx.book import (
    WRAP,
    WRAP_CENTRE,
    Look,
    Sheet,
    Styles,
    font_xml,
    solid_fill_xml,
    thin_border_xml,
)


class Looks:
    """The workbook's cell looks, from the style file (``templates/xlsx/style.toml``), made
    when first asked for: a font, fill or border is numbered in the workbook's style tables
    when first used, as openpyxl numbered them, so the file is the one openpyxl wrote.

    The fonts are those of :class:`pipeline.xlsx.write.Style` (body, bold, note, title,
    heading, header, link, warning), written as XML without openpyxl.
    """

    def __init__(self, styles: Styles, values: dict[str, Any]) -> None:
        self.styles, self.values = styles, values
        font, size, title = values["font"], values["font_size"], values["title_colour"]
        self.fonts = {
            "body": font_xml(font, size),
            "bold": font_xml(font, size, bold=True),
            "note": font_xml(font, size - 1, italic=True, colour=values["note_colour"]),
            "title": font_xml(font, values["title_size"], bold=True, colour=title),
            "heading": font_xml(font, values["heading_size"], bold=True, colour=title),
            "header": font_xml(font, size, bold=True, colour=values["header_font_colour"]),
            "link": font_xml(font, size, colour="0563C1", underline="single"),
            "warning": font_xml(font, size, bold=True, colour=values["warning_colour"]),
        }
        self.fills = {
            "header": solid_fill_xml(values["header_fill"]),
            "label": solid_fill_xml(values["label_fill"]),
        }
        self.border_colour = values["border_colour"]
        self.border = thin_border_xml(self.border_colour)
        self.made: dict[tuple[str, str, bool, str, str], Look] = {}
        # Bordered merged cells' looks, by the sides they have (see merge_bordered).
        self.sides: dict[str, Look] = {}

    def get(
        self,
        font: str = "body",
        align: str = WRAP,
        border: bool = False,
        fill: str = "",
        number_format: str = "General",
    ) -> Look:
        """The look of a font by name (``""``: the workbook's default), an alignment XML
        (``""``: none), a border or not, a fill by name, a number format."""
        key = (font, align, border, fill, number_format)
        look = self.made.get(key)
        if look is None:
            look = self.made[key] = self.styles.look(
                self.fonts[font] if font else "",
                self.fills[fill] if fill else "",
                self.border if border else "",
                align,
                number_format,
            )
        return look

    # The looks of table cells, by name (findings_voices uses them too).
    def number(self) -> Look:
        return self.get("bold", WRAP_CENTRE, border=True)

    def text(self) -> Look:
        return self.get("body", WRAP, border=True)

    def centre(self) -> Look:
        return self.get("body", WRAP_CENTRE, border=True)

    def flag(self) -> Look:
        return self.get("warning", WRAP_CENTRE, border=True)

    def percent(self) -> Look:
        return self.get("body", WRAP_CENTRE, border=True, number_format="0%")

    def mean(self) -> Look:
        return self.get("body", WRAP_CENTRE, border=True, number_format="0.0")

    def header_row(self, ws: Sheet, row: int, labels: list[str], centre_from: int = 0) -> None:
        """A table's header row from column A (centred from column ``centre_from``)."""
        for col, label in enumerate(labels, start=1):
            align = WRAP_CENTRE if centre_from and col >= centre_from else WRAP
            ws.put(row, col, label, self.get("header", align, border=True, fill="header"))

    def rich_label(self, ws: Sheet, row: int, col: int, label: str, text: str) -> None:
        """A bold label on its own line, then the text, in one wrapped cell (rich text), as
        :meth:`pipeline.xlsx.write.Style.labelled`."""
        v = self.values
        name, size = f'<rFont val="{v["font"]}"/>', f'<sz val="{v["font_size"]:.16g}"/>'
        bold = f'<rPr>{name}<b val="1"/><color rgb="00{v["title_colour"]}"/>{size}</rPr>'
        ws.put_rich(
            row, col, [(bold, label + "\n"), (f"<rPr>{name}{size}</rPr>", text)], self.get("", WRAP)
        )

    def merge_bordered(self, ws: Sheet, row: int, first: int, last: int) -> None:
        """Merge ``first`` to ``last`` on ``row``, whose top-left cell has a border: the other
        cells get the edges of it (top and bottom; the right on the last), with no other look,
        as openpyxl's merge gives them (numbering each border as it made them: the top, then
        the right, then the bottom)."""
        ws.merge(row, first, row, last)
        cells = {col: "" for col in range(first + 1, last + 1)}
        for side, cols in (("top", cells), ("right", [last]), ("bottom", cells)):
            for col in cols:
                cells[col] = f"{cells[col]} {side}".strip()
                key = " ".join(n for n in ("left", "right", "top", "bottom") if n in cells[col])
                if key not in self.sides:
                    border = self.styles.border_id(thin_border_xml(self.border_colour, key))
                    self.sides[key] = Look(0, 0, border, 0, "")
        for col, sides in cells.items():
            key = " ".join(n for n in ("left", "right", "top", "bottom") if n in sides)
            ws.put(row, col, None, self.sides[key])
