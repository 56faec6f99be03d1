"""``run``, ``check-config`` and ``inject``: the worker, its pre-flight check, and mail
delivered by hand to try a setup end to end."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import instant
from mailagent.errors import MailagentError

if TYPE_CHECKING:
    from mailagent.config.settings import Config

log = logging.getLogger("mailagent.cli")


def add_parsers(sub: Any) -> None:
    run = sub.add_parser("run", help="the worker (long-running; --once for one pass)")
    run.add_argument("--once", action="store_true", help="do exactly one pass and exit")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="with --once: render and log what the pass would send, then undo it all",
    )
    run.add_argument("--now", type=instant, help="with --once: act as if at this ISO 8601 instant")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="validate the config, then try each server")
    check.set_defaults(func=cmd_check_config)

    inject = sub.add_parser("inject", help="deliver .eml files into the configured inbox")
    inject.add_argument("files", nargs="+", type=Path, metavar="FILE")
    inject.add_argument("--inbox", metavar="NAME", help="which inbox (default: the [inbox] one)")
    inject.add_argument(
        "--from",
        dest="envelope_from",
        metavar="ADDRESS",
        help="add Return-Path: <ADDRESS> as a delivery agent would (mail without one reads as "
        "a bounce and is not answered)",
    )
    inject.set_defaults(func=cmd_inject)


def _dry_pass(rt: Any, inboxes: dict[str, Any], now: datetime) -> Any:
    """One pass whose mail is logged, not sent, and whose every change is undone."""
    from mailagent.service import dryrun, worker

    with dryrun.rolled_back(rt) as dry:
        unmarked = {name: dryrun.UnmarkedInbox(inbox) for name, inbox in inboxes.items()}
        return worker.run_pass(dry, unmarked, now, sender=dryrun.LoggingSender())


def _once(rt: Any, now: datetime, dry_run: bool) -> Any:
    """One pass over every inbox no running worker holds (a dry run reads them all)."""
    from mailagent.service import worker
    from mailagent.service.leases import Leases
    from mailagent.transports.opening import open_inbox

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
    from mailagent.store.migrate import current_revision, head_revision

    current, head = current_revision(rt.engine), head_revision()
    if current != head:
        raise MailagentError(
            f"database schema is at {current or 'nothing'}, not {head}: "
            "run `mailagent db upgrade` (a dry run changes nothing, not even the schema)"
        )


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import worker
    from mailagent.service.runtime import opened, utcnow

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
    """Refuse to start with a template that does not render (the error names file and line);
    skipped when nothing changed since the last check passed."""
    from mailagent.service.template_check import check_templates_once

    check_templates_once(lambda: rt.templates, rt.config, rt.config.settings.templates.cache_dir)


def cmd_check_config(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service.checks import WARNING, run_checks

    ok = True
    print(f"config {config.path}: valid")
    for name, passed, detail in run_checks(config):
        ok = ok and passed
        if passed and detail.startswith(WARNING):
            print(f"{name}: {detail}")
            continue
        print(f"{name}: {'ok' if passed else 'FAILED'}: {detail}")
    return 0 if ok else 1


def _delivered(path: Path, envelope_from: str | None) -> bytes:
    """The file's mail as the inbox gets it: with ``Return-Path: <envelope_from>`` when given;
    without one, a warning that it will be stored and not answered."""
    from mailagent.core.headers import has_return_path, with_return_path

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MailagentError(f"{path}: {exc.strerror}") from None
    if envelope_from:
        try:
            return with_return_path(raw, envelope_from)
        except ValueError as exc:
            raise MailagentError(f"--from: {exc}") from None
    if not has_return_path(raw):
        print(
            f"mailagent: warning: {path}: no Return-Path header; the mail is stored but read as "
            "a bounce (an empty envelope sender) and not answered. Give --from ADDRESS to add "
            "the envelope sender as a delivery agent would.",
            file=sys.stderr,
        )
    return raw


def cmd_inject(config: Config, args: argparse.Namespace) -> int:
    from mailagent.cli.progress import progress_bar
    from mailagent.transports.opening import open_inbox

    inboxes = {i.name: i for i in config.settings.all_inboxes()}
    name = args.inbox or config.settings.inbox.name
    if name not in inboxes:
        raise MailagentError(f"no inbox named {name!r}; configured: {', '.join(inboxes)}")
    inbox = open_inbox(inboxes[name])
    bar = progress_bar(len(args.files), "delivering")
    shown = not bar.disable  # tqdm disables a bar once it is closed
    try:
        for path in args.files:
            raw = _delivered(path, args.envelope_from)
            where = inbox.append(raw)
            if not shown:
                print(f"{path}: delivered to {where}")
            bar.update()
    finally:
        bar.close()
        inbox.close()
    if shown:
        print(f"{len(args.files)} messages delivered to {inbox.describe()}")
    return 0
