"""Stage 1 in the report: a quality statement's rating chart (a PNG drawn with Pillow), its
alternative text and one-line summary, and the engagement table's figures.

The chart is one stacked horizontal bar per checklist statement: the share of responses at
each rating, strongly disagree (red) to strongly agree (green), then don't know (grey), in the
colours of the findings workbook's charts; the count sits inside each part wide enough to hold
it, and "% agree" (3 or 4, of the 1-4 ratings) at the right. Pillow draws it with the font it
carries, so the same results give the same bytes on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pipeline.model.stage1 import NOT_GIVEN
from pipeline.outputs.findings import RATING_COLOURS

if TYPE_CHECKING:
    import datetime as dt

    from PIL import Image, ImageFont

    from pipeline.framework import Framework
    from pipeline.model.inputs import Stage1Return
    from pipeline.model.stage1 import QSResult


# Drawn 1600 pixels wide for a 160 mm column: about 250 dots per inch.
WIDTH = 1600
CHART_WIDTH_MM = 160.0
CHART_MAX_HEIGHT_MM = 200.0
_PAD = 24
_FONT_PX = 30
_LINE_PX = 36
_LABEL_W = 640
_BAR_X = _PAD + _LABEL_W + 24
_PCT_W = 130
_BAR_W = WIDTH - _BAR_X - _PCT_W - _PAD
_BAR_H = 46
_ROW_H = 2 * _LINE_PX + 20
_ORDER = (1, 2, 3, 4, 0)
_WHITE_TEXT = {1, 4}  # dark fills: white counts on them
_INK = (31, 31, 31)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16)


def _font(size: int = _FONT_PX) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    font = ImageFont.load_default(size=size)
    assert isinstance(font, ImageFont.FreeTypeFont)  # Pillow's wheels carry FreeType
    return font


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` pixels, the last cut with "…".

    Each line takes as many words as fit (at least one). A line's width grows with every word
    it takes, so the most that fit is found by halving (a few measures a line, not one a word:
    measuring text is most of the time a chart takes)."""
    words = text.split()

    def fits(k: int, start: int) -> bool:
        return font.getlength(" ".join(words[start : start + k])) <= width

    out: list[str] = []
    placed = 0
    while placed < len(words) and len(out) < lines:
        k = _most(partial(fits, start=placed), len(words) - placed)
        out.append(" ".join(words[placed : placed + k]))
        placed += k
    if placed == len(words):
        return out
    # Cut: the last line ends with an ellipsis, dropping words until it fits.
    last = out[-1].split(" ") + words[placed:]
    k = _most(lambda k: font.getlength(" ".join(last[:k]) + "…") <= width, len(last))
    out[-1] = " ".join(last[:k]).rstrip(" ,;:") + "…"
    return out


def _most(fits: Callable[[int], bool], n: int) -> int:
    """The largest ``k`` in 1..``n`` with ``fits(k)`` (1 when none does), for ``fits`` true up to
    some ``k`` and false after it."""
    low, high = 1, n  # the answer is in low..high
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def rating_chart(qs: QSResult, scale: dict[int, str]) -> bytes:
    """The chart of ``qs``'s ratings as PNG bytes; ``scale`` names each rating (0-4)."""
    return png(rating_image(qs, scale))


def png(img: Image.Image) -> bytes:
    """``img`` as PNG bytes (Pillow lets other threads run while it encodes)."""
    out = io.BytesIO()
    # zlib level 1: the same pixels as the default level 6, in two thirds of the time (~0.17 s of
    # the demo's build for nine charts), about 7% more bytes.
    img.save(out, format="PNG", dpi=(254, 254), compress_level=1)
    return out.getvalue()


def rating_image(qs: QSResult, scale: dict[int, str]) -> Image.Image:
    """The chart of ``qs``'s ratings, drawn; ``scale`` names each rating (0-4)."""
    from PIL import Image, ImageDraw

    font, small = _font(), _font(_FONT_PX - 4)
    legend_h = _LINE_PX + 24
    height = _PAD + legend_h + _LINE_PX + len(qs.statements) * _ROW_H + _PAD
    img = Image.new("RGB", (WIDTH, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)

    # Legend, left to right in rating order.
    x, y = _PAD, _PAD
    for rating in _ORDER:
        draw.rectangle((x, y + 4, x + 26, y + 30), fill=_rgb(RATING_COLOURS[rating]))
        label = scale.get(rating, str(rating))
        draw.text((x + 34, y + 2), label, font=small, fill=_INK)
        x += 34 + int(small.getlength(label)) + 28
    y += legend_h
    draw.text((_PAD, y), "Statement", font=small, fill=_INK)
    draw.text((WIDTH - _PAD, y), "% agree", font=small, fill=_INK, anchor="ra")
    y += _LINE_PX

    for s in qs.statements:
        lines = _wrap(f"{s.number}. {s.text}", font, _LABEL_W, 2)
        text_y = y + (_ROW_H - len(lines) * _LINE_PX) // 2
        for i, line in enumerate(lines):
            draw.text((_PAD, text_y + i * _LINE_PX), line, font=font, fill=_INK)
        top = y + (_ROW_H - _BAR_H) // 2
        counts = {**s.counts, 0: s.dont_know}
        if s.responses:
            done = 0
            for rating in _ORDER:
                n = counts.get(rating, 0)
                if not n:
                    continue
                x0 = _BAR_X + round(done * _BAR_W / s.responses)
                done += n
                x1 = _BAR_X + round(done * _BAR_W / s.responses)
                draw.rectangle((x0, top, x1 - 1, top + _BAR_H), fill=_rgb(RATING_COLOURS[rating]))
                count = str(n)
                if x1 - x0 >= small.getlength(count) + 10:
                    colour = (255, 255, 255) if rating in _WHITE_TEXT else _INK
                    middle = ((x0 + x1) // 2, top + _BAR_H // 2)
                    draw.text(middle, count, font=small, fill=colour, anchor="mm")
        else:
            draw.rectangle((_BAR_X, top, _BAR_X + _BAR_W, top + _BAR_H), outline=(166, 166, 166))
            middle = (_BAR_X + _BAR_W // 2, top + _BAR_H // 2)
            draw.text(middle, "No responses", font=small, fill=_INK, anchor="mm")
        agree = "–" if s.percent_agree is None else f"{s.percent_agree:.0f}%"
        draw.text((WIDTH - _PAD, top + _BAR_H // 2), agree, font=font, fill=_INK, anchor="rm")
        y += _ROW_H

    return img


@dataclass(frozen=True)
class Engagement:
    """Who returned checklists: the counts by quality statement and respondent group."""

    groups: list[str]  # in framework order, "Not given" last
    counts: dict[tuple[str, str], int]  # (quality statement code, group) -> returns
    by_qs: dict[str, int]
    first_saved: dt.date | None
    last_saved: dt.date | None
    # Of the total: survey respondents' answers (one per quality statement), and workshops.
    survey_responses: int = 0
    workshops: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_qs.values())


def engagement(framework: Framework, returns: Iterable[Stage1Return]) -> Engagement:
    order = {g: i for i, g in enumerate((*framework.respondent_groups, NOT_GIVEN))}
    counts: dict[tuple[str, str], int] = {}
    by_qs: dict[str, int] = {}
    saved = []
    returns = list(returns)
    for r in returns:
        counts[(r.quality_statement, r.group)] = counts.get((r.quality_statement, r.group), 0) + 1
        by_qs[r.quality_statement] = by_qs.get(r.quality_statement, 0) + 1
        if r.saved is not None:
            saved.append(r.saved.date())
    # Every listed group (none returning is worth seeing), then "Not given" if any.
    groups = list(framework.respondent_groups)
    present = {g for _, g in counts}
    groups += sorted((g for g in present if g not in groups), key=lambda g: order.get(g, 99))
    return Engagement(
        groups,
        counts,
        by_qs,
        min(saved, default=None),
        max(saved, default=None),
        survey_responses=sum(1 for r in returns if r.source == "survey"),
        workshops=sum(1 for r in returns if r.source == "workshop"),
    )


def alt_text(qs: QSResult, returns_count: int) -> str:
    """What the chart shows, for people who cannot see it."""
    n = len(qs.statements)
    text = (
        f"Bar chart of the Stage 1 ratings of the {n} checklist statements for {qs.code} "
        f"{qs.name} from {returns_count} returns, from strongly disagree to strongly agree and "
        "don't know."
    )
    rated = [s for s in qs.statements if s.percent_agree is not None]
    if rated:
        high = max(rated, key=lambda s: (s.percent_agree, -s.number))
        low = min(rated, key=lambda s: (s.percent_agree, s.number))
        text += (
            f" Most agreement: statement {high.number} ({high.percent_agree:.0f}% agree); "
            f"least: statement {low.number} ({low.percent_agree:.0f}% agree)."
        )
    return text
