"""``status``: queue depths, when each inbox was last read and by whom, the last send; exit 2
when an inbox was not read for ``--max-age`` seconds (for supervisors and monitors)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import admin_session

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    state = sub.add_parser("status", help="queue depths, last fetch and send (for supervisors)")
    state.add_argument("--json", action="store_true")
    state.add_argument(
        "--max-age",
        type=float,
        metavar="SECONDS",
        help="exit 2 (unhealthy) when the inbox was last read longer ago than this",
    )
    state.set_defaults(func=cmd_status)


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    import json
    from datetime import datetime

    from mailagent.service import admin
    from mailagent.service.runtime import utcnow

    now = utcnow()
    names = [i.name for i in config.settings.all_inboxes()]
    stack, session = admin_session(config, readonly=True)
    with stack:
        data = admin.status(session, names, now)
    healthy = True
    if args.max_age is not None:
        last = data["last_fetch"]
        age = (now - datetime.fromisoformat(last)).total_seconds() if last else None
        healthy = age is not None and age <= args.max_age
        data["healthy"] = healthy
    if args.json:
        print(json.dumps(data, indent=2))
        return 0 if healthy else 2
    out = data["outbox"]
    print(f"inbound waiting {data['inbound_waiting']}, quarantined {data['quarantined']}")
    print(
        f"outbox pending {out['pending']}, sending {out['sending']}, failed {out['failed']}, "
        f"uncertain {out['uncertain']}; jobs pending {data['jobs_pending']}"
    )
    print(f"last fetch {data['last_fetch'] or 'never'}, last send {data['last_send'] or 'never'}")
    for name, inbox in data["inboxes"].items():
        holder = f"held by {inbox['worker']}" if inbox["worker"] else "no worker holds it"
        print(f"inbox {name}: last read {inbox['last_fetch'] or 'never'}, {holder}")
    print(f"sending {data['paused'] or 'active'}")
    if not healthy:
        print(f"UNHEALTHY: an inbox was not read in the last {args.max_age:g} s")
    return 0 if healthy else 2
