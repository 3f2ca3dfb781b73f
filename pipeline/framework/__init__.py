"""The framework as data: load the packaged framework file, apply a council's overrides.

The YAML files are read and checked with pydantic (:mod:`pipeline.framework.checked`) only
when no checked copy of them is kept: the packaged files' copies are made when the package is
built (``python -m pipeline.framework --write``, next to the YAML), and a workspace keeps its
own framework.yaml's and practice-standards.yaml's in ``outputs/.cache`` (the folder passed as
``cache``). A copy is used only when its key, the digest of the files it was made from, of the
code that reads them and of the package version, is that of the files now: a changed file is
seen at once and checked as before, with the same messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pipeline import datafile
from pipeline.framework.models import (
    Criterion,
    Framework,
    FrameworkError,
    IRItem,
    PracticeStandards,
    QualityStatement,
    RatingOption,
    Standard,
    TextBlock,
    Theme,
)

__all__ = [
    "Criterion",
    "Framework",
    "FrameworkError",
    "IRItem",
    "PracticeStandards",
    "QualityStatement",
    "RatingOption",
    "Standard",
    "TextBlock",
    "Theme",
    "load_framework",
    "load_standards",
]

DEFAULT_FILE = "pch-cqc-la-v3.yaml"
STANDARDS_FILE = "practice-assurance-standards.yaml"

# The code a checked copy depends on: the classes, their checks and the merging of overrides
# (by file: reading checked.py's source does not import pydantic, as importing it would).
_CODE = tuple(str(Path(__file__).with_name(name)) for name in ("models.py", "checked.py"))


def _code() -> str:
    return datafile.code_digest(*_CODE)


def _data_file(name: str) -> Path:
    # By path, not importlib.resources (a few ms to import): the package is always unpacked.
    return Path(__file__).with_name("data") / name


def packaged_json(name: str) -> Path:
    """The checked copy of a packaged YAML file (``pch-cqc-la-v3.json``), made when the package
    is built."""
    return _data_file(name).with_suffix(".json")


@lru_cache(maxsize=4)
def _packaged(name: str) -> tuple[bytes, str]:
    """A packaged file's bytes and their digest (read once: the package does not change)."""
    raw = _data_file(name).read_bytes()
    return raw, datafile.digest(raw)


def _framework_key(override: bytes | None) -> str:
    parts = [_code(), "framework", _packaged(DEFAULT_FILE)[1]]
    return datafile.key(parts if override is None else [*parts, datafile.digest(override)])


def _standards_key(raw: bytes) -> str:
    return datafile.key([_code(), "standards", datafile.digest(raw)])


def _check_framework(override: bytes | None, override_name: str) -> Framework:
    from pipeline.framework.checked import check_framework

    return check_framework(_packaged(DEFAULT_FILE)[0], DEFAULT_FILE, override, override_name)


def _check_standards(raw: bytes, source: str) -> PracticeStandards:
    from pipeline.framework.checked import check_standards

    return check_standards(raw, source)


@lru_cache(maxsize=8)
def _load(name: str, override: bytes | None, cache: Path | None) -> Framework:
    """The framework with ``override`` (the bytes of the council's file ``name``) applied: a
    kept checked copy when its key is right, else checked now (and kept in ``cache``)."""
    return _kept_or_checked(
        Framework,
        _framework_key(override),
        packaged_json(DEFAULT_FILE) if override is None else None,
        None if cache is None else cache / "framework.json",
        lambda: _check_framework(override, name),
    )


def load_framework(override: Path | None = None, cache: Path | None = None) -> Framework:
    """The packaged framework, with a council's override file applied when it exists.

    ``cache``: a folder to keep the checked framework in (a workspace's ``outputs/.cache``), so
    that the next run reads neither YAML nor pydantic."""
    if override is None or not override.is_file():
        return _load(DEFAULT_FILE, None, None)
    try:
        raw = override.read_bytes()
    except OSError as e:
        raise FrameworkError(f"{override.name} cannot be read ({e.strerror}).") from e
    return _load(override.name, raw, cache)


@lru_cache(maxsize=8)
def _load_standards(name: str, raw: bytes, packaged: bool, cache: Path | None) -> PracticeStandards:
    return _kept_or_checked(
        PracticeStandards,
        _standards_key(raw),
        packaged_json(STANDARDS_FILE) if packaged else None,
        None if cache is None else cache / "standards.json",
        lambda: _check_standards(raw, name),
    )


_Checked = TypeVar("_Checked", Framework, PracticeStandards)


def _kept_or_checked(
    cls: type[_Checked],
    key: str,
    packaged: Path | None,
    cache_file: Path | None,
    check: Callable[[], _Checked],
) -> _Checked:
    """The checked copy made when the package was built (``packaged``), else the one kept in
    ``cache_file``, when its key is ``key``; otherwise ``check()`` now, kept in ``cache_file``
    (a packaged file's copy is never kept there: it is made when the package is built)."""
    kept = packaged or cache_file
    found = None if kept is None else datafile.load(kept, key, cls)
    if found is not None:
        return found
    checked = check()
    if packaged is None and cache_file is not None:
        datafile.store(cache_file, key, checked)
    return checked


def load_standards(
    override: Path | None = None, framework: Framework | None = None, cache: Path | None = None
) -> PracticeStandards:
    """The practice assurance standards case files are audited against: a council's own file
    (``inputs/practice-standards.yaml``) when it exists, else the packaged ones. With
    ``framework``, every IR item the standards name must be one of its items. ``cache``: as
    for :func:`load_framework`."""
    if override is not None and override.is_file():
        try:
            raw = override.read_bytes()
        except OSError as e:
            raise FrameworkError(f"{override.name} cannot be read as UTF-8 text ({e}).") from e
        standards = _load_standards(override.name, raw, False, cache)
    else:
        standards = _load_standards(STANDARDS_FILE, _packaged(STANDARDS_FILE)[0], True, None)
    if framework is not None:
        try:
            standards.check_ir_items(framework)
        except ValueError as e:
            raise FrameworkError(f"The practice standards are not valid: {e}.") from e
    return standards


def packaged_copies() -> dict[Path, str]:
    """What the packaged checked copies must hold now: path -> text (for ``--write`` and the
    test that they are up to date)."""
    framework = _check_framework(None, DEFAULT_FILE)
    raw = _packaged(STANDARDS_FILE)[0]
    standards = _check_standards(raw, STANDARDS_FILE)
    copies: dict[Path, tuple[str, Any]] = {
        packaged_json(DEFAULT_FILE): (_framework_key(None), framework),
        packaged_json(STANDARDS_FILE): (_standards_key(raw), standards),
    }
    return {
        path: json.dumps({"key": key, "data": datafile.to_json(obj)}, ensure_ascii=False, indent=1)
        + "\n"
        for path, (key, obj) in copies.items()
    }
