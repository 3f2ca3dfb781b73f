"""Survey exports imported (`selfassess import survey`) and counted by collect like returns.

Two export layouts of 200 respondents each, written here as the survey tools write them: a
SmartSurvey-style CSV saved by Excel as "CSV UTF-8" in a locale that separates with `;` (a BOM,
"Q3." prefixes, a statement's comment column), and a SurveyMonkey-style .xlsx (two header rows:
the matrix question over its columns, each statement under it; ratings as numbers). collect's
counts must equal a tally the test makes from the rows it wrote.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.app import collect, import_survey
from pipeline.cli import main
from pipeline.read.surveys import dump_mapping, guess_column, load_mapping
from pipeline.workspace import Workspace
from tests.factories import make_workspace

# The survey's own words for the ratings, and what each means: the test's tally, independent
# of the tool's rating reader.
LABELS = {
    "Strongly agree": 4,
    "Tend to agree": 3,
    "Tend to disagree": 2,
    "Strongly disagree": 1,
    "Don't know": 0,
    "Don’t know": 0,
    "4": 4,
    "3": 3,
    "2": 2,
    "1": 1,
    "0": 0,
}
GROUPS = {
    "Adult social care staff": "Adult social care staff",
    "Health partner": "Health partner",
    "Person with lived experience": "Person with lived experience",
    "I look after someone as an unpaid carer": "Unpaid carer",  # the survey's own words
    "Healthwatch": "Healthwatch",
}
OUT_OF_SCALE = "Neither agree nor disagree"
RESPONDENTS = 200


def _answers(seed: int, statements: int) -> list[tuple[str, list[str], str]]:
    """Each respondent's (group answer, rating per statement ("" = skipped), comment on 1)."""
    rng = random.Random(seed)
    rows = []
    for n in range(RESPONDENTS):
        group = rng.choice(list(GROUPS))
        ratings = [rng.choice([*LABELS, "", ""]) for _ in range(statements)]
        comment = rng.choice(["", "", "Waits are long; the team is kind.", "Ça va — “fine” & <ok>"])
        if n == 0:
            comment = "First respondent 😀\nsecond line"
        rows.append((group, ratings, comment))
    return rows


def _tally(rows: list[tuple[str, list[str], str]], statements: int) -> list[Counter[int]]:
    tally: list[Counter[int]] = [Counter() for _ in range(statements)]
    for _group, ratings, _comment in rows:
        for i, typed in enumerate(ratings):
            if typed in LABELS:
                tally[i][LABELS[typed]] += 1
    return tally


def _check_counts(ws: Workspace, code: str, tally: list[Counter[int]]) -> None:
    result = collect(ws)
    (qs,) = [q for q in result.results if q.code == code]
    for s, expected in zip(qs.statements, tally, strict=True):
        assert s.counts == {k: expected[k] for k in (1, 2, 3, 4)}, s.number
        assert s.dont_know == expected[0], s.number
        assert s.responses == sum(expected.values()), s.number


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def test_a_semicolon_csv_with_a_bom_imports_and_counts_as_its_tally(
    ws: Workspace, tmp_path: Path
) -> None:
    framework = ws.framework
    qs = framework.quality_statement("QS1")
    texts = qs.checklist_statements
    rows = _answers(1, len(texts))
    rows[41][1][4] = OUT_OF_SCALE  # row 43 of the file, statement 5
    headings = ["Response ID", "Started", "Ended", "Q1. Which of these best describes you?"]
    headings += [f"Q{n + 2}. Please rate: {t}" for n, t in enumerate(texts)]
    headings += [f"Q{len(texts) + 2}. {texts[0]} - Why did you give this rating?"]
    headings += ["How did you hear about this survey?"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    for n, (group, ratings, comment) in enumerate(rows, start=1):
        writer.writerow([n, "01/06/2026 09:00", "01/06/2026 09:12", group, *ratings, comment, ""])
    export = tmp_path / "SmartSurvey export.csv"
    export.write_bytes(codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))

    imported = import_survey(ws, export)
    assert imported.survey == ws.surveys_dir / export.name
    assert imported.respondents == RESPONDENTS
    read_as = {column: r for column, _h, r in imported.columns}
    assert read_as["A"] == "ignore" and read_as["D"] == "group"
    assert [read_as[c] for c in "EFGHIJKLMNOPQR"] == [f"QS1.{n}" for n in range(1, 15)]
    assert read_as["S"] == "QS1.1 comment" and read_as["T"] == "?"
    mapping = load_mapping(ws.survey_mapping)
    (entry,) = mapping.surveys
    assert entry.groups["I look after someone as an unpaid carer"] == "Unpaid carer"
    # The mapping file round-trips: read and written again, the same text.
    assert dump_mapping(mapping) == ws.survey_mapping.read_text("utf-8")

    _check_counts(ws, "QS1", _tally(rows, len(texts)))
    result = collect(ws)
    (invalid,) = [f for f in result.findings if f.code == "rating-invalid"]
    assert (invalid.file, invalid.sheet, invalid.cell) == (
        "inputs/surveys/SmartSurvey export.csv",
        None,
        "I43",
    )
    assert OUT_OF_SCALE in invalid.message and "Row 43, column I" in invalid.message
    (unmatched,) = [f for f in result.findings if f.code == "survey-column-unmatched"]
    assert unmatched.cell == "T1" and "How did you hear" in unmatched.message
    assert not [f for f in result.findings if f.code in ("group-unknown", "survey-not-mapped")]
    # Comments are kept exactly, attributed to the group; people who use services first.
    (qs1,) = [q for q in result.results if q.code == "QS1"]
    comments = qs1.statements[0].comments
    users_groups = ("Person with lived experience", "Unpaid carer", "Healthwatch")
    firsts = [c[0] in users_groups for c in comments]
    assert firsts[0] and firsts == sorted(firsts, reverse=True)
    assert "First respondent 😀\nsecond line" in [c[2] for c in comments]
    typed = {"Ça va — “fine” & <ok>", "Waits are long; the team is kind."}
    assert typed <= {c[2] for c in comments}
    users = qs1.statements[1].users_view
    assert users is not None
    expected_users = Counter(
        LABELS[r[1][1]]
        for r in rows
        if r[1][1] in LABELS
        and GROUPS[r[0]] in ("Person with lived experience", "Unpaid carer", "Healthwatch")
    )
    assert users.counts == {k: expected_users[k] for k in (1, 2, 3, 4)}

    # A person checks the mapping: the unmatched column is ignored. Importing again keeps that.
    text = ws.survey_mapping.read_text("utf-8")
    edited = text.replace("  read_as: '?'", "  read_as: ignore")
    assert edited != text
    ws.survey_mapping.write_text(edited, "utf-8")
    again = import_survey(ws, export)
    assert dict((c, r) for c, _h, r in again.columns)["T"] == "ignore"
    assert ws.survey_mapping.read_text("utf-8") == edited
    assert not [f for f in collect(ws).findings if f.code == "survey-column-unmatched"]


def test_a_two_header_row_xlsx_export_imports_and_counts_as_its_tally(
    ws: Workspace, tmp_path: Path
) -> None:
    framework = ws.framework
    qs = framework.quality_statement("QS7")
    texts = qs.checklist_statements
    rows = _answers(2, len(texts))
    rows[9][1][0] = "5"  # out of scale, as a number: row 12 (two header rows), column F
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Sheet"
    first = ["Respondent ID", "Collector ID", "Start Date", "End Date"]
    first += ["Which of the following best describes you?"]
    first += ["To what extent do you agree with the following statements about safeguarding?"]
    first += [None] * (len(texts) - 1) + ["Anything else you would like to tell us?"]
    second = [None, None, None, None, "Response", *texts, "Open-Ended Response"]
    sheet.append(first)
    sheet.append(second)
    for n, (group, ratings, _comment) in enumerate(rows, start=1):
        values: list[object] = [110000 + n, 4321, "2026-06-01", "2026-06-01", group]
        # SurveyMonkey's "numerical value" export: numbers where the answer is one.
        values += [int(r) if r.isdigit() else (r or None) for r in ratings]
        values.append(None)
        sheet.append(values)
    export = tmp_path / "SurveyMonkey all responses.xlsx"
    wb.save(export)

    imported = import_survey(ws, export)
    read_as = [r for _c, _h, r in imported.columns]
    assert read_as[:5] == ["ignore", "ignore", "ignore", "ignore", "group"]
    assert read_as[5 : 5 + len(texts)] == [f"QS7.{n}" for n in range(1, len(texts) + 1)]
    (entry,) = load_mapping(ws.survey_mapping).surveys
    assert entry.header_rows == 2 and entry.sheet == "Sheet"

    _check_counts(ws, "QS7", _tally(rows, len(texts)))  # "5" is not on the scale: not counted
    (invalid,) = [f for f in collect(ws).findings if f.code == "rating-invalid"]
    assert (invalid.sheet, invalid.cell) == ("Sheet", "F12")


def test_a_uk_excel_csv_in_windows_1252_with_commas(ws: Workspace, tmp_path: Path) -> None:
    texts = ws.framework.quality_statement("QS2").checklist_statements
    lines = ["Group," + ",".join(f'"{t}."' for t in texts[:2])]
    lines.append("Unpaid carer,Don’t know,Strongly agree")
    lines.append("Healthwatch,tend to agree,2")
    export = tmp_path / "carers.csv"
    export.write_bytes("\r\n".join(lines).encode("cp1252"))
    import_survey(ws, export)
    result = collect(ws)
    (qs2,) = [q for q in result.results if q.code == "QS2"]
    assert qs2.returns == 2
    assert qs2.statements[0].dont_know == 1 and qs2.statements[0].counts[3] == 1
    assert qs2.statements[1].counts == {1: 0, 2: 1, 3: 0, 4: 1}
    assert set(qs2.statements[0].by_group) == {"Unpaid carer", "Healthwatch"}


def test_headings_as_the_survey_tools_write_them(ws: Workspace) -> None:
    framework = ws.framework
    text = framework.quality_statement("QS3").checklist_statements[1]
    forms = f"How far do you agree with these statements?.{text}"  # Microsoft Forms' Likert
    assert guess_column(forms, [], framework) == "QS3.2"
    assert guess_column(f"Q12: {text.rstrip('.')}?", [], framework) == "QS3.2"
    assert guess_column(f"{text} - Comments", [], framework) == "QS3.2 comment"
    assert guess_column("Start time", [], framework) == "ignore"
    assert guess_column("Role", ["Health partner", "Unpaid carer"], framework) == "group"
    assert guess_column("What is your postcode?", ["AB1 2CD"], framework) == "?"


def test_the_cli_imports_and_names_what_it_did_not_match(ws: Workspace, tmp_path: Path) -> None:
    text = ws.framework.quality_statement("QS1").checklist_statements[0]
    export = tmp_path / "s.csv"
    export.write_text(f"Group;{text};Postcode\nUnpaid carer;Tend to agree;AB1\n", "utf-8")
    run = CliRunner().invoke(main, ["--workspace", str(ws.root), "import", "survey", str(export)])
    assert run.exit_code == 0, run.output
    assert "wrote inputs/surveys/s.csv" in run.output
    assert "not matched: column C “Postcode”" in run.output
    assert "1 respondent with answers" in run.output
    bad = tmp_path / "s.txt"
    bad.write_text("x", "utf-8")
    run = CliRunner().invoke(main, ["--workspace", str(ws.root), "import", "survey", str(bad)])
    assert run.exit_code == 1 and "not a CSV or .xlsx" in run.output


def test_a_why_column_after_each_statement_is_that_statements_comment(
    ws: Workspace, tmp_path: Path
) -> None:
    """SmartSurvey and Forms write a follow-up "Why?" after each rating: each is the comment of
    the statement before it, known by its place when the mapping is read again."""
    texts = ws.framework.quality_statement("QS2").checklist_statements
    header = f"Group;{texts[0]};Why?;{texts[1]};Why?;Postcode"
    rows = ["Unpaid carer;Tend to agree;R&D <team> 👍;Strongly agree;Cymraeg: ŵ ŷ;AB1"]
    export = tmp_path / "why.csv"
    export.write_text("\n".join([header, *rows]) + "\n", "utf-8-sig")
    import_survey(ws, export)
    (entry,) = load_mapping(ws.survey_mapping).surveys
    assert [c.read_as for c in entry.columns] == [
        "group",
        "QS2.1",
        "QS2.1 comment",
        "QS2.2",
        "QS2.2 comment",
        "?",
    ]
    (qs2,) = [q for q in collect(ws).results if q.code == "QS2"]
    assert [c[2] for c in qs2.statements[0].comments] == ["R&D <team> 👍"]
    assert [c[2] for c in qs2.statements[1].comments] == ["Cymraeg: ŵ ŷ"]
    # A person says the second "Why?" is not wanted: kept by its place on the next import.
    text = ws.survey_mapping.read_text("utf-8")
    assert text.count("QS2.2 comment") == 1
    ws.survey_mapping.write_text(text.replace("QS2.2 comment", "ignore"), "utf-8")
    import_survey(ws, export)
    (entry,) = load_mapping(ws.survey_mapping).surveys
    assert [c.read_as for c in entry.columns][2:5] == ["QS2.1 comment", "QS2.2", "ignore"]


def test_a_selfassess_workbook_is_not_taken_as_a_survey(ws: Workspace) -> None:
    """A checklist (or any workbook the tool made) given to `import survey` is refused, saying
    where it belongs, and nothing is copied."""
    from pipeline.app import generate_checklists
    from pipeline.errors import SelfAssessError

    generate_checklists(ws)
    checklist = sorted(ws.checklists_dir.glob("*.xlsx"))[0]
    with pytest.raises(SelfAssessError, match="is a Stage 1 checklist, not a survey export"):
        import_survey(ws, checklist)
    assert not ws.surveys_dir.exists() or not any(ws.surveys_dir.iterdir())
    assert not ws.survey_mapping.exists()


def test_a_different_export_of_the_same_name_is_never_replaced_silently(
    ws: Workspace, tmp_path: Path
) -> None:
    """Two surveys both downloaded as export.csv: the second is refused, the first kept; a
    newer export of the same survey replaces it with --replace."""
    text = ws.framework.quality_statement("QS1").checklist_statements[0]
    first, second = tmp_path / "a" / "export.csv", tmp_path / "b" / "export.csv"
    for path, answer in ((first, "Tend to agree"), (second, "Strongly agree")):
        path.parent.mkdir()
        path.write_text(f"Group;{text}\nUnpaid carer;{answer}\n", "utf-8")
    cli = ["--workspace", str(ws.root), "import", "survey"]
    assert CliRunner().invoke(main, [*cli, str(first)]).exit_code == 0
    mapping = ws.survey_mapping.read_bytes()
    run = CliRunner().invoke(main, [*cli, str(second)])
    assert run.exit_code == 1
    assert "inputs/surveys/export.csv already holds a different export" in run.output
    assert "export-2.csv" in run.output and "--replace" in run.output
    assert (ws.surveys_dir / "export.csv").read_bytes() == first.read_bytes()
    assert ws.survey_mapping.read_bytes() == mapping
    # The same file again is no change; a newer export with --replace replaces it.
    assert CliRunner().invoke(main, [*cli, str(first)]).exit_code == 0
    run = CliRunner().invoke(main, [*cli, str(second), "--replace"])
    assert run.exit_code == 0 and "replaced inputs/surveys/export.csv" in run.output
    assert (ws.surveys_dir / "export.csv").read_bytes() == second.read_bytes()
