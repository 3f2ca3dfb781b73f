"""Overview rules (SPEC §9): council details, Section A's length, Section C's sign-off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, error, warning
from pipeline.model.words import count_words

if TYPE_CHECKING:
    from pipeline.model.inputs import Inputs, Rule, Text

LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")


def _where(text: Text, field: str) -> dict[str, str | None]:
    return {"sheet": text.at.sheet, "cell": text.at.cell, "field": field}


def council_details(inputs: Inputs) -> Iterator[Finding]:
    """The cover needs the council's name; the evidence checks need the submission date."""
    overview = inputs.overview
    if overview is None:
        return
    if overview.council.blank:
        yield error(
            "missing-field",
            overview.file,
            "The council's name is empty: it goes on the cover of the self-assessment.",
            **_where(overview.council, "Council name"),
        )
    if overview.submission_date is None and not _typed(overview, "typed_submission_date"):
        at = overview.submission_date_at
        yield warning(
            "missing-field",
            overview.file,
            "No submission date: the report has no date, and the evidence library's dates "
            "cannot be checked against the CQC's 12 months. Type it, e.g. 01/03/2026.",
            sheet=at.sheet if at else None,
            cell=at.cell if at else None,
            field="Submission date",
        )


def _typed(value: object, attribute: str) -> bool:
    """Whether a date was typed but could not be read: that is an ``invalid-date`` finding
    already (from reading), not a missing one. (Only the read-back's models carry it.)"""
    return bool(str(getattr(value, attribute, "")).strip())


def empty_sections(inputs: Inputs) -> Iterator[Finding]:
    """Section A's four parts and Section C's process narrative."""
    overview = inputs.overview
    if overview is None:
        return
    parts = [*overview.section_a, ("Our self-assessment process", overview.process)]
    for label, text in parts:
        if text.blank:
            yield warning(
                "missing-field",
                overview.file,
                f"“{label}” is empty: the report will have a heading with nothing under it.",
                **_where(text, label),
            )


def section_a_length(inputs: Inputs) -> Iterator[Finding]:
    """About four pages: a warning above the council's word setting (2,000 by default)."""
    overview = inputs.overview
    if overview is None:
        return
    limit = inputs.ws.settings.report.section_a_word_warning
    counts = [(label, count_words(text.value)) for label, text in overview.section_a]
    total = sum(n for _label, n in counts)
    if total <= limit:
        return
    parts = "; ".join(f"{label} {n:,}" for label, n in counts)
    first = overview.section_a[0][1]
    yield warning(
        "section-a-length",
        overview.file,
        f"Section A has {total:,} words, more than about four pages ({limit:,} words): {parts}. "
        "Shorten it, or move detail into the evidence library.",
        sheet=first.at.sheet,
        cell=None,
        field="Section A",
    ).with_data(words=total, limit=limit)


def sign_off(inputs: Inputs) -> Iterator[Finding]:
    """Each role in the sign-off table needs the name of who signed off, and when."""
    overview = inputs.overview
    if overview is None or not overview.sign_off:
        return
    if all(e.name.blank and e.date is None and e.endorsement.blank for e in overview.sign_off):
        first = overview.sign_off[0].name.at
        yield warning(
            "sign-off-incomplete",
            overview.file,
            f"Nobody has signed off yet: the sign-off table's {len(overview.sign_off)} roles have "
            "no names or dates. Fill them in as people endorse the self-assessment.",
            sheet=first.sheet,
            cell=first.cell,
            field="Sign off",
        )
        return
    for entry in overview.sign_off:
        missing = []
        if entry.name.blank:
            missing.append("name")
        if entry.date is None and not _typed(entry, "typed_date"):
            missing.append("date")
        if not missing:
            continue
        role = entry.role or "A sign-off row"
        at = entry.name.at if entry.name.blank or entry.date_at is None else entry.date_at
        yield warning(
            "sign-off-incomplete",
            overview.file,
            f"{role}: no {' or '.join(missing)} of sign off yet. Fill it in once they have "
            "endorsed the self-assessment, or delete the row if they will not.",
            sheet=at.sheet,
            cell=at.cell,
            field=f"Sign off ({entry.role})" if entry.role else "Sign off",
        )


def logo(inputs: Inputs) -> Iterator[Finding]:
    """The logo is optional; when named it must be a picture inside ``inputs/``."""
    overview = inputs.overview
    if overview is None or overview.logo.blank:
        return
    name = overview.logo.value.strip()
    problem = logo_problem(inputs.ws.inputs, name)
    if problem:
        yield warning(
            "invalid-logo",
            overview.file,
            f"Logo file “{name}”: {problem} The report is built without a logo.",
            **_where(overview.logo, "Logo file"),
        )


def logo_problem(inputs_dir: Path, name: str) -> str | None:
    """Why the logo named ``name`` (relative to ``inputs/``) cannot be used, or None."""
    windows = PureWindowsPath(name)
    posix = PurePosixPath(name.replace("\\", "/"))
    if windows.drive or posix.is_absolute() or ".." in posix.parts:
        return "give a file name inside the inputs/ folder (e.g. logo.png), not a path."
    if posix.suffix.lower() not in LOGO_SUFFIXES:
        return "it must be a PNG or JPEG picture (.png, .jpg)."
    path = inputs_dir.joinpath(*posix.parts)
    if not path.is_file():
        return "there is no such file in the inputs/ folder; save the picture there."
    return None


RULES: list[Rule] = [council_details, empty_sections, section_a_length, sign_off, logo]
