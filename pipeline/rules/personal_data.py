"""Text that looks like personal data (SPEC §8 ``personal-data``): NHS numbers with a valid check
digit, email addresses, UK phone numbers and National Insurance numbers.

Scanned: every narrative of the Stage 2 summaries and the overview, the evidence library's titles
and notes, and every Stage 1 evidence comment. The patterns, the masking and the message are in
:mod:`pipeline.analysis.personal_data` (``collect`` uses the same).

The register is the one place that may hold contact details: IR38 asks for key groups'
"contact details (name, email, telephone number)". So in the title and notes of a register row
that lists IR38 in its IR items, email addresses and phone numbers are not reported; NHS and
National Insurance numbers still are, as they are everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pipeline.analysis.personal_data import personal_data_findings, stage1_findings
from pipeline.model.findings import Finding

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, Rule, Text

# The IR item whose documents list contact details, and the kinds those are.
CONTACT_DETAILS_IR = "IR38"
CONTACT_KINDS = frozenset({"email", "phone"})


def personal_data(inputs: Inputs) -> Iterator[Finding]:
    from pipeline.read.register import cell_of

    def at(text: Text, field: str | None) -> Iterator[Finding]:
        return personal_data_findings(text.value, text.at.file, text.at.sheet, text.at.cell, field)

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
            yield from at(text, field)

    overview = inputs.overview
    if overview is not None:
        for field, text in [
            ("Council name", overview.council),
            ("Version label", overview.version_label),
            *overview.section_a,
            ("Our self-assessment process", overview.process),
        ]:
            yield from at(text, field)
        for sign in overview.sign_off:
            yield from at(sign.endorsement, f"Endorsement ({sign.role})")

    library = inputs.library
    if library is not None:
        for item in library.items:
            contacts = CONTACT_DETAILS_IR in {code.upper() for code in item.ir_items}
            skip = CONTACT_KINDS if contacts else frozenset()
            for key, field, value in (
                ("title", "Title", item.title),
                ("notes", "Notes", item.notes),
            ):
                yield from personal_data_findings(
                    value, library.file, item.at.sheet, cell_of(item, key), field, skip
                )

    yield from stage1_findings(inputs.returns)


RULES: list[Rule] = [personal_data]


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
    only the pen holder sees (a Stage 1 comment, a lead officer's name, a case-file audit)."""
    stage1 = {ret.file for ret in inputs.returns} | {audit.file for audit in inputs.audits}
    return [
        f
        for f in findings
        if f.code == "personal-data" and f.file not in stage1 and f.field not in _NOT_PRINTED
    ]
