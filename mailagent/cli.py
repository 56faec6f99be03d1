"""The ``mailagent`` command. Thin: each subcommand calls library functions.

Heavy imports (SQLAlchemy, Jinja2, imapclient) happen inside the subcommands so ``--help`` is fast.
Exit 0 on success; otherwise one line naming what is wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailagent.cli_admin import add_admin_parsers, add_thread_actions
from mailagent.cli_reports import add_report_parsers
from mailagent.cli_templates import add_template_parsers
from mailagent.errors import MailagentError

if TYPE_CHECKING:
    from mailagent.config import Config

log = logging.getLogger("mailagent.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailagent",
        description="Runs a firm's informational-interview programme over email.",
    )
    parser.add_argument(
        "--config", help="config file (default: $MAILAGENT_CONFIG or config/mailagent.toml)"
    )
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="override [worker] log_level",
    )
    parser.add_argument(
        "--log-format",
        choices=["plain", "json"],
        default="plain",
        help="plain lines for a terminal (default) or one JSON object a line",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="the worker (long-running; --once for one pass)")
    run.add_argument("--once", action="store_true", help="do exactly one pass and exit")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="with --once: render and log what the pass would send, then undo it all",
    )
    run.add_argument("--now", type=_instant, help="with --once: act as if at this ISO 8601 instant")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="validate the config, then try each server")
    check.set_defaults(func=cmd_check_config)

    inject = sub.add_parser("inject", help="deliver .eml files into the configured inbox")
    inject.add_argument("files", nargs="+", type=Path, metavar="FILE")
    inject.add_argument("--inbox", metavar="NAME", help="which inbox (default: the [inbox] one)")
    inject.set_defaults(func=cmd_inject)

    threads = sub.add_parser("threads", help="look at conversations")
    tsub = threads.add_subparsers(dest="threads_command", required=True, metavar="ACTION")
    tlist = tsub.add_parser("list", help="one line per thread")
    tlist.add_argument("--state", help="only threads in this state")
    tlist.add_argument("--guest", help="part of the guest's address or name")
    tlist.add_argument("--manager", help="part of the manager's address or name")
    tlist.add_argument("--since", type=_instant, help="created at or after (ISO 8601, with zone)")
    tlist.add_argument("--until", type=_instant, help="created before (ISO 8601, with zone)")
    tlist.add_argument("--json", action="store_true", help="a JSON array of thread objects")
    tlist.set_defaults(func=cmd_threads_list)
    tshow = tsub.add_parser("show", help="one thread with its messages, answers, jobs and events")
    tshow.add_argument("id", type=int)
    tshow.add_argument("--json", action="store_true", help="the thread as a JSON object")
    tshow.set_defaults(func=cmd_threads_show)
    add_thread_actions(tsub)

    add_admin_parsers(sub)
    add_report_parsers(sub)
    add_template_parsers(sub)

    pause = sub.add_parser("pause", help="stop all sending (mail keeps being read and queued)")
    pause.add_argument("--reason", default="", help="shown in logs and `mailagent run --once`")
    pause.set_defaults(func=cmd_pause)
    sub.add_parser("resume", help="send again after `pause`").set_defaults(func=cmd_resume)

    db = sub.add_parser("db", help="database maintenance")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dsub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    return parser


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {text}+00:00 or {text}Z")
    return value.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "now", None) and not getattr(args, "once", False):
        parser.error("--now only makes sense with --once")
    if getattr(args, "dry_run", False) and not getattr(args, "once", False):
        parser.error("--dry-run only makes sense with --once")
    try:
        from mailagent.config import config_path, load_config

        config = load_config(config_path(args.config))
        from mailagent import logs

        logs.setup(args.log_level or config.settings.worker.log_level, args.log_format)
        return int(args.func(config, args))
    except MailagentError as exc:
        print(f"mailagent: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`threads list | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except Exception as exc:
        # Database and other runtime failures: one line, as the CLI contract promises.
        if exc.__class__.__module__.startswith("sqlalchemy"):
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            print(f"mailagent: error: database: {detail}", file=sys.stderr)
            return 1
        raise


def _dry_pass(rt: Any, inboxes: dict[str, Any], now: datetime) -> Any:
    """One pass whose mail is logged, not sent, and whose every change is undone."""
    from mailagent import dryrun, worker

    with dryrun.rolled_back(rt) as dry:
        unmarked = {name: dryrun.UnmarkedInbox(inbox) for name, inbox in inboxes.items()}
        return worker.run_pass(dry, unmarked, now, sender=dryrun.LoggingSender())


def _once(rt: Any, now: datetime, dry_run: bool) -> Any:
    """One pass over every inbox no running worker holds (a dry run reads them all)."""
    from mailagent import worker
    from mailagent.inbox import open_inbox
    from mailagent.leases import Leases

    configured = {i.name: i for i in rt.config.settings.all_inboxes()}
    leases = Leases(rt.engine, list(configured), rt.config.settings.worker.lease_seconds)
    names = list(configured) if dry_run else leases.take_all()
    for name in configured.keys() - set(names):
        log.warning("inbox %s: held by a running worker; left to it", name)
    inboxes = {name: open_inbox(configured[name]) for name in names}
    try:
        if dry_run:
            return _dry_pass(rt, inboxes, now)
        return worker.run_pass(rt, inboxes, now, holds=leases.holds)
    finally:
        for inbox in inboxes.values():
            inbox.close()
        if not dry_run:
            leases.release_all()


def _require_current_schema(rt: Any) -> None:
    from mailagent import store

    current, head = store.current_revision(rt.engine), store.head_revision()
    if current != head:
        raise MailagentError(
            f"database schema is at {current or 'nothing'}, not {head}: "
            "run `mailagent db upgrade` (a dry run changes nothing, not even the schema)"
        )


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    from mailagent import worker
    from mailagent.runtime import opened, utcnow

    # A dry run changes nothing, not even the schema: it needs an up-to-date database.
    with opened(config, migrate=not args.dry_run) as rt:
        _check_templates(rt)
        if args.dry_run:
            _require_current_schema(rt)
        if not args.once:
            stop = worker.StopFlag()
            stop.install()
            worker.run(rt, stop)
            return 0
        report = _once(rt, args.now or utcnow(), args.dry_run)
        i, o = report.intake, report.outbox
        print(
            f"pass: {i.fetched} fetched, {i.handled} handled, {i.duplicates} duplicates, "
            f"{i.quarantined} quarantined; {report.jobs} jobs; "
            f"outbox {o.sent} sent, {o.retry} to retry, {o.failed} failed, {o.uncertain} uncertain"
            + (f"; sending held: {o.held}" if o.held else "")
        )
        return 1 if report.inbox_error or report.outbox.error else 0


def _check_templates(rt: Any) -> None:
    """Refuse to start with a template that does not render (the error names file and line)."""
    from mailagent.checks import check_templates

    check_templates(rt.templates, rt.config)


def cmd_check_config(config: Config, args: argparse.Namespace) -> int:
    from mailagent.checks import run_checks

    ok = True
    print(f"config {config.path}: valid")
    for name, passed, detail in run_checks(config):
        ok = ok and passed
        print(f"{name}: {'ok' if passed else 'FAILED'}: {detail}")
    return 0 if ok else 1


def cmd_inject(config: Config, args: argparse.Namespace) -> int:
    from mailagent.inbox import open_inbox
    from mailagent.progress import Progress

    inboxes = {i.name: i for i in config.settings.all_inboxes()}
    name = args.inbox or config.settings.inbox.name
    if name not in inboxes:
        raise MailagentError(f"no inbox named {name!r}; configured: {', '.join(inboxes)}")
    inbox = open_inbox(inboxes[name])
    bar = Progress(len(args.files), "delivering")
    try:
        for path in args.files:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise MailagentError(f"{path}: {exc.strerror}") from None
            where = inbox.append(raw)
            if not bar.shown:
                print(f"{path}: delivered to {where}")
            bar.step()
    finally:
        bar.finish()
        inbox.close()
    if bar.shown:
        print(f"{len(args.files)} messages delivered to {inbox.describe()}")
    return 0


def cmd_threads_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent import store, views
    from mailagent.runtime import opened

    with opened(config) as rt, store.transaction(rt.engine, readonly=True) as session:
        threads = store.list_threads(
            session, args.state, args.guest, args.since, args.until, args.manager
        )
        data = [views.thread_json(session, t) for t in threads] if args.json else None
    # Printed after the transaction: a slow reader (a pager) must not hold the database.
    print(
        json.dumps(data, indent=2) if data is not None else "\n".join(views.thread_lines(threads))
    )
    return 0


def cmd_threads_show(config: Config, args: argparse.Namespace) -> int:
    from mailagent import store, views
    from mailagent.models import Thread
    from mailagent.runtime import opened

    with opened(config) as rt, store.transaction(rt.engine, readonly=True) as session:
        thread = session.get(Thread, args.id)
        if thread is None:
            raise MailagentError(f"no thread {args.id}")
        data = views.thread_json(session, thread)
    print(json.dumps(data, indent=2) if args.json else views.thread_text(data))
    return 0


def cmd_pause(config: Config, args: argparse.Namespace) -> int:
    return _set_paused(config, f"paused: {args.reason}" if args.reason else "paused")


def cmd_resume(config: Config, args: argparse.Namespace) -> int:
    return _set_paused(config, "")


def _set_paused(config: Config, value: str) -> int:
    import getpass

    from mailagent import store
    from mailagent.delivery import PAUSED
    from mailagent.runtime import opened, utcnow

    with opened(config) as rt, store.transaction(rt.engine) as session:
        store.set_control(session, PAUSED, value, getpass.getuser(), utcnow())
    print("sending paused for every worker" if value else "sending resumed")
    return 0


def cmd_db_upgrade(config: Config, args: argparse.Namespace) -> int:
    from mailagent import store

    engine = store.make_engine(config.settings.database.url)
    try:
        print(f"database at revision {store.upgrade(engine)}")
    finally:
        engine.dispose()
    return 0
