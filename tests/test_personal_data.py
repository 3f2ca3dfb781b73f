"""Personal data: the patterns (NHS check digit, no false alarms), the masking, and the rule over
every narrative and comment."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pipeline.analysis.personal_data import find_personal_data, mask, nhs_check_digit_ok
from pipeline.framework import Framework
from pipeline.model.findings import Finding, Severity
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.rules import personal_data
from pipeline.workspace import Workspace
from tests.factories import OVERVIEW_CELLS, cell, fill_overview, fill_register
from tests.test_library import read_inputs, where
from tests.test_rules_evidence import STAGE2, summary


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.masked) for m in find_personal_data(text)]


# ---- NHS numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "4857773457", "4000000020"])
def test_valid_nhs_check_digits(number: str):
    assert nhs_check_digit_ok(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # wrong check digit
        "9434765910",
        "1234567890",  # the check digit would be 10: never a valid NHS number
        "4000000080",
        "943476591",  # too short
        "94347659190",
    ],
)
def test_invalid_nhs_check_digits(number: str):
    assert not nhs_check_digit_ok(number)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NHS number 943 476 5919.", "943 *** **19"),
        ("nhs:943-476-5919", "943-***-**19"),
        ("(9434765919)", "943*****19"),
    ],
)
def test_nhs_numbers_are_found_and_masked(text: str, masked: str):
    assert kinds(text) == [("nhs", masked)]


@pytest.mark.parametrize(
    "text",
    [
        "Case reference 943 476 5918",  # invalid check digit
        "Order 1234567890 was paid",  # check digit would be 10
        "Account 94347659190",  # 11 digits: part of a longer number
        "Serial 19434765919",
        "Spend £9434765919 in total",
        "Rate 9434765919.5 per cent",
        "943 4765 919",  # not grouped the NHS way
        "943 476-5919",  # mixed separators
    ],
)
def test_no_false_alarms_on_other_ten_digit_numbers(text: str):
    assert kinds(text) == []


# ---- Emails, phones, NI numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Contact jo.bloggs@testshire.gov.uk today", [("email", "j***@testshire.gov.uk")]),
        ("o'neil+asc@example.org.", [("email", "o***@example.org")]),
        ("Call 020 7946 0958", [("phone", "020 **** **58")]),
        ("mobile 07700 900123", [("phone", "077** ****23")]),
        ("(0161) 496 0000", [("phone", "(016*) *** **00")]),
        ("+44 (0)20 7946 0958", [("phone", "+44 (0)** **** **58")]),
        ("+44 7700 900123", [("phone", "+44 7*** ****23")]),
        ("tel:01632960123", [("phone", "016******23")]),
        ("helpline 0800 123 456", [("phone", "080* *** *56")]),
        ("NI AB 12 34 56 C", [("ni", "AB ** ** ** C")]),
        ("ni: ce123456d", [("ni", "ce******d")]),
    ],
)
def test_other_personal_data(text: str, expected: list[tuple[str, str]]):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Between 2019 and 2024 we supported 12,345 people",
        "We spent £1,234,567 (0.5%) on 1 April 2025",
        "Reviewed on 01/03/2026 and 01-03-2026",
        "Population 600000 in 2023; 20 000 carers",
        "Evidence EV-0012345678 and EV-003",
        "QQ123456C",  # Q is never used
        "GB123456A",  # a prefix never issued
        "AB123456E",  # the suffix is A-D
        "Email us at asc@",
        "The IR2 and IR38 items",
    ],
)
def test_no_false_alarms(text: str):
    assert kinds(text) == []


def test_several_in_one_text_in_reading_order():
    text = "Jo (jo@example.org, 07700 900123), NHS 943 476 5919, NI AB123456C"
    assert [k for k, _m in kinds(text)] == ["email", "phone", "nhs", "ni"]


def test_mask_keeps_shape_not_content():
    assert mask("943 476 5919") == "943 *** **19"
    assert mask("AB123456C", 2, 1) == "AB******C"


# ---- The rule -------------------------------------------------------------------------------


def _scan(ws: Workspace, framework: Framework, **extra: Any) -> list[Finding]:
    inputs, _found = read_inputs(ws, **extra)
    return [f for rule in personal_data.RULES for f in rule(inputs)]


def test_clean_inputs_give_no_finding(workspace: Workspace, framework: Framework):
    fill_register(workspace, framework)
    fill_overview(workspace, framework)
    returns = [
        Stage1Return(
            file="inputs/stage1/a.xlsx",
            quality_statement="QS1",
            responses=(Stage1Response(number=1, rating=3, evidence="Audit in May 2025"),),
        )
    ]
    assert _scan(workspace, framework, summaries=[summary()], returns=returns) == []


def test_found_in_a_stage2_narrative(workspace: Workspace, framework: Framework):
    s = summary()
    text = replace(s.ambition, value="Ask Mrs Smith, NHS 943 476 5919.")
    s = replace(s, ambition=text)
    found = _scan(workspace, framework, summaries=[s])
    assert [(f.code, f.file, f.cell, f.severity) for f in found] == [
        ("personal-data", STAGE2, "C7", Severity.WARNING)
    ]
    assert "943 *** **19" in found[0].message
    assert "943 476 5919" not in found[0].message


def test_found_in_the_overview(workspace: Workspace, framework: Framework):
    def email(sheet: Any) -> None:
        sheet[OVERVIEW_CELLS["process"]] = "Workshops run by jo.bloggs@testshire.gov.uk."

    fill_overview(workspace, framework, edit=email)
    found = _scan(workspace, framework)
    assert where(found) == [("personal-data", OVERVIEW_CELLS["process"])]
    assert "jo.bloggs" not in found[0].message


def test_found_in_the_register_notes(workspace: Workspace, framework: Framework):
    def note(rows: list[dict[str, Any]]) -> None:
        rows[4]["notes"] = "Ring Sam on 07700 900123 for the unredacted copy"

    fill_register(workspace, framework, change=note)
    found = _scan(workspace, framework)
    assert where(found) == [("personal-data", cell("notes", 5))]
    assert "07700 900123" not in found[0].message


def test_found_in_a_stage1_comment(workspace: Workspace, framework: Framework):
    returns = [
        Stage1Return(
            file="inputs/stage1/carers.xlsx",
            quality_statement="QS2",
            responses=(
                Stage1Response(number=1, rating=2),
                Stage1Response(number=3, rating=1, evidence="My NI number is AB 12 34 56 C"),
            ),
        )
    ]
    found = _scan(workspace, framework, returns=returns)
    assert [(f.code, f.file, f.sheet, f.cell) for f in found] == [
        ("personal-data", "inputs/stage1/carers.xlsx", "Checklist", "D10")
    ]


# ---- Contact details the register may hold (IR38) -------------------------------------------


def _ir38_row(rows: list[dict[str, Any]]) -> int:
    """The 0-based index of the register row for IR38 (one document per IR item)."""
    (index,) = [i for i, row in enumerate(rows) if row["ir_items"] == "IR38"]
    return index


def test_ir38_contact_details_are_not_flagged(workspace: Workspace, framework: Framework):
    """IR38 asks for key groups' "contact details (name, email, telephone number)": a row that
    lists IR38 may give them; an NHS or NI number there, or an email elsewhere, is still found."""
    found_at: dict[str, int] = {}

    def contacts(rows: list[dict[str, Any]]) -> None:
        ir38 = _ir38_row(rows)
        found_at["ir38"] = ir38 + 1
        rows[ir38]["ir_items"] = "IR2, ir 38"
        rows[ir38]["title"] = "Carers forum: carersforum@testshire.org.uk, 01632 960123"
        rows[ir38]["notes"] = "Chair Jo Bloggs 07700 900123; NHS 943 476 5919"
        rows[3]["notes"] = "Ask jo.bloggs@testshire.gov.uk for the unredacted copy"

    fill_register(workspace, framework, change=contacts)
    found = _scan(workspace, framework)
    assert where(found) == [
        ("personal-data", cell("notes", 4)),
        ("personal-data", cell("notes", found_at["ir38"])),
    ]
    assert "j***@testshire.gov.uk" in found[0].message
    assert "an NHS number (943 *** **19)" in found[1].message
