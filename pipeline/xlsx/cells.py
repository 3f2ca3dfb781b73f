"""What the safe reader gives back: workbooks, sheets and cells keyed by reference, and the
exception that refuses a file with one plain-English line."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.model.findings import Finding, error

UNREADABLE = "unreadable-file"


MISMATCH = "template-mismatch"


CellScalar = str | int | float | bool | datetime.datetime | datetime.date


SheetState = Literal["visible", "hidden", "veryHidden"]


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


_CANONICAL_REFS = re.compile(r"(?:[A-Z]{1,3}[1-9][0-9]{0,6}\n)*")


@dataclass(frozen=True, slots=True)
class CellValue:
    """One non-empty cell: its value as typed (or cached, for a formula) and any formula."""

    value: CellScalar
    formula: str | None = None


# CellValue is frozen, so its __init__ goes through object.__setattr__; filling the slots
# directly is twice as fast, which counts when a workbook has tens of thousands of cells.
_new_object = object.__new__


_set_value = vars(CellValue)["value"].__set__


_set_formula = vars(CellValue)["formula"].__set__


_MISSING = CellValue("")  # compared by identity: "no such shared string"


def _cell(value: CellScalar, formula: str | None = None) -> CellValue:
    cell: CellValue = _new_object(CellValue)
    _set_value(cell, value)
    _set_formula(cell, formula)
    return cell


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture floating on a sheet (``xl/drawings/drawingN.xml``), as the drawing places it.

    ``row`` and ``col`` (from 1) are the cell its top-left corner sits in; None for a picture
    placed by position alone. ``data`` is the image file's bytes, or None with ``problem``
    saying why (linked rather than embedded, or missing from the file). ``descr`` is its
    description (the alternative text Excel and LibreOffice let people type).
    """

    name: str
    descr: str
    title: str
    row: int | None
    col: int | None
    part: str | None
    data: bytes | None
    problem: str | None = None

    @property
    def cell(self) -> str | None:
        """The top-left cell as ``"B12"``, or None."""
        if self.row is None or self.col is None:
            return None
        return f"{column_letters(self.col)}{self.row}"


@dataclass(frozen=True, slots=True)
class ShapeText:
    """Text in a shape or text box floating on a sheet (a drawing's ``xdr:sp``, or a legacy
    VML shape); ``row`` and ``col`` (from 1) are the cell its top-left corner sits in, if known."""

    name: str
    text: str
    row: int | None
    col: int | None

    @property
    def cell(self) -> str | None:
        """The top-left cell as ``"B12"``, or None."""
        if self.row is None or self.col is None:
            return None
        return f"{column_letters(self.col)}{self.row}"


@dataclass(slots=True, eq=False)
class Sheet:
    """One worksheet: its name, visibility, protection and non-empty cells keyed ``"B12"``;
    its pictures when the workbook was read with ``pictures=True``; its comments (notes) by
    cell, and the text of its shapes and text boxes."""

    name: str
    state: SheetState = "visible"
    protected: bool = False
    cells: dict[str, CellValue] = field(default_factory=dict)
    pictures: list[Picture] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)
    shapes: list[ShapeText] = field(default_factory=list)

    def get(self, ref: str) -> CellValue | None:
        """The cell at ``ref`` (``"B12"``), or None when it is empty."""
        return self.cells.get(ref)

    def text(self, ref: str) -> str:
        """The cell at ``ref`` as text, ``''`` when empty."""
        cell = self.cells.get(ref)
        return "" if cell is None else format_value(cell.value)

    def rows(self) -> Iterator[tuple[int, list[tuple[str, CellValue]]]]:
        """Each non-empty row as ``(row, [(ref, cell), ...])``, top to bottom, left to right."""
        split = _split_ref_cached
        keyed = sorted((*split(ref), ref) for ref in self.cells)
        current = 0
        row_cells: list[tuple[str, CellValue]] = []
        for row, _col, ref in keyed:
            if row != current:
                if row_cells:
                    yield current, row_cells
                current, row_cells = row, []
            row_cells.append((ref, self.cells[ref]))
        if row_cells:
            yield current, row_cells

    @property
    def max_row(self) -> int:
        """The last row holding a non-empty cell (0 for an empty sheet)."""
        return max((split_ref(ref)[0] for ref in self.cells), default=0)


@dataclass(slots=True, eq=False)
class ReadWorkbook:
    """A returned workbook: where it came from, its hash, its sheets in workbook order."""

    path: Path
    sha256: str
    sheets: dict[str, Sheet]
    custom_properties: dict[str, str] = field(default_factory=dict)
    # Workbook-scoped names as "name"; sheet-scoped ones as "Sheet name!name".
    defined_names: dict[str, str] = field(default_factory=dict)
    date1904: bool = False
    # When the workbook was last saved, as it records it (docProps/core.xml), if it does.
    modified: datetime.datetime | None = None


class WorkbookRejected(Exception):
    """A workbook the tool will not read; ``message`` is one line, without the file name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def finding(self, file: str) -> Finding:
        """This rejection as an error finding for ``file``."""
        return error(self.code, file, self.message)


def _reject(message: str) -> WorkbookRejected:
    return WorkbookRejected(UNREADABLE, message)


def _damaged(detail: str) -> WorkbookRejected:
    return _reject(f"is damaged ({detail}); open and re-save it in Excel, then send it again")


def split_ref(ref: str) -> tuple[int, int]:
    """``"B12"`` as ``(12, 2)``: row and column numbers, both counted from 1."""
    match = _REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    letters, digits = match.groups()
    return int(digits), _column_number(letters)


_SPLIT_REFS: dict[str, tuple[int, int]] = {}


def _split_ref_cached(ref: str) -> tuple[int, int]:
    """split_ref, remembered: the same few hundred references recur in every return."""
    split = _SPLIT_REFS.get(ref)
    if split is None:
        split = split_ref(ref)
        if len(_SPLIT_REFS) < 100_000:
            _SPLIT_REFS[ref] = split
    return split


def column_letters(col: int) -> str:
    """Column number 28 as ``"AB"``."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def format_value(value: CellScalar) -> str:
    """A cell value as people read it: ``7`` not ``7.0``, ``TRUE``, ISO dates."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"  # Excel shows at most 15 significant digits
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat()


def _column_number(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col
