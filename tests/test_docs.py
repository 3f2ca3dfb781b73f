"""The page images in docs/ are current: each was made (by ``make docs``) from the files it
shows, and none of them has changed since. Fast: digests only, no LibreOffice."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def make_docs() -> Any:
    spec = importlib.util.spec_from_file_location("make_docs", DOCS / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recorded() -> dict[str, str]:
    return json.loads((DOCS / "images.json").read_text(encoding="utf-8"))


def test_every_image_is_made_from_what_it_was_made_from() -> None:
    current = make_docs().digests()
    stale = sorted(image for image, digest in recorded().items() if current.get(image) != digest)
    assert not stale, f"docs/ images out of date: {', '.join(stale)}; run `make docs`"
    assert set(current) == set(recorded()), "run `make docs`"


def test_every_image_in_docs_is_made_by_make_docs() -> None:
    images = {p.name for p in DOCS.glob("*.png")}
    assert images == set(recorded()), "every image in docs/ is made by `make docs`"


def test_every_readme_image_exists_and_every_image_is_shown() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\]\((docs/[^)\s]+\.png)\)", readme))
    assert shown, "README shows the images in docs/"
    assert not [p for p in shown if not (ROOT / p).is_file()]
    # docs/serve/: screenshots of `selfassess serve` drawn by a browser (docs/serve_screenshots.py)
    made_by_make_docs = {p for p in shown if not p.startswith("docs/serve/")}
    assert {f"docs/{name}" for name in recorded()} == made_by_make_docs


def test_a_changed_input_is_a_stale_image(tmp_path: Path) -> None:
    module = make_docs()
    for name in ("selfassess.toml", "inputs/evidence-library.xlsx", "pipeline/_version.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    before = module.digest("evidence-library.png", tmp_path)
    assert before != module.digest("report-cover.png", tmp_path)
    (tmp_path / "inputs/evidence-library.xlsx").write_bytes(b"changed")
    assert module.digest("evidence-library.png", tmp_path) != before
