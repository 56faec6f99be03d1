"""One worker pass over N injected requests on the embedded default (Maildir + SQLite).

Prints the pass's wall time and messages/second, and the same figures for a floor measured in the
same run: read and parse the same files with the stdlib and write one pre-built reply per message
into a Maildir. The ratio (floor rate / mailagent rate) is the figure to compare across machines.

    .venv/bin/python bench/one_pass.py [N]
"""

from __future__ import annotations

import email
import email.policy
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import guest_mail, make_config  # noqa: E402

from mailagent.service.runtime import opened  # noqa: E402
from mailagent.service.worker import run_once  # noqa: E402
from mailagent.transports.maildir import MaildirInbox  # noqa: E402
from mailagent.transports.opening import open_inbox  # noqa: E402


def requests(n: int) -> list[bytes]:
    return [guest_mail(sender=f"Guest {i} <guest{i}@example.org>") for i in range(n)]


def floor(folder: Path, mails: list[bytes]) -> float:
    settings = make_config(folder, "maildir:x", "maildir:y").settings.inbox
    inbox = MaildirInbox(folder / "in", settings)
    for raw in mails:
        inbox.append(raw)
    reply = EmailMessage()
    reply["Subject"] = "Re: request"
    reply.set_content("Thank you. " * 200)
    data = reply.as_bytes()
    out = folder / "out"
    out.mkdir()
    start = time.perf_counter()
    for i, path in enumerate(sorted((folder / "in" / "new").iterdir())):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert msg["From"]
        (out / f"{i}.eml").write_bytes(data)
    return time.perf_counter() - start


def mailagent_pass(folder: Path, mails: list[bytes]) -> float:
    config = make_config(
        folder,
        f"maildir:{folder / 'in'}",
        f"maildir:{folder / 'out'}",
        limits={"global_per_minute": 100_000},  # measure the pass, not the breaker
    )
    inbox = open_inbox(config.settings.inbox)
    for raw in mails:
        inbox.append(raw)
    with opened(config) as rt:  # migrations run here, outside the timed pass
        start = time.perf_counter()
        report = run_once(rt, inbox, datetime.now(UTC))
        elapsed = time.perf_counter() - start
    assert report.outbox.sent == len(mails), report
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    mails = requests(n)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        base = floor(Path(a), mails)
        ours = mailagent_pass(Path(b), mails)
    print(f"requests: {n}")
    print(f"floor (parse + write reply): {base:.3f} s, {n / base:,.0f} msg/s")
    print(f"mailagent one pass:          {ours:.3f} s, {n / ours:,.0f} msg/s")
    print(f"ratio mailagent/floor rate:  {base / ours:.3f}")


if __name__ == "__main__":
    main()
