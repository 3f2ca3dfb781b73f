"""Nothing typed is lost (issue 12): formulas in input cells are reported, comments and text
boxes are read or reported, text over a cell's limit is kept whole. The edits are made as a
person makes them and saved through LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.app import generate_checklists
from pipeline.forms.checklist import GROUP_CELL, NAME_CELL, RESPONDENT_SHEET, TEAM_CELL
from pipeline.model.stage1 import NOT_GIVEN
from pipeline.read.returns import read_returns
from pipeline.workspace import Workspace
from tests.conftest import lo_edit as run_lo_edit
from tests.conftest import soffice_or_skip
from tests.factories import fill_checklist, make_workspace, with_blank_checklists

ASC = "Adult social care staff"
DDE = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def blank_checklists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("blank")
    ws = make_workspace(root)
    generate_checklists(ws)
    return ws.checklists_dir


@pytest.fixture
def ws(tmp_path: Path, blank_checklists: Path) -> Workspace:
    return with_blank_checklists(tmp_path / "ws", blank_checklists)


def resave(*paths: Path) -> None:
    """Open and save each workbook in LibreOffice (one run, its own profile), in place."""
    soffice = soffice_or_skip()
    out = Path("/tmp") / f"lo-out-{uuid.uuid4().hex}"
    profile = Path("/tmp") / f"lo-test-{uuid.uuid4().hex}"
    try:
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(out),
                *map(str, paths),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        for path in paths:
            path.write_bytes((out / path.name).read_bytes())
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def where(findings: list) -> list[tuple[str, str | None, str | None]]:  # type: ignore[type-arg]
    return [(f.code, f.sheet, f.cell) for f in findings]


# ---- Formulas in input cells ------------------------------------------------------------------


@pytest.mark.libreoffice
def test_formulas_in_the_respondent_cells_are_reported_and_not_read(ws: Workspace) -> None:
    path = fill_checklist(
        ws, "QS1", "dde.xlsx", DDE, {1: "3"}, respondent="=1+1", team='="Team "&"A"'
    )
    plain = fill_checklist(ws, "QS2", "plain.xlsx", ASC, {1: "3"}, respondent="Sam", team="Ops")
    resave(path, plain)
    wb = openpyxl.load_workbook(path)
    assert (wb[RESPONDENT_SHEET][GROUP_CELL].value or "").startswith("=")  # still a formula
    read = read_returns(ws)
    formulas = [f for f in read.findings if f.code == "formula-in-input"]
    assert sorted(where(formulas)) == sorted(
        ("formula-in-input", RESPONDENT_SHEET, ref) for ref in (GROUP_CELL, NAME_CELL, TEAM_CELL)
    )
    assert all(f.file == "inputs/stage1/dde.xlsx" for f in formulas)
    assert "cmd|" in next(f for f in formulas if f.cell == GROUP_CELL).message
    groups = {r.file: r.group for r in read.returns}
    assert groups == {"inputs/stage1/dde.xlsx": NOT_GIVEN, "inputs/stage1/plain.xlsx": ASC}
    assert [f.code for f in read.findings if f.file.endswith("plain.xlsx")] == []


@pytest.mark.libreoffice
def test_formulas_in_stage2_register_and_overview_inputs_are_reported(complete: Workspace) -> None:
    from pipeline.forms.overview import OVERVIEW_SHEET
    from pipeline.forms.register import REGISTER_SHEET
    from pipeline.forms.summary import FORM_SHEET, field_cell
    from pipeline.read.summaries import read_summaries
    from tests.factories import OVERVIEW_CELLS, cell
    from tests.test_library import read_inputs

    ambition, verified = field_cell("What is our ambition?"), field_cell("Verified on (date)")
    summary = complete.stage2_inputs / "QS1.xlsx"
    wb = openpyxl.load_workbook(summary)
    wb[FORM_SHEET][ambition] = '="Our ambition "&"is big"'
    wb[FORM_SHEET][verified] = "=TODAY()"
    wb.save(summary)
    wb = openpyxl.load_workbook(complete.evidence_library)
    wb[REGISTER_SHEET][cell("title", 2)] = DDE
    wb[REGISTER_SHEET][cell("date", 3)] = "=TODAY()-30"
    wb[REGISTER_SHEET][cell("link", 4)] = '=HYPERLINK("https://www.testshire.gov.uk/x.pdf","x")'
    wb.save(complete.evidence_library)
    wb = openpyxl.load_workbook(complete.overview)
    wb[OVERVIEW_SHEET][OVERVIEW_CELLS["about_us"]] = '="We are "&"Testshire"'
    wb.save(complete.overview)
    resave(summary, complete.evidence_library, complete.overview)

    read = read_summaries(complete)
    found = read.findings
    qs1 = next(s for s in read.summaries if s.quality_statement == "QS1")
    assert qs1.ambition.value == "" and qs1.verified_on is None
    assert sorted(where(f for f in found if f.file.endswith("QS1.xlsx"))) == [
        ("formula-in-input", FORM_SHEET, ambition),
        ("formula-in-input", FORM_SHEET, verified),
    ]
    inputs, found = read_inputs(complete)
    assert sorted(where(found)) == sorted(
        [
            ("formula-in-input", OVERVIEW_SHEET, OVERVIEW_CELLS["about_us"]),
            ("formula-in-input", REGISTER_SHEET, cell("date", 3)),
            ("formula-in-input", REGISTER_SHEET, cell("title", 2)),
        ]
    )
    assert inputs.overview is not None and inputs.overview.about_us.value == ""
    assert inputs.library is not None
    items = {i.id: i for i in inputs.library.items}
    assert items["EV-002"].title == "" and items["EV-003"].date is None
    assert items["EV-004"].link == "https://www.testshire.gov.uk/x.pdf"  # a link, read as one


# ---- Comments and text boxes ------------------------------------------------------------------


Operation = tuple[str, str, str, str]


def lo_edit(edits: dict[Path, list[Operation]]) -> None:
    """Edit each workbook in place in LibreOffice, as a person does: add comments and text
    boxes (tests/lo_edit.py); one LibreOffice session for all."""
    jobs = []
    outs = {path: path.with_name(f"edited-{uuid.uuid4().hex}.xlsx") for path in edits}
    for path, ops in edits.items():
        steps: list[list[str]] = []
        for kind, sheet, ref, text in ops:
            steps += [["sheet", sheet], [kind, ref, text]]
        jobs.append({"src": str(path), "dst": str(outs[path]), "sheet": ops[0][1], "edits": steps})
    run_lo_edit(jobs)
    for path, out in outs.items():
        out.replace(path)


@pytest.mark.libreoffice
def test_a_comment_on_a_statement_row_is_read_as_its_evidence(ws: Workspace) -> None:
    from pipeline.forms.checklist import CHECKLIST_SHEET, ChecklistLayout

    layout = ChecklistLayout(len(ws.framework.quality_statement("QS1").checklist_statements))
    path = fill_checklist(ws, "QS1", "noted.xlsx", ASC, {1: "3", 2: "4"}, {1: "Good & <fast>"})
    lo_edit(
        {
            path: [
                ("comment", CHECKLIST_SHEET, layout.rating_cell(1), "I really mean 2"),
                ("comment", CHECKLIST_SHEET, layout.evidence_cell(2), "Ask Sam: “see p.4”"),
                ("comment", RESPONDENT_SHEET, "F2", "Call me on Tuesday"),
                ("textbox", CHECKLIST_SHEET, "G3", "Statement 5 does not apply to us"),
            ]
        }
    )
    read = read_returns(ws)
    (one,) = read.returns
    evidence = {r.number: (r.rating, r.evidence) for r in one.responses}
    assert evidence[1] == (3, "Good & <fast> [note: I really mean 2]")
    assert evidence[2] == (4, "[note: Ask Sam: “see p.4”]")
    assert sorted(where(read.findings)) == [
        ("comment-not-read", RESPONDENT_SHEET, "F2"),
        ("shape-text-not-read", CHECKLIST_SHEET, "G3"),
    ]
    shape = next(f for f in read.findings if f.code == "shape-text-not-read")
    assert "Statement 5 does not apply to us" in shape.message
    # The notes reach findings.xlsx and the JSON as evidence like any other.
    from pipeline.app import collect

    result = collect(ws)
    (qs1,) = [q for q in result.results if q.code == "QS1"]
    assert (ASC, 3, "Good & <fast> [note: I really mean 2]") in qs1.statements[0].comments


@pytest.mark.libreoffice
def test_comments_and_text_boxes_elsewhere_are_reported(complete: Workspace) -> None:
    from pipeline.forms.overview import OVERVIEW_SHEET
    from pipeline.forms.register import REGISTER_SHEET
    from pipeline.forms.summary import FORM_SHEET, field_cell
    from pipeline.read.summaries import read_summaries
    from tests.test_library import read_inputs

    summary = complete.stage2_inputs / "QS1.xlsx"
    ambition = field_cell("What is our ambition?")
    lo_edit(
        {
            summary: [
                ("comment", FORM_SHEET, ambition, "Check this with the director"),
                ("textbox", FORM_SHEET, "F10", "Draft strength: carers' hub"),
            ],
            complete.evidence_library: [("comment", REGISTER_SHEET, "B6", "Superseded in May")],
            complete.overview: [("textbox", OVERVIEW_SHEET, "E4", "Logo goes here")],
        }
    )
    found = read_summaries(complete).findings
    assert sorted(where(found)) == [
        ("comment-not-read", FORM_SHEET, ambition),
        ("shape-text-not-read", FORM_SHEET, "F10"),
    ]
    _inputs, found = read_inputs(complete)
    assert sorted(where(found)) == [
        ("comment-not-read", REGISTER_SHEET, "B6"),
        ("shape-text-not-read", OVERVIEW_SHEET, "E4"),
    ]
    assert "Superseded in May" in next(f.message for f in found if f.cell == "B6")


@pytest.mark.libreoffice
def test_a_generated_checklist_with_only_a_comment_counts_as_filled(ws: Workspace) -> None:
    from pipeline.forms.checklist import CHECKLIST_SHEET, checklist_path

    qs = ws.framework.quality_statement("QS6")
    path = checklist_path(ws, qs)
    lo_edit({path: [("comment", CHECKLIST_SHEET, "B9", "Not sure what this means")]})
    again = generate_checklists(ws)
    assert again.kept == [path]


# ---- Text over a cell's limit -----------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from("ab \n🙂é"), max_size=400), st.integers(4, 60))
def test_text_split_for_cells_joins_back_exactly(text: str, limit: int) -> None:
    from pipeline.xlsx.write import _units, split_for_cells

    pieces = split_for_cells(text, limit)
    assert "".join(pieces) == text
    assert all(_units(p) <= limit for p in pieces)
    assert len(pieces) == 1 or all(pieces)


def _replace_text(path: Path, old: str, new: str) -> None:
    """Replace a string in a saved workbook's XML, as another program would have written it."""
    import zipfile
    from xml.sax.saxutils import escape

    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    found = [n for n, data in parts.items() if old.encode() in data]
    assert found, old
    for name in found:
        parts[name] = parts[name].replace(old.encode(), escape(new).encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def test_evidence_over_the_cell_limit_is_kept_whole(ws: Workspace) -> None:
    """70,000 characters of evidence (a workbook written by a program, not typed: Excel and
    LibreOffice both stop at 32,767 characters a cell): whole in the model; in findings.xlsx
    on three rows that say so and join back to the whole text."""
    from pipeline.app import collect

    long = " ".join(f"evidence{i} & <more>" for i in range(3500))
    assert len(long) > 2 * 32767
    path = fill_checklist(ws, "QS4", "long.xlsx", ASC, {1: "3"}, {1: "PLACEHOLDER"})
    _replace_text(path, "PLACEHOLDER", long)  # openpyxl itself cuts text at 32,767
    result = collect(ws)
    (qs4,) = [q for q in result.results if q.code == "QS4"]
    assert qs4.statements[0].comments == [(ASC, 3, long)]
    (read,) = read_returns(ws).returns
    assert read.responses[0].evidence == long
    wb = openpyxl.load_workbook(ws.findings_xlsx)
    (name,) = [n for n in wb.sheetnames if n.startswith("QS4 ")]
    rows = [
        [c.value for c in row[:4]]
        for row in wb[name].iter_rows()
        if isinstance(row[3].value, str) and "comment continued" in row[3].value
    ]
    assert len(rows) == 3
    assert "".join(r[1] for r in rows) == long
    assert all(len(r[1]) <= 32767 for r in rows)
    assert [r[3] for r in rows] == [f"{ASC} (comment continued: part {n} of 3)" for n in (1, 2, 3)]


def test_a_finding_over_the_cell_limit_says_it_is_cut(workspace: Workspace) -> None:
    from pipeline.model.findings import Findings, error
    from pipeline.outputs.validation_report import write_validation_report

    message = "x" * 40000
    path = write_validation_report(
        workspace, Findings([error("ignored-content", "inputs/a.xlsx", message)])
    )
    texts = [
        c.value
        for s in openpyxl.load_workbook(path).worksheets
        for row in s.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("xxx")
    ]
    (shown,) = texts
    assert len(shown) <= 32767
    assert f"{40000 - (32767 - 200):,} more characters" in shown and "validate --json" in shown


def _add_parts(path: Path, sheet: str, parts: dict[str, tuple[str, str]]) -> None:
    """Add parts to a saved workbook's sheet as Excel writes them: name -> (relationship type,
    XML), related from ``sheet``'s part (``xl/worksheets/sheetN.xml``)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist()}
    rels_name = sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"
    rels = files.get(rels_name, b"").decode() or (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
        '"http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    for n, (name, (rel_type, xml)) in enumerate(parts.items()):
        files[name] = xml.encode()
        target = "../" + name.removeprefix("xl/")
        rel = f'<Relationship Id="rIdX{n}" Type="{rel_type}" Target="{target}"/>'
        rels = re.sub("</Relationships>", rel + "</Relationships>", rels)
    files[rels_name] = rels.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def test_excel_threaded_comments_notes_with_authors_and_legacy_shapes(tmp_path: Path) -> None:
    """What Excel writes and LibreOffice does not: a threaded comment (with the note Excel adds
    for older versions), a note starting with its author's name, a VML text box."""
    from pipeline.xlsx.reader import open_workbook

    path = tmp_path / "excel.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.save(path)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    comments = (
        f'<comments xmlns="{main}"><authors><author>Sam Jones</author><author>tc={{1}}</author>'
        "</authors><commentList>"
        '<comment ref="B2" authorId="0"><text><r><rPr><b/></rPr><t>Sam Jones:</t></r>'
        '<r><t xml:space="preserve">\nI really mean 2</t></r></text></comment>'
        '<comment ref="C3" authorId="1"><text><t>[Threaded comment]\n\nYour version of Excel '
        "allows you to read this threaded comment…\n\nComment:\n    First</t></text></comment>"
        "</commentList></comments>"
    )
    threaded = (
        '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
        'threadedcomments"><threadedComment ref="C3" id="{1}"><text>First</text>'
        '</threadedComment><threadedComment ref="C3" id="{2}" parentId="{1}"><text>A reply'
        "</text></threadedComment></ThreadedComments>"
    )
    vml = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:x="urn:schemas-microsoft-com:office:'
        'excel"><v:shape id="_x0000_s1025"><v:textbox><div>Note box</div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:Row>1</x:Row><x:Column>1</x:Column></x:ClientData>'
        '</v:shape><v:shape id="_x0000_s1026"><v:textbox><div>Legacy text box</div></v:textbox>'
        '<x:ClientData ObjectType="Text"><x:Row>4</x:Row><x:Column>3</x:Column></x:ClientData>'
        "</v:shape></xml>"
    )
    _add_parts(
        path,
        "xl/worksheets/sheet1.xml",
        {
            "xl/comments1.xml": (f"{_OFFICE}/comments", comments),
            "xl/threadedComments/threadedComment1.xml": (
                "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
                threaded,
            ),
            "xl/drawings/vmlDrawing1.vml": (f"{_OFFICE}/vmlDrawing", vml),
        },
    )
    sheet = next(iter(open_workbook(path).sheets.values()))
    assert sheet.comments == {"B2": "I really mean 2", "C3": "First / A reply"}
    assert [(s.text, s.cell) for s in sheet.shapes] == [("Legacy text box", "D5")]
