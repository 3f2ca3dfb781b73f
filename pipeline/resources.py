"""The files selfassess ships beside its code: the report template and the workbook style.

Installed from a wheel they are inside the package, in ``pipeline/_templates/`` (the build puts
them there: ``[tool.hatch.build.targets.wheel]`` in ``pyproject.toml``). In a checkout, and so in
an editable install, they are the repository's top-level ``templates/``.
Standard library only, so that any module may use this one.
"""

from __future__ import annotations

from pathlib import Path

INSTALLED = "_templates"

# The package's folder, found from this file rather than with importlib.resources.files (which
# gives the same folder for a package installed as files, but costs every command a few ms to
# import: issue 13).
PACKAGE = Path(__file__).parent


def templates_dir() -> Path:
    """The folder of the shipped templates (``docx/``, ``xlsx/``)."""
    package = PACKAGE
    # A wheel installs plain files, so the package is a folder on disk: python-docx and the
    # caches need real paths. A zipped install would not be, and is not supported.
    if not package.is_dir():
        raise RuntimeError(f"selfassess must be installed as files, not zipped: {package}")
    installed = package / INSTALLED
    return installed if installed.is_dir() else package.parent / "templates"


def template_path(relative: str) -> Path:
    """A shipped template by its ``/`` path, e.g. ``template_path("xlsx/style.toml")``.

    The path may not exist (a broken install): callers say so in their own words."""
    return templates_dir().joinpath(*relative.split("/"))


def regenerate(made: dict[Path, str], argv: list[str]) -> int:
    """The command line of the files made when the package is built from what it ships (the
    blank workbooks' texts, the report template's printed words, the framework's checked
    copies): ``--write`` writes each file; otherwise it says whether each is up to date."""
    for path, text in made.items():
        if "--write" in argv:
            path.write_text(text, "utf-8")
            print(f"wrote {path}")
        else:
            same = path.is_file() and path.read_text("utf-8") == text
            print(f"{path}: {'up to date' if same else 'out of date: run with --write'}")
    return 0
