"""SIGTERM/SIGINT: the first asks the worker to finish the message in hand, the second exits."""

from __future__ import annotations

import signal

import pytest

from mailagent.service.worker import StopFlag, _retry_delay


def test_first_signal_asks_to_stop_second_exits_at_once() -> None:
    stop = StopFlag()
    assert not stop()
    stop._handle(signal.SIGTERM, None)
    assert stop()
    with pytest.raises(SystemExit) as exit_info:
        stop._handle(signal.SIGINT, None)
    assert exit_info.value.code == 128 + signal.SIGINT


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [(1, 0.5, 1.0), (2, 1.0, 2.0), (5, 8.0, 16.0), (30, 150.0, 300.0)],
)
def test_retry_delay_grows_and_is_capped(failures: int, low: float, high: float) -> None:
    for _ in range(20):
        assert low <= _retry_delay(failures, cap=300) <= high
