"""How well mailagent reads people's words: the labelled corpus in tests/corpus, part by part.

    .venv/bin/python bench/understanding.py [--show] [guest|manager|first|availability ...]

Prints RIGHT / SAFE / WRONG per part (definitions in tests/corpus/README.md) and, with
``--show``, one line per case that was not RIGHT. The bar: WRONG = 0 everywhere, RIGHT >= 90%
for guest answers and >= 80% for manager replies.

Every case goes through the worker's own code:
- guest: ``answers.extract`` with the questions built by ``questions.asked_in`` under the numbers
  the mail showed, the reply languages of ``questions.languages_for`` and the text of our own mail
  (rendered from the shipped templates) as production passes it;
- manager: ``meeting_mail.read_manager_reply`` (the function the worker calls) in the manager's
  zone and office hours against the label's offered times;
- first: a real worker pass on the embedded default (Maildir + SQLite in a temporary folder); the
  thread's state and the mail queued are the outcome;
- availability: ``read_availability`` (what the brief's free times are chosen by) on each answer
  of tests/corpus/availability.toml, against the times its label says fit and do not fit.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
os.chdir(REPO)  # the shipped config names its files relative to the checkout

from harness import maildir_config, messages, one_pass, outbox_rows, threads  # noqa: E402

from mailagent.compose.environment import make_environment, render  # noqa: E402
from mailagent.config.loading import load_config  # noqa: E402
from mailagent.config.settings import Config  # noqa: E402
from mailagent.core import answers  # noqa: E402
from mailagent.core import manager_replies as mr  # noqa: E402
from mailagent.core.availability import read_availability  # noqa: E402
from mailagent.core.parse import parse_message  # noqa: E402
from mailagent.core.reply_text import name_words  # noqa: E402
from mailagent.service.checks import sample_context  # noqa: E402
from mailagent.service.meeting_mail import read_manager_reply  # noqa: E402
from mailagent.service.questions import asked_in, languages_for  # noqa: E402
from mailagent.transports.opening import open_inbox  # noqa: E402

_SPEC = importlib.util.spec_from_file_location("corpus_cases", REPO / "tests/corpus/cases.py")
assert _SPEC is not None and _SPEC.loader is not None
cases = importlib.util.module_from_spec(_SPEC)
sys.modules["corpus_cases"] = cases
_SPEC.loader.exec_module(cases)

RIGHT, SAFE, WRONG = "RIGHT", "SAFE", "WRONG"
KEYS = cases.KEYS


@dataclass(frozen=True)
class Verdict:
    name: str
    grade: str
    why: str = ""


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


# --- guest answers ---------------------------------------------------------------------------


def grade_guest(label: dict[str, Any], found: dict[str, str]) -> tuple[str, str]:
    """RIGHT, SAFE or WRONG for the answers ``found`` against the case's ``label``."""
    expected: dict[str, str] = label.get("answers", {})
    forbid = [_norm(f) for f in label.get("forbid", []) if f.strip()]
    for key, stored in found.items():
        text = _norm(stored)
        if key not in expected:
            return WRONG, f"{key} stored but not answered: {stored[:60]!r}"
        if _norm(expected[key]) not in text:
            return WRONG, f"{key} holds something else: {stored[:60]!r}"
        for other, phrase in expected.items():
            if other != key and _norm(phrase) in text:
                return WRONG, f"{key} swallowed {other}"
        for bad in forbid:  # whole words: a forbidden "Mei" is not in "meine"
            if re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", text):
                return WRONG, f"{key} holds forbidden {bad!r}"
    missed = [k for k in expected if k not in found]
    if missed:
        return SAFE, "asked again: " + ", ".join(missed)
    return RIGHT, ""


def our_mail_text(config: Config, kind: str, language: str) -> str:
    """Our questionnaire or re-ask as the guest received it (text part), from the templates."""
    env = make_environment(config.settings.templates.dir)
    return render(env, kind, language, sample_context(config, language)).text


def read_guest(config: Config, case: Any) -> dict[str, str]:
    label = case.label
    lang = label["thread_language"]
    numbers = set(label["asked"])
    keys = {q.key for n, q in enumerate(config.questionnaire.questions, 1) if n in numbers}
    msg = parse_message(case.raw)
    return answers.extract(
        msg.text,
        asked_in(config.questionnaire, lang, keys),
        languages_for(lang),
        our_mail_text(config, label["replying_to"], lang),
        name_words(msg.from_name, msg.from_email),
    )


def run_guest(config: Config, items: Iterable[Any]) -> list[Verdict]:
    out = []
    for case in items:
        grade, why = grade_guest(case.label, read_guest(config, case))
        out.append(Verdict(case.name, grade, why))
    return out


# --- manager replies -------------------------------------------------------------------------

_COMMAND_OF = {mr.ACCEPT: "accept", mr.PROPOSE: "propose", mr.DECLINE: "decline"}


def grade_manager(label: dict[str, Any], reply: mr.ManagerReply) -> tuple[str, str]:
    expect = label["expect"]
    got = "clarify" if reply.command == mr.UNCLEAR else reply.command
    # What the worker does with the reading (meeting_flow.decide_manager_mail): before a
    # meeting, a cancel declines; once booked, only a cancel cancels and a decline is asked.
    if label["state"] == "scheduled" and got == "decline":
        got = "clarify"
    if label["state"] == "awaiting_manager" and got == "cancel":
        got = "decline"
    if got == "clarify":
        return (RIGHT, "") if expect == "clarify" else (SAFE, f"asked (expected {expect})")
    if got != expect:
        return WRONG, f"read as {got}, expected {expect}"
    if expect in ("accept", "propose"):
        want = sorted(datetime.fromisoformat(s).astimezone(UTC) for s in label["slots"])
        have = sorted(s.astimezone(UTC) for s in reply.slots)
        if want != have:
            return WRONG, f"times {[f'{s:%m-%d %H:%M}Z' for s in have]}, expected " + str(
                [f"{s:%m-%d %H:%M}Z" for s in want]
            )
    if expect == "delegate" and reply.delegate_to.lower() != label["delegate_to"].lower():
        return WRONG, f"handed to {reply.delegate_to or 'nobody'}"
    return RIGHT, ""


def read_manager(config: Config, case: Any) -> mr.ManagerReply:
    label = case.label
    assert config.managers is not None
    manager = next(m for m in config.managers.managers if m.name == label["manager"])
    msg = parse_message(case.raw)
    return read_manager_reply(
        config.managers,
        manager,
        msg,
        label["language"],
        label.get("offered", []),
        datetime.fromisoformat(label["sent"]),
    )


def run_manager(config: Config, items: Iterable[Any]) -> list[Verdict]:
    out = []
    for case in items:
        grade, why = grade_manager(case.label, read_manager(config, case))
        out.append(Verdict(case.name, grade, why))
    return out


# --- first contact ---------------------------------------------------------------------------

SILENT_KINDS = {"sales", "press", "notification", "other"}


def grade_first(expect: str, outcome: str) -> tuple[str, str]:
    """``outcome``: questionnaire, application, held, or silent:<why> (no mail)."""
    if outcome == "held":
        return SAFE, f"held for an admin (expected {expect})"
    if expect == "request":
        return (RIGHT, "") if outcome == "questionnaire" else (WRONG, f"{outcome} for a request")
    if expect == "application":
        if outcome == "application":
            return RIGHT, ""
        if outcome.startswith("silent"):
            return SAFE, f"{outcome} (no note on where applications go)"
        return WRONG, f"{outcome} for an application"
    if not outcome.startswith("silent"):
        return WRONG, f"{outcome} sent for {expect}"
    said = outcome.partition(":")[2]
    machine = said not in SILENT_KINDS
    if said == expect or (expect == "notification" and machine):
        return RIGHT, ""
    return SAFE, f"silent as {said} (expected {expect})"


def _delivered(raw: bytes) -> bytes:
    """The mail as the final MTA stores it: a Return-Path from the From address if none."""
    if raw.lower().startswith(b"return-path:") or b"\nreturn-path:" in raw.lower():
        return raw
    sender = parse_message(raw).from_email or parseaddr("")[1]
    return f"Return-Path: <{sender}>\r\n".encode() + raw


def _batches(items: list[Any]) -> list[list[Any]]:
    """Cases split so no batch holds two mails from one sender or with one Message-ID (in one
    pass they would meet as one guest's thread or as a duplicate)."""
    batches: list[tuple[set[str], list[Any]]] = []
    for case in items:
        msg = parse_message(case.raw)
        marks = {f"from:{msg.from_email.lower()}", f"id:{msg.message_id}"}
        for seen, batch in batches:
            if not seen & marks:
                seen |= marks
                batch.append(case)
                break
        else:
            batches.append((set(marks), [case]))
    return [batch for _, batch in batches]


def first_outcomes(items: list[Any], now: datetime) -> dict[str, str]:
    """Each case's outcome after one real worker pass over its batch."""
    result: dict[str, str] = {}
    for batch in _batches(items):
        with tempfile.TemporaryDirectory() as tmp:
            config = maildir_config(
                Path(tmp), limits={"global_per_minute": 100_000, "inbound_per_sender": [50, 500]}
            )
            inbox = open_inbox(config.settings.inbox)
            for case in batch:
                inbox.append(_delivered(case.raw))
            inbox.close()
            one_pass(config, now)
            result |= _read_outcomes(config, batch)
    return result


def _read_outcomes(config: Config, batch: list[Any]) -> dict[str, str]:
    by_id = {m.message_id: m for m in messages(config)}
    state = {t.id: t.state for t in threads(config)}
    kinds: dict[int | None, list[str]] = {}
    for row in outbox_rows(config):
        kinds.setdefault(row.thread_id, []).append(row.kind)
    events = _intent_events(config)
    out = {}
    for case in batch:
        row = by_id.get(parse_message(case.raw).message_id)
        if row is None or row.thread_id is None:
            out[case.name] = "silent:machine"
            continue
        sent = kinds.get(row.thread_id, [])
        if "questionnaire" in sent or state[row.thread_id] == "matching":
            out[case.name] = "questionnaire"
        elif "not_request" in sent:
            out[case.name] = "application"
        elif sent:
            out[case.name] = "+".join(sent)
        elif state[row.thread_id] == "needs_human":
            out[case.name] = "held"
        else:
            out[case.name] = "silent:" + events.get(row.thread_id, "?")
    return out


def _intent_events(config: Config) -> dict[int, str]:
    """thread id -> the category its not_request event names ("not answered: sales, ...")."""
    from harness import events

    found = {}
    for thread in threads(config):
        assert thread.id is not None
        for what, detail in events(config, thread.id):
            if what == "not_request" and "not answered: " in detail:
                found[thread.id] = detail.split("not answered: ", 1)[1].split(",", 1)[0]
    return found


def run_first(config: Config, items: Iterable[Any]) -> list[Verdict]:
    listed = list(items)
    outcomes = first_outcomes(listed, datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    out = []
    for case in listed:
        grade, why = grade_first(case.label["expect"], outcomes[case.name])
        out.append(Verdict(case.name, grade, why))
    return out


# --- availability: when a guest says they are free --------------------------------------------

_WEEK = datetime(2026, 11, 30)  # the Monday of the week the labels name


def _slot(text: str, zone: str) -> datetime:
    day, _, clock = text.partition(" ")
    hour, minute = (int(x) for x in clock.split(":"))
    local = _WEEK + timedelta(days=cases._SLOT_WORDS.index(day), hours=hour, minutes=minute)
    return local.replace(tzinfo=ZoneInfo(zone))


def grade_availability(case: dict[str, Any]) -> tuple[str, str]:
    """RIGHT: the reading keeps every time the guest named and none they ruled out (or limits
    nothing when they said nothing usable); SAFE: it limits nothing though they said something
    (the brief then offers any free time); WRONG: it excludes a time they named or keeps one
    they ruled out, which would steer the manager to the wrong times."""
    wanted = read_availability(case["text"], case["zone"])
    if wanted is None:
        return (SAFE, "limits nothing") if case["limits"] else (RIGHT, "")
    lost = [t for t in case.get("fits", []) if not wanted.fits(_slot(t, case["zone"]), 30)]
    kept = [t for t in case.get("misses", []) if wanted.fits(_slot(t, case["zone"]), 30)]
    if lost or kept:
        return WRONG, f"excludes {lost} / keeps {kept} (read {wanted.windows})"
    return RIGHT, ""


def run_availability(config: Config, items: Iterable[Any]) -> list[Verdict]:
    return [Verdict(c["name"], *grade_availability(c)) for c in items]


# --- the report ------------------------------------------------------------------------------

PARTS: dict[str, Callable[[Config, Iterable[Any]], list[Verdict]]] = {
    "guest": run_guest,
    "manager": run_manager,
    "first": run_first,
    "availability": run_availability,
}
BARS = {"guest": 0.9, "manager": 0.8, "first": 0.0, "availability": 0.0}


def score(part: str) -> list[Verdict]:
    config = load_config(Path("config/mailagent.toml"))
    items = cases.load_availability() if part == "availability" else cases.load(part)
    return PARTS[part](config, items)


def summary(part: str, verdicts: list[Verdict]) -> str:
    tally = Counter(v.grade for v in verdicts)
    n = len(verdicts) or 1
    bar = f", RIGHT bar {BARS[part]:.0%}" if BARS[part] else ""
    return (
        f"{part:<8} {len(verdicts):>4} cases  RIGHT {tally[RIGHT]:>4} ({tally[RIGHT] / n:6.1%})"
        f"  SAFE {tally[SAFE]:>4}  WRONG {tally[WRONG]:>3}   (WRONG bar 0{bar})"
    )


def main(argv: list[str]) -> int:
    show = "--show" in argv
    parts = [a for a in argv if not a.startswith("--")] or list(PARTS)
    start = datetime.now(UTC)
    lines = []
    for part in parts:
        verdicts = score(part)
        if show:
            for v in verdicts:
                if v.grade != RIGHT:
                    print(f"{v.grade:<5} {part}/{v.name}: {v.why}")
        lines.append(summary(part, verdicts))
    print()
    print("\n".join(lines))
    print(f"({(datetime.now(UTC) - start) / timedelta(seconds=1):.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
