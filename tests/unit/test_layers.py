"""The tree keeps its layers (docs/architecture.md): imports point down only, and the pure core
imports no other part of mailagent, no database, socket or template library, and reads no clock.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks every import,
those inside functions included. The second test shows the contracts do catch a violation.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "mailagent" / "core"
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)
# Reading the clock inside the core would make its decisions depend on when they run.
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_imports_point_down_and_the_core_stays_pure() -> None:
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_core_module_reaching_up_or_out_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(REPO / "mailagent", tmp_path / "mailagent")
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with (tmp_path / "mailagent" / "core" / "answers.py").open("a") as module:
        module.write("\n\ndef _peek() -> None:\n    import socket  # noqa\n")
    with (tmp_path / "mailagent" / "core" / "times.py").open("a") as module:
        module.write("\nfrom mailagent.store import tables  # noqa\n")

    result = lint(tmp_path)

    assert result.returncode != 0
    assert "mailagent.core.times -> mailagent.store.tables" in result.stdout
    assert "mailagent.core.answers -> socket" in result.stdout


def clock_reads(source: str) -> list[str]:
    """``name.attr(...)`` calls in ``source`` that read the clock (datetime.now(), time.time())."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"datetime", "date", "time"}
        ):
            found.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}()")
    return found


def test_the_core_reads_no_clock() -> None:
    assert clock_reads("from datetime import datetime\nwhen = datetime.now()\n") == [
        "line 2: datetime.now()"
    ]
    reads = {
        path.name: found
        for path in sorted(CORE.glob("*.py"))
        if (found := clock_reads(path.read_text(encoding="utf-8")))
    }
    assert reads == {}
