"""Formulas where a person types an answer: reported, never read as the answer.

A formula in an input cell (a group, a name, a date, an ID, a narrative) is not what a person
typed: its cached result may be anything the formula made (a DDE call such as ``=cmd|'…'!A0``
typed in the group cell, a date computed from another cell). As a formula in a rating cell is
reported (``rating-invalid``) and not counted, a formula in any other input cell is reported
(``formula-in-input``, an error) and the cell is read as empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.model.findings import Finding, error, excerpt

if TYPE_CHECKING:
    from pipeline.xlsx.cells import CellValue


def has_formula(cell: CellValue | None) -> bool:
    """Whether the cell holds a formula."""
    return cell is not None and cell.formula is not None


def formula_in_input(
    file: str, sheet: str, ref: str, cell: CellValue, what: str, *, field: str | None = None
) -> Finding:
    """The error for a formula in input cell ``ref`` (``what`` names it: "the group")."""
    return error(
        "formula-in-input",
        file,
        f"The cell for {what} holds a formula (“={excerpt(cell.formula or '', 60)}”), not typed "
        "text, so it is not read. Type the answer itself (no = at the start), or delete it.",
        sheet=sheet,
        cell=ref,
        field=field,
    )
