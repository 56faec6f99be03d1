"""The hostile-mail table of tests/integration/test_hostile_mail.py as a report.

Each case goes into a fresh Maildir + SQLite with an ordinary request behind it; one timed pass.
Prints per case: the stored outcome of the hostile mail(s), whether the request behind it was
answered, header problems in what we wrote, and the pass's wall time (over 10 s is flagged).

    .venv/bin/python bench/hostile_suite.py [--passes N] [--heavy] [--log] [CASE-SUBSTRING ...]

``--passes N`` runs N-1 more passes afterwards (a message left ``received`` should end up
quarantined after ``max_attempts``); ``--heavy`` adds bigger CR-only part floods that slip past
the parser's boundary pre-check (slow: minutes).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import one_pass  # noqa: E402
from test_hostile_mail import (  # noqa: E402
    CASES,
    SLOW_SECONDS,
    Case,
    many_empty_parts,
    outcome,
    run_case,
)

from mailagent.config.loading import load_config  # noqa: E402


def heavy_cases() -> list[Case]:
    return [
        Case(
            f"parts_{n // 1000}k_empty_cr_only",
            lambda n=n: [many_empty_parts(n, b"\r")],
            f"{n:,} empty parts, bare CR line ends",
        )
        for n in (300_000, 1_000_000)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--heavy", action="store_true")
    parser.add_argument("--log", action="store_true", help="show mailagent's log on stderr")
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if args.log else logging.CRITICAL + 1)

    cases = CASES + (heavy_cases() if args.heavy else [])
    if args.only:
        cases = [c for c in cases if any(s in c.id for s in args.only)]
    failures = 0
    print(f"{'case':40} {'seconds':>8}  outcome | request behind it")
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            o = run_case(case, folder)
            config = load_config(folder / "mailagent.toml")
            for _ in range(args.passes - 1):
                one_pass(config)
            if args.passes > 1:
                o = outcome(case.id, config, folder / "out", len(o.rows), o.seconds)
        ok = (
            all(r.status in ("done", "duplicate", "quarantined") for r in o.rows)
            and o.follow_up_status == "done"
            and o.follow_up_answered == 1
            and not o.header_problems
        )
        failures += not ok
        slow = f"  <<< SLOW (> {SLOW_SECONDS:g} s)" if o.seconds > SLOW_SECONDS else ""
        print(
            f"{case.id:40} {o.seconds:8.2f}  {o.summary()} | {o.follow_up_status}, "
            f"answered {o.follow_up_answered}x{'' if ok else '  <<< FAIL'}{slow}"
        )
        for problem in o.header_problems:
            print(f"{'':40}           header: {problem[:200]}")
        sys.stdout.flush()
    print(f"\n{len(cases)} cases, {failures} failing ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
