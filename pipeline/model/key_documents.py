"""What a lead officer lists under "key documents" in a Stage 2 summary, read as the guidance
means it: "List relevant documents … and links".

Each document is an evidence ID from the register (``EV-005``), a title, a title with its link,
or a bare link. The rule for separators, so that a title keeps its own commas and "and"s:

- a line break or ``;`` separates documents;
- within one, ``,``, "and", ``&`` and ``+`` separate only IDs and links: ``EV-005, EV-006 and
  https://…`` is three documents, while ``Carers strategy, 2023-2027`` and ``Market position
  statement and sustainability plan`` are one title each;
- a title followed (or preceded) by one link, in the same line, is that title with its link:
  ``Carers strategy 2023-2027 https://…`` or ``Carers strategy, https://…``;
- an ID at the start of a title, or in brackets at its end (``EV-005 Carers strategy``,
  ``Carers strategy (EV-005)``), cites that ID.

Everything keeps the text as typed (``typed``) for messages and the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

# Shaped like an evidence ID (EV-5, ev012), whether or not the register has it.
_ID_SHAPE = re.compile(r"^EV-?\d+$", re.IGNORECASE)
_LINK = re.compile(r"(?:https?://|www\.|file:)[^\s<>\"]+|\\\\[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"”’"
_BULLET = re.compile(r"^\s*(?:[-*•·‣▪–]|\d+[.)])\s+")
_DOCUMENTS = re.compile(r"[;\n\r]+")
_WITHIN = re.compile(r"(\s*,\s*|\s+(?:and|&|\+)\s+)", re.IGNORECASE)
_BRACKETED_ID = re.compile(r"^(?P<title>.*?)\s*[(\[]\s*(?P<id>[^\s()\[\]]+)\s*[)\]]$")
_EDGES = " \t-–—:|()[]<>"


@dataclass(frozen=True)
class KeyDocument:
    """One document listed under key documents: an ``id`` (as typed), or a ``title`` and/or a
    ``link``; ``typed`` is the text it was read from, exactly as typed."""

    typed: str
    id: str = ""
    title: str = ""
    link: str = ""

    @property
    def is_id(self) -> bool:
        return bool(self.id)


def looks_like_id(token: str) -> bool:
    """Shaped like an evidence ID (``EV-005``, ``ev-12``, ``EV012``), in the register or not."""
    return bool(_ID_SHAPE.match(token.strip().rstrip(".")))


def _is_link(token: str) -> str:
    """The address when ``token`` is a link on its own (trailing punctuation dropped), else ""."""
    token = token.strip()
    stripped = token.rstrip(_TRAILING)
    if stripped and _LINK.fullmatch(stripped):
        return stripped
    return ""


def parse_key_documents(text: str, known_ids: Collection[str] = ()) -> list[KeyDocument]:
    """The documents listed in a key documents cell (see the module's rule). ``known_ids`` are
    the register's IDs (upper-case): an ID that does not look like ``EV-…`` is still an ID when
    the register has it."""
    known = {k.upper() for k in known_ids}

    def is_id(token: str) -> bool:
        t = token.strip().rstrip(".")
        return (bool(t) and bool(_ID_SHAPE.match(t))) or t.upper() in known

    out: list[KeyDocument] = []
    for piece in _DOCUMENTS.split(text):
        piece = _BULLET.sub("", piece).strip()
        if not piece:
            continue
        out += _piece(piece, is_id)
    return out


def _piece(piece: str, id_test: Callable[[str], bool]) -> list[KeyDocument]:
    parts = _WITHIN.split(piece)
    # units: ("text", typed) | ("id", typed) | ("link", typed); separators kept between texts
    units: list[tuple[str, str]] = []
    pending_sep = ""
    for i, part in enumerate(parts):
        if i % 2 == 1:
            pending_sep = part
            continue
        tokens = part.split()
        if not tokens:
            continue
        if all(id_test(t) or _is_link(t) for t in tokens):
            for t in tokens:
                units.append(("id", t.strip().rstrip(".")) if id_test(t) else ("link", t))
            pending_sep = ""
            continue
        if units and units[-1][0] == "text" and pending_sep:
            units[-1] = ("text", units[-1][1] + pending_sep + part)
        else:
            units.append(("text", part))
        pending_sep = ""

    docs: list[KeyDocument] = []
    for kind, typed in units:
        if kind == "id":
            docs.append(KeyDocument(typed=typed, id=typed))
        elif kind == "link":
            docs.append(KeyDocument(typed=typed, link=_is_link(typed)))
        else:
            docs.append(_title(typed.strip(), id_test))
    # A title without a link next to one bare link in the same line: the title's link.
    titles = [d for d in docs if d.title and not d.link and not d.id]
    bare = [d for d in docs if d.link and not d.title]
    if len(titles) == 1 and len(bare) == 1:
        title, link = titles[0], bare[0]
        merged = KeyDocument(typed=piece.strip(), title=title.title, link=link.link)
        docs = [merged if d is title else d for d in docs if d is not link]
    return docs


def _title(typed: str, id_test: Callable[[str], bool]) -> KeyDocument:
    words = typed.split()
    if len(words) > 1 and id_test(words[0].rstrip(":")):
        return KeyDocument(typed=typed, id=words[0].rstrip(":").rstrip("."))
    if (m := _BRACKETED_ID.match(typed)) and id_test(m["id"]) and m["title"].strip():
        return KeyDocument(typed=typed, id=m["id"])
    links = list(_LINK.finditer(typed))
    if links:
        first = links[0]
        link = first.group(0).rstrip(_TRAILING)
        rest = (typed[: first.start()] + " " + typed[first.start() + len(link) :]).strip()
        title = " ".join(rest.split()).strip(_EDGES).strip()
        return KeyDocument(typed=typed, title=title, link=link)
    return KeyDocument(typed=typed, title=typed)
