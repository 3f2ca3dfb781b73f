"""Where a returned checklist's statements are: found by their text, not their row.

People sort the statements (by their own rating, say), filter them, insert a row for a note,
delete a statement's row or insert a column. A return whose table is where the form put it is
read from the form's own cells (the fast path: a handful of comparisons); any other is read by
content: the table's columns by their headings, each statement's row by its text (compared as
:func:`pipeline.read.labels.normalise_label` compares labels; an edited text still counts when
it is clearly the same statement), and what the blank template holds is then expected where it
actually is, so moved rows are not reported as ignored content while stray text still is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, error, excerpt, warning
from pipeline.read.labels import normalise_label

if TYPE_CHECKING:
    from pipeline.xlsx.cells import Sheet


# An edited statement is matched when its text is at least this similar (difflib's ratio over
# normalised text) to one statement, and more similar to it than to any other.
SIMILAR = 0.85


# Never compare more than this many unmatched texts fuzzily (a sheet of junk stays fast).
_MAX_CANDIDATES = 500


# (number, rating cell, evidence cell) of each statement found, in statement order.
Statements = tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class ChecklistTable:
    """A quality statement's blank statement table, worked out once per template."""

    sheet: str
    texts: tuple[str, ...]  # statement n's text is texts[n - 1]
    # Statement n's cell text in the blank template, as read back (what the form's own cell is
    # compared with, wherever the row now is).
    cell_texts: tuple[str, ...]
    norms: dict[str, int]  # normalised text -> statement number
    # Every template cell from the header row down, with its text: all in place means the
    # return can be read from the form's own cells.
    anchors: tuple[tuple[str, str], ...]
    # The template's texts above the header row (title, we statement...), as a set: a row
    # inserted above them moves them, so they are expected anywhere on the sheet.
    top_texts: frozenset[str]
    header_row: int
    headings: dict[str, int]  # normalised heading -> template column (1 = A)
    header_texts: dict[int, str]  # template column -> the heading as read back
    statements: Statements  # the form's own cells
    input_cells: dict[str, set[str]]
    expected: dict[str, dict[str, str]]


def checklist_table(
    sheet: str,
    texts: tuple[str, ...],
    expected: dict[str, dict[str, str]],
    input_cells: dict[str, set[str]],
    statements: Statements,
    header_row: int,
    headings: tuple[str, ...],
    statement_col: str,
) -> ChecklistTable:
    from pipeline.xlsx.cells import split_ref

    anchors, top, header_texts = [], set(), {}
    for ref, text in expected.get(sheet, {}).items():
        row, col = split_ref(ref)
        if row >= header_row:
            anchors.append((ref, text))
        else:
            top.add(text)
        if row == header_row:
            header_texts[col] = text
    norms: dict[str, int] = {}
    for number, text in enumerate(texts, start=1):
        norms.setdefault(normalise_label(text), number)
    on_sheet = expected.get(sheet, {})
    cell_texts = tuple(
        on_sheet.get(rating.replace(rating.rstrip("0123456789"), statement_col, 1), text)
        for (_n, rating, _e), text in zip(statements, texts, strict=True)
    )
    return ChecklistTable(
        sheet=sheet,
        texts=texts,
        cell_texts=cell_texts,
        norms=norms,
        anchors=tuple(anchors),
        top_texts=frozenset(top),
        header_row=header_row,
        headings={normalise_label(h, notes=False): col for col, h in enumerate(headings, 1)},
        header_texts=header_texts,
        statements=statements,
        input_cells=input_cells,
        expected=expected,
    )


@dataclass
class Placed:
    """Where a return's answers are: each statement's cells, what the template holds where (for
    the ``ignored-content`` check) and what was found moved, edited, missing or unmatched."""

    statements: Statements
    expected: dict[str, dict[str, str]]
    input_cells: dict[str, set[str]]
    findings: list[Finding] = field(default_factory=list)


def place_statements(sheet: Sheet, table: ChecklistTable, file: str) -> Placed:
    """Each statement's rating and evidence cells in ``sheet``; the form's own when the table is
    where the form put it, else found by content."""
    from pipeline.xlsx.cells import format_value

    cells = sheet.cells
    for ref, text in table.anchors:
        cell = cells.get(ref)
        if cell is None or cell.formula is not None:
            return _by_content(sheet, table, file)
        value = cell.value  # as sheet.text(ref), without a call for each cell of the table
        if (value if type(value) is str else format_value(value)) != text:
            return _by_content(sheet, table, file)
    return Placed(table.statements, table.expected, table.input_cells)


def _by_content(sheet: Sheet, table: ChecklistTable, file: str) -> Placed:
    from pipeline.xlsx.cells import column_letters, split_ref

    def ref(row: int, col: int) -> str:
        return f"{column_letters(col)}{row}"

    grid: dict[tuple[int, int], str] = {}
    for at, cell in sheet.cells.items():
        text = sheet.text(at)
        if text.strip() and cell.formula is None:
            grid[split_ref(at)] = text

    # The header row: the first row with both the rating and the evidence heading.
    by_row: dict[int, dict[int, int]] = {}  # row -> template column -> actual column
    for (row, col), text in grid.items():
        template_col = table.headings.get(normalise_label(text, notes=False))
        if template_col is not None:
            by_row.setdefault(row, {}).setdefault(template_col, col)
    header = min((r for r, found in by_row.items() if {3, 4} <= found.keys()), default=None)
    columns = by_row[header] if header is not None else {}

    # Each statement's row, by its exact (normalised) text, in the statement column when the
    # headings say which it is, else in whichever column holds most statements.
    exact: list[tuple[int, int, int]] = []  # (row, col, number)
    for (row, col), text in grid.items():
        if header is not None and row <= header:
            continue
        number = table.norms.get(normalise_label(text))
        if number is not None:
            exact.append((row, col, number))
    if 2 in columns:
        statement_col = columns[2]
    elif 3 in columns:
        statement_col = columns[3] - 1
    elif exact:
        statement_col = Counter(col for _r, col, _n in exact).most_common(1)[0][0]
    else:
        statement_col = 2
    number_col = columns.get(1, statement_col - 1)
    rating_col = columns.get(3, statement_col + 1)
    evidence_col = columns.get(4, statement_col + 2)

    rows: dict[int, int] = {}  # statement number -> row
    copies: list[tuple[int, int]] = []  # (row, number) of a second copy of a statement
    for row, col, number in sorted(exact):
        if col != statement_col:
            continue
        if number in rows:
            copies.append((row, number))
        else:
            rows[number] = row

    found: list[Finding] = []
    # Statements not found as typed: an edited text that is clearly the same statement.
    taken = set(rows.values()) | {row for row, _n in copies}
    candidates = [
        (row, normalise_label(text))
        for (row, col), text in sorted(grid.items())
        if col == statement_col and row not in taken and (header is None or row > header)
    ]
    missing = [n for n in range(1, len(table.texts) + 1) if n not in rows]
    pairs: list[tuple[float, int, int]] = []  # (ratio, number, row)
    if missing and candidates:
        # Only for a checklist whose statements were edited: collect does not import difflib
        # (and heapq) for the rest (issue 13).
        import difflib
    for number in missing:
        wanted = normalise_label(table.texts[number - 1])
        scored = []
        for row, text in candidates[:_MAX_CANDIDATES]:
            matcher = difflib.SequenceMatcher(None, wanted, text, autojunk=False)
            if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR:
                ratio = matcher.ratio()
                if ratio >= SIMILAR:
                    scored.append((ratio, row))
        scored.sort(reverse=True)
        # A unique best match only: two rows equally like it could be either.
        if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            pairs.append((scored[0][0], number, scored[0][1]))
    # Found by their normalised text, but typed differently (case, spacing, punctuation).
    retyped = [
        (1.0, number, row)
        for number, row in rows.items()
        if grid[(row, statement_col)] not in (table.cell_texts[number - 1], table.texts[number - 1])
    ]
    edited: set[int] = set()
    for ratio, number, row in [*retyped, *sorted(pairs, reverse=True)]:
        if number in edited:
            continue
        if ratio < 1.0:
            if number in rows or row in rows.values():
                continue
            rows[number] = row
        edited.add(number)
        at = ref(row, statement_col)
        typed = grid[(row, statement_col)]
        found.append(
            warning(
                "statement-edited",
                file,
                f"The text of statement {number} was changed to “{excerpt(typed)}”; "
                f"it is still clearly “{excerpt(table.texts[number - 1])}”, so its rating is "
                "counted against it. Check that is what was meant.",
                sheet=table.sheet,
                cell=at,
                field=f"statement {number}",
            ).with_data(similarity=round(ratio, 2))
        )

    # What the template holds, where it now is; and every cell a statement's answers are in.
    expected: dict[str, str] = {}
    inputs: set[str] = set()
    template_cols = {1: number_col, 2: statement_col, 3: rating_col, 4: evidence_col}
    if header is not None:
        for template_col, heading in table.header_texts.items():
            if template_cols.get(template_col, 0) >= 1:  # column A deleted: no numbers
                expected[ref(header, template_cols[template_col])] = heading
    numbers = {str(n) for n in range(1, len(table.texts) + 1)}
    for number, row in rows.items():
        expected[ref(row, statement_col)] = (
            grid[(row, statement_col)] if number in edited else table.cell_texts[number - 1]
        )
        typed_number = grid.get((row, number_col))
        if typed_number in numbers:  # sorted with its number, or only the statements sorted
            expected[ref(row, number_col)] = typed_number
        inputs |= {ref(row, rating_col), ref(row, evidence_col)}

    # Rows of the table that are no statement but hold an answer (or a missing statement's
    # number): their answers are not counted, and said so.
    unmatched: list[Finding] = []
    said_missing: set[int] = set()
    matched_rows = set(rows.values())
    for row, _text in candidates:
        if row in matched_rows:
            continue
        answers = [grid.get((row, rating_col), ""), grid.get((row, evidence_col), "")]
        typed_number = grid.get((row, number_col), "").strip()
        number = int(typed_number) if typed_number in numbers else None
        if number is not None and number in rows:
            number = None
        if not any(a.strip() for a in answers) and number is None:
            continue  # a note typed in the table: ignored-content reports it
        unmatched.append(
            _unmatched(table, file, ref(row, statement_col), grid, row, answers, number)
        )
        if number is not None:
            said_missing.add(number)
            expected[ref(row, number_col)] = grid[(row, number_col)]
        expected[ref(row, statement_col)] = grid[(row, statement_col)]
        inputs |= {ref(row, rating_col), ref(row, evidence_col)}
    for row, number in copies:
        answers = [grid.get((row, rating_col), ""), grid.get((row, evidence_col), "")]
        unmatched.append(
            error(
                "statement-unmatched",
                file,
                f"Statement {number} appears twice; only the first (row {rows[number]}) is "
                f"counted, so this row's answers ({_answers(answers)}) are not. Delete one "
                "of the rows.",
                sheet=table.sheet,
                cell=ref(row, statement_col),
                field=f"statement {number}",
            )
        )
        expected[ref(row, statement_col)] = grid[(row, statement_col)]
        if grid.get((row, number_col)) in numbers:
            expected[ref(row, number_col)] = grid[(row, number_col)]
        inputs |= {ref(row, rating_col), ref(row, evidence_col)}
    found += _cap(unmatched, table.sheet, file, statement_col)
    for number in range(1, len(table.texts) + 1):
        if number not in rows and number not in said_missing:
            found.append(
                warning(
                    "statement-missing",
                    file,
                    f"Statement {number} (“{excerpt(table.texts[number - 1])}”) is not in the "
                    "checklist (its row was deleted, or its text changed beyond recognition), so "
                    "this return does not rate it.",
                    sheet=table.sheet,
                    field=f"statement {number}",
                ).with_data(statement=number)
            )

    # The template's other texts (title, we statement, ...) wherever inserted rows or columns
    # put them.
    for (row, col), text in grid.items():
        at = ref(row, col)
        if at not in expected and text in table.top_texts:
            expected[at] = text
    statements = tuple(
        (number, ref(rows[number], rating_col), ref(rows[number], evidence_col))
        for number in sorted(rows)
    )
    return Placed(
        statements,
        {**table.expected, table.sheet: expected},
        {**table.input_cells, table.sheet: inputs},
        found,
    )


def _cap(found: list[Finding], sheet: str, file: str, col: int) -> list[Finding]:
    """At most ``MAX_IGNORED_PER_SHEET`` unmatched rows, then one finding for the rest, naming
    the block of rows they are in (a sheet of junk stays a screenful)."""
    from pipeline.read.expected import MAX_IGNORED_PER_SHEET
    from pipeline.xlsx.cells import column_letters, split_ref

    if len(found) <= MAX_IGNORED_PER_SHEET:
        return found
    rest = found[MAX_IGNORED_PER_SHEET:]
    rows = [split_ref(f.cell)[0] for f in rest if f.cell]
    letters = column_letters(col)
    block = f"{letters}{min(rows)}:{letters}{max(rows)}"
    return [
        *found[:MAX_IGNORED_PER_SHEET],
        error(
            "statement-unmatched",
            file,
            f"… and {len(rest)} more rows (in {block}) whose statement matches none of the "
            "checklist's have answers that are not counted. Put the statements' own text back, "
            "or delete the rows.",
            sheet=sheet,
            cell=block,
        ).with_data(rows=len(rest)),
    ]


def _answers(answers: list[str]) -> str:
    typed = [f"“{excerpt(a)}”" for a in answers if a.strip()]
    return " and ".join(typed) if typed else "none"


def _unmatched(
    table: ChecklistTable,
    file: str,
    at: str,
    grid: dict[tuple[int, int], str],
    row: int,
    answers: list[str],
    number: int | None,
) -> Finding:
    from pipeline.xlsx.cells import split_ref

    text = grid[split_ref(at)]
    which = (
        f"statement {number}'s text was changed to “{excerpt(text)}”, which"
        if number is not None
        else f"the statement “{excerpt(text)}”"
    )
    return error(
        "statement-unmatched",
        file,
        f"In row {row}, {which} matches none of the checklist's statements, so its answers "
        f"({_answers(answers)}) are not counted. Put the statement's own text back.",
        sheet=table.sheet,
        cell=at,
        field=None if number is None else f"statement {number}",
    )
