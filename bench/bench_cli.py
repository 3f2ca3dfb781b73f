"""How fast ``selfassess --help`` answers (target: under 0.3 s). Prints figures, asserts nothing."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10
TARGET = 0.3


def main() -> None:
    exe = Path(sys.executable).with_name("selfassess")
    command = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "pipeline", "--help"]
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"selfassess --help: median {median:.3f} s, best {min(times):.3f} s over {RUNS} runs")
    print(f"target {TARGET:.1f} s: ratio {median / TARGET:.2f} of target")


if __name__ == "__main__":
    main()
