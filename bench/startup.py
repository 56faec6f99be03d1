"""Start-up: the wall time of ``mailagent --help`` against a bare interpreter start, measured in
the same run (heavy imports must stay lazy, so the CLI answers at once).

    .venv/bin/python bench/startup.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int) -> None:
    bare = wall([sys.executable, "-c", "pass"], runs)
    help_ = wall([sys.executable, "-m", "mailagent", "--help"], runs)
    print(f"python -c pass:      {bare * 1000:7.1f} ms (median of {runs})")
    print(f"mailagent --help:    {help_ * 1000:7.1f} ms")
    print(f"ratio:               {help_ / bare:7.2f}x the bare interpreter")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
