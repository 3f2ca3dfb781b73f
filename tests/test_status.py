"""``status``: one line per quality statement for the pen holder."""

from __future__ import annotations

import pytest

from pipeline.app import workspace_status
from pipeline.framework import Framework
from pipeline.model.findings import Findings, error, warning
from pipeline.model.inputs import Inputs, Stage1Return
from pipeline.outputs.status import StatusRow, StatusTable, next_step, status_rows
from pipeline.workspace import Workspace
from tests.factories import entry, evidence, summary, text
from tests.factories import evidence_library as library


def _inputs(ws: Workspace) -> Inputs:
    return Inputs(
        ws=ws,
        returns=[
            Stage1Return(file="inputs/stage1/a.xlsx", quality_statement="QS1"),
            Stage1Return(file="inputs/stage1/b.xlsx", quality_statement="QS1"),
            Stage1Return(file="inputs/stage1/c.xlsx", quality_statement="QS7"),
        ],
        summaries=[
            summary(
                "QS1",
                strengths=(entry("Strength 1", "one two three", "EV-001, EV-002"),),
                improvements=(entry("Area for improvement 1", "four five", "EV-001, EV-404"),),
            ),
            summary("QS2", verified_by_name=text(""), verified_on=None),
        ],
        library=library(evidence(1), evidence(2)),
    )


def test_rows_per_quality_statement(workspace: Workspace, framework: Framework) -> None:
    inputs = _inputs(workspace)
    findings = Findings(
        [
            error("word-limit", "inputs/stage2/QS2.xlsx", "too long"),
            error("unverified", "inputs/stage2/QS2.xlsx", "no name"),
            warning("missing-field", "inputs/stage2/QS1.xlsx", "blank"),
        ]
    )
    rows = status_rows(framework, inputs, findings)
    assert [r.code for r in rows] == [qs.code for qs in framework.quality_statements]
    qs1, qs2, qs3 = rows[0], rows[1], rows[2]
    words = 7 + 3 + 2 + 2 + 3  # ambition, strength, improvement, priorities, others say
    assert qs1 == StatusRow(
        code="QS1",
        name="Assessing needs",
        returns=2,
        received=True,
        errors=0,
        words=words,
        evidence_found=2,
        evidence_cited=3,
        verified=True,
        word_limit=750,
    )
    assert qs1.cells() == ("2", "received", "yes", f"{words}/750", "2/3", "yes")
    assert qs2.cells()[2] == "2 errors" and qs2.cells()[5] == "no"
    assert qs3.cells() == ("0", "missing", "–", "–", "–", "–")
    assert rows[6].returns == 1


def test_over_the_word_limit_is_flagged() -> None:
    row = StatusRow("QS1", "Assessing needs", 0, True, words=812, word_limit=750)
    assert row.cells()[3] == "812/750!"


def test_lines_fit_100_columns(workspace: Workspace, framework: Framework) -> None:
    inputs = _inputs(workspace)
    rows = status_rows(framework, inputs, Findings())
    table = StatusTable(
        rows=rows,
        coverage="IR coverage: 2 of 35 items have a document (missing: "
        + ", ".join(f"IR{n}" for n in range(3, 13))
        + " and 23 more)",
        errors=0,
        warnings=1,
        next_step=next_step(rows, Findings()),
    )
    lines = table.lines()
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    assert lines[0].startswith("Quality statement")
    assert lines[2].startswith("QS1 Assessing needs")
    assert any("QS2 Supporting people to live healthier lives" in line for line in lines)
    assert any(line.startswith("IR coverage: 2 of 35") for line in lines)


@pytest.mark.parametrize(
    ("errors", "missing", "expected"),
    [
        (3, False, "Next: fix 3 errors"),
        (1, False, "Next: fix 1 error "),
        (0, True, "Next: get the Stage 2 summaries still missing (QS2)"),
        (0, False, "Ready to build: selfassess build"),
    ],
)
def test_next_step(errors: int, missing: bool, expected: str) -> None:
    rows = [
        StatusRow("QS1", "Assessing needs", 0, True, word_limit=750),
        StatusRow("QS2", "Supporting people", 0, not missing, word_limit=750),
    ]
    findings = Findings([error("word-limit", "f", "m")] * errors)
    assert next_step(rows, findings).startswith(expected)


def test_status_of_a_new_workspace(workspace: Workspace) -> None:
    lines = workspace_status(workspace).lines()
    assert sum(1 for line in lines if line.startswith("QS") and " missing " in line) == 9
    assert any(line.startswith("IR coverage: 0 of 35") for line in lines)
    assert lines[-2].startswith("Next: get the Stage 2 summaries still missing (QS1, QS2")
    assert not workspace.validation_report.exists()  # status writes nothing
