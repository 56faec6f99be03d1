"""PURE: is the From of an inbound mail its real author, as far as the mail itself can show?

Two sources, never the From header alone (anyone can write any From):

- with ``authserv_id`` configured, the ``Authentication-Results`` our own border MTA added
  (RFC 8601). Only the topmost instance carrying that id counts: the border adds its header
  above everything the sender wrote, so an instance lower down, even with our id, may be the
  sender's own invention (§5). DMARC pass for the From domain, or a DKIM or SPF pass aligned
  with it, passes; anything else fails.
- without it, the envelope sender (``Return-Path``, written by the final MTA from MAIL FROM)
  must align with the From domain. That stops the crude forgery (a foreign envelope with
  somebody else's From); a forger who also sets a matching MAIL FROM is stopped only by the
  reply token the caller requires as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

import authres  # type: ignore[import-untyped]

from mailagent.core.parse import Inbound


@dataclass(frozen=True)
class SenderCheck:
    """``passed``: the From is vouched for; ``why`` says by what, or why not."""

    passed: bool
    why: str


def check_sender(msg: Inbound, authserv_id: str) -> SenderCheck:
    """Whether ``msg``'s From is vouched for (by our border's results when ``authserv_id`` is
    set, else by an aligned envelope sender)."""
    domain = domain_of(msg.from_email)
    if not domain:
        return SenderCheck(False, "the mail has no single From address")
    if authserv_id:
        return _by_results(msg, domain, authserv_id)
    return _by_envelope(msg, domain)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower() if "@" in address else ""


def aligned(one: str, other: str) -> bool:
    """Relaxed alignment without a public-suffix list: the same domain, or one a subdomain of
    the other (``bounces.firm.example`` and ``firm.example``). Two siblings under a common
    parent do not align: the parent may be a public suffix (``co.uk``)."""
    one, other = one.lower().strip("."), other.lower().strip(".")
    if not one or not other:
        return False
    return one == other or one.endswith(f".{other}") or other.endswith(f".{one}")


def _by_envelope(msg: Inbound, domain: str) -> SenderCheck:
    paths = msg.header_values("return-path")
    if not paths:
        return SenderCheck(False, "no Return-Path (no envelope sender to check the From against)")
    envelope = domain_of(parseaddr(paths[0])[1])
    if aligned(envelope, domain):
        return SenderCheck(True, f"envelope sender's domain {envelope} aligns with the From")
    shown = envelope or "empty"
    return SenderCheck(False, f"envelope sender's domain ({shown}) does not align with {domain}")


def _by_results(msg: Inbound, domain: str, authserv_id: str) -> SenderCheck:
    header = _topmost(msg, authserv_id)
    if header is None:
        return SenderCheck(False, f"no Authentication-Results from {authserv_id}")
    results = {r.method.lower(): r for r in reversed(header.results)}
    dmarc = results.get("dmarc")
    if dmarc is not None:
        said = (dmarc.result or "").lower()
        if said == "pass" and aligned(_property(dmarc, "header", "from"), domain):
            return SenderCheck(True, f"dmarc=pass for {domain} ({authserv_id})")
        if said != "none":
            return SenderCheck(False, f"dmarc={said} for {domain} ({authserv_id})")
    for method, kind, name in (("dkim", "header", "d"), ("spf", "smtp", "mailfrom")):
        found = results.get(method)
        if found is None or (found.result or "").lower() != "pass":
            continue
        value = _property(found, kind, name)
        if aligned(domain_of(value) if "@" in value else value, domain):
            return SenderCheck(True, f"{method}=pass aligned with {domain} ({authserv_id})")
    return SenderCheck(False, f"no DMARC, DKIM or SPF pass for {domain} ({authserv_id})")


def _topmost(msg: Inbound, authserv_id: str) -> authres.AuthenticationResultsHeader | None:
    for value in msg.header_values("authentication-results"):
        server = value.split(";", 1)[0].split()
        if not server or server[0].lower() != authserv_id.lower():
            continue
        try:
            return authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # our border's own header unreadable: it vouches for nothing
            return None
    return None


def _property(result: authres.AuthenticationResult, kind: str, name: str) -> str:
    for prop in result.properties or ():
        if str(prop.type).lower() == kind and str(prop.name).lower() == name:
            return str(prop.value or "")
    return ""
