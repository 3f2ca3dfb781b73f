"""Text that looks like personal data (SPEC §8 ``personal-data``): NHS numbers with a valid check
digit, email addresses, UK phone numbers and National Insurance numbers.

Scanned: every narrative of the Stage 2 summaries and the overview, the evidence library's titles
and notes, and every Stage 1 evidence comment. The message shows the match masked, never whole:
the validation report is shared more widely than the text it points at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, warning

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, Rule, Text


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


def find_personal_data(text: str) -> list[Match]:
    """Everything in ``text`` that looks like personal data, in reading order."""
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


@dataclass(frozen=True)
class _Scanned:
    file: str
    sheet: str | None
    cell: str | None
    field: str | None
    text: str
    printed: bool = True  # whether the report prints it


def _texts(inputs: Inputs) -> Iterator[_Scanned]:
    """Every piece of free text people typed, with where it is."""
    from pipeline.read.register import cell_of

    def located(text: Text, field: str | None, printed: bool = True) -> _Scanned:
        return _Scanned(text.at.file, text.at.sheet, text.at.cell, field, text.value, printed)

    for summary in inputs.summaries:
        fields = [
            ("Lead officer (name)", summary.lead_officer_name),
            ("Lead officer (post)", summary.lead_officer_post),
            ("What is our ambition?", summary.ambition),
        ]
        for entry in (*summary.strengths, *summary.improvements):
            fields += [(entry.label, entry.text), (entry.label, entry.evidence)]
        fields += [
            ("Priorities to maintain and improve", summary.priorities),
            ("What do others say about our performance?", summary.others_say),
            ("Key documents for the evidence library", summary.key_documents),
            ("Verified by (name)", summary.verified_by_name),
            ("Verified by (post)", summary.verified_by_post),
        ]
        for field, text in fields:
            yield located(text, field, field not in _NOT_PRINTED)

    overview = inputs.overview
    if overview is not None:
        for field, text in [
            ("Council name", overview.council),
            ("Version label", overview.version_label),
            *overview.section_a,
            ("Our self-assessment process", overview.process),
        ]:
            yield located(text, field)
        for sign in overview.sign_off:
            yield located(sign.endorsement, f"Endorsement ({sign.role})")

    library = inputs.library
    if library is not None:
        for item in library.items:
            for key, field, value in (
                ("title", "Title", item.title),
                ("notes", "Notes", item.notes),
            ):
                yield _Scanned(library.file, item.at.sheet, cell_of(item, key), field, value)

    from pipeline.forms.checklist import CHECKLIST_SHEET, ChecklistLayout

    for ret in inputs.returns:
        for response in ret.responses:
            if response.evidence:
                cell = ChecklistLayout(response.number).evidence_cell(response.number)
                field = f"Statement {response.number} evidence"
                yield _Scanned(ret.file, CHECKLIST_SHEET, cell, field, response.evidence, False)


# The Stage 2 fields the report does not print (the names and posts sign the summary off; the
# key documents go to the evidence library).
_NOT_PRINTED = {
    "Lead officer (name)",
    "Lead officer (post)",
    "Key documents for the evidence library",
    "Verified by (name)",
    "Verified by (post)",
}


def printed_personal_data(inputs: Inputs, findings: Iterable[Finding]) -> list[Finding]:
    """The ``personal-data`` findings in text the report prints (Section A to D), not in what
    only the pen holder sees (a Stage 1 comment, a lead officer's name)."""
    printed = {(s.file, s.sheet, s.cell) for s in _texts(inputs) if s.printed}
    return [
        f for f in findings if f.code == "personal-data" and (f.file, f.sheet, f.cell) in printed
    ]


def personal_data(inputs: Inputs) -> Iterator[Finding]:
    for scanned in _texts(inputs):
        if not scanned.text:
            continue
        seen: set[tuple[str, str]] = set()
        for match in find_personal_data(scanned.text):
            if (match.kind, match.masked) in seen:
                continue
            seen.add((match.kind, match.masked))
            yield warning(
                "personal-data",
                scanned.file,
                f"This looks like {KINDS[match.kind]} ({match.masked}). Personal information "
                "must not go to the CQC: remove it, or replace it with a role or a team "
                "mailbox. If it is not personal data (a public helpline, say), ignore this "
                "warning.",
                sheet=scanned.sheet,
                cell=scanned.cell,
                field=scanned.field,
            )


RULES: list[Rule] = [personal_data]
