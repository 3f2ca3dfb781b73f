"""What a blank generated workbook holds, so that read-back can tell what people typed.

Building a blank workbook is the only openpyxl work in reading; its texts are cached in
``outputs/.cache`` between runs, keyed by the framework, the template and this code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.xlsx.identity import IDENTITY_SHEET

if TYPE_CHECKING:
    from pipeline.framework import Framework
    from pipeline.model.findings import Finding
    from pipeline.workspace import Workspace
    from pipeline.xlsx.cells import ReadWorkbook


# Bump when the cache files' layout changes.
_CACHE_FORMAT = "1"


# The modules whose code decides what a blank workbook holds, and how read-back sees it: a
# change to any of them (even without a new version number) makes a fresh cache.
_SOURCES = ("forms", "read", "xlsx", "model")


# The custom document property that holds a generated workbook's blank fingerprint (see
# stamp_blank). Not under the identity's "selfassess." prefix: the identity must agree with the
# hidden sheet, and this is not part of it.
BLANK_PROPERTY = "selfassess-blank"


def is_filled(path: Path, input_cells: dict[str, set[str]]) -> bool:
    """Whether a generated workbook at ``path`` has anything typed in it: in its input cells, or
    anywhere else (a note beside the form, a changed heading, a number typed over a formula).

    A workbook stamped when it was made (:func:`stamp_blank`) is filled when its typed cells
    differ from the stamp; one made by an older version (or whose document properties another
    program dropped) is filled when its input cells hold anything. A file that cannot be read
    counts as filled: we cannot tell, so we keep it.
    """
    from pipeline.xlsx.cells import WorkbookRejected
    from pipeline.xlsx.reader import open_workbook

    if not path.exists():
        return False
    try:
        wb = open_workbook(path)
    except WorkbookRejected:
        return True
    for sheet_name, cells in input_cells.items():
        sheet = wb.sheets.get(sheet_name)
        if sheet is not None and any(sheet.text(ref).strip() for ref in cells):
            return True
    stamp = wb.custom_properties.get(BLANK_PROPERTY)
    return stamp is not None and stamp != typed_digest(wb)


def typed_digest(wb: ReadWorkbook) -> str:
    """A fingerprint of everything a person could have typed: each non-blank cell that holds no
    formula (a formula's cached result changes whenever a program recalculates it), with its
    place and text, each comment and each text box, on every sheet but the identity sheet."""
    from pipeline.xlsx.cells import split_ref

    sha = hashlib.sha256()
    for name, sheet in wb.sheets.items():
        if name == IDENTITY_SHEET:
            continue
        typed = sorted(
            (split_ref(ref), ref, text)
            for ref, cell in sheet.cells.items()
            if cell.formula is None and (text := sheet.text(ref)).strip()
        )
        notes = sorted(sheet.comments.items())
        shapes = [shape.text for shape in sheet.shapes]
        cells = [[ref, text] for _at, ref, text in typed]
        sha.update(json.dumps([name, cells, notes, shapes]).encode())
    return sha.hexdigest()


def stamp_blank(wb: Any) -> None:
    """Record in a freshly generated (openpyxl) workbook the fingerprint of its cells
    (:func:`typed_digest`), so that :func:`is_filled` can tell any later typing from the blank."""
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(name=BLANK_PROPERTY, value=typed_digest(_read(wb))))


def _read(wb: Any) -> ReadWorkbook:
    """An openpyxl workbook as the safe reader reads it back once saved."""
    import io
    import tempfile

    from pipeline.xlsx.reader import open_workbook

    buffer = io.BytesIO()
    wb.save(buffer)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        tmp.write(buffer.getvalue())
        tmp.flush()
        return open_workbook(Path(tmp.name))


def expected_cells(wb: Any) -> dict[str, dict[str, str]]:
    """What a freshly generated (openpyxl) workbook holds, as read-back sees it: sheet -> cell
    -> text. Read-back compares a returned workbook with this to find text typed outside the
    input cells."""
    read = _read(wb)
    return {
        name: {ref: sheet.text(ref) for ref in sheet.cells} for name, sheet in read.sheets.items()
    }


def cache_dir(ws: Workspace) -> Path:
    """Where a workspace keeps what the tool can remake at any time: ``outputs/.cache``."""
    return ws.outputs / ".cache"


def framework_digest(framework: Framework) -> str:
    """A fingerprint of the framework's whole content (packaged data with any overrides)."""
    return framework.digest


def cached_expected_cells(
    folder: Path | None,
    name: str,
    key: Sequence[str],
    build: Callable[[], Any],
    shipped: Sequence[str] = (),
) -> dict[str, dict[str, str]]:
    """:func:`expected_cells` of the workbook ``build()`` makes, kept in ``folder`` between runs.

    Building a blank workbook with openpyxl, saving it and reading it back takes far longer
    than reading this small JSON file, and every ``collect``, ``validate`` and ``build`` needs
    the blank checklists and workbooks. ``key`` must hold everything the texts depend on (the
    framework's digest, the council, the template kind and version...); the package version,
    the code of the modules that make and read the workbooks and openpyxl's version are added
    here. A missing, unreadable or damaged file is simply made again; ``folder=None`` (or one
    that cannot be written) keeps nothing.

    ``shipped``: the part of ``key`` the texts really depend on (the framework's digest, the
    template kind and version, the quality statement): the packaged framework's blank
    workbooks were read when the package was built (``SHIPPED_CELLS``), so a new workspace
    builds none.
    """
    if shipped:
        found = _shipped_cells().get(shipped_id(name, shipped))
        if found is not None:
            return {sheet: dict(cells) for sheet, cells in found.items()}
    digest = hashlib.sha256(
        json.dumps([_CACHE_FORMAT, _code_digest(), name, *key]).encode()
    ).hexdigest()
    path = None if folder is None else folder / f"{name}-{digest[:40]}.json"
    if path is not None:
        cached = _load_cells(path)
        if cached is not None:
            return cached
    cells = expected_cells(build())
    if path is not None:
        _store_cells(path, cells)
    return cells


# The blank workbooks of the packaged framework as read-back sees them, made with the shipped
# style when the package is built: ``python -m pipeline.read.expected --write`` (after changing
# a form or the framework); tests/test_expected_cells.py checks it is what they hold now. The
# texts do not depend on the council or the style (the council's name is in the page header).
SHIPPED_CELLS = Path(__file__).with_name("blank-cells.json")


def shipped_id(name: str, shipped: Sequence[str]) -> str:
    """The key of a blank workbook in ``SHIPPED_CELLS``."""
    return hashlib.sha256(json.dumps([_CACHE_FORMAT, name, *shipped]).encode()).hexdigest()[:40]


@lru_cache(maxsize=1)
def _shipped_cells() -> dict[str, dict[str, dict[str, str]]]:
    try:
        data = json.loads(SHIPPED_CELLS.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def shipped_blank_cells() -> dict[str, dict[str, dict[str, str]]]:
    """What ``SHIPPED_CELLS`` holds: every blank workbook of the packaged framework (the nine
    checklists, the evidence library and the overview), made with the shipped style."""
    from pipeline.forms.checklist import build_checklist
    from pipeline.forms.overview import build_overview
    from pipeline.forms.register import build_evidence_library
    from pipeline.framework import load_framework
    from pipeline.resources import template_path
    from pipeline.xlsx.identity import CHECKLIST, LIBRARY, OVERVIEW
    from pipeline.xlsx.write import STYLE_FILE, Style

    framework = load_framework()
    digest = framework_digest(framework)
    style = Style.load(template_path(STYLE_FILE))
    made: dict[str, dict[str, dict[str, str]]] = {}
    for qs in framework.quality_statements:
        name = f"{CHECKLIST.kind}-{qs.code}"
        shipped = [digest, CHECKLIST.kind, CHECKLIST.version, qs.code]
        made[shipped_id(name, shipped)] = expected_cells(build_checklist(framework, qs, style, ""))
    library = build_evidence_library(framework, style)
    made[shipped_id(LIBRARY.kind, [digest, LIBRARY.kind, LIBRARY.version])] = expected_cells(
        library
    )
    overview = build_overview(framework, style, "")
    made[shipped_id(OVERVIEW.kind, [digest, OVERVIEW.kind, OVERVIEW.version])] = expected_cells(
        overview
    )
    return made


def shipped_cells_text() -> str:
    """``shipped_blank_cells`` as ``SHIPPED_CELLS`` keeps it: one workbook a line, so that a
    changed form shows as a changed line."""
    made = shipped_blank_cells()
    lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(made.items())]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.read.expected [--write]``: whether ``SHIPPED_CELLS`` holds the blank
    workbooks' texts as they are now; ``--write`` writes it."""
    import sys

    from pipeline.resources import regenerate

    return regenerate({SHIPPED_CELLS: shipped_cells_text()}, sys.argv[1:] if argv is None else argv)


@lru_cache(maxsize=1)
def _code_digest() -> str:
    from importlib.util import find_spec

    from pipeline._version import __version__

    package = Path(__file__).resolve().parent.parent
    sha = hashlib.sha256(__version__.encode())
    for folder in _SOURCES:
        for path in sorted((package / folder).glob("*.py")):
            sha.update(path.name.encode())
            sha.update(path.read_bytes())
    # openpyxl writes the blank workbooks: its version, without importing it (slow).
    spec = find_spec("openpyxl")
    if spec is not None and spec.origin is not None:
        constants = Path(spec.origin).with_name("_constants.py")
        if constants.is_file():
            sha.update(constants.read_bytes())
    return sha.hexdigest()


def _load_cells(path: Path) -> dict[str, dict[str, str]] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for sheet, cells in data.items():
        if not isinstance(sheet, str) or not isinstance(cells, dict):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in cells.items()):
            return None
    return data


def _store_cells(path: Path, cells: dict[str, dict[str, str]]) -> None:
    from pipeline.xlsx.write import atomic_path

    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(cells, ensure_ascii=True), "utf-8")
    except OSError:
        pass  # a read-only workspace: the next run makes them again
    else:
        _prune(path)


def _prune(kept: Path, keep: int = 64) -> None:
    """Remove the oldest cache files beyond ``keep`` (left by earlier versions or settings)."""
    try:
        files = [p for p in kept.parent.glob("*.json") if p != kept]
        if len(files) < keep:
            return
        files.sort(key=lambda p: p.stat().st_mtime)
        for old in files[: len(files) - keep + 1]:
            old.unlink()
    except OSError:
        pass


def unplaced_cells(
    wb: ReadWorkbook,
    expected: dict[str, dict[str, str]],
    input_cells: dict[str, set[str]],
    file: str,
    skip_sheets: frozenset[str] = frozenset({IDENTITY_SHEET}),
) -> list[Finding]:
    """``ignored-content`` for every non-empty cell that is neither an input cell nor the
    template's own unchanged text: whatever a person typed there would otherwise be lost."""
    from pipeline.model.findings import error, excerpt
    from pipeline.xlsx.cells import format_value

    found: list[Finding] = []
    for name, sheet in wb.sheets.items():
        if name in skip_sheets:
            continue
        on_sheet: list[Finding] = []
        template = expected.get(name)
        inputs = input_cells.get(name, set())
        for ref, cell in sheet.cells.items():
            if ref in inputs:
                continue
            value = cell.value
            text = value if type(value) is str else format_value(value)  # as sheet.text(ref)
            if template is not None and template.get(ref) == text:
                continue
            if not text.strip():
                continue
            if template is None:
                why = f"a sheet the template does not have ('{name}')"
            elif ref in template:
                why = "a cell of the form that was changed"
            else:
                why = "a cell outside the form"
            on_sheet.append(
                error(
                    "ignored-content",
                    file,
                    f"Text in {why} is not read: “{excerpt(text)}”. Move it into the right "
                    "input cell, or delete it.",
                    sheet=name,
                    cell=ref,
                )
            )
        found.extend(cap_per_sheet(on_sheet, name, file))
    return found


MAX_IGNORED_PER_SHEET = 20


def cap_per_sheet(found: list[Finding], sheet: str, file: str) -> list[Finding]:
    """At most ``MAX_IGNORED_PER_SHEET`` findings for one sheet, then one that counts the rest
    and names the block of cells they are in: thousands of stray cells stay one screenful (and
    one row per cell would make the validation report take minutes), yet every cell is still
    within a reported range."""
    from pipeline.model.findings import error
    from pipeline.xlsx.cells import column_letters, split_ref

    if len(found) <= MAX_IGNORED_PER_SHEET:
        return found
    rest = found[MAX_IGNORED_PER_SHEET:]
    places = []
    for f in rest:
        try:
            places.append(split_ref(f.cell or ""))
        except ValueError:
            continue
    where, block = "", None
    if places:
        rows = [r for r, _ in places]
        cols = [c for _, c in places]
        top = f"{column_letters(min(cols))}{min(rows)}"
        bottom = f"{column_letters(max(cols))}{max(rows)}"
        block = f"{top}:{bottom}" if top != bottom else top
        where = f" (in {block})"
    return [
        *found[:MAX_IGNORED_PER_SHEET],
        error(
            "ignored-content",
            file,
            f"… and {len(rest)} more cells with text on this sheet are not read{where}. Move "
            "anything that matters into the yellow cells, or delete it.",
            sheet=sheet,
            cell=block,
        ).with_data(cells=len(rest)),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
