"""The framework as data: load the packaged framework file, apply a council's overrides."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.framework.models import (
    Framework,
    IRItem,
    QualityStatement,
    RatingOption,
    TextBlock,
    Theme,
)

__all__ = [
    "Framework",
    "FrameworkError",
    "IRItem",
    "QualityStatement",
    "RatingOption",
    "TextBlock",
    "Theme",
    "load_framework",
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
        raise FrameworkError(f"{source} is not valid YAML: {e}") from e


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


def _apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A council's override file: ``ir_items`` and ``quality_statements`` merged by code."""
    data = dict(data)
    if "ir_items" in overrides:
        merged = _merge_by_code(data["ir_items"], overrides["ir_items"])
        data["ir_items"] = sorted(merged, key=lambda item: int(str(item["code"])[2:]))
    if "quality_statements" in overrides:
        by_code = {qs["code"]: qs for qs in overrides["quality_statements"]}
        themes = []
        for theme in data["themes"]:
            theme = dict(theme)
            theme["quality_statements"] = [
                {**qs, **by_code.get(qs["code"], {})} for qs in theme["quality_statements"]
            ]
            themes.append(theme)
        data["themes"] = themes
    for key in ("respondent_groups", "sign_off_roles"):
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
        overrides = _read_yaml(path.read_text("utf-8"), path.name) or {}
        if not isinstance(overrides, dict):
            raise FrameworkError(f"{path.name} must be a mapping of ir_items / quality_statements")
        data = _apply_overrides(data, overrides)
        source = f"{DEFAULT_FILE} with {path.name}"
    try:
        return Framework.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()[:5]
        )
        raise FrameworkError(f"The framework data ({source}) is not valid: {problems}") from e


def load_framework(override: Path | None = None) -> Framework:
    """The packaged framework, with a council's override file applied when it exists."""
    if override is not None and override.is_file():
        return _load(str(override.resolve()), override.stat().st_mtime)
    return _load(None, 0.0)
