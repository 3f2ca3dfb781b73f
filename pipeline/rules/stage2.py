"""Rules for the completed Stage 2 summaries (SPEC §7, §8): word limit, three strengths and three
areas for improvement at most, fields filled in, verified by a senior manager, one per statement.

Problems found while reading a summary (unreadable files, template mismatches, ignored content,
dates that are not dates) are reported by ``summaries.read_summaries``, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipeline.forms.summary import TOTAL_CELL, TOTAL_LABEL, summary_path
from pipeline.model.findings import Finding, error, warning
from pipeline.model.inputs import Entry, Located, Summary, Text
from pipeline.model.words import count_words

if TYPE_CHECKING:
    from pipeline.model.findings import Findings
    from pipeline.model.inputs import Inputs, Rule


def _at(text: Text, field: str) -> dict[str, str | None]:
    return {"sheet": text.at.sheet, "cell": text.at.cell, "field": field}


def _filled(entries: tuple[Entry, ...]) -> list[Entry]:
    """The entries with anything typed in them (rows may have been added, or left blank)."""
    return [e for e in entries if not (e.text.blank and e.evidence.blank)]


def word_limit(inputs: Inputs) -> Iterator[Finding]:
    """Section B of one quality statement, as the report prints it, above the limit (750 unless
    set otherwise): heading, we statement, subheadings, the typed text and the evidence lines."""
    limit = inputs.ws.settings.report.word_limit
    for s in inputs.summaries:
        total = inputs.printed_words(s)
        if total <= limit:
            continue
        parts = {
            "ambition": count_words(s.ambition.value),
            "strengths": sum(count_words(e.text.value) for e in s.strengths),
            "areas for improvement": sum(count_words(e.text.value) for e in s.improvements),
            "priorities": count_words(s.priorities.value),
            "what others say": count_words(s.others_say.value),
        }
        typed = sum(parts.values())
        breakdown = ", ".join(f"{name} {n}" for name, n in parts.items())
        yield error(
            "word-limit",
            s.file,
            f"Section B prints {total} words, {total - limit} over the {limit}-word limit. "
            f"Shorten it by {total - limit} words (typed: {breakdown}; the heading, we "
            "statement, subheadings, evidence lines and Stage 1 summary line print "
            f"{total - typed} more).",
            sheet=s.ambition.at.sheet,
            cell=TOTAL_CELL,
            field=TOTAL_LABEL,
        ).with_data(words=total, limit=limit, typed=typed)


def word_total_stale(inputs: Inputs) -> Iterator[Finding]:
    """A workbook whose in-sheet word total was made for another version of the report
    template: its total may differ from what is printed (and from ``validate``)."""
    for s in inputs.summaries:
        layout = inputs.printed.get(s.quality_statement)
        if layout is None or not s.layout_signature or s.layout_signature == layout.signature:
            continue
        words = inputs.printed_words(s)
        yield warning(
            "word-total-stale",
            s.file,
            "The word total at the top of this workbook was worked out for an earlier version "
            "of the report template or of the Stage 1 results (whose summary line the report "
            f"prints), so it may be a few words out. As printed now, Section B "
            f"has {words} words: that is the number the limit applies to. A workbook made "
            "again with `selfassess generate summaries` counts with the current template.",
            sheet=s.ambition.at.sheet,
            cell=TOTAL_CELL,
            field=TOTAL_LABEL,
        ).with_data(words=words)


def _too_many(
    s: Summary, entries: tuple[Entry, ...], limit: int, code: str, what: str
) -> Iterator[Finding]:
    filled = _filled(entries)
    if len(filled) <= limit:
        return
    extra = filled[limit:]
    labels = ", ".join(e.label for e in extra)
    yield error(
        code,
        s.file,
        f"{len(filled)} {what} are filled in, but Section B takes at most {limit}. Merge or "
        f"remove {len(extra)} of them ({labels}).",
        **_at(extra[0].text, extra[0].label),
    ).with_data(count=len(filled), limit=limit)


def too_many_strengths(inputs: Inputs) -> Iterator[Finding]:
    """More than three strengths, counting rows people added (``Strength 4``)."""
    limit = inputs.ws.settings.report.max_strengths
    for s in inputs.summaries:
        yield from _too_many(s, s.strengths, limit, "too-many-strengths", "strengths")


def too_many_improvements(inputs: Inputs) -> Iterator[Finding]:
    """More than three areas for improvement, counting rows people added."""
    limit = inputs.ws.settings.report.max_improvements
    for s in inputs.summaries:
        yield from _too_many(
            s, s.improvements, limit, "too-many-improvements", "areas for improvement"
        )


def _missing(text: Text, label: str, s: Summary, required: bool, what: str) -> Finding:
    make = error if required else warning
    if text.at.cell is None:
        message = (
            f"The ‘{label}’ row is missing from the form (its label in column A was changed or "
            "the row deleted). Put the label back in column A and fill in the cell beside it."
        )
    else:
        message = f"‘{label}’ is empty. {what}"
    return make("missing-field", s.file, message, **_at(text, label))


def missing_fields(inputs: Inputs) -> Iterator[Finding]:
    """Ambition, one strength and one area for improvement are required; the rest expected."""
    for s in inputs.summaries:
        if s.ambition.blank:
            yield _missing(
                s.ambition,
                "What is our ambition?",
                s,
                True,
                "Write a short summary of where we have come from and where we are aiming to be.",
            )
        for entries, first, what in (
            (s.strengths, "Strength 1", "strength"),
            (s.improvements, "Area for improvement 1", "area for improvement"),
        ):
            gaps = list(entries)
            if all(e.text.blank for e in entries):
                # Point at the first row that has anything (or the first row): that is the one
                # to write in.
                target = entries[0] if entries else None
                where = (
                    target.text
                    if target
                    else Text(at=Located(file=s.file, sheet=s.ambition.at.sheet))
                )
                label = target.label if target else first
                yield _missing(
                    where, label, s, True, f"Section B needs at least one {what}: describe it here."
                )
                gaps = gaps[1:]
            yield from _entry_gaps(s, tuple(gaps))
        expected = [
            (s.lead_officer_name, "Lead officer (name)", "Give the lead officer's name."),
            (s.lead_officer_post, "Lead officer (post)", "Give the lead officer's job title."),
            (
                s.priorities,
                "Priorities to maintain and improve",
                "Describe the plans to maintain and improve, and why they will be impactful.",
            ),
            (
                s.others_say,
                "What do others say about our performance?",
                "Add quotations, recognition or awards, if there are any.",
            ),
            (
                s.key_documents,
                "Key documents for the evidence library",
                "List the key documents, one per line: an evidence ID (EV-003), or a title and "
                "its link.",
            ),
            (s.verified_by_post, "Verified by (post)", "Give the senior manager's job title."),
        ]
        for text, label, what in expected:
            if text.blank:
                yield _missing(text, label, s, False, what)


def _entry_gaps(s: Summary, entries: tuple[Entry, ...]) -> Iterator[Finding]:
    """A strength or area for improvement without its evidence, or evidence without the text."""
    for e in entries:
        if not e.text.blank and e.evidence.blank:
            yield warning(
                "missing-field",
                s.file,
                f"‘{e.label}’ gives no evidence IDs: how do we know? Add the IDs of the documents "
                f"that show it (e.g. EV-003, EV-011) in {e.evidence.at.cell or 'column C'}.",
                **_at(e.evidence, e.label),
            )
        elif e.text.blank and not e.evidence.blank:
            yield warning(
                "missing-field",
                s.file,
                f"‘{e.label}’ has evidence IDs but no text. Describe it, or clear the IDs.",
                **_at(e.text, e.label),
            )


def unverified(inputs: Inputs) -> Iterator[Finding]:
    """No senior manager's name or date of verification."""
    # A date that is not a date was reported when it was read; say it once.
    invalid = {(f.file, f.cell) for f in inputs.read_findings if f.code == "invalid-date"}
    for s in inputs.summaries:
        if s.verified_by_name.blank:
            yield error(
                "unverified",
                s.file,
                "No senior manager has verified this summary: ‘Verified by (name)’ is empty. "
                "Ask the senior manager responsible for this area to check it, then give their "
                "name, post and the date.",
                **_at(s.verified_by_name, "Verified by (name)"),
            )
        if s.verified_on is None:
            at = s.verified_on_at
            cell = at.cell if at is not None else None
            if (s.file, cell) in invalid:
                continue
            yield error(
                "unverified",
                s.file,
                "‘Verified on (date)’ is empty. Type the date the senior manager verified this "
                "summary, as dd/mm/yyyy."
                if cell
                else "The ‘Verified on (date)’ row is missing from the form. Put the label back "
                "in column A and type the date beside it.",
                sheet=at.sheet if at is not None else s.verified_by_name.at.sheet,
                cell=cell,
                field="Verified on (date)",
            )


def summary_missing(inputs: Inputs) -> Iterator[Finding]:
    """A quality statement with no completed summary in ``inputs/stage2/``."""
    ws = inputs.ws
    have = {s.quality_statement for s in inputs.summaries}
    for qs in ws.framework.quality_statements:
        if qs.code in have:
            continue
        template = summary_path(ws, qs)
        send = (
            "Send this workbook to the lead officer"
            if template.exists()
            else "Make the workbooks with `selfassess generate summaries`, send this one to the "
            "lead officer"
        )
        yield warning(
            "summary-missing",
            ws.relative(template),
            f"No completed Stage 2 summary for {qs.code} {qs.name} is in inputs/stage2/. {send}, "
            "and put the completed one in inputs/stage2/.",
        )


def report_gaps(inputs: Inputs, findings: Findings) -> list[str]:
    """Why a final report cannot be built yet: one line per quality statement without a valid,
    verified summary, e.g. ``QS3 Equity in experience and outcomes: no summary received``.

    The guidance asks for each of the nine quality statements to be considered, so a final
    report needs all nine; ``validate`` keeps ``summary-missing`` a warning (mid-round, missing
    summaries are expected) and ``build`` refuses a final report while this list is not empty
    (``build --draft`` builds one marked DRAFT).
    """
    errors: dict[str, list[Finding]] = {}
    for f in findings.errors:
        errors.setdefault(f.file, []).append(f)
    summaries: dict[str, Summary] = {}
    for s in inputs.summaries:
        summaries.setdefault(s.quality_statement, s)
    gaps = []
    for qs in inputs.ws.framework.quality_statements:
        summary = summaries.get(qs.code)
        if summary is None:
            gaps.append(f"{qs.code} {qs.name}: no summary received")
            continue
        found = errors.get(summary.file, [])
        reasons = []
        if any(f.code == "unverified" for f in found):
            reasons.append("not verified")
        others = [f for f in found if f.code != "unverified"]
        if others:
            reasons.append(f"{len(others)} error{'s' * (len(others) != 1)} in {summary.file}")
        if reasons:
            gaps.append(f"{qs.code} {qs.name}: " + ", ".join(reasons))
    return gaps


RULES: list[Rule] = [
    word_limit,
    word_total_stale,
    too_many_strengths,
    too_many_improvements,
    missing_fields,
    unverified,
    summary_missing,
]
