"""Screenshots of ``selfassess serve``'s pages in docs/serve/ (``make docs-serve``).

Runs the server on a copy of the demo council with five of its returns taken out, drops them
back in (with a foreign workbook) on the Upload page in headless Chromium, runs Validate and a
draft build with its PDF, and saves each page. Needs chromium, chromium-driver and LibreOffice.
The pictures are not pixel-reproducible (a browser draws them), so they are not in
docs/images.json; run this again when the pages change.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser, chromium, copy_demo, screenshot, serving, wait  # noqa: E402

OUT = ROOT / "docs" / "serve"


def main() -> int:
    import openpyxl
    from selenium.webdriver.common.by import By

    if chromium() is None:
        sys.exit("needs chromium and chromedriver: apt-get install chromium chromium-driver")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="serve-docs-") as tmp:
        work = Path(tmp)
        root = copy_demo(work / "Wealdshire")
        mailbox = work / "mailbox"
        mailbox.mkdir()
        for path in sorted((root / "inputs" / "stage1").rglob("*.xlsx"))[:5]:
            shutil.move(path, mailbox / path.name)
        wb = openpyxl.Workbook()
        wb.active["A1"] = "Budget"
        wb.save(mailbox / "budget 2026.xlsx")
        with serving(root) as url, browser(work / "profile", work / "downloads") as driver:
            driver.get(url)
            wait(lambda: "Where the round stands" in driver.page_source)
            driver.find_element(By.LINK_TEXT, "Upload returns").click()
            driver.find_element(By.ID, "files").send_keys(
                "\n".join(str(p) for p in sorted(mailbox.iterdir()))
            )
            wait(
                lambda: (
                    len(
                        driver.find_elements(By.CSS_SELECTOR, "#results li.ok, #results li.refused")
                    )
                    == 6
                )
            )
            screenshot(driver, OUT / "upload.png")
            for button in ("run-validate", "run-build-draft"):
                driver.set_window_size(1280, 900)
                driver.find_element(By.LINK_TEXT, "Run stages").click()
                if button == "run-build-draft":
                    driver.find_element(
                        By.CSS_SELECTOR, "form[data-action=build-draft] input[name=pdf]"
                    ).click()
                    screenshot(driver, OUT / "run.png")
                driver.find_element(By.ID, button).click()
                wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".outcome"), seconds=600)
            screenshot(driver, OUT / "job.png")
            for name, path in (
                ("dashboard", "/"),
                ("findings", "/findings?severity=warning"),
                ("downloads", "/files"),
                ("report", "/report"),
            ):
                driver.set_window_size(1280, 900)
                driver.get(url.split("/?")[0] + path)
                wait(lambda: driver.find_elements(By.TAG_NAME, "main"))
                screenshot(driver, OUT / f"{name}.png")
    for png in sorted(OUT.glob("*.png")):
        print(f"wrote {png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
