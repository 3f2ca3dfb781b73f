"""Evidence library rules (SPEC §8, §9): the register itself, IR coverage, and the evidence IDs
that Stage 2 summaries cite."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipeline.forms.register import NO, NOT_APPLICABLE, PUBLIC_CHOICES, REDACTED_CHOICES, YES
from pipeline.model.findings import Finding, error, warning
from pipeline.model.inputs import EVIDENCE_ID, EvidenceItem, EvidenceLibrary, Text
from pipeline.read.register import cell_of

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, Rule


def _at(item: EvidenceItem, key: str) -> dict[str, str | None]:
    """Where a field of a register row is: for a finding's ``sheet``/``cell``."""
    return {"sheet": item.at.sheet, "cell": cell_of(item, key)}


def _label(item: EvidenceItem) -> str:
    return item.id or "A document"


# ---- The register -------------------------------------------------------------------------


def duplicate_ids(inputs: Inputs) -> Iterator[Finding]:
    """The same ID twice: summaries could not say which document they mean."""
    library = inputs.library
    if library is None:
        return
    first: dict[str, EvidenceItem] = {}
    for item in library.items:
        key = item.id.strip().upper()
        if key not in first:
            first[key] = item
            continue
        earlier = first[key]
        yield error(
            "duplicate-evidence-id",
            library.file,
            f"{item.id} is used twice: here and in {earlier.at.cell}. Give each document its "
            "own ID (and check which one the Stage 2 summaries mean).",
            field="ID",
            **_at(item, "id"),
        )


_SEPARATORS = re.compile(r"[\s,;]")


def malformed_ids(inputs: Inputs) -> Iterator[Finding]:
    """An ID with spaces, commas or semicolons cannot be cited: those separate cited IDs."""
    library = inputs.library
    if library is None:
        return
    for item in library.items:
        if _SEPARATORS.search(item.id.strip()):
            yield error(
                "invalid-evidence-id",
                library.file,
                f"“{item.id}” cannot be cited because it contains a space, comma or "
                "semicolon. Use an ID such as EV-001.",
                field="ID",
                **_at(item, "id"),
            )


def unknown_ir_items(inputs: Inputs) -> Iterator[Finding]:
    library = inputs.library
    if library is None:
        return
    known = {item.code for item in inputs.ws.framework.ir_items}
    for item in library.items:
        for code in item.ir_items:
            if code in known:
                continue
            if re.fullmatch(r"IR\d+", code):
                why = f"{code} is not an information return item of the framework"
                fix = (
                    "Use a code from the 'IR items' sheet (a council can add IR1, IR31 or IR32 "
                    "in inputs/framework.yaml)."
                )
            else:
                why = f"“{code}” is not an information return item code"
                fix = "List the codes separated by commas, e.g. IR5, IR6."
            yield error(
                "unknown-ir-item",
                library.file,
                f"{_label(item)}: {why}. {fix}",
                field="IR items",
                **_at(item, "ir_items"),
            )


def unknown_quality_statements(inputs: Inputs) -> Iterator[Finding]:
    library = inputs.library
    if library is None:
        return
    known = {qs.code for qs in inputs.ws.framework.quality_statements} | {"ALL"}
    for item in library.items:
        for code in item.quality_statements:
            if code not in known:
                yield error(
                    "unknown-quality-statement",
                    library.file,
                    f"{_label(item)}: “{code}” is not a quality statement. Use codes QS1 to QS9, "
                    "their names, or All, or leave the cell blank to follow the IR items.",
                    field="Quality statements",
                    **_at(item, "quality_statements"),
                )


def invalid_choices(inputs: Inputs) -> Iterator[Finding]:
    library = inputs.library
    if library is None:
        return
    for item in library.items:
        for key, heading, value, choices in (
            ("public", "Publicly available", item.public, PUBLIC_CHOICES),
            ("redacted", "Personal data redacted", item.redacted, REDACTED_CHOICES),
        ):
            if value and value not in choices:
                options = " or ".join(choices)
                yield error(
                    "invalid-choice",
                    library.file,
                    f"{_label(item)}: {heading} is “{value}”; choose {options} from the list.",
                    field=heading,
                    **_at(item, key),
                )


def missing_details(inputs: Inputs) -> Iterator[Finding]:
    """What the report and the CQC need of every document: a title, a link and a date."""
    library = inputs.library
    if library is None:
        return
    for item in library.items:
        if not item.title.strip():
            yield warning(
                "missing-field",
                library.file,
                f"{_label(item)} has no title: the report shows the title as the link text.",
                field="Title",
                **_at(item, "title"),
            )
        if not item.link.strip():
            yield warning(
                "missing-field",
                library.file,
                f"{_label(item)} has no link, so the CQC cannot open it from the report. Add "
                "the address where it is published or shared (https://…).",
                field="Link",
                **_at(item, "link"),
            )
        if item.date is None and not _date_was_typed(item):
            yield warning(
                "missing-field",
                library.file,
                f"{_label(item)} has no date, so the tool cannot check it covers the last 12 "
                "months. Type the document's date, e.g. 01/03/2026.",
                field="Date",
                **_at(item, "date"),
            )


def _date_was_typed(item: EvidenceItem) -> bool:
    """A date that could not be read is an ``invalid-date`` finding already (from reading)."""
    return bool(getattr(item, "typed_date", "").strip())


# ---- Links --------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_LOCAL_HOSTS = {"localhost", "localhost.localdomain"}


def link_problem(link: str) -> tuple[str, str] | None:
    """``(code, reason)`` when a link is not one the CQC can open, else None.

    ``link-not-shareable`` for addresses that only work inside the council (file paths, UNC
    paths, drive letters, localhost, private IP addresses, intranet names without a dot);
    ``invalid-link`` for anything else that is not a well-formed http(s) web address."""
    link = link.strip()
    if not link:
        return None
    lowered = link.lower()
    if lowered.startswith("file:"):
        return "link-not-shareable", "is a file: link to a computer or network drive"
    if link.startswith(("\\\\", "//")):
        return "link-not-shareable", "is a network (UNC) path"
    if _DRIVE.match(link):
        return "link-not-shareable", "is a path on a drive letter"
    if re.search(r"\s", link):
        return "invalid-link", "contains spaces (replace them with %20, or copy the link again)"
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https"):
        if not parts.scheme and re.match(r"^(www\.|[a-z0-9-]+\.[a-z]{2,})", lowered):
            return "invalid-link", "has no https:// at the start"
        return "invalid-link", "is not a web address (it should start with https://)"
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "invalid-link", "has a port number that is not valid"
    if not host or not re.fullmatch(r"[\w.\-\[\]:]+", host):
        return "invalid-link", "has no valid site name after https://"
    if host in _LOCAL_HOSTS or host.endswith(".local"):
        return "link-not-shareable", f"points to {host}, which only works on your own network"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        if address.is_private or address.is_loopback or address.is_link_local:
            return "link-not-shareable", f"points to {host}, an address inside your network"
        return None
    if "." not in host:
        return (
            "link-not-shareable",
            f"points to '{host}', an intranet name that only works inside the council",
        )
    if not all(host.rstrip(".").split(".")):
        return "invalid-link", "has no valid site name after https://"
    return None


def links(inputs: Inputs) -> Iterator[Finding]:
    library = inputs.library
    if library is None:
        return
    for item in library.items:
        problem = link_problem(item.link)
        if problem is None:
            continue
        code, reason = problem
        shown = item.link if len(item.link) <= 80 else item.link[:79] + "…"
        if code == "link-not-shareable":
            yield warning(
                code,
                library.file,
                f"{_label(item)}: the link “{shown}” {reason}; the CQC cannot open it. Link to "
                "the published copy, or share it (e.g. a SharePoint link for external people).",
                field="Link",
                **_at(item, "link"),
            )
        else:
            yield error(
                code,
                library.file,
                f"{_label(item)}: the link “{shown}” {reason}. Copy the full address from the "
                "browser, e.g. https://www.example.gov.uk/page.",
                field="Link",
                **_at(item, "link"),
            )


# ---- Dates and redaction ------------------------------------------------------------------


def months_before(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    import calendar

    index = date.year * 12 + date.month - 1 - months
    year, month = divmod(index, 12)
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)


def max_age_months(inputs: Inputs, item: EvidenceItem) -> int:
    """How old a document may be: the council's setting, or longer when one of its IR items
    allows more (IR27, Safeguarding Adult Reviews: 24 months)."""
    framework = inputs.ws.framework
    known = {i.code: i for i in framework.ir_items}
    ages = [known[code].max_age_months for code in item.ir_items if code in known]
    return max([inputs.ws.settings.report.evidence_max_age_months, *ages])


def stale_evidence(inputs: Inputs) -> Iterator[Finding]:
    library, overview = inputs.library, inputs.overview
    if library is None or overview is None or overview.submission_date is None:
        return
    submitted = overview.submission_date
    for item in library.items:
        if item.date is None:
            continue
        months = max_age_months(inputs, item)
        if item.date < months_before(submitted, months):
            yield warning(
                "stale-evidence",
                library.file,
                f"{_label(item)} is dated {item.date:%d/%m/%Y}, more than {months} months "
                f"before the submission date ({submitted:%d/%m/%Y}). The CQC expects recent "
                "data: use a newer version, or say in Notes why this one still applies.",
                field="Date",
                **_at(item, "date"),
            ).with_data(
                date=item.date.isoformat(),
                submission_date=submitted.isoformat(),
                age_days=(submitted - item.date).days,
                limit_months=months,
            )


def not_redacted(inputs: Inputs) -> Iterator[Finding]:
    library = inputs.library
    if library is None:
        return
    for item in library.items:
        if item.redacted == NO:
            yield error(
                "not-redacted",
                library.file,
                f"{_label(item)} is marked as not redacted. Remove any personal information "
                f"before it goes to the CQC, then choose {YES}.",
                field="Personal data redacted",
                **_at(item, "redacted"),
            )
        elif not item.redacted.strip():
            yield warning(
                "not-redacted",
                library.file,
                f"{_label(item)}: nobody has confirmed that personal data is redacted. Choose "
                f"{YES}, {NO} or {NOT_APPLICABLE}.",
                field="Personal data redacted",
                **_at(item, "redacted"),
            )


# ---- Coverage and cross-checks ------------------------------------------------------------


def uncovered_ir_items(inputs: Inputs) -> Iterator[Finding]:
    """Every IR item of the framework should have at least one document."""
    from pipeline.analysis.coverage import ir_coverage

    library = inputs.library
    if library is None:
        return
    for row in ir_coverage(inputs.ws.framework, library):
        if not row.documents:
            yield warning(
                "ir-item-uncovered",
                library.file,
                f"No document in the evidence library is for {row.item.code} "
                f"({_short(row.item.text)}). Add one, naming {row.item.code} in its IR items.",
                field=row.item.code,
            )


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cited(inputs: Inputs) -> Iterator[tuple[str, Text]]:
    """Every cell of a Stage 2 summary that cites evidence IDs, with what the cell is."""
    for summary in inputs.summaries:
        for entry in (*summary.strengths, *summary.improvements):
            yield entry.label, entry.evidence
        yield "Key documents", summary.key_documents


def unknown_evidence_refs(inputs: Inputs) -> Iterator[Finding]:
    """Evidence IDs cited in Stage 2 summaries that the library does not have."""
    from pipeline.model.inputs import split_ids

    library: EvidenceLibrary | None = inputs.library
    if library is None:
        return  # reading the library reported why; every ID would be unknown
    ids = {key.upper() for key in library.by_id()}
    for label, text in _cited(inputs):
        if text.blank:
            continue
        unknown = [i for i in split_ids(text.value) if i not in ids]
        well_formed = [i for i in unknown if EVIDENCE_ID.match(i)]
        other = [i for i in unknown if not EVIDENCE_ID.match(i)]
        where = {"sheet": text.at.sheet, "cell": text.at.cell, "field": label}
        for ident in dict.fromkeys(well_formed):
            yield error(
                "unknown-evidence-ref",
                text.at.file,
                f"{label} cites {ident}, which is not in the evidence library "
                f"({library.file}). Add it to the register, or correct the ID.",
                **where,
            )
        if other:
            yield error(
                "unknown-evidence-ref",
                text.at.file,
                f"{label}: “{_short(' '.join(other), 40)}” is not an evidence ID from the "
                "library. List IDs only (e.g. EV-003, EV-011), separated by commas.",
                **where,
            )


RULES: list[Rule] = [
    duplicate_ids,
    malformed_ids,
    unknown_ir_items,
    unknown_quality_statements,
    invalid_choices,
    missing_details,
    links,
    stale_evidence,
    not_redacted,
    uncovered_ir_items,
    unknown_evidence_refs,
]
