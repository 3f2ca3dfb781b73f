"""Overview rules: each problem planted once in an otherwise valid overview."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.framework import Framework
from pipeline.model.findings import Finding, Severity
from pipeline.rules import overview
from pipeline.workspace import Workspace
from tests.factories import FIRST_SIGN_OFF_ROW, OVERVIEW_CELLS, fill_overview
from tests.test_library import read_inputs, where


def check(ws: Workspace, framework: Framework, edit: Any = None) -> list[Finding]:
    """A valid overview with ``edit`` applied: reading and overview rule findings."""
    fill_overview(ws, framework, edit=edit)
    inputs, found = read_inputs(ws)
    found = [f for f in found if f.file == "inputs/overview.xlsx"]
    return found + [f for rule in overview.RULES for f in rule(inputs)]


def clear(ref: str) -> Any:
    return lambda sheet: sheet.__setitem__(ref, None)


def test_a_valid_overview_gives_no_finding(workspace: Workspace, framework: Framework):
    assert check(workspace, framework) == []


def test_council_name_missing_is_an_error(workspace: Workspace, framework: Framework):
    found = check(workspace, framework, clear(OVERVIEW_CELLS["council"]))
    assert [(f.code, f.cell, f.severity) for f in found] == [
        ("missing-field", "B5", Severity.ERROR)
    ]


def test_submission_date_missing_is_a_warning(workspace: Workspace, framework: Framework):
    found = check(workspace, framework, clear(OVERVIEW_CELLS["submission_date"]))
    assert [(f.code, f.cell, f.severity) for f in found] == [
        ("missing-field", "B6", Severity.WARNING)
    ]


def test_an_unreadable_submission_date_is_reported_once(workspace: Workspace, framework: Framework):
    found = check(workspace, framework, lambda s: s.__setitem__("B6", "31/02/2026"))
    assert where(found) == [("invalid-date", "B6")]


@pytest.mark.parametrize("key", ["about_us", "our_key_risks", "process"])
def test_empty_section(workspace: Workspace, framework: Framework, key: str):
    found = check(workspace, framework, clear(OVERVIEW_CELLS[key]))
    assert [(f.code, f.cell, f.severity) for f in found] == [
        ("missing-field", OVERVIEW_CELLS[key], Severity.WARNING)
    ]


def test_section_a_over_about_four_pages(workspace: Workspace, framework: Framework):
    def long(sheet: Any) -> None:
        sheet[OVERVIEW_CELLS["about_us"]] = "word " * 1200
        sheet[OVERVIEW_CELLS["our_strategy"]] = "co-produced\nplan " * 400

    found = check(workspace, framework, long)
    assert [(f.code, f.field, f.severity) for f in found] == [
        ("section-a-length", "Section A", Severity.WARNING)
    ]
    assert "2,0" in found[0].message and "About us 1,200" in found[0].message
    assert found[0].data == {"words": 2020, "limit": 2000}  # 1,200 + 800 + the filled parts
    assert found[0].message.startswith("Section A has 2,020 words")


def test_section_a_at_the_limit_is_fine(workspace: Workspace, framework: Framework):
    def exact(sheet: Any) -> None:
        for key in ("about_us", "our_strategy", "our_key_strengths", "our_key_risks"):
            sheet[OVERVIEW_CELLS[key]] = "word " * 500

    assert check(workspace, framework, exact) == []


def test_sign_off_without_name(workspace: Workspace, framework: Framework):
    row = FIRST_SIGN_OFF_ROW + 4  # Director of adult social services
    found = check(workspace, framework, clear(f"B{row}"))
    assert [(f.code, f.cell, f.severity) for f in found] == [
        ("sign-off-incomplete", f"B{row}", Severity.WARNING)
    ]
    assert found[0].message.startswith("Director of adult social services: no name")


def test_sign_off_without_date(workspace: Workspace, framework: Framework):
    row = FIRST_SIGN_OFF_ROW
    found = check(workspace, framework, clear(f"C{row}"))
    assert where(found) == [("sign-off-incomplete", f"C{row}")]


def test_nobody_signed_off_yet_is_one_warning(workspace: Workspace, framework: Framework):
    def blank(sheet: Any) -> None:
        for i in range(len(framework.sign_off_roles)):
            for col in "BCD":
                sheet[f"{col}{FIRST_SIGN_OFF_ROW + i}"] = None

    found = check(workspace, framework, blank)
    assert where(found) == [("sign-off-incomplete", f"B{FIRST_SIGN_OFF_ROW}")]
    assert "12 roles" in found[0].message


def test_sign_off_with_an_unreadable_date(workspace: Workspace, framework: Framework):
    row = FIRST_SIGN_OFF_ROW + 1
    found = check(workspace, framework, lambda s: s.__setitem__(f"C{row}", "at the board"))
    assert where(found) == [("invalid-date", f"C{row}")]


def test_logo(workspace: Workspace, framework: Framework):
    (workspace.inputs / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    logo = OVERVIEW_CELLS["logo"]
    assert check(workspace, framework, lambda s: s.__setitem__(logo, "logo.png")) == []
    for name in ("missing.png", "../logo.png", r"C:\logo.png", "logo.pdf"):
        found = check(workspace, framework, lambda s, n=name: s.__setitem__(logo, n))
        assert where(found) == [("invalid-logo", logo)], name
