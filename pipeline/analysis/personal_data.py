"""Text that looks like personal data (SPEC §8 ``personal-data``): NHS numbers with a valid check
digit, email addresses, UK phone numbers and National Insurance numbers.

The one implementation of the patterns, the masking and the finding, used by ``validate`` (the
rule in :mod:`pipeline.rules.personal_data`) and by ``collect`` (which scans the Stage 1 comments
and masks them in ``findings.xlsx``). A finding's message shows the match masked, never whole: the
validation report is shared more widely than the text it points at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, warning

if TYPE_CHECKING:
    from pipeline.model.stage1 import Stage1Return


@dataclass(frozen=True)
class Match:
    """One piece of personal-looking data: what kind, where in the text, and masked."""

    kind: str
    start: int
    end: int
    masked: str


# Not next to other digits, letters or currency, nor part of a decimal ("1,234.5").
_NOT_BEFORE = r"(?<![\w£$€+-])(?<!\d[.,])"
_NOT_AFTER = r"(?![\w])(?![.,]\d)"

# 10 digits, run together or spaced/hyphenated 3-3-4 the way NHS numbers are written.
_NHS = re.compile(_NOT_BEFORE + r"(\d{3})([ -]?)(\d{3})\2(\d{4})" + _NOT_AFTER)
_EMAIL = re.compile(
    r"(?<![\w.+'-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+(?![\w@])"
)
# +44 or 0, then 9 or 10 more digits in groups separated by single spaces or hyphens, with the
# area code perhaps in brackets: 020 7946 0958, (0161) 496 0000, +44 7700 900123, 07700900123.
_PHONE = re.compile(
    _NOT_BEFORE + r"(?:\+44\s?(?:\(0\)\s?)?|\(0|0)\d{1,4}\)?(?:[ -]?\d{2,6}){1,3}" + _NOT_AFTER
)
# Two letters (D, F, I, Q, U and V never; O never second), six digits, a suffix A-D.
_NI = re.compile(
    r"(?<![\w])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ ]?(\d{2})[ ]?(\d{2})[ ]?(\d{2})[ ]?([A-D])"
    r"(?![\w])",
    re.IGNORECASE,
)
_NI_NEVER = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

KINDS = {
    "nhs": "an NHS number",
    "email": "an email address",
    "phone": "a UK phone number",
    "ni": "a National Insurance number",
}


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number modulus 11 check: weights 10 to 2 on the first nine digits; the check
    digit is 11 minus the remainder (11 means 0; 10 means the number is not valid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def mask(text: str, keep_start: int = 3, keep_end: int = 2) -> str:
    """``943 476 5919`` -> ``943 *** **19``: letters and digits hidden but the first and last
    few; spaces and punctuation kept so the shape stays recognisable."""
    positions = [i for i, ch in enumerate(text) if ch.isalnum()]
    shown = set(positions[:keep_start]) | set(positions[len(positions) - keep_end :])
    return "".join(ch if (not ch.isalnum() or i in shown) else "*" for i, ch in enumerate(text))


def _mask_email(text: str) -> str:
    local, _, domain = text.partition("@")
    return f"{local[0]}***@{domain}"


# Six digits at least (an NI number has six; NHS and phone numbers ten or more), or an "@".
_MAY_HOLD = re.compile(r"@|\d(?:\D*\d){5}")


def find_personal_data(text: str) -> list[Match]:
    """Everything in ``text`` that looks like personal data, in reading order."""
    if not _MAY_HOLD.search(text):
        return []  # most comments: no pattern below could match
    found: list[Match] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(kind: str, m: re.Match[str], masked: str) -> None:
        found.append(Match(kind, m.start(), m.end(), masked))
        taken.append((m.start(), m.end()))

    for m in _EMAIL.finditer(text):
        add("email", m, _mask_email(m.group()))
    for m in _NHS.finditer(text):
        digits = m[1] + m[3] + m[4]
        # A leading 0 is a phone number (0800 123 4567 style), not an NHS number.
        if digits[0] != "0" and nhs_check_digit_ok(digits) and free(m.start(), m.end()):
            add("nhs", m, mask(m.group(), 3, 2))
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = digits[2:] if m.group().startswith("+44") else digits[1:]
        national = national.removeprefix("0")  # +44 (0)20 ...
        if len(national) in (9, 10) and free(m.start(), m.end()):
            add("phone", m, mask(m.group(), 3, 2))
    for m in _NI.finditer(text):
        if m[1].upper() not in _NI_NEVER and free(m.start(), m.end()):
            add("ni", m, mask(m.group(), 2, 1))
    return sorted(found, key=lambda f: f.start)


def mask_personal_data(text: str) -> str:
    """``text`` with everything that looks like personal data masked as in the findings'
    messages: ``Ring jo.bloggs@testshire.gov.uk on 07700 900123`` -> ``Ring
    j***@testshire.gov.uk on 077** ****23``. Text without any is returned as it is."""
    matches = find_personal_data(text)
    if not matches:
        return text
    parts, end = [], 0
    for match in matches:
        parts += [text[end : match.start], match.masked]
        end = match.end
    return "".join([*parts, text[end:]])


def personal_data_findings(
    text: str,
    file: str,
    sheet: str | None,
    cell: str | None,
    field: str | None,
    skip: frozenset[str] = frozenset(),
) -> Iterator[Finding]:
    """A ``personal-data`` warning for each different match in ``text`` (the same masked match
    twice in one cell is one finding), at ``file``, ``sheet`` and ``cell``; kinds in ``skip``
    (``"email"``, ``"phone"``...) are not reported."""
    if not text:
        return
    seen: set[tuple[str, str]] = set()
    for match in find_personal_data(text):
        if match.kind in skip or (match.kind, match.masked) in seen:
            continue
        seen.add((match.kind, match.masked))
        yield warning(
            "personal-data",
            file,
            f"This looks like {KINDS[match.kind]} ({match.masked}). Personal information "
            "must not go to the CQC: remove it, or replace it with a role or a team "
            "mailbox. If it is not personal data (a public helpline, say), ignore this "
            "warning.",
            sheet=sheet,
            cell=cell,
            field=field,
        )


def stage1_findings(returns: Iterable[Stage1Return]) -> Iterator[Finding]:
    """``personal-data`` in the Stage 1 returns' evidence comments, at each comment's cell.

    The comments are the only free text of a return that is kept and passed on (to
    ``findings.xlsx`` and the Stage 2 guidance's figures); the respondent's name and team, which
    the checklist asks for, are never kept, so they are not scanned.
    """
    from pipeline.forms.checklist import CHECKLIST_SHEET, ChecklistLayout

    for ret in returns:
        for response in ret.responses:
            if response.evidence:
                cell = response.evidence_cell or ChecklistLayout(response.number).evidence_cell(
                    response.number
                )
                field = f"Statement {response.number} evidence"
                sheet = CHECKLIST_SHEET if ret.source != "survey" else ret.sheet
                yield from personal_data_findings(response.evidence, ret.file, sheet, cell, field)
