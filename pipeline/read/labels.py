"""The one label matcher: how a label people may have retyped is compared with the form's."""

from __future__ import annotations

import re

_NOTE = re.compile(r"\([^)]*\)")


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_label(text: str, *, notes: bool = True) -> str:
    """How labels are compared: case, spacing and punctuation do not matter, so
    ``'Lead officer (post):'`` -> ``'lead officer post'``. With ``notes=False`` a note in
    brackets does not matter either: ``'Publicly available? (Yes/No)'`` -> ``'publicly available'``
    (the register's headings, where people drop or change the note)."""
    if not notes:
        text = _NOTE.sub(" ", text)
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())
