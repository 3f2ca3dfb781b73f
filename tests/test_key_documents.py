"""Stage 2 "key documents" as the guidance means them: IDs, titles, titles with links. IDs
resolve; the rest become library candidates until the register has them. Text is shown as
typed. Filled in a real summary workbook and read back, checked by the real rules."""

from __future__ import annotations

from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.app import validate_workspace
from pipeline.cli import main
from pipeline.forms.register import COLUMNS
from pipeline.forms.summary import field_cell
from pipeline.model.findings import Severity
from pipeline.model.inputs import split_ids
from pipeline.model.key_documents import KeyDocument, parse_key_documents
from pipeline.outputs.validation_report import CANDIDATES_SHEET
from pipeline.workspace import Workspace
from tests.factories import VALID, fill_register, fill_summary

KEY = "Key documents for the evidence library"
ACCEPTANCE = "Carers strategy 2023-2027; EV-005 and https://example.gov.uk/x.pdf"


def fill_qs1(ws: Workspace, key_documents: str, **evidence: str) -> None:
    """Replace QS1's summary with one whose key documents (and strengths' evidence) are given."""
    for old in ws.stage2_inputs.glob("QS1*.xlsx"):
        old.unlink()
    values = {**VALID, KEY: (key_documents, "")}
    for label, ids in evidence.items():
        values[label] = (values[label][0], ids)
    fill_summary(ws, "QS1.xlsx", "QS1", values=values)


# ---- how a cell is read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            ACCEPTANCE,
            [
                KeyDocument("Carers strategy 2023-2027", title="Carers strategy 2023-2027"),
                KeyDocument("EV-005", id="EV-005"),
                KeyDocument("https://example.gov.uk/x.pdf", link="https://example.gov.uk/x.pdf"),
            ],
        ),
        # A title keeps its own commas and "and"s; lines separate documents.
        (
            "Carers strategy, 2023-2027\nMarket position statement and sustainability plan",
            [
                KeyDocument("Carers strategy, 2023-2027", title="Carers strategy, 2023-2027"),
                KeyDocument(
                    "Market position statement and sustainability plan",
                    title="Market position statement and sustainability plan",
                ),
            ],
        ),
        # Runs of IDs split on commas, "and", & and spaces.
        (
            "EV-005, ev-006 and EV-099 & EV-100",
            [KeyDocument(i, id=i) for i in ("EV-005", "ev-006", "EV-099", "EV-100")],
        ),
        # A title with its link, in one line.
        (
            "• Waiting list report October 2026 (https://a.gov.uk/w)",
            [
                KeyDocument(
                    "Waiting list report October 2026 (https://a.gov.uk/w)",
                    title="Waiting list report October 2026",
                    link="https://a.gov.uk/w",
                )
            ],
        ),
        (
            "Carers strategy, https://a.gov.uk/c.pdf",
            [
                KeyDocument(
                    "Carers strategy, https://a.gov.uk/c.pdf",
                    title="Carers strategy",
                    link="https://a.gov.uk/c.pdf",
                )
            ],
        ),
        # An ID with the title beside it cites the ID.
        ("Carers strategy (EV-005)", [KeyDocument("Carers strategy (EV-005)", id="EV-005")]),
    ],
)
def test_how_key_documents_are_split(typed: str, expected: list[KeyDocument]) -> None:
    assert parse_key_documents(typed) == expected


def test_and_separates_ids_and_is_never_one() -> None:
    assert split_ids("EV-005 and EV-099") == ["EV-005", "EV-099"]
    assert split_ids("ev-005;EV-006 & EV-7\nEV-008") == ["ev-005", "EV-006", "EV-7", "EV-008"]


# ---- validate -----------------------------------------------------------------------------


def test_one_id_two_library_candidates_no_error_shown_as_typed(complete: Workspace) -> None:
    fill_qs1(complete, ACCEPTANCE)
    checked = validate_workspace(complete)
    assert checked.findings.errors == []
    (summary,) = [s for s in checked.inputs.summaries if s.quality_statement == "QS1"]
    assert summary.key_document_ids == ["EV-005"]
    candidates = [f for f in checked.findings if f.code == "library-candidate"]
    assert [(f.severity, f.file, f.cell) for f in candidates] == [
        (Severity.WARNING, "inputs/stage2/QS1.xlsx", field_cell(KEY))
    ] * 2
    assert "“Carers strategy 2023-2027”" in candidates[0].message
    assert "“https://example.gov.uk/x.pdf”" in candidates[1].message
    assert [f.data for f in candidates] == [
        {
            "typed": "Carers strategy 2023-2027",
            "title": "Carers strategy 2023-2027",
            "link": "",
            "quality_statement": "QS1",
            "quality_statement_name": "Assessing needs",
        },
        {
            "typed": "https://example.gov.uk/x.pdf",
            "title": "",
            "link": "https://example.gov.uk/x.pdf",
            "quality_statement": "QS1",
            "quality_statement_name": "Assessing needs",
        },
    ]
    # Listed by the command as well, with the summary and the cell.
    result = CliRunner().invoke(main, ["--workspace", str(complete.root), "validate"])
    assert result.exit_code == 0, result.output
    assert "[library-candidate]" in result.output and "Carers strategy 2023-2027" in result.output


def test_the_candidates_sheet_pastes_into_the_register_and_then_they_resolve(
    complete: Workspace,
) -> None:
    fill_qs1(complete, ACCEPTANCE)
    validate_workspace(complete)
    wb = openpyxl.load_workbook(complete.root / "outputs" / "validation-report.xlsx")
    sheet = wb[CANDIDATES_SHEET]
    header = [c.value for c in sheet[4]]
    assert header == [c.header for c in COLUMNS]  # the register's own headings, in its order
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert len(rows) == 2
    pasted = [dict(zip([c.key for c in COLUMNS], row, strict=True)) for row in rows]
    assert [(r["title"], r["link"], r["quality_statements"]) for r in pasted] == [
        ("Carers strategy 2023-2027", None, "QS1"),
        (None, "https://example.gov.uk/x.pdf", "QS1"),
    ]
    assert "inputs/stage2/QS1.xlsx" in pasted[0]["notes"]

    # The IR team pastes them at the end of the register and completes them.
    def paste(register: list[dict[str, Any]]) -> None:
        for n, row in enumerate(pasted, start=900):
            completed = {**register[0], **{k: v for k, v in row.items() if v}}
            register.append({**completed, "id": f"EV-{n}", "title": row["title"] or "Doc"})

    fill_register(complete, complete.framework, change=paste)
    assert [f for f in validate_workspace(complete).findings if f.code == "library-candidate"] == []
    assert wb  # the sheet read above


def test_a_register_title_or_link_resolves_a_candidate(complete: Workspace) -> None:
    def carry(register: list[dict[str, Any]]) -> None:
        register[0]["title"] = "Carers Strategy 2023–2027"  # other case, an en dash
        register[1]["link"] = "https://EXAMPLE.gov.uk/x.pdf/"

    fill_register(complete, complete.framework, change=carry)
    fill_qs1(complete, ACCEPTANCE)
    assert list(validate_workspace(complete).findings) == []


def test_ids_in_an_evidence_cell_are_reported_as_typed(complete: Workspace) -> None:
    fill_qs1(
        complete,
        "EV-001",
        **{"Strength 1": "EV-005 and ev-099", "Strength 2": "see the SAB report; EV-002"},
    )
    found = [f for f in validate_workspace(complete).findings if f.code == "unknown-evidence-ref"]
    assert [(f.field, f.cell) for f in found] == [
        ("Strength 1", field_cell("Strength 1", "C")),
        ("Strength 2", field_cell("Strength 2", "C")),
    ]
    assert "cites ev-099," in found[0].message and "AND" not in found[0].message
    assert "“see the SAB report”" in found[1].message


def test_an_unknown_id_among_key_documents_is_an_error(complete: Workspace) -> None:
    fill_qs1(complete, "Carers strategy, 2023-2027; EV-005 and EV-404")
    found = validate_workspace(complete).findings
    assert [(f.code, f.message.split(" which")[0]) for f in found.errors] == [
        ("unknown-evidence-ref", "Key documents cites EV-404,")
    ]
    assert [f.code for f in found.warnings] == ["library-candidate"]
    assert "“Carers strategy, 2023-2027”" in found.warnings[0].message


def test_a_key_document_link_with_credentials_is_an_error(complete: Workspace) -> None:
    fill_qs1(complete, "EV-005\nhttps://officer:Secret1@docs.example.gov.uk/plan.pdf")
    found = validate_workspace(complete).findings
    assert [(f.code, f.file, f.cell) for f in found.errors] == [
        ("link-has-credentials", "inputs/stage2/QS1.xlsx", field_cell(KEY))
    ]
    assert "Secret1" not in found.errors[0].message
    assert not any("Secret1" in f.message or "Secret1" in str(f.data) for f in found)
