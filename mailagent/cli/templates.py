"""The template subcommands of ``mailagent``: list, lint, preview (with sample data or a real
thread). Thin, like the rest of the CLI; heavy imports stay inside the commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailagent.config.settings import Config


def add_parsers(sub: Any) -> None:
    templates = sub.add_parser("templates", help="the mail templates")
    tsub = templates.add_subparsers(dest="templates_command", required=True, metavar="ACTION")
    tsub.add_parser("list", help="every template, per language").set_defaults(
        func=cmd_templates_list
    )
    tsub.add_parser("lint", help="render all with sample data; fail on any error").set_defaults(
        func=cmd_templates_lint
    )
    preview = tsub.add_parser("preview", help="render one with sample data")
    preview.add_argument("name", help="the mail kind, e.g. questionnaire")
    preview.add_argument("--lang", help="language (default: en, or the thread's reader's)")
    preview.add_argument("--thread", type=int, help="render with this real thread's data")
    preview.set_defaults(func=cmd_templates_preview)


def cmd_templates_list(config: Config, args: argparse.Namespace) -> int:
    from mailagent.compose.environment import make_environment
    from mailagent.service.checks import template_files

    env = make_environment(config.settings.templates.dir)
    kinds: dict[str, list[str]] = {}
    for lang, kind in template_files(env):
        kinds.setdefault(kind, []).append(lang)
    for kind, langs in sorted(kinds.items()):
        print(f"{kind:<16} {', '.join(langs)}")
    return 0


def cmd_templates_lint(config: Config, args: argparse.Namespace) -> int:
    from mailagent.compose.environment import make_environment
    from mailagent.service import admin

    env = make_environment(config.settings.templates.dir)
    checked, problems = admin.lint(env, config)
    for problem in problems:
        print(f"{problem.template}: {problem.problem}")
    print(f"{len(checked)} templates checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_templates_preview(config: Config, args: argparse.Namespace) -> int:
    from mailagent.compose.environment import make_environment, render
    from mailagent.service.checks import sample_context

    firm = config.settings.firm
    if args.thread is not None:
        rendered, to_addr, language = _preview_for_thread(config, args)
    else:
        language = args.lang or "en"
        env = make_environment(config.settings.templates.dir)
        rendered = render(env, args.name, language, sample_context(config, language))
        to_addr = "dana@example.org"
    print(f"From: {firm.sender_name} <{firm.address}>")
    print(f"To: {to_addr}")
    print(f"Reply-To: {firm.local_part}+<thread token>@{firm.domain}")
    print(f"Language: {language}")
    print(f"Subject: {rendered.subject}\n\n{rendered.text}")
    if rendered.html is not None:
        print(f"--- HTML ---\n{rendered.html}")
    return 0


MANAGER_KINDS = ("_manager", "debrief_request", "slots_declined")
ADMIN_KINDS = ("admin_alert", "digest")


def _preview_for_thread(config: Config, args: argparse.Namespace) -> tuple[Any, str, str]:
    """Render ``args.name`` as it would go out on thread ``args.thread`` (nothing is sent)."""
    from mailagent.compose.environment import render
    from mailagent.core.decision import MailSpec
    from mailagent.errors import MailagentError
    from mailagent.service import mail_context
    from mailagent.service.runtime import opened
    from mailagent.store.database import transaction
    from mailagent.store.tables import Thread

    if args.name in ADMIN_KINDS:
        raise MailagentError(f"{args.name} is about no one thread: preview it without --thread")
    to_manager = args.name.endswith(MANAGER_KINDS[0]) or args.name in MANAGER_KINDS[1:]
    spec = MailSpec(args.name, not to_manager, "", False)
    with opened(config) as rt, transaction(rt.engine, readonly=True) as session:
        thread = session.get(Thread, args.thread)
        if thread is None:
            raise MailagentError(f"no thread {args.thread}")
        reader = mail_context.Reader.of(rt, thread, spec)
        context = mail_context.build(rt, thread, spec, None, reader)
        language = args.lang or reader.language
        rendered = render(rt.templates, args.name, language, context)
        to_addr = thread.manager_email if to_manager else thread.guest_email
    return rendered, to_addr or "(no manager yet)", language
