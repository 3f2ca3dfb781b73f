"""Which selfassess workbook this is: the identity every generated workbook carries (custom
properties and a hidden sheet), the registry of template kinds, and why a workbook is not the
kind a reader expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.xlsx.cells import MISMATCH, ReadWorkbook, WorkbookRejected

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pipeline.framework import Framework


IDENTITY_SHEET = "_selfassess"


IDENTITY_PREFIX = "selfassess."


@dataclass(frozen=True)
class TemplateKind:
    """A kind of workbook selfassess makes, as its identity names it, and where it belongs."""

    kind: str
    version: str
    name: str  # what a reader expecting it calls it: "a Stage 1 checklist"
    found_as: str  # what a reader of another kind calls it: "a Stage 2 summary workbook"
    belongs: str  # where to put it instead: "put it in inputs/stage2/"
    layout: str = ""  # "checklist": in "checklist layout 1"
    only_here: str = ""  # what the reader's folder is for


CHECKLIST = TemplateKind(
    "stage1-checklist",
    "1",
    "a Stage 1 checklist",
    "a Stage 1 checklist",
    "put it in inputs/stage1/",
    "checklist",
    "only returned checklists belong in inputs/stage1/",
)


SUMMARY = TemplateKind(
    "stage2-summary",
    "1",
    "a Stage 2 summary",
    "a Stage 2 summary workbook",
    "put it in inputs/stage2/",
    "summary",
    "only completed summaries belong in inputs/stage2/",
)


LIBRARY = TemplateKind(
    "evidence-library",
    "1",
    "the evidence library",
    "the evidence library",
    "it belongs at inputs/evidence-library.xlsx",
)


OVERVIEW = TemplateKind(
    "overview",
    "1",
    "the overview workbook",
    "the overview workbook",
    "it belongs at inputs/overview.xlsx",
)


PLAN = TemplateKind(
    "improvement-plan",
    "1",
    "the improvement plan",
    "the improvement plan",
    "it belongs at inputs/improvement-plan.xlsx",
)


AUDIT = TemplateKind(
    "case-file-audit",
    "1",
    "a case-file audit",
    "a case-file audit",
    "put it in inputs/audits/",
    "audit",
    "only returned case-file audits belong in inputs/audits/",
)


TEMPLATE_KINDS = {k.kind: k for k in (CHECKLIST, SUMMARY, LIBRARY, OVERVIEW, PLAN, AUDIT)}


def identity_problem(
    identity: dict[str, str], expected: TemplateKind, framework: Framework, fresh: str, copy: str
) -> str | None:
    """Why a workbook with this identity is not a current ``expected`` one for ``framework``
    (another kind, framework, layout or quality statement), or None. ``copy`` ends the
    messages about an outdated workbook, ``fresh`` the one about an unknown quality statement."""
    kind = identity.get("template", "")
    if kind != expected.kind:
        other = TEMPLATE_KINDS.get(kind)
        if other is not None:
            return f"is {other.found_as}, not {expected.name}; {other.belongs}"
        return (
            f"is a selfassess workbook of another kind ('{kind or 'unknown'}'), not "
            f"{expected.name}; {expected.only_here}"
        )
    version_tag = framework.version_tag
    made_for = identity.get("framework", "")
    if made_for != version_tag:
        return (
            f"was made for framework {made_for or '(unknown)'}, but this workspace uses "
            f"{version_tag}; {copy}"
        )
    if identity.get("template_version", "") != expected.version:
        return (
            f"was made by another version of selfassess ({expected.layout} layout "
            f"{identity.get('template_version') or 'unknown'}; this one reads layout "
            f"{expected.version}); {copy}"
        )
    code = identity.get("quality_statement", "")
    try:
        framework.quality_statement(code)
    except KeyError:
        return f"is for quality statement '{code}', which this framework does not have; {fresh}"
    return None


def set_identity(wb: Workbook, identity: dict[str, str]) -> None:
    """Store the template identity twice: custom document properties and a hidden sheet."""
    from openpyxl.packaging.custom import StringProperty

    for key, value in identity.items():
        wb.custom_doc_props.append(StringProperty(name=IDENTITY_PREFIX + key, value=value))
    ws = wb.create_sheet(IDENTITY_SHEET)
    ws.append(["key", "value"])
    for key, value in identity.items():
        ws.append([key, value])
    ws.sheet_state = "hidden"  # LibreOffice keeps "hidden"; it may not keep "veryHidden"
    ws.protection.sheet = True


_NOT_OURS = (
    "is not a workbook made by selfassess (no template identity). Use the workbooks from "
    "outputs/ and fill them in, rather than copying their contents into a new file"
)


def identity_places(wb: ReadWorkbook) -> dict[str, dict[str, str]]:
    """The identity found in each place that holds one: document properties, hidden sheet."""
    places: dict[str, dict[str, str]] = {}
    props = {
        key[len(IDENTITY_PREFIX) :]: value
        for key, value in wb.custom_properties.items()
        if key.startswith(IDENTITY_PREFIX)
    }
    if props:
        places["document properties"] = props
    sheet = wb.sheets.get(IDENTITY_SHEET)
    if sheet is not None:
        from_sheet: dict[str, str] = {}
        for row, _cells in sheet.rows():
            key = sheet.text(f"A{row}").strip()
            if key and not (row == 1 and key == "key"):
                from_sheet[key] = sheet.text(f"B{row}")
        if from_sheet:
            places["hidden sheet"] = from_sheet
    return places


def read_identity(wb: ReadWorkbook) -> dict[str, str]:
    """The template identity, from both places when both survive (and then they must agree)."""
    places = identity_places(wb)
    if not places:
        raise WorkbookRejected(MISMATCH, _NOT_OURS)
    # One place alone is accepted: a re-save by another program may drop the custom properties,
    # or someone may delete the hidden sheet; identity_places() tells the caller which survived.
    first, *others = places.values()
    for other in others:
        if other != first:
            differ = sorted(k for k in first.keys() | other.keys() if first.get(k) != other.get(k))
            raise WorkbookRejected(
                MISMATCH,
                "has template identity in the hidden sheet and the document properties that "
                f"disagree (on {', '.join(differ)}): it may have been edited by hand or copied "
                "from another workbook; use a fresh workbook from outputs/",
            )
    return dict(first)
