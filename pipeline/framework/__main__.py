"""``python -m pipeline.framework [--write]``: the packaged framework and practice standards,
checked; ``--write`` keeps them next to their YAML files (``pch-cqc-la-v3.json``...), for
loading without yaml or pydantic. Run it after changing a packaged YAML file or the classes
(tests/test_checked_data.py fails until then; until then the YAML is read and checked instead)."""

from __future__ import annotations

import sys

from pipeline.framework import packaged_copies


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path, text in packaged_copies().items():
        if "--write" in args:
            path.write_text(text, "utf-8")
            print(f"wrote {path}")
        else:
            same = path.is_file() and path.read_text("utf-8") == text
            print(f"{path}: {'up to date' if same else 'out of date: run with --write'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
