"""The labelled corpus (tests/corpus) is well formed, broad enough, and read through the
worker's own functions by bench/understanding.py. Every part holds its bar: WRONG = 0
everywhere, RIGHT >= 90% for guest answers and >= 80% for manager replies."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("understanding", REPO / "bench" / "understanding.py")
assert _SPEC is not None and _SPEC.loader is not None
bench = importlib.util.module_from_spec(_SPEC)
sys.modules["understanding"] = bench
_SPEC.loader.exec_module(bench)


def test_every_case_is_well_formed_and_the_parts_are_broad() -> None:
    loaded = {part: bench.cases.load(part) for part in bench.cases.PARTS}  # raises on a bad case
    assert len(loaded["guest"]) >= 150 and len(loaded["manager"]) >= 150
    assert len(loaded["first"]) >= 95
    for part, items in loaded.items():
        assert {c.label["language"] for c in items} == {"en", "de"}, part
        assert len({c.label["client"] for c in items}) >= 6, part
    assert set(Counter(c.label["expect"] for c in loaded["manager"])) == bench.cases.MANAGER_EXPECT
    assert set(Counter(c.label["expect"] for c in loaded["first"])) == bench.cases.FIRST_EXPECT


def test_manager_replies_are_never_read_wrong() -> None:
    verdicts = bench.score("manager")
    wrong = [f"{v.name}: {v.why}" for v in verdicts if v.grade == bench.WRONG]
    assert wrong == []
    right = sum(v.grade == bench.RIGHT for v in verdicts)
    assert right / len(verdicts) >= 0.8


def test_guest_answers_are_never_read_wrong() -> None:
    verdicts = bench.score("guest")
    wrong = [f"{v.name}: {v.why}" for v in verdicts if v.grade == bench.WRONG]
    assert wrong == []
    right = sum(v.grade == bench.RIGHT for v in verdicts)
    assert right / len(verdicts) >= 0.9


def test_first_mails_never_get_a_wrong_answer() -> None:
    verdicts = bench.score("first")
    wrong = [f"{v.name}: {v.why}" for v in verdicts if v.grade == bench.WRONG]
    assert wrong == []


def test_the_grading_tells_a_wrong_answer_from_a_question() -> None:
    label = {"answers": {"background": "eight years in retail"}, "forbid": ["Dana"]}
    assert bench.grade_guest(label, {"background": "I have eight years in retail."})[0] == "RIGHT"
    assert bench.grade_guest(label, {})[0] == "SAFE"
    assert bench.grade_guest(label, {"background": "eight years in retail. Dana"})[0] == "WRONG"
    assert bench.grade_guest(label, {"availability": "eight years in retail"})[0] == "WRONG"
    assert bench.grade_first("request", "held")[0] == "SAFE"
    assert bench.grade_first("sales", "questionnaire")[0] == "WRONG"
    assert bench.grade_first("request", "silent:sales")[0] == "WRONG"


def test_stated_availability_never_points_the_brief_at_the_wrong_times() -> None:
    items = bench.cases.load_availability()  # raises on a malformed case
    assert len(items) >= 60 and {c["language"] for c in items} == {"en", "de"}
    verdicts = bench.score("availability")
    wrong = [f"{v.name}: {v.why}" for v in verdicts if v.grade == bench.WRONG]
    assert wrong == []
    # Some plain answers are read; the rest limit nothing (SAFE), never the wrong way.
    assert sum(v.grade == bench.RIGHT for v in verdicts) >= 15
