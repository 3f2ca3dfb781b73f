"""The self-rating on CQC's scale: each quality statement's score (1-4), and the theme and
overall percentages and bands as CQC aggregates scores.

CQC scores each quality statement 1 (the evidence shows significant shortfalls), 2 (some
shortfalls), 3 (a good standard) or 4 (an exceptional standard), and builds ratings up from
those scores: the scores are added and taken as a percentage of the maximum (4 for each
statement scored); the percentage falls in a band: 25-38% inadequate, 39-62% requires
improvement, 63-87% good, over 87% outstanding (CQC, "How we reach a rating"; the bands as
published). A percentage between two published bands (62.5%, with two statements scored 2 and 3)
is read as CQC words its top band, "over 87%": over 62% is good, over 38% requires improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.inputs import Inputs, Summary
    from pipeline.model.stage1 import QSResult


SCORE_DESCRIPTORS = {
    1: "significant shortfalls",
    2: "some shortfalls",
    3: "a good standard",
    4: "an exceptional standard",
}


# (the band's percentage is over this, band), best first.
BANDS = ((87, "Outstanding"), (62, "Good"), (38, "Requires improvement"), (0, "Inadequate"))


def band(percent: float) -> str:
    """The CQC band of a score percentage: over 87% outstanding, over 62% good, over 38%
    requires improvement, else inadequate (25% at the least, every score being 1)."""
    for above, name in BANDS:
        if percent > above:
            return name
    return BANDS[-1][1]


@dataclass(frozen=True)
class Score:
    """Scores added up: a theme's or the overall."""

    name: str
    scores: tuple[int, ...]
    statements: int  # how many quality statements there are (scored or not)

    @property
    def total(self) -> int:
        return sum(self.scores)

    @property
    def maximum(self) -> int:
        return 4 * len(self.scores)

    @property
    def percent(self) -> float | None:
        return 100 * self.total / self.maximum if self.scores else None

    @property
    def band(self) -> str:
        return band(self.percent) if self.percent is not None else ""

    def describe(self) -> str:
        """``8/12 = 66.7%, Good`` (``2 of 3 scored`` when some are not), or ``not scored``."""
        if self.percent is None:
            return "not scored"
        partly = (
            f" ({len(self.scores)} of {self.statements} scored)"
            if len(self.scores) < self.statements
            else ""
        )
        return f"{self.total}/{self.maximum} = {self.percent:.1f}%, {self.band}{partly}"


@dataclass(frozen=True)
class QSRating:
    code: str
    name: str
    theme: str
    score: int | None
    reason: str
    agree: float | None  # Stage 1 % agree overall (0-100), None without returns
    disagrees: str  # why the score and Stage 1 disagree sharply, or ""


@dataclass(frozen=True)
class SelfRatings:
    statements: list[QSRating]
    themes: list[Score]
    overall: Score

    @property
    def any(self) -> bool:
        return any(r.score is not None for r in self.statements)


def stage1_agree(result: QSResult | None) -> float | None:
    """A quality statement's Stage 1 % agree overall: ratings 3 and 4 among all its 1-4 ratings
    (as the report's summary line gives it)."""
    if result is None:
        return None
    rated = agree = 0
    for s in result.statements:
        rated += sum(s.counts.get(k, 0) for k in (1, 2, 3, 4))
        agree += s.counts.get(3, 0) + s.counts.get(4, 0)
    return 100 * agree / rated if rated else None


def disagreement(score: int | None, agree: float | None, low: float, high: float) -> str:
    """Why a self-rating and the Stage 1 agreement disagree sharply: a good or exceptional score
    (3-4) with fewer than ``low`` (a share) agreeing, or shortfalls (1-2) with more than
    ``high`` agreeing; ``""`` when they do not."""
    if score is None or agree is None:
        return ""
    if score >= 3 and agree < 100 * low:
        return f"rated {score} but only {agree:.0f}% agree at Stage 1 (below {100 * low:g}%)"
    if score <= 2 and agree > 100 * high:
        return f"rated {score} but {agree:.0f}% agree at Stage 1 (above {100 * high:g}%)"
    return ""


def workspace_ratings(framework: Framework, inputs: Inputs) -> SelfRatings:
    """The self-ratings of what was read, with the workspace's ``[report]`` thresholds."""
    report = inputs.ws.settings.report
    return self_ratings(
        framework,
        inputs.summaries,
        inputs.stage1,
        report.self_rating_low_agree,
        report.self_rating_high_agree,
    )


def self_ratings(
    framework: Framework,
    summaries: list[Summary],
    stage1: dict[str, QSResult],
    low: float = 0.5,
    high: float = 0.8,
) -> SelfRatings:
    """Every quality statement's self-rating, and the theme and overall scores."""
    first: dict[str, Summary] = {}
    for s in summaries:
        first.setdefault(s.quality_statement, s)
    rows: list[QSRating] = []
    themes: list[Score] = []
    for theme in framework.themes:
        scores = []
        for qs in theme.quality_statements:
            summary = first.get(qs.code)
            score = summary.self_rating if summary is not None else None
            reason = (
                summary.rating_reason.value.strip() if summary and summary.rating_reason else ""
            )
            agree = stage1_agree(stage1.get(qs.code))
            rows.append(
                QSRating(
                    qs.code,
                    qs.name,
                    theme.name,
                    score,
                    reason,
                    agree,
                    disagreement(score, agree, low, high),
                )
            )
            if score is not None:
                scores.append(score)
        themes.append(Score(theme.name, tuple(scores), len(theme.quality_statements)))
    overall = Score(
        "Overall",
        tuple(s for t in themes for s in t.scores),
        len(framework.quality_statements),
    )
    return SelfRatings(rows, themes, overall)
