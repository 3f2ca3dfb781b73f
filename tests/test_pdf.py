"""The PDF: through LibreOffice, with a filled contents page; a clear message without it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.framework import Framework
from pipeline.report.build import render_report
from pipeline.report.pdf import NOT_INSTALLED, PdfError, docx_to_pdf
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
    with pytest.raises(PdfError, match="did not finish within 1 second;"):
        docx_to_pdf(report_docx, report_docx.with_suffix(".pdf"), timeout=1)
    assert not report_docx.with_suffix(".pdf").exists()


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
