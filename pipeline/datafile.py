"""Data a council may change (the framework, the practice standards, ``selfassess.toml``): checked
by pydantic when it is read from YAML or TOML, then kept as JSON and built back without pydantic.

Why: importing pydantic and building its validators for the framework's classes takes ~0.12 s,
and yaml ~0.02 s more with parsing, against ~0.36 s for a whole ``selfassess collect`` of 200
returns. So the classes are plain frozen dataclasses, and the checks pydantic makes are written
into their annotations as metadata (:class:`Bounds`, :class:`Check`) that pydantic applies when
it validates them (:func:`validate`) and that cost nothing otherwise. What pydantic accepted is
kept as JSON (:func:`store`) under a key naming everything it depends on, and built back by
plain construction (:func:`load`); a key that differs means the file is made again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pipeline._version import __version__

T = TypeVar("T")

# Raise when what a cache file holds changes shape (the package version and the code of the
# classes are in the key already).
_FORMAT = 1


class Bounds:
    """``Annotated[int, Bounds(ge=1)]``: the number's bounds (``ge``, ``gt``, ``le``, ``lt``),
    checked by pydantic with its own messages ("Input should be greater than or equal to 1").

    Not annotated_types' ``Ge``: importing that package takes ~10 ms, on every run; this costs
    nothing until pydantic asks for it."""

    def __init__(self, **bounds: float) -> None:
        self.bounds = bounds

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema.update(self.bounds)  # pydantic's int and float schemas take the bounds as they are
        return schema


class Check:
    """``Annotated[str, Check(fn)]``: ``fn`` checks the value after pydantic has read it, like a
    pydantic field validator (a ValueError is reported at the field, "Value error, ...")."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic.functional_validators import AfterValidator

        return AfterValidator(self.fn).__get_pydantic_core_schema__(source, handler)


# The dataclasses' config for pydantic: a key the class does not have is an error.
FORBID_EXTRA: Any = {"extra": "forbid"}


_ADAPTERS: dict[type, Any] = {}  # class -> its pydantic TypeAdapter, made when first needed


def validate(cls: type[T], data: Any) -> T:
    """``data`` (read from YAML or TOML) checked and made into ``cls``: pydantic's
    ``ValidationError`` (see :func:`pipeline.errors.describe_validation_error`) when it is not
    valid."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    checked: T = adapter.validate_python(data)
    return checked


def to_json(obj: Any) -> Any:
    """A dataclass as JSON data: its fields in order, tuples as lists (as pydantic dumps it)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    return obj


def dumps(obj: Any) -> str:
    """``obj`` as compact JSON, byte for byte what pydantic's ``model_dump_json`` gave for it (the
    framework's digest, kept in round.json and the packaged caches, is of this text)."""
    return json.dumps(to_json(obj), ensure_ascii=False, separators=(",", ":"))


_PARTS: dict[type, dict[str, type]] = {}


def _parts(cls: type) -> dict[str, type]:
    """The fields of ``cls`` that hold dataclasses (one, or a tuple of them): field -> class.

    Read from the annotation's text (``tuple[Theme, ...]``, ``TextBlock | None``) by name in the
    class's module: evaluating the annotations would take far longer than the loading itself."""
    if cls in _PARTS:
        return _PARTS[cls]
    names = vars(sys.modules[cls.__module__])
    out = {}
    for f in dataclasses.fields(cls):
        for word in re.findall(r"[A-Za-z_]\w*", str(f.type)):
            found = names.get(word)
            if isinstance(found, type) and dataclasses.is_dataclass(found):
                out[f.name] = found
    _PARTS[cls] = out
    return out


def build(cls: type[T], data: Any) -> T:
    """``cls`` made from :func:`to_json`'s data by plain construction (no checks but the class's
    own ``__post_init__``): for data pydantic has accepted before. TypeError, KeyError or
    ValueError when ``data`` is not of that shape."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} needs a mapping")
    parts = _parts(cls)
    values = {}
    for name, value in data.items():
        part = parts.get(name)
        if isinstance(value, list):
            value = tuple(build(part, v) if part and isinstance(v, dict) else v for v in value)
        elif part is not None and isinstance(value, dict):
            value = build(part, value)
        values[name] = value
    return cls(**values)


@cache
def code_digest(*files: str) -> str:
    """A fingerprint of the source ``files`` (of the classes, their checks and the code that
    reads them, this module's own included): a copy made by other code is not used. Empty when
    a file cannot be read."""
    h = hashlib.sha256()
    for name in (__file__, *files):
        try:
            h.update(Path(name).read_bytes())
        except OSError:
            return ""
    return h.hexdigest()


def key(parts: Iterable[str]) -> str:
    """The key of a cache file: the format, the package version and ``parts`` (the digests of
    the source files and of the code that reads them)."""
    return hashlib.sha256(json.dumps([_FORMAT, __version__, *parts]).encode()).hexdigest()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(path: Path, expected_key: str, cls: type[T]) -> T | None:
    """What ``path`` keeps when its key is ``expected_key``, built as ``cls``; None when it is
    missing, damaged, of other sources or code, or not of ``cls``'s shape (it is then made
    again: nothing in a cache is trusted but what the key vouches for)."""
    try:
        data = load_data(path, expected_key)
        return None if data is None else build(cls, data)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def load_data(path: Path, expected_key: str) -> Any:
    """The JSON data ``path`` keeps when its key is ``expected_key``, as it was stored (no
    class); None when it is missing, damaged or of other sources or code."""
    try:
        kept = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(kept, dict) or kept.get("key") != expected_key:
        return None
    return kept.get("data")


def store(path: Path, stored_key: str, obj: Any) -> None:
    """Keep ``obj`` in ``path`` under ``stored_key``. A cache that cannot be written is skipped
    silently (a read-only folder, a full disk): the next run checks the file again."""
    text = json.dumps({"key": stored_key, "data": to_json(obj)}, ensure_ascii=False)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)  # whole or not at all, also with two runs at once
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
