"""Thin adapters that read a manager's calendar: CalDAV (``caldav``), an ICS feed (http, https
or a file) and Microsoft Graph ``getSchedule`` (https, bearer token as for XOAUTH2).

Each returns the raw answer turned into busy periods by :mod:`mailagent.core.free_time`; every
failure (unreachable, refused, too slow, too large, unreadable) is one :class:`CalendarError`
whose message says which, so the caller can carry on without the calendar.
"""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mailagent.core.free_time import (
    Busy,
    CalendarUnreadable,
    Lookup,
    busy_from_graph,
    busy_from_ics,
)
from mailagent.core.managers import CalendarSource, Manager
from mailagent.errors import SessionRefused, TransportError
from mailagent.transports.oauth import fetch_token

GRAPH_URL = "https://graph.microsoft.com/v1.0"


class CalendarError(TransportError):
    """A calendar could not be read this time; the message says why (no secret in it)."""


def read_busy(manager: Manager, lookup: Lookup, *, timeout: float, max_bytes: int) -> list[Busy]:
    """The manager's busy periods inside ``lookup``; CalendarError when they cannot be had."""
    source = manager.calendar
    if source is None:
        return []
    try:
        if source.kind == "caldav":
            return busy_from_ics(
                _caldav(source, lookup, timeout), lookup.start, lookup.end, manager.timezone
            )
        if source.kind == "ics":
            data = _fetch(source, source.url, None, timeout, max_bytes)
            return busy_from_ics([data], lookup.start, lookup.end, manager.timezone)
        return busy_from_graph(_graph(source, manager, lookup, timeout, max_bytes))
    except CalendarUnreadable as exc:
        raise CalendarError(f"{source.kind} calendar unreadable: {exc}") from None
    except SessionRefused as exc:
        raise CalendarError(str(exc)) from None
    except CalendarError:
        raise
    except Exception as exc:  # a calendar's odd data must never crash a pass
        detail = f"{source.kind} calendar could not be read: {type(exc).__name__}: {exc}"
        raise CalendarError(detail[:300]) from None


def _caldav(source: CalendarSource, lookup: Lookup, timeout: float) -> list[str]:
    import caldav
    from caldav.lib import error as dav_error

    client = caldav.DAVClient(  # type: ignore[operator]  # caldav's lazy export
        url=source.url,
        username=source.user or None,
        password=_password(source),
        # Credentials with the first request: waiting for the 401 costs a round trip, and
        # servers delay answers to requests that failed to log in (Radicale by a second).
        auth_type="basic" if source.user else None,
        timeout=max(1, round(timeout)),
        ssl_verify_cert=source.tls_verify,
        enable_rfc6764=False,
        require_tls=False,
    )
    try:
        found = client.calendar(url=source.url).search(
            start=lookup.start, end=lookup.end, event=True, expand=False
        )
        return [str(item.data) for item in found]
    except dav_error.AuthorizationError:
        raise CalendarError("caldav calendar refused the login (401/403)") from None
    except dav_error.NotFoundError:
        raise CalendarError("caldav calendar not found (404): check the url") from None
    except Exception as exc:
        raise CalendarError(
            f"caldav calendar unreachable: {type(exc).__name__}: {exc}"[:300]
        ) from None
    finally:
        client.close()


def _graph(
    source: CalendarSource, manager: Manager, lookup: Lookup, timeout: float, max_bytes: int
) -> Any:
    mailbox = source.user or manager.email
    token = fetch_token(source.oauth2_token_command, source.oauth2_token_file, "graph calendar")
    body = {
        "schedules": [mailbox],
        "startTime": {"dateTime": _graph_stamp(lookup.start), "timeZone": "UTC"},
        "endTime": {"dateTime": _graph_stamp(lookup.end), "timeZone": "UTC"},
        "availabilityViewInterval": 30,
    }
    url = f"{(source.url or GRAPH_URL).rstrip('/')}/users/{quote(mailbox)}/calendar/getSchedule"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Prefer": 'outlook.timezone="UTC"',
    }
    raw = _fetch(source, url, (json.dumps(body).encode(), headers), timeout, max_bytes)
    try:
        return json.loads(raw)
    except ValueError:
        raise CalendarError("graph calendar answered with something that is not JSON") from None


def _graph_stamp(at: Any) -> str:
    return str(at.strftime("%Y-%m-%dT%H:%M:%S"))


def _fetch(
    source: CalendarSource,
    url: str,
    post: tuple[bytes, dict[str, str]] | None,
    timeout: float,
    max_bytes: int,
) -> bytes:
    """The body at ``url`` (a POST when ``post`` holds a body and headers), at most
    ``max_bytes``; a plain path is read from disk."""
    if not url.startswith(("http://", "https://")):
        return _read_file(Path(url.removeprefix("file://")), max_bytes)
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=post[0] if post else None, method="POST" if post else "GET"
    )
    # Credentials are unredirected headers: a redirect (to another host, or down to http)
    # never carries the password or the token along.
    for name, value in (post[1] if post else {}).items():
        if name == "Authorization":
            request.add_unredirected_header(name, value)
        else:
            request.add_header(name, value)
    password = _password(source)
    if source.kind != "graph" and source.user:
        pair = f"{source.user}:{password or ''}".encode()
        request.add_unredirected_header("Authorization", "Basic " + b64encode(pair).decode())
    context = ssl.create_default_context()
    if not source.tls_verify:
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    what = f"{source.kind} calendar"
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310 - http(s) only, checked above
            data = bytes(response.read(max_bytes + 1))
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise CalendarError(
                f"{what} refused us ({exc.code}): check the login or whether the token has expired"
            ) from None
        raise CalendarError(f"{what} answered {exc.code} {exc.reason}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CalendarError(f"{what} unreachable: {reason}"[:300]) from None
    if len(data) > max_bytes:
        raise CalendarError(f"{what} sent more than [calendars] max_bytes ({max_bytes})")
    return data


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        if path.stat().st_size > max_bytes:
            raise CalendarError(f"ics calendar {path} is larger than [calendars] max_bytes")
        return path.read_bytes()
    except OSError as exc:
        raise CalendarError(f"ics calendar {path}: {exc.strerror}") from None


def _password(source: CalendarSource) -> str | None:
    return os.environ.get(source.password_env) or None if source.password_env else None
