"""The word count: the tool's ``count_words`` and the in-sheet formula agree, for any text.

Two checks: a property test against a faithful Python evaluation of the formula as generated
(read from the formula text itself, so a change to the formula is tested too), and a fixed sample
of tricky strings recalculated by LibreOffice in one conversion.
"""

from __future__ import annotations

import re
import unicodedata
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
from pipeline.model.words import (
    WORD_COUNT_RULE,
    WORD_SEPARATORS,
    EntryLayout,
    FieldLayout,
    PrintedLayout,
    count_words,
    word_count_formula,
)
from pipeline.xlsx.write import Style, clean_text, write_text
from tests.conftest import soffice_convert

# What the formula's functions mean, as Excel and LibreOffice define them.
# A separator is substituted as CHAR(n), UNICHAR(n) or the character itself in quotes.
_SEPARATOR = re.compile(r',(?:(?:_xlfn\.UNI)?CHAR\((\d+)\)|"([^"])")," "\)')


def _substituted(formula_part: str) -> list[str]:
    return [chr(int(n)) if n else char for n, char in _SEPARATOR.findall(formula_part)]


def evaluate_formula(formula: str, text: str) -> int:
    """The word count the formula ``formula`` gives for a cell holding ``text``.

    Follows the formula's structure: every ``SUBSTITUTE(x,CHAR(n)," ")`` (or the character in
    quotes) turns that character into a space, `` z`` is added, ``TRIM`` strips spaces from both
    ends and collapses runs of spaces (only U+0020: Excel's and LibreOffice's TRIM leave other
    characters alone), and the count is the number of spaces left.
    """
    assert formula.startswith("=(LEN(TRIM(")
    inner = formula[len("=(LEN(TRIM(") :]
    chain = inner.split("TRIM(")[0]
    assert chain.endswith('&" z"))-LEN(SUBSTITUTE(')
    substituted = _substituted(chain)
    assert substituted, "the formula substitutes nothing"
    for char in substituted:
        text = text.replace(char, " ")
    trimmed = re.sub(" +", " ", (text + " z").strip(" "))
    return len(trimmed) - len(trimmed.replace(" ", ""))


FORMULA = word_count_formula("B7")

# Characters that matter to a word count, mixed into any text.
_INTERESTING = st.sampled_from(
    [
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\xa0",
        "\u2003",
        "\u3000",
        "\u200b",
        "-",
        "’",
        "🙂",
        "\u2002",
        "\u2009",
        "\u200a",
        "\u202f",
        "\u2007",
        "\u1680",
        "\u2028",
        "\x85",
    ]
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
    substituted = set(_substituted(inner))
    assert substituted | {" "} == set(WORD_SEPARATORS)
    # Every Unicode space separates words (category Zs), and the line and paragraph separators.
    spaces = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"}
    assert spaces | {"\u2028", "\u2029"} <= set(WORD_SEPARATORS)


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
    "em\u2003space and en\u2002space separate",
    "thin\u2009hair\u200anarrow\u202ffigure\u2007ideographic\u3000ogham\u1680medium\u205fend",
    "line\u2028separator\u2029paragraph\x85next",
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


# A layout where every part prints something: the longest formulas the form can have.
_FULL_LAYOUT = PrintedLayout(
    fixed=40,
    fields=(
        FieldLayout("lead_officer_name", 1, 2),
        FieldLayout("lead_officer_post", 1, 1),
        FieldLayout("verified_by_name", 2, 2),
        FieldLayout("verified_by_post", 1, 3),
        FieldLayout("ambition", 2, 3),
        FieldLayout("priorities", 1, 4),
        FieldLayout("others_say", 1, 5),
    ),
    strengths=EntryLayout(1, 1, 1, 1),
    improvements=EntryLayout(1, 2, 1, 1),
)


def test_every_formula_of_the_form_is_within_excels_limits(framework: Framework) -> None:
    """Excel refuses a formula over 8,192 characters or nested over 64 levels (LibreOffice
    allows more); the printed-words formulas repeat the separator chain most."""
    wb = build_summary(
        framework, framework.quality_statement("QS1"), _style(), None, "", 750, _FULL_LAYOUT
    )
    formulas = [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    longest = max(formulas, key=len)
    # As Excel shows it: without the _xlfn. prefixes the file needs.
    assert len(longest.replace("_xlfn.", "")) <= 8192, len(longest)
    depth = deepest = 0
    for char in longest:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    assert deepest <= 64


_ODD_SPACES = ["\u2003", "\u2009", "\u3000", "\u2002", "\u202f", "\u200a", "\u2007"]


def _words_with_odd_spaces(n: int) -> str:
    return "".join(f"w{i}{_ODD_SPACES[i % len(_ODD_SPACES)]}" for i in range(n)).rstrip()


@pytest.mark.libreoffice
def test_unicode_spaces_separate_words_in_the_tool_and_the_recalculated_form(
    tmp_path: Path, framework: Framework
) -> None:
    """751 words separated by em, thin, ideographic (and other) spaces count 751, in Python and
    in the form's cells and printed-words total as LibreOffice recalculates them."""
    text = _words_with_odd_spaces(751)
    assert " " not in text
    assert count_words(text) == 751
    wb = build_summary(
        framework, framework.quality_statement("QS1"), _style(), None, "", 750, _FULL_LAYOUT
    )
    sheet = wb[FORM_SHEET]
    ambition = next(f.label for f in FIELDS if f.key == "ambition")
    strength = next(f.label for f in FIELDS if f.key == "strengths")
    write_text(sheet[field_cell(ambition)], text)
    write_text(sheet[field_cell(strength)], _words_with_odd_spaces(10))
    write_text(sheet[field_cell(strength, "C")], "EV-001,\u2003EV-002\u3000EV-003")
    write_text(sheet[field_cell("Verified by (name)")], "Dr\u2009Tom\u3000Evans")
    write_text(sheet[field_cell("Lead officer (post)")], "\u2003\u3000")  # no words
    src = tmp_path / "summary.xlsx"
    wb.save(src)
    out = soffice_convert(src, "xlsx", tmp_path / "recalculated")
    values = openpyxl.load_workbook(out, data_only=True)[FORM_SHEET]
    # Ambition prints twice plus 3 words; the strength: "1." + 10 words + "Evidence:" + 3 IDs.
    assert values[field_cell(ambition, "D")].value == 2 * 751 + 3
    assert values[field_cell(strength, "D")].value == 1 + 10 + 1 + 3
    # The fixed words, the two entries' lines, the verifier's name (twice, and 2 more words),
    # the first (empty) improvement's number; the post of only spaces adds nothing.
    assert values[TOTAL_CELL].value == 40 + (2 * 751 + 3) + 15 + (2 * 3 + 2) + 1
