"""Reading the framework's YAML files and checking them with pydantic: what
:mod:`pipeline.framework` does when no checked copy of them is kept (the package's own, made when
it is built, or a workspace's in ``outputs/.cache``). Imports yaml and pydantic, so only then."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.datafile import validate
from pipeline.errors import describe_validation_error
from pipeline.framework.models import Framework, FrameworkError, PracticeStandards


def read_yaml(text: str, source: str) -> Any:
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


def _read_overrides(raw: bytes, name: str) -> dict[str, Any]:
    """The override file, checked: one clear FrameworkError naming the file and key otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FrameworkError(
            f"{name} is not UTF-8 text (byte {e.start + 1} cannot be read); save it as "
            "UTF-8 in your editor and run again."
        ) from e
    overrides = read_yaml(text, name)
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise FrameworkError(
            f"{name} must be a mapping with any of ir_items, quality_statements, "
            "respondent_groups and sign_off_roles (it is a "
            f"{type(overrides).__name__}); see the README's 'The framework is data'."
        )
    try:
        checked = _Overrides.model_validate(overrides)
    except ValidationError as e:
        raise FrameworkError(
            f"{name} is not valid: {describe_validation_error(e)}. Each item of ir_items and "
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


def check_framework(
    packaged: bytes, packaged_name: str, override: bytes | None, override_name: str
) -> Framework:
    """The packaged framework file with a council's override file (when not None) applied,
    checked: FrameworkError naming the file and what is wrong otherwise."""
    data = read_yaml(packaged.decode("utf-8"), packaged_name)
    source = packaged_name
    if override is not None:
        data = _apply_overrides(data, _read_overrides(override, override_name))
        source = f"{packaged_name} with {override_name}"
    try:
        return validate(Framework, data)
    except ValidationError as e:
        raise FrameworkError(
            f"The framework data ({source}) is not valid: {describe_validation_error(e)}"
        ) from e


def check_standards(raw: bytes, source: str) -> PracticeStandards:
    """A practice standards file, checked: FrameworkError otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FrameworkError(f"{source} cannot be read as UTF-8 text ({e}).") from e
    data = read_yaml(text, source)
    try:
        return validate(PracticeStandards, data)
    except ValidationError as e:
        raise FrameworkError(
            f"The practice standards ({source}) are not valid: {describe_validation_error(e)}"
        ) from e
