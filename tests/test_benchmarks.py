"""The benchmarks run in a small size, so they cannot rot; their figures are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("startup.py", ["2"]),
        ("scheduler.py", ["50", "500", "10"]),
        ("ingest.py", ["30"]),
        ("latency.py", ["5"]),
        ("memory.py", ["300"]),
        ("pass_rate.py", ["30", "--existing", "300"]),
        ("pass_rate.py", ["20", "--postgres"]),
        ("outbox_send.py", ["20"]),
        ("free_busy.py", ["3", "--rounds", "1"]),
    ],
)
def test_benchmark_runs_and_prints_its_ratio(script: str, args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio" in done.stdout
