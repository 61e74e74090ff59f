"""Configuration values: durations, step semantics, retry strategies (pure, frozen)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Generic, Protocol, TypeAlias, TypeVar, overload

from attrs import field, frozen

from lambda_durable.serdes import SerDes
from lambda_durable.values import DurableOutput

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


def backoff(attempt: int, initial: Duration, cap: Duration, rate: float, jitter: JitterStrategy) -> Duration:
    """The delay before the attempt after ``attempt``: ``initial * rate ** (attempt - 1)``,
    capped at ``cap``, jittered, rounded up to whole seconds, at least 1 s (the service's
    floor). Retries and polls grow the same way."""
    base = min(initial.total_seconds * rate ** (attempt - 1), cap.total_seconds)
    return Duration(max(1, math.ceil(jitter.apply(base, random.Random()))))


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
        return RetryDecision.retry_after(
            backoff(attempt, self.initial_delay, self.max_delay, self.backoff_rate, self.jitter)
        )

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


# --- callbacks, invokes, wait-for-condition -----------------------------------------


def _optional_duration(_: object, attribute: object, value: Duration | None) -> None:
    if value is not None and not isinstance(value, Duration):
        raise TypeError(f"expected a Duration or None, got {value!r}")


@frozen(init=False)
class CallbackConfig(Generic[T]):
    """Options of ``create_callback``.

    ``timeout`` bounds the whole wait for the external answer, ``heartbeat_timeout`` the
    gap between heartbeats (``None`` or zero: no limit); the service reports an expiry as
    ``CallbackTimedOut``. ``serdes`` decodes the text the external system sent (default:
    JSON structured into the requested type with the handler's converter).
    """

    timeout: Duration | None
    heartbeat_timeout: Duration | None
    serdes: SerDes[T] | None

    @overload
    def __init__(
        self: CallbackConfig[NoSerdes],
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
        serdes: SerDes[T],
    ) -> None: ...

    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
        serdes: SerDes[T] | None = None,
    ) -> None:
        _optional_duration(None, None, timeout)
        _optional_duration(None, None, heartbeat_timeout)
        self.__attrs_init__(timeout, heartbeat_timeout, serdes)


@frozen(init=False)
class WaitForCallbackConfig(Generic[T]):
    """Options of ``wait_for_callback``: the callback's timeouts, the submitter step's
    ``retry_strategy`` (default: ``RetryStrategy.default()``), and the ``serdes`` that
    decodes the callback's result (default as for ``CallbackConfig``)."""

    timeout: Duration | None
    heartbeat_timeout: Duration | None
    retry_strategy: RetryStrategy | RetryFn | None
    serdes: SerDes[T] | None

    @overload
    def __init__(
        self: WaitForCallbackConfig[NoSerdes],
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
        retry_strategy: RetryStrategy | RetryFn | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
        retry_strategy: RetryStrategy | RetryFn | None = None,
        serdes: SerDes[T],
    ) -> None: ...

    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        heartbeat_timeout: Duration | None = None,
        retry_strategy: RetryStrategy | RetryFn | None = None,
        serdes: SerDes[T] | None = None,
    ) -> None:
        _optional_duration(None, None, timeout)
        _optional_duration(None, None, heartbeat_timeout)
        self.__attrs_init__(timeout, heartbeat_timeout, retry_strategy, serdes)


P = TypeVar("P")
R = TypeVar("R")

MAX_TENANT_ID_LENGTH = 256


def _check_invoke(timeout: Duration | None, tenant_id: str | None) -> None:
    if timeout is not None and not 1 <= timeout.total_seconds <= MAX_WAIT_SECONDS:
        raise ValueError(
            f"invoke timeout must be between 1 and {MAX_WAIT_SECONDS} seconds (None: no timeout), "
            f"got {timeout.total_seconds} s"
        )
    if tenant_id is not None and not 1 <= len(tenant_id) <= MAX_TENANT_ID_LENGTH:
        raise ValueError(f"tenant_id must be 1-{MAX_TENANT_ID_LENGTH} characters, got {len(tenant_id)}")


@frozen(init=False)
class InvokeConfig(Generic[P, R]):
    """Options of ``invoke``.

    ``payload_serdes`` / ``result_serdes`` replace the default plain-JSON coding of the
    target's event and result (``json.dumps`` of the converter's unstructured payload;
    ``json.loads`` structured into the result type). ``tenant_id`` is sent as
    ``ChainedInvokeOptions.TenantId``.

    ``timeout`` is enforced by the SDK, not the service (the wire has no invoke timeout):
    a durable timer (a WAIT named ``"<name> timeout"`` / ``"invoke timeout"``) is started
    next to the invoke, and whichever finished first by the service's own timestamps
    decides the outcome, so replays agree. If the timer wins the call returns
    ``InvokeTimedOut``; the target itself keeps running (nothing on the wire stops it).
    If the invoke wins, the timer is left to run out (the service's CANCEL semantics
    are unconfirmed); if it fires while the execution still runs, that costs one replay.
    """

    timeout: Duration | None
    tenant_id: str | None
    payload_serdes: SerDes[P] | None
    result_serdes: SerDes[R] | None

    @overload
    def __init__(
        self: InvokeConfig[NoSerdes, NoSerdes],
        *,
        timeout: Duration | None = None,
        tenant_id: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: InvokeConfig[P, NoSerdes],
        *,
        timeout: Duration | None = None,
        tenant_id: str | None = None,
        payload_serdes: SerDes[P],
    ) -> None: ...

    @overload
    def __init__(
        self: InvokeConfig[NoSerdes, R],
        *,
        timeout: Duration | None = None,
        tenant_id: str | None = None,
        result_serdes: SerDes[R],
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        tenant_id: str | None = None,
        payload_serdes: SerDes[P],
        result_serdes: SerDes[R],
    ) -> None: ...

    def __init__(
        self,
        *,
        timeout: Duration | None = None,
        tenant_id: str | None = None,
        payload_serdes: SerDes[P] | None = None,
        result_serdes: SerDes[R] | None = None,
    ) -> None:
        _optional_duration(None, None, timeout)
        _check_invoke(timeout, tenant_id)
        self.__attrs_init__(timeout, tenant_id, payload_serdes, result_serdes)


@frozen
class WaitDecision:
    """What a wait-for-condition strategy decided after a check: poll again after
    ``delay`` (the service's floor is 1 s), or stop with the current state."""

    should_continue: bool
    delay: Duration = Duration(0)

    @classmethod
    def continue_after(cls, delay: Duration) -> WaitDecision:
        return cls(True, delay)

    @classmethod
    def stop(cls) -> WaitDecision:
        return cls(False)


S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


class WaitStrategyFn(Protocol[S_contra]):
    """A wait strategy: ``(state after the check, attempt) -> WaitDecision``. Any plain
    function of that shape is one; ``WaitStrategy`` builds the common ones."""

    def __call__(self, state: S_contra, attempt: int, /) -> WaitDecision: ...


class WaitForConditionExhausted(Exception):
    """A built-in wait strategy ran out of attempts before the condition was met."""


def _optional_positive(_: object, attribute: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"max_attempts must be at least 1 (or None), got {value}")


class WaitStrategy(Protocol[S_contra]):
    """The type of the built-in wait strategies, and their factory.

    ``WaitStrategy.fixed(...)`` / ``WaitStrategy.exponential(...)`` build a
    ``PollingStrategy``; they are typed as returning this protocol (not the class) so that
    mypy infers ``S`` for a lambda ``should_continue`` from where the strategy goes, e.g.
    ``WaitForConditionConfig(0, WaitStrategy.fixed(d, should_continue=lambda n: n < 3))``
    or ``s: WaitStrategy[int] = WaitStrategy.fixed(...)``. Any plain function
    ``(state, attempt) -> WaitDecision`` is a strategy too (a ``WaitStrategyFn``).

    >>> s = WaitStrategy.fixed(Duration(10), should_continue=lambda n: n < 3, max_attempts=5)
    >>> s(1, 1)
    WaitDecision(should_continue=True, delay=Duration(total_seconds=10))
    >>> s(3, 2)
    WaitDecision(should_continue=False, delay=Duration(total_seconds=0))
    """

    def __call__(self, state: S_contra, attempt: int, /) -> WaitDecision: ...

    @staticmethod
    def fixed(
        delay: Duration,
        *,
        should_continue: Callable[[S], bool],
        max_attempts: int | None = 60,
    ) -> WaitStrategy[S]:
        """Poll every ``delay`` (no jitter, no growth), at most ``max_attempts`` checks."""
        return PollingStrategy(
            should_continue,
            max_attempts=max_attempts,
            initial_delay=delay,
            max_delay=delay,
            backoff_rate=1.0,
            jitter=JitterStrategy.NONE,
        )

    @staticmethod
    def exponential(
        *,
        should_continue: Callable[[S], bool],
        initial_delay: Duration = Duration(5),
        max_delay: Duration = Duration(300),
        backoff_rate: float = 1.5,
        jitter: JitterStrategy = JitterStrategy.FULL,
        max_attempts: int | None = 60,
    ) -> WaitStrategy[S]:
        """Poll with growing delays; the defaults are the official SDK's (5 s, x1.5,
        300 s cap, full jitter, 60 attempts)."""
        return PollingStrategy(
            should_continue,
            max_attempts=max_attempts,
            initial_delay=initial_delay,
            max_delay=max_delay,
            backoff_rate=backoff_rate,
            jitter=jitter,
        )


@frozen
class PollingStrategy(WaitStrategy[S]):
    """The built-in wait strategy (what ``WaitStrategy.fixed/exponential`` build): poll
    while ``should_continue(state)`` holds.

    ``attempt`` counts the check that just ran (1 = the first). Once the condition is met
    the strategy stops, also on the last permitted attempt. When it still holds after
    ``max_attempts`` checks (``None``: no limit) the strategy raises
    ``WaitForConditionExhausted``, which ``wait_for_condition`` reports as
    ``WaitForConditionFailed`` (never a silent success). Delays grow as
    ``initial_delay * backoff_rate ** (attempt - 1)``, capped at ``max_delay``, jittered,
    rounded up, and at least 1 s.
    """

    should_continue: Callable[[S], bool]
    max_attempts: int | None = field(default=60, validator=_optional_positive)
    initial_delay: Duration = Duration(5)
    max_delay: Duration = Duration(300)
    backoff_rate: float = field(default=1.5, validator=_backoff)
    jitter: JitterStrategy = JitterStrategy.FULL

    def __call__(self, state: S, attempt: int, /) -> WaitDecision:
        if not self.should_continue(state):
            return WaitDecision.stop()
        if self.max_attempts is not None and attempt >= self.max_attempts:
            raise WaitForConditionExhausted(
                f"wait_for_condition exhausted {self.max_attempts} attempts before the condition was met"
            )
        return WaitDecision.continue_after(
            backoff(attempt, self.initial_delay, self.max_delay, self.backoff_rate, self.jitter)
        )


@frozen(init=False)
class WaitForConditionConfig(Generic[S]):
    """What ``wait_for_condition`` polls from: the ``initial_state``, the
    ``wait_strategy`` consulted after every check, and (optionally) the state's codec.

    The constructor takes durable-value states only (a mypy error otherwise, like a step
    output); ``serdes`` may replace the default codec of such a state. A state of any
    other type needs a codec: ``WaitForConditionConfig.with_serdes(state, strategy,
    serdes)``. (One non-overloaded constructor keeps mypy able to infer the state type
    of a lambda inside ``WaitStrategy.fixed(..., should_continue=lambda s: ...)``.)
    """

    initial_state: S
    wait_strategy: WaitStrategyFn[S]
    serdes: SerDes[S] | None

    def __init__(
        self: WaitForConditionConfig[DurableOutput],
        initial_state: DurableOutput,
        wait_strategy: WaitStrategyFn[DurableOutput],
        serdes: SerDes[DurableOutput] | None = None,
    ) -> None:
        self.__attrs_init__(initial_state, wait_strategy, serdes)

    @classmethod
    def with_serdes(
        cls, initial_state: S, wait_strategy: WaitStrategyFn[S], serdes: SerDes[S]
    ) -> WaitForConditionConfig[S]:
        """A config for a state of any type, coded by ``serdes``."""
        config: WaitForConditionConfig[S] = object.__new__(cls)
        config.__attrs_init__(initial_state, wait_strategy, serdes)
        return config
