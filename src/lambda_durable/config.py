"""Configuration values: durations, step semantics, retry strategies (pure, frozen)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Generic, TypeAlias, TypeVar, overload

from attrs import field, frozen

from lambda_durable.serdes import SerDes

T = TypeVar("T")

MAX_WAIT_SECONDS = 31_622_400
"""The service's bound for a wait or a retry delay (366 days)."""


def _whole_non_negative(_: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Duration needs whole seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"Duration cannot be negative, got {value} s")


@frozen(order=True)
class Duration:
    """A span of whole seconds, the unit the service schedules in.

    >>> Duration.minutes(2).total_seconds
    120
    """

    total_seconds: int = field(validator=_whole_non_negative)

    @classmethod
    def seconds(cls, value: int) -> Duration:
        return cls(value)

    @classmethod
    def minutes(cls, value: int) -> Duration:
        return cls(value * 60)

    @classmethod
    def hours(cls, value: int) -> Duration:
        return cls(value * 3600)

    @classmethod
    def days(cls, value: int) -> Duration:
        return cls(value * 86_400)


class StepSemantics(str, Enum):
    """How often a step body may run per retry attempt.

    AT_LEAST_ONCE_PER_RETRY re-runs a body interrupted by a crash; AT_MOST_ONCE_PER_RETRY
    makes its START durable before the body runs and treats an interrupted attempt as failed.
    """

    AT_LEAST_ONCE_PER_RETRY = "AT_LEAST_ONCE_PER_RETRY"
    AT_MOST_ONCE_PER_RETRY = "AT_MOST_ONCE_PER_RETRY"


class JitterStrategy(str, Enum):
    NONE = "NONE"
    FULL = "FULL"
    HALF = "HALF"

    def apply(self, delay: float, rng: random.Random) -> float:
        if self is JitterStrategy.FULL:
            return rng.uniform(0, delay)
        if self is JitterStrategy.HALF:
            return delay / 2 + rng.uniform(0, delay / 2)
        return delay


@frozen
class RetryDecision:
    """Whether to try again, and after how long (the service's floor is 1 s)."""

    should_retry: bool
    delay: Duration = Duration(0)

    @classmethod
    def retry_after(cls, delay: Duration) -> RetryDecision:
        return cls(True, delay)

    @classmethod
    def stop(cls) -> RetryDecision:
        return cls(False)


def _positive(_: object, attribute: object, value: int) -> None:
    if value < 1:
        raise ValueError(f"max_attempts must be at least 1, got {value}")


def _backoff(_: object, attribute: object, value: float) -> None:
    if value < 1:
        raise ValueError(f"backoff_rate must be at least 1, got {value}")


def _patterns(value: Iterable[str | re.Pattern[str]]) -> tuple[str | re.Pattern[str], ...]:
    return tuple(value)


def _types(value: Iterable[type[BaseException]]) -> tuple[type[BaseException], ...]:
    return tuple(value)


@frozen
class RetryStrategy:
    """Exponential backoff with jitter, filtered by error message or type.

    ``attempt`` counts the attempt that just failed (1 = the first). Without filters
    every error is retryable; with filters only a matching message or type is.
    """

    max_attempts: int = field(default=6, validator=_positive)
    initial_delay: Duration = Duration(5)
    max_delay: Duration = Duration(60)
    backoff_rate: float = field(default=2.0, validator=_backoff)
    jitter: JitterStrategy = JitterStrategy.FULL
    retryable_errors: tuple[str | re.Pattern[str], ...] = field(default=(), converter=_patterns)
    retryable_error_types: tuple[type[BaseException], ...] = field(default=(), converter=_types)

    def __call__(self, error: BaseException, attempt: int) -> RetryDecision:
        if attempt >= self.max_attempts or not self._matches(error):
            return RetryDecision.stop()
        base = min(
            self.initial_delay.total_seconds * self.backoff_rate ** (attempt - 1),
            self.max_delay.total_seconds,
        )
        jittered = self.jitter.apply(base, random.Random())
        return RetryDecision.retry_after(Duration(max(1, math.ceil(jittered))))

    def _matches(self, error: BaseException) -> bool:
        if not self.retryable_errors and not self.retryable_error_types:
            return True
        text = str(error)
        for pattern in self.retryable_errors:
            if isinstance(pattern, re.Pattern) and pattern.search(text):
                return True
            if isinstance(pattern, str) and pattern in text:
                return True
        return isinstance(error, self.retryable_error_types)

    # presets ---------------------------------------------------------------

    @classmethod
    def default(cls) -> RetryStrategy:
        """What a step uses without a strategy: 6 attempts, 5 s, x2, 60 s cap, full jitter."""
        return cls()

    @classmethod
    def none(cls) -> RetryStrategy:
        """Never retry: the first failure is final."""
        return cls(max_attempts=1)

    @classmethod
    def transient(cls) -> RetryStrategy:
        return cls(max_attempts=3, max_delay=Duration(300), jitter=JitterStrategy.HALF)

    @classmethod
    def resource_availability(cls) -> RetryStrategy:
        return cls(max_attempts=5, max_delay=Duration(300))

    @classmethod
    def critical(cls) -> RetryStrategy:
        return cls(
            max_attempts=10,
            initial_delay=Duration(1),
            max_delay=Duration(60),
            backoff_rate=1.5,
            jitter=JitterStrategy.NONE,
        )

    @classmethod
    def fixed(cls, interval: Duration = Duration(5), max_attempts: int = 5) -> RetryStrategy:
        return cls(
            max_attempts=max_attempts,
            initial_delay=interval,
            max_delay=interval,
            backoff_rate=1.0,
            jitter=JitterStrategy.NONE,
        )


RetryFn: TypeAlias = Callable[[BaseException, int], RetryDecision]
"""The function form of a retry strategy: ``(error, attempt) -> RetryDecision``."""


class NoSerdes:
    """Type marker: a ``StepConfig`` built without a serdes (outputs must be durable values)."""


@frozen(init=False)
class StepConfig(Generic[T]):
    """How a step retries, how often its body may run, and (optionally) its codec.

    Built without ``serdes`` it is a ``StepConfig[NoSerdes]`` and the step's output type
    must be a durable value; with ``serdes`` any ``T`` the codec handles is accepted.
    """

    retry_strategy: RetryStrategy | RetryFn | None
    semantics: StepSemantics
    serdes: SerDes[T] | None

    @overload
    def __init__(
        self: StepConfig[NoSerdes],
        *,
        retry_strategy: RetryStrategy | RetryFn | None = None,
        semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        retry_strategy: RetryStrategy | RetryFn | None = None,
        semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY,
        serdes: SerDes[T],
    ) -> None: ...

    def __init__(
        self,
        *,
        retry_strategy: RetryStrategy | RetryFn | None = None,
        semantics: StepSemantics = StepSemantics.AT_LEAST_ONCE_PER_RETRY,
        serdes: SerDes[T] | None = None,
    ) -> None:
        self.__attrs_init__(retry_strategy, semantics, serdes)


@frozen(init=False)
class ChildConfig(Generic[T]):
    """Options of a child context: its codec and the SubType recorded on the wire."""

    serdes: SerDes[T] | None
    sub_type: str | None

    @overload
    def __init__(self: ChildConfig[NoSerdes], *, sub_type: str | None = None) -> None: ...

    @overload
    def __init__(self, *, serdes: SerDes[T], sub_type: str | None = None) -> None: ...

    def __init__(self, *, serdes: SerDes[T] | None = None, sub_type: str | None = None) -> None:
        self.__attrs_init__(serdes, sub_type)
