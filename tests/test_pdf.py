"""The PDF: through LibreOffice, with a filled contents page; a clear message without it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.app import build_report
from pipeline.framework import Framework
from pipeline.report.build import render_report
from pipeline.report.pdf import NOT_INSTALLED, PdfError, _timed_out, docx_to_pdf
from pipeline.workspace import Workspace
from tests.conftest import soffice_or_skip
from tests.factories import full_inputs
from tests.test_report import TEMPLATE_PATH


def _pdftotext(pdf: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler (pdftotext) is not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


@pytest.fixture
def report_docx(tmp_path: Path, workspace: Workspace, framework: Framework) -> Path:
    path = tmp_path / "report.docx"
    inputs = full_inputs(workspace, framework)
    path.write_bytes(render_report(framework, inputs, draft=False, template=TEMPLATE_PATH))
    return path


@pytest.mark.libreoffice
def test_pdf_has_a_filled_contents_page_and_page_numbers(report_docx: Path) -> None:
    soffice_or_skip()
    pdf = docx_to_pdf(report_docx, report_docx.with_suffix(".pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages = _pdftotext(pdf).split("\f")
    contents = pages[1]
    assert "Contents" in contents
    # Every section and quality statement with a page number, dot leaders between.
    for title in (
        "Section A: Overview and summary",
        "Section B: Self-assessment against the CQC themes",
        "Assessing needs",
        "Learning, improvement and innovation",
        "Section D: Our self-assessment library and evidence",
        "Evidence register",
    ):
        assert re.search(re.escape(title) + r"\.{3,}\s*\d+", contents), title
    listed = dict(
        (m[1].strip(), int(m[2]))
        for m in re.finditer(r"^\s*(\S.*?)\.{3,}\s*(\d+)\s*$", contents, re.M)
    )
    section_d = listed["Section D: Our self-assessment library and evidence"]
    assert "Section D: Our self-assessment library and evidence" in pages[section_d - 1]
    # Page numbers in the footer of every page after the cover.
    for n, page in enumerate(pages[1:-1], start=2):
        assert f"Page {n} of {len(pages) - 1}" in page


@pytest.mark.libreoffice
def test_a_failed_conversion_keeps_the_previous_pdf(
    monkeypatch: pytest.MonkeyPatch, report_docx: Path, tmp_path: Path
) -> None:
    soffice_or_skip()  # its Python bridge (uno) is used; LibreOffice itself is broken here
    broken = tmp_path / "broken-libreoffice"
    broken.mkdir()
    fake = broken / "soffice"
    fake.write_text("#!/bin/sh\necho 'soffice: cannot start' >&2\nexit 1\n", "utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ.get('PATH', '')}")
    pdf = tmp_path / "kept.pdf"
    pdf.write_bytes(b"%PDF-1.4 previous")
    stopped = r"\(LibreOffice stopped before it could be used\); the \.docx was written"
    with pytest.raises(PdfError, match=stopped):
        docx_to_pdf(report_docx, pdf)
    assert pdf.read_bytes() == b"%PDF-1.4 previous"
    assert sorted(p.name for p in tmp_path.glob("*.*")) == ["kept.pdf", "report.docx"]


@pytest.mark.libreoffice
def test_a_conversion_that_takes_too_long_is_stopped(report_docx: Path) -> None:
    soffice_or_skip()
    with pytest.raises(PdfError, match=r"did not finish within 1 second \(.*\), so it was stopped"):
        docx_to_pdf(report_docx, report_docx.with_suffix(".pdf"), timeout=1)
    assert [p.name for p in report_docx.parent.iterdir() if p.is_file()] == ["report.docx"]


def test_without_libreoffice_the_message_says_so(
    monkeypatch: pytest.MonkeyPatch, report_docx: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))  # no soffice on PATH
    with pytest.raises(PdfError) as raised:
        docx_to_pdf(report_docx, report_docx.with_suffix(".pdf"))
    assert str(raised.value) == NOT_INSTALLED
    assert "LibreOffice is not installed" in NOT_INSTALLED


def test_build_pdf_without_libreoffice_writes_the_docx_and_exits_1(complete: Workspace) -> None:
    """The real command, in a process whose PATH has no LibreOffice (only our Python)."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "--workspace", str(complete.root), "build", "--pdf"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "LibreOffice is not installed" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert complete.report_docx.is_file()
    assert not complete.report_pdf.exists()


def _scratch(outputs: Path) -> list[str]:
    """What is in ``outputs`` that is not a finished output: lock and temporary files."""
    return sorted(
        p.name for p in outputs.iterdir() if p.is_file() and p.name.startswith((".", "~"))
    )


def _lock(docx: Path) -> Path:
    """The lock file LibreOffice keeps beside a document it has open."""
    return docx.with_name(f".~lock.{docx.name}#")


@pytest.mark.libreoffice
def test_build_pdf_succeeds_beside_a_stale_lock_file(complete: Workspace) -> None:
    """A LibreOffice that crashed with the report open left its lock behind."""
    soffice_or_skip()
    complete.outputs.mkdir(parents=True, exist_ok=True)
    lock = _lock(complete.report_docx)
    lock.write_text(",Pen Holder,other-pc,01.11.2026 09:00,file:///gone;", "utf-8")
    result = build_report(complete, pdf=True)
    assert result.pdf == complete.report_pdf
    assert complete.report_pdf.read_bytes().startswith(b"%PDF-")
    # The lock is someone else's: left as it was, and nothing else is left beside it.
    assert _scratch(complete.outputs) == [lock.name]


@pytest.mark.libreoffice
def test_build_pdf_succeeds_while_the_report_is_open_in_libreoffice(
    complete: Workspace, tmp_path: Path
) -> None:
    soffice = soffice_or_skip()
    build_report(complete)
    # The pen holder has the report open (a LibreOffice of their own, with its lock file).
    user = subprocess.Popen(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'user-profile').as_uri()}",
            str(complete.report_docx),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        lock = _lock(complete.report_docx)
        deadline = time.monotonic() + 120
        while not lock.exists() and user.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert lock.exists(), "LibreOffice did not open the report"
        result = build_report(complete, pdf=True)
        assert result.pdf == complete.report_pdf
        assert complete.report_pdf.read_bytes().startswith(b"%PDF-")
        assert _scratch(complete.outputs) == [lock.name]  # the user's, still open
    finally:
        os.killpg(user.pid, signal.SIGKILL)
        user.wait()


@pytest.mark.libreoffice
def test_a_conversion_stopped_on_time_leaves_nothing_behind_and_the_next_build_works(
    complete: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    soffice_or_skip()
    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the private copy goes
    settings = complete.root / "selfassess.toml"
    original = settings.read_text("utf-8")
    # The pen holder sets the time LibreOffice may take far too short.
    edited = original.replace("\npdf_timeout_seconds = 120\n", "\npdf_timeout_seconds = 1\n")
    edited = edited.replace(
        "\npdf_timeout_seconds_per_document = 0.1\n", "\npdf_timeout_seconds_per_document = 0\n"
    )
    assert "\npdf_timeout_seconds = 1\n" in edited
    assert "\npdf_timeout_seconds_per_document = 0\n" in edited
    settings.write_text(edited, "utf-8")
    with pytest.raises(PdfError) as raised:
        build_report(Workspace(complete.root), pdf=True)
    message = str(raised.value)
    assert message.startswith("PDF not written: LibreOffice did not finish within 1 second (")
    assert "the .docx was written" in message
    assert "pdf_timeout_seconds" in message
    assert "could not open" not in message
    assert complete.report_docx.is_file()
    assert not complete.report_pdf.exists()
    assert _scratch(complete.outputs) == []
    # The private folder is gone, and so is the LibreOffice that worked in it.
    assert list(scratch.iterdir()) == []
    assert _running_in(scratch) == []
    settings.write_text(original, "utf-8")
    result = build_report(Workspace(complete.root), pdf=True)
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF-")
    assert _scratch(complete.outputs) == []


def test_the_timeout_message_says_how_far_libreoffice_got() -> None:
    register = "an evidence register of 2,500 documents"
    assert "(it was still opening the report, which has an evidence register of 2,500 " in (
        _timed_out(180, "loading\n", register)
    )
    assert "(it had laid out the report's 1,305 pages and was writing the PDF)" in (
        _timed_out(180, "loading\npages 1305\n", register)
    )
    assert "(it was laying out the report's pages; the report has an evidence register of " in (
        _timed_out(180, "loading\nloaded\n", register)
    )
    assert "within 1 second (it was still starting)" in _timed_out(1, "", register)


def _running_in(folder: Path) -> list[str]:
    """The processes whose command line names ``folder`` (Linux; none elsewhere)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(folder) in cmdline.read_text("utf-8", "replace"):
                found.append(cmdline.parent.name)
        except OSError:
            continue  # the process has ended
    return found


@pytest.mark.libreoffice
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_build_killed_mid_conversion_leaves_nothing_running_or_behind(
    complete: Workspace, tmp_path: Path
) -> None:
    """The pen holder closes the window while the PDF is being made: the command is killed
    outright, with no chance to clean up after itself."""
    soffice_or_skip()
    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    command = [sys.executable, "-m", "pipeline", "--workspace", str(complete.root)]
    build = subprocess.Popen(
        [*command, "build", "--pdf"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 120
    while not list(scratch.glob("selfassess-pdf-*/profile")) and time.monotonic() < deadline:
        assert build.poll() is None, "the build ended before LibreOffice started"
        time.sleep(0.1)
    assert _running_in(scratch), "LibreOffice did not start"
    build.kill()
    build.wait()
    # LibreOffice notices, stops, and its private folder goes.
    deadline = time.monotonic() + 60
    while (_running_in(scratch) or list(scratch.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _running_in(scratch) == []
    assert list(scratch.iterdir()) == []
    assert _scratch(complete.outputs) == []
    assert not complete.report_pdf.exists()
    rebuilt = subprocess.run([*command, "build", "--pdf"], capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert complete.report_pdf.read_bytes().startswith(b"%PDF-")
    assert _scratch(complete.outputs) == []
