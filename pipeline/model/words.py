"""The word-count rule, in Python and as the in-sheet formula that shows the same count live."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Every Unicode space (category Zs: the space, no-break space, ogham space, en/em quad, en/em,
# three-/four-/six-per-em, figure, punctuation, thin and hair spaces, narrow no-break space,
# medium mathematical space, ideographic space), the line and paragraph separators, tab, line
# feed, carriage return, next line (U+0085), and U+0001, which is how
# LibreOffice's formulas see a tab in a cell that also holds a line break (an .xlsx cannot hold
# a real U+0001, so no typed text contains it).
_UNICODE_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
WORD_SEPARATORS = " \t\n\r\x01\x85\u2028\u2029" + _UNICODE_SPACES


"""What separates words, exactly as the in-sheet formula (``summaries.word_count_formula``) does:
every Unicode space and line break (see above). Zero-width characters (U+200B) join words, as in
Microsoft Word."""


def count_words(text: str) -> int:
    """Words as Microsoft Word counts them: runs of characters that are not whitespace.

    Whitespace is ``WORD_SEPARATORS``, the characters the in-sheet word count treats as separators,
    so that the workbook and the tool always agree.
    """
    return len(_WORDS.findall(text))


_WORDS = re.compile("[^" + re.escape(WORD_SEPARATORS) + "]+")


WORD_COUNT_RULE = (
    "Words are counted as Microsoft Word counts them: anything between spaces, tabs or line "
    "breaks is one word, so “co-produced”, “24/7” and “EV-003” each count as one word."
)


# How each separator other than the space is written in a formula. Every one becomes a space;
# TRIM then strips the ends and collapses runs of spaces, so the words are the spaces plus one.
# Control characters as CHAR(n) (vertical tab and form feed are not separators: a workbook
# cannot hold them, see xlsx.write.clean_text); CHAR(1): LibreOffice's formulas see a
# tab as U+0001 in a cell that also has a line break. Every other separator is written as itself
# inside quotes: "\u2003" is 3 characters where _xlfn.UNICHAR(8195) is 20, and the Stage 2
# form's printed-words formulas repeat this chain up to a dozen times each, within Excel's 8,192
# characters a formula may have (see tests/test_word_count.py).
_FORMULA_SEPARATORS = {
    "\x01": "CHAR(1)",
    "\t": "CHAR(9)",
    "\n": "CHAR(10)",
    "\r": "CHAR(13)",
    **{char: f'"{char}"' for char in "\x85\u2028\u2029" + _UNICODE_SPACES},
}


assert {" ", *_FORMULA_SEPARATORS} == set(WORD_SEPARATORS), "formula and count_words disagree"


def word_count_expression(ref: str, also: str = "") -> str:
    """The words in cell ``ref``, as a formula expression (no ``=``) that agrees with
    ``models.count_words``; other workbooks add these up for several cells. ``also``: more
    characters that separate words (``",;"`` counts evidence IDs)."""
    text = _padded(ref, also)
    # In brackets: callers multiply it ("2*words").
    return f'(LEN({text})-LEN(SUBSTITUTE({text}," ","")))'


def has_words_expression(ref: str, also: str = "") -> str:
    """Whether cell ``ref`` has any word, as a formula expression (``TRUE``/``FALSE``): the
    same as ``word_count_expression(ref) > 0``, with the separator chain written once."""
    return f"LEN({_padded(ref, also)})>1"


def _padded(ref: str, also: str) -> str:
    """Cell ``ref`` with every separator a space, `` z`` added, trimmed: its words and one."""
    text = ref
    for char in also:
        text = f'SUBSTITUTE({text},"{char}"," ")'
    for expression in _FORMULA_SEPARATORS.values():
        text = f'SUBSTITUTE({text},{expression}," ")'
    # One word ("z") more is added after a space and the spaces between words counted: as
    # many as the words before it, 0 for an empty cell, and the chain is written twice, not
    # three times (the Stage 2 form's printed-words formulas repeat it up to ten times).
    return f'TRIM({text}&" z")'


def word_count_formula(ref: str) -> str:
    """The in-sheet word count of cell ``ref``: ``=(LEN(TRIM(SUBSTITUTE(…``."""
    return "=" + word_count_expression(ref)


PRINTED_RULE = (
    "The word limit counts Section B as the report prints it: everything from the quality "
    "statement's heading to the next one (heading, we statement, subheadings, your text and the "
    "“Evidence: EV-…” lines), but not pictures or charts."
)


@dataclass(frozen=True)
class EntryLayout:
    """How a strength or an area for improvement prints: ``1. text`` and, when it cites
    evidence, a line ``Evidence: EV-003, EV-011``."""

    entry: int = 0  # words printed for each entry whatever it holds ("1.")
    text: int = 1  # times its text is printed
    evidence_line: int = 0  # words of an evidence line besides the IDs ("Evidence:")
    per_id: int = 0  # words printed for each ID cited

    def words(self, text: str, ids: list[str]) -> int:
        n = self.entry + self.text * count_words(text)
        cited = list(dict.fromkeys(ids))
        if cited:
            n += self.evidence_line + self.per_id * len(cited)
        return n


@dataclass(frozen=True)
class FieldLayout:
    """How a typed field prints: ``times`` its words, and ``extra`` words when it is filled in
    (e.g. the subheading "Priorities to maintain and improve" printed only above priorities)."""

    key: str  # the Summary attribute
    times: int = 1
    extra: int = 0


@dataclass(frozen=True)
class PrintedLayout:
    """How one quality statement's Section B section prints, measured from the report template
    actually used (``pipeline.report.printed``): the words printed whatever is typed (heading,
    we statement, subheadings) and what each typed part adds. ``count`` gives the words of the
    section as printed, which is what the word limit applies to."""

    fixed: int
    fields: tuple[FieldLayout, ...]
    strengths: EntryLayout
    improvements: EntryLayout
    # The words printed around a Stage 1 summary line (a caption's label), beside the line's
    # own: ``with_stage1_line`` adds both to ``fixed``.
    stage1: int = 0

    @classmethod
    def typed_only(cls) -> PrintedLayout:
        """The typed words only (when no template could be measured)."""
        keys = ("ambition", "priorities", "others_say")
        return cls(0, tuple(FieldLayout(k) for k in keys), EntryLayout(), EntryLayout())

    def count(
        self,
        field: Callable[[str], str],
        strengths: Iterable[tuple[str, list[str]]],
        improvements: Iterable[tuple[str, list[str]]],
    ) -> int:
        """The words printed for a summary: ``field(key)`` gives a field's text; the entries
        are (text, evidence IDs) as the report prints them (``Inputs.printed_words``)."""
        total = self.fixed
        for f in self.fields:
            value = field(f.key)
            if value.strip():
                total += f.times * count_words(value) + f.extra
        for layout, entries in ((self.strengths, strengths), (self.improvements, improvements)):
            for text, ids in entries:
                total += layout.words(text, ids)
        return total

    def with_stage1_line(self, line: str) -> PrintedLayout:
        """This layout for a quality statement whose section prints ``line`` (its Stage 1
        summary, e.g. "42 people from 7 groups; 78% agree overall"); "" prints none."""
        if not line:
            return self
        return dataclasses.replace(self, fixed=self.fixed + self.stage1 + count_words(line))

    @property
    def signature(self) -> str:
        """A short fingerprint, written into each Stage 2 workbook: a workbook whose signature
        differs counts with an older template's fixed words."""
        data = json.dumps(dataclasses.asdict(self), sort_keys=True).encode()
        return hashlib.sha256(data).hexdigest()[:12]
