"""``threads``: list and show conversations (the JSON contract of design section 6), and an
admin's hand on one: close, note, reassign, merge."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import admin_change, admin_session, instant
from mailagent.errors import MailagentError

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    threads = sub.add_parser("threads", help="look at conversations")
    tsub = threads.add_subparsers(dest="threads_command", required=True, metavar="ACTION")
    tlist = tsub.add_parser("list", help="one line per thread")
    tlist.add_argument("--state", help="only threads in this state")
    tlist.add_argument("--guest", help="part of the guest's address or name")
    tlist.add_argument("--manager", help="part of the manager's address or name")
    tlist.add_argument("--since", type=instant, help="created at or after (ISO 8601, with zone)")
    tlist.add_argument("--until", type=instant, help="created before (ISO 8601, with zone)")
    tlist.add_argument("--json", action="store_true", help="a JSON array of thread objects")
    tlist.set_defaults(func=cmd_threads_list)
    tshow = tsub.add_parser("show", help="one thread with its messages, answers, jobs and events")
    tshow.add_argument("id", type=int)
    tshow.add_argument("--json", action="store_true", help="the thread as a JSON object")
    tshow.set_defaults(func=cmd_threads_show)
    merge = tsub.add_parser("merge", help="fold thread B into thread A (one person, two threads)")
    merge.add_argument("id", type=int, help="A: the thread that stays")
    merge.add_argument("other", type=int, help="B: the thread folded into A and closed")
    merge.set_defaults(func=cmd_threads_merge)
    reassign = tsub.add_parser("reassign", help="give a thread to another manager (new brief)")
    reassign.add_argument("id", type=int)
    reassign.add_argument("manager", help="the manager's name or one of their addresses")
    reassign.set_defaults(func=cmd_threads_reassign)
    close = tsub.add_parser("close", help="end a conversation by hand (timers cancelled)")
    close.add_argument("id", type=int)
    close.set_defaults(func=cmd_threads_close)
    note = tsub.add_parser("note", help="add a note to a thread's event log")
    note.add_argument("id", type=int)
    note.add_argument("text")
    note.set_defaults(func=cmd_threads_note)


def cmd_threads_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import views
    from mailagent.service.runtime import opened
    from mailagent.store.database import transaction
    from mailagent.store.threads import list_threads

    with opened(config) as rt, transaction(rt.engine, readonly=True) as session:
        threads = list_threads(
            session, args.state, args.guest, args.since, args.until, args.manager
        )
        data = [views.thread_json(session, t) for t in threads] if args.json else None
    # Printed after the transaction: a slow reader (a pager) must not hold the database.
    print(
        json.dumps(data, indent=2) if data is not None else "\n".join(views.thread_lines(threads))
    )
    return 0


def cmd_threads_show(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import views
    from mailagent.service.runtime import opened
    from mailagent.store.database import transaction
    from mailagent.store.tables import Thread

    with opened(config) as rt, transaction(rt.engine, readonly=True) as session:
        thread = session.get(Thread, args.id)
        if thread is None:
            raise MailagentError(f"no thread {args.id}")
        data = views.thread_json(session, thread)
    print(json.dumps(data, indent=2) if args.json else views.thread_text(data))
    return 0


def cmd_threads_close(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

    return admin_change(config, admin.close_thread, "closed: thread", args)


def cmd_threads_note(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin
    from mailagent.service.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.note_thread(session, args.id, args.text, utcnow())
    print(f"noted on thread {args.id}")
    return 0


def cmd_threads_reassign(config: Config, args: argparse.Namespace) -> int:
    from mailagent.core.meeting_routing import decide_reassign
    from mailagent.errors import MailagentError
    from mailagent.service import effects, staffing
    from mailagent.service.admin import actor
    from mailagent.service.runtime import opened, utcnow
    from mailagent.store.database import transaction
    from mailagent.store.tables import Thread

    manager = config.managers.find(args.manager)
    if manager is None:
        raise MailagentError(f"no manager named or addressed {args.manager!r} in managers.toml")
    now = utcnow()
    with opened(config) as rt, transaction(rt.engine) as session:
        thread = session.get(Thread, args.id, with_for_update=True)
        view = effects.thread_view(session, thread, now)
        if thread is None or view is None:
            raise MailagentError(f"no thread {args.id}")
        try:
            decision = decide_reassign(
                view,
                (manager.name, manager.email),
                actor(),
                staffing.meeting_rules(rt),
                now,
                manager.timezone,
            )
        except ValueError as exc:
            raise MailagentError(str(exc)) from None
        effects.apply(rt, session, thread, decision, None, now, actor=actor())
    print(f"thread {args.id} reassigned to {manager.name}; brief queued")
    return 0


def cmd_threads_merge(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin
    from mailagent.service.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.merge_threads(session, args.id, args.other, utcnow())
    print(f"thread {args.other} merged into thread {args.id}")
    return 0
