"""How well intent.judge and answers.extract read realistic guest mails.

Reads every case in tests/fixtures/guest_mails (one .eml per case, expectations in expected.toml)
and prints, per case, what was missed, then the accuracy per client style. The same scoring is
asserted by tests/unit/test_guest_mail_table.py.

    .venv/bin/python bench/extraction_accuracy.py
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "guest_mails"

from mailagent.config.loading import load_config  # noqa: E402
from mailagent.core.answers import Asked, extract, split_reply  # noqa: E402
from mailagent.core.intent import category_from, judge  # noqa: E402
from mailagent.core.parse import parse_message  # noqa: E402
from mailagent.core.reply_text import name_words  # noqa: E402
from mailagent.service.questions import asked_in, languages_for  # noqa: E402


@dataclass
class Result:
    name: str
    client: str
    kind: str
    language: str
    expected: str = ""  # intent expected (first mails)
    got: str = ""  # intent judged (first mails)
    correct: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # key absent
    misplaced: list[str] = field(default_factory=list)  # key present, text not its answer
    swapped: list[str] = field(default_factory=list)  # "key->other": answer landed elsewhere
    extra: list[str] = field(default_factory=list)  # keys the guest did not answer
    unknown: list[str] = field(default_factory=list)  # keys not in the questionnaire


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def categories() -> tuple[Any, ...]:
    data = tomllib.loads((REPO / "config" / "intent.toml").read_text(encoding="utf-8"))
    return tuple(category_from(c) for c in data["categories"])


def asked_by_language() -> dict[str, list[Asked]]:
    here = Path.cwd()
    os.chdir(REPO)
    try:
        questionnaire = load_config(Path("config/mailagent.toml")).questionnaire
    finally:
        os.chdir(here)
    # The questions exactly as the worker builds them (numbers, labels in every language).
    return {lang: asked_in(questionnaire, lang, set(questionnaire.keys)) for lang in ("en", "de")}


def load_cases() -> dict[str, dict]:
    return tomllib.loads((FIXTURES / "expected.toml").read_text(encoding="utf-8"))


def score_case(name: str, case: dict, cats, asked: dict[str, list[Asked]]) -> Result:
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    msg = parse_message(raw)
    lang = case["language"]
    res = Result(name, case["client"], case["kind"], lang)
    if case["kind"] == "first":
        own_text = split_reply(msg.text, (lang, "en"))[0]  # as intake does: the guest's own text
        res.expected = case["intent"]
        res.got = judge(msg.subject, own_text, msg.attachments, cats).category
        return res
    questions = asked[lang]
    known = {q.key for q in questions}
    found = extract(
        msg.text, questions, languages_for(lang), names=name_words(msg.from_name, msg.from_email)
    )
    res.unknown = sorted(set(found) - known)
    expected: dict[str, str] = case.get("answers", {})
    res.extra = sorted(set(found) - set(expected) - set(res.unknown))
    for key, needle in expected.items():
        if key in found and _norm(needle) in _norm(found[key]):
            res.correct.append(key)
            continue
        (res.misplaced if key in found else res.missing).append(key)
        elsewhere = [k for k, v in found.items() if k != key and _norm(needle) in _norm(v)]
        res.swapped.extend(f"{key}->{k}" for k in elsewhere)
    return res


def score_all() -> list[Result]:
    cats, asked = categories(), asked_by_language()
    return [score_case(name, case, cats, asked) for name, case in load_cases().items()]


@dataclass
class Tally:
    intent_ok: int = 0
    intent_n: int = 0
    keys_ok: int = 0
    keys_n: int = 0

    def add(self, r: Result) -> None:
        if r.kind == "first":
            self.intent_n += 1
            self.intent_ok += r.expected == r.got
        else:
            self.keys_n += len(r.correct) + len(r.missing) + len(r.misplaced)
            self.keys_ok += len(r.correct)

    @staticmethod
    def _pct(ok: int, n: int) -> str:
        return f"{ok:>3}/{n:<3} {ok / n:6.1%}" if n else f"{'-':>15}"

    def row(self, label: str) -> str:
        intent = self._pct(self.intent_ok, self.intent_n)
        keys = self._pct(self.keys_ok, self.keys_n)
        return f"{label:<18} {intent}   {keys}"


def tallies(results: list[Result], by: str = "client") -> dict[str, Tally]:
    out: dict[str, Tally] = defaultdict(Tally)
    for r in results:
        out[getattr(r, by)].add(r)
        out["ALL"].add(r)
    return dict(out)


def table(results: list[Result]) -> str:
    lines = [f"{'':<18} {'intent':>15}   {'answer keys':>15}"]
    for by in ("client", "language"):
        t = tallies(results, by)
        lines += [t[k].row(k) for k in sorted(t) if k != "ALL"]
        lines.append("")
    lines.append(tallies(results)["ALL"].row("ALL"))
    return "\n".join(lines)


def describe(r: Result) -> str:
    if r.kind == "first":
        mark = "ok " if r.got == r.expected else "BAD"
        return f"{mark} {r.name:<42} intent {r.got} (expected {r.expected})"
    n = len(r.correct) + len(r.missing) + len(r.misplaced)
    mark = "ok " if len(r.correct) == n and not r.extra and not r.unknown else "BAD"
    notes = [f"{len(r.correct)}/{n}"]
    if r.missing:
        notes.append("missing " + ",".join(r.missing))
    if r.misplaced:
        notes.append("wrong text " + ",".join(r.misplaced))
    if r.swapped:
        notes.append("landed in " + ",".join(r.swapped))
    if r.extra:
        notes.append("unasked keys " + ",".join(r.extra))
    if r.unknown:
        notes.append("UNKNOWN keys " + ",".join(r.unknown))
    return f"{mark} {r.name:<42} " + "; ".join(notes)


def main() -> int:
    results = score_all()
    for r in results:
        print(describe(r))
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
