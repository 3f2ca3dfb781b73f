"""Evidence library rules: each problem planted once in an otherwise valid register, found
exactly, where it is."""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest

from pipeline.forms.register import REGISTER_SHEET
from pipeline.framework import Framework
from pipeline.model.findings import Finding, Severity
from pipeline.model.inputs import Entry, Inputs, Located, Summary, Text
from pipeline.rules import evidence
from pipeline.rules.evidence import link_problem, months_before
from pipeline.workspace import Workspace
from tests.factories import cell, fill_overview, fill_register
from tests.test_library import read_inputs, where

STAGE2 = "inputs/stage2/QS1.xlsx"


def run(inputs: Inputs) -> list[Finding]:
    return [f for rule in evidence.RULES for f in rule(inputs)]


def check(
    ws: Workspace,
    framework: Framework,
    change: Any = None,
    edit: Any = None,
    **extra: Any,
) -> list[Finding]:
    """Fill a valid register (with ``change``/``edit``) and overview; reading + rule findings."""
    fill_register(ws, framework, change=change, edit=edit)
    fill_overview(ws, framework)
    inputs, found = read_inputs(ws, **extra)
    return found + run(inputs)


def _text(value: str, ref: str) -> Text:
    return Text(value=value, at=Located(file=STAGE2, sheet="Summary", cell=ref))


def summary(strength_ids: str = "EV-001, EV-004", key_documents: str = "EV-002") -> Summary:
    """A Stage 2 summary citing evidence IDs (built directly: its reader is tested elsewhere)."""
    blank = _text("", "C4")
    return Summary(
        file=STAGE2,
        quality_statement="QS1",
        lead_officer_name=_text("A. Lead", "C4"),
        lead_officer_post=_text("Head of assessment", "C5"),
        ambition=_text("Timely assessments for everyone.", "C7"),
        strengths=(
            Entry(
                label="Strength 1",
                text=_text("Assessments are on time.", "C9"),
                evidence=_text(strength_ids, "E9"),
            ),
        ),
        improvements=(
            Entry(
                label="Area for improvement 1",
                text=_text("Reviews are late.", "C13"),
                evidence=_text("EV-005", "E13"),
            ),
        ),
        priorities=_text("Clear the review backlog.", "C17"),
        others_say=blank,
        key_documents=_text(key_documents, "C19"),
        verified_by_name=_text("D. Director", "C21"),
        verified_by_post=_text("DASS", "C22"),
    )


def test_a_valid_register_gives_no_finding(workspace: Workspace, framework: Framework):
    assert check(workspace, framework, summaries=[summary()]) == []


def test_duplicate_id(workspace: Workspace, framework: Framework):
    def dup(rows: list[dict[str, Any]]) -> None:
        rows[9]["id"] = "ev-003"

    found = check(workspace, framework, change=dup)
    assert where(found) == [("duplicate-evidence-id", cell("id", 10))]
    assert cell("id", 3) in found[0].message
    assert found[0].severity is Severity.ERROR


def test_id_that_cannot_be_cited(workspace: Workspace, framework: Framework):
    def spaced(rows: list[dict[str, Any]]) -> None:
        rows[2]["id"] = "EV 003"

    assert where(check(workspace, framework, change=spaced)) == [
        ("invalid-evidence-id", cell("id", 3))
    ]


@pytest.mark.parametrize("typed", ["IR99", "IR5-IR7", "Section 3"])
def test_unknown_ir_item(workspace: Workspace, framework: Framework, typed: str):
    def unknown(rows: list[dict[str, Any]]) -> None:
        rows[6]["ir_items"] += f", {typed}"

    found = check(workspace, framework, change=unknown)
    assert where(found) == [("unknown-ir-item", cell("ir_items", 7))]
    assert found[0].severity is Severity.ERROR


def test_unknown_quality_statement(workspace: Workspace, framework: Framework):
    def unknown(rows: list[dict[str, Any]]) -> None:
        rows[6]["quality_statements"] = "QS1, Housing"

    assert where(check(workspace, framework, change=unknown)) == [
        ("unknown-quality-statement", cell("quality_statements", 7))
    ]


@pytest.mark.parametrize(
    ("code", "link"),
    [
        ("invalid-link", "htp://www.testshire.gov.uk/x.pdf"),
        ("link-not-shareable", r"\\fileserver\asc\strategy.pdf"),
        ("link-has-credentials", "https://officer:Secret123@docs.testshire.gov.uk/plan.pdf"),
        ("link-has-credentials", "http://admin@testshire.gov.uk/x"),
    ],
)
def test_link_findings_in_the_register(
    workspace: Workspace, framework: Framework, code: str, link: str
):
    def bad(rows: list[dict[str, Any]]) -> None:
        rows[11]["link"] = link

    found = check(workspace, framework, change=bad)
    assert where(found) == [(code, cell("link", 12))]
    expected = Severity.WARNING if code == "link-not-shareable" else Severity.ERROR
    assert found[0].severity is expected


@pytest.mark.parametrize(
    "link",
    [
        "htp://www.testshire.gov.uk/x.pdf",
        "www.testshire.gov.uk/x.pdf",
        "https://",
        "https://www.testshire.gov.uk/my file.pdf",
        "mailto:asc@testshire.gov.uk",
        "see SharePoint",
        "https://testshire..gov.uk/x",
    ],
)
def test_invalid_link(link: str):
    problem = link_problem(link)
    assert problem is not None and problem[0] == "invalid-link"


@pytest.mark.parametrize(
    "link",
    [
        "file:///S:/ASC/Evidence/strategy.pdf",
        r"\\fileserver\asc\strategy.pdf",
        r"S:\ASC\Evidence\strategy.pdf",
        "C:/Users/jo/Documents/strategy.pdf",
        "http://localhost:8080/strategy.pdf",
        "http://127.0.0.1/strategy.pdf",
        "http://10.2.3.4/strategy.pdf",
        "https://intranet/asc/strategy.pdf",
    ],
)
def test_link_not_shareable(link: str):
    problem = link_problem(link)
    assert problem is not None and problem[0] == "link-not-shareable"


@pytest.mark.parametrize(
    "link",
    [
        "https://www.testshire.gov.uk/asc/strategy.pdf",
        "http://testshire.gov.uk",
        "https://testshire.sharepoint.com/:b:/s/ASC/EaBc?e=x1Y2",
        "https://lginform.local.gov.uk/reports/view/lga-research/asc?mod-area=E06000001",
        "HTTPS://WWW.TESTSHIRE.GOV.UK/A.PDF",
    ],
)
def test_good_links(link: str):
    assert link_problem(link) is None


def test_an_empty_link_is_a_warning(workspace: Workspace, framework: Framework):
    def empty(rows: list[dict[str, Any]]) -> None:
        rows[11]["link"] = None

    found = check(workspace, framework, change=empty)
    assert [(f.code, f.cell, f.field, f.severity) for f in found] == [
        ("missing-field", cell("link", 12), "Link", Severity.WARNING)
    ]


def test_missing_title_and_date(workspace: Workspace, framework: Framework):
    def empty(rows: list[dict[str, Any]]) -> None:
        rows[1]["title"] = None
        rows[2]["date"] = None

    found = check(workspace, framework, change=empty)
    assert where(found) == [("missing-field", cell("title", 2)), ("missing-field", cell("date", 3))]


def test_stale_evidence(workspace: Workspace, framework: Framework):
    def old(rows: list[dict[str, Any]]) -> None:
        rows[5]["date"] = dt.datetime(2025, 2, 28)  # submission 1 March 2026: 12 months + 1 day
        rows[6]["date"] = dt.datetime(2025, 3, 1)  # exactly 12 months: still fine

    found = check(workspace, framework, change=old)
    assert where(found) == [("stale-evidence", cell("date", 6))]
    assert "28/02/2025" in found[0].message and "12 months" in found[0].message
    assert found[0].data == {
        "date": "2025-02-28",
        "submission_date": "2026-03-01",
        "age_days": 366,
        "limit_months": 12,
    }


def test_safeguarding_adult_reviews_may_be_24_months_old(
    workspace: Workspace, framework: Framework
):
    n = [item.code for item in framework.ir_items].index("IR27") + 1

    def sars(rows: list[dict[str, Any]]) -> None:
        rows[n - 1]["date"] = dt.datetime(2024, 6, 1)  # 21 months: fine for IR27
        rows.append({**rows[n - 1], "id": "EV-900", "date": dt.datetime(2024, 2, 1)})

    found = check(workspace, framework, change=sars)
    assert where(found) == [("stale-evidence", cell("date", len(framework.ir_items) + 1))]
    assert "24 months" in found[0].message
    assert found[0].data is not None and found[0].data["limit_months"] == 24


def test_no_stale_check_without_a_submission_date(workspace: Workspace, framework: Framework):
    def old(rows: list[dict[str, Any]]) -> None:
        rows[5]["date"] = dt.datetime(2020, 1, 1)

    fill_register(workspace, framework, change=old)
    inputs, found = read_inputs(workspace)  # the overview is still blank
    assert found == [] and run(inputs) == []


def test_not_redacted(workspace: Workspace, framework: Framework):
    def no(rows: list[dict[str, Any]]) -> None:
        rows[7]["redacted"] = "No"
        rows[8]["redacted"] = None

    found = check(workspace, framework, change=no)
    assert [(f.code, f.cell, f.severity) for f in found] == [
        ("not-redacted", cell("redacted", 8), Severity.ERROR),
        ("not-redacted", cell("redacted", 9), Severity.WARNING),
    ]


def test_invalid_choice(workspace: Workspace, framework: Framework):
    def maybe(rows: list[dict[str, Any]]) -> None:
        rows[7]["public"] = "Partly"

    assert where(check(workspace, framework, change=maybe)) == [
        ("invalid-choice", cell("public", 8))
    ]


def test_ir_item_uncovered(workspace: Workspace, framework: Framework):
    n = [item.code for item in framework.ir_items].index("IR17") + 1

    def gap(rows: list[dict[str, Any]]) -> None:
        rows[n - 1]["ir_items"] = "IR16"

    found = check(workspace, framework, change=gap)
    assert [(f.code, f.file, f.field) for f in found] == [
        ("ir-item-uncovered", "inputs/evidence-library.xlsx", "IR17")
    ]
    assert found[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("strengths", "key_documents", "expected"),
    [
        ("EV-001, EV-099", "EV-002", [("unknown-evidence-ref", "E9")]),
        ("EV-001", "EV-002; EV-404", [("unknown-evidence-ref", "C19")]),
        ("see the SAB report", "EV-002", [("unknown-evidence-ref", "E9")]),
    ],
)
def test_unknown_evidence_ref(
    workspace: Workspace,
    framework: Framework,
    strengths: str,
    key_documents: str,
    expected: list[tuple[str, str]],
):
    found = check(workspace, framework, summaries=[summary(strengths, key_documents)])
    assert where(found) == expected
    assert found[0].file == STAGE2 and found[0].severity is Severity.ERROR


def test_no_library_no_cross_checks(workspace: Workspace, framework: Framework):
    workspace.evidence_library.unlink()
    inputs, found = read_inputs(workspace, summaries=[summary("EV-999")])
    assert where(found) == [("missing-file", None)]
    assert run(inputs) == []


def test_months_before():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 3, 1), 24) == dt.date(2024, 3, 1)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


# ---- Evidence age (issue 10) ----------------------------------------------------------------


def _row_of_ir(framework: Framework, code: str) -> int:
    return [item.code for item in framework.ir_items].index(code)


def test_a_reason_given_clears_the_age_warning(workspace: Workspace, framework: Framework):
    n = _row_of_ir(framework, "IR17")

    def old(rows: list[dict[str, Any]]) -> None:
        rows[n]["document_type"] = "Performance reports"
        rows[n]["date"] = dt.datetime(2024, 6, 30)
        rows[n]["still_current"] = "Covers 2023/24, the latest year published by NHS England."

    assert check(workspace, framework, change=old) == []


def test_a_strategy_is_current_until_its_review_or_end_date(
    workspace: Workspace, framework: Framework
):
    n = _row_of_ir(framework, "IR33")

    def dated(rows: list[dict[str, Any]]) -> None:
        rows[n].update(
            document_type="Strategy document",
            title="Caring together: our carers strategy",
            date=dt.datetime(2023, 4, 1),  # three years before the submission date
            review_date=dt.datetime(2027, 3, 31),
        )
        # The end year of a period in the title counts when the column is blank.
        rows.append({**rows[n], "id": "EV-900", "title": "Carers strategy 2023–2027"})
        rows[-1]["review_date"] = None
        # Past its review date: stale, at that cell.
        rows.append({**rows[n], "id": "EV-901", "review_date": dt.datetime(2026, 1, 31)})
        # A policy with neither is judged by its date, and the message says what clears it.
        rows.append({**rows[n], "id": "EV-902", "document_type": "Policy", "review_date": None})

    found = check(workspace, framework, change=dated)
    last = len(framework.ir_items)
    assert where(found) == [
        ("stale-evidence", cell("review_date", last + 2)),
        ("stale-evidence", cell("date", last + 3)),
    ]
    assert "due for review (or ended) on 31/01/2026" in found[0].message
    assert found[0].data == {"review_date": "2026-01-31", "submission_date": "2026-03-01"}
    assert "give its ‘Review or end date’" in found[1].message


def test_an_ir21_document_four_months_old_is_stale(workspace: Workspace, framework: Framework):
    n = _row_of_ir(framework, "IR21")

    def ages(rows: list[dict[str, Any]]) -> None:
        rows[n]["date"] = dt.datetime(2025, 11, 1)  # submission 1 March 2026: four months
        rows.append({**rows[n], "id": "EV-900", "date": dt.datetime(2025, 12, 1)})  # three: fine

    found = check(workspace, framework, change=ages)
    assert where(found) == [("stale-evidence", cell("date", n + 1))]
    assert "more than 3 months before the submission date (01/03/2026), the most IR21 allows" in (
        found[0].message
    )
    assert found[0].data is not None and found[0].data["limit_months"] == 3


def test_each_ir_item_has_its_window(framework: Framework):
    windows = {item.code: item.max_age_months for item in framework.ir_items}
    assert (windows["IR21"], windows["IR27"], windows["IR2"], windows["IR34"]) == (3, 24, 12, 12)
    assert windows["IR5"] is None  # the council's setting (evidence_max_age_months)


def test_an_old_register_without_the_new_columns_still_reads(
    workspace: Workspace, framework: Framework
):
    """A register made before these columns: the blank one without them, filled and read."""
    from openpyxl.utils import column_index_from_string

    from pipeline.forms.register import FIRST_ROW, column_letter
    from pipeline.read.register import read_library

    wb = openpyxl.load_workbook(workspace.evidence_library)
    sheet = wb[REGISTER_SHEET]
    for key in ("still_current", "review_date", "sections"):  # right to left
        sheet.delete_cols(column_index_from_string(column_letter(key)))
    headings = [c.value for c in sheet[FIRST_ROW - 1] if c.value]
    assert headings == [
        "ID", "Title", "Link", "IR items", "Quality statements", "Document type", "Owner",
        "Date", "Publicly available", "Personal data redacted", "Notes",
    ]  # fmt: skip
    row = ["EV-001", "Waits report", "https://www.testshire.gov.uk/w.pdf", "IR5", None, "Report"]
    for col, value in enumerate(row, start=1):
        sheet.cell(FIRST_ROW, col, value)
    sheet.cell(FIRST_ROW, headings.index("Date") + 1, dt.datetime(2025, 10, 1))
    wb.save(workspace.evidence_library)
    library, found = read_library(workspace)
    assert found == [] and library is not None
    (item,) = library.items
    assert (item.review_date, item.still_current, item.sections) == (None, "", "")
    assert (item.title, item.date) == ("Waits report", dt.date(2025, 10, 1))


def test_a_stale_data_report_with_a_reason_passes_validate_strict(complete: Workspace):
    from click.testing import CliRunner

    from pipeline.cli import main

    n = _row_of_ir(complete.framework, "IR17")

    def old(rows: list[dict[str, Any]], reason: str) -> None:
        rows[n]["document_type"] = "Performance reports"
        rows[n]["date"] = dt.datetime(2024, 6, 30)
        rows[n]["still_current"] = reason

    def strict() -> Any:
        return CliRunner().invoke(main, ["--workspace", str(complete.root), "validate", "--strict"])

    fill_register(complete, complete.framework, change=lambda rows: old(rows, ""))
    warned = strict()
    assert warned.exit_code == 1 and "[stale-evidence]" in warned.output
    fill_register(
        complete, complete.framework, change=lambda rows: old(rows, "Latest published: 2023/24.")
    )
    clean = strict()
    assert clean.exit_code == 0, clean.output
    assert "0 errors, 0 warnings" in clean.output
