"""XOAUTH2 for Microsoft 365 and Google mailboxes: the access token comes from a command (a
helper that refreshes it, e.g. ``oauth2ms`` or ``gcloud auth print-access-token``) or a file
another process keeps fresh. mailagent never stores or refreshes tokens itself.

A token is fetched for every new connection, so a refreshed one is picked up without restart.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from mailagent.errors import SessionRefused

TOKEN_SECONDS = 30


def fetch_token(command: str, file: str, what: str) -> str:
    """The current access token; SessionRefused (naming ``what``) when there is none."""
    if command:
        try:
            done = subprocess.run(
                shlex.split(command),
                capture_output=True,
                text=True,
                timeout=TOKEN_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SessionRefused(f"{what}: oauth2_token_command failed: {exc}") from None
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
            raise SessionRefused(f"{what}: oauth2_token_command exited {done.returncode}: {detail}")
        token = done.stdout.strip()
    else:
        try:
            token = Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SessionRefused(f"{what}: oauth2_token_file {file}: {exc.strerror}") from None
    if not token or any(c.isspace() for c in token):
        raise SessionRefused(f"{what}: the OAuth2 token source gave no usable token")
    return token


def sasl_string(user: str, token: str) -> str:
    """The XOAUTH2 initial response (before base64): user, then the bearer token."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def refused(what: str, detail: str) -> SessionRefused:
    """The error for a token the server did not accept: most often it has expired."""
    return SessionRefused(
        f"{what}: XOAUTH2 login refused ({detail}); the access token has probably expired or "
        "lacks the mail scope: check the token command or file"
    )
