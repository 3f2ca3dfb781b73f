"""Every finding code the pipeline can emit, in one registry (after frictionless-py's errors).

Each code has a default severity (and, for the few emitted at either, the other one and when),
a short title (when it is reported) and what to do about it, in plain words for a council
officer. ``pipeline.model.findings`` refuses a code that is not here, or a severity the code
does not allow: that is a programming error, caught by the tests.

The README's table of codes is generated from this registry::

    python -m pipeline.model.codes --write-readme    # rewrite the table in README.md
    python -m pipeline.model.codes --markdown        # print the table

This module imports nothing else from ``pipeline`` (``findings`` imports it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["error", "warning"]


START = "<!-- codes:start -->"


END = "<!-- codes:end -->"


REGENERATE = "python -m pipeline.model.codes --write-readme"


@dataclass(frozen=True, slots=True, kw_only=True)
class Code:
    """One finding code: what it means and what to do about it.

    A plain dataclass (no pydantic): the registry is our own table, loaded by every command
    that makes a finding, ``collect`` included, which must not import pydantic (issue 13)."""

    code: str
    severity: Level
    """The severity it is usually reported at."""
    title: str
    """When it is reported, in a few words."""
    fix: str
    """What to do about it."""
    in_spec: bool = True
    """Listed in SPEC §8 (the README marks the others with +)."""
    severities: dict[Level, str] | None = None
    """For a code reported at either severity: each allowed severity and when it applies."""

    def __post_init__(self) -> None:
        """A typo in the table is caught on import: a default severity the code does not allow."""
        for level in (self.severity, *(self.severities or ())):
            if level not in ("error", "warning"):
                raise ValueError(f"{self.code}: severity {level!r} is not error or warning")
        if self.severities is not None and self.severity not in self.severities:
            raise ValueError(f"{self.code}: default {self.severity} is not in its severities")

    def allows(self, severity: str) -> bool:
        """Whether a finding with this code may have ``severity``."""
        if self.severities is None:
            return severity == self.severity
        return severity in self.severities

    @property
    def level(self) -> str:
        """The README's level column: ``error``, or ``error (No) / warning (blank)``."""
        if self.severities is None:
            return self.severity
        return " / ".join(
            f"{level} ({when})" if when else level for level, when in self.severities.items()
        )


CODES: tuple[Code, ...] = (
    # ---- Stage 2 summaries
    Code(
        code="word-limit",
        severity="error",
        title="a quality statement's Section B, as the report prints it (heading, we "
        "statement, subheadings, typed text, evidence lines), exceeds 750 words",
        fix="Shorten the summary by the number of words the message gives.",
    ),
    Code(
        code="word-total-stale",
        severity="warning",
        title="a Stage 2 workbook's word total was made for an earlier report template",
        fix="Trust validate's count (the message gives it); regenerate blank workbooks.",
        in_spec=False,
    ),
    Code(
        code="too-many-strengths",
        severity="error",
        title="more than three strengths, including rows a person added",
        fix="Merge or remove strengths until there are three at most.",
    ),
    Code(
        code="too-many-improvements",
        severity="error",
        title="more than three areas for improvement, including rows a person added",
        fix="Merge or remove areas for improvement until there are three at most.",
    ),
    Code(
        code="missing-field",
        severity="warning",
        title="a field is empty: the ambition, a first strength or improvement, a document's "
        "ID or the council's name (error); others (warning)",
        fix="Fill in the cell the message names (or put back its label if the row was deleted).",
        severities={"error": "required", "warning": "expected"},
    ),
    Code(
        code="unverified",
        severity="error",
        title="no senior manager name or date",
        fix="Ask the senior manager responsible to check the summary, then give their name, "
        "post and the date.",
    ),
    Code(
        code="summary-missing",
        severity="warning",
        title="no Stage 2 summary received for a quality statement",
        fix="Send the summary workbook to the lead officer and put the completed one in "
        "inputs/stage2/.",
        in_spec=False,
    ),
    Code(
        code="duplicate-summary",
        severity="error",
        title="two different summaries for one quality statement",
        fix="Keep the up-to-date one in inputs/stage2/ and move the other out.",
        in_spec=False,
    ),
    Code(
        code="comment-not-read",
        severity="warning",
        title="a cell comment (note) where the tool does not read comments",
        fix="Type what it says into the cell it is about (on a checklist, comments on a "
        "statement's row are read as its evidence), then delete the comment.",
        in_spec=False,
    ),
    Code(
        code="shape-text-not-read",
        severity="warning",
        title="text in a text box or shape on a sheet, which the tool does not read",
        fix="Type the text into the right cell, then delete the text box or shape.",
        in_spec=False,
    ),
    Code(
        code="formula-in-input",
        severity="error",
        title="a formula (e.g. `=cmd|…`, `=A1+1`) in a cell meant for a typed answer",
        fix="Type the answer itself, with no = at the start; the cell is read as empty until then.",
        in_spec=False,
    ),
    Code(
        code="formula-overwritten",
        severity="warning",
        title="text typed over a word-count cell",
        fix="Copy a word-count cell from another row into it; the tool counts the words itself.",
        in_spec=False,
    ),
    Code(
        code="guidance-changed",
        severity="warning",
        title="the guidance sheet of a summary was edited",
        fix="Put your text on the ‘Summary’ sheet: nothing typed on the guidance is read.",
        in_spec=False,
    ),
    Code(
        code="invalid-date",
        severity="error",
        title="a date cell that is not a date",
        fix="Type the date as dd/mm/yyyy, e.g. 01/03/2026.",
        in_spec=False,
    ),
    # ---- Evidence library
    Code(
        code="unknown-evidence-ref",
        severity="error",
        title="an evidence ID not in the library, or text in an evidence ID cell that is not an "
        "ID (shown as typed)",
        fix="Add the document to the evidence library, or correct the ID; a strength's or area "
        "for improvement's evidence cell takes IDs only (titles and links go under key "
        "documents).",
    ),
    Code(
        code="library-candidate",
        severity="warning",
        title="a key document given by title or link that the evidence library does not have yet",
        fix="Add it to the register (the ‘Library candidates’ sheet of validation-report.xlsx "
        "has the rows ready to paste); once a row has that title or link, it is found.",
        in_spec=False,
    ),
    Code(
        code="invalid-evidence-id",
        severity="error",
        title="an ID in the register with a space, comma or semicolon (it cannot be cited)",
        fix="Give the document an ID without spaces, commas or semicolons, such as EV-001.",
        in_spec=False,
    ),
    Code(
        code="duplicate-evidence-id",
        severity="error",
        title="the same ID twice in the library",
        fix="Give each document its own ID, and check which one the summaries mean.",
    ),
    Code(
        code="unknown-ir-item",
        severity="error",
        title="an IR code not in the framework",
        fix="Use codes from the 'IR items' sheet, separated by commas (add IR1, IR31 or IR32 in "
        "inputs/framework.yaml).",
    ),
    Code(
        code="unknown-quality-statement",
        severity="error",
        title="a quality statement code not in the framework",
        fix="Use QS1 to QS9, their names, or All, or leave the cell blank to follow the IR items.",
        in_spec=False,
    ),
    Code(
        code="invalid-choice",
        severity="error",
        title="a Yes/No (or other list) cell with something else",
        fix="Choose a value from the cell's list.",
        in_spec=False,
    ),
    Code(
        code="invalid-link",
        severity="error",
        title="a link that is not a well-formed http(s) URL",
        fix="Copy the full address from the browser, e.g. https://www.example.gov.uk/page.",
    ),
    Code(
        code="link-has-credentials",
        severity="error",
        title="a link with a user name or password in it (`https://user:secret@…`)",
        fix="Remove the part before the @ (and change that password if it was real); the report "
        "prints such a link as plain text, never as a live link.",
        in_spec=False,
    ),
    Code(
        code="link-not-shareable",
        severity="warning",
        title="`file:`, UNC, drive letters, localhost, intranet names",
        fix="Link to the published copy, or share it (e.g. a SharePoint link for external people).",
    ),
    Code(
        code="stale-evidence",
        severity="warning",
        title="data older than 12 months before the submission date, or than its IR item allows "
        "(IR21: 3, IR27: 24); a strategy, policy or plan past its review or end date",
        fix="Use a newer version, give a strategy's review or end date, or say in ‘Why still "
        "current’ why this one still applies (or the period it covers).",
    ),
    Code(
        code="not-redacted",
        severity="error",
        title="personal data not confirmed redacted",
        fix="Remove any personal information before it goes to the CQC, then choose Yes (or Not "
        "applicable).",
        severities={"error": "No", "warning": "blank"},
    ),
    Code(
        code="ir-item-uncovered",
        severity="warning",
        title="an IR item with no document",
        fix="Add a document to the evidence library naming the IR item in its IR items.",
    ),
    # ---- Overview
    Code(
        code="section-a-length",
        severity="warning",
        title="Section A above 2,000 words (about four pages)",
        fix="Shorten it, or move detail into the evidence library.",
        in_spec=False,
    ),
    Code(
        code="sign-off-incomplete",
        severity="warning",
        title="a sign-off role without a name or date",
        fix="Fill in the name and date once they have endorsed the self-assessment, or delete "
        "the row if they will not.",
        in_spec=False,
    ),
    Code(
        code="invalid-logo",
        severity="warning",
        title="the logo file is missing or not an image; the report is built without it",
        fix="Put a picture (PNG, JPEG, GIF or BMP) inside inputs/ and give its name, or clear "
        "the cell.",
        in_spec=False,
    ),
    Code(
        code="missing-file",
        severity="error",
        title="`overview.xlsx` or `evidence-library.xlsx` is missing",
        fix="Put the file back in inputs/ (a blank one is made by `selfassess init` in a new "
        "folder).",
        in_spec=False,
    ),
    # ---- Any input
    Code(
        code="personal-data",
        severity="warning",
        title="NHS number (valid check digit), email, UK phone or NI number in text typed in a "
        "summary or the overview, a register title or note, or a Stage 1 comment (`collect` "
        "reports these too); masked in the message and in findings.xlsx; emails and phones in a "
        "register row for IR38 (contact details) are not reported",
        fix="Remove it, or replace it with a role or a team mailbox; ignore the warning if it is "
        "not personal data (a public helpline, say).",
    ),
    Code(
        code="template-mismatch",
        severity="error",
        title="a workbook from another template, framework version or quality statement",
        fix="Put the workbook where it belongs, or copy the answers into a fresh workbook from "
        "outputs/.",
    ),
    Code(
        code="unreadable-file",
        severity="error",
        title="not a workbook, corrupt, password-protected, too large or suspicious",
        fix="Open it in Excel, remove any password, save it as .xlsx and send it again.",
    ),
    Code(
        code="ignored-content",
        severity="error",
        title="text typed outside any field: it would be lost",
        fix="Move the text into the field it belongs to (or delete it).",
    ),
    # ---- Stage 1 returns
    Code(
        code="duplicate-return",
        severity="warning",
        title="the same returned workbook twice (counted once)",
        fix="Delete one of the copies.",
    ),
    Code(
        code="empty-return",
        severity="warning",
        title="a returned checklist with nothing typed (not counted)",
        fix="Fill in the checklist and send it again, or delete it.",
        in_spec=False,
    ),
    Code(
        code="group-unknown",
        severity="warning",
        title="a respondent group not on the list (counted as Other)",
        fix="Choose the group from the list.",
        in_spec=False,
    ),
    Code(
        code="rating-invalid",
        severity="error",
        title="a rating that is not on the scale",
        fix="Choose a rating from the list, or leave it blank.",
    ),
    Code(
        code="statement-missing",
        severity="warning",
        title="a checklist statement is not in a returned checklist (its row was deleted, or "
        "its text changed beyond recognition): it is not rated in that return",
        fix="Ask the respondent for that statement's rating, or accept it as not rated.",
        in_spec=False,
    ),
    Code(
        code="statement-edited",
        severity="warning",
        title="a checklist statement's text was changed, but it is still clearly the same "
        "statement: its rating is counted against it",
        fix="Check the rating was meant for the statement the message names.",
        in_spec=False,
    ),
    Code(
        code="statement-unmatched",
        severity="error",
        title="a row of a returned checklist whose statement matches none of the checklist's "
        "statements: its rating and evidence are not counted",
        fix="Put the statement's own text back (or copy the answers into a fresh checklist), "
        "then collect again.",
        in_spec=False,
    ),
    Code(
        code="survey-column-unmatched",
        severity="warning",
        title="a column of a survey export in inputs/surveys/ matches no checklist statement, "
        "group or comment (`?` in inputs/survey-mapping.yaml): it is not counted",
        fix="In inputs/survey-mapping.yaml, set the column's read_as to the statement it rates "
        "(QS1.3), its comment (QS1.3 comment), group, or ignore; then collect again.",
        in_spec=False,
    ),
    Code(
        code="survey-mapping-invalid",
        severity="error",
        title="inputs/survey-mapping.yaml cannot be read, or names a statement, group or "
        "column that does not exist: the survey (or that column) is not counted",
        fix="Correct the entry the message names (or delete the file and run `selfassess import "
        "survey` again to have it written afresh).",
        in_spec=False,
    ),
    Code(
        code="survey-not-mapped",
        severity="warning",
        title="a survey export in inputs/surveys/ (or some of its columns) has no entry in "
        "inputs/survey-mapping.yaml: it is read with the tool's guesses, which nobody has checked",
        fix="Run `selfassess import survey` on the file, check the mapping it writes, then "
        "collect again.",
        in_spec=False,
    ),
    Code(
        code="workshop-participants-invalid",
        severity="warning",
        title="a checklist marked as a workshop or group return without a whole number of "
        "participants: it counts as one voice",
        fix="Type the number of participants (e.g. 12) on the ‘About you’ sheet.",
        in_spec=False,
    ),
    Code(
        code="invalid-characters",
        severity="warning",
        title="characters a workbook cannot hold (removed when written)",
        fix="Nothing is needed: only those characters are left out.",
        in_spec=False,
    ),
    Code(
        code="picture-unusable",
        severity="warning",
        title="a picture in a Stage 2 summary cannot go into the report (not PNG, JPEG or GIF, "
        "too large, damaged, or linked rather than pasted); the report is built without it",
        fix="Paste the picture again as PNG or JPEG, smaller than the limit the message gives "
        "(Insert › Picture, not a link).",
        in_spec=False,
    ),
    Code(
        code="picture-not-placed",
        severity="warning",
        title="a picture in a Stage 2 summary outside the ‘What others say’ area is not read",
        fix="Move the picture onto the ‘What others say’ rows of the ‘Summary’ sheet if it "
        "belongs in the report, or delete it.",
        in_spec=False,
    ),
    Code(
        code="picture-no-description",
        severity="warning",
        title="a picture in a Stage 2 summary has no description (alternative text) for people "
        "who cannot see it; the report uses a general one",
        fix="Right-click the picture, choose Edit Alt Text (Excel) or Description (LibreOffice) "
        "and describe what it shows.",
        in_spec=False,
    ),  # ---- The thread: Stage 1 to Stage 2 to actions
    Code(
        code="stage1-not-answered",
        severity="warning",
        title="a Stage 1 statement flagged as an emerging area for improvement that no strength "
        "or area for improvement of the Stage 2 summary cites (column E)",
        fix="Put the statement's number in column E beside the strength or area for improvement "
        "that answers it; if none does, consider whether one should.",
        in_spec=False,
    ),
    Code(
        code="stage1-citation-unknown",
        severity="warning",
        title="a Stage 1 statement number in column E of a summary that the quality "
        "statement's checklist does not have",
        fix="Use the numbers in the ‘No.’ column of the Guidance sheet's Stage 1 tables, "
        "separated by commas (e.g. 3, 7).",
        in_spec=False,
    ),
    # ---- The improvement plan
    Code(
        code="plan-no-action",
        severity="warning",
        title="an area for improvement or priority in the improvement plan with no action",
        fix="Say what will be done in the Action column (or add a row with the same Ref).",
        in_spec=False,
    ),
    Code(
        code="plan-action-incomplete",
        severity="warning",
        title="an action in the improvement plan without an owner or a due date",
        fix="Give the post that owns the action and the date it is due (dd/mm/yyyy).",
        in_spec=False,
    ),
    Code(
        code="plan-overdue",
        severity="warning",
        title="an action in the improvement plan past its due date and not Done (the message "
        "gives the days)",
        fix="Update its status and latest update, or agree a new due date.",
        in_spec=False,
    ),
    Code(
        code="plan-done-no-measure",
        severity="warning",
        title="an action marked Done in the improvement plan with no measure of success",
        fix="Say how we know it worked in ‘Measure of success’.",
        in_spec=False,
    ),
    # ---- Case-file audits (inputs/audits/)
    Code(
        code="audit-case-reference-name",
        severity="warning",
        title="a case-file audit whose case reference has no digits: it looks like a person's "
        "name rather than a case number",
        fix="Replace it with the case number from the case-recording system; names must not be "
        "in the audits.",
        in_spec=False,
    ),
    Code(
        code="audit-missing-detail",
        severity="warning",
        title="a case-file audit without its case reference, team or audit date (the summary "
        "counts it under 'Team not given', and the date is left out of the summary's date)",
        fix="Fill in the case reference, team and audit date at the top of the audit.",
        in_spec=False,
    ),
    Code(
        code="audit-empty",
        severity="warning",
        title="a case-file audit with no criterion answered: it is not counted",
        fix="Choose Met, Partly met, Not met or Not applicable for each criterion, or remove the "
        "file from inputs/audits/.",
        in_spec=False,
    ),
)


REGISTRY: dict[str, Code] = {c.code: c for c in CODES}


if len(REGISTRY) != len(CODES):  # pragma: no cover - a typo in the table above
    raise RuntimeError("a finding code is registered twice")


class UnknownCodeError(LookupError):
    """A finding made with a code that is not registered, or at a severity it does not allow.

    Not a ``ValueError``, so that no ``except ValueError`` around reading a cell can swallow
    it."""


def lookup(code: str) -> Code:
    """The registered ``code``; raises ``UnknownCodeError`` when there is none."""
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownCodeError(
            f"finding code {code!r} is not registered in pipeline/model/codes.py"
        ) from None


def check(code: str, severity: str) -> Code:
    """The registered ``code``, when it may be reported at ``severity``; raises otherwise."""
    entry = lookup(code)
    if not entry.allows(severity):
        raise UnknownCodeError(
            f"finding code {code!r} is not reported as {severity} (allowed: {entry.level})"
        )
    return entry


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    """The README's table of codes: code, level, when, what to do."""
    lines = ["| code | level | when | what to do |", "|---|---|---|---|"]
    for c in CODES:
        mark = "" if c.in_spec else " +"
        lines.append(f"| `{c.code}`{mark} | {c.level} | {_cell(c.title)} | {_cell(c.fix)} |")
    return "\n".join(lines) + "\n"


def readme_with_table(readme: str) -> str:
    """``readme`` with the text between the codes markers replaced by ``markdown_table()``."""
    head, start, rest = readme.partition(START)
    _old, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README has no {START} … {END} markers")
    return f"{head}{START}\n{markdown_table()}{END}{tail}"


def main(argv: list[str]) -> int:
    if argv == ["--markdown"]:
        sys.stdout.write(markdown_table())
        return 0
    if argv and argv[0] == "--write-readme" and len(argv) <= 2:
        path = Path(argv[1] if len(argv) == 2 else "README.md")
        text = path.read_text("utf-8")
        new = readme_with_table(text)
        if new != text:
            path.write_text(new, "utf-8")
            print(f"updated the codes table in {path}")
        return 0
    usage = "usage: python -m pipeline.model.codes --markdown | --write-readme [README.md]"
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
