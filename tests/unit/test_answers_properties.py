"""The answer reader never raises and only ever returns keys it was asked about."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailagent.core.answers import Asked, extract, extract_labeled, signature_name

ASKED = [
    Asked("background", "Who are you? Your current field and your experience so far.", ("work",)),
    Asked("learn_goals", "What do you hope to learn?", ("learn",)),
    Asked("availability", "Which days and times suit you?", ("monday", "cet")),
]
KEYS = {a.key for a in ASKED}
LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "> 1. Who are you? Your current field and your experience so far.",
            "> What do you hope to learn?",
            "1. I work in retail.",
            "2)",
            "Q3: Monday, CET",
            "Background: retail",
            "On Tue, 24 Nov 2026 at 10:00, Example Firm <interviews@firm.example> wrote:",
            "-----Original Message-----",
            "Best,",
            "--",
            "",
        ]
    ),
)
MAILS = st.lists(LINES, max_size=30).map("\n".join)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(MAILS)
def test_extract_never_raises_and_returns_known_keys(text: str) -> None:
    for found in (
        extract(text, ASKED),
        extract(text, ASKED, ("de", "en")),
        extract_labeled(text, ASKED),
    ):
        assert set(found) <= KEYS
        assert all(isinstance(v, str) and v.strip() for v in found.values())
    assert isinstance(signature_name(text), str)
