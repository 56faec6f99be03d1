"""Start-up: the wall time of ``mailagent --help``, and of ``mailagent run --once`` with nothing
to do (the embedded default in a fresh folder, after one first run has created the database and
checked the templates), against a bare interpreter start measured in the same run.

    .venv/bin/python bench/startup.py [RUNS]

Goals: ``--help`` under 0.2 s, an idle ``run --once`` under 0.5 s.

Every process runs as an installed mailagent does: with the bytecode of each module written
once (``pip install .`` compiles the package; Python writes the rest on first import). The
bytecode goes to a private folder (``PYTHONPYCACHEPREFIX``) and a first, untimed run of each
command writes it, so neither an editable checkout nor ``PYTHONDONTWRITEBYTECODE`` in the
environment makes every start compile mailagent's sources again. That cost is printed apart:
the idle run once more with the environment as it is.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wall(command: list[str], runs: int, env: dict[str, str], cwd: Path | None = None) -> float:
    """The median wall time of ``runs`` runs, after one untimed run (which writes bytecode)."""
    subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu(command: list[str], runs: int, env: dict[str, str], cwd: Path | None = None) -> float:
    """The mean CPU time (user and system) of ``runs`` runs: on a shared machine it varies
    less than the wall time does, as long as the clock rate holds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return used / runs


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        installed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
            "PYTHONPYCACHEPREFIX": str(folder / "pycache")
        }
        bare = wall([sys.executable, "-c", "pass"], runs, installed)
        help_ = wall([sys.executable, "-m", "mailagent", "--help"], runs, installed)
        for part in ("config", "templates"):
            shutil.copytree(REPO / part, folder / part)
        once = [sys.executable, "-m", "mailagent", "run", "--once"]
        # The untimed first run creates the database, checks and records the templates.
        idle = wall(once, runs, installed, folder)
        bare_cpu = cpu([sys.executable, "-c", "pass"], runs, installed)
        idle_cpu = cpu(once, runs, installed, folder)
        as_is = wall(once, runs, dict(os.environ), folder)
    print(f"python -c pass:      {bare * 1000:7.1f} ms (median of {runs})")
    print(f"mailagent --help:    {help_ * 1000:7.1f} ms (goal < 200 ms)")
    print(f"idle run --once:     {idle * 1000:7.1f} ms (goal < 500 ms)")
    print(f"ratio:               {help_ / bare:7.2f}x and {idle / bare:.2f}x the bare interpreter")
    print(
        f"CPU time (mean):     {bare_cpu * 1000:7.1f} ms bare, {idle_cpu * 1000:.1f} ms idle run"
        f" --once ({idle_cpu / bare_cpu:.2f}x)"
    )
    print(
        f"idle run --once, environment as it is: {as_is * 1000:7.1f} ms"
        + (" (PYTHONDONTWRITEBYTECODE is set)" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "")
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
