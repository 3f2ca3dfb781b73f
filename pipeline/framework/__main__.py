"""``python -m pipeline.framework [--write]``: the packaged framework and practice standards,
checked; ``--write`` keeps them next to their YAML files (``pch-cqc-la-v3.json``...), for
loading without yaml or pydantic. Run it after changing a packaged YAML file or the classes
(tests/test_checked_data.py fails until then; until then the YAML is read and checked instead)."""

from __future__ import annotations

import sys

from pipeline.framework import packaged_copies
from pipeline.resources import regenerate


def main(argv: list[str] | None = None) -> int:
    return regenerate(packaged_copies(), sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
