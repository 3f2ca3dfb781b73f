"""The report as PDF, through LibreOffice, with the contents page filled in.

LibreOffice's plain ``--convert-to pdf`` keeps a Word contents field as it was saved (empty), so
we drive LibreOffice through its Python bridge (UNO) instead: open the ``.docx``, update every
index (the contents) twice (the first update can move page numbers), then export to PDF. The
bridge needs a Python that can ``import uno`` (Debian: ``python3-uno`` for ``/usr/bin/python3``;
Windows and macOS: the Python that comes with LibreOffice), which is not our virtualenv's: the
conversion runs as a small script in that Python, in its own process group so that a timeout
can stop LibreOffice too. Each run uses a private LibreOffice profile, so it never disturbs (or
waits for) a LibreOffice the user has open.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from pipeline.errors import SelfAssessError

TIMEOUT_SECONDS = 180


INSTALL_HINT = "apt-get install libreoffice-writer, or https://www.libreoffice.org/download"


NOT_INSTALLED = (
    f"PDF not written: LibreOffice is not installed ({INSTALL_HINT}); the .docx was written."
)


# Where LibreOffice lives when it is not on PATH.
_SOFFICE_PLACES = (
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)


class PdfError(SelfAssessError):
    """The PDF could not be made (the ``.docx`` is fine and has been written)."""


def find_soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _SOFFICE_PLACES if Path(p).is_file()), None)


def find_uno_python(soffice: str) -> str | None:
    """A Python that can ``import uno``: LibreOffice's own, else the system's."""
    program = Path(soffice).resolve().parent
    candidates = [
        program / "python",
        program / "python.exe",
        program.parent / "Resources" / "python",  # macOS bundle
        Path("/usr/bin/python3"),
    ]
    which = shutil.which("python3")
    if which:
        candidates.append(Path(which))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            check = subprocess.run(
                [str(candidate), "-c", "import uno"],
                capture_output=True,
                timeout=30,
                env=_clean_env(),
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if check.returncode == 0:
            return str(candidate)
    return None


def _clean_env() -> dict[str, str]:
    """Our environment without what would point another Python at our virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("VIRTUAL_ENV", None)
    return env


def docx_to_pdf(docx: Path, pdf: Path, *, timeout: float = TIMEOUT_SECONDS, size: str = "") -> Path:
    """Convert ``docx`` to ``pdf`` (replaced only when the new one is complete).

    LibreOffice works on a private copy in a private temporary folder, with its own profile:
    a report open in LibreOffice or Word, a lock file left beside it (``.~lock.*#``) or a second
    build never gets in its way, and a conversion that is stopped leaves nothing beside ``pdf``.
    ``size`` says how big the report is ("an evidence register of 2,500 documents") in the
    message when the conversion takes longer than ``timeout`` seconds.
    """
    from pipeline.xlsx.write import atomic_path

    soffice = find_soffice()
    if soffice is None:
        raise PdfError(NOT_INSTALLED)
    python = find_uno_python(soffice)
    if python is None:
        raise PdfError(
            "PDF not written: LibreOffice's Python bridge (uno) was not found "
            "(apt-get install python3-uno); the .docx was written."
        )
    work = Path(tempfile.mkdtemp(prefix="selfassess-pdf-"))
    try:
        copy = work / "report.docx"
        try:
            shutil.copyfile(docx, copy)
        except OSError as e:
            raise PdfError(
                f"PDF not written: the .docx could not be read ({e.strerror}); the .docx was "
                "written."
            ) from e
        made = work / "report.pdf"
        _run_conversion(python, soffice, copy, made, work, timeout, size)
        _check_pdf(made)
        # Only the finished PDF goes into the report's folder, in one step.
        try:
            with atomic_path(pdf) as tmp:
                shutil.copyfile(made, tmp)
        except OSError as e:
            raise PdfError(
                f"PDF not written: {pdf.name} could not be replaced ({e.strerror}); close it "
                "if it is open and build again. The .docx was written."
            ) from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pdf


def _run_conversion(
    python: str,
    soffice: str,
    docx: Path,
    out: Path,
    work: Path,
    timeout: float,
    size: str,
) -> None:
    args = [
        python,
        "-c",
        UNO_SCRIPT,
        soffice,
        docx.resolve().as_uri(),
        out.resolve().as_uri(),
        (work / "profile").resolve().as_uri(),
        f"selfassess_{uuid.uuid4().hex}",
        str(int(timeout)),
        str(work),
    ]
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        kwargs["start_new_session"] = True
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_clean_env(),
        **kwargs,  # type: ignore[call-overload]
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        progress, _ = proc.communicate()
        raise PdfError(_timed_out(timeout, progress.decode("utf-8", "replace"), size)) from None
    except BaseException:
        _stop(proc)
        raise
    if proc.returncode != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        raise PdfError(
            "PDF not written: LibreOffice could not convert the report"
            + (f" ({reason[-1]})" if reason else "")
            + "; the .docx was written."
        )


def _timed_out(timeout: float, progress: str, size: str) -> str:
    """What LibreOffice had done when it was stopped (the script prints each step), and what
    the pen holder can do."""
    seconds = f"{timeout:g} second{'s' * (timeout != 1)}"
    steps = progress.split()
    if "pages" in steps:
        count = steps[steps.index("pages") + 1 :][:1]
        pages = f"{int(count[0]):,} " if count and count[0].isdigit() else ""
        doing = f"it had laid out the report's {pages}pages and was writing the PDF"
    elif "loaded" in steps:
        doing = "it was laying out the report's pages" + (
            f"; the report has {size}" if size else ""
        )
    elif "loading" in steps:
        doing = "it was still opening the report" + (f", which has {size}" if size else "")
    else:
        doing = "it was still starting"
    return (
        f"PDF not written: LibreOffice did not finish within {seconds} ({doing}), so it was "
        "stopped; the .docx was written. Build again when the computer is less busy, or "
        "raise pdf_timeout_seconds under [report] in selfassess.toml, or save the .docx as a "
        "PDF from Word."
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the conversion script and the LibreOffice it started (same process group)."""
    try:
        if sys.platform == "win32":  # the script and the LibreOffice it started
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True)
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _check_pdf(path: Path) -> None:
    with path.open("rb") as f:
        head = f.read(5)
    if head != b"%PDF-":
        raise PdfError("PDF not written: LibreOffice wrote no PDF; the .docx was written.")


# Runs in LibreOffice's Python (which has ``uno``): start a private headless LibreOffice, open
# the document, update its indexes, export to PDF, quit. Arguments: soffice, document URL, PDF
# URL, profile URL, pipe name, timeout in seconds, the private folder (removed if we are left
# running alone).
UNO_SCRIPT = r"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

soffice, src, dst, profile, pipe, timeout, work = sys.argv[1:8]
deadline = time.monotonic() + float(timeout)
parent = os.getppid()


def step(what):
    # What has been done so far, for the message when the conversion is stopped.
    sys.stdout.write(what + "\n")
    sys.stdout.flush()


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


# LibreOffice's own temporary files go in the private folder too, so they go with it.
scratch = os.path.join(work, "tmp")
os.makedirs(scratch, exist_ok=True)
env = dict(os.environ, TMPDIR=scratch, TMP=scratch, TEMP=scratch)
office = subprocess.Popen(
    [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
     "--nolockcheck", "-env:UserInstallation=" + profile,
     "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
)


def watch():
    # Whoever asked for this PDF has gone (killed, its window closed) without stopping us: stop
    # LibreOffice and remove the private folder, which nobody else will.
    while os.getppid() == parent:
        time.sleep(1)
    if os.name == "nt":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(office.pid)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
        os._exit(1)
    subprocess.Popen(["/bin/sh", "-c", 'sleep 2; rm -rf "$0"', work], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    os.killpg(os.getpgrp(), signal.SIGKILL)  # LibreOffice and this script


threading.Thread(target=watch, daemon=True).start()
desktop = None
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            ctx = resolver.resolve(
                "uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None:
                sys.exit("LibreOffice stopped before it could be used")
            if time.monotonic() > deadline:
                sys.exit("LibreOffice did not start")
            time.sleep(0.2)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    step("loading")
    doc = desktop.loadComponentFromURL(src, "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        sys.exit("LibreOffice could not read the report")
    step("loaded")
    try:
        for _ in range(2):
            indexes = doc.getDocumentIndexes()
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.getTextFields().refresh()
        try:
            step("pages %d" % doc.getCurrentController().getPropertyValue("PageCount"))
        except Exception:
            step("pages")
        # An accessible PDF: tagged (headings, tables, figures with their alt text), PDF/UA
        # where this LibreOffice knows it, the document's title shown in the title bar, the
        # headings as bookmarks. The language comes from the document (en-GB).
        options = uno.Any("[]com.sun.star.beans.PropertyValue", tuple(
            prop(name, value) for name, value in (
                ("UseTaggedPDF", True),
                ("PDFUACompliance", True),
                ("DisplayPDFDocumentTitle", True),
                ("ExportBookmarks", True),
                ("ExportNotes", False),
            )))
        uno.invoke(doc, "storeToURL", (dst, (
            prop("FilterName", "writer_pdf_Export"),
            prop("FilterData", options),
            prop("Overwrite", True),
        )))
    finally:
        doc.close(True)
finally:
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
        office.wait()
"""
