"""``pause``, ``resume`` and ``db upgrade``: the sending switch every worker obeys, and the
schema."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    pause = sub.add_parser("pause", help="stop all sending (mail keeps being read and queued)")
    pause.add_argument("--reason", default="", help="shown in logs and `mailagent run --once`")
    pause.set_defaults(func=cmd_pause)
    sub.add_parser("resume", help="send again after `pause`").set_defaults(func=cmd_resume)

    db = sub.add_parser("db", help="database maintenance")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dsub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)


def cmd_pause(config: Config, args: argparse.Namespace) -> int:
    return _set_paused(config, f"paused: {args.reason}" if args.reason else "paused")


def cmd_resume(config: Config, args: argparse.Namespace) -> int:
    return _set_paused(config, "")


def _set_paused(config: Config, value: str) -> int:
    import getpass

    from mailagent.service.delivery import PAUSED
    from mailagent.service.runtime import opened, utcnow
    from mailagent.store.control import set_control
    from mailagent.store.database import transaction

    with opened(config) as rt, transaction(rt.engine) as session:
        set_control(session, PAUSED, value, getpass.getuser(), utcnow())
    print("sending paused for every worker" if value else "sending resumed")
    return 0


def cmd_db_upgrade(config: Config, args: argparse.Namespace) -> int:
    from mailagent.store.database import make_engine
    from mailagent.store.migrate import upgrade

    engine = make_engine(config.settings.database.url)
    try:
        print(f"database at revision {upgrade(engine)}")
    finally:
        engine.dispose()
    return 0
