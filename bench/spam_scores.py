"""SpamAssassin's score for every mail kind in every language, as built from the templates'
sample data, against a short personal plain-text mail scored in the same run (the baseline).

    apt-get install spamassassin      # Debian's package; network tests stay off (-L)
    .venv/bin/python bench/spam_scores.py [--show]

Goal: every kind under 1.0 points. ``--show`` lists the rules that fired. Not run by CI
(``.ci/run`` does not install SpamAssassin); the yes/no properties of the same mails are
checked by tests/unit/test_mail_quality.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailagent.compose.environment import make_environment  # noqa: E402
from mailagent.config.loading import load_config  # noqa: E402
from mailagent.service.checks import template_files  # noqa: E402
from mailagent.service.samples import sample_mail  # noqa: E402

GOAL = 1.0
BASELINE = (
    b"From: Dana Ruiz <dana.ruiz@example.org>\r\nTo: Sam Lee <sam.lee@firm.example>\r\n"
    b"Subject: Our conversation on Thursday\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
    b"Message-ID: <CAF7x9Qm2=abc@mail.gmail.com>\r\n\r\n"
    b"Hello Sam,\r\n\r\nthank you for your time on Thursday. It helped a lot.\r\n\r\nDana\r\n"
)
_SCORE = re.compile(rb"X-Spam-Status: \w+, score=(-?[\d.]+).*?tests=(.*?)(?: autolearn=|$)", re.S)


def score(raw: bytes) -> tuple[float, str]:
    done = subprocess.run(
        ["spamassassin", "-L", "-t"], input=raw, capture_output=True, check=True, timeout=120
    )
    found = _SCORE.search(done.stdout)
    if found is None:
        raise SystemExit(f"no X-Spam-Status in SpamAssassin's output: {done.stderr[:200]!r}")
    rules = re.sub(rb"\s+", b"", found.group(2)).decode()
    return float(found.group(1)), rules


def main(show: bool) -> int:
    if shutil.which("spamassassin") is None:
        raise SystemExit("spamassassin not found: apt-get install spamassassin")
    config = load_config(REPO / "config" / "mailagent.toml")
    env = make_environment(REPO / "templates")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    kinds = sorted(template_files(env))
    mails = [sample_mail(config, env, lang, kind, now)[0] for lang, kind in kinds]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(score, [BASELINE, *mails]))
    base, _ = results[0]
    print(f"baseline (a short personal mail):         {base:5.1f}")
    worst = max(s for s, _ in results[1:])
    for (lang, kind), (points, rules) in zip(kinds, results[1:], strict=True):
        mark = "" if points < GOAL else "  <- over the goal"
        print(f"{lang} {kind:<22}                {points:5.1f}{mark}")
        if show:
            print(f"      {rules}")
    over = sum(1 for s, _ in results[1:] if s >= GOAL)
    print(f"kinds scored: {len(kinds)}; highest {worst:.1f}; over {GOAL}: {over} (goal: none)")
    print(f"highest against the baseline: {worst - base:+.1f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main("--show" in sys.argv[1:]))
