"""Section B's word limit counts what the report prints, and a final report is complete.

The acceptance tests of issue 10 (items 1 and 2): a summary filled to exactly the limit as
printed, and one word over, gives the same number in ``validate``, ``status``, the Stage 2 sheet's
live total (recalculated by LibreOffice) and the built ``.docx`` read back with python-docx; the
same after the council changes headings in its own copy of the report template. A final report
is refused while a quality statement lacks a valid, verified summary; ``--draft`` builds one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.app import build_report, generate_summaries, validate_workspace, workspace_status
from pipeline.cli import main
from pipeline.forms.summary import FORM_SHEET, TOTAL_CELL, field_cell
from pipeline.report.build import TEMPLATE
from pipeline.resources import template_path
from pipeline.workspace import Workspace
from tests.conftest import lo_edit, soffice_convert
from tests.factories import VALID, fill_summary, fill_to_printed, report_section_words, words
from tests.test_report import body_text

QS1 = "Assessing needs"


def _restyle(ws: Workspace) -> Path:
    """The council's own copy of the report template, edited as a person would in Word: a
    longer subheading, and "Supporting evidence:" before the evidence IDs."""
    own = ws.root / "templates" / TEMPLATE
    own.parent.mkdir(parents=True, exist_ok=True)
    doc = Document(str(template_path(TEMPLATE)))
    changed = 0
    for p in doc.paragraphs:
        if p.text == "Current performance":
            p.runs[0].text = "How we are doing now, and how we know it"
            changed += 1
        for run in p.runs:
            if run.text.startswith("Evidence: {{"):
                run.text = "Supporting evidence: " + run.text[len("Evidence: ") :]
                changed += 1
    assert changed == 3  # the subheading; the evidence lines of strengths and improvements
    doc.save(str(own))
    return own


def _sheet_total(ws: Workspace, path: Path, tmp_path: Path) -> int:
    """The Stage 2 sheet's word total as LibreOffice recalculates it."""
    out = soffice_convert(path, "xlsx", tmp_path / f"recalculated-{path.stem}")
    value = openpyxl.load_workbook(out, data_only=True)[FORM_SHEET][TOTAL_CELL].value
    return int(value)


def _check_counts(ws: Workspace, tmp_path: Path, total: int) -> None:
    """validate, status, the sheet and the report all say ``total`` for QS1."""
    values = fill_to_printed(ws, total, "QS1.xlsx", "QS1")
    path = ws.stage2_inputs / "QS1.xlsx"
    typed = sum(len(values[k][0].split()) for k in values if k in _SECTION_B)
    assert typed < total - 40  # the heading, we statement, subheadings and evidence lines

    findings = validate_workspace(ws).findings
    over = [f for f in findings if f.code == "word-limit"]
    if total > 750:
        (f,) = over
        assert f.data["words"] == total
        assert f.message.startswith(f"Section B prints {total} words, {total - 750} over")
    else:
        assert over == []
    # QS1 was filled in a workbook made with this template (the others, if the template has
    # changed since, are reported as counting with an earlier one).
    stale = [f.file for f in findings if f.code == "word-total-stale"]
    assert "inputs/stage2/QS1.xlsx" not in stale

    (row,) = [r for r in workspace_status(ws).rows if r.code == "QS1"]
    assert row.words == total

    assert _sheet_total(ws, path, tmp_path) == total

    result = build_report(ws, draft=total > 750)
    assert result.docx is not None
    assert report_section_words(result.docx, QS1) == total


_SECTION_B = {
    "What is our ambition?",
    "Strength 1",
    "Strength 2",
    "Area for improvement 1",
    "Priorities to maintain and improve",
    "What do others say about our performance?",
}


@pytest.mark.libreoffice
@pytest.mark.parametrize("total", [750, 751])
def test_the_limit_counts_section_b_as_printed(
    complete: Workspace, tmp_path: Path, total: int
) -> None:
    generate_summaries(complete, force=True)
    _check_counts(complete, tmp_path, total)


@pytest.mark.libreoffice
@pytest.mark.parametrize("total", [750, 751])
def test_a_restyled_template_is_counted_as_it_prints(
    complete: Workspace, tmp_path: Path, total: int
) -> None:
    _restyle(complete)
    generate_summaries(complete, force=True)  # the workbooks count with the council's template
    _check_counts(complete, tmp_path, total)


def test_a_template_changed_after_the_workbooks_went_out(complete: Workspace) -> None:
    """validate counts with the current template and warns that the sheet's total is stale."""
    generate_summaries(complete, force=True)
    fill_summary(complete, "QS1.xlsx", "QS1", values=VALID)
    before = {f.code for f in validate_workspace(complete).findings}
    assert "word-total-stale" not in before
    _restyle(complete)
    findings = validate_workspace(complete).findings
    stale_files = [f.file for f in findings if f.code == "word-total-stale"]
    assert len(stale_files) == 9  # every workbook was made with the earlier template
    (stale,) = [f for f in findings if f.code == "word-total-stale" and f.file.endswith("QS1.xlsx")]
    assert stale.cell == TOTAL_CELL
    docx = build_report(complete, draft=True).docx
    assert docx is not None
    assert stale.data["words"] == report_section_words(docx, QS1)
    assert f"Section B has {stale.data['words']} words" in stale.message


def _cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--workspace", str(ws.root), "build", *args])
    return result.exit_code, result.output


def test_a_final_report_needs_every_quality_statement(complete: Workspace) -> None:
    code, _ = _cli(complete)
    assert code == 0
    before = complete.report_docx.read_bytes()

    (complete.stage2_inputs / "QS3.xlsx").unlink()
    fill_summary(complete, "QS5.xlsx", "QS5", verified_on=None)
    code, output = _cli(complete)
    assert code == 1
    assert (
        "QS3 Equity in experience and outcomes: no summary received; "
        "QS5 Partnerships and communities: not verified" in output
    )
    assert "1 error, 1 warning" in output
    assert complete.report_docx.read_bytes() == before  # the previous report is kept

    code, output = _cli(complete, "--draft")
    assert code == 0, output
    assert "(DRAFT)" in output and "1 error, 1 warning: see" in output
    text = body_text(Document(str(complete.report_docx)))
    assert "DRAFT: not for submission" in text
    assert "No summary received for this quality statement." in text


def test_a_missing_summary_alone_refuses_a_final_report(complete: Workspace) -> None:
    """summary-missing stays a warning for validate (mid-round), but a final build refuses."""
    (complete.stage2_inputs / "QS7.xlsx").unlink()
    findings = validate_workspace(complete).findings
    assert findings.errors == [] and [f.code for f in findings] == ["summary-missing"]
    result = build_report(complete)
    assert result.docx is None
    assert result.incomplete == ["QS7 Safeguarding: no summary received"]


def test_build_lists_the_personal_data_it_will_print(complete: Workspace) -> None:
    values = {
        **VALID,
        "Lead officer (name)": ("Priya Shah priya.shah@example.gov.uk", ""),
        "What is our ambition?": ("Ask jo.bloggs@example.com or call 07700 900123.", ""),
    }
    fill_summary(complete, "QS2.xlsx", "QS2", values=values)
    code, output = _cli(complete)
    assert code == 0, output
    assert "0 errors, 3 warnings" in output
    listed = [line for line in output.splitlines() if line.startswith("  ")]
    assert len(listed) == 2
    where = f"inputs/stage2/QS2.xlsx › Summary › {field_cell('What is our ambition?')}"
    assert all(f"{where} (What is our ambition?)" in line for line in listed)
    assert "jo.bloggs@example.com" not in output  # masked, as in validate
    assert "Lead officer" not in output  # found by validate, but not printed in the report


def test_the_demo_prints_within_the_limit(tmp_path: Path) -> None:
    """The demo council's summaries fit 750 words as printed."""
    root = Path(__file__).resolve().parents[1]
    ws_root = tmp_path / "demo"
    shutil.copytree(root / "inputs", ws_root / "inputs")
    shutil.copy(root / "selfassess.toml", ws_root / "selfassess.toml")
    ws = Workspace(ws_root)
    findings = validate_workspace(ws).findings
    assert [f for f in findings if f.code in ("word-limit", "word-total-stale")] == []
    words = {r.code: r.words for r in workspace_status(ws).rows}
    assert all(700 < n <= 750 for code, n in words.items() if code in ("QS1", "QS2", "QS4"))
    # With Stage 1 returns the section also prints its chart (no words) and summary line
    # (counted): the report read back says what status says, for every quality statement.
    docx = build_report(ws).docx
    assert docx is not None
    for qs in ws.framework.quality_statements:
        assert report_section_words(docx, qs.name) == words[qs.code], qs.code


def test_the_measure_is_kept_per_template(complete: Workspace) -> None:
    """The shipped template was measured when the package was built: nothing is rendered or kept
    for it. A council's own template is measured once and kept in outputs/.cache; a damaged file
    is measured again; a template changed again gets its own."""
    from pipeline.app import printed_layouts
    from pipeline.read.expected import cache_dir
    from pipeline.report.printed import shipped_measure

    def kept() -> list[Path]:
        return sorted(cache_dir(complete).glob("printed-words-*.json"))

    shipped = printed_layouts(complete)
    assert kept() == []
    layouts = shipped_measure(complete.framework, template_path(TEMPLATE))["layouts"]
    assert {code: layout.fixed for code, layout in shipped.items()} == {
        code: layout["fixed"] for code, layout in layouts.items()
    }
    own = _restyle(complete)
    first = printed_layouts(complete)
    (path,) = kept()
    good = path.read_bytes()
    path.write_bytes(b'{"QS1": {"fixed": "many"}}')
    assert printed_layouts(complete) == first
    assert path.read_bytes() == good
    assert first["QS1"].fixed == shipped["QS1"].fixed + 8  # 10 words for 2
    assert first["QS1"].strengths.evidence_line == shipped["QS1"].strengths.evidence_line + 1
    doc = Document(str(own))
    doc.add_paragraph("A note at the end, outside Section B.")
    doc.save(str(own))
    assert printed_layouts(complete) == first
    assert len(kept()) == 2


def test_the_shipped_measure_is_the_shipped_template_measured() -> None:
    """pipeline/report/printed-words.json is what measuring the shipped template with the
    packaged framework gives now (regenerate with ``python -m pipeline.report.printed
    --write`` after changing the template or the code that renders it)."""
    import json

    from pipeline.framework import load_framework
    from pipeline.report.printed import SHIPPED, shipped_measure

    measured = shipped_measure(load_framework(), template_path(TEMPLATE))
    assert json.loads(SHIPPED.read_text("utf-8")) == json.loads(json.dumps(measured))


def _insert_through_libreoffice(src: Path, out: Path, row: int, label: str, text: str) -> None:
    """Insert a row above ``row`` of the form in LibreOffice (python-UNO), as a person does,
    type ``label`` and ``text`` into it, recalculate and save as .xlsx."""
    edits = [["insert_row", row], ["type", f"A{row}", label], ["type", f"B{row}", text]]
    lo_edit([{"src": str(src), "dst": str(out), "sheet": FORM_SHEET, "edits": edits}])


@pytest.mark.libreoffice
@pytest.mark.parametrize("label", ["Strength 4", ""])
def test_a_row_inserted_in_the_strengths_block_is_counted_as_validate_counts(
    complete: Workspace, tmp_path: Path, label: str
) -> None:
    """A row inserted inside the strengths block (through LibreOffice, so the formula ranges
    move as they do for a person): the live total, recalculated, equals validate's count. A
    labelled row counts as another strength; a row without a label is not read, and not
    counted by the sheet either (validate says so)."""
    generate_summaries(complete, force=True)
    filled = fill_summary(complete, "QS1-filled.xlsx", "QS1")
    out = tmp_path / "QS1 inserted.xlsx"
    row = int(field_cell("Strength 2")[1:])  # between Strength 1 and Strength 2
    _insert_through_libreoffice(filled, out, row, label, words(120))
    filled.unlink()
    shutil.copy(out, complete.stage2_inputs / "QS1.xlsx")

    sheet = openpyxl.load_workbook(out)[FORM_SHEET]
    formula = sheet[TOTAL_CELL].value.text
    last = int(field_cell("Area for improvement 3")[1:]) + 1  # the block moved down a row
    assert f"B{int(field_cell('Strength 1')[1:])}:B{last}" in formula

    result = validate_workspace(complete)
    (summary,) = [s for s in result.inputs.summaries if s.quality_statement == "QS1"]
    counted = result.inputs.printed_words(summary)
    shown = int(openpyxl.load_workbook(out, data_only=True)[FORM_SHEET][TOTAL_CELL].value)
    assert shown == counted
    ignored = [f for f in result.findings if f.code == "ignored-content"]
    if label:
        assert len(summary.strengths) == 3  # Strength 1, 4 and 2 (Strength 3 is empty)
        assert ignored == []
    else:
        assert [f.cell for f in ignored] == [f"B{row}"]


def test_a_council_template_that_is_not_a_word_document(complete: Workspace) -> None:
    """validate still checks everything (the limit counted as the shipped template prints);
    build says in one line what is wrong with the template, no traceback."""
    own = complete.root / "templates" / TEMPLATE
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_bytes(b"not a zip: saved as the wrong kind of file")
    result = CliRunner().invoke(main, ["--workspace", str(complete.root), "validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    code, output = _cli(complete, "--draft")
    assert code == 1
    assert "cannot be opened as a Word document" in output and "Traceback" not in output
    own.unlink()
