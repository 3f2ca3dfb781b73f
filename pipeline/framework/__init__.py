"""The framework as data: load the packaged framework file, apply a council's overrides."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import describe_validation_error
from pipeline.framework.models import (
    Criterion,
    Framework,
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


class FrameworkError(Exception):
    """The framework data (packaged or a council's override file) is not valid."""


def _read_yaml(text: str, source: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e)
        raise FrameworkError(
            f"{source} is not valid YAML{where}: {' '.join(str(what).split())}."
        ) from e


class _Item(BaseModel):
    """An item of an override list: a code, then any fields to set (checked with the rest)."""

    model_config = ConfigDict(extra="allow")
    code: str


class _Overrides(BaseModel):
    """What a council's ``inputs/framework.yaml`` may hold."""

    model_config = ConfigDict(extra="forbid")
    ir_items: list[_Item] = []
    quality_statements: list[_Item] = []
    respondent_groups: list[str] | None = None
    sign_off_roles: list[str] | None = None
    people_who_use_services: list[str] | None = None
    staff_and_partners: list[str] | None = None


def _read_overrides(path: Path) -> dict[str, Any]:
    """The override file, checked: one clear FrameworkError naming the file and key otherwise."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FrameworkError(
            f"{path.name} is not UTF-8 text (byte {e.start + 1} cannot be read); save it as "
            "UTF-8 in your editor and run again."
        ) from e
    except OSError as e:
        raise FrameworkError(f"{path.name} cannot be read ({e.strerror}).") from e
    overrides = _read_yaml(text, path.name)
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise FrameworkError(
            f"{path.name} must be a mapping with any of ir_items, quality_statements, "
            "respondent_groups and sign_off_roles (it is a "
            f"{type(overrides).__name__}); see the README's 'The framework is data'."
        )
    try:
        checked = _Overrides.model_validate(overrides)
    except ValidationError as e:
        raise FrameworkError(
            f"{path.name} is not valid: {describe_validation_error(e)}. Each item of ir_items and "
            "quality_statements needs a code (e.g. code: IR31); groups and roles are lists of "
            "text."
        ) from e
    return checked.model_dump(exclude_none=True, exclude_defaults=True)


def _merge_by_code(base: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items in ``extra`` replace fields of the item with the same code, or are appended."""
    out = [dict(item) for item in base]
    index = {item["code"]: i for i, item in enumerate(out)}
    for item in extra:
        code = item.get("code")
        if code in index:
            out[index[code]].update(item)
        else:
            out.append(dict(item))
    return out


def _ir_order(item: dict[str, Any]) -> tuple[int, str]:
    """IR2 before IR10; a code that is not IR and a number sorts last (and is refused later)."""
    code = str(item["code"])
    number = code[2:]
    return (int(number), code) if code.startswith("IR") and number.isdigit() else (10**9, code)


def _apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A council's override file: ``ir_items`` and ``quality_statements`` merged by code."""
    data = dict(data)
    if "ir_items" in overrides:
        merged = _merge_by_code(data["ir_items"], overrides["ir_items"])
        data["ir_items"] = sorted(merged, key=_ir_order)
    if "quality_statements" in overrides:
        by_code = {qs["code"]: qs for qs in overrides["quality_statements"]}
        known = {qs["code"] for theme in data["themes"] for qs in theme["quality_statements"]}
        unknown = sorted(set(by_code) - known)
        if unknown:
            raise FrameworkError(
                f"framework.yaml changes quality statements the framework does not have: "
                f"{', '.join(unknown)}; use one of {', '.join(sorted(known))}."
            )
        themes = []
        for theme in data["themes"]:
            theme = dict(theme)
            theme["quality_statements"] = [
                {**qs, **by_code.get(qs["code"], {})} for qs in theme["quality_statements"]
            ]
            themes.append(theme)
        data["themes"] = themes
    for key in (
        "respondent_groups",
        "sign_off_roles",
        "people_who_use_services",
        "staff_and_partners",
    ):
        if key in overrides:
            data[key] = overrides[key]
    return data


@lru_cache(maxsize=8)
def _load(override_path: str | None, override_mtime: float) -> Framework:
    text = resources.files("pipeline.framework.data").joinpath(DEFAULT_FILE).read_text("utf-8")
    data = _read_yaml(text, DEFAULT_FILE)
    source = DEFAULT_FILE
    if override_path is not None:
        path = Path(override_path)
        overrides = _read_overrides(path)
        data = _apply_overrides(data, overrides)
        source = f"{DEFAULT_FILE} with {path.name}"
    try:
        return Framework.model_validate(data)
    except ValidationError as e:
        raise FrameworkError(
            f"The framework data ({source}) is not valid: {describe_validation_error(e)}"
        ) from e


def load_framework(override: Path | None = None) -> Framework:
    """The packaged framework, with a council's override file applied when it exists."""
    if override is not None and override.is_file():
        return _load(str(override.resolve()), override.stat().st_mtime)
    return _load(None, 0.0)


STANDARDS_FILE = "practice-assurance-standards.yaml"


@lru_cache(maxsize=8)
def _load_standards(path: str | None, mtime: float) -> PracticeStandards:
    if path is None:
        source = STANDARDS_FILE
        text = resources.files("pipeline.framework.data").joinpath(source).read_text("utf-8")
    else:
        source = Path(path).name
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise FrameworkError(f"{source} cannot be read as UTF-8 text ({e}).") from e
    data = _read_yaml(text, source)
    try:
        return PracticeStandards.model_validate(data)
    except ValidationError as e:
        raise FrameworkError(
            f"The practice standards ({source}) are not valid: {describe_validation_error(e)}"
        ) from e


def load_standards(
    override: Path | None = None, framework: Framework | None = None
) -> PracticeStandards:
    """The practice assurance standards case files are audited against: a council's own file
    (``inputs/practice-standards.yaml``) when it exists, else the packaged ones. With
    ``framework``, every IR item the standards name must be one of its items."""
    if override is not None and override.is_file():
        standards = _load_standards(str(override.resolve()), override.stat().st_mtime)
    else:
        standards = _load_standards(None, 0.0)
    if framework is not None:
        try:
            standards.check_ir_items(framework)
        except ValueError as e:
            raise FrameworkError(f"The practice standards are not valid: {e}.") from e
    return standards
