"""The pass-rate comparison of ``bench/pass_rate.py`` counted in CPU instructions instead of
seconds: on a shared machine the seconds of one run differ from the next by a third, while
valgrind's instruction count of the same work is the same to a fraction of a percent.

Each side runs twice under ``valgrind --tool=callgrind``, over ``SMALL`` and over ``SMALL + N``
requests; the difference divided by ``N`` is the cost of one more mail, without the start-up
both runs share (interpreter, imports, the warm-up request):

- mailagent: worker passes over the requests waiting in a Maildir (SQLite), until each is
  answered, after one warm-up request, as in ``pass_rate.py``;
- floor: the stdlib parsing the same files (``email.message_from_bytes`` with
  ``policy.default``, its From and its text body).

The requests are written before valgrind starts, so making them is not counted.
Instructions leave out what waits rather than computes (fsync, the disk), so the ratio is
that of the work itself. Needs valgrind (Debian's package); Python runs about 30x slower under
it, so the default N is small; the two runs of a side run at once.

    .venv/bin/python bench/instructions.py [N] [--small K]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "bench"))

from pass_rate import answer_all, floor, requests  # noqa: E402

from mailagent.transports.inbox import Inbox  # noqa: E402


def child(side: str, folder: Path) -> None:
    """The measured work of one run, inside valgrind, over the requests waiting in
    ``folder / "ready"`` (written by the parent, so making them is not counted)."""
    ready = folder / "ready"
    if side == "floor":
        floor(ready)
        return

    def deliver(inbox: Inbox) -> int:
        waiting = sorted((ready / "new").iterdir())
        for path in waiting:  # delivered as a local MTA does: a rename into new/
            os.rename(path, folder / "in" / "new" / path.name)
        return len(waiting)

    answer_all(folder, deliver, 0, None)


def instructions(side: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("ready/tmp", "ready/new", "ready/cur"):
            (folder / sub).mkdir(parents=True)
        for i, raw in enumerate(requests(n)):
            (folder / "ready" / "new" / f"{i:06d}.bench").write_bytes(raw)
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            side,
            str(folder),
        ]
        # A fixed hash seed, so sets and dicts take the same shape in every run: without it the
        # floor's count of the same files differed by 2-4% between runs of 40 requests.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        result = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no count:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def per_mail(side: str, small: int, n: int) -> float:
    # The two runs side by side (a count does not depend on what else the machine does).
    with ThreadPoolExecutor(2) as pool:
        longer, shorter = pool.map(lambda k: instructions(side, k), (small + n, small))
    return (longer - shorter) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100)
    parser.add_argument("--small", type=int, default=10, help="requests in the shorter run")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    ours = per_mail("mailagent", args.small, args.n)
    base = per_mail("floor", args.small, args.n)
    print(f"{args.n} requests more than {args.small}, Maildir + SQLite, counted by callgrind")
    print(f"floor (stdlib parse of the same files): {base / 1e6:8.2f} M instructions a mail")
    print(f"mailagent passes until all answered:    {ours / 1e6:8.2f} M instructions a mail")
    print(
        f"ratio floor/mailagent:                  {ours / base:8.2f} (the goal, <= 4, is in time)"
    )


if __name__ == "__main__":
    main()
