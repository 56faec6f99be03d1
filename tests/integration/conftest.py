"""Fixtures that run real servers on 127.0.0.1 for the integration tests.

- ``dovecot`` (session): a private Dovecot with IMAP and LMTP; ``imap_account`` (function): a
  fresh, empty account on it.
- ``smtp_server`` / ``smtp_server_factory`` (function): aiosmtpd sinks recording every message.
- ``pg_url`` (function): an empty PostgreSQL database, dropped afterwards; ``engine``
  (function, once per database): a migrated engine on SQLite and on PostgreSQL.
- ``radicale`` (session): a real CalDAV server (Radicale) with one user; ``graph_server``
  (function): Microsoft Graph's getSchedule answered from recorded responses.
- ``dovecot_factory`` (function): private Dovecot instances for one test (to halt, resume, or
  run with Sieve); ``mail_system`` (function): a Sieve-enabled Dovecot plus an SMTP relay that
  delivers into it over LMTP and carries what Sieve sends back out.

A missing or unreachable server FAILS the tests that need it instead of skipping them, so CI
cannot pass without having exercised the real thing.

``servers`` is imported as a top-level module: this directory has no ``__init__.py``, and
pytest's default ``prepend`` import mode puts the directory of a conftest on ``sys.path``
before importing it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from calendar_servers import GraphServer, Radicale
from servers import (
    Dovecot,
    DovecotFactory,
    ImapAccount,
    MailSystem,
    ServerUnavailable,
    SmtpServer,
    SmtpServerFactory,
    create_database,
    drop_database,
)
from sqlalchemy.engine import Engine

from mailagent.store.database import make_engine
from mailagent.store.migrate import upgrade

T = TypeVar("T")


def _require(start: Callable[[], T]) -> T:
    """Return ``start()``; a ServerUnavailable becomes a test failure (never a skip).

    pytest.fail is called outside the ``except`` block so the report shows the message alone,
    not a chain of tracebacks.
    """
    try:
        return start()
    except ServerUnavailable as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One private Dovecot for the whole session; stopped and deleted at the end.

    Fails (does not skip) when Dovecot is not installed or will not start.
    """
    server = Dovecot()
    _require(server.start)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def radicale() -> Iterator[Radicale]:
    """One private Radicale for the session; each test makes its own calendars on it."""
    server = Radicale()
    _require(server.start)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def graph_server() -> Iterator[GraphServer]:
    with GraphServer().running() as server:
        yield server


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    """A new account with an empty INBOX, unique to this test (it is never reused)."""
    return dovecot.add_user(f"u{secrets.token_hex(6)}", secrets.token_urlsafe(12))


@pytest.fixture
def smtp_server_factory() -> Iterator[SmtpServerFactory]:
    """Start SMTP sinks on demand; all of them are stopped when the test ends.

    Call as ``smtp_server_factory(auth_user=None, auth_password=None)``; give both to require
    AUTH (PLAIN/LOGIN, offered without TLS) with exactly that pair. ``port=`` listens on that
    port (e.g. where a sink stopped earlier in the test listened).
    """
    started: list[SmtpServer] = []

    def start(
        auth_user: str | None = None,
        auth_password: str | None = None,
        *,
        port: int | None = None,
    ) -> SmtpServer:
        server = SmtpServer(auth_user=auth_user, auth_password=auth_password, port=port)
        server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: SmtpServerFactory) -> SmtpServer:
    """An SMTP sink without AUTH, accepting everything unless told otherwise (``fail_next``)."""
    return smtp_server_factory()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL ``postgresql+psycopg://postgres@127.0.0.1:5432/mailagent_test_<hex>`` of a new, empty
    database; dropped WITH (FORCE) afterwards. Fails (does not skip) if PostgreSQL is down.
    """
    name, url = _require(create_database)
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated engine on a fresh database; the test runs once on each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'mailagent.db'}"
    else:
        url = str(request.getfixturevalue("pg_url"))
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def dovecot_factory() -> Iterator[DovecotFactory]:
    """Start private Dovecot instances (``Dovecot(**kwargs)``, started) for one test, apart from
    the session's: a test may ``halt()``/``resume()`` them at will. All are stopped and deleted
    when the test ends. Fails (does not skip) when Dovecot is missing or will not start.
    """
    started: list[Dovecot] = []

    def start(
        *, sieve: bool = False, submission_host: str = "", oauth2_introspection: str = ""
    ) -> Dovecot:
        server = Dovecot(
            sieve=sieve,
            submission_host=submission_host,
            oauth2_introspection=oauth2_introspection,
        )
        started.append(server)
        _require(server.start)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.halt()  # every process, including imap processes that outlive the master
            server.stop()


@pytest.fixture
def mail_system() -> Iterator[MailSystem]:
    """A private Sieve-enabled Dovecot and an SMTP relay delivering into it over LMTP (see
    ``servers.MailSystem``). Fails (does not skip) without Dovecot or Pigeonhole (dovecot-sieve).
    """
    system = MailSystem()
    _require(system.start)
    try:
        yield system
    finally:
        system.stop()
