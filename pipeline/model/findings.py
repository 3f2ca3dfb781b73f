"""Validation problems as data: the ``Finding`` record and the collection they live in.

``Finding`` is a plain frozen dataclass, not a pydantic model: ``collect`` makes thousands of
them and must not pay for importing pydantic (issue 13), and every finding is made by our own
code, so there is no untrusted input to validate; the one check that matters, that its code is
registered at its severity, runs in ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from enum import StrEnum

from pipeline.model import codes

Data = dict[str, int | float | str]
"""Figures behind a finding (``{"words": 812, "limit": 750}``), for ``--json``."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem, located as precisely as we can: file, sheet, cell, field."""

    severity: Severity
    code: str
    file: str
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    message: str
    data: Data | None = None

    def __post_init__(self) -> None:
        """A severity given as text (``"error"``) becomes a ``Severity``; a code not in
        ``pipeline.model.codes``, or at a severity it does not allow, is a bug and raises
        ``codes.UnknownCodeError``."""
        if type(self.severity) is not Severity:
            object.__setattr__(self, "severity", Severity(self.severity))
        codes.check(self.code, self.severity.value)

    def __hash__(self) -> int:  # frozen, but ``data`` is a dict
        data = tuple(sorted(self.data.items())) if self.data is not None else None
        where = (self.file, self.sheet, self.cell, self.field)
        return hash((self.severity, self.code, *where, self.message, data))

    def with_data(self, **data: int | float | str) -> Finding:
        """This finding with the figures behind it: ``error(...).with_data(words=812,
        limit=750)``. (Made directly: ``dataclasses.replace`` is slower, and findings are many.)"""
        return Finding(
            severity=self.severity,
            code=self.code,
            file=self.file,
            sheet=self.sheet,
            cell=self.cell,
            field=self.field,
            message=self.message,
            data=data,
        )

    def as_json(self) -> dict[str, object]:
        """The ``--json`` shape of one finding, keys in field order (as pydantic's
        ``model_dump(mode="json")`` made it, so ``--json`` is unchanged); ``data`` only when it
        has figures."""
        out: dict[str, object] = {
            "severity": self.severity.value,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "message": self.message,
        }
        if self.data is not None:
            out["data"] = dict(self.data)
        return out

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


def error(
    code: str,
    file: str,
    message: str,
    *,
    sheet: str | None = None,
    cell: str | None = None,
    field: str | None = None,
) -> Finding:
    """An error finding; ``code`` must be registered in ``pipeline.codes`` as an error."""
    return Finding(
        severity=Severity.ERROR,
        code=code,
        file=file,
        sheet=sheet,
        cell=cell,
        field=field,
        message=message,
    )


def warning(
    code: str,
    file: str,
    message: str,
    *,
    sheet: str | None = None,
    cell: str | None = None,
    field: str | None = None,
) -> Finding:
    """A warning finding; ``code`` must be registered in ``pipeline.codes`` as a warning."""
    return Finding(
        severity=Severity.WARNING,
        code=code,
        file=file,
        sheet=sheet,
        cell=cell,
        field=field,
        message=message,
    )


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
