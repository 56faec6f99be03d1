"""What a pass needs, built once at start-up and passed in (no module-level state)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from mailagent.config.settings import Config
from mailagent.core.intent import Category
from mailagent.core.ourselves import Us
from mailagent.store.database import held, make_engine
from mailagent.store.migrate import upgrade

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger("mailagent")


class Templates:
    """The template environment of ``directory``, built when first asked for: a pass that
    writes no mail (an idle ``run --once``) never imports Jinja. Shared by every copy of a
    runtime; two threads asking at once at worst build it twice."""

    def __init__(self, directory: str, cache_dir: str) -> None:
        self.directory, self.cache_dir = directory, cache_dir

    @cached_property
    def environment(self) -> SandboxedEnvironment:
        from mailagent.compose.environment import make_environment

        return make_environment(self.directory, self.cache_dir)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The languages a guest can be answered in: those the questionnaire exists in."""
        from mailagent.compose.environment import languages_with

        return languages_with(self.environment, "questionnaire")


@dataclass(frozen=True)
class Runtime:
    config: Config
    engine: Engine
    template_files: Templates
    us: Us
    intent_categories: tuple[Category, ...] = ()

    @property
    def templates(self) -> SandboxedEnvironment:
        return self.template_files.environment

    @property
    def languages(self) -> tuple[str, ...]:
        return self.template_files.languages

    @property
    def mailbox(self) -> str:
        return self.config.settings.inbox.name

    @contextmanager
    def held(self) -> Iterator[Runtime]:
        """This runtime with all its transactions on one connection (see
        :func:`mailagent.store.database.held`), for one batch in one thread."""
        with held(self.engine) as engine:
            yield replace(self, engine=engine)

    def for_mailbox(self, name: str) -> Runtime:
        """This runtime as seen from inbox ``name``: its settings as ``[inbox]`` and its address
        (when it has one) as the firm's. An inbox no longer configured falls back to this one."""
        if name == self.mailbox:
            return self
        settings = self.config.settings
        inbox = next((i for i in settings.all_inboxes() if i.name == name), None)
        if inbox is None:
            log.warning("inbox %s is not configured (any more); using %s", name, self.mailbox)
            return self
        firm = settings.firm
        if inbox.address:
            firm = firm.model_copy(update={"address": inbox.address})
        config = replace(
            self.config, settings=settings.model_copy(update={"inbox": inbox, "firm": firm})
        )
        us = replace(
            self.us,
            address=firm.address,
            msgid_domain=firm.message_id_domain,
            authserv_id=inbox.authserv_id,
            spam_header=inbox.spam_header,
            spam_value=inbox.spam_value,
        )
        return replace(self, config=config, us=us)


def utcnow() -> datetime:
    """The clock: the worker reads it once per pass and hands ``now`` down."""
    return datetime.now(UTC)


def build_runtime(config: Config, migrate: bool = True) -> Runtime:
    """Engine (migrated unless ``migrate`` is False) and template environment for ``config``."""
    settings = config.settings
    engine = make_engine(settings.database.url)
    if migrate:
        upgrade(engine)
    firm = settings.firm
    return Runtime(
        config=config,
        engine=engine,
        template_files=Templates(settings.templates.dir, settings.templates.cache_dir),
        intent_categories=tuple(
            Category(c.name, dict(c.phrases), c.attachment_words, dict(c.strong), c.prior)
            for c in (config.intent.categories if config.intent else ())
        ),
        us=Us(
            address=firm.address,
            msgid_domain=firm.message_id_domain,
            instance_id=firm.instance_id,
            authserv_id=settings.inbox.authserv_id,
            spam_header=settings.inbox.spam_header,
            spam_value=settings.inbox.spam_value,
        ),
    )


@contextmanager
def opened(config: Config, migrate: bool = True) -> Iterator[Runtime]:
    """A runtime whose database connections are closed when the block ends."""
    rt = build_runtime(config, migrate)
    try:
        yield rt
    finally:
        rt.engine.dispose()
