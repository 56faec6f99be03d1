"""The reporting and privacy subcommands of ``mailagent``: stats, insights, privacy. Thin, like
the rest of the CLI; heavy imports stay inside the commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mailagent.cli.common import admin_session

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    from mailagent.cli.common import instant

    privacy = sub.add_parser("privacy", help="answer a person's privacy request")
    psub = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    export = psub.add_parser("export", help="everything held about an address, as JSON")
    export.add_argument("email")
    export.set_defaults(func=cmd_privacy_export)
    forget = psub.add_parser("forget", help="erase an address, as the guest's 'forget me' does")
    forget.add_argument("email")
    forget.set_defaults(func=cmd_privacy_forget)

    stats = sub.add_parser("stats", help="the funnel for a period, per step and per manager")
    stats.add_argument("--since", type=instant, help="threads created at or after (ISO 8601)")
    stats.add_argument("--until", type=instant, help="threads created before (ISO 8601)")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)

    insights = sub.add_parser("insights", help="what guests told us about ourselves, by theme")
    insights.add_argument("--since", type=instant, help="threads updated at or after (ISO 8601)")
    insights.add_argument("--until", type=instant, help="threads updated before (ISO 8601)")
    insights.add_argument("--json", action="store_true")
    insights.set_defaults(func=cmd_insights)


def cmd_insights(config: Config, args: argparse.Namespace) -> int:
    import json

    from mailagent.core.insights import as_json, as_text, group
    from mailagent.service.reports import collect_remarks

    stack, session = admin_session(config, readonly=True)
    with stack:
        remarks = collect_remarks(session, args.since, args.until)
    grouped = group(remarks, config.settings.insights.themes)
    print(json.dumps(as_json(grouped), indent=2) if args.json else as_text(grouped))
    return 0


def cmd_stats(config: Config, args: argparse.Namespace) -> int:
    import json

    from mailagent.core.stats import funnel
    from mailagent.service.reports import collect_stories

    stack, session = admin_session(config, readonly=True)
    with stack:
        stories, assignments = collect_stories(session, args.since, args.until)
    result = funnel(stories, assignments, args.since, args.until)
    print(json.dumps(result.as_json(), indent=2) if args.json else result.as_text())
    return 0


def cmd_privacy_export(config: Config, args: argparse.Namespace) -> int:
    import json

    from mailagent.service import privacy

    stack, session = admin_session(config, readonly=True)
    with stack:
        data = privacy.export(session, args.email)
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def cmd_privacy_forget(config: Config, args: argparse.Namespace) -> int:
    from mailagent.service import privacy
    from mailagent.service.admin import actor
    from mailagent.service.runtime import opened, utcnow
    from mailagent.store.database import transaction

    with opened(config) as rt, transaction(rt.engine) as session:
        touched = privacy.forget(rt, session, args.email, utcnow(), actor())
    if touched:
        print(f"erased {args.email}: threads {', '.join(map(str, touched))}; confirmation queued")
    else:
        print(f"erased {args.email}: no threads held (stray mail from it blanked)")
    return 0
