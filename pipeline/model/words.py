"""The word-count rule, in Python and as the in-sheet formula that shows the same count live."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


WORD_SEPARATORS = " \t\n\r\u00a0\x01"


"""What separates words, exactly as the in-sheet formula (``summaries.word_count_formula``) does:
space, tab, line feed, carriage return, the non-breaking space (U+00A0), and U+0001, which is how
LibreOffice's formulas see a tab in a cell that also holds a line break (an .xlsx cannot hold a real
U+0001, so no typed text contains it)."""


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
# CHAR(1): LibreOffice's formulas see a tab as U+0001 in a cell that also has a line break.
# UNICHAR needs the _xlfn. prefix in the file (a function newer than Excel 2007).
_FORMULA_SEPARATORS = {
    "\x01": "CHAR(1)",
    "\t": "CHAR(9)",
    "\n": "CHAR(10)",
    "\r": "CHAR(13)",
    "\u00a0": "_xlfn.UNICHAR(160)",
}


assert {" ", *_FORMULA_SEPARATORS} == set(WORD_SEPARATORS), "formula and count_words disagree"


def word_count_expression(ref: str) -> str:
    """The words in cell ``ref``, as a formula expression (no ``=``) that agrees with
    ``models.count_words``; other workbooks add these up for several cells."""
    text = ref
    for expression in _FORMULA_SEPARATORS.values():
        text = f'SUBSTITUTE({text},{expression}," ")'
    text = f"TRIM({text})"
    return f'IF(LEN({text})=0,0,LEN({text})-LEN(SUBSTITUTE({text}," ",""))+1)'


def word_count_formula(ref: str) -> str:
    """The in-sheet word count of cell ``ref``: ``=IF(LEN(TRIM(SUBSTITUTE(…``."""
    return "=" + word_count_expression(ref)
