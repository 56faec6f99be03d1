"""The README's first command, run verbatim in a fresh copy of the project with a fresh virtual
environment: it installs mailagent and starts the worker on the embedded default; an example
request injected with the CLI is answered into the Maildir outbox."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["mailagent", "config", "templates", "examples", "pyproject.toml", "README.md", "LICENSE"]


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / "README.md").read_text(), flags=re.DOTALL)
    return [block.strip() for block in blocks]


def test_the_readme_has_exactly_the_two_setup_commands() -> None:
    first, second = readme_commands()[:2]
    assert first == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mailagent run"
    assert (
        second == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    )
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == second  # CI runs the second command verbatim


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_first_command_installs_and_runs_the_worker(tmp_path: Path) -> None:
    project = tmp_path / "mailagent"
    project.mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    first = readme_commands()[0]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAILAGENT_CONFIG")}
    worker = subprocess.Popen(
        ["bash", "-c", first],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        database = project / "var" / "mailagent.db"
        deadline = time.monotonic() + 480
        while not database.exists():
            assert worker.poll() is None, worker.communicate()[0]
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.5)
        mailagent = str(project / ".venv" / "bin" / "mailagent")
        subprocess.run(
            [mailagent, "inject", "examples/request.eml"], cwd=project, env=env, check=True
        )
        outbox = project / "var" / "mail" / "outbox" / "new"
        while not (outbox.exists() and any(outbox.iterdir())):
            assert worker.poll() is None, worker.communicate()[0]
            assert time.monotonic() < deadline, "no questionnaire in the outbox"
            time.sleep(0.2)
        listing = subprocess.run(
            [mailagent, "threads", "list"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        out = worker.communicate(timeout=30)[0]
    [mail] = list(outbox.iterdir())
    assert "Subject: Re: Informational interview about logistics?" in mail.read_text()
    assert "awaiting_guest" in listing and "dana.ruiz@example.org" in listing
    assert worker.returncode == 0, out


@pytest.mark.timeout(300)
def test_the_whole_story_plays_as_the_readme_tells_it(tmp_path: Path) -> None:
    """The README's step-by-step block, run verbatim with bash in a fresh copy (the installed
    mailagent of this checkout): every step's mail goes out, and the thread tells the story."""
    [story] = [block for block in readme_commands() if "examples/reply.py" in block]
    project = tmp_path / "mailagent"
    project.mkdir()
    for name in ("config", "templates", "examples"):
        shutil.copytree(REPO / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".venv").symlink_to(REPO / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAILAGENT_CONFIG")}
    done = subprocess.run(
        ["bash", "-e", "-c", story],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = re.findall(r"-> (\w+)\s.*\[sent\]", done.stdout)
    assert kinds == [
        "questionnaire",
        "brief_manager",
        "confirmation",
        "confirmation_manager",
        "reminder_guest",
        "reminder_manager",
        "thank_you",
        "debrief_request",
    ]
    assert "answer give_back: Your careers page is hard to find." in done.stdout
    assert len(list((project / "var" / "mail" / "outbox" / "new").iterdir())) == 8
