"""Validation rules, one module per family. A rule is a function ``(inputs) -> findings``.

To add a rule: write a small function in the module of its family and add it to that module's
``RULES`` list; ``validate`` runs every rule of every family over everything read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.findings import Finding
    from pipeline.validate import Inputs

Rule = Callable[["Inputs"], Iterable["Finding"]]


def all_rules() -> list[Rule]:
    """Every rule of every family, in a stable order."""
    from pipeline.rules import evidence, overview, personal_data, stage2

    return [*stage2.RULES, *evidence.RULES, *overview.RULES, *personal_data.RULES]
