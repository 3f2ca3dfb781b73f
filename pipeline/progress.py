"""A progress hook the library calls and the CLI fills in (a bar on a terminal, else silent)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    def __call__(self, items: Iterable[T], total: int, label: str) -> Iterator[T]: ...


def no_progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """The default: just iterate."""
    yield from items
