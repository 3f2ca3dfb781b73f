"""The packaged PCH / CQC framework data, and a council's overrides of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from pipeline.framework import FrameworkError, load_framework

QS_CODES = [f"QS{n}" for n in range(1, 10)]
IR_CODES = [f"IR{n}" for n in range(2, 31)] + [f"IR{n}" for n in range(33, 39)]
CHECKLIST_COUNTS = [14, 12, 7, 12, 6, 10, 15, 9, 10]

THEMES = [
    ("T1", "Working with people", ["QS1", "QS2", "QS3"]),
    ("T2", "Providing support", ["QS4", "QS5"]),
    ("T3", "How the local authority ensures safety within the system", ["QS6", "QS7"]),
    ("T4", "Leadership", ["QS8", "QS9"]),
]

# The guidance prints no "I statements" for these quality statements.
QS_WITHOUT_I_STATEMENTS = {"QS5", "QS8", "QS9"}


def _strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a dumped model."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_themes_and_quality_statements_in_order() -> None:
    fw = load_framework()
    assert [(t.code, t.name, [qs.code for qs in t.quality_statements]) for t in fw.themes] == THEMES
    assert [qs.code for qs in fw.quality_statements] == QS_CODES
    assert fw.quality_statement("QS6").file_stem == "QS6-safe-systems-pathways-and-transitions"
    assert fw.theme_of("QS7").name == "How the local authority ensures safety within the system"
    assert all(t.introduction.startswith("Th") for t in fw.themes)


def test_checklist_statement_counts() -> None:
    fw = load_framework()
    assert [len(qs.checklist_statements) for qs in fw.quality_statements] == CHECKLIST_COUNTS
    assert sum(CHECKLIST_COUNTS) == 95


def test_every_quality_statement_is_complete() -> None:
    fw = load_framework()
    for qs in fw.quality_statements:
        assert qs.we_statement.startswith("We "), qs.code
        assert qs.prompts, qs.code
        assert qs.data_to_consider, qs.code
        assert qs.cqc_looking_for, qs.code
        assert all(block.text or block.bullets for block in qs.cqc_looking_for), qs.code
        if qs.code not in QS_WITHOUT_I_STATEMENTS:
            assert qs.i_statements, qs.code
        for statement in qs.i_statements:
            assert re.match(r"^(I|When I) ", statement), statement
        assert all(p.endswith("?") for p in qs.prompts), qs.code


def test_rating_scale_groups_and_roles() -> None:
    fw = load_framework()
    assert [r.display for r in fw.rating_scale] == [
        "1 Strongly disagree",
        "2 Tend to disagree",
        "3 Tend to agree",
        "4 Strongly agree",
        "0 Don't know",
    ]
    assert len(fw.respondent_groups) == 10
    assert fw.respondent_groups[-1] == "Other"
    # Healthwatch represents people who use services locally: a group, a side and a sign-off.
    assert "Healthwatch" in fw.respondent_groups and "Healthwatch" in fw.sign_off_roles
    users = ("Person with lived experience", "Unpaid carer", "Healthwatch")
    assert fw.people_who_use_services == users
    sides = set(fw.people_who_use_services) | set(fw.staff_and_partners)
    assert sides == set(fw.respondent_groups) - {"Other"}
    assert not set(fw.people_who_use_services) & set(fw.staff_and_partners)
    assert len(fw.sign_off_roles) == 12
    assert fw.sign_off_roles[0] == "Council leader"
    assert fw.version_tag == "pch-cqc-la@3.0"
    assert "8 December 2023" in fw.framework.source
    assert fw.framework.data_pack_url.startswith(
        "https://lginform.local.gov.uk/reports/view/lga-research/"
        "adult-social-care-assurance-preparing-for-self-assessment"
    )


def test_information_return_items() -> None:
    fw = load_framework()
    assert [item.code for item in fw.ir_items] == IR_CODES
    assert len(fw.ir_items) == 35
    assert all(item.document_types for item in fw.ir_items)
    assert all(item.quality_statements for item in fw.ir_items)


@pytest.mark.parametrize(
    ("code", "statements"),
    [
        ("IR2", ("ALL",)),
        ("IR3", ("ALL",)),
        ("IR4", ("ALL",)),
        ("IR37", ("ALL",)),
        ("IR38", ("ALL",)),
        ("IR5", ("QS1",)),
        ("IR6", ("QS1",)),
        ("IR7", ("QS2",)),
        ("IR14", ("QS4",)),
        ("IR22", ("QS5",)),
        ("IR24", ("QS6",)),
        ("IR27", ("QS7",)),
        ("IR30", ("QS8",)),
        ("IR36", ("QS9",)),
    ],
)
def test_information_return_mapping(code: str, statements: tuple[str, ...]) -> None:
    assert load_framework().ir_item(code).quality_statements == statements


def test_information_return_ages_and_details() -> None:
    fw = load_framework()
    ages = {item.code: item.max_age_months for item in fw.ir_items if item.max_age_months}
    # The items whose text asks for a period; the others follow the council's setting (None).
    assert ages == {"IR2": 12, "IR21": 3, "IR27": 24, "IR29": 12, "IR34": 12}
    assert fw.all_themes_order == ("IR37", "IR38", "IR2", "IR3", "IR4")
    assert fw.ir_item("IR5").document_types == ("Policy and procedures", "Performance reports")
    assert fw.ir_item("IR24").detail is not None
    assert fw.ir_item("IR24").detail.bullets[0] == "children into adulthood"
    assert fw.ir_item("IR2").relates_to_all
    assert not fw.ir_item("IR5").relates_to_all


def test_no_ocr_artefacts() -> None:
    fw = load_framework()
    bad_words = re.compile(r"guality|sateguarding|selt-|selr-", re.IGNORECASE)
    bullet_start = re.compile(r"^\s*[•*+»«©]")
    for text in _strings(asdict(fw)):
        assert "|" not in text, text
        assert not bad_words.search(text), text
        assert "  " not in text, text
        assert not bullet_start.match(text), text
        assert text == text.strip(), text


def test_override_adds_and_replaces_items(tmp_path: Path) -> None:
    override = tmp_path / "framework.yaml"
    override.write_text(
        "ir_items:\n"
        '  - code: "IR1"\n'
        '    text: "Self-assessment of adult social care."\n'
        '    quality_statements: ["QS8"]\n'
        '    document_types: ["Report"]\n'
        '  - code: "IR5"\n'
        '    text: "Our assessment pathway."\n',
        encoding="utf-8",
    )
    fw = load_framework(override)
    assert len(fw.ir_items) == 36
    assert fw.ir_items[0].code == "IR1"
    assert fw.ir_item("IR1").quality_statements == ("QS8",)
    assert fw.ir_item("IR5").text == "Our assessment pathway."
    assert fw.ir_item("IR5").quality_statements == ("QS1",)
    assert load_framework().ir_item("IR5").text.startswith("Assessment, care planning")


def test_override_of_a_quality_statement(tmp_path: Path) -> None:
    override = tmp_path / "framework.yaml"
    override.write_text(
        'quality_statements:\n  - code: "QS5"\n    prompts: ["Is our BCF plan working?"]\n',
        encoding="utf-8",
    )
    fw = load_framework(override)
    assert fw.quality_statement("QS5").prompts == ("Is our BCF plan working?",)
    assert len(fw.quality_statement("QS5").checklist_statements) == 6


def test_bad_override_is_reported(tmp_path: Path) -> None:
    override = tmp_path / "framework.yaml"
    override.write_text(
        'ir_items:\n  - code: "IR31"\n    text: "x"\n    quality_statements: ["QS10"]\n'
        '    document_types: ["Report"]\n',
        encoding="utf-8",
    )
    with pytest.raises(FrameworkError, match="QS10"):
        load_framework(override)
