"""Threads as the CLI shows them: the JSON contract of design section 6, and plain text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from mailagent.service import holding
from mailagent.store.outbox import thread_outbox
from mailagent.store.tables import Thread
from mailagent.store.threads import thread_assignments, thread_events, thread_jobs, thread_messages
from mailagent.store.traffic import suppression_for


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def thread_json(session: Session, thread: Thread) -> dict[str, Any]:
    """The thread object of the CLI contract (keys may be added, never renamed)."""
    assert thread.id is not None
    data: dict[str, Any] = {
        "id": thread.id,
        "state": thread.state,
        "token": thread.token,
        "guest": {
            "name": thread.guest_name,
            "email": thread.guest_email,
            "language": thread.language,
            "timezone": thread.timezone,
        },
        # Always objects (empty until set), so scripts can index them without a null check.
        "manager": {"name": thread.manager_name, "email": thread.manager_email},
        "answers": dict(thread.answers),
        "missing": list(thread.missing),
        "meeting": {
            "start": _iso(thread.meeting_start),
            "end": _iso(thread.meeting_end),
            "uid": thread.meeting_uid,
            "sequence": thread.meeting_sequence,
        },
        "proposals": list(thread.proposals),
        "feedback": thread.feedback,
        "manager_notes": thread.manager_notes,
        "keep_in_touch": thread.keep_in_touch,
        "consent": {"at": _iso(thread.consent_at), "until": _iso(thread.consent_until)},
        "created_at": _iso(thread.created_at),
        "updated_at": _iso(thread.updated_at),
    }
    suppressed = suppression_for(session, thread.guest_email)
    data["guest"]["bounced"] = (
        {"status": suppressed.status, "reason": suppressed.reason, "at": _iso(suppressed.at)}
        if suppressed
        else None
    )
    messages = thread_messages(session, thread.id)
    outbox = {o.message_id: o.status for o in thread_outbox(session, thread.id)}
    data["messages"] = [
        {
            "direction": m.direction,
            "kind": m.kind,
            "message_id": f"<{m.message_id}>",
            "subject": m.subject,
            "at": _iso(m.at),
            "from": m.from_addr,
            "to": m.to_addr,
            "category": m.category,
            "status": m.status,
            "delivery": outbox.get(m.id) if m.id is not None else None,
        }
        for m in messages
    ]
    data["assignments"] = [
        {"manager": a.manager_name, "email": a.manager_email, "at": _iso(a.at), "status": a.status}
        for a in thread_assignments(session, thread.id)
    ]
    data["jobs"] = [
        {"kind": j.kind, "due_at": _iso(j.due_at), "status": j.status}
        for j in thread_jobs(session, thread.id)
    ]
    data["events"] = [
        {"at": _iso(e.at), "what": e.what, "detail": e.detail, "actor": e.actor}
        for e in thread_events(session, thread.id)
    ]
    data["holds"] = [holding.as_dict(h) for h in holding.holds_of(session, thread.id)]
    return data


def thread_lines(threads: list[Thread]) -> list[str]:
    """One aligned line per thread for ``threads list``."""
    if not threads:
        return ["no threads"]
    lines = [f"{'ID':>5}  {'STATE':<16} {'UPDATED':<16}  GUEST"]
    for t in threads:
        guest = f"{t.guest_name} <{t.guest_email}>" if t.guest_name else t.guest_email
        lines.append(f"{t.id:>5}  {t.state:<16} {t.updated_at:%Y-%m-%d %H:%M}  {guest}")
    return lines


def thread_text(data: dict[str, Any]) -> str:
    """``threads show`` for a person: the story of the thread, oldest first."""
    guest = data["guest"]
    out = [
        f"thread {data['id']}  state {data['state']}  token {data['token']}",
        f"guest: {guest['name']} <{guest['email']}>  language {guest['language']}",
    ]
    if data["manager"]["email"]:
        out.append(f"manager: {data['manager']['name']} <{data['manager']['email']}>")
    if data["meeting"]["start"]:
        out.append(f"meeting: {data['meeting']['start']} to {data['meeting']['end']}")
    if guest.get("bounced"):
        bounce = guest["bounced"]
        out.append(f"bounced {bounce['at'][:10]}: {bounce['status']} {bounce['reason']}")
    if data["missing"]:
        out.append(f"missing answers: {', '.join(data['missing'])}")
    for key, value in data["answers"].items():
        out.append(f"answer {key}: {value}")
    if data["feedback"]:
        out.append(f"guest feedback: {data['feedback']}")
    if data["manager_notes"]:
        out.append(f"manager notes: {data['manager_notes']}")
    out.append("messages:")
    for m in data["messages"]:
        arrow = "<-" if m["direction"] == "in" else "->"
        delivery = f" [{m['delivery']}]" if m.get("delivery") else ""
        out.append(
            f"  {m['at'][:19]} {arrow} {m['kind'] or m['category']:<14} {m['subject']}{delivery}"
        )
    if data["jobs"]:
        out.append("jobs:")
        out.extend(f"  {j['due_at'][:19]} {j['kind']} ({j['status']})" for j in data["jobs"])
    out.append("events:")
    out.extend(f"  {e['at'][:19]} {e['what']}: {e['detail']}" for e in data["events"])
    if data["holds"]:
        out.append("held mail (mailagent held release ID / refuse ID):")
        out.extend(
            f"  hold {h['id']} {h['status']}: the {h['party']}'s {h['action']}: {h['reason']}"
            for h in data["holds"]
        )
    return "\n".join(out)
