"""The word count: the tool's ``count_words`` and the in-sheet formula agree, for any text.

Two checks: a property test against a faithful Python evaluation of the formula as generated
(read from the formula text itself, so a change to the formula is tested too), and a fixed sample
of tricky strings recalculated by LibreOffice in one conversion.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.forms.summary import (
    FIELDS,
    FORM_SHEET,
    STATUS_CELL,
    TOTAL_CELL,
    build_summary,
    field_cell,
)
from pipeline.framework import Framework
from pipeline.model.words import WORD_COUNT_RULE, WORD_SEPARATORS, count_words, word_count_formula
from pipeline.xlsx.write import Style, clean_text, write_text
from tests.conftest import soffice_convert

# What the formula's functions mean, as Excel and LibreOffice define them.
_CHAR = re.compile(r"(?:_xlfn\.UNI)?CHAR\((\d+)\)")


def evaluate_formula(formula: str, text: str) -> int:
    """The word count the formula ``formula`` gives for a cell holding ``text``.

    Follows the formula's structure: every ``SUBSTITUTE(x,CHAR(n)," ")`` turns that character
    into a space, ``TRIM`` strips spaces from both ends and collapses runs of spaces (only
    U+0020: Excel's and LibreOffice's TRIM leave other characters alone), and the count is the
    number of spaces left plus one, or 0 for nothing.
    """
    assert formula.startswith("=IF(LEN(TRIM(")
    inner = formula[len("=IF(LEN(TRIM(") :]
    substituted = [int(n) for n in _CHAR.findall(inner.split("TRIM(")[0])]
    assert substituted, "the formula substitutes nothing"
    for code in substituted:
        text = text.replace(chr(code), " ")
    trimmed = re.sub(" +", " ", text.strip(" "))
    if len(trimmed) == 0:
        return 0
    return len(trimmed) - len(trimmed.replace(" ", "")) + 1


FORMULA = word_count_formula("B7")

# Characters that matter to a word count, mixed into any text.
_INTERESTING = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2003", "\u3000", "\u200b", "-", "’", "🙂"]
)
_TEXT = st.lists(st.one_of(st.text(max_size=8), _INTERESTING), max_size=20).map("".join)


@given(_TEXT)
@example("co-produced")
@example("a \u00a0 b\t\tc\n\nd\r\ne")
@example("\x01")
def test_the_tool_and_the_formula_count_the_same_words(text: str) -> None:
    assert count_words(text) == evaluate_formula(FORMULA, text)


def test_the_formula_substitutes_exactly_the_tools_separators() -> None:
    inner = FORMULA.split("TRIM(")[1]
    substituted = {chr(int(n)) for n in _CHAR.findall(inner)}
    assert substituted | {" "} == set(WORD_SEPARATORS)
    assert "_xlfn.UNICHAR(160)" in FORMULA  # openpyxl writes what Excel expects


def test_words_as_microsoft_word_counts_them() -> None:
    assert count_words("co-produced") == 1
    assert count_words("24/7 care, EV-003 and £1.2m") == 5
    assert count_words("  two\u00a0words  ") == 2
    assert count_words("line\nbreaks\r\nand\ttabs") == 4
    assert count_words("") == count_words(" \n\t ") == 0
    assert "“co-produced”" in WORD_COUNT_RULE


SAMPLE = [
    "",
    " ",
    "one",
    "  two   words  ",
    "tab\tseparated\twords",
    "line\nbreaks\n\nand a blank line",
    "windows\r\nline\r\nends",
    "non\u00a0breaking\u00a0\u00a0spaces",
    "\u00a0\u00a0",
    "co-produced, person-centred",
    "em\u2003space is not a separator",
    "emoji 🙂 count as words 👍🏽",
    "Cwm Dŵr & Llanfair <b>",
    "=1+2 stays text",
    "a  \t \n  b",
    "tab then break\t\nnext",
    "\t\n\t",
    "trailing tab\t",
    "“Quoted” ‘words’ — dashes – too",
    "x\u200by zero-width joins",
    "中文 العربية text",
]


@pytest.mark.libreoffice
def test_libreoffice_computes_the_same_counts(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    sheet = wb.active
    for row, text in enumerate(SAMPLE, start=1):
        write_text(sheet.cell(row, 2), text)
        sheet.cell(row, 4).value = word_count_formula(f"B{row}")
    src = tmp_path / "sample.xlsx"
    wb.save(src)
    out = soffice_convert(src, "xlsx", tmp_path / "recalculated")
    values = openpyxl.load_workbook(out, data_only=True).active
    computed = [values.cell(row, 4).value for row in range(1, len(SAMPLE) + 1)]
    expected = [count_words(clean_text(text)[0]) for text in SAMPLE]
    assert computed == expected


@pytest.mark.libreoffice
def test_a_filled_summary_shows_the_tools_counts_and_total(
    tmp_path: Path, framework: Framework
) -> None:
    """The generated form, recalculated by LibreOffice: each field's count, the running total
    and the status beside it agree with the tool."""
    wb = build_summary(framework, framework.quality_statement("QS1"), _style(), None, "", 25)
    sheet = wb[FORM_SHEET]
    counted = [f.label for f in FIELDS if f.counted]
    texts = dict(zip(counted, SAMPLE[3:], strict=False))
    for label, text in texts.items():
        write_text(sheet[field_cell(label)], text)
    src = tmp_path / "summary.xlsx"
    wb.save(src)
    out = soffice_convert(src, "xlsx", tmp_path / "recalculated")
    values = openpyxl.load_workbook(out, data_only=True)[FORM_SHEET]
    shown = {label: values[field_cell(label, "D")].value for label in counted}
    assert shown == {label: count_words(texts[label]) for label in counted}
    total = sum(shown.values())
    assert values[TOTAL_CELL].value == total
    assert total > 25
    assert values[STATUS_CELL].value == (
        f"Over the 25-word limit by {total - 25} words: please shorten Section B."
    )


def _style() -> Style:
    from pipeline.resources import template_path

    return Style.load(template_path("xlsx/style.toml"))
