"""Key documents of a Stage 2 summary against the evidence library register: an ID is looked up
by ID; a title or a link is found by the register's title (compared by the one label matcher) or
link. What the register does not have yet is a *library candidate* for the IR team to add."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from pipeline.model.inputs import EvidenceItem, EvidenceLibrary
from pipeline.model.key_documents import KeyDocument, parse_key_documents
from pipeline.read.labels import normalise_label


@dataclass(frozen=True)
class KeyDocumentRef:
    """One listed document and the register row it is (None: not in the register)."""

    document: KeyDocument
    item: EvidenceItem | None

    @property
    def candidate(self) -> bool:
        """A title or link the register does not have yet (an unknown ID is not a candidate:
        it is a mistake to correct)."""
        return self.item is None and not self.document.id


def title_key(title: str) -> str:
    """How titles are compared: case, spacing, punctuation and notes in brackets do not matter
    (``Carers Strategy 2023–2027`` is ``carers strategy 2023-2027 (draft)``)."""
    return normalise_label(title, notes=False)


def link_key(link: str) -> str:
    """How links are compared: scheme and site in any case, no trailing slash or #fragment, and
    ``www.example`` typed without ``https://`` is the same page."""
    link = link.strip()
    if not link:
        return ""
    if link.lower().startswith("www."):
        link = "https://" + link
    parts = urlsplit(link)
    scheme = "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    return urlunsplit((scheme, parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))


def resolve_key_documents(text: str, library: EvidenceLibrary | None) -> list[KeyDocumentRef]:
    """The documents listed in a key documents cell, each with its register row if any."""
    items = library.items if library is not None else ()
    by_id = library.by_id() if library is not None else {}
    by_title: dict[str, EvidenceItem] = {}
    by_link: dict[str, EvidenceItem] = {}
    for item in items:
        if key := title_key(item.title):
            by_title.setdefault(key, item)
        if key := link_key(item.link):
            by_link.setdefault(key, item)
    refs = []
    for doc in parse_key_documents(text, by_id.keys()):
        found: EvidenceItem | None
        if doc.id:
            found = by_id.get(doc.id.upper())
        else:
            found = by_link.get(link_key(doc.link)) if doc.link else None
            if found is None and doc.title:
                found = by_title.get(title_key(doc.title))
        refs.append(KeyDocumentRef(doc, found))
    return refs
