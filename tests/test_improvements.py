"""Emerging areas for improvement need fewer than ``improvement_max_agree_share`` (default 60%)
agreeing; when none qualifies, findings.xlsx and the Stage 2 guidance say why, the same words."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis.stage1 import aggregate
from pipeline.datafile import validate
from pipeline.forms.summary import GUIDANCE_SHEET, build_summary
from pipeline.framework import Framework, load_framework
from pipeline.model.findings import Findings
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.model.stage1 import CollectResult, QSResult
from pipeline.outputs.findings import build_findings
from pipeline.resources import template_path
from pipeline.settings import Stage1Settings
from pipeline.xlsx.book_package import write_package
from pipeline.xlsx.write import Style, load_style_values

ASC, CARER = "Adult social care staff", "Unpaid carer"
# Views split only when 45% sit on each side, so that 60% agreeing (40% disagreeing) is not a
# divergent view and the threshold alone decides.
WIDE = {"divergence_share": 0.45}


def _returns(columns: dict[int, list[int | None]], group: str = ASC) -> list[Stage1Return]:
    """One QS1 return per position in the lists: ``columns[n][i]`` is return i's rating of
    statement n (None: left blank)."""
    count = max(len(c) for c in columns.values())
    return [
        Stage1Return(
            file=f"inputs/stage1/r{i}.xlsx",
            quality_statement="QS1",
            group=group,
            responses=tuple(
                Stage1Response(number=n, rating=ratings[i])
                for n, ratings in sorted(columns.items())
                if i < len(ratings) and ratings[i] is not None
            ),
        )
        for i in range(count)
    ]


def _qs1(framework: Framework, returns: list[Stage1Return], **changes: object) -> QSResult:
    return aggregate(framework, returns, validate(Stage1Settings, changes))[0]


AGREE = [4, 4, 3, 3, 4, 3, 4, 3, 4, 4]  # 10 of 10
SIXTY = [3, 3, 4, 3, 4, 3, 2, 2, 1, 2]  # 6 of 10: exactly 60%
FIFTY_SIX = [3, 4, 3, 3, 4, 2, 2, 1, 2, None]  # 5 of 9
LOW = [1, 2, 1, 2, 2, 1, 1, 2, 1, 3]  # 1 of 10


def test_at_the_threshold_never_an_area_below_it_may_be(framework: Framework) -> None:
    returns = _returns({1: AGREE, 2: AGREE, 3: AGREE, 4: SIXTY, 5: FIFTY_SIX})
    qs = _qs1(framework, returns, **WIDE)
    assert [s.number for s in qs.emerging_strengths] == [1, 2, 3]
    assert [s.number for s in qs.divergent] == []
    assert [s.number for s in qs.emerging_improvements] == [5]  # not 4, at 60%
    assert qs.no_improvements == ""
    # The setting moves the line: at 61%, statement 4 (60%) is one too.
    qs = _qs1(framework, returns, improvement_max_agree_share=0.61, **WIDE)
    assert [s.number for s in qs.emerging_improvements] == [5, 4]
    qs = _qs1(framework, returns, improvement_max_agree_share=0.5, **WIDE)
    assert qs.emerging_improvements == []
    assert qs.no_improvements == "No statement had fewer than 50% agreeing."


def test_statements_most_people_agree_with_are_not_listed(framework: Framework) -> None:
    """The demo's QS1 case: the lowest statements without divergent views had 83% and 86%
    agreeing, and were listed as areas for improvement."""
    high = [4, 3, 3, 4, 3, 3, 2]  # 6 of 7: 86%
    returns = _returns({1: AGREE, 2: AGREE, 3: AGREE, 4: high, 5: high[:6]})  # 86%, 83%
    qs = _qs1(framework, returns)
    assert qs.emerging_improvements == []
    assert qs.no_improvements == "No statement had fewer than 60% agreeing."


@settings(max_examples=60, deadline=None)
@given(
    columns=st.dictionaries(
        st.integers(1, 14),
        st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=9),
        min_size=1,
    ),
    share=st.sampled_from([0.0, 0.3, 0.5, 0.6, 0.75, 1.0]),
    divergence=st.sampled_from([0.25, 0.45, 0.6]),
)
def test_no_area_for_improvement_at_or_above_the_threshold(
    columns: dict[int, list[int | None]], share: float, divergence: float
) -> None:
    qs = _qs1(
        load_framework(),  # cached; not a fixture, whose repr hypothesis would print
        _returns(columns),
        improvement_max_agree_share=share,
        divergence_share=divergence,
    )
    for s in qs.emerging_improvements:
        assert Fraction(s.counts[3] + s.counts[4], s.rated) < Fraction(repr(share))
    improvements = {s.number for s in qs.emerging_improvements}
    assert not improvements & {s.number for s in qs.emerging_strengths}
    # An empty list always says why (the quality statement has returns here).
    assert bool(qs.emerging_improvements) != bool(qs.no_improvements)


def test_the_reason_is_true_of_every_statement(framework: Framework) -> None:
    # Statement 4 is low but split between two groups (divergent); 5 is low but rated twice.
    asc = _returns({1: AGREE, 2: AGREE, 3: AGREE, 4: [4, 4, 4, 3, 4], 5: [1, 2]})
    carers = _returns({4: [1, 1, 2, 1, 1]}, group=CARER)
    qs = _qs1(framework, asc + carers)
    assert [s.number for s in qs.divergent] == [4]
    assert qs.no_improvements == (
        "No statement had fewer than 60% agreeing, apart from those with divergent views "
        "(listed below) or fewer than 3 ratings."
    )
    # Nothing with three ratings and no divergent views at all.
    qs = _qs1(framework, _returns({1: [4, 4], 2: [3, 4]}))
    assert qs.no_improvements == (
        "None yet: no statement has 3 or more ratings without divergent views."
    )


# ---- What people read: findings.xlsx and the Stage 2 guidance --------------------------------


@pytest.fixture
def no_improvement(framework: Framework) -> QSResult:
    return _qs1(framework, _returns({1: AGREE, 2: AGREE, 3: AGREE, 4: SIXTY}), **WIDE)


def _strings(sheet: object) -> list[str]:
    rows = sheet.iter_rows()  # type: ignore[attr-defined]
    return [c.value for row in rows for c in row if isinstance(c.value, str)]


def test_findings_xlsx_says_so_instead_of_listing(framework: Framework, tmp_path: Path) -> None:
    returns = _returns({1: AGREE, 2: AGREE, 3: AGREE, 4: SIXTY})
    wide = validate(Stage1Settings, WIDE)
    result = CollectResult(len(returns), [], Findings(), aggregate(framework, returns, wide))
    style = load_style_values(template_path("xlsx/style.toml"))
    book = build_findings(framework, result, style, "Testshire", wide, today=dt.date(2026, 3, 5))
    path = tmp_path / "findings.xlsx"
    write_package(book, path)
    wb = openpyxl.load_workbook(path)
    texts = _strings(wb[wb.sheetnames[1]])
    heading = texts.index(
        "Emerging areas for improvement (lowest % agree, below 60%, no divergent views)"
    )
    assert texts[heading + 1] == "No statement had fewer than 60% agreeing."
    summary = wb["Summary"]
    assert summary["F6"].value == "—"  # QS1's areas for improvement on the summary sheet
    definition = "where fewer than 60% agree, below every emerging strength"
    assert any(definition in t for t in _strings(summary))


def test_the_stage2_guidance_says_the_same(framework: Framework, no_improvement: QSResult) -> None:
    style = Style.load(template_path("xlsx/style.toml"))
    qs = framework.quality_statement("QS1")
    wb = build_summary(framework, qs, style, no_improvement, "Testshire Council", 750)
    texts = _strings(wb[GUIDANCE_SHEET])
    heading = texts.index("Emerging areas for improvement")
    assert texts[heading + 1] == (
        "The statements fewest people agree with (fewer than 60% agree), where views do not differ."
    )
    assert texts[heading + 2] == "No statement had fewer than 60% agreeing."


def test_saved_and_read_back(
    framework: Framework, no_improvement: QSResult, tmp_path: Path
) -> None:
    """The sentence survives a save (what a lead officer opens)."""
    style = Style.load(template_path("xlsx/style.toml"))
    wb = build_summary(
        framework, framework.quality_statement("QS1"), style, no_improvement, "Testshire", 750
    )
    path = tmp_path / "qs1.xlsx"
    wb.save(path)
    texts = _strings(openpyxl.load_workbook(path)[GUIDANCE_SHEET])
    assert "No statement had fewer than 60% agreeing." in texts
