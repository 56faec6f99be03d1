"""Calendar servers for the integration tests, on 127.0.0.1.

- :class:`Radicale`: a real CalDAV server (``python -m radicale``, installed with the test
  extras), one user with a password (htpasswd), a fresh calendar per test.
- :class:`GraphServer`: Microsoft Graph's ``getSchedule`` answered from recorded responses in
  ``tests/fixtures/graph/`` (the JSON Graph returns), checking the bearer token like Graph does.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from servers import LOOPBACK, ServerUnavailable, free_port

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "graph"
CALENDAR_HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailagent tests//EN\r\n"


class Radicale:
    """A private Radicale; :meth:`new_calendar` makes a calendar of the given events."""

    user = "sam"
    password = "cal-secret"

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mailagent-radicale-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        (self.root / "users").write_text(f"{self.user}:{self.password}\n")
        config = self.root / "config"
        config.write_text(
            f"[server]\nhosts = {LOOPBACK}:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {self.root / 'users'}\n"
            "htpasswd_encryption = plain\n"
            f"[storage]\nfilesystem_folder = {self.root / 'collections'}\n"
            "[logging]\nlevel = warning\n"
        )
        with (self.root / "log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if _answers(self.base):
                return
            time.sleep(0.1)
        text = (self.root / "log").read_text(errors="replace")[-2000:]
        self.stop()
        raise ServerUnavailable(f"Radicale did not start on port {self.port}: {text}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    def new_calendar(self, *events: str) -> str:
        """A new calendar holding ``events`` (each a VEVENT block, or several for a series
        with its overrides); its URL."""
        import caldav

        name = "cal-" + secrets.token_hex(4)
        with caldav.DAVClient(
            url=f"{self.base}/{self.user}/",
            username=self.user,
            password=self.password,
            enable_rfc6764=False,
            require_tls=False,
        ) as client:
            calendar = client.principal().make_calendar(name=name, cal_id=name)
            for event in events:
                calendar.save_event(f"{CALENDAR_HEAD}{event.strip()}\r\nEND:VCALENDAR\r\n")
            return str(calendar.url)


def _answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=1).close()  # noqa: S310 - loopback test server
    except urllib.error.HTTPError:
        return True  # it answered (401 without a login)
    except OSError:
        return False
    return True


@dataclass
class GraphServer:
    """``POST /v1.0/users/{mailbox}/calendar/getSchedule`` from recorded responses: ``answers``
    maps a mailbox to a file in tests/fixtures/graph (or an HTTP status with a recorded error)."""

    token: str = "graph-token-" + secrets.token_hex(4)
    answers: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v1.0"

    @contextmanager
    def running(self) -> Iterator[GraphServer]:
        server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                graph.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                mailbox = unquote(self.path.split("/users/", 1)[-1].split("/", 1)[0])
                if self.headers.get("Authorization") != f"Bearer {graph.token}":
                    self._send(401, "error_401.json")
                elif mailbox not in graph.answers:
                    self._send(404, "error_404.json")
                else:
                    self._send(200, graph.answers[mailbox])

            def _send(self, status: int, name: str) -> None:
                data = (RECORDED / name).read_bytes()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; odata.metadata=minimal")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
