"""The XML of findings.xlsx's charts and of the drawings that place them.

One kind of chart: a stacked horizontal bar chart with titled axes, whole-number steps on the
value axis and the legend below (:class:`pipeline.xlsx.book.BarChart`). The elements are those
openpyxl's ``BarChart`` wrote for it, in the same order, so a file written before and after
holds the same chart.
"""

from __future__ import annotations

from pipeline.xlsx.book import BarChart, number_xml, text_xml

_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# One centimetre in English Metric Units, the drawing's measure.
EMU_PER_CM = 360000


def _title(text: str) -> str:
    return (
        f"<title><tx><rich><a:bodyPr {_A}/><a:p {_A}><a:pPr><a:defRPr/></a:pPr><a:r><a:t>"
        f"{text_xml(text)}</a:t></a:r></a:p></rich></tx></title>"
    )


def _series(index: int, title: str, categories: str, values: str, colour: str) -> str:
    fill = f'<a:solidFill {_A}><a:srgbClr val="{colour}"/></a:solidFill>'
    line = (
        f'<a:ln {_A}><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
        '<a:prstDash val="solid"/></a:ln>'
    )
    return (
        f'<ser><idx val="{index}"/><order val="{index}"/><tx><strRef><f>{text_xml(title)}</f>'
        f"</strRef></tx><spPr>{fill}{line}</spPr><cat><numRef><f>{text_xml(categories)}</f>"
        f"</numRef></cat><val><numRef><f>{text_xml(values)}</f></numRef></val></ser>"
    )


def chart_xml(chart: BarChart) -> str:
    """xl/charts/chartN.xml for ``chart``."""
    series = "".join(
        _series(n, title, categories, values, colour)
        for n, (title, categories, values, colour) in enumerate(chart.series)
    )
    return (
        f'<chartSpace xmlns="{_C}"><style val="10"/><chart>{_title(chart.title)}<plotArea>'
        f'<barChart><barDir val="bar"/><grouping val="stacked"/>{series}<gapWidth val="50"/>'
        '<overlap val="100"/><axId val="10"/><axId val="100"/></barChart><catAx>'
        '<axId val="10"/><scaling><orientation val="maxMin"/></scaling><delete val="0"/>'
        f'<axPos val="l"/>{_title(chart.x_title)}<majorTickMark val="none"/>'
        '<minorTickMark val="none"/><crossAx val="100"/><lblOffset val="100"/></catAx><valAx>'
        '<axId val="100"/><scaling><orientation val="minMax"/><min val="0"/></scaling>'
        f'<delete val="0"/><axPos val="l"/>{_title(chart.y_title)}'
        '<numFmt formatCode="0" sourceLinked="0"/><majorTickMark val="none"/>'
        '<minorTickMark val="none"/><crossAx val="10"/>'
        f'<majorUnit val="{number_xml(chart.major_unit)}"/></valAx></plotArea><legend>'
        '<legendPos val="b"/></legend><plotVisOnly val="1"/><dispBlanksAs val="gap"/></chart>'
        "</chartSpace>"
    )


def drawing_xml(chart: BarChart) -> str:
    """xl/drawings/drawingN.xml: the chart anchored at its top-left cell, at its size."""
    cx, cy = int(chart.width_cm * EMU_PER_CM), int(chart.height_cm * EMU_PER_CM)
    return (
        '<wsDr xmlns="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing">'
        f"<oneCellAnchor><from><col>{chart.col - 1}</col><colOff>0</colOff>"
        f"<row>{chart.row - 1}</row><rowOff>0</rowOff></from>"
        f'<ext cx="{cx}" cy="{cy}"/><graphicFrame><nvGraphicFramePr>'
        '<cNvPr id="1" name="Chart 1"/><cNvGraphicFramePr/></nvGraphicFramePr><xfrm/>'
        f'<a:graphic {_A}><a:graphicData uri="{_C}">'
        f'<c:chart xmlns:c="{_C}" xmlns:r="{_R}" r:id="rId1"/></a:graphicData></a:graphic>'
        "</graphicFrame><clientData/></oneCellAnchor></wsDr>"
    )
