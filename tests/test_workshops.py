"""Workshop or group returns: one checklist for many people, one voice or weighted."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline.app import collect, generate_checklists
from pipeline.forms.checklist import (
    PARTICIPANT_GROUPS_CELL,
    PARTICIPANTS_CELL,
    RESPONDENT_SHEET,
    WORKSHOP_CELL,
)
from pipeline.outputs.findings_voices import SEEN_DIFFERENTLY, VOICES_SHEET
from pipeline.workspace import Workspace
from tests.factories import fill_checklist, make_workspace


@pytest.fixture(scope="module")
def round_with_a_workshop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("w") / "ws")
    generate_checklists(ws)
    for n in range(3):
        fill_checklist(
            ws, "QS1", f"staff-{n}.xlsx", "Adult social care staff", {1: 3, 2: 4}, team=f"T{n}"
        )
    fill_checklist(
        ws,
        "QS1",
        "workshop.xlsx",
        "Person with lived experience",
        {1: "1 Strongly disagree", 2: 4},
        {1: "We waited months & nobody called <back>."},
        extra={
            (RESPONDENT_SHEET, WORKSHOP_CELL): "Yes",
            (RESPONDENT_SHEET, PARTICIPANTS_CELL): 12,
            (RESPONDENT_SHEET, PARTICIPANT_GROUPS_CELL): "8 Person with lived experience, "
            "Unpaid carer (4)",
        },
    )
    return ws.root


def _settings(root: Path, weight: str) -> Workspace:
    (root / "selfassess.toml").write_text(
        f'council = "Testshire Council"\n[stage1]\nworkshop_weight = "{weight}"\n', "utf-8"
    )
    return Workspace(root)


def test_a_workshop_is_one_voice_by_default(round_with_a_workshop: Path) -> None:
    ws = _settings(round_with_a_workshop, "one voice")
    result = collect(ws)
    assert [f.line() for f in result.findings] == []
    (qs1,) = [q for q in result.results if q.code == "QS1"]
    assert qs1.returns == 4
    first = qs1.statements[0]
    assert first.counts == {1: 1, 2: 0, 3: 3, 4: 0}
    (workshop,) = qs1.sources.workshops
    assert workshop.participants == 12 and workshop.group == "Person with lived experience"
    assert workshop.groups == (("Person with lived experience", 8), ("Unpaid carer", 4))
    assert qs1.sources.checklists == 3
    # Its comment is attributed to the group, as a workshop, and comes first.
    assert first.comments[0] == (
        "Person with lived experience (workshop, 12 people)",
        1,
        "We waited months & nobody called <back>.",
    )
    # One voice of people who use services (one rating) is too few to compare.
    assert first.users_view is not None and first.users_view.counts[1] == 1
    assert not first.seen_differently

    wb = openpyxl.load_workbook(ws.findings_xlsx)
    texts = [str(c.value) for row in wb[VOICES_SHEET].iter_rows() for c in row if c.value]
    assert any("workshop or group return: the agreed view of 12 people" in t for t in texts)
    assert any("8 Person with lived experience, 4 Unpaid carer" in t for t in texts)
    assert SEEN_DIFFERENTLY not in texts


def test_a_workshop_weighted_by_its_participants(round_with_a_workshop: Path) -> None:
    ws = _settings(round_with_a_workshop, "participants")
    result = collect(ws)
    (qs1,) = [q for q in result.results if q.code == "QS1"]
    first, second = qs1.statements[:2]
    assert first.counts == {1: 12, 2: 0, 3: 3, 4: 0}
    assert second.counts == {1: 0, 2: 0, 3: 0, 4: 15}
    # Now twelve people who use services against three staff, means 1.0 and 3.0: flagged.
    assert first.seen_differently and not second.seen_differently
    wb = openpyxl.load_workbook(ws.findings_xlsx)
    sheet = wb[VOICES_SHEET]
    flagged = [
        (row[0].value, row[1].value)
        for row in sheet.iter_rows()
        if row[len(row) - 1].value == SEEN_DIFFERENTLY
    ]
    assert flagged == [("QS1", 1)]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert "We waited months & nobody called <back>." in texts


def test_a_workshop_without_a_number_of_participants_counts_once(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws")
    generate_checklists(ws)
    fill_checklist(
        ws,
        "QS2",
        "w.xlsx",
        "Unpaid carer",
        {1: 3},
        extra={
            (RESPONDENT_SHEET, WORKSHOP_CELL): "Yes",
            (RESPONDENT_SHEET, PARTICIPANTS_CELL): "lots",
        },
    )
    result = collect(ws)
    (found,) = result.findings
    assert found.code == "workshop-participants-invalid" and found.cell == PARTICIPANTS_CELL
    (qs2,) = [q for q in result.results if q.code == "QS2"]
    assert qs2.sources.workshops[0].participants == 1
