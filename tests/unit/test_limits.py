"""Rate limits (mail-rules c) as a table: given earlier traffic, may this mail be written?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailagent.config.sections import LimitsSettings
from mailagent.core.limits import History, lookback, refusal

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIMITS = LimitsSettings()


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def history(**fields: object) -> History:
    base: dict[str, object] = {
        "to_recipient": (),
        "to_recipient_in_thread": (),
        "questionnaires_to_recipient": (),
        "inbound_from_recipient": (),
    }
    base.update(fields)
    return History(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "past", "expected"),
    [
        pytest.param("questionnaire", history(), None, id="first mail"),
        pytest.param(
            "questionnaire",
            history(questionnaires_to_recipient=(ago(days=3),)),
            "a questionnaire went to this address on 2026-11-22 12:00 UTC",
            id="second questionnaire within 7 days",
        ),
        pytest.param(
            "questionnaire",
            history(questionnaires_to_recipient=(ago(days=8),)),
            None,
            id="questionnaire after 8 days",
        ),
        pytest.param(
            "reask",
            history(questionnaires_to_recipient=(ago(days=1),)),
            None,
            id="other kinds ignore the questionnaire window",
        ),
        pytest.param(
            "reask",
            history(to_recipient_in_thread=[ago(minutes=m) for m in range(10)]),
            "10 mails to this address within 10 min in this thread",
            id="thread tier 10 per 10 min",
        ),
        pytest.param(
            "reask",
            history(to_recipient_in_thread=[ago(minutes=m) for m in range(9)]),
            None,
            id="9 in 10 min is fine",
        ),
        pytest.param(
            "reask",
            history(to_recipient=[ago(minutes=m / 2) for m in range(60)]),
            "60 mails to this address within 30 min in all threads",
            id="recipient tier 60 per 30 min (21 within 10 min is below 30)",
        ),
        pytest.param(
            "questionnaire",
            history(inbound_from_recipient=[ago(minutes=m) for m in range(21)]),
            "21 mails from this address within 120 min (limit 20)",
            id="inbound flood",
        ),
        pytest.param(
            "questionnaire",
            history(inbound_from_recipient=[ago(minutes=m) for m in range(20)]),
            None,
            id="20 inbound is not a flood",
        ),
        pytest.param(
            "questionnaire",
            history(suppressed="5.1.1 on 2026-11-20"),
            "address suppressed: 5.1.1 on 2026-11-20",
            id="bounced address",
        ),
    ],
)
def test_refusal(kind: str, past: History, expected: str | None) -> None:
    assert refusal(kind, past, LIMITS, NOW) == expected


def test_lookback_covers_the_longest_window() -> None:
    assert lookback(LIMITS) == timedelta(days=7)
    longer = LimitsSettings(questionnaire_window_days=1, per_recipient=((5, 3000),))
    assert lookback(longer) == timedelta(minutes=3000)
