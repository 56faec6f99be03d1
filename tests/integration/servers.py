"""Real servers for integration tests: a private Dovecot, an aiosmtpd sink and PostgreSQL databases.

Nothing here depends on pytest; ``conftest.py`` wraps these classes in fixtures and turns
``ServerUnavailable`` into a test failure. Dovecot and the SMTP sink are started here, listen
on 127.0.0.1 only, on ports picked at start-up; PostgreSQL must already run on 127.0.0.1:5432.

For loop and fault tests: a Dovecot can be halted and resumed on the same ports, or run with
Pigeonhole Sieve (package dovecot-sieve); ``LmtpRelay`` is an SMTP server delivering into Dovecot
over LMTP, and ``MailSystem`` wires the two into a small mail system (Sieve's vacation replies go
out through the relay and come back in).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import grp
import hmac
import os
import pwd
import re
import secrets
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
from base64 import b64decode
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any, Literal, Protocol, cast
from urllib.parse import quote

import psycopg
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient, SocketTimeout
from psycopg import sql

LOOPBACK = "127.0.0.1"
DOVECOT_BINARY = Path("/usr/sbin/dovecot")
DOVECOT_INSTALL_HINT = "apt-get install dovecot-imapd dovecot-lmtpd"
SIEVE_PLUGIN = Path("/usr/lib/dovecot/modules/lib90_sieve_plugin.so")
SIEVE_INSTALL_HINT = "apt-get install dovecot-sieve"
DOVECOT_START_TIMEOUT = 15.0
IMAP_TIMEOUT = SocketTimeout(connect=5, read=30)

PG_HOST = LOOPBACK
PG_PORT = 5432
PG_USER = "postgres"
PG_DB_PREFIX = "mailagent_test_"

_APPENDUID_RE = re.compile(rb"\[APPENDUID \d+ (\d+)\]")
_USER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SMTP_FAILURE_RE = re.compile(r"[45]\d\d( .*)?")


class ServerUnavailable(RuntimeError):
    """A server the integration tests need is missing or would not start.

    The fixtures turn this into a test *failure*, never a skip: CI must not go green because the
    servers it was meant to exercise were absent.
    """


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    Another process may grab it before the caller binds it; callers report bind failures clearly
    rather than retrying, since on a test machine that race is rare.
    """
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different free ports: all are held open until every one is chosen (asked one
    at a time, the system may hand out the same port twice)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(cast(int, sock.getsockname()[1]))
        return ports


# --------------------------------------------------------------------------------------------
# IMAP (Dovecot)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox on the test Dovecot, plus helpers that inspect it out-of-band.

    Each helper opens its own connection and logs out before returning, so the helpers never
    hold a mailbox selected while the code under test works on it.
    """

    user: str
    password: str
    host: str
    port: int

    def url(self, folder: str = "INBOX") -> str:
        """The account as mailagent spells it: ``imap://USER@127.0.0.1:PORT/FOLDER``.

        User and folder are percent-encoded because mailagent unquotes both.
        """
        return f"imap://{quote(self.user, safe='')}@{self.host}:{self.port}/{quote(folder)}"

    def client(self) -> IMAPClient:
        """A new, logged-in, plaintext connection; the caller must log out (``with`` does)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=IMAP_TIMEOUT)
        try:
            client.login(self.user, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> int:
        """Store ``raw`` in ``folder`` (which must exist) and return its new UID.

        The UID comes from the server's ``[APPENDUID uidvalidity uid]`` reply (UIDPLUS).
        """
        with self.client() as client:
            response = cast(bytes, client.append(folder, raw, flags=flags))
        match = _APPENDUID_RE.search(response)
        if match is None:
            raise AssertionError(f"APPEND reply carries no APPENDUID: {response!r}")
        return int(match.group(1))

    def messages(self, folder: str = "INBOX") -> list[tuple[int, set[bytes], bytes]]:
        """Every message in ``folder`` as ``(uid, flags, raw bytes)``, sorted by UID.

        Fetched read-only with ``BODY.PEEK[]`` so looking never sets ``\\Seen``. The session-only
        ``\\Recent`` flag is dropped: whether it shows depends on which connection happened to
        open the folder first, not on anything the code under test did.
        """
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = cast(list[int], client.search("ALL"))
            if not uids:
                return []
            fetched = cast(
                dict[int, dict[bytes, Any]], client.fetch(uids, ["FLAGS", "BODY.PEEK[]"])
            )
        return [
            (uid, set(data[b"FLAGS"]) - {b"\\Recent"}, cast(bytes, data[b"BODY[]"]))
            for uid, data in sorted(fetched.items())
        ]

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """The folder's current UIDVALIDITY, read with STATUS (nothing gets selected)."""
        with self.client() as client:
            status = cast(dict[bytes, int], client.folder_status(folder, [b"UIDVALIDITY"]))
        return status[b"UIDVALIDITY"]

    def create_folder(self, name: str) -> None:
        """Create folder ``name``; fails if it already exists."""
        with self.client() as client:
            client.create_folder(name)

    def recreate_folder(self, name: str) -> None:
        """Delete ``name`` (if present) and create it again, empty and with a new UIDVALIDITY.

        INBOX cannot be used: IMAP forbids deleting it (RFC 3501 §6.3.4), so a UIDVALIDITY change
        of INBOX cannot be provoked this way; point the code under test at another folder.
        """
        if name.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted over IMAP; recreate another folder instead")
        with self.client() as client:
            if client.folder_exists(name):
                client.delete_folder(name)
            client.create_folder(name)


class Dovecot:
    """A private Dovecot 2.3 (IMAP + LMTP) running from a throw-away directory under /tmp.

    The directory is made on construction, so call ``stop()`` even when ``start()`` was never
    reached. Contract: after ``start()`` returns, IMAP answers on ``host:port`` and LMTP on
    ``host:lmtp_port``; users added with ``add_user`` can log in immediately; ``stop()`` ends
    every Dovecot process and deletes the directory. Never touches the system Dovecot.

    Optional, for fault and loop tests:

    - ``halt()`` stops the processes but keeps directory, users and mail; ``resume()`` starts the
      same server again on the same ports (``halt(hard=True)`` kills it with SIGKILL instead).
    - ``sieve=True`` loads Pigeonhole's Sieve plugin into LMTP: each user's active script
      (``set_sieve_script``) runs on delivery, homes live under ``home/`` apart from the
      Maildirs, and what Sieve sends (vacation replies, redirects) is submitted over SMTP to
      ``submission_host`` (``"host:port"``), which must be set before ``start()``.
    """

    host: str = LOOPBACK

    def __init__(
        self, *, sieve: bool = False, submission_host: str = "", oauth2_introspection: str = ""
    ) -> None:
        # Not under pytest's tmp_path: its base directory is 0700 and Dovecot's unprivileged
        # processes must be able to traverse to the mail and socket directories.
        self.root = Path(tempfile.mkdtemp(prefix="mailagent-dovecot-", dir="/tmp"))
        self.root.chmod(0o755)
        self.conf = self.root / "dovecot.conf"
        self.mail_root = self.root / "mail"
        self.log_path = self.root / "dovecot.log"
        self.passwd_dir = self.root / "passwd"
        self.home_root = self.root / "home"
        self.sieve = sieve
        self.submission_host = submission_host
        self.oauth2_introspection = oauth2_introspection
        self.port, self.lmtp_port = free_ports(2)
        self._stderr_path = self.root / "dovecot.stderr"
        self._stderr: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._owner: tuple[int, int] | None = None

    def _oauth2_passdb(self) -> str:
        """With ``oauth2_introspection`` (a URL), XOAUTH2 logins are checked by POSTing the token
        there (RFC 7662 introspection): the test's own tiny HTTP server says which are valid."""
        if not self.oauth2_introspection:
            return ""
        conf = self.root / "dovecot-oauth2.conf.ext"
        conf.write_text(
            f"introspection_url = {self.oauth2_introspection}\n"
            "introspection_mode = post\n"
            "username_attribute = username\n"
            "active_attribute = active\n"
            "active_value = true\n"
        )
        return f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2\n  args = {conf}\n}}\n"

    def start(self) -> None:
        """Write the configuration, launch ``dovecot -F`` and wait until IMAP and LMTP greet.

        Raises ServerUnavailable (after cleaning up) if Dovecot is not installed or not ready
        within DOVECOT_START_TIMEOUT seconds; the message includes Dovecot's log.
        """
        if not DOVECOT_BINARY.exists():
            self._remove_root()
            raise ServerUnavailable(
                f"{DOVECOT_BINARY} not found; the IMAP integration tests need a real Dovecot: "
                f"run `{DOVECOT_INSTALL_HINT}`"
            )
        if self.sieve and not SIEVE_PLUGIN.exists():
            self._remove_root()
            raise ServerUnavailable(
                f"{SIEVE_PLUGIN} not found; the Sieve tests need Pigeonhole: "
                f"run `{SIEVE_INSTALL_HINT}`"
            )
        if self.sieve and not self.submission_host:
            self._remove_root()
            raise ValueError("sieve=True needs submission_host ('host:port') before start()")
        try:
            self._prepare_files()
            self._launch()
        except BaseException:
            self.stop()
            raise

    def halt(self, *, hard: bool = False) -> None:
        """Stop every Dovecot process, keeping configuration, users and mail for ``resume()``.

        By default each process gets SIGTERM: connected IMAP clients get ``* BYE Server shutting
        down`` and the connection closes. (SIGTERM to the master alone is not enough: Dovecot
        2.3's imap processes outlive it and keep serving their connections.) ``hard`` SIGKILLs
        them all at once instead: connections drop mid-command without a word. Either way the
        master is frozen first, so it forks nothing while its children are listed. Returns when
        every process is gone and both ports refuse connections; a no-op when not running.
        """
        process = self._process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGSTOP)
        children = _descendants(process.pid)
        for pid in [process.pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL if hard else signal.SIGTERM)
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _wait_gone(children, 10)
        for pid in children:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _wait_gone(children, 10)
        self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        deadline = time.monotonic() + DOVECOT_START_TIMEOUT
        while _accepts(self.port) or _accepts(self.lmtp_port):
            if time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"Dovecot's ports {self.port}/{self.lmtp_port} still answer after halt()"
                )
            time.sleep(0.05)

    def resume(self) -> None:
        """Start the halted server again: same directory, users, mail and ports.

        Raises ServerUnavailable (after cleaning up, as ``start()`` does) if it will not come up.
        """
        if self._process is not None:
            raise RuntimeError("Dovecot is running; halt() it first")
        try:
            self._launch()
        except BaseException:
            self.stop()
            raise

    def set_sieve_script(self, user: str, script: str) -> None:
        """Make ``script`` the active Sieve script of ``user`` (needs ``sieve=True``).

        Stored as ``~/sieve/main.sieve`` with ``~/.dovecot.sieve`` linking to it; Pigeonhole
        compiles it on the next delivery (compile errors end up in ``log_text()``).
        """
        if not self.sieve:
            raise RuntimeError("this Dovecot runs without Sieve; construct it with sieve=True")
        if not _USER_RE.fullmatch(user):
            raise ValueError(f"unusable IMAP user name {user!r}")
        home = self.home_root / user
        scripts = home / "sieve"
        scripts.mkdir(parents=True, exist_ok=True)
        (scripts / "main.svbin").unlink(missing_ok=True)
        (scripts / "main.sieve").write_text(script, encoding="utf-8")
        link = home / ".dovecot.sieve"
        link.unlink(missing_ok=True)
        link.symlink_to("sieve/main.sieve")
        if self._owner is not None:
            for path in (home, scripts, scripts / "main.sieve", link):
                os.lchown(path, *self._owner)

    def _launch(self) -> None:
        self._stderr = self._stderr_path.open("ab")
        self._process = subprocess.Popen(
            [str(DOVECOT_BINARY), "-c", str(self.conf), "-F"],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def stop(self) -> None:
        """Stop every Dovecot process (see ``halt``) and delete its directory."""
        if self._process is not None:
            self.halt()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._remove_root()

    def add_user(self, name: str, password: str) -> ImapAccount:
        """Create a login (and, on first use, an empty mailbox) and return its account.

        ``name`` must be new and match ``[A-Za-z0-9][A-Za-z0-9._-]*``; ``password`` must not
        contain ``:`` or line breaks (passwd-file syntax). The login works at once, with no
        reload; safe to call from several threads.
        """
        if not _USER_RE.fullmatch(name):
            raise ValueError(f"unusable IMAP user name {name!r}")
        if not password or any(ch in password for ch in ":\r\n"):
            raise ValueError("password must be non-empty without ':' or line breaks")
        # One passwd file per user: Dovecot stats a passwd file at most once per second, so a
        # line appended to a shared file can stay invisible for up to a second. A new file is
        # read on the first lookup of its user. Mode "x" makes the existence check atomic.
        path = self.passwd_dir / name
        try:
            with path.open("x", encoding="utf-8") as passwd:
                passwd.write(f"{name}:{{PLAIN}}{password}\n")
        except FileExistsError:
            raise ValueError(f"IMAP user {name!r} already exists") from None
        if self._owner is not None:
            os.chown(path, *self._owner)
        if self.sieve:
            # Sieve keeps scripts, compiled binaries and the vacation duplicate database there.
            home = self.home_root / name
            home.mkdir(exist_ok=True)
            if self._owner is not None:
                os.chown(home, *self._owner)
        return ImapAccount(user=name, password=password, host=self.host, port=self.port)

    def log_text(self) -> str:
        """Dovecot's log and start-up output so far, for assertion messages."""
        parts = []
        for path in (self._stderr_path, self.log_path):
            if path.exists():
                parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')}")
        return "\n".join(parts) or "(no Dovecot output)"

    def _prepare_files(self) -> None:
        for sub in ("base", "state"):
            (self.root / sub).mkdir()
        self.mail_root.mkdir()
        self.passwd_dir.mkdir(mode=0o700)
        home_root = self.mail_root
        if self.sieve:
            # Homes apart from the Maildirs: ~/.dovecot.sieve inside one would look like a folder.
            self.home_root.mkdir()
            home_root = self.home_root
        uid = os.getuid()
        if uid == 0:
            # Dovecot refuses to run mail processes as root, so they run as the `dovecot` user,
            # which must own the mail tree; its auth process runs as that user too and must
            # read the passwd files. The login/internal user defaults already suit root.
            account = pwd.getpwnam("dovecot")
            self._owner = (account.pw_uid, account.pw_gid)
            for path in {self.mail_root, self.passwd_dir, home_root}:
                os.chown(path, *self._owner)
            internal = ""
            chroot = ""
        else:
            # Unprivileged: every Dovecot process runs as us, including the ones that would
            # normally switch to dedicated system users, and none can chroot.
            account = pwd.getpwuid(uid)
            internal = (
                f"default_internal_user = {account.pw_name}\n"
                f"default_internal_group = {grp.getgrgid(account.pw_gid).gr_name}\n"
                f"default_login_user = {account.pw_name}\n"
            )
            chroot = "  chroot =\n"
        self.conf.write_text(
            f"""\
base_dir = {self.root / "base"}
state_dir = {self.root / "state"}
log_path = {self.log_path}
info_log_path = {self.log_path}
{internal}protocols = imap lmtp
listen = {LOOPBACK}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2" if self.oauth2_introspection else ""}
# Failed logins are part of some tests: say why in the log and answer at once.
auth_verbose = yes
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {self.passwd_dir}/%n
{"  mechanisms = plain login" if self.oauth2_introspection else ""}
}}
{self._oauth2_passdb()}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={home_root}/%n
}}
mail_location = maildir:{self.mail_root}/%n
first_valid_uid = 1
protocol imap {{
  # The default (10) is easy to hit when a test's helpers and the code under test both
  # connect from 127.0.0.1 as the same user.
  mail_max_userip_connections = 100
}}
service anvil {{
{chroot}  # No auth penalty: otherwise one test's deliberate failed login delays every later login
  # from 127.0.0.1 by up to 15 s. Without this socket the auth process skips the penalty.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = {LOOPBACK}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {LOOPBACK}
    port = {self.lmtp_port}
  }}
}}
{self._sieve_conf() if self.sieve else ""}"""
        )

    def _sieve_conf(self) -> str:
        return f"""\
# Pigeonhole: run the user's active script on LMTP delivery; what it sends goes out by SMTP.
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
submission_host = {self.submission_host}
"""

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + DOVECOT_START_TIMEOUT
        pending = {self.port: b"* OK", self.lmtp_port: b"220 "}
        while pending:
            if self._process.poll() is not None:
                raise ServerUnavailable(
                    f"Dovecot exited with status {self._process.returncode} during start-up\n"
                    f"{self.log_text()}"
                )
            if time.monotonic() > deadline:
                raise ServerUnavailable(
                    f"Dovecot did not greet on ports {sorted(pending)} within "
                    f"{DOVECOT_START_TIMEOUT:.0f}s\n{self.log_text()}"
                )
            for port, greeting in list(pending.items()):
                if _greets(port, greeting):
                    del pending[port]
            if pending:
                time.sleep(0.05)

    def _remove_root(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _accepts(port: int) -> bool:
    """True if something on ``port`` accepts a TCP connection."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    """All living descendants of ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rpartition(")")[2].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (a zombie holds no sockets)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pids: list[int], timeout: float) -> None:
    """Wait (at most ``timeout`` seconds) until none of ``pids`` is alive."""
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)


def _greets(port: int, greeting: bytes) -> bool:
    """True if something on ``port`` accepts a connection and sends ``greeting`` first."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as sock:
            return sock.recv(256).startswith(greeting)
    except OSError:
        return False


class DovecotFactory(Protocol):
    """What the ``dovecot_factory`` fixture yields: starts a private Dovecot, stopped after the
    test."""

    def __call__(
        self, *, sieve: bool = False, submission_host: str = "", oauth2_introspection: str = ""
    ) -> Dovecot: ...


# --------------------------------------------------------------------------------------------
# SMTP (aiosmtpd)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message accepted by the SMTP sink: the envelope exactly as the client sent it.

    ``data`` is the message as transmitted (CRLF line endings, dot-stuffing removed);
    ``rcpt_options`` holds the options of all RCPT commands of the transaction, in order.
    """

    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    rcpt_options: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """``data`` parsed with the modern ``email.policy.default``."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


SmtpStage = Literal["RCPT", "DATA"]


@dataclass
class _SinkHandler:
    """aiosmtpd handler: records accepted mail and plays back scripted failures.

    Its hooks run on the controller's event-loop thread while tests read from the main thread,
    hence the lock.
    """

    received: list[Received] = field(default_factory=list)
    failures: dict[SmtpStage, deque[str]] = field(
        default_factory=lambda: {"RCPT": deque(), "DATA": deque()}
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _scripted_failure(self, stage: SmtpStage) -> str | None:
        with self.lock:
            queue = self.failures[stage]
            return queue.popleft() if queue else None

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        failure = self._scripted_failure("RCPT")
        if failure is not None:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """XOAUTH2 as Microsoft 365 and Google offer it: the bearer token is checked like a
        password (the sink's ``auth_password`` is the one valid token)."""
        try:
            fields = dict(part.split(b"=", 1) for part in b64decode(args[1]).split(b"\x01") if part)
            user, token = fields[b"user"], fields[b"auth"].removeprefix(b"Bearer ")
        except (IndexError, ValueError, KeyError):
            return AuthResult(success=False, handled=False)
        return server._authenticate("XOAUTH2", LoginPassword(user, token))

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._scripted_failure("DATA")
        if failure is not None:
            return failure
        record = _received(envelope)
        with self.lock:
            self.received.append(record)
        return "250 2.0.0 OK: queued"


def _received(envelope: Envelope) -> Received:
    content = envelope.original_content or envelope.content or b""
    return Received(
        mail_from=envelope.mail_from or "",
        rcpt_tos=list(envelope.rcpt_tos),
        mail_options=list(envelope.mail_options),
        rcpt_options=list(envelope.rcpt_options),
        data=content if isinstance(content, bytes) else content.encode(),
    )


class _SingleLogin:
    """aiosmtpd authenticator accepting exactly one user name and password."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode()
        self._password = password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and hmac.compare_digest(auth_data.login, self._user)
            and hmac.compare_digest(auth_data.password, self._password)
        )
        # handled=False makes aiosmtpd send the standard 535 itself; with the default (True) it
        # assumes we already replied and the client waits forever.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class SmtpServer:
    """An aiosmtpd sink on 127.0.0.1 that records mail and can be told to refuse some.

    Plain SMTP only, no STARTTLS: clients must be configured with STARTTLS off. With
    ``auth_user``/``auth_password``, AUTH PLAIN and LOGIN are offered without TLS and required
    before MAIL FROM (535 for wrong credentials, 530 for none). Contract: after ``start()`` it
    accepts connections; after ``stop()`` its thread and port are gone. ``port`` (optional)
    reuses a port, e.g. to bring a sink back where a stopped one listened.
    """

    host: str = LOOPBACK

    def __init__(
        self,
        auth_user: str | None = None,
        auth_password: str | None = None,
        *,
        port: int | None = None,
    ) -> None:
        if (auth_user is None) != (auth_password is None):
            raise ValueError("give both auth_user and auth_password, or neither")
        self.port = port or free_port()
        self._handler = self._make_handler()
        auth: dict[str, Any] = {}
        if auth_user is not None and auth_password is not None:
            auth = {
                "authenticator": _SingleLogin(auth_user, auth_password),
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(
            self._handler,
            hostname=LOOPBACK,
            port=self.port,
            # A fixed name keeps aiosmtpd from calling socket.getfqdn(), which can stall on
            # machines without working reverse DNS.
            server_hostname="smtp-sink.test",
            **auth,
        )
        self._running = False

    def _make_handler(self) -> _SinkHandler:
        return _SinkHandler()

    @property
    def url(self) -> str:
        """``smtp://127.0.0.1:PORT`` (no user: put ``auth_user`` in the client settings)."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        """A snapshot of the messages accepted so far, oldest first."""
        with self._handler.lock:
            return list(self._handler.received)

    def start(self) -> None:
        """Listen; returns once the server answers connections."""
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        """Stop listening and join the server thread; a no-op if not running."""
        if self._running:
            self._controller.stop()
            self._running = False

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Wait until at least ``count`` messages arrived and return all of them.

        Raises AssertionError after ``timeout`` seconds, listing what did arrive.
        """
        deadline = time.monotonic() + timeout
        while True:
            received = self.received
            if len(received) >= count:
                return received
            if time.monotonic() >= deadline:
                summary = [(r.mail_from, r.rcpt_tos, r.message["Subject"]) for r in received]
                raise AssertionError(
                    f"expected at least {count} message(s) within {timeout}s, "
                    f"got {len(received)}: {summary}"
                )
            time.sleep(0.02)

    def fail_next(
        self,
        code_and_text: str = "451 4.3.0 try later",
        *,
        times: int = 1,
        at: SmtpStage = "DATA",
    ) -> None:
        """Answer the next ``times`` RCPT commands (each recipient counts) or DATA commands
        with ``code_and_text`` instead of accepting; later ones are accepted again.

        Calls add up: failures queue behind ones not yet used. A refused DATA records nothing.
        """
        if not _SMTP_FAILURE_RE.fullmatch(code_and_text):
            raise ValueError(
                f"want a 4xx/5xx reply such as '451 4.3.0 try later': {code_and_text!r}"
            )
        if at not in ("RCPT", "DATA"):
            raise ValueError(f"at must be 'RCPT' or 'DATA', not {at!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._handler.lock:
            self._handler.failures[at].extend([code_and_text] * times)


class SmtpServerFactory(Protocol):
    """What the ``smtp_server_factory`` fixture yields: starts a sink, stopped after the test."""

    def __call__(
        self,
        auth_user: str | None = None,
        auth_password: str | None = None,
        *,
        port: int | None = None,
    ) -> SmtpServer: ...


# --------------------------------------------------------------------------------------------
# A small mail system: Sieve-enabled Dovecot + an SMTP relay delivering into it over LMTP
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What the relay did with one recipient of one accepted message.

    ``user`` is the Dovecot user it was delivered to over LMTP, or "" when the address has no
    route (mail to the outside world: recorded, delivered nowhere). ``reply`` is LMTP's answer.
    """

    recipient: str
    user: str
    reply: str
    message: Received


@dataclass
class _RelayHandler(_SinkHandler):
    """The sink's handler, plus delivery over LMTP before the end-of-DATA reply."""

    deliver: Callable[[Received], str] | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._scripted_failure("DATA")
        if failure is not None:
            return failure
        record = _received(envelope)
        assert self.deliver is not None
        # In a worker thread: Sieve may submit a vacation reply to this very server while the
        # LMTP delivery is still running, and the event loop must be free to take it.
        error = await asyncio.get_running_loop().run_in_executor(None, self.deliver, record)
        if error:
            return f"451 4.3.0 relay: {error}"
        with self.lock:
            self.received.append(record)
        return "250 2.0.0 OK: delivered"


class LmtpRelay(SmtpServer):
    """An SMTP server standing in for the mail system between several mailboxes.

    Every accepted message is delivered, recipient by recipient, into the Dovecot user its
    address is routed to (``route``), over LMTP with the same envelope sender; the 250 to end of
    DATA comes only after that delivery, so once a client's send returns the mail is in the
    mailbox (and whatever Sieve sent in response has been relayed too). A recipient without a
    route is recorded only. An LMTP failure answers 451 and lands in ``errors``. ``received``
    lists accepted messages in the order their delivery completed; ``fail_next`` works as on
    the plain sink.
    """

    def __init__(self, lmtp_host: str, lmtp_port: int, *, port: int | None = None) -> None:
        self.lmtp_host = lmtp_host
        self.lmtp_port = lmtp_port
        self._routes: dict[str, str] = {}
        self._deliveries: list[Delivery] = []
        self._errors: list[str] = []
        super().__init__(port=port)

    def _make_handler(self) -> _SinkHandler:
        return _RelayHandler(deliver=self._deliver)

    def route(self, address: str, user: str) -> None:
        """Deliver mail for ``address`` (and its ``+detail`` variants) to Dovecot user ``user``."""
        with self._handler.lock:
            self._routes[_route_key(address)] = user

    @property
    def deliveries(self) -> list[Delivery]:
        """A snapshot of every recipient handled so far, oldest first."""
        with self._handler.lock:
            return list(self._deliveries)

    @property
    def errors(self) -> list[str]:
        """LMTP failures so far (each also answered 451 to the client)."""
        with self._handler.lock:
            return list(self._errors)

    def _deliver(self, record: Received) -> str:
        sender = "" if record.mail_from in ("", "<>") else record.mail_from
        for rcpt in record.rcpt_tos:
            with self._handler.lock:
                user = self._routes.get(_route_key(rcpt), "")
            reply = "not local: recorded only"
            if user:
                domain = rcpt.rpartition("@")[2]
                try:
                    with smtplib.LMTP(self.lmtp_host, self.lmtp_port, timeout=60) as lmtp:
                        lmtp.ehlo("relay.test")
                        code, text = lmtp.mail(sender)
                        if code == 250:
                            code, text = lmtp.rcpt(f"{user}@{domain}")
                        if code == 250:
                            code, text = lmtp.data(record.data)
                        reply = f"{code} {text.decode(errors='replace')}"
                except (OSError, smtplib.SMTPException) as exc:
                    code, reply = 0, repr(exc)
                if code != 250:
                    error = f"LMTP delivery of {rcpt} to {user} failed: {reply}"
                    with self._handler.lock:
                        self._errors.append(error)
                    return error
            with self._handler.lock:
                self._deliveries.append(Delivery(rcpt, user, reply, record))
        return ""


def _route_key(address: str) -> str:
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


class MailSystem:
    """A private Sieve-enabled Dovecot and an ``LmtpRelay`` delivering into it, wired both ways:
    the relay is Dovecot's submission host, so what Sieve sends (vacation replies) travels back
    through the relay and is delivered or recorded like any other mail.

    Contract: after ``start()`` both answer; ``add_mailbox`` creates a Dovecot user and routes
    its addresses to it; ``send`` submits a message to the relay as a mail client would;
    ``stop()`` stops both and deletes Dovecot's directory.
    """

    def __init__(self) -> None:
        self.dovecot = Dovecot(sieve=True)
        self.relay = LmtpRelay(LOOPBACK, self.dovecot.lmtp_port)
        self.dovecot.submission_host = f"{LOOPBACK}:{self.relay.port}"

    def start(self) -> None:
        self.relay.start()
        try:
            self.dovecot.start()
        except BaseException:
            self.relay.stop()
            raise

    def stop(self) -> None:
        self.relay.stop()
        self.dovecot.halt()  # every process, including LMTP/imap ones that outlive the master
        self.dovecot.stop()

    def add_mailbox(self, user: str, *addresses: str, sieve: str | None = None) -> ImapAccount:
        """A new Dovecot user receiving mail for ``addresses``; ``sieve`` becomes its active
        Sieve script."""
        account = self.dovecot.add_user(user, secrets.token_urlsafe(12))
        for address in addresses:
            self.relay.route(address, user)
        if sieve is not None:
            self.dovecot.set_sieve_script(user, sieve)
        return account

    def send(self, raw: bytes, mail_from: str, rcpt: str) -> None:
        """Submit ``raw`` to the relay (``mail_from`` "" for a null sender); returns once it
        was delivered. Raises smtplib's errors when the relay refuses."""
        with smtplib.SMTP(self.relay.host, self.relay.port, timeout=60) as client:
            client.sendmail(mail_from, [rcpt], raw)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _pg_admin() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            host=PG_HOST,
            port=PG_PORT,
            user=PG_USER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        raise ServerUnavailable(
            f"PostgreSQL is unreachable at {PG_USER}@{PG_HOST}:{PG_PORT} (trust auth expected); "
            f"start it, e.g. `service postgresql start`: {exc}"
        ) from None


def create_database() -> tuple[str, str]:
    """Create an empty database with a random name; return ``(name, SQLAlchemy URL)``.

    Raises ServerUnavailable if the server cannot be reached.
    """
    name = f"{PG_DB_PREFIX}{secrets.token_hex(6)}"
    with _pg_admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def drop_database(name: str) -> None:
    """Drop ``name``, disconnecting any sessions the code under test left open."""
    with _pg_admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
