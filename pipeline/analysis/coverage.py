"""IR coverage: which information return items the evidence library covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.framework import Framework, IRItem
    from pipeline.model.inputs import EvidenceItem, EvidenceLibrary


MISSING_SHOWN = 10


@dataclass
class CoverageRow:
    """One IR item, the quality statements it relates to and the library's documents for it."""

    item: IRItem
    documents: list[EvidenceItem]
    quality_statements: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.documents)


def ir_coverage(framework: Framework, library: EvidenceLibrary | None) -> list[CoverageRow]:
    """Every IR item of the framework, in order, with the documents that name it."""
    all_codes = tuple(qs.code for qs in framework.quality_statements)
    items = library.documents if library is not None else ()
    rows = []
    for ir in framework.ir_items:
        documents = [doc for doc in items if ir.code in doc.ir_items]
        codes = all_codes if ir.relates_to_all else ir.quality_statements
        rows.append(CoverageRow(item=ir, documents=documents, quality_statements=codes))
    return rows


def coverage_line(rows: list[CoverageRow]) -> str:
    """``IR coverage: 32 of 35 items have a document (missing: IR17, IR20, IR31)``."""
    missing = [row.item.code for row in rows if not row.covered]
    line = f"IR coverage: {len(rows) - len(missing)} of {len(rows)} items have a document"
    if not missing:
        return line
    shown = ", ".join(missing[:MISSING_SHOWN])
    more = len(missing) - MISSING_SHOWN
    return f"{line} (missing: {shown}{f' and {more} more' if more > 0 else ''})"
