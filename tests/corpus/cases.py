"""Load and check the labelled corpus (stdlib only, so it runs anywhere).

    python3 tests/corpus/cases.py            # check every case, print counts per part
    python3 tests/corpus/cases.py guest/x    # check some cases (stems, with or without suffix)

A case is NAME.eml (the message as sent) plus NAME.toml (its label); see README.md here.
"""

from __future__ import annotations

import contextlib
import sys
import tomllib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PARTS = ("guest", "manager", "first")
KEYS = ("background", "learn_goals", "questions_for_us", "give_back", "availability")
CLIENTS = {
    "outlook-win",
    "outlook-mac",
    "outlook-web",
    "gmail-web",
    "gmail-android",
    "apple-mail",
    "iphone",
    "android",
    "thunderbird",
    "other",
}
MANAGERS = {
    "Sam Lee": "sam.lee@firm.example",
    "Jo Berger": "jo.berger@firm.example",
    "Alex Kim": "alex.kim@firm.example",
}
MANAGER_EXPECT = {"accept", "propose", "decline", "delegate", "cancel", "clarify"}
FIRST_EXPECT = {"request", "application", "sales", "press", "notification", "other"}


@dataclass(frozen=True)
class Case:
    part: str
    name: str
    raw: bytes
    label: dict[str, Any]


AVAILABILITY = HERE / "availability.toml"
_SLOT_WORDS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def load_availability() -> list[dict[str, Any]]:
    """The labelled availability answers (availability.toml); ValueError naming a bad one."""
    found = tomllib.loads(AVAILABILITY.read_text(encoding="utf-8"))["cases"]
    for case in found:
        problems = [k for k in ("name", "language", "zone", "text", "limits") if k not in case]
        for slot in [*case.get("fits", []), *case.get("misses", [])]:
            day, _, clock = slot.partition(" ")
            if day not in _SLOT_WORDS or len(clock) != 5 or clock[2] != ":":
                problems.append(f"slot {slot!r}")
        if problems:
            raise ValueError(f"availability {case.get('name', '?')}: {', '.join(problems)}")
    return found


def load(part: str) -> list[Case]:
    """Every case of ``part``, sorted by name; raises ValueError naming a malformed one."""
    folder = HERE / part
    cases = []
    for label_path in sorted(folder.glob("*.toml")):
        cases.append(load_one(part, label_path.stem))
    return cases


def load_one(part: str, name: str) -> Case:
    folder = HERE / part
    eml, toml = folder / f"{name}.eml", folder / f"{name}.toml"
    if not eml.exists():
        raise ValueError(f"{part}/{name}: no {eml.name}")
    try:
        label = tomllib.loads(toml.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{part}/{name}.toml: {exc}") from exc
    case = Case(part, name, eml.read_bytes(), label)
    problems = check(case)
    if problems:
        raise ValueError(f"{part}/{name}: " + "; ".join(problems))
    return case


def check(case: Case) -> list[str]:
    label, problems = case.label, []
    if label.get("client") not in CLIENTS:
        problems.append(f"client {label.get('client')!r} not one of {sorted(CLIENTS)}")
    if label.get("language") not in ("en", "de"):
        problems.append("language must be en or de")
    msg = BytesParser(policy=policy.default).parsebytes(case.raw)
    for header in ("From", "Date", "Message-ID", "Subject"):
        if msg[header] is None:
            problems.append(f"the .eml has no {header} header")
    text = _all_text(msg)
    problems += {"guest": _check_guest, "manager": _check_manager, "first": _check_first}[
        case.part
    ](label, text)
    return problems


def _all_text(msg: Any) -> str:
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            with contextlib.suppress(LookupError, ValueError):
                parts.append(part.get_content())
    return "\n".join(parts)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def _check_guest(label: dict[str, Any], text: str) -> list[str]:
    problems = []
    if label.get("thread_language") not in ("en", "de"):
        problems.append("thread_language must be en or de")
    if label.get("replying_to") not in ("questionnaire", "reask"):
        problems.append("replying_to must be questionnaire or reask")
    asked = label.get("asked")
    if not isinstance(asked, list) or not asked or not set(asked) <= {1, 2, 3, 4, 5}:
        problems.append("asked must be a non-empty list of numbers 1-5")
        asked = []
    if not isinstance(label.get("forbid", []), list):
        problems.append("forbid must be a list of strings")
    answers = label.get("answers", {})
    if not isinstance(answers, dict):
        return [*problems, "[answers] must be a table"]
    for key, phrase in answers.items():
        if key not in KEYS:
            problems.append(f"answers key {key!r} not one of {KEYS}")
        elif KEYS.index(key) + 1 not in asked:
            problems.append(f"answers.{key}: question {KEYS.index(key) + 1} was not asked")
        if not isinstance(phrase, str) or len(phrase) < 6:
            problems.append(f"answers.{key}: give a phrase of 6+ characters")
        elif _norm(phrase) not in _norm(text):
            problems.append(f"answers.{key}: {phrase!r} is not in the mail's text")
    return problems


def _when(value: Any, what: str, problems: list[str]) -> None:
    try:
        if datetime.fromisoformat(value).tzinfo is None:
            problems.append(f"{what} needs a UTC offset")
    except (TypeError, ValueError):
        problems.append(f"{what} {value!r} is not an ISO 8601 time")


def _check_manager(label: dict[str, Any], text: str) -> list[str]:
    problems: list[str] = []
    if label.get("manager") not in MANAGERS:
        problems.append(f"manager must be one of {sorted(MANAGERS)}")
    if label.get("state") not in ("awaiting_manager", "scheduled"):
        problems.append("state must be awaiting_manager or scheduled")
    _when(label.get("sent"), "sent", problems)
    for i, when in enumerate(label.get("offered", [])):
        _when(when, f"offered[{i}]", problems)
    if label.get("state") == "scheduled":
        _when(label.get("meeting"), "meeting", problems)
    expect = label.get("expect")
    if expect not in MANAGER_EXPECT:
        problems.append(f"expect must be one of {sorted(MANAGER_EXPECT)}")
    slots = label.get("slots", [])
    for i, when in enumerate(slots):
        _when(when, f"slots[{i}]", problems)
    if expect == "accept" and len(slots) != 1:
        problems.append("accept needs exactly one slot")
    if expect == "propose" and len(slots) < 2:
        problems.append("propose needs two or more slots")
    if expect not in ("accept", "propose") and slots:
        problems.append("only accept and propose have slots")
    if expect == "delegate" and label.get("delegate_to") not in MANAGERS.values():
        problems.append("delegate needs delegate_to, a colleague's address")
    return problems


def _check_first(label: dict[str, Any], text: str) -> list[str]:
    if label.get("expect") not in FIRST_EXPECT:
        return [f"expect must be one of {sorted(FIRST_EXPECT)}"]
    return []


def main(argv: list[str]) -> int:
    failed = 0
    if argv:
        for arg in argv:
            part, name = Path(arg.removesuffix(".toml").removesuffix(".eml")).parts[-2:]
            try:
                load_one(part, name)
            except ValueError as exc:
                print(exc)
                failed += 1
        print("ok" if not failed else f"{failed} malformed")
        return 1 if failed else 0
    for part in PARTS:
        count = 0
        for label_path in sorted((HERE / part).glob("*.toml")):
            try:
                load_one(part, label_path.stem)
                count += 1
            except ValueError as exc:
                print(exc)
                failed += 1
        print(f"{part}: {count} cases")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
