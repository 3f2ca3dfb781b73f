"""Driving ``selfassess serve`` in a real browser: Debian's headless Chromium through its
chromedriver (Selenium), against the server run as the command line runs it. Used by
tests/test_serve_browser.py and docs/serve_screenshots.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver", "chromium-driver")


def chromium() -> tuple[str, str] | None:
    """The browser and its driver, or None when either is missing."""
    browser = next((p for n in CHROMIUM if (p := shutil.which(n))), None)
    driver = next((p for n in DRIVER if (p := shutil.which(n))), None)
    if browser is None or driver is None:
        return None
    return browser, driver


def copy_demo(dest: Path) -> Path:
    """A copy of the demo council's workspace (its inputs and settings)."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "selfassess.toml", dest / "selfassess.toml")
    shutil.copytree(ROOT / "inputs", dest / "inputs")
    return dest


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """``selfassess serve`` on ``root`` (any free port, no browser): the address it prints."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--workspace",
            str(root),
            "serve",
            "--port",
            "0",
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=root,
    )
    try:
        assert process.stdout is not None
        url = None
        printed = []
        for line in process.stdout:
            printed.append(line)
            found = re.search(r"http://\S+token=\S+", line)
            if found:
                url = found.group(0)
                break
        if url is None:
            raise RuntimeError("serve printed no address: " + "".join(printed))
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def browser(profile: Path, downloads: Path, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """Headless Chromium with a fresh profile, saving downloads in ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = chromium()
    assert found is not None
    binary, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    # The driver is named: Selenium never looks one up or downloads one.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()


def wait(test: Callable[[], Any], seconds: float = 120, what: str = "the page") -> Any:
    """``test()``'s first true value, polled; fails after ``seconds``."""
    end = time.monotonic() + seconds
    while True:
        try:
            value = test()
        except Exception:  # the element is not there yet, or the page is reloading
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def screenshot(driver: Any, path: Path, full_page: bool = True) -> None:
    """The page as PNG; the whole page's height when ``full_page``."""
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.get_window_size()["width"]
        driver.set_window_size(width, min(max(height + 140, 400), 4000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    from PIL import Image

    # 256 colours: text and flat colours look the same, at a third of the size.
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)
