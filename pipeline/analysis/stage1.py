"""Triangulating Stage 1 returns: the tallies, shares and flags of SPEC §6."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from pipeline.model.stage1 import (
    NOT_GIVEN,
    GroupResult,
    QSResult,
    Sources,
    Stage1Response,
    Stage1Return,
    StatementResult,
    Workshop,
)

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.settings import Stage1Settings


def aggregate(
    framework: Framework, returns: list[Stage1Return], settings: Stage1Settings
) -> list[QSResult]:
    """Every quality statement's findings, in framework order (all of them, even with no
    returns)."""
    group_order = {g: i for i, g in enumerate((*framework.respondent_groups, NOT_GIVEN))}
    voices = Voices(
        frozenset(framework.people_who_use_services), frozenset(framework.staff_and_partners)
    )
    by_qs: dict[str, list[Stage1Return]] = {}
    for ret in returns:
        by_qs.setdefault(ret.quality_statement, []).append(ret)
    results = []
    for qs in framework.quality_statements:
        qs_returns = by_qs.get(qs.code, [])
        groups = sorted({r.group for r in qs_returns}, key=lambda g: group_order.get(g, -1))
        statements = [
            _statement(number, text, qs_returns, groups, group_order, settings, voices)
            for number, text in enumerate(qs.checklist_statements, start=1)
        ]
        result = _qs_result(qs.code, qs.name, len(qs_returns), statements, settings)
        result.sources = _sources(qs_returns)
        results.append(result)
    return results


@dataclass(frozen=True)
class Voices:
    """The respondent groups of people who use services, and of staff and partners."""

    people: frozenset[str]
    staff: frozenset[str]


def weight(ret: Stage1Return, settings: Stage1Settings) -> int:
    """How many times a return's ratings count: a workshop's once per participant when
    ``workshop_weight = "participants"``, every other return once."""
    if ret.source == "workshop" and settings.workshop_weight == "participants":
        return max(1, ret.participants)
    return 1


def who(ret: Stage1Return) -> str:
    """The group a comment is attributed to; a workshop's says so: ``Unpaid carer (workshop,
    12 people)``."""
    if ret.source == "workshop":
        people = "person" if ret.participants == 1 else "people"
        return f"{ret.group} (workshop, {ret.participants} {people})"
    return ret.group


def _sources(returns: list[Stage1Return]) -> Sources:
    workshops = [
        Workshop(r.group, r.participants, r.participant_groups)
        for r in returns
        if r.source == "workshop"
    ]
    return Sources(
        checklists=sum(1 for r in returns if r.source == "checklist"),
        survey_responses=sum(1 for r in returns if r.source == "survey"),
        surveys=len({r.file for r in returns if r.source == "survey"}),
        workshops=workshops,
    )


def _tally(ratings: Iterable[int]) -> tuple[int, int, dict[int, int]]:
    counts = dict.fromkeys((1, 2, 3, 4), 0)
    responses = dont_know = 0
    for rating in ratings:
        responses += 1
        if rating == 0:
            dont_know += 1
        else:
            counts[rating] += 1
    return responses, dont_know, counts


def _agree(counts: dict[int, int]) -> Fraction | None:
    rated = sum(counts.values())
    return Fraction(counts[3] + counts[4], rated) if rated else None


def _mean(counts: dict[int, int]) -> Fraction | None:
    rated = sum(counts.values())
    return Fraction(sum(k * n for k, n in counts.items()), rated) if rated else None


def _float(value: Fraction | None, scale: int = 1) -> float | None:
    return None if value is None else float(value * scale)


def _setting(value: float) -> Fraction:
    """A threshold as the decimal people wrote (0.3 is 3/10, not the nearest binary float)."""
    return Fraction(repr(value))


def _statement(
    number: int,
    text: str,
    returns: list[Stage1Return],
    groups: list[str],
    group_order: dict[str, int],
    settings: Stage1Settings,
    voices: Voices | None = None,
) -> StatementResult:
    answers: list[tuple[str, Stage1Response]] = []
    labels: list[str] = []  # who each answer's comment is attributed to
    weighted: list[tuple[str, Stage1Response]] = []  # a workshop's once per participant if so set
    for ret in returns:
        for response in ret.responses:
            if response.number == number:
                answers.append((ret.group, response))
                labels.append(who(ret))
                weighted += [(ret.group, response)] * weight(ret, settings)
                break
    rated_answers = [(g, r) for g, r in weighted if r.rating is not None]
    responses, dont_know, counts = _tally(
        r.rating for _, r in rated_answers if r.rating is not None
    )
    rated = sum(counts.values())
    with_evidence = sum(1 for _, r in rated_answers if r.rating and r.evidence.strip())

    by_group: dict[str, GroupResult] = {}
    compared: list[tuple[Fraction, str]] = []
    for group in groups:
        g_responses, g_dk, g_counts = _tally(
            r.rating for g, r in rated_answers if g == group and r.rating is not None
        )
        g_mean = _mean(g_counts)
        by_group[group] = GroupResult(
            group, g_responses, g_dk, g_counts, _float(_agree(g_counts), 100), _float(g_mean)
        )
        enough = sum(g_counts.values()) >= settings.group_min_ratings
        if group != NOT_GIVEN and g_mean is not None and enough:
            compared.append((g_mean, group))

    share = _setting(settings.divergence_share)
    split = (
        rated > 0
        and Fraction(counts[1] + counts[2], rated) >= share
        and Fraction(counts[3] + counts[4], rated) >= share
    )
    apart = None
    if len(compared) >= 2:
        (high, high_group), (low, low_group) = max(compared), min(compared)
        if high - low >= _setting(settings.group_mean_gap):
            apart = (high_group, low_group)
    many_dont_know = responses > 0 and Fraction(dont_know, responses) >= _setting(
        settings.dont_know_gap_share
    )
    little_evidence = rated > 0 and Fraction(with_evidence, rated) < _setting(
        settings.evidence_min_share
    )
    # People who use services first (their voice is accorded greatest importance), then by group.
    people = voices.people if voices is not None else frozenset()
    comments = [
        (label, r.rating, r.evidence)
        for (_g, r), label in sorted(
            ((a, label) for a, label in zip(answers, labels, strict=True) if a[1].evidence.strip()),
            key=lambda c: (c[0][0] not in people, group_order.get(c[0][0], -1)),
        )
    ]
    users, staff, apart_views = _voices(rated_answers, voices, settings)
    return StatementResult(
        number=number,
        text=text,
        responses=responses,
        dont_know=dont_know,
        counts=counts,
        percent_agree=_float(_agree(counts), 100),
        mean=_float(_mean(counts)),
        divergent=split or apart is not None,
        evidence_gap=many_dont_know or little_evidence,
        by_group=by_group,
        comments=comments,
        with_evidence=with_evidence,
        split_views=split,
        groups_apart=apart,
        many_dont_know=many_dont_know,
        little_evidence=little_evidence,
        users_view=users,
        staff_view=staff,
        seen_differently=apart_views,
    )


def _voices(
    rated: list[tuple[str, Stage1Response]], voices: Voices | None, settings: Stage1Settings
) -> tuple[GroupResult | None, GroupResult | None, bool]:
    """People who use services and staff and partners, each as one group; whether they see the
    statement differently: their means differ by ``group_mean_gap`` or more (the threshold at
    which two groups show divergent views), each side with ``group_min_ratings`` ratings."""
    if voices is None:
        return None, None, False
    sides = []
    for name, groups in (
        ("People who use services", voices.people),
        ("Staff and partners", voices.staff),
    ):
        responses, dont_know, counts = _tally(
            r.rating for g, r in rated if g in groups and r.rating is not None
        )
        sides.append(
            GroupResult(
                name,
                responses,
                dont_know,
                counts,
                _float(_agree(counts), 100),
                _float(_mean(counts)),
            )
            if responses
            else None
        )
    users, staff = sides
    differ = False
    if users is not None and staff is not None:
        enough = min(sum(users.counts.values()), sum(staff.counts.values()))
        low, high = _mean(users.counts), _mean(staff.counts)
        differ = (
            enough >= settings.group_min_ratings
            and low is not None
            and high is not None
            and abs(high - low) >= _setting(settings.group_mean_gap)
        )
    return users, staff, differ


def _qs_result(
    code: str, name: str, returns: int, statements: list[StatementResult], settings: Stage1Settings
) -> QSResult:
    eligible = [
        s for s in statements if not s.divergent and s.rated >= settings.min_ratings_for_strength
    ]

    def exact(s: StatementResult) -> tuple[Fraction, Fraction]:
        agree, mean = _agree(s.counts), _mean(s.counts)
        assert agree is not None and mean is not None  # eligible statements have ratings
        return agree, mean

    # A strength needs most to agree; an area for improvement sits below every strength, so
    # that neither list shows a statement that plainly belongs in the other, and below the
    # improvement threshold, so that a statement most people agree with is never one.
    majority = [s for s in eligible if exact(s)[0] > Fraction(1, 2)]
    strengths = sorted(majority, key=lambda s: (-exact(s)[0], -exact(s)[1], s.number))
    strengths = strengths[: settings.emerging_count]
    ceiling = min((exact(s)[0] for s in strengths), default=Fraction(2))
    threshold = _setting(settings.improvement_max_agree_share)
    lower = [s for s in eligible if exact(s)[0] < min(ceiling, threshold)]
    improvements = sorted(lower, key=lambda s: (*exact(s), s.number))[: settings.emerging_count]
    return QSResult(
        code=code,
        name=name,
        returns=returns,
        statements=statements,
        emerging_strengths=strengths,
        emerging_improvements=improvements,
        divergent=[s for s in statements if s.divergent],
        evidence_gaps=[s for s in statements if s.evidence_gap],
        improvement_max_agree_share=settings.improvement_max_agree_share,
        no_improvements=(
            "" if improvements or not returns else _no_improvements(statements, eligible, settings)
        ),
    )


def _no_improvements(
    statements: list[StatementResult], eligible: list[StatementResult], settings: Stage1Settings
) -> str:
    """Why a quality statement with returns has no emerging area for improvement, in a sentence
    that is true of every statement: findings.xlsx and the Stage 2 guidance show it."""
    threshold = _setting(settings.improvement_max_agree_share)
    share = f"{float(threshold) * 100:g}%"
    below = [s for s in statements if (a := _agree(s.counts)) is not None and a < threshold]
    if any(s in eligible for s in below):
        # Below the threshold but tied with the least agreed emerging strength.
        return "No statement had fewer agreeing than the emerging strengths."
    if not below and not eligible:
        return (
            f"None yet: no statement has {settings.min_ratings_for_strength} or more ratings "
            "without divergent views."
        )
    if not below:
        return f"No statement had fewer than {share} agreeing."
    why = []
    if any(s.divergent for s in below):
        why.append("divergent views (listed below)")
    if any(not s.divergent for s in below):
        why.append(f"fewer than {settings.min_ratings_for_strength} ratings")
    apart = " or ".join(why)
    return f"No statement had fewer than {share} agreeing, apart from those with {apart}."


def summary_line(qs: QSResult, returns: Iterable[Stage1Return]) -> str:
    """``42 people from 7 groups; 78% agree overall`` (the share of 1-4 ratings that are 3 or
    4, over every statement)."""
    mine = [r for r in returns if r.quality_statement == qs.code]
    people = len(mine)
    groups = {r.group for r in mine if r.group != NOT_GIVEN}
    unknown = sum(1 for r in mine if r.group == NOT_GIVEN)
    rated = sum(s.rated for s in qs.statements)
    agree = sum(s.counts.get(3, 0) + s.counts.get(4, 0) for s in qs.statements)
    line = f"{people} {'person' if people == 1 else 'people'} from {len(groups)} "
    line += "group" if len(groups) == 1 else "groups"
    if unknown:
        line += f" ({unknown} did not say which)"
    if rated:
        line += f"; {round(100 * agree / rated)}% agree overall"
    return line
