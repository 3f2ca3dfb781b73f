"""How fast is ``selfassess collect``, against the least any reader could do?

For each N (default 200 and 1,000) this makes a workspace of N distinct filled Stage 1 returns,
then, in a fresh process so that peak memory is its own, times:

- the floor: open each zip, and parse every worksheet and the shared strings with lxml
  (nothing else: no checks, no identity, no aggregation, nothing written);
- ``collect``: read and check every return, aggregate, write ``findings.xlsx``.

The figure that counts (issue 13) is "cmd ratio": the whole ``selfassess collect`` command,
process start to exit (imports, reading, aggregating, writing findings.xlsx), in wall seconds
(best of --repeat), against the floor measured in the same run plus 0.03 s for an
interpreter's start. Target: at most 2 at N = 200 and N = 1,000. From 24 returns collect has a
forked copy of itself read half of them on the second core (pipeline/forked.py); "1 process" is
the same ratio with SELFASSESS_ONE_PROCESS=1, everything on one core, measured alongside. On a
busy machine "CPU ratio", the command's CPU seconds (its own and its child's) against the
floor's (+ 0.03 s), is the steadier figure: it says how much work collect does beyond the
floor, however many cores do it. "peak MB" is the peak resident memory of a fresh process that
ran collect once, or of its forked child if larger (target: at most 300 MB at N = 5,000).
"in-process" is collect called again in a warm process (imports done, one process), against
the floor. When python-calamine is installed, the seconds it takes to read the
same cells are printed as a second reference. The command runs with its bytecode compiled, as
an installed package does, even where PYTHONDONTWRITEBYTECODE is set.

Pick the sizes with --n (the workspaces take a while to make the first time; --keep DIR keeps
them for the next run):

    .venv/bin/python bench/bench_collect.py                       # N = 200 and 1,000
    .venv/bin/python bench/bench_collect.py --n 200 --repeat 1    # a quick look
    .venv/bin/python bench/bench_collect.py --n 200 1000 5000 --keep /tmp/bench-collect

Generating the returns is not measured: openpyxl fills every return with its own random ratings
and comments, LibreOffice saves them again (as a spreadsheet program does), and each gets a
unique reference number written into one comment at byte level.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MARKER = "REF-000000"  # replaced in each copy by the return's own number, same length

COMMENTS = [
    "Audit of 40 case files (Q2) found 78% good or better; the rest lacked a carer's assessment.",
    "Waiting list down from 410 to 260 since April; see the performance dashboard.",
    "Not sure this happens consistently across the locality teams.",
    "Feedback from the carers' forum says people wait too long for a review.",
    "We have a strengths-based practice framework, but supervision notes don't always show it.",
    '=HYPERLINK("http://example.org","our policy")',
    "R&D <team> ran a co-production workshop & wrote it up.",
    "Good progress 👍\nStill need data on outcomes.",
    "-10% complaints year on year",
    "@Commissioning: we need the provider quality dashboard to say more.",
    "Evidence needed: survey results for people who fund their own care.",
    "Partners tell us the pathway is clear; our own staff are less sure.",
]
RATINGS_AS = ["label", "label", "label", "number", "text-number", "bare-label"]


def make_workspace(root: Path, n: int, seed: int = 1, resave: bool = True) -> Path:
    """A workspace with ``n`` distinct filled returns in ``inputs/stage1/`` (sub-folders).

    With ``resave`` (and LibreOffice installed) every variant is re-saved by LibreOffice first,
    so the returns hold a shared-string table as Excel and LibreOffice write them (openpyxl
    writes inline strings).
    """
    from pipeline.app import generate_checklists
    from pipeline.workspace import Workspace

    if root.exists():
        shutil.rmtree(root)
    (root / "inputs" / "stage1").mkdir(parents=True)
    (root / "selfassess.toml").write_text('council = "Benchmark Borough Council"\n', "utf-8")
    ws = Workspace(root)
    generate_checklists(ws)
    rnd = random.Random(seed)
    codes = [qs.code for qs in ws.framework.quality_statements]
    # Every return is its own person's: its own ratings and comments on its own sheets (were
    # returns copies of a few, a reader could parse each sheet once and skip its copies).
    per_code = -(-n // len(codes))
    variants = {code: [_variant(ws, code, rnd) for _ in range(per_code)] for code in codes}
    if resave:
        variants = _resave(variants, root / "variants")
    for i in range(n):
        code = codes[i % len(codes)]
        data = variants[code][i // len(codes)]
        folder = root / "inputs" / "stage1" / f"batch-{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{code} return {i:06d}.xlsx").write_bytes(_stamp(data, f"REF-{i:06d}"))
    return root


def _variant(ws: Workspace, code: str, rnd: random.Random) -> bytes:
    """One checklist filled as a person would, with the marker in its first comment."""
    import openpyxl

    from pipeline.forms.checklist import (
        CHECKLIST_SHEET,
        GROUP_CELL,
        RESPONDENT_SHEET,
        TEAM_CELL,
        ChecklistLayout,
        checklist_path,
    )

    framework = ws.framework
    qs = framework.quality_statement(code)
    wb = openpyxl.load_workbook(checklist_path(ws, qs))
    about, sheet = wb[RESPONDENT_SHEET], wb[CHECKLIST_SHEET]
    about[GROUP_CELL] = rnd.choice(framework.respondent_groups)
    about[TEAM_CELL] = rnd.choice(["", "Locality team North", "Commissioning"])
    layout = ChecklistLayout(len(qs.checklist_statements))
    labels = {r.value: r for r in framework.rating_scale}
    marked = False
    for number in range(1, layout.statements + 1):
        lean = 0.35 + 0.5 * ((number * 7 + int(code[2:])) % 5) / 4
        if rnd.random() < 0.08:
            continue  # left blank
        if rnd.random() < 0.1:
            rating = 0
        else:
            rating = 3 if rnd.random() < lean else 2
            if rnd.random() < 0.4:
                rating += 1 if rating == 3 else -1  # the strong end of the same side
        how = rnd.choice(RATINGS_AS)
        option = labels[rating]
        value: object = {
            "label": option.display,
            "number": rating,
            "text-number": str(rating),
            "bare-label": option.label,
        }[how]
        sheet[layout.rating_cell(number)] = value
        if rnd.random() < 0.6 or not marked:
            text = rnd.choice(COMMENTS)
            if not marked:  # in plain text: a comment typed as "=..." is a formula in Excel
                text, marked = f"{COMMENTS[0]} ({MARKER})", True
            sheet[layout.evidence_cell(number)] = text
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _resave(variants: dict[str, list[bytes]], folder: Path) -> dict[str, list[bytes]]:
    soffice = shutil.which("soffice")
    if soffice is None:
        print("LibreOffice not found: returns keep openpyxl's inline strings", file=sys.stderr)
        return variants
    src, out = folder / "in", folder / "out"
    src.mkdir(parents=True)
    for code, datas in variants.items():
        for k, data in enumerate(datas):
            (src / f"{code}-{k}.xlsx").write_bytes(data)
    profile = folder / "profile"
    files = sorted(str(p) for p in src.glob("*.xlsx"))
    # In batches, each file tried again once when a LibreOffice run gives up part-way.
    for attempt in range(2):
        todo = [f for f in files if not (out / Path(f).name).exists()]
        for start in range(0, len(todo), 100):
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    f"-env:UserInstallation=file://{profile}",
                    "--convert-to",
                    "xlsx",
                    "--outdir",
                    str(out),
                    *todo[start : start + 100],
                ],
                check=attempt == 1,
                capture_output=True,
                timeout=600,
            )
    resaved = {
        code: [(out / f"{code}-{k}.xlsx").read_bytes() for k in range(len(datas))]
        for code, datas in variants.items()
    }
    shutil.rmtree(folder)
    return resaved


def _stamp(data: bytes, ref: str) -> bytes:
    """A copy of the workbook ``data`` with the marker replaced by ``ref`` (a distinct return)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                part = part.replace(MARKER.encode(), ref.encode())
            dst.writestr(info, part, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# What is measured


def floor(root: Path) -> int:
    """The least any reader does: unzip, parse every worksheet and the shared strings."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    cells = 0
    for path in sorted((root / "inputs" / "stage1").rglob("*.xlsx")):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                    tree = etree.fromstring(zf.read(name), parser)
                    cells += len(tree)
    return cells


def run_collect(root: Path) -> int:
    from pipeline.app import collect
    from pipeline.read.returns import _blank_checklist
    from pipeline.workspace import Workspace

    _blank_checklist.cache_clear()  # as in a fresh `selfassess collect`: templates included
    result = collect(Workspace(root))
    if result.skipped or len(result.findings.errors):
        raise SystemExit(f"unexpected findings: {[f.line() for f in result.findings][:5]}")
    return result.returns


def command_seconds(root: Path, one_process: bool = False) -> tuple[float, float]:
    """(wall, CPU) seconds of the whole command, ``python -m pipeline --workspace ROOT collect``
    (CPU: its own and its forked child's); ``one_process``: with ``SELFASSESS_ONE_PROCESS=1``.

    Run as an installed package runs: with its compiled bytecode (``__pycache__``), even when
    this environment sets PYTHONDONTWRITEBYTECODE; call it once first to write the bytecode.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "SELFASSESS_ONE_PROCESS")
    }
    if one_process:
        env["SELFASSESS_ONE_PROCESS"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline", "--workspace", str(root), "collect"],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def calamine_seconds(root: Path) -> float | None:
    """Seconds python-calamine takes to read every sheet's cells (None: not installed)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    start = time.perf_counter()
    for path in sorted((root / "inputs" / "stage1").rglob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


INTERPRETER_START = 0.03  # seconds a bare `python -c pass` takes here, added to the floor


def _timed(fn: Callable[[Path], int], root: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(root)
    return time.perf_counter() - wall, time.process_time() - cpu


def _phases(root: Path) -> dict[str, float]:
    """CPU seconds of each part of collect: templates, reading, aggregating, writing."""
    from pipeline.analysis.stage1 import aggregate
    from pipeline.model.findings import Findings
    from pipeline.model.stage1 import CollectResult
    from pipeline.outputs.findings import write_findings
    from pipeline.read.returns import _blank_checklist, _ReturnReader, read_returns
    from pipeline.workspace import Workspace

    ws = Workspace(root)
    out: dict[str, float] = {}
    _blank_checklist.cache_clear()
    cpu = time.process_time()
    reader = _ReturnReader(ws)
    for qs in ws.framework.quality_statements:
        reader.template(qs.code)
    out["templates"] = time.process_time() - cpu
    cpu = time.process_time()
    read = read_returns(ws)
    out["read"] = time.process_time() - cpu
    cpu = time.process_time()
    results = aggregate(ws.framework, read.returns, ws.settings.stage1)
    out["aggregate"] = time.process_time() - cpu
    cpu = time.process_time()
    result = CollectResult(len(read.returns), read.skipped, Findings(read.findings), results)
    write_findings(ws, result)
    out["write findings.xlsx"] = time.process_time() - cpu
    return out


def _peak_rss_mb() -> float:
    """The larger peak resident memory of this process and of its forked child (the two share
    the pages they had when it was forked, so their sum would count those twice)."""
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, CHILDREN))
    return peak * scale / 1_048_576


CHILDREN = resource.RUSAGE_CHILDREN


def _child(mode: str, root: Path, repeat: int) -> None:
    if mode == "time":
        # In one process, so that this process's CPU time is all of collect's.
        os.environ["SELFASSESS_ONE_PROCESS"] = "1"
        floor(root)  # warm the page cache and the imports alike for both
        run_collect(root)
        floors, collects = [], []
        for _ in range(repeat):  # interleaved, so that a busy moment hits both alike
            floors.append(_timed(floor, root))
            collects.append(_timed(run_collect, root))
        out: dict[str, object] = {
            "floor": min(w for w, _ in floors),
            "collect": min(w for w, _ in collects),
            "floor_cpu": min(c for _, c in floors),
            "collect_cpu": min(c for _, c in collects),
            "phases": _phases(root),
        }
    else:
        returns = run_collect(root)
        out = {"rss_mb": _peak_rss_mb(), "returns": returns}
    print(json.dumps(out))


def _in_child(mode: str, root: Path, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", mode, "--root", str(root), "--repeat", str(repeat)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="make the workspaces here and keep them")
    parser.add_argument("--child", choices=["time", "rss"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.root, args.repeat)
        return

    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-collect-"))
    print(
        f"{'N':>6} {'floor s':>8} {'command s':>9} {'cmd ratio':>9} {'1 process':>9} "
        f"{'CPU ratio':>9} "
        f"{'peak MB':>8} {'in-process s':>12} {'ratio':>6} {'calamine s':>10}"
    )
    phases = {}
    try:
        for n in args.n:
            root = base / f"ws-{n}"
            stamp = root / ".bench-returns"
            made = f"{n} distinct returns"  # what make_workspace makes now
            if not (stamp.exists() and stamp.read_text() == made):
                make_workspace(root, n)
                stamp.write_text(made)
            times = _in_child("time", root, args.repeat)
            rss = _in_child("rss", root, 1)
            assert rss["returns"] == n, rss
            phases[n] = times["phases"]
            command_seconds(root)  # writes the bytecode, warms the page cache
            runs, alone = [], []
            for _ in range(args.repeat):  # interleaved, so that a busy moment hits both alike
                runs.append(command_seconds(root))
                alone.append(command_seconds(root, one_process=True))
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            floor_wall = times["floor"] + INTERPRETER_START
            cmd_ratio = wall / floor_wall
            one_ratio = min(w for w, _ in alone) / floor_wall
            cpu_ratio = cpu / (times["floor_cpu"] + INTERPRETER_START)
            calamine = calamine_seconds(root)
            shown = "-" if calamine is None else f"{calamine:.2f}"
            print(
                f"{n:>6} {times['floor']:>8.2f} {wall:>9.2f} {cmd_ratio:>9.2f} {one_ratio:>9.2f} "
                f"{cpu_ratio:>9.2f} "
                f"{rss['rss_mb']:>8.0f} {times['collect']:>12.2f} "
                f"{times['collect'] / times['floor']:>6.2f} {shown:>10}",
                flush=True,
            )
        print("\nCPU seconds by part of collect:")
        for n, parts in phases.items():
            print(f"{n:>6} " + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
