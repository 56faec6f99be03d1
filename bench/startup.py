"""Start-up: the wall time of ``mailagent --help``, and of ``mailagent run --once`` with nothing
to do (the embedded default in a fresh folder, after one first run has created the database and
checked the templates), against a bare interpreter start measured in the same run.

    .venv/bin/python bench/startup.py [RUNS]

Goals: ``--help`` under 0.2 s, an idle ``run --once`` under 0.5 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wall(command: list[str], runs: int, cwd: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int) -> None:
    bare = wall([sys.executable, "-c", "pass"], runs)
    help_ = wall([sys.executable, "-m", "mailagent", "--help"], runs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for part in ("config", "templates"):
            shutil.copytree(REPO / part, folder / part)
        once = [sys.executable, "-m", "mailagent", "run", "--once"]
        wall(once, 1, folder)  # creates the database, checks and records the templates
        idle = wall(once, runs, folder)
    print(f"python -c pass:      {bare * 1000:7.1f} ms (median of {runs})")
    print(f"mailagent --help:    {help_ * 1000:7.1f} ms (goal < 200 ms)")
    print(f"idle run --once:     {idle * 1000:7.1f} ms (goal < 500 ms)")
    print(f"ratio:               {help_ / bare:7.2f}x and {idle / bare:.2f}x the bare interpreter")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
