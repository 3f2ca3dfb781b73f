"""findings.xlsx's test returns: every kind of hostile text a comment somewhere (for
tests/test_findings_writer.py and tests/test_reader_differential.py). No openpyxl here: a test
writes findings.xlsx with these in a process that must not import it."""

from __future__ import annotations

import datetime as dt

from pipeline.analysis.stage1 import aggregate
from pipeline.framework import Framework
from pipeline.model.findings import Findings, error
from pipeline.model.inputs import Stage1Response, Stage1Return
from pipeline.model.stage1 import CollectResult
from pipeline.settings import Stage1Settings

GOLDEN_DAY = dt.date(2026, 3, 5)  # the day the golden file says it was collected
LONG = "Long evidence, pasted from a report. " * 1000  # 37,000 characters: over Excel's 32,767

# Evidence as people type or paste it: each must come back exactly as text, never a formula.
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "#REF!",
    "#N/A",
    "=1+1",
    "\t=tabbed formula",
    "R&D <team> & 'quotes' \"double\" ]]> &amp; &#10;",
    "Emoji 🙂 👩‍👩‍👧 and a flag 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    "Mae'r gwasanaeth yn gweithio'n dda: ŵ ŷ â ê î ô û",
    "評価のための証拠 서비스 平衡",
    "Line one\nline two\r\nline three\rline four",
    "  leading and trailing spaces  ",
    "trailing newline\n",
    "Bell\x07 and null\x00 removed",
    "_x000D_ looks escaped",
    "0123",
    "1e5",
    "TRUE",
    LONG,
]
ASC, HEALTH, CARER, ODD = "Adult social care staff", "Health partner", "Unpaid carer", "R&D <x> ŵ"


def returns() -> list[Stage1Return]:
    """Returns for three quality statements, every hostile text a comment somewhere."""
    groups = [ASC, HEALTH, CARER, ODD, "Not given"]
    made = []
    for i, text in enumerate(HOSTILE):
        number = i % 4 + 1
        ratings = {n: (i + n) % 5 for n in range(1, 5)}
        evidence = {number: text, (number % 4) + 1: f"Plain evidence {i}"}
        made.append(
            Stage1Return(
                file=f"inputs/stage1/return-{i}.xlsx",
                quality_statement=f"QS{i % 3 + 1}",
                group=groups[i % len(groups)],
                responses=tuple(
                    Stage1Response(number=n, rating=ratings[n], evidence=evidence.get(n, ""))
                    for n in range(1, 5)
                ),
            )
        )
    return made


def hostile_result(framework: Framework) -> CollectResult:
    results = aggregate(framework, returns(), Stage1Settings())
    skipped = [error("unreadable-file", "inputs/stage1/x.xlsx", "is empty")]
    return CollectResult(len(returns()), skipped, Findings(skipped), results)
