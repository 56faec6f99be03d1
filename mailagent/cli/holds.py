"""``held``: mail whose action waits because its sender could not be shown to be the guest or
manager it claims (list them, carry one out, or refuse it)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import instant
from mailagent.errors import MailagentError

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    held = sub.add_parser("held", help="mail held until its sender is confirmed")
    hsub = held.add_subparsers(dest="held_command", required=True, metavar="ACTION")
    hlist = hsub.add_parser("list", help="one line per hold still waiting")
    hlist.add_argument("--all", action="store_true", help="settled holds too")
    hlist.add_argument("--json", action="store_true", help="a JSON array of hold objects")
    hlist.set_defaults(func=cmd_held_list)
    release = hsub.add_parser(
        "release", help="carry the held mail out as if its sender were confirmed"
    )
    release.add_argument("id", type=int)
    release.add_argument(
        "--now",
        dest="at",
        type=instant,
        help="act as if at this instant (ISO 8601, with zone; for dry runs and tests)",
    )
    release.set_defaults(func=cmd_held_release)
    refuse = hsub.add_parser("refuse", help="never carry it out")
    refuse.add_argument("id", type=int)
    refuse.set_defaults(func=cmd_held_refuse)


def cmd_held_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.cli.common import admin_session
    from mailagent.service import holding
    from mailagent.store.tables import HELD_NOW

    stack, session = admin_session(config, readonly=True)
    with stack:
        found = holding.holds(session, None if args.all else HELD_NOW)
        if args.json:
            print(json.dumps([holding.as_dict(h) for h in found], indent=2))
            return 0
        rows = [
            f"{h.id:>5}  {h.status:<9} thread {h.thread_id:<5} {h.party:<7} {h.action:<9} "
            f"{h.at:%Y-%m-%d %H:%M}  {h.reason[:90]}"
            for h in found
        ]
    print("\n".join(rows) if rows else "nothing held")
    return 0


def cmd_held_release(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import acting
    from mailagent.service.admin import actor
    from mailagent.service.runtime import opened, utcnow
    from mailagent.store.database import transaction

    with opened(config) as rt, transaction(rt.engine) as session:
        hold = _waiting(session, args.id)
        done = acting.release(rt, session, hold, args.at or utcnow(), actor())
    print(f"hold {args.id} released: {done}")
    return 0


def cmd_held_refuse(config: Config, args: argparse.Namespace) -> int:
    from mailagent.cli.common import admin_session
    from mailagent.service import holding
    from mailagent.service.admin import actor
    from mailagent.service.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        holding.refuse(session, _waiting(session, args.id), utcnow(), actor())
    print(f"hold {args.id} refused: nothing will be carried out")
    return 0


def _waiting(session: Any, hold_id: int) -> Any:
    from mailagent.service import holding

    hold = holding.waiting_hold(session, hold_id)
    if hold is None:
        raise MailagentError(f"no hold {hold_id} waiting (see 'mailagent held list --all')")
    return hold
