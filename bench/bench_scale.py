"""Does ``validate`` and ``build`` time grow linearly with the size of an input? (issue 12)

    .venv/bin/python bench/bench_scale.py                 # 25,000 and 50,000 stray cells;
                                                          # 5,000 and 10,000 register rows
    .venv/bin/python bench/bench_scale.py --cells 50000 --rows 10000 --repeat 1

Two workspaces of each size are written here as people would make them: a Stage 1 return with
N cells of text typed outside the form (a pasted spreadsheet), and an evidence register of N
documents. Each is timed through the whole command (``python -m pipeline validate`` and
``build --draft``, process start to exit) at N and 2N; the ratio of the two times is printed.
Linear growth gives a ratio near 2 (less, with the fixed start-up); quadratic near 4.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl

from pipeline.app import generate_checklists, init_workspace
from pipeline.forms.checklist import CHECKLIST_SHEET, checklist_path
from pipeline.forms.register import COLUMNS, FIRST_ROW, REGISTER_SHEET
from pipeline.workspace import Workspace
from pipeline.xlsx.write import write_text


def stray_cells_workspace(root: Path, cells: int) -> Workspace:
    """A workspace whose one Stage 1 return has ``cells`` cells typed beside the form."""
    ws = init_workspace(root, "Scale County Council")
    generate_checklists(ws)
    wb = openpyxl.load_workbook(checklist_path(ws, ws.framework.quality_statement("QS1")))
    sheet = wb[CHECKLIST_SHEET]
    sheet.protection.sheet = False
    for i in range(cells):
        sheet.cell(40 + i // 20, 6 + i % 20).value = f"pasted {i}"
    wb.save(ws.stage1_inputs / "pasted.xlsx")
    return ws


def register_workspace(root: Path, rows: int) -> Workspace:
    """A workspace whose evidence register lists ``rows`` documents, each for one IR item."""
    ws = init_workspace(root, "Scale County Council")
    framework = ws.framework
    column = {c.key: n for n, c in enumerate(COLUMNS, start=1)}
    wb = openpyxl.load_workbook(ws.evidence_library)
    sheet = wb[REGISTER_SHEET]
    items = framework.ir_items
    for n in range(1, rows + 1):
        item = items[n % len(items)]
        values = {
            "id": f"EV-{n:05d}",
            "title": f"{item.code} document {n}",
            "link": f"https://www.scale.gov.uk/asc/evidence/ev-{n:05d}.pdf",
            "ir_items": item.code,
            "document_type": item.document_types[0],
            "owner": "Performance team",
            "date": dt.datetime(2026, 9, 1),
            "public": "Yes",
            "redacted": "Not applicable",
        }
        for key, value in values.items():
            if key in column:
                write_text(sheet.cell(FIRST_ROW + n - 1, column[key]), value)
    wb.save(ws.evidence_library)
    return ws


def _time(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bench(label: str, make: object, sizes: list[int], repeat: int, tmp: Path) -> None:
    assert callable(make)
    print(f"\n{label}")
    print(f"{'N':>8} {'validate s':>11} {'build s':>9}")
    rows = []
    for n in sizes:
        ws = make(tmp / f"{label.split()[0]}-{n}", n)
        base = [sys.executable, "-m", "pipeline", "--workspace", str(ws.root)]
        validate = _time([*base, "validate"], repeat)
        build = _time([*base, "build", "--draft"], repeat)
        rows.append((n, validate, build))
        print(f"{n:>8} {validate:>11.2f} {build:>9.2f}")
        shutil.rmtree(ws.root, ignore_errors=True)
    for (n1, v1, b1), (n2, v2, b2) in itertools.pairwise(rows):
        ratios = f"validate x{v2 / v1:.2f}, build x{b2 / b1:.2f}"
        print(f"  {n1} -> {n2}: {ratios} (linear: x2 or less)")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cells", type=int, default=25000, help="the smaller stray-cell count")
    parser.add_argument("--rows", type=int, default=5000, help="the smaller register size")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        _bench("stray cells in one return", stray_cells_workspace,
               [args.cells, 2 * args.cells], args.repeat, tmp)  # fmt: skip
        _bench("register rows", register_workspace, [args.rows, 2 * args.rows], args.repeat, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
