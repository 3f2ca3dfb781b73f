"""Validation problems as data: the ``Finding`` model and the collection they live in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from pipeline.model import codes

Data = dict[str, int | float | str]
"""Figures behind a finding (``{"words": 812, "limit": 750}``), for ``--json``."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One problem, located as precisely as we can: file, sheet, cell, field."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: str
    file: str
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    message: str
    data: Data | None = None

    @model_validator(mode="after")
    def _registered(self) -> Finding:
        """A code not in ``pipeline.codes``, or at a severity it does not allow, is a bug."""
        codes.check(self.code, self.severity.value)
        return self

    def __hash__(self) -> int:  # frozen, but ``data`` is a dict
        data = tuple(sorted(self.data.items())) if self.data is not None else None
        where = (self.file, self.sheet, self.cell, self.field)
        return hash((self.severity, self.code, *where, self.message, data))

    def with_data(self, **data: int | float | str) -> Finding:
        """This finding with the figures behind it: ``error(...).with_data(words=812,
        limit=750)``."""
        return self.model_copy(update={"data": data})

    def as_json(self) -> dict[str, object]:
        """The ``--json`` shape of one finding; ``data`` only when it has figures."""
        return self.model_dump(mode="json", exclude={"data"} if self.data is None else None)

    @property
    def location(self) -> str:
        """``file › sheet › C12`` as people read it."""
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.cell:
            parts.append(self.cell)
        return " › ".join(parts)

    def line(self) -> str:
        """One line for a terminal or a log."""
        return f"{self.severity.value}: {self.location}: {self.message} [{self.code}]"


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis, to quote in a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error(code: str, file: str, message: str, **where: str | None) -> Finding:
    """An error finding; ``code`` must be registered in ``pipeline.codes`` as an error."""
    return Finding(severity=Severity.ERROR, code=code, file=file, message=message, **where)


def warning(code: str, file: str, message: str, **where: str | None) -> Finding:
    """A warning finding; ``code`` must be registered in ``pipeline.codes`` as a warning."""
    return Finding(severity=Severity.WARNING, code=code, file=file, message=message, **where)


class Findings:
    """Every finding from every input, in the order they were found."""

    def __init__(self, items: Iterable[Finding] = ()) -> None:
        self._items: list[Finding] = list(items)

    def add(self, finding: Finding) -> None:
        self._items.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self._items.extend(findings)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self._items if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self._items if f.severity is Severity.WARNING]

    def ok(self, strict: bool = False) -> bool:
        """No errors (and, when strict, no warnings)."""
        return not self.errors and not (strict and self.warnings)

    def sorted(self) -> list[Finding]:
        """Grouped by file, then errors before warnings, then in reading order."""
        order = {Severity.ERROR: 0, Severity.WARNING: 1}
        return sorted(self._items, key=lambda f: (f.file, order[f.severity]))

    def as_json(self) -> dict[str, object]:
        """The SPEC §4 ``--json`` shape."""
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_json() for f in self.sorted()],
        }
