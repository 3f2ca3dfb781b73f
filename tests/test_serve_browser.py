"""The pen holder's page in a real browser (headless Chromium, Selenium): ``selfassess serve``
on a copy of the demo council, five returns and a foreign workbook dropped in, validate and a
draft build run from the page, the report downloaded and read back with python-docx."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.browser import browser, chromium, copy_demo, serving, wait

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium() is None,
        reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)",
    ),
]


def test_drop_returns_validate_build_and_download_in_a_real_browser(tmp_path: Path) -> None:
    from docx import Document
    from selenium.webdriver.common.by import By

    root = copy_demo(tmp_path / "demo")
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    # Five of the demo's returns come back by email: out of inputs/, into the mailbox.
    returns = sorted((root / "inputs" / "stage1").rglob("*.xlsx"))[:5]
    for path in returns:
        shutil.move(path, mailbox / path.name)
    foreign = mailbox / "budget 2026.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget"
    wb.save(foreign)
    downloads = tmp_path / "downloads"
    downloads.mkdir()

    with serving(root) as url, browser(tmp_path / "profile", downloads) as driver:
        driver.get(url)
        # "Reading the workspace…" refreshes itself until the first read is done.
        wait(lambda: "Where the round stands" in driver.page_source, what="the dashboard")
        assert "token=" not in driver.current_url  # the key left the address bar

        driver.find_element(By.LINK_TEXT, "Upload returns").click()
        picker = driver.find_element(By.ID, "files")
        picker.send_keys("\n".join(str(p) for p in [*sorted(mailbox.iterdir())]))

        def answered() -> list[tuple[str, str]] | None:
            items = driver.find_elements(By.CSS_SELECTOR, "#results li")
            done = [(i.get_attribute("class"), i.text) for i in items]
            if len(done) == 6 and all(c in ("ok", "refused") for c, _ in done):
                return done
            return None

        results = wait(answered, what="six answers")
        accepted = [text for cls, text in results if cls == "ok"]
        refused = [text for cls, text in results if cls == "refused"]
        assert len(accepted) == 5, results
        assert all(
            " checklist from " in t and "ratings; filed as inputs/stage1/" in t for t in accepted
        )
        assert len(refused) == 1 and refused[0].startswith("budget 2026.xlsx: Refused. It is not a")
        for path in returns:
            assert (root / "inputs" / "stage1" / path.name).is_file()

        for button, outcome in (
            ("run-validate", "validation-report.xlsx"),
            ("run-build-draft", "self-assessment.docx"),
        ):
            driver.find_element(By.LINK_TEXT, "Run stages").click()
            driver.find_element(By.ID, button).click()
            wait(
                lambda: driver.find_elements(By.CSS_SELECTOR, ".outcome"),
                seconds=300,
                what=f"{button} to finish",
            )
            assert outcome in driver.page_source

        driver.find_element(By.LINK_TEXT, "outputs/self-assessment.docx").click()
        report = downloads / "self-assessment.docx"
        wait(lambda: report.is_file() and report.stat().st_size > 0, what="the download")
        wait(lambda: not list(downloads.glob("*.crdownload")), what="the download to finish")

    text = "\n".join(p.text for p in Document(str(report)).paragraphs)
    assert "Wealdshire County Council" in text
    assert report.read_bytes() == (root / "outputs" / "self-assessment.docx").read_bytes()
