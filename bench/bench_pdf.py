"""How long ``selfassess build --pdf`` takes as the evidence register grows (issue 17).

    .venv/bin/python bench/bench_pdf.py                      # 100, 1,000 and 2,500 documents
    .venv/bin/python bench/bench_pdf.py --rows 1000 2500 --repeat 3 --keep /tmp/bench-pdf

A full council is written once as people would fill it (bench_build's synthetic council: Stage 1
returns, nine Stage 2 summaries, the overview signed off), then copied for each size with its
evidence register grown to N documents, each for one IR item. Each size is timed through the
whole command (``python -m pipeline build --pdf``, process start to exit): the wall-clock
seconds, the processor seconds of the command and the LibreOffice it starts (steadier than
wall-clock on a busy computer), the PDF's pages, and seconds per page. Time that grows no faster
than the page count shows as a steady seconds-per-page column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import openpyxl
from bench_build import synthetic_workspace

from pipeline.forms.register import COLUMNS, FIRST_ROW, REGISTER_SHEET
from pipeline.workspace import Workspace
from pipeline.xlsx.write import write_text


def grow_register(ws: Workspace, rows: int) -> None:
    """Add documents to the register until it lists ``rows`` (each for one IR item)."""
    column = {c.key: n for n, c in enumerate(COLUMNS, start=1)}
    wb = openpyxl.load_workbook(ws.evidence_library)
    sheet = wb[REGISTER_SHEET]
    have = sum(1 for r in range(FIRST_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value)
    items = ws.framework.ir_items
    for n in range(have + 1, rows + 1):
        item = items[n % len(items)]
        values = {
            "id": f"EV-{n:05d}",
            "title": f"{item.code} supporting document {n}",
            "link": f"https://council.example.gov.uk/docs/more/{n}.pdf",
            "ir_items": item.code,
            "document_type": item.document_types[0],
            "owner": "Performance & intelligence",
            "public": "Yes",
            "redacted": "Not applicable",
        }
        for key, value in values.items():
            write_text(sheet.cell(FIRST_ROW + n - 1, column[key]), value)
        sheet.cell(FIRST_ROW + n - 1, column["date"]).value = dt.datetime(2026, 1, 15)
    wb.save(ws.evidence_library)


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        found = re.search(r"^Pages:\s+(\d+)", info, re.M)
        if found:
            return int(found[1])
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_build(ws: Workspace) -> tuple[float, float]:
    """Wall-clock and processor seconds of one ``build --pdf``."""
    command = [sys.executable, "-m", "pipeline", "--workspace", str(ws.root), "build", "--pdf"]
    cpu, start = _children_cpu(), time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"build --pdf failed:\n{run.stdout}{run.stderr}")
    return wall, _children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1000, 2500])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="make the workspaces here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        base = Workspace(folder / "base")
        if not base.overview.is_file():  # kept from an earlier run with --keep: used again
            base = synthetic_workspace(base.root)
            # Its summaries print a little over 750 words: a limit that lets them through.
            settings = base.root / "selfassess.toml"
            text = settings.read_text("utf-8")
            text = text.replace("\nword_limit = 750\n", "\nword_limit = 1000\n")
            settings.write_text(text, "utf-8")
        heads = ("documents", "pages", "seconds", "cpu s", "s/page", "cpu/page")
        print(" ".join(f"{h:>9}" for h in heads))
        for rows in args.rows:
            root = folder / f"register-{rows}"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(base.root, root)
            ws = Workspace(root)
            grow_register(ws, rows)
            runs = [time_build(ws) for _ in range(args.repeat)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            pages = pdf_pages(ws.report_pdf)
            cells = (f"{rows:,}", pages, f"{wall:.1f}", f"{cpu:.1f}")
            per_page = (f"{wall / pages:.3f}", f"{cpu / pages:.3f}")
            print(" ".join(f"{c:>9}" for c in (*cells, *per_page)), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
