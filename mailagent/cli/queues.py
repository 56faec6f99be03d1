"""The queues an admin tends: ``quarantine`` (mail that could not be handled), ``outbox``
(mail waiting, failed or uncertain), ``jobs`` (scheduled work) and ``suppressions``
(addresses no longer written to after a permanent bounce)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import admin_change, admin_session
from mailagent.errors import MailagentError

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
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


def cmd_quarantine_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

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
    from mailagent.service import admin

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


def cmd_quarantine_retry(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

    if args.all:
        return _reprocess_quarantine(config)
    if args.id is None:
        raise MailagentError("give a message id, or --all")
    return admin_change(config, admin.retry_quarantined, "to be handled again: message", args)


def _reprocess_quarantine(config: Config) -> int:
    """Hand every quarantined message back and handle it now, with a progress bar."""
    from collections import Counter

    from mailagent.cli.progress import progress_bar
    from mailagent.service import admin
    from mailagent.service.handling import handle_one
    from mailagent.service.runtime import opened, utcnow
    from mailagent.store.database import transaction

    outcomes: Counter[str] = Counter()
    with opened(config) as rt:
        with transaction(rt.engine, readonly=True) as session:
            ids = [m.id for m in admin.quarantined(session) if m.id is not None and m.raw]
        bar = progress_bar(len(ids), "re-processing")
        for message_id in ids:
            now = utcnow()
            with transaction(rt.engine) as session:
                admin.retry_quarantined(session, message_id, now)
            outcomes[handle_one(rt, message_id, now)] += 1
            bar.update()
        bar.close()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items())) or "nothing"
    print(f"{len(ids)} quarantined message(s) handled again: {summary}")
    return 0


def cmd_quarantine_drop(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

    return admin_change(config, admin.drop_quarantined, "dropped: message", args)


def cmd_outbox_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

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
    from mailagent.service import admin

    return admin_change(config, admin.retry_outbox, "to be sent again: outbox row", args)


def cmd_outbox_cancel(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

    return admin_change(config, admin.cancel_outbox, "cancelled: outbox row", args)


def cmd_jobs_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

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
    from mailagent.service import admin

    return admin_change(config, admin.cancel_job, "cancelled: job", args)


def cmd_suppressions_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import admin

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
    from mailagent.service import admin
    from mailagent.service.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        admin.lift_suppression(session, args.address, utcnow())
    print(f"{args.address.lower()} is written to again")
    return 0
