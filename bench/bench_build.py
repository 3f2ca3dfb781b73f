"""How long ``selfassess build`` (without ``--pdf``), ``validate`` and ``status`` take, for the
README.

    .venv/bin/python bench/bench_build.py              # the demo council, whole commands
    .venv/bin/python bench/bench_build.py --synthetic  # a full synthetic council made here
    .venv/bin/python bench/bench_build.py --synthetic --docx out.docx --pdf   # keep the report

The demo council is the repository's own workspace (``inputs/``, ``selfassess.toml``,
``templates/``), copied afresh for every round so that ``outputs/`` stays as it is. Each round
runs, each as its own process timed from start to exit (wall and CPU time): ``build`` on the
fresh copy (cold: no ``outputs/`` and no ``outputs/.cache``), ``build`` again (warm), then
``validate`` and ``status``. It prints the best and median of the rounds, the cold/warm ratio
measured in the same rounds, and the targets (issue 13): cold ``build`` at most 1.5 s and within
1.3x of a warm one, ``validate`` and ``status`` at most 1 s. The commands run with their
bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped; one unrecorded run writes it first), as an
installed selfassess does.

The synthetic council is a full workspace written here as people would fill it:
Stage 1 returns for every quality statement, nine Stage 2 summaries near the 750-word limit with
evidence IDs, an evidence library with two documents for every IR item, and an overview with
Section A at 2,000 words and every sign-off. It times ``build_report`` (read, validate, write the
validation report, render, write the .docx) in this process, and rendering alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.app import (
    build_report,
    generate_checklists,
    generate_summaries,
    init_workspace,
    read_inputs,
)
from pipeline.forms.checklist import (
    CHECKLIST_SHEET,
    GROUP_CELL,
    RESPONDENT_SHEET,
    ChecklistLayout,
    checklist_path,
)
from pipeline.forms.overview import (
    COUNCIL_FIELDS,
    OVERVIEW_SHEET,
    SECTION_A_FIELDS,
    SECTION_C_FIELDS,
)
from pipeline.forms.register import COLUMNS, FIRST_ROW, REGISTER_SHEET
from pipeline.forms.summary import FORM_SHEET, field_cell, summary_path
from pipeline.framework import Framework
from pipeline.model.inputs import (
    Entry,
    EvidenceItem,
    EvidenceLibrary,
    Inputs,
    Located,
    Overview,
    SignOff,
    Summary,
    Text,
)
from pipeline.report.build import TEMPLATE, render_report
from pipeline.workspace import Workspace

SAMPLE = (
    "people carers support assessment outcomes partners community health safeguarding "
    "co-produced wellbeing & independence review waiting times reablement market providers "
    "workforce commissioning prevention equity housing transitions learning improvement "
    "feedback quality Llanfair ŵ ŷ “quoted” <data> 👍"
)
WORDS = SAMPLE.split()
SUBMISSION = dt.date(2026, 3, 1)
RETURNS_PER_QS = 6
GROUPS = ("Adult social care staff", "Health partner", "Person with lived experience")


def words(n: int, seed: int) -> str:
    """``n`` words of plausible text, with a line break and a paragraph break in it."""
    out = [WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(n)]
    if n > 40:
        out[n // 3] += "\n"
        out[2 * n // 3] += "\n\n"
    text = " ".join(out).replace("\n ", "\n")
    return text[0].upper() + text[1:] + "."


# ---- the synthetic council as models (for rendering alone) -----------------------------------


def _text(value: str, file: str) -> Text:
    return Text(value=value, at=Located(file=file))


def _documents(framework: Framework) -> list[dict[str, object]]:
    """Two documents for every IR item, as register rows."""
    rows = []
    for n, ir in enumerate(framework.ir_items, start=1):
        for k in range(2):
            number = 2 * n + k - 1
            rows.append(
                {
                    "id": f"EV-{number:03d}",
                    "title": f"{ir.code} evidence {k + 1}: {words(6, number)}",
                    "link": f"https://council.example.gov.uk/docs/{number}.pdf",
                    "ir_items": ir.code,
                    "document_type": ir.document_types[0],
                    "owner": "Performance & intelligence",
                    "date": dt.date(2025, (number % 12) + 1, 15),
                    "public": "Yes",
                    "redacted": "Not applicable",
                }
            )
    return rows


def _summary_fields(index: int, n_documents: int) -> dict[str, tuple[str, str]]:
    """A Stage 2 form as a lead officer fills it: label -> (text, evidence IDs); ~700 words."""

    def refs(seed: int) -> str:
        return f"EV-{(seed * 5 + index) % n_documents + 1:03d}, EV-{(seed * 3) % 70 + 1:03d}"

    fields = {
        "Lead officer (name)": ("Alex Lead", ""),
        "Lead officer (post)": ("Head of Service", ""),
        "What is our ambition?": (words(110, index), ""),
        "Priorities to maintain and improve": (words(60, 20 + index), ""),
        "What do others say about our performance?": (words(40, 30 + index), ""),
        "Key documents for the evidence library": (refs(9), ""),
        "Verified by (name)": ("Sam Senior", ""),
        "Verified by (post)": ("Assistant Director", ""),
    }
    for k in range(1, 4):
        fields[f"Strength {k}"] = (words(85, k + index), refs(k))
        fields[f"Area for improvement {k}"] = (words(85, 10 + k + index), refs(10 + k))
    return fields


def synthetic_inputs(ws: Workspace, framework: Framework) -> Inputs:
    """The same council as ``synthetic_workspace`` writes, as models (no workbooks)."""
    library = "inputs/evidence-library.xlsx"
    items = []
    for row in _documents(framework):
        values = {**row, "ir_items": (row["ir_items"],)}
        items.append(EvidenceItem(**values, at=Located(file=library)))
    summaries = []
    for i, qs in enumerate(framework.quality_statements):
        file = f"inputs/stage2/{qs.file_stem}.xlsx"
        f = _summary_fields(i, len(items))

        def entries(kind: str, f: dict[str, tuple[str, str]] = f, file: str = file) -> tuple:
            return tuple(
                Entry(
                    label=f"{kind} {k}",
                    text=_text(f[f"{kind} {k}"][0], file),
                    evidence=_text(f[f"{kind} {k}"][1], file),
                )
                for k in range(1, 4)
            )

        summaries.append(
            Summary(
                file=file,
                quality_statement=qs.code,
                lead_officer_name=_text(f["Lead officer (name)"][0], file),
                lead_officer_post=_text(f["Lead officer (post)"][0], file),
                ambition=_text(f["What is our ambition?"][0], file),
                strengths=entries("Strength"),
                improvements=entries("Area for improvement"),
                priorities=_text(f["Priorities to maintain and improve"][0], file),
                others_say=_text(f["What do others say about our performance?"][0], file),
                key_documents=_text(f["Key documents for the evidence library"][0], file),
                verified_by_name=_text(f["Verified by (name)"][0], file),
                verified_by_post=_text(f["Verified by (post)"][0], file),
                verified_on=dt.date(2026, 2, 1),
            )
        )
    file = "inputs/overview.xlsx"
    sections = _overview_fields()
    overview = Overview(
        file=file,
        council=_text("Anytown Council", file),
        submission_date=SUBMISSION,
        version_label=_text("Version 1.0", file),
        logo=_text("", file),
        about_us=_text(sections["about_us"], file),
        our_strategy=_text(sections["our_strategy"], file),
        our_key_strengths=_text(sections["our_key_strengths"], file),
        our_key_risks=_text(sections["our_key_risks"], file),
        process=_text(sections["process"], file),
        sign_off=tuple(
            SignOff(
                role=role,
                name=_text(name, file),
                date=date,
                endorsement=_text(endorsement, file),
            )
            for role, (name, date, endorsement) in _sign_off(framework).items()
        ),
    )
    return Inputs(
        ws=ws,
        summaries=summaries,
        library=EvidenceLibrary(file=library, items=tuple(items)),
        overview=overview,
    )


def _overview_fields() -> dict[str, str]:
    return {
        "about_us": words(500, 1),
        "our_strategy": words(500, 2),
        "our_key_strengths": words(480, 3),
        "our_key_risks": words(480, 4),
        "process": words(300, 5),
    }


def _sign_off(framework: Framework) -> dict[str, tuple[str, dt.date, str]]:
    return {
        role: (f"Person {n}", dt.date(2026, 2, 10 + n), words(25, n))
        for n, role in enumerate(framework.sign_off_roles, start=1)
    }


# ---- the synthetic council as workbooks (for the whole build) ---------------------------------


def synthetic_workspace(root: Path) -> Workspace:
    """A new workspace with every input filled in, as people would fill the workbooks."""
    import openpyxl

    from pipeline.xlsx.write import write_text

    ws = init_workspace(root, "Anytown Council")
    framework = ws.framework

    # Stage 1 returns.
    generate_checklists(ws)
    for i, qs in enumerate(framework.quality_statements):
        layout = ChecklistLayout(len(qs.checklist_statements))
        for r in range(RETURNS_PER_QS):
            wb = openpyxl.load_workbook(checklist_path(ws, qs))
            wb[RESPONDENT_SHEET][GROUP_CELL] = GROUPS[r % len(GROUPS)]
            sheet = wb[CHECKLIST_SHEET]
            for number in range(1, len(qs.checklist_statements) + 1):
                sheet[layout.rating_cell(number)] = (i + r + number) % 5
                if (r + number) % 2:
                    write_text(sheet[layout.evidence_cell(number)], words(12, r + number))
            wb.save(ws.stage1_inputs / f"{qs.code} return {r + 1}.xlsx")

    # Stage 2 summaries.
    generate_summaries(ws)
    documents = _documents(framework)
    for i, qs in enumerate(framework.quality_statements):
        wb = openpyxl.load_workbook(summary_path(ws, qs))
        form = wb[FORM_SHEET]
        for label, (text, ids) in _summary_fields(i, len(documents)).items():
            write_text(form[field_cell(label)], text)
            if ids:
                write_text(form[field_cell(label, "C")], ids)
        form[field_cell("Verified on (date)")].value = dt.datetime(2026, 2, 1)
        wb.save(ws.stage2_inputs / f"{qs.file_stem} completed.xlsx")

    # The evidence library register.
    wb = openpyxl.load_workbook(ws.evidence_library)
    register = wb[REGISTER_SHEET]
    column = {c.key: n for n, c in enumerate(COLUMNS, start=1)}
    for n, row in enumerate(documents):
        for key, value in row.items():
            target = register.cell(FIRST_ROW + n, column[key])
            if isinstance(value, dt.date):
                target.value = dt.datetime.combine(value, dt.time())
            else:
                write_text(target, value)
    wb.save(ws.evidence_library)

    # The overview: fields found by their labels in column A, as the reader finds them.
    wb = openpyxl.load_workbook(ws.overview)
    sheet = wb[OVERVIEW_SHEET]
    values: dict[str, object] = {
        "submission_date": dt.datetime.combine(SUBMISSION, dt.time()),
        "version_label": "Version 1.0",
        **_overview_fields(),
    }
    labels = {f.label: f.key for f in (*COUNCIL_FIELDS, *SECTION_A_FIELDS, *SECTION_C_FIELDS)}
    sign_off = _sign_off(framework)
    for r in range(1, sheet.max_row + 1):
        label = sheet.cell(r, 1).value
        if label in labels and labels[label] in values:
            write_text(sheet.cell(r, 2), values[labels[label]])
        elif label in sign_off:
            name, date, endorsement = sign_off[label]
            write_text(sheet.cell(r, 2), name)
            sheet.cell(r, 3).value = dt.datetime.combine(date, dt.time())
            write_text(sheet.cell(r, 4), endorsement)
    wb.save(ws.overview)
    return ws


# ---- timing -------------------------------------------------------------------------------


def _time(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def _report(what: str, times: list[float]) -> None:
    print(
        f"{what}: best {min(times):.3f} s, median {statistics.median(times):.3f} s "
        f"over {len(times)} runs"
    )


def _bench_workspace(ws: Workspace, label: str, repeat: int) -> None:
    result = build_report(ws)  # warm-up; also shows what validation found
    errors, warnings = len(result.findings.errors), len(result.findings.warnings)
    draft = errors > 0
    if draft:
        print(f"{label}: {errors} errors remain, so timing `build --draft`")
    _report(
        f"build ({label}; {errors} errors, {warnings} warnings)",
        _time(lambda: build_report(ws, draft=draft), repeat),
    )
    inputs = read_inputs(ws)
    template = ws.template(TEMPLATE)
    _report(
        f"  of which rendering the report ({label})",
        _time(lambda: render_report(ws.framework, inputs, draft=draft, template=template), repeat),
    )


# ---- the demo council, whole commands ------------------------------------------------------

TARGETS = {"build (cold)": 1.5, "validate": 1.0, "status": 1.0}
RATIO_TARGET = 1.3


def _command() -> list[str]:
    return [sys.executable, "-m", "pipeline"]


def _env() -> dict[str, str]:
    """The environment the commands run in: this checkout's pipeline, with bytecode (as an
    installed selfassess has it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _fresh_copy(dest: Path) -> Path:
    """The demo workspace as a council has it: inputs, settings, templates; no outputs."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "inputs", dest / "inputs")
    shutil.copy(ROOT / "selfassess.toml", dest / "selfassess.toml")
    if (ROOT / "templates").is_dir():
        shutil.copytree(ROOT / "templates", dest / "templates")
    return dest


def _run(workspace: Path, *args: str) -> tuple[float, float]:
    """One command from process start to exit: (wall, CPU) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*_command(), "--workspace", str(workspace), *args],
        capture_output=True,
        env=_env(),
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):  # 2: validate found warnings/errors worth a look
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout.decode()}{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def bench_demo(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = _fresh_copy(Path(tmp) / "demo")
        _run(copy, "build")  # writes the bytecode; not recorded
        times: dict[str, list[tuple[float, float]]] = {
            k: [] for k in ("build (cold)", "build (warm)", "validate", "status")
        }
        digests = set()
        for _ in range(rounds):
            copy = _fresh_copy(Path(tmp) / "demo")
            assert not (copy / "outputs").exists()
            times["build (cold)"].append(_run(copy, "build"))
            digests.add(_digest(copy / "outputs" / "self-assessment.docx"))
            times["build (warm)"].append(_run(copy, "build"))
            digests.add(_digest(copy / "outputs" / "self-assessment.docx"))
            times["validate"].append(_run(copy, "validate"))
            times["status"].append(_run(copy, "status"))

    print(f"demo council, whole commands, {rounds} rounds (best / median; wall and CPU time):")
    for what, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        target = TARGETS.get(what)
        verdict = ""
        if target is not None:
            verdict = f"  target {target:.1f} s: {'met' if min(walls) <= target else 'NOT met'}"
        print(
            f"  {what:13s} wall {min(walls):.2f} / {statistics.median(walls):.2f} s, "
            f"CPU {min(cpus):.2f} / {statistics.median(cpus):.2f} s{verdict}"
        )
    cold, warm = times["build (cold)"], times["build (warm)"]
    ratios = [c[0] / w[0] for c, w in zip(cold, warm, strict=True)]
    cpu_ratios = [c[1] / w[1] for c, w in zip(cold, warm, strict=True)]
    best = min(w for w, _ in cold) / min(w for w, _ in warm)
    print(
        f"  cold/warm build: {best:.2f}x best to best; median of the rounds' ratios "
        f"{statistics.median(ratios):.2f}x wall, {statistics.median(cpu_ratios):.2f}x CPU; "
        f"target at most {RATIO_TARGET}x: "
        f"{'met' if best <= RATIO_TARGET else 'NOT met'}"
    )
    same = "yes" if len(digests) == 1 else f"NO ({len(digests)} different)"
    print(f"  every report built the same bytes: {same}")
    load = os.getloadavg()[0]
    print(f"  load average while measuring: {load:.1f} on {os.cpu_count()} cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="ignore the demo council")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (demo) or runs")
    parser.add_argument("--docx", type=Path, help="also write the synthetic report here")
    parser.add_argument("--pdf", action="store_true", help="and convert it to PDF")
    args = parser.parse_args()

    demo = Workspace(ROOT)
    if not args.synthetic and demo.overview.is_file():
        bench_demo(args.repeat)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        ws = synthetic_workspace(Path(tmp) / "synthetic")
        print(f"made the synthetic workspace in {time.perf_counter() - start:.1f} s")
        _bench_workspace(ws, "synthetic council", args.repeat)
        if args.docx:
            data = render_report(
                ws.framework,
                synthetic_inputs(ws, ws.framework),
                draft=False,
                template=ws.template(TEMPLATE),
            )
            args.docx.write_bytes(data)
            print(f"wrote {args.docx} ({len(data) // 1024} KB)")
            if args.pdf:
                from pipeline.report.pdf import docx_to_pdf

                print(f"wrote {docx_to_pdf(args.docx, args.docx.with_suffix('.pdf'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
