"""The SIGKILL fault scenario of tests/integration/test_sigkill_faults.py, with bigger numbers.

Starts its own Dovecot and aiosmtpd sink (as the test fixtures do), runs ``mailagent run`` under
guest traffic, SIGKILLs it at random moments and restarts it, drains with a last worker, and
prints the accounting. Exit status 1 when the accounting found a problem.

    .venv/bin/python bench/sigkill_faults.py [--requests 1000] [--kills 100] [--seed N]
        [--postgresql] [--keep DIR]

``--postgresql`` uses a fresh database on 127.0.0.1:5432 instead of SQLite; ``--keep DIR`` keeps
the worker logs and the SQLite file there (otherwise a temporary folder is removed).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from servers import Dovecot, SmtpServer, create_database, drop_database  # noqa: E402
from test_sigkill_faults import (  # noqa: E402
    Params,
    account_for,
    log_excerpts,
    pick_seed,
    report,
    run_scenario,
    scenario_config,
    uncertain_batches,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--up-max", type=float, default=1.5, help="longest life before a kill")
    parser.add_argument("--drain-deadline", type=float, default=600)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()

    params = Params(
        seed=args.seed if args.seed is not None else pick_seed(),
        requests=args.requests,
        kills=args.kills,
        up_max=args.up_max,
        drain_deadline=args.drain_deadline,
    )
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mailagent-sigkill-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"seed={params.seed} requests={params.requests} kills={params.kills} folder={folder}")
    dovecot, sink, database = Dovecot(), SmtpServer(), None
    started = time.monotonic()
    try:
        dovecot.start()
        sink.start()
        account = dovecot.add_user(f"u{secrets.token_hex(6)}", secrets.token_urlsafe(12))
        url = None
        if args.postgresql:
            database, url = create_database()
        config = scenario_config(folder, account, sink, url)
        run, traffic = run_scenario(config, account, sink, params, folder / "logs")
        fig = account_for(config, account, sink, traffic, run)
        print(report(params, run, fig))
        print("\n".join(uncertain_batches(config, sink)))
        print(f"runtime {time.monotonic() - started:.1f} s")
        if fig.problems:
            print("PROBLEMS:\n" + "\n".join(fig.problems))
            print(log_excerpts(run))
            return 1
        return 0
    finally:
        sink.stop()
        dovecot.stop()
        if database is not None:
            drop_database(database)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
