"""Choosing the manager for a guest (mailagent.routing): expertise, language, quota, absences,
who was already asked, and fair turns among equals, with the reason written down."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import pytest

from mailagent.core.managers import Absence, Manager
from mailagent.core.routing import matched_tags, route

# A Tuesday in the middle of November 2026.
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def manager(
    name: str,
    *,
    expertise: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
    timezone: str = "UTC",
    quota: int = 2,
    absences: tuple[Absence, ...] = (),
    active: bool = True,
) -> Manager:
    return Manager(
        name=name,
        addresses=(name.lower().replace(" ", ".") + "@firm.example",),
        expertise=expertise,
        languages=languages,
        timezone=timezone,
        monthly_quota=quota,
        absences=absences,
        active=active,
    )


ALEX = manager(
    "Alex Kim",
    expertise=("marketing", "social media", "communications"),
    languages=("en",),
    timezone="America/New_York",
)
JO = manager(
    "Jo Berger",
    expertise=("software", "data", "engineering"),
    languages=("de", "en"),
    timezone="Europe/Berlin",
)
SAM = manager(
    "Sam Lee",
    expertise=("logistics", "supply chain", "operations"),
    languages=("en", "de"),
    timezone="Europe/Berlin",
)
TEAM = (ALEX, JO, SAM)  # the expertise winner is never simply the first in the list
# Who is "next in turn" when nothing else decides: Jo was asked longest ago, Alex most recently.
TURNS = {
    "Jo Berger": datetime(2026, 11, 2, tzinfo=UTC),
    "Sam Lee": datetime(2026, 11, 5, tzinfo=UTC),
    "Alex Kim": datetime(2026, 11, 8, tzinfo=UTC),
}


def goals(text: str) -> dict[str, str]:
    return {"learn_goals": text}


@pytest.mark.parametrize(
    ("managers", "answers", "language", "load", "asked_before", "name", "reason", "skipped"),
    [
        pytest.param(
            TEAM,
            goals("I'd like to understand logistics at a large firm."),
            "en",
            {},
            (),
            "Sam Lee",
            "Sam Lee: expertise 'logistics', 1 of 2 this month",
            (),
            id="expertise match wins",
        ),
        pytest.param(
            TEAM,
            goals("How do global supply chains cope with delays?"),
            "en",
            {},
            (),
            "Sam Lee",
            "Sam Lee: expertise 'supply chain', 1 of 2 this month",
            (),
            id="a plural tag counts",
        ),
        pytest.param(
            TEAM,
            goals("I worked on metadata standards and softwareless kiosks."),
            "en",
            {},
            (),
            "Jo Berger",
            "Jo Berger: no expertise match; next in turn, 1 of 2 this month",
            (),
            id="tags match whole words only",
        ),
        pytest.param(
            TEAM,
            goals("Data engineering, and a little logistics."),
            "en",
            {},
            (),
            "Jo Berger",
            "Jo Berger: expertise 'data', 'engineering', 1 of 2 this month",
            (),
            id="more matching tags win",
        ),
        pytest.param(
            TEAM,
            goals("Logistics, please."),
            "en",
            {"Sam Lee": 1},
            (),
            "Sam Lee",
            "Sam Lee: expertise 'logistics', 2 of 2 this month",
            (),
            id="expertise wins over a lighter load",
        ),
        pytest.param(
            TEAM,
            goals("A career change, not sure where to."),
            "en",
            {"Alex Kim": 0, "Jo Berger": 1, "Sam Lee": 1},
            (),
            "Alex Kim",
            "Alex Kim: no expertise match; next in turn, 1 of 2 this month",
            (),
            id="without a match the lightest load wins before the turn order",
        ),
        pytest.param(
            TEAM,
            {"learn_goals": "A career change.", "give_back": "I know a lot about marketing."},
            "en",
            {},
            (),
            "Jo Berger",
            "Jo Berger: no expertise match; next in turn, 1 of 2 this month",
            (),
            id="give_back is not what the guest wants to talk about",
        ),
        pytest.param(
            TEAM,
            goals("Marketing and data."),
            "de",
            {},
            (),
            "Jo Berger",
            "Jo Berger: expertise 'data', 1 of 2 this month",
            (),
            id="a German guest goes to a German speaker",
        ),
        pytest.param(
            TEAM,
            goals("Logistics."),
            "fr",
            {},
            (),
            "Sam Lee",
            "Sam Lee: expertise 'logistics', 1 of 2 this month; "
            "nobody available speaks 'fr', so in 'en'",
            (),
            id="nobody speaks the language: default language, and the reason says so",
        ),
        pytest.param(
            (ALEX, JO),
            goals("Data."),
            "de",
            {"Jo Berger": 2},
            (),
            "Alex Kim",
            "Alex Kim: no expertise match; next in turn, 1 of 2 this month; "
            "nobody available speaks 'de', so in 'en'",
            ("Jo Berger: at quota (2 of 2 this month)",),
            id="the only German speaker at quota: default language",
        ),
        pytest.param(
            TEAM,
            goals("Logistics."),
            "en",
            {"Sam Lee": 2},
            (),
            "Jo Berger",
            "Jo Berger: no expertise match; next in turn, 1 of 2 this month",
            ("Sam Lee: at quota (2 of 2 this month)",),
            id="a manager at quota is skipped",
        ),
        pytest.param(
            (ALEX, JO, manager("Sam Lee", expertise=("logistics",), active=False)),
            goals("Logistics."),
            "en",
            {},
            (),
            "Jo Berger",
            "Jo Berger: no expertise match; next in turn, 1 of 2 this month",
            ("Sam Lee: inactive",),
            id="an inactive manager is skipped",
        ),
        pytest.param(
            TEAM,
            goals("Logistics."),
            "en",
            {},
            ("Sam Lee",),
            "Jo Berger",
            "Jo Berger: no expertise match; next in turn, 1 of 2 this month",
            ("Sam Lee: already asked in this conversation",),
            id="re-route after a decline picks the next one",
        ),
        pytest.param(
            TEAM,
            goals("Logistics."),
            "en",
            {},
            ("Sam Lee", "Jo Berger"),
            "Alex Kim",
            "Alex Kim: no expertise match; next in turn, 1 of 2 this month",
            (
                "Jo Berger: already asked in this conversation",
                "Sam Lee: already asked in this conversation",
            ),
            id="second re-route after a timeout",
        ),
    ],
)
def test_route_chooses(
    managers: tuple[Manager, ...],
    answers: Mapping[str, str],
    language: str,
    load: Mapping[str, int],
    asked_before: tuple[str, ...],
    name: str,
    reason: str,
    skipped: tuple[str, ...],
) -> None:
    chosen = route(managers, answers, language, NOW, load, TURNS, asked_before, "en")
    assert chosen.manager is not None
    assert chosen.manager.name == name
    assert chosen.reason == reason
    assert chosen.skipped == skipped


@pytest.mark.parametrize(
    ("managers", "language", "load", "asked_before", "reason", "skipped"),
    [
        pytest.param(
            TEAM,
            "en",
            {"Alex Kim": 2, "Jo Berger": 2, "Sam Lee": 3},
            (),
            "no manager available",
            (
                "Alex Kim: at quota (2 of 2 this month)",
                "Jo Berger: at quota (2 of 2 this month)",
                "Sam Lee: at quota (3 of 2 this month)",
            ),
            id="everyone at quota",
        ),
        pytest.param(
            TEAM,
            "en",
            {},
            ("Alex Kim", "Jo Berger", "Sam Lee"),
            "no manager available",
            (
                "Alex Kim: already asked in this conversation",
                "Jo Berger: already asked in this conversation",
                "Sam Lee: already asked in this conversation",
            ),
            id="everyone already asked",
        ),
        pytest.param(
            (),
            "en",
            {},
            (),
            "no manager available",
            (),
            id="no managers configured",
        ),
        pytest.param(
            (manager("Jo Berger", languages=("de",)),),
            "fr",
            {},
            (),
            "no available manager speaks 'fr'",
            ("Jo Berger: does not speak 'fr'",),
            id="nobody speaks the language nor the default",
        ),
        pytest.param(
            (manager("Jo Berger", languages=("de",)),),
            "en",
            {},
            (),
            "no available manager speaks 'en'",
            ("Jo Berger: does not speak 'en'",),
            id="nobody speaks the default language itself",
        ),
    ],
)
def test_route_finds_nobody(
    managers: tuple[Manager, ...],
    language: str,
    load: Mapping[str, int],
    asked_before: tuple[str, ...],
    reason: str,
    skipped: tuple[str, ...],
) -> None:
    chosen = route(managers, goals("Logistics."), language, NOW, load, {}, asked_before, "en")
    assert chosen.manager is None
    assert chosen.reason == reason
    assert chosen.skipped == skipped


HOLIDAYS = (Absence(start=date(2026, 12, 21), end=date(2027, 1, 4), note="holidays"),)


@pytest.mark.parametrize(
    ("timezone", "now", "absent"),
    [
        # New York is UTC-5 in winter: its day starts at 05:00 UTC.
        pytest.param(
            "America/New_York",
            datetime(2026, 12, 21, 4, 59, tzinfo=UTC),
            False,
            id="NY evening before the first day",
        ),
        pytest.param(
            "America/New_York",
            datetime(2026, 12, 21, 5, 0, tzinfo=UTC),
            True,
            id="NY midnight of the first day",
        ),
        pytest.param(
            "America/New_York",
            datetime(2027, 1, 5, 4, 59, tzinfo=UTC),
            True,
            id="NY last minute of the last day (inclusive)",
        ),
        pytest.param(
            "America/New_York",
            datetime(2027, 1, 5, 5, 0, tzinfo=UTC),
            False,
            id="NY the day after the absence",
        ),
        # Berlin is UTC+1 in winter: its day starts at 23:00 UTC the day before.
        pytest.param(
            "Europe/Berlin",
            datetime(2026, 12, 20, 22, 59, tzinfo=UTC),
            False,
            id="Berlin evening before the first day",
        ),
        pytest.param(
            "Europe/Berlin",
            datetime(2026, 12, 20, 23, 0, tzinfo=UTC),
            True,
            id="Berlin first day already, still the 20th in UTC",
        ),
        pytest.param(
            "Europe/Berlin",
            datetime(2027, 1, 4, 22, 59, tzinfo=UTC),
            True,
            id="Berlin last day (inclusive)",
        ),
        pytest.param(
            "Europe/Berlin",
            datetime(2027, 1, 4, 23, 0, tzinfo=UTC),
            False,
            id="Berlin back the day after, still the 4th in UTC",
        ),
    ],
)
def test_absence_counts_in_the_managers_zone(timezone: str, now: datetime, absent: bool) -> None:
    away = manager("Alex Kim", timezone=timezone, absences=HOLIDAYS)
    present = manager("Robin Roe")
    chosen = route((away, present), goals("Anything."), "en", now, {"Robin Roe": 1}, {})
    assert chosen.manager is not None
    if absent:
        assert chosen.manager.name == "Robin Roe"
        assert chosen.skipped == ("Alex Kim: absent until 2027-01-04",)
    else:
        # Alex has the lighter load, so Alex is chosen whenever Alex is there.
        assert chosen.manager.name == "Alex Kim"
        assert chosen.skipped == ()


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        pytest.param("Logistics and operations", ["logistics", "operations"], id="two tags"),
        pytest.param("a LOGISTICS career", ["logistics"], id="any case"),
        pytest.param("supply chains", ["supply chain"], id="plural s of a two-word tag"),
        pytest.param("one operation", ["operations"], id="singular of a plural tag"),
        pytest.param("logisticsx and preoperations", [], id="not inside other words"),
        pytest.param("", [], id="empty text"),
    ],
)
def test_matched_tags(text: str, tags: list[str]) -> None:
    assert matched_tags(SAM, text) == tags


@pytest.mark.parametrize("tag", ["business", "process", "access"])
def test_a_tag_ending_in_double_s_matches_itself(tag: str) -> None:
    m = manager("Kai Ito", expertise=(tag,))
    assert matched_tags(m, f"I want to learn about {tag} at scale") == [tag]
    assert matched_tags(m, f"many {tag}es") == [tag]


def test_answers_without_topic_keys_still_match_expertise() -> None:
    chosen = route(TEAM, {"interests": "Logistics, mostly."}, "en", NOW, {}, TURNS)
    assert chosen.manager is not None
    assert chosen.reason == "Sam Lee: expertise 'logistics', 1 of 2 this month"


def _simulate(
    managers: tuple[Manager, ...], requests: int, start: datetime, every: timedelta
) -> list[str]:
    """Route ``requests`` guests one after another, feeding the choice back as the database
    would (the month's load and when each manager was last asked)."""
    load: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    chosen: list[str] = []
    for i in range(requests):
        now = start + i * every
        result = route(managers, goals("Finance, I think."), "en", now, load, last)
        assert result.manager is not None, f"request {i + 1}: {result.reason}"
        name = result.manager.name
        quota = result.manager.monthly_quota
        assert result.reason.endswith(f", {load[name] + 1} of {quota} this month")
        load[name] += 1
        last[name] = now
        chosen.append(name)
    return chosen


def test_equal_managers_take_turns_over_a_month() -> None:
    equals = tuple(
        manager(n, expertise=("finance",), quota=20) for n in ("Ann Ode", "Ben Eck", "Cy Ma")
    )
    # 40 requests across November, one every 17 hours.
    chosen = _simulate(equals, 40, datetime(2026, 11, 1, 8, tzinfo=UTC), timedelta(hours=17))
    counts = Counter(chosen)
    assert set(counts) == {"Ann Ode", "Ben Eck", "Cy Ma"}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 40
    for i in range(1, len(chosen)):
        assert chosen[i] != chosen[i - 1], f"request {i + 1} went to {chosen[i]} twice in a row"
    # Stronger: every three consecutive requests reach all three managers.
    for i in range(len(chosen) - 2):
        assert len(set(chosen[i : i + 3])) == 3, chosen[i : i + 3]


def test_quota_runs_out_then_nobody() -> None:
    pair = (manager("Ann Ode"), manager("Ben Eck"))  # quota 2 each
    chosen = _simulate(pair, 4, datetime(2026, 11, 2, 8, tzinfo=UTC), timedelta(days=1))
    assert Counter(chosen) == {"Ann Ode": 2, "Ben Eck": 2}
    fifth = route(pair, goals("x"), "en", NOW, {"Ann Ode": 2, "Ben Eck": 2}, {})
    assert fifth.manager is None
    assert fifth.skipped == (
        "Ann Ode: at quota (2 of 2 this month)",
        "Ben Eck: at quota (2 of 2 this month)",
    )


def test_a_newcomer_catches_up_before_turns_resume() -> None:
    """A manager with fewer conversations this month gets the next ones, even when asked
    more recently than the others."""
    team = tuple(manager(n, quota=10) for n in ("Ann Ode", "Ben Eck", "Cy Ma"))
    load = {"Ann Ode": 3, "Ben Eck": 3, "Cy Ma": 1}
    last = {
        "Ann Ode": datetime(2026, 11, 3, tzinfo=UTC),
        "Ben Eck": datetime(2026, 11, 4, tzinfo=UTC),
        "Cy Ma": datetime(2026, 11, 9, tzinfo=UTC),
    }
    picks = []
    for i in range(4):
        now = NOW + timedelta(hours=i)
        result = route(team, goals("x"), "en", now, load, last)
        assert result.manager is not None
        picks.append(result.manager.name)
        load[result.manager.name] += 1
        last[result.manager.name] = now
    assert picks == ["Cy Ma", "Cy Ma", "Ann Ode", "Ben Eck"]
