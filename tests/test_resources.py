"""The shipped templates: where they are found, the one copy of the style defaults, and a clear
error when an install lacks them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline import resources
from pipeline.errors import SelfAssessError
from pipeline.report.build import TEMPLATE
from pipeline.resources import template_path, templates_dir
from pipeline.workspace import Workspace
from pipeline.xlsx.write import STYLE_FILE, Style

CHECKOUT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_in_a_checkout_the_templates_are_the_top_level_folder() -> None:
    assert templates_dir() == CHECKOUT_TEMPLATES
    assert template_path(TEMPLATE) == CHECKOUT_TEMPLATES / "docx" / "self-assessment.docx"
    assert template_path(STYLE_FILE).is_file()


def test_installed_the_templates_inside_the_package_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "pipeline"
    (package / "_templates" / "xlsx").mkdir(parents=True)
    (tmp_path / "site-packages" / "templates").mkdir()  # someone else's: never ours
    monkeypatch.setattr(resources, "PACKAGE", package)
    assert templates_dir() == package / "_templates"
    assert template_path("xlsx/style.toml") == package / "_templates" / "xlsx" / "style.toml"


def test_the_defaults_are_the_shipped_style_file() -> None:
    shipped = tomllib.loads(template_path(STYLE_FILE).read_text("utf-8"))
    assert Style.load(template_path(STYLE_FILE)).values == shipped


def test_a_council_copy_changes_only_what_it_sets(workspace: Workspace) -> None:
    own = workspace.root / "templates" / STYLE_FILE
    own.parent.mkdir(parents=True)
    own.write_text('font = "Verdana"\n', "utf-8")
    assert workspace.template(STYLE_FILE) == own
    values = Style.load(own).values
    shipped = tomllib.loads(template_path(STYLE_FILE).read_text("utf-8"))
    assert values == {**shipped, "font": "Verdana"}


def test_a_council_copy_with_an_unknown_setting_is_refused(workspace: Workspace) -> None:
    own = workspace.root / "templates" / STYLE_FILE
    own.parent.mkdir(parents=True)
    own.write_text('colour_of_the_sky = "blue"\n', "utf-8")
    with pytest.raises(SelfAssessError, match="unknown settings"):
        Style.load(own)


def test_a_broken_council_copy_is_a_clear_error(workspace: Workspace) -> None:
    own = workspace.root / "templates" / STYLE_FILE
    own.parent.mkdir(parents=True)
    own.write_text("font = ", "utf-8")
    with pytest.raises(SelfAssessError, match="cannot be read"):
        Style.load(own)


def test_an_install_without_its_templates_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workspace: Workspace
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(resources, "templates_dir", lambda: empty)
    with pytest.raises(SelfAssessError, match="packaging fault"):
        Style.load(empty / STYLE_FILE)
    with pytest.raises(SelfAssessError, match="packaging fault"):
        workspace.template(TEMPLATE)
    with pytest.raises(SelfAssessError, match="packaging fault"):
        workspace.template(STYLE_FILE)
