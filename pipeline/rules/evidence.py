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
from pipeline.model.inputs import EvidenceItem, EvidenceLibrary
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
    ``link-has-credentials`` for an address with a user name or password (``user:secret@``);
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
    if "@" in parts.netloc:
        return (
            "link-has-credentials",
            "has a user name or password in it (before the @), which must never be shared",
        )
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
        elif code == "link-has-credentials":
            yield error(
                code,
                library.file,
                f"{_label(item)}: the link {reason}; the report prints it as plain text, never "
                "as a link. Remove the part before the @ (and change that password if it was "
                "real), or link to a copy the CQC can open without signing in.",
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


def age_windows(inputs: Inputs, item: EvidenceItem) -> dict[str, int]:
    """How old the document may be for each of its IR items, in months: the item's own period
    where the framework gives one (IR21: 3, IR27: 24), else the council's setting. ``{"": 12}``
    for a document with no known IR item."""
    default = inputs.ws.settings.report.evidence_max_age_months
    known = {i.code: i for i in inputs.ws.framework.ir_items}
    windows = {
        code: known[code].max_age_months or default for code in item.ir_items if code in known
    }
    return windows or {"": default}


_LASTING = re.compile(
    r"strateg|polic|plan\b|plans\b|procedure|protocol|pathway|charter|position statement",
    re.IGNORECASE,
)
_DATA = re.compile(
    r"report|data|performance|dashboard|statistic|survey|audit|monitoring|evaluation|return",
    re.IGNORECASE,
)
_YEAR_RANGE = re.compile(r"\b(20\d\d)\s*(?:-|–|—|/|to)\s*(20\d\d|\d\d)\b")


def is_strategy_policy_or_plan(item: EvidenceItem) -> bool:
    """A strategy, policy, procedure or plan, by its document type (by its title when the type
    is blank): current until its review or end date, not judged by its age like data. A type
    that is also a report (``Policy and report``, ``Annual report``) counts as data."""
    kind = item.document_type if item.document_type.strip() else item.title
    return bool(_LASTING.search(kind)) and not _DATA.search(kind)


def title_end_year(title: str) -> int | None:
    """The end year of a period in a title: ``Carers strategy 2023–2027`` -> 2027, ``2026-29``
    -> 2029 (None without one)."""
    found = _YEAR_RANGE.findall(title)
    if not found:
        return None
    start, end = found[-1]
    year = int(end) if len(end) == 4 else int(start[:2] + end)
    return year if year >= int(start) else None


def _why_current_hint() -> str:
    return "say in ‘Why still current’ why this one still applies (or the period it covers)"


def stale_evidence(inputs: Inputs) -> Iterator[Finding]:
    """Documents too old for what the CQC asks (SPEC §8, amended by issue 10).

    A reason in ‘Why still current’ clears it. A strategy, policy or plan counts as current until
    its ‘Review or end date’ (or the end year of a period in its title, 2023–2027); without
    either, it is judged by its date like data. Data and reports are judged by their date
    against the window of each of their IR items (the council's setting unless the framework
    gives the item its own, such as IR21's three months)."""
    library, overview = inputs.library, inputs.overview
    if library is None or overview is None or overview.submission_date is None:
        return
    submitted = overview.submission_date
    for item in library.items:
        if item.still_current.strip():
            continue
        lasting = is_strategy_policy_or_plan(item)
        if lasting and item.review_date is not None:
            if item.review_date >= submitted:
                continue
            yield warning(
                "stale-evidence",
                library.file,
                f"{_label(item)} was due for review (or ended) on {item.review_date:%d/%m/%Y}, "
                f"before the submission date ({submitted:%d/%m/%Y}). Link the current version "
                f"and its new review date, or {_why_current_hint()}.",
                field="Review or end date",
                **_at(item, "review_date"),
            ).with_data(
                review_date=item.review_date.isoformat(),
                submission_date=submitted.isoformat(),
            )
            continue
        if lasting and (end := title_end_year(item.title)) is not None and end >= submitted.year:
            continue
        if item.date is None:
            continue
        windows = age_windows(inputs, item)
        too_old = {
            code: months
            for code, months in windows.items()
            if item.date < months_before(submitted, months)
        }
        if not too_old:
            continue
        months = max(too_old.values())
        default = inputs.ws.settings.report.evidence_max_age_months
        specific = sorted(code for code, m in too_old.items() if code and m != default)
        allows = f", the most {' and '.join(specific)} allows" if specific else ""
        fix = (
            "if it is still in force give its ‘Review or end date’, or "
            if lasting
            else "use a newer version, or "
        )
        yield warning(
            "stale-evidence",
            library.file,
            f"{_label(item)} is dated {item.date:%d/%m/%Y}, more than {months} months "
            f"before the submission date ({submitted:%d/%m/%Y}){allows}. The CQC expects "
            f"recent data: {fix}{_why_current_hint()}.",
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


def _shown(parts: list[str]) -> str:
    return "”, “".join(_short(p, 60) for p in parts)


def unknown_evidence_refs(inputs: Inputs) -> Iterator[Finding]:
    """Evidence IDs cited in Stage 2 summaries that the library does not have, and text in an
    evidence ID cell that is not an ID. Each is shown as typed."""
    from pipeline.model.inputs import split_ids
    from pipeline.model.key_documents import looks_like_id
    from pipeline.read.key_documents import resolve_key_documents

    library: EvidenceLibrary | None = inputs.library
    if library is None:
        return  # reading the library reported why; every ID would be unknown
    ids = {key.upper() for key in library.by_id()}
    for summary in inputs.summaries:
        for entry in (*summary.strengths, *summary.improvements):
            text = entry.evidence
            if text.blank:
                continue
            where = {"sheet": text.at.sheet, "cell": text.at.cell, "field": entry.label}
            tokens = split_ids(text.value)
            unknown = [t for t in tokens if t.upper() not in ids and looks_like_id(t)]
            for ident in dict.fromkeys(unknown):
                yield _unknown_id(entry.label, ident, library, text.at.file, where)
            other = _not_ids(text.value, ids)
            if other:
                yield error(
                    "unknown-evidence-ref",
                    text.at.file,
                    f"{entry.label}: “{_shown(other)}” is not an evidence ID from the library. "
                    "List IDs only (e.g. EV-003, EV-011); name documents under key documents.",
                    **where,
                )
        text = summary.key_documents
        if text.blank:
            continue
        where = {"sheet": text.at.sheet, "cell": text.at.cell, "field": KEY_DOCUMENTS}
        seen: set[str] = set()
        for ref in resolve_key_documents(text.value, library):
            ident = ref.document.id
            if ident and ref.item is None and ident.upper() not in seen:
                seen.add(ident.upper())
                yield _unknown_id(KEY_DOCUMENTS, ident, library, text.at.file, where)


KEY_DOCUMENTS = "Key documents"


def _unknown_id(
    label: str, ident: str, library: EvidenceLibrary, file: str, where: dict[str, str | None]
) -> Finding:
    return error(
        "unknown-evidence-ref",
        file,
        f"{label} cites {ident}, which is not in the evidence library ({library.file}). Add it "
        "to the register, or correct the ID.",
        **where,
    )


def _not_ids(text: str, ids: set[str]) -> list[str]:
    """The parts of an evidence ID cell that are not IDs, as typed: each piece between commas,
    semicolons or line breaks, without its IDs and "and"s."""
    from pipeline.model.key_documents import looks_like_id

    out = []
    for piece in re.split(r"[,;\n\r]+", text):
        words = [
            w
            for w in piece.split()
            if w.casefold() not in ("and", "&", "+")
            and w.upper() not in ids
            and not looks_like_id(w)
        ]
        if words:
            out.append(" ".join(words))
    return out


def library_candidates(inputs: Inputs) -> Iterator[Finding]:
    """Key documents given by title or link that the register does not have yet: for the IR
    team to add (the validation report lists them ready to paste into the register). Once a
    register row has that title or link, they are found and this goes away."""
    from pipeline.read.key_documents import resolve_key_documents

    library = inputs.library
    if library is None:
        return
    framework = inputs.ws.framework
    for summary in inputs.summaries:
        text = summary.key_documents
        if text.blank:
            continue
        try:
            qs_name = framework.quality_statement(summary.quality_statement).name
        except KeyError:
            qs_name = summary.quality_statement
        for ref in resolve_key_documents(text.value, library):
            if not ref.candidate:
                continue
            doc = ref.document
            problem = link_problem(doc.link) if doc.link else None
            if problem is not None and problem[0] == "link-has-credentials":
                yield error(
                    problem[0],
                    text.at.file,
                    f"{KEY_DOCUMENTS}: a link {problem[1]}; the report prints it as plain text, "
                    "never as a link. Remove the part before the @ (and change that password if "
                    "it was real), or give the document's evidence ID.",
                    sheet=text.at.sheet,
                    cell=text.at.cell,
                    field=KEY_DOCUMENTS,
                )
                continue  # never a candidate row with the password in it, ready to paste
            yield warning(
                "library-candidate",
                text.at.file,
                f"{KEY_DOCUMENTS}: “{_short(doc.typed, 160)}” is not in the evidence library yet. "
                "Ask the information return team to add it (the ‘Library candidates’ sheet of "
                f"outputs/validation-report.xlsx has it ready to paste into {library.file}); "
                "once a register row has this title or link, it is found.",
                sheet=text.at.sheet,
                cell=text.at.cell,
                field=KEY_DOCUMENTS,
            ).with_data(
                typed=doc.typed,
                title=doc.title,
                link=doc.link,
                quality_statement=summary.quality_statement,
                quality_statement_name=qs_name,
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
    library_candidates,
]
