import re

import pytest

from lambda_durable import Duration, JitterStrategy, RetryStrategy


def test_duration_constructors_use_whole_seconds() -> None:
    assert Duration.minutes(1).total_seconds == 60
    assert Duration.hours(1).total_seconds == 3600
    assert Duration.days(2).total_seconds == 172_800


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_duration_rejects_negative_or_fractional(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        Duration(bad)  # type: ignore[arg-type]


def test_exponential_backoff_without_jitter() -> None:
    strategy = RetryStrategy(
        max_attempts=4, initial_delay=Duration(2), backoff_rate=3, jitter=JitterStrategy.NONE
    )
    delays = [strategy(RuntimeError("x"), attempt).delay.total_seconds for attempt in (1, 2, 3)]
    assert delays == [2, 6, 18]
    assert not strategy(RuntimeError("x"), 4).should_retry


def test_max_delay_caps_the_backoff() -> None:
    strategy = RetryStrategy(
        max_attempts=10, initial_delay=Duration(10), max_delay=Duration(15), jitter=JitterStrategy.NONE
    )
    assert strategy(RuntimeError(), 5).delay == Duration(15)


def test_full_jitter_stays_within_the_base_and_at_least_one_second() -> None:
    strategy = RetryStrategy.default()
    for _ in range(200):
        first = strategy(RuntimeError(), 1)
        assert first.should_retry and 1 <= first.delay.total_seconds <= 5
        second = strategy(RuntimeError(), 2)
        assert 1 <= second.delay.total_seconds <= 10


def test_half_jitter_keeps_at_least_half() -> None:
    strategy = RetryStrategy(initial_delay=Duration(10), jitter=JitterStrategy.HALF)
    for _ in range(200):
        assert 5 <= strategy(RuntimeError(), 1).delay.total_seconds <= 10


class Transient(Exception):
    pass


def test_error_filters_by_type_and_message() -> None:
    by_type = RetryStrategy(retryable_error_types=(Transient,))
    assert by_type(Transient("x"), 1).should_retry
    assert not by_type(ValueError("x"), 1).should_retry
    by_message = RetryStrategy(retryable_errors=("throttled", re.compile(r"5\d\d")))
    assert by_message(RuntimeError("request throttled"), 1).should_retry
    assert by_message(RuntimeError("got 503"), 1).should_retry
    assert not by_message(RuntimeError("bad input"), 1).should_retry


def test_presets() -> None:
    assert not RetryStrategy.none()(RuntimeError(), 1).should_retry
    fixed = RetryStrategy.fixed(Duration(7), max_attempts=3)
    assert [fixed(RuntimeError(), n).delay.total_seconds for n in (1, 2)] == [7, 7]
    assert not fixed(RuntimeError(), 3).should_retry
    assert RetryStrategy.default().max_attempts == 6
