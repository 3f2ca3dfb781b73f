"""Stage 1 in the report (Section B's rating charts and summary lines, Section C's engagement
table) and pictures pasted into Stage 2 forms, from real workspaces through the real reading,
checking and building; read back with python-docx."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image

from pipeline.analysis.stage1 import aggregate, summary_line
from pipeline.app import build_report, generate_checklists, validate_workspace
from pipeline.forms.summary import GUIDANCE_SHEET, field_cell
from pipeline.framework import Framework
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.report.chart import alt_text, rating_chart
from pipeline.report.docx import WP_NS
from pipeline.settings import Stage1Settings
from pipeline.workspace import Workspace
from tests.conftest import soffice_convert
from tests.factories import fill_checklist, fill_form, open_form, summary_template

OTHERS = "What do others say about our performance?"

CHART_ALT = "Bar chart of the Stage 1 ratings"


# ---- helpers -----------------------------------------------------------------------------------


def png(size: tuple[int, int] = (120, 80), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def with_returns(ws: Workspace) -> Workspace:
    """Three QS1 returns and one QS2 return, filled as people fill them."""
    generate_checklists(ws)
    fill_checklist(ws, "QS1", "a.xlsx", "Unpaid carer", {1: 4, 2: 1, 3: 0, 4: 3})
    fill_checklist(ws, "QS1", "b.xlsx", "Unpaid carer", {1: 3, 2: 2, 3: 4})
    fill_checklist(ws, "QS1", "c.xlsx", "Health partner", {1: 3, 2: 4, 3: 1})
    fill_checklist(ws, "QS2", "d.xlsx", "Elected member", {1: 2})
    return ws


def set_report(ws: Workspace, **values: bool | int) -> Workspace:
    """The workspace with these ``[report]`` settings changed in its selfassess.toml, as a
    council edits them (every setting is written there with its default by ``init``)."""
    settings = ws.root / "selfassess.toml"
    text = settings.read_text("utf-8")
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {str(value).lower()}", text)
        assert n == 1, key
    settings.write_text(text, "utf-8")
    return Workspace(ws.root)


def pictures(doc: Document) -> list[tuple[str, str]]:
    """(docPr descr, the text of the Heading 3 it sits under) of every inline picture."""
    out = []
    heading = ""
    names = {s.style_id: s.name for s in doc.styles}
    for p in doc.element.body.iter(qn("w:p")):
        style = p.pPr.pStyle.val if p.pPr is not None and p.pPr.pStyle is not None else ""
        if names.get(style) in ("Heading 1", "Heading 3"):
            heading = "".join(t.text or "" for t in p.iter(qn("w:t")))
        for doc_pr in p.iter(f"{{{WP_NS}}}docPr"):
            out.append((doc_pr.get("descr"), heading))
    return out


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


# ---- the chart, its alt text and summary line ----------------------------------------------------


def test_chart_alt_text_and_summary_line_say_what_the_ratings_are(framework: Framework) -> None:
    def ret(group: str, ratings: dict[int, int]) -> Stage1Return:
        responses = tuple(Stage1Response(number=n, rating=r) for n, r in ratings.items())
        return Stage1Return(file=group, quality_statement="QS1", group=group, responses=responses)

    returns = [
        ret("Unpaid carer", {1: 4, 2: 1}),
        ret("Unpaid carer", {1: 3, 2: 2}),
        ret("Health partner", {1: 3, 2: 4, 3: 0}),
        ret("Not given", {1: 1}),
    ]
    qs = aggregate(framework, returns, Stage1Settings())[0]
    assert summary_line(qs, returns) == (
        "4 people from 2 groups (1 did not say which); 57% agree overall"  # 4 of 7 ratings
    )
    alt = alt_text(qs, 4)
    assert alt.startswith(f"{CHART_ALT} of the 14 checklist statements for QS1 Assessing needs")
    assert "from 4 returns" in alt
    assert "Most agreement: statement 1 (75% agree); least: statement 2 (33% agree)." in alt
    data = rating_chart(qs, {r.value: r.label for r in framework.rating_scale})
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size[0] == 1600
    # A drawing, not text: the statements' colours are in it (strongly agree's dark green).
    assert (0x54, 0x82, 0x35) in {c for _, c in image.convert("RGB").getcolors(1 << 20) or []}
    assert rating_chart(qs, {r.value: r.label for r in framework.rating_scale}) == data


# ---- the report built from a real workspace ---------------------------------------------------


def test_charts_summary_lines_and_the_engagement_table_are_in_the_report(
    complete: Workspace,
) -> None:
    with_returns(complete)
    result = build_report(complete)
    assert result.docx is not None, [f.line() for f in result.findings.errors]
    doc = Document(str(result.docx))
    charts = [(d, h) for d, h in pictures(doc) if d.startswith(CHART_ALT)]
    assert [h for _, h in charts] == [
        "Assessing needs",
        "Supporting people to live healthier lives",
    ]
    assert "for QS1 Assessing needs from 3 returns" in charts[0][0]
    lines = [t for t in texts(doc) if t.startswith("Stage 1 checklists:")]
    assert lines == [
        "Stage 1 checklists: 3 people from 2 groups; 67% agree overall",  # 6 of 9 ratings
        "Stage 1 checklists: 1 person from 1 group; 0% agree overall",
    ]
    # Section C: the table before the process text; groups as rows, quality statements as
    # columns, totals last.
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Respondent group")
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Respondent group", *(f"QS{n}" for n in range(1, 10)), "All"]
    rows = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    assert rows["Unpaid carer"] == ["2", *["0"] * 8, "2"]
    assert rows["Health partner"] == ["1", *["0"] * 8, "1"]
    assert rows["Elected member"] == ["0", "1", *["0"] * 7, "1"]
    assert rows["All groups"] == ["3", "1", *["0"] * 7, "4"]
    intro = next(t for t in texts(doc) if t.startswith("We received"))
    assert "We received 4 Stage 1 checklists, saved on" in intro
    body = [p.text for p in doc.paragraphs]
    assert body.index(intro) < body.index(next(t for t in body if "QS1 Assessing needs;" in t))


def test_settings_switch_each_part_off(complete: Workspace) -> None:
    with_returns(complete)
    ws = set_report(complete, stage1_charts=False)
    doc = Document(str(build_report(ws).docx))
    assert not [d for d, _ in pictures(doc) if d.startswith(CHART_ALT)]
    assert any(t.startswith("Stage 1 checklists: 3 people") for t in texts(doc))
    assert any(t.startswith("We received") for t in texts(doc))

    ws = set_report(ws, stage1_summary=False, engagement_table=False)
    doc = Document(str(build_report(ws).docx))
    assert not [d for d, _ in pictures(doc) if d.startswith(CHART_ALT)]
    assert not any(t.startswith("Stage 1 checklists:") for t in texts(doc))
    assert not any(t.startswith("We received") for t in texts(doc))
    assert not any(t.rows[0].cells[0].text == "Respondent group" for t in doc.tables)


def test_without_returns_there_is_no_stage1_part(complete: Workspace) -> None:
    doc = Document(str(build_report(complete).docx))
    assert pictures(doc) == []
    assert not any(t.startswith(("Stage 1 checklists:", "We received")) for t in texts(doc))


# ---- pictures pasted into a Stage 2 form --------------------------------------------------------


def paste_picture(
    ws: Workspace,
    out: Path,
    *,
    data: bytes | None = None,
    cell: str | None = None,
    sheet: str | None = None,
    descr: str | None = "Picture",
) -> Path:
    """The QS1 summary filled in, with a picture pasted at ``cell`` (default: the "What others
    say" field) and given ``descr`` as its description, as Excel writes them; saved again by
    LibreOffice as .xlsx into ``out``."""
    wb, form = open_form(summary_template(ws))
    fill_form(form)
    image = SheetImage(io.BytesIO(png()))
    image.anchor = cell or field_cell(OTHERS)
    (wb[sheet] if sheet else form).add_image(image)
    src = out / "src" / "QS1 summary.xlsx"
    src.parent.mkdir(parents=True, exist_ok=True)
    wb.save(src)
    # What a person does in Excel after pasting: the description (alt text), or none; and
    # what Excel stores for a pasted picture of another kind.
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    drawing = parts["xl/drawings/drawing1.xml"].decode()
    new = "" if descr is None else f' descr="{descr}"'
    parts["xl/drawings/drawing1.xml"] = drawing.replace(' descr="Picture"', new).encode()
    if data is not None:
        parts["xl/media/image1.png"] = data
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return soffice_convert(src, "xlsx", out / "lo")


@pytest.mark.libreoffice
def test_a_pasted_picture_is_in_the_report_with_its_description(
    complete: Workspace, tmp_path: Path
) -> None:
    saved = paste_picture(
        complete, tmp_path, descr="Carers&apos; award 2026 &amp; the team &lt;Kingsmere&gt;"
    )
    shutil.copy(saved, complete.stage2_inputs / "QS1.xlsx")
    result = build_report(complete)
    assert [f.line() for f in result.findings] == []
    doc = Document(str(result.docx))
    assert pictures(doc) == [("Carers' award 2026 & the team <Kingsmere>", "Assessing needs")]
    # Under "What others say", after the quotation.
    body = texts(doc)
    quote = body.index("“They listened.” — a carer")
    assert body[quote - 1] == "What others say"
    picture_paragraph = next(
        p for p in doc.paragraphs if p._p.find(f".//{qn('w:drawing')}") is not None
    )
    assert body.index(picture_paragraph.text, quote) == quote + 1
    # Same inputs, same bytes.
    first = result.docx.read_bytes()
    assert build_report(complete).docx.read_bytes() == first  # type: ignore[union-attr]


@pytest.mark.libreoffice
def test_pictures_that_cannot_be_used_or_are_elsewhere_are_reported(
    complete: Workspace, tmp_path: Path
) -> None:
    tiff = io.BytesIO()
    Image.new("RGB", (40, 40)).save(tiff, "TIFF")
    cases = {
        "none.xlsx": dict(descr=None),
        "tiff.xlsx": dict(data=tiff.getvalue()),
        "outside.xlsx": dict(cell=field_cell("Strength 1")),
        "guidance.xlsx": dict(sheet=GUIDANCE_SHEET, cell="H3"),
    }
    seen = {}
    for n, (name, kwargs) in enumerate(cases.items()):
        saved = paste_picture(complete, tmp_path / str(n), **kwargs)  # type: ignore[arg-type]
        shutil.copy(saved, complete.stage2_inputs / "QS1.xlsx")
        checked = validate_workspace(complete)
        seen[name] = [(f.code, f.sheet, f.cell) for f in checked.findings]
        pics = checked.inputs.summaries[0].pictures
        if name == "none.xlsx":
            assert [p.alt for p in pics] == [
                "A picture from the summary for QS1 Assessing needs (no description was given)."
            ]
        else:
            assert pics == ()
    others = field_cell(OTHERS)
    assert seen == {
        "none.xlsx": [("picture-no-description", "Summary", others)],
        "tiff.xlsx": [("picture-unusable", "Summary", others)],
        "outside.xlsx": [("picture-not-placed", "Summary", field_cell("Strength 1"))],
        "guidance.xlsx": [("picture-not-placed", GUIDANCE_SHEET, "H3")],
    }


def test_a_picture_over_the_pixel_limit_is_reported(complete: Workspace, tmp_path: Path) -> None:
    wb, form = open_form(summary_template(complete))
    fill_form(form)
    image = SheetImage(io.BytesIO(png((300, 200))))
    image.anchor = field_cell(OTHERS)
    form.add_image(image)
    wb.save(complete.stage2_inputs / "QS1.xlsx")
    ws = set_report(complete, picture_max_pixels=50_000)
    found = [f for f in validate_workspace(ws).findings if f.code == "picture-unusable"]
    assert len(found) == 1
    assert "300 × 200 pixels; the limit is 50,000" in found[0].message
