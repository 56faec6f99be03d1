"""The inbox, outbox and database settings: transport URLs, TLS, login (password from
the environment, or an OAuth2 token), timeouts and the caps of mail-rules F.3.
"""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from mailagent.config.base import KEY_RE, Section, plain_address
from mailagent.config.endpoints import Endpoint, parse_endpoint, refuse_clear_text_login

_KEYWORD_RE = re.compile(r"^\$?[A-Za-z][A-Za-z0-9_-]{0,63}$")


class TlsSettings(Section):
    password_env: str = ""
    starttls: bool = True
    tls_verify: bool = True
    ca_file: str = ""
    # "xoauth2": log in with an OAuth2 access token (Microsoft 365, Google) from a command or
    # a file instead of a password.
    auth: Literal["password", "xoauth2"] = "password"
    oauth2_token_command: str = ""
    oauth2_token_file: str = ""

    @model_validator(mode="after")
    def _oauth2_source(self) -> TlsSettings:
        sources = [s for s in (self.oauth2_token_command, self.oauth2_token_file) if s]
        if self.auth == "xoauth2" and len(sources) != 1:
            raise ValueError("auth = 'xoauth2' needs oauth2_token_command or oauth2_token_file")
        if self.auth == "password" and sources:
            raise ValueError("oauth2_token_* is used only with auth = 'xoauth2'")
        return self

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be an environment variable name")
        return value

    def password(self) -> str | None:
        """The secret from the environment, or None when unset or empty."""
        return os.environ.get(self.password_env) or None if self.password_env else None


class InboxSettings(TlsSettings):
    url: str = "maildir:var/mail/inbox"
    name: str = "inbox"
    # The address this inbox's conversations are answered from; empty: the [firm] address.
    address: str = ""
    password_env: str = "MAILAGENT_IMAP_PASSWORD"  # noqa: S105 - a variable name, not a secret
    skip_existing: bool = False
    processed_keyword: str = "$MailagentProcessed"
    processed_folder: str = ""
    quarantine_keyword: str = "$MailagentQuarantined"
    quarantine_folder: str = "Quarantine"
    poll_seconds: float = Field(default=60, ge=0.2, le=3600)
    idle: bool = True
    idle_renew_seconds: float = Field(default=600, ge=1, le=600)
    session_max_seconds: float = Field(default=1500, ge=10, le=1700)
    connect_timeout: float = Field(default=15, gt=0, le=300)
    read_timeout: float = Field(default=60, gt=0, le=900)
    fetch_batch: int = Field(default=100, ge=1, le=5000)
    max_message_bytes: int = Field(default=10_000_000, ge=10_000)
    max_attempts: int = Field(default=3, ge=1, le=20)
    max_parts: int = Field(default=1000, ge=10, le=100_000)
    max_depth: int = Field(default=20, ge=2, le=200)
    message_seconds: float = Field(default=30, ge=0.5, le=600)
    backoff_max_seconds: float = Field(default=300, ge=1, le=3600)
    authserv_id: str = ""
    spam_header: str = ""
    spam_value: str = "YES"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parse_endpoint(value, {"imap": 143, "imaps": 993})
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not KEY_RE.match(value) or len(value) > 64:
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("address")
    @classmethod
    def _own_address(cls, value: str) -> str:
        return plain_address(value) if value.strip() else ""

    @field_validator("processed_keyword", "quarantine_keyword")
    @classmethod
    def _keyword(cls, value: str) -> str:
        if value and not _KEYWORD_RE.match(value):
            raise ValueError("an IMAP keyword such as $MailagentProcessed (letters, digits, _ -)")
        return value

    @model_validator(mode="after")
    def _clear_text(self) -> InboxSettings:
        refuse_clear_text_login(self.endpoint, self.starttls, "imap")
        return self

    @property
    def endpoint(self) -> Endpoint:
        return parse_endpoint(self.url, {"imap": 143, "imaps": 993})


class OutboxSettings(TlsSettings):
    url: str = "maildir:var/mail/outbox"
    password_env: str = "MAILAGENT_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a secret
    timeout: float = Field(default=120, gt=0, le=900)
    retry_first_seconds: float = Field(default=60, ge=1)
    retry_max_seconds: float = Field(default=3600, ge=1)
    max_attempts: int = Field(default=12, ge=1, le=1000)
    flush_batch: int = Field(default=200, ge=1, le=10_000)
    sent_folder: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parse_endpoint(value, {"smtp": 587, "smtps": 465})
        return value

    @model_validator(mode="after")
    def _retry_order(self) -> OutboxSettings:
        if self.retry_first_seconds > self.retry_max_seconds:
            raise ValueError("retry_first_seconds must not exceed retry_max_seconds")
        return self

    @model_validator(mode="after")
    def _clear_text(self) -> OutboxSettings:
        if self.endpoint.user:
            refuse_clear_text_login(self.endpoint, self.starttls, "smtp")
        return self

    @property
    def endpoint(self) -> Endpoint:
        return parse_endpoint(self.url, {"smtp": 587, "smtps": 465})


class DatabaseSettings(Section):
    url: str = "sqlite:///var/mailagent.db"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not (value.startswith("sqlite:///") or value.startswith("postgresql")):
            raise ValueError("must be sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME")
        return value
