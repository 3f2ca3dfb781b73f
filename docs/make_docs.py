"""Regenerate every page image in docs/ from the demo council (``make docs``).

The repository is the demo workspace (``inputs/`` + ``selfassess.toml``). This script copies it
into a temporary folder (the repository's own ``inputs/`` and ``outputs/`` are only read), runs
a round there with the pipeline's functions, renders the workbooks and the report to PDF with
LibreOffice, finds each picture's page by its text (pdftotext) and turns it into a PNG
(pdftoppm). Pictures of special cases (150-word strengths, a round with returns for three
quality statements only, a long file name) are made from copies of the same council, changed by
this script as the case needs: one council in every picture.

It also writes ``docs/images.json``: for each image, a digest of what it was made from (the
input files, the report template, this script and the version). ``tests/test_docs.py``
recomputes the digests and fails when a picture is out of date. ``digests()`` imports nothing
beyond the standard library, so the test needs no LibreOffice.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
IMAGES_JSON = DOCS / "images.json"

# Made into every picture: a change to any of these redoes them all.
COMMON = ("docs/make_docs.py", "pipeline/_version.py", "templates/docx/self-assessment.docx")
ALL_INPUTS = ("selfassess.toml", "inputs/**/*")
STAGE1 = ("selfassess.toml", "inputs/stage1/**/*")

# image -> the repository files (glob patterns) it is made from, besides COMMON.
SOURCES: dict[str, tuple[str, ...]] = {
    "checklist-qs1.png": ("selfassess.toml", "templates/xlsx/style.toml"),
    "checklist-guidance.png": ("selfassess.toml", "templates/xlsx/style.toml"),
    "summary-form.png": ("selfassess.toml", "inputs/stage2/QS1-*.xlsx"),
    "findings-three-qs.png": (*STAGE1, "templates/xlsx/style.toml"),
    "validation-report.png": (*ALL_INPUTS, "templates/xlsx/style.toml"),
    "ir-coverage.png": ("selfassess.toml", "inputs/evidence-library.xlsx"),
    "evidence-library.png": ("inputs/evidence-library.xlsx",),
    "report-cover.png": ALL_INPUTS,
    "report-contents.png": ALL_INPUTS,
    "report-section-b.png": ALL_INPUTS,
    "report-section-d.png": ALL_INPUTS,
    "report-sign-off.png": ALL_INPUTS,
    "report-register.png": ALL_INPUTS,
    "report-stage1-chart.png": ALL_INPUTS,
    "report-engagement.png": ALL_INPUTS,
    "improvement-plan.png": ALL_INPUTS,
    "report-plan-annex.png": ALL_INPUTS,
    "report-self-rating.png": ALL_INPUTS,
    "audit-findings.png": ("selfassess.toml", "inputs/audits/**/*", "templates/xlsx/style.toml"),
    "report-section-d-audits.png": ALL_INPUTS,
}


def source_files(image: str, root: Path = ROOT) -> list[Path]:
    """The files ``image`` is made from, in a fixed order."""
    found: set[Path] = set()
    for pattern in (*COMMON, *SOURCES[image]):
        found.update(p for p in root.glob(pattern) if p.is_file() and not _lock(p))
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _lock(path: Path) -> bool:
    return path.name.startswith(("~$", ".~lock."))


def digest(image: str, root: Path = ROOT) -> str:
    """sha256 of the names and bytes of the files ``image`` is made from."""
    h = hashlib.sha256()
    for path in source_files(image, root):
        data = path.read_bytes()
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def digests(root: Path = ROOT) -> dict[str, str]:
    return {image: digest(image, root) for image in sorted(SOURCES)}


# ---- making the pictures ---------------------------------------------------------------------


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=600).stdout


def copy_demo(dest: Path) -> Path:
    """A copy of the demo workspace (its inputs and settings; no outputs)."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "selfassess.toml", dest / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", dest / "inputs")
    return dest


def to_pdf(files: dict[str, Path], outdir: Path) -> dict[str, Path]:
    """Every file to PDF in one LibreOffice call (private profile): name -> PDF."""
    stage = outdir / "in"
    stage.mkdir(parents=True)
    staged = []
    for name, path in files.items():
        copy = stage / f"{name}{path.suffix}"
        shutil.copy2(path, copy)
        staged.append(str(copy))
    profile = Path(tempfile.gettempdir()) / f"lo-docs-{uuid.uuid4().hex}"
    try:
        _run(
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *staged,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = {name: outdir / f"{name}.pdf" for name in files}
    missing = [name for name, pdf in pdfs.items() if not pdf.is_file()]
    if missing:
        sys.exit(f"LibreOffice made no PDF of: {', '.join(missing)}")
    return pdfs


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (page n is item n - 1)."""
    pages = int(
        next(
            ln for ln in _run("pdfinfo", str(pdf)).splitlines() if ln.startswith("Pages:")
        ).split()[1]
    )
    return [
        _run("pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-")
        for n in range(1, pages + 1)
    ]


def find_page(pdf: Path, test: Any, what: str) -> int:
    """The first page (1-based) whose text passes ``test``."""
    for n, text in enumerate(page_texts(pdf), start=1):
        if test(text):
            return n
    sys.exit(f"No page of {pdf.name} is {what}")


REPORT_HEADER = ": adult social care self-assessment"
# Workbook pages print the council's name at the top; report pages, a running header.
PAGE_HEADERS = (REPORT_HEADER, "Wealdshire County Council")


def body(text: str) -> str:
    """A page's text without its running header and blank lines."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    while lines and (lines[0].endswith(REPORT_HEADER) or lines[0] in PAGE_HEADERS):
        lines.pop(0)
    return "\n".join(lines)


def starts(prefix: str) -> Any:
    return lambda text: body(text).startswith(prefix)


def has(*parts: str) -> Any:
    return lambda text: all(p in text for p in parts)


def to_png(pdf: Path, pages: list[int], out: Path, work: Path) -> None:
    """Page(s) of ``pdf`` at 60 dpi; several pages side by side."""
    from PIL import Image

    made = []
    for n in pages:
        prefix = work / f"{out.stem}-{n}-{uuid.uuid4().hex[:6]}"
        _run(
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            str(n),
            "-l",
            str(n),
            "-singlefile",
            str(pdf),
            str(prefix),
        )
        made.append(Image.open(f"{prefix}.png").convert("RGB"))
    if len(made) == 1:
        made[0].save(out, optimize=True)
        return
    gap = 12
    width = sum(im.width for im in made) + gap * (len(made) - 1)
    joined = Image.new("RGB", (width, max(im.height for im in made)), (200, 200, 200))
    x = 0
    for im in made:
        joined.paste(im, (x, 0))
        x += im.width + gap
    joined.save(out, optimize=True)


def _round(root: Path, *, report: bool = False) -> Any:
    """A round in the workspace at ``root``, as `make demo` runs it; the workspace."""
    from pipeline import app
    from pipeline.workspace import Workspace

    ws = Workspace(root)
    app.generate_checklists(ws)
    app.collect(ws)
    if report:
        app.collect_audits(ws)
    app.generate_summaries(ws)
    app.validate_workspace(ws)
    if report:
        built = app.build_report(ws, pdf=True)
        if built.pdf is None:
            sys.exit(f"The demo report was not built: {built.incomplete or built.findings.errors}")
    return ws


def long_strengths(root: Path) -> Path:
    """The QS1 summary form with each strength written out to 150 words, its rows made tall
    enough for the text (as the sheet's guidance asks of people who type more, and as
    ``demo/make_inputs.py`` fills the demo's forms); its path."""
    import openpyxl

    from pipeline.forms.summary import FORM_SHEET, fit_rows
    from pipeline.xlsx.write import write_text

    path = next((root / "inputs" / "stage2").glob("QS1-*.xlsx"))
    wb = openpyxl.load_workbook(path)
    sheet = wb[FORM_SHEET]
    for row in sheet.iter_rows(min_col=1, max_col=2):
        label, text = row[0].value, row[1].value
        if isinstance(label, str) and label.startswith("Strength") and isinstance(text, str):
            words = text.split()
            more = (words * (150 // max(len(words), 1) + 1))[:150]
            write_text(row[1], " ".join(more))
    fit_rows(sheet)
    wb.save(path)
    return path


def three_statements(root: Path) -> list[str]:
    """Remove every Stage 1 return but those for the first three quality statements."""
    from pipeline.read.returns import read_returns
    from pipeline.workspace import Workspace

    ws = Workspace(root)
    returns = read_returns(ws).returns
    keep = sorted({r.quality_statement for r in returns}, key=lambda c: int(c[2:]))[:3]
    for r in returns:
        if r.quality_statement not in keep:
            (root / r.file).unlink()
    return keep


LONG_NAME = (
    "QS8 summary returned by the Head of Governance and Performance after the March "
    "workshop - final version agreed by the Adult Social Care leadership team.xlsx"
)


def long_file_name(root: Path) -> None:
    """Give a returned form that has a finding a long file name."""
    from pipeline import app
    from pipeline.workspace import Workspace

    findings = app.validate_workspace(Workspace(root)).findings
    files = [f.file for f in findings if f.file.startswith("inputs/stage")]
    if not files:
        sys.exit("No returned form of the demo has a finding to show with a long name")
    path = root / files[0]
    path.rename(path.with_name(LONG_NAME))


# The demo's improvement plan as its pen holder might have begun it: (row offset from the first
# row, action, owner, due date, status, measure of success, latest update).
PLAN_ROWS = (
    (0, "Delegate carers' assessments to Carers Together Wealdshire", "Head of Carers' Services",
     "2027-03-31", "On track", "80% of carers' assessments completed separately",
     "Contract signed 14/11/2026; go-live January 2027"),
    (1, "Reviewing team clears the longest overdue reviews", "Reviewing Team Manager",
     "2027-09-30", "At risk", "No review more than 12 months overdue",
     "9 of 12 posts filled; out-of-area reviews started"),
    (2, "Rewrite the charging policy with the Making It Real Board; online estimator",
     "Head of Financial Assessments", "2027-06-30", "Not started",
     "Fewer than 20% of appeals upheld", ""),
    (3, "Make the triage and resolve team permanent", "Assistant Director — Adult Social Work",
     "2027-03-31", "Done", "80% assessed within 28 days", "Funded from agency savings"),
)  # fmt: skip


def with_plan(root: Path) -> Any:
    """The demo with its improvement plan begun (QS1's rows) and the self-rating annex switched
    on; the workspace, its report built."""
    import datetime as dt

    import openpyxl

    from pipeline import app
    from pipeline.forms.plan import FIRST_ROW, PLAN_SHEET, plan_column
    from pipeline.workspace import Workspace

    toml = root / "selfassess.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("[report]", "[report]\nself_rating_annex = true"),
        encoding="utf-8",
    )
    ws = Workspace(root)
    app.generate_plan(ws)
    wb = openpyxl.load_workbook(ws.improvement_plan)
    sheet = wb[PLAN_SHEET]
    for offset, *values in PLAN_ROWS:
        row = FIRST_ROW + offset
        keys = ("action", "owner", "due", "status", "measure", "update")
        for key, value in zip(keys, values, strict=True):
            cell = sheet[f"{plan_column(key)}{row}"]
            cell.value = dt.date.fromisoformat(value) if key == "due" else (value or None)
    wb.save(ws.improvement_plan)
    return _round(root, report=True)


def make(work: Path) -> dict[str, tuple[Path, list[Any], str]]:
    """Build everything; image -> (pdf, page tests, description of the page)."""
    from pipeline.forms.checklist import checklist_path

    demo = _round(copy_demo(work / "demo"), report=True)
    qs1 = demo.framework.quality_statement("QS1")

    form = copy_demo(work / "long-strengths")
    long_form = long_strengths(form)

    three = copy_demo(work / "three")
    kept = three_statements(three)
    three_ws = _round(three)
    print(f"findings for a round with returns for {', '.join(kept)} only")

    named = copy_demo(work / "long-name")
    long_file_name(named)
    named_ws = _round(named)

    planned = with_plan(copy_demo(work / "plan"))

    pdfs = to_pdf(
        {
            "checklist": checklist_path(demo, qs1),
            "summary-form": long_form,
            "findings": three_ws.findings_xlsx,
            "validation-report": named_ws.validation_report,
            "ir-coverage": demo.ir_coverage,
            "evidence-library": demo.evidence_library,
            "improvement-plan": planned.improvement_plan,
            "audit-findings": demo.audit_findings_xlsx,
        },
        work / "pdf",
    )
    report = demo.report_pdf
    no_returns = next(qs.code for qs in demo.framework.quality_statements if qs.code not in kept)
    return {
        "checklist-qs1.png": (
            pdfs["checklist"],
            [has("Checklist — page")],  # its footer: the first page of the Checklist sheet
            "the Checklist sheet",
        ),
        "checklist-guidance.png": (pdfs["checklist"], [starts("Guidance:")], "the Guidance sheet"),
        "summary-form.png": (
            pdfs["summary-form"],
            [has("Strength 1"), has("Strength 2")],
            "the first two strengths",
        ),
        "findings-three-qs.png": (
            pdfs["findings"],
            [starts("Stage 1 findings:"), starts(f"{kept[0]} "), starts(f"{no_returns} ")],
            f"the summary, {kept[0]} (with returns) and {no_returns} (without)",
        ),
        "validation-report.png": (
            pdfs["validation-report"],
            [starts("Validation report"), starts("Findings by file")],
            "the findings and the summary",
        ),
        "ir-coverage.png": (pdfs["ir-coverage"], [starts("")], "the first page"),
        "evidence-library.png": (pdfs["evidence-library"], [starts("")], "the first page"),
        "report-cover.png": (report, [starts("Adult social care")], "the cover"),
        "report-contents.png": (report, [starts("Contents")], "the contents"),
        "report-section-b.png": (report, [starts("Section B")], "Section B"),
        "report-section-d.png": (report, [starts("Section D")], "Section D"),
        "report-section-d-audits.png": (
            report,
            [has("AUDIT-", "Working with people")],
            "the case-file audit summary under IR5 in Section D",
        ),
        "audit-findings.png": (
            pdfs["audit-findings"],
            [starts("Case-file audit findings: compliance by standard")],
            "compliance by standard, with its chart",
        ),
        "report-sign-off.png": (report, [has("Sign off", "Endorsement")], "the sign-off"),
        # The register follows the IR tables on the same page when there is room.
        "report-register.png": (report, [has("Evidence register", "Redacted")], "the register"),
        "report-stage1-chart.png": (
            report,
            [starts("Current performance")],
            "a Stage 1 chart (QS2)",
        ),
        "report-engagement.png": (report, [has("Respondent group", "All")], "the engagement table"),
        "improvement-plan.png": (pdfs["improvement-plan"], [starts("")], "the first page"),
        "report-plan-annex.png": (
            planned.report_pdf,
            [starts("Annex: Our improvement plan")],
            "the improvement plan annex",
        ),
        "report-self-rating.png": (
            planned.report_pdf,
            [starts("Annex: Our self-rating")],
            "the self-rating annex",
        ),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="selfassess-docs-") as tmp:
        work = Path(tmp)
        plan = make(work)
        for image, (pdf, tests, what) in plan.items():
            pages = [find_page(pdf, t, what) for t in tests]
            to_png(pdf, pages, DOCS / image, work)
            print(f"docs/{image}: {pdf.name} page {', '.join(map(str, pages))} ({what})")
    IMAGES_JSON.write_text(json.dumps(digests(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {IMAGES_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    if "--texts" in sys.argv:  # print each page's text, to choose the tests above
        for i, t in enumerate(page_texts(Path(sys.argv[-1])), start=1):
            print(f"==== page {i}\n{t[:600]}")
    else:
        main()
