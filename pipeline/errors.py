"""Exceptions for problems the tool cannot go on from; messages name the file and the fix."""

from __future__ import annotations

from typing import Any


class SelfAssessError(Exception):
    """A problem a user can cause and fix: the CLI prints the message and exits with 1."""


def describe_validation_error(e: Any, limit: int = 5) -> str:
    """A pydantic ``ValidationError``'s problems as ``key: what is wrong (it is 'x')``, in plain
    words, the first ``limit`` of them: for the one-line messages about a council's files. The
    same words whether pydantic checked a model or a dataclass (which it reports in other words:
    an unknown key is an "unexpected keyword argument")."""
    out = []
    for err in e.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(the whole file)"
        if not where.isprintable():
            where = repr(where)
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (it is {got!r:.40})"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):  # model, dataclass
            message, shown = "not a key this file may have", ""
        elif err["type"] == "dataclass_type":  # in the words pydantic uses for a model
            name = err.get("ctx", {}).get("class_name", "")
            message = f"Input should be a valid dictionary or instance of {name}"
        elif err["type"] == "missing":
            message, shown = "missing", ""
        out.append(f"{where}: {message[:1].lower()}{message[1:]}{shown}")
    more = len(e.errors()) - limit
    return "; ".join(out) + (f"; and {more} more" if more > 0 else "")
