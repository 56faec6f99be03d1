"""Transport URLs taken apart: imap://, imaps://, smtp://, smtps:// and maildir:."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Endpoint:
    """A transport URL taken apart. ``path`` is set for ``maildir:`` URLs only."""

    scheme: str
    user: str = ""
    host: str = ""
    port: int = 0
    folder: str = ""
    path: str = ""

    @property
    def is_maildir(self) -> bool:
        return self.scheme == "maildir"

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def display(self) -> str:
        """The URL without secrets, for logs and check-config."""
        if self.is_maildir:
            return f"maildir:{self.path}"
        user = f"{self.user}@" if self.user else ""
        folder = f"/{self.folder}" if self.folder else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}{folder}"


def parse_endpoint(url: str, schemes: dict[str, int]) -> Endpoint:
    """Split ``url`` for ``schemes`` (scheme -> default port); raise ValueError if unusable."""
    if url.startswith("maildir:"):
        path = url[len("maildir:") :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise ValueError("maildir: URL needs a folder path, e.g. maildir:var/mail/inbox")
        return Endpoint(scheme="maildir", path=path)
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ValueError(f"scheme must be one of {allowed} or maildir:")
    if parts.password is not None:
        raise ValueError("put no password in the URL; set it in the environment (password_env)")
    if not parts.hostname:
        raise ValueError("URL needs a host name")
    try:
        port = parts.port or schemes[parts.scheme]
    except ValueError as exc:
        raise ValueError(f"bad port: {exc}") from None
    return Endpoint(
        scheme=parts.scheme,
        user=unquote(parts.username or ""),
        host=parts.hostname,
        port=port,
        folder=unquote(parts.path.lstrip("/")),
    )


def refuse_clear_text_login(endpoint: Endpoint, starttls: bool, scheme: str) -> None:
    """Raise ValueError when a password would cross the network in clear text."""
    if endpoint.scheme == scheme and not starttls and not endpoint.is_loopback:
        raise ValueError(
            "starttls = false would send the password in clear text; "
            "it is allowed only for a loopback host (use TLS or STARTTLS)"
        )
