"""Page load times of ``selfassess serve`` on a copy of the demo council (target: under 0.3 s).

Starts the server as the command line does, signs in with the printed address, then times each
page over real HTTP: the dashboard's first load (which reads and checks the whole workspace,
unless the start-up read has finished), then every page again (read from the snapshot), then the
dashboard after an input changed (read again). Prints figures, asserts nothing.
"""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RUNS = 10
TARGET = 0.3
PAGES = (
    "/",
    "/upload",
    "/findings",
    "/findings?severity=warning",
    "/returns?qs=QS1",
    "/evidence?qs=QS1",
    "/run",
    "/files",
    "/report",
    "/static/style.css",
)


def get(host: str, port: int, path: str, cookie: str = "") -> tuple[int, float, str]:
    status, seconds, set_cookie, _ = fetch(host, port, path, cookie)
    return status, seconds, set_cookie


def fetch(host: str, port: int, path: str, cookie: str = "") -> tuple[int, float, str, str]:
    conn = http.client.HTTPConnection(host, port, timeout=300)
    start = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    seconds = time.perf_counter() - start
    conn.close()
    return response.status, seconds, response.getheader("Set-Cookie") or "", body


def until_fresh(host: str, port: int, cookie: str) -> tuple[float, float]:
    """Seconds until the dashboard shows fresh figures, and the slowest answer meanwhile."""
    start = time.perf_counter()
    slowest = 0.0
    while True:
        status, seconds, _, body = fetch(host, port, "/", cookie)
        slowest = max(slowest, seconds)
        if (
            status == 200
            and "Reading the workspace" not in body
            and "reading them again" not in body
        ):
            return time.perf_counter() - start, slowest
        time.sleep(0.1)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp) / "demo"
        root.mkdir()
        shutil.copy2(ROOT / "selfassess.toml", root / "selfassess.toml")
        shutil.copytree(ROOT / "inputs", root / "inputs")
        command = [sys.executable, "-m", "pipeline", "-w", str(root), "serve", "--port", "0"]
        process = subprocess.Popen(
            [*command, "--no-browser"], stdout=subprocess.PIPE, text=True, cwd=root
        )
        try:
            assert process.stdout is not None
            url = ""
            for line in process.stdout:
                found = re.search(r"http://\S+token=\S+", line)
                if found:
                    url = found.group(0)
                    break
            parts = urlsplit(url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            status, _, cookie = get(host, port, f"/?{parts.query}")
            assert status == 303, status
            cookie = cookie.split(";", 1)[0]
            first, slowest_meanwhile = until_fresh(host, port, cookie)
            print(
                f"dashboard with figures after start-up (reads the workspace): {first:.3f} s; "
                f"each answer meanwhile ('Reading the workspace…') at most "
                f"{slowest_meanwhile * 1000:.0f} ms"
            )
            rows = []
            for path in PAGES:
                times = []
                for _ in range(RUNS):
                    status, seconds, _ = get(host, port, path, cookie)
                    assert status == 200, (path, status)
                    times.append(seconds)
                rows.append((path, statistics.median(times), max(times)))
            for path, median, worst in rows:
                print(
                    f"  {path:<28} median {median * 1000:6.1f} ms, worst {worst * 1000:6.1f} ms "
                    f"({median / TARGET:.2f} of the {TARGET:.1f} s target)"
                )
            (root / "inputs" / "stage2" / "note.txt").write_text("changed", "utf-8")
            again, slowest_meanwhile = until_fresh(host, port, cookie)
            print(
                f"dashboard after an input changed, until fresh: {again:.3f} s; each answer "
                f"meanwhile at most {slowest_meanwhile * 1000:.0f} ms"
            )
            slowest = max(m for _, m, _ in rows)
            print(
                f"slowest page median / first load: {slowest / first:.3f}; "
                f"slowest page / target: {slowest / TARGET:.2f}"
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
