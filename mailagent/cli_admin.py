"""The admin subcommands of ``mailagent``: threads, quarantine, outbox, jobs and status. Thin,
like the rest of the CLI: each calls library functions; heavy imports stay inside the commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailagent.config import Config


def add_thread_actions(tsub: Any) -> None:
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


def add_admin_parsers(sub: Any) -> None:
    suppressed = sub.add_parser("suppressions", help="addresses no longer written to (bounces)")
    ssub = suppressed.add_subparsers(dest="suppressions_command", required=True, metavar="ACTION")
    ssub.add_parser("list", help="one line per suppressed address").set_defaults(
        func=cmd_suppressions_list
    )
    lift = ssub.add_parser("remove", help="write to an address again (it was fixed)")
    lift.add_argument("address")
    lift.set_defaults(func=cmd_suppressions_remove)

    jobs = sub.add_parser("jobs", help="scheduled work (nudges, expiry...)")
    jsub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    jlist = jsub.add_parser("list", help="one line per job, soonest first")
    jlist.add_argument("--status", help="pending, running, done, failed, cancelled")
    jlist.set_defaults(func=cmd_jobs_list)
    jcancel = jsub.add_parser("cancel", help="cancel a pending job")
    jcancel.add_argument("id", type=int)
    jcancel.set_defaults(func=cmd_jobs_cancel)

    state = sub.add_parser("status", help="queue depths, last fetch and send (for supervisors)")
    state.add_argument("--json", action="store_true")
    state.add_argument(
        "--max-age",
        type=float,
        metavar="SECONDS",
        help="exit 2 (unhealthy) when the inbox was last read longer ago than this",
    )
    state.set_defaults(func=cmd_status)

    quarantine = sub.add_parser("quarantine", help="mail that could not be handled")
    qsub = quarantine.add_subparsers(dest="quarantine_command", required=True, metavar="ACTION")
    qsub.add_parser("list", help="one line per quarantined message").set_defaults(
        func=cmd_quarantine_list
    )
    for action, func, text in (
        ("show", cmd_quarantine_show, "headers and reason of one message"),
        ("drop", cmd_quarantine_drop, "mark it dealt with (its bytes stay)"),
    ):
        cmd = qsub.add_parser(action, help=text)
        cmd.add_argument("id", type=int)
        cmd.set_defaults(func=func)
    retry = qsub.add_parser("retry", help="hand one to the worker again, or handle all now")
    retry.add_argument("id", type=int, nargs="?")
    retry.add_argument(
        "--all", action="store_true", help="every quarantined message, handled at once"
    )
    retry.set_defaults(func=cmd_quarantine_retry)

    out = sub.add_parser("outbox", help="mail waiting, failed or uncertain")
    osub = out.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    olist = osub.add_parser("list", help="one line per outgoing mail")
    olist.add_argument("--status", help="pending, sending, sent, failed, uncertain, ...")
    olist.set_defaults(func=cmd_outbox_list)
    for action, func, text in (
        ("retry", cmd_outbox_retry, "send a failed or uncertain mail again"),
        ("cancel", cmd_outbox_cancel, "never send this mail"),
    ):
        cmd = osub.add_parser(action, help=text)
        cmd.add_argument("id", type=int)
        cmd.set_defaults(func=func)


def admin_session(config: Config, readonly: bool = False) -> Any:
    from contextlib import ExitStack

    from mailagent import store
    from mailagent.runtime import opened

    stack = ExitStack()
    rt = stack.enter_context(opened(config))
    session = stack.enter_context(store.transaction(rt.engine, readonly=readonly))
    return stack, session


def cmd_quarantine_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    stack, session = admin_session(config, readonly=True)
    with stack:
        rows = [
            f"{m.id:>6}  {m.at:%Y-%m-%d %H:%M}  uid {m.uid}  <{m.message_id or '?'}>  "
            f"{m.from_addr or '-'}  {m.last_error[:80]}"
            for m in admin.quarantined(session)
        ]
    print("\n".join(rows) if rows else "nothing in quarantine")
    return 0


def cmd_quarantine_show(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    stack, session = admin_session(config, readonly=True)
    with stack:
        row = admin.quarantine_row(session, args.id)
        head = row.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        lines = [
            f"message {row.id}  status {row.status}  attempts {row.attempts}  size {row.size}",
            f"mailbox {row.mailbox} uidvalidity {row.uidvalidity} uid {row.uid}",
            f"reason: {row.last_error}",
            "",
            head.decode("utf-8", "replace"),
        ]
    print("\n".join(lines))
    return 0


def _admin_change(config: Config, change: Any, what: str, args: argparse.Namespace) -> int:
    from mailagent.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        change(session, args.id, utcnow())
    print(f"{what} {args.id}")
    return 0


def cmd_quarantine_retry(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin
    from mailagent.errors import MailagentError

    if args.all:
        return _reprocess_quarantine(config)
    if args.id is None:
        raise MailagentError("give a message id, or --all")
    return _admin_change(config, admin.retry_quarantined, "to be handled again: message", args)


def _reprocess_quarantine(config: Config) -> int:
    """Hand every quarantined message back and handle it now, with a progress bar."""
    from collections import Counter

    from mailagent import admin, intake, store
    from mailagent.progress import Progress
    from mailagent.runtime import opened, utcnow

    outcomes: Counter[str] = Counter()
    with opened(config) as rt:
        with store.transaction(rt.engine, readonly=True) as session:
            ids = [m.id for m in admin.quarantined(session) if m.id is not None and m.raw]
        bar = Progress(len(ids), "re-processing")
        for message_id in ids:
            now = utcnow()
            with store.transaction(rt.engine) as session:
                admin.retry_quarantined(session, message_id, now)
            outcomes[intake.handle_one(rt, message_id, now)] += 1
            bar.step()
        bar.finish()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items())) or "nothing"
    print(f"{len(ids)} quarantined message(s) handled again: {summary}")
    return 0


def cmd_quarantine_drop(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    return _admin_change(config, admin.drop_quarantined, "dropped: message", args)


def cmd_outbox_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    stack, session = admin_session(config, readonly=True)
    with stack:
        rows = [
            f"{o.id:>6}  {o.status:<10} {o.kind:<14} thread {o.thread_id:<5} "
            f"{o.recipient or '-':<30} tries {o.attempts}  {o.last_error[:60]}"
            for o, _ in admin.outbox(session, args.status)
        ]
    print("\n".join(rows) if rows else "no such mail")
    return 0


def cmd_outbox_retry(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    return _admin_change(config, admin.retry_outbox, "to be sent again: outbox row", args)


def cmd_outbox_cancel(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    return _admin_change(config, admin.cancel_outbox, "cancelled: outbox row", args)


def cmd_threads_close(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    return _admin_change(config, admin.close_thread, "closed: thread", args)


def cmd_threads_note(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin
    from mailagent.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.note_thread(session, args.id, args.text, utcnow())
    print(f"noted on thread {args.id}")
    return 0


def cmd_jobs_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    stack, session = admin_session(config, readonly=True)
    with stack:
        rows = [
            f"{j.id:>6}  {j.status:<9} {j.kind:<14} thread {j.thread_id:<5} "
            f"due {j.due_at:%Y-%m-%d %H:%M} UTC  {j.last_error[:60]}"
            for j in admin.jobs(session, args.status)
        ]
    print("\n".join(rows) if rows else "no such jobs")
    return 0


def cmd_jobs_cancel(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    return _admin_change(config, admin.cancel_job, "cancelled: job", args)


def cmd_suppressions_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin

    stack, session = admin_session(config, readonly=True)
    with stack:
        rows = [
            f"{r.at:%Y-%m-%d %H:%M}  {r.address}  {r.status or '-'}  {r.reason[:80]}"
            + (f"  [thread {r.thread_id}]" if r.thread_id else "")
            for r in admin.suppressions(session)
        ]
    print("\n".join(rows) if rows else "no suppressed addresses")
    return 0


def cmd_suppressions_remove(config: Config, args: argparse.Namespace) -> int:
    from mailagent import admin
    from mailagent.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.lift_suppression(session, args.address, utcnow())
    print(f"{args.address.lower()} is written to again")
    return 0


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    import json
    from datetime import datetime

    from mailagent import admin
    from mailagent.runtime import utcnow

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


def cmd_threads_reassign(config: Config, args: argparse.Namespace) -> int:
    from mailagent import effects, staffing, store
    from mailagent.admin import actor
    from mailagent.errors import MailagentError
    from mailagent.meeting_routing import decide_reassign
    from mailagent.models import Thread
    from mailagent.runtime import opened, utcnow

    manager = config.managers.find(args.manager)
    if manager is None:
        raise MailagentError(f"no manager named or addressed {args.manager!r} in managers.toml")
    now = utcnow()
    with opened(config) as rt, store.transaction(rt.engine) as session:
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
    from mailagent import admin
    from mailagent.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.merge_threads(session, args.id, args.other, utcnow())
    print(f"thread {args.other} merged into thread {args.id}")
    return 0
