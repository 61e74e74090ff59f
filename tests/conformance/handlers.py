"""Conformance handlers for the step (1-x), wait (2-x) and child-context (3-x) requirements.

``lambda-durable conformance --requirements DIR --handlers tests/conformance/handlers.py``
runs each requirement in ``shared/conformance/requirements`` against the handler keyed by
its id in ``HANDLERS``. Every handler is written against the public API only (API.md), as
a user would write it: operations return ``Result[T, DurableError]`` and compose with
``bind`` / ``map`` / ``lash``.

Two requirements simulate a Lambda crash (1-17, 3-12): their step calls ``os._exit(1)``;
the runner executes such handlers in a separate process per invocation. 3-12 must crash
only on the first attempt, and the attempt counter cannot tell (a crash records no
attempt), so it leaves a marker file keyed by the execution ARN in the temp directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from attrs import frozen
from returns.result import Result, Success

from lambda_durable import (
    ChildConfig,
    Duration,
    DurableContext,
    DurableError,
    JitterStrategy,
    RetryDecision,
    RetryStrategy,
    StepConfig,
    StepContext,
    StepSemantics,
    durable_handler,
)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# --- shared helpers --------------------------------------------------------------------------


class TransientError(Exception):
    """A user error class whose name must show up as the step's ErrorType (1-15, 1-16)."""


class UppercaseSerdes:
    """A ``SerDes[str]`` that stores strings upper-cased, verbatim (1-6, 3-14)."""

    def serialize(self, value: str, /) -> str:
        return value.upper()

    def deserialize(self, data: str, /) -> str:
        return data


NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())
ONE_SECOND_RETRY = RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)

_REPLAY_VISIBLE = logging.getLogger("lambda_durable.conformance.handlers")
_REPLAY_VISIBLE.setLevel(logging.INFO)


def _log_even_when_replaying(ctx: DurableContext, message: str) -> None:
    """Log a line the execution's log stream shows on every run, replays included.

    ``ctx.logger`` drops records while its context replays; a requirement that wants to
    *observe* a re-run (3-11) writes through a plain stdlib logger with the execution's
    correlation key instead.
    """
    _REPLAY_VISIBLE.info(message, extra={"executionArn": ctx.durable_execution_arn})


def _crash() -> NoReturn:
    """Die like a Lambda runtime crash: no exception handling, no cleanup."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def _first_time(ctx: DurableContext, tag: str) -> bool:
    """True the first time this execution reaches ``tag`` (a marker file survives crashes)."""
    digest = hashlib.sha256(f"{ctx.durable_execution_arn}|{tag}".encode()).hexdigest()[:32]
    folder = Path(tempfile.gettempdir()) / "lambda-durable-conformance"
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / digest
    if marker.exists():
        marker.unlink(missing_ok=True)
        return False
    marker.touch()
    return True


def _fail_always(message: str) -> Callable[[StepContext], str]:
    def body(step: StepContext) -> str:
        raise RuntimeError(message)

    return body


# --- 1-x: steps -------------------------------------------------------------------------------


@durable_handler
def step_basic(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """1-1: a single step that greets the input and succeeds on the first attempt."""
    return ctx.step(lambda _: f"Hello, {event}!")


@durable_handler
def step_with_name(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """1-2: the same step with an explicit name."""
    return ctx.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@frozen
class Profile:
    """1-4 input."""

    name: str
    tags: list[str]


@frozen
class User:
    name: str
    tags: list[str]


@frozen
class ProfileResponse:
    """1-4 step output: a nested object with an array and mixed types."""

    user: User
    count: int


@durable_handler
def step_complex_result(event: Profile, ctx: DurableContext) -> Result[ProfileResponse, DurableError]:
    """1-4: a step returning a nested object survives serialization and replay."""
    return ctx.step(lambda _: ProfileResponse(User(event.name, list(event.tags)), len(event.tags)))


@durable_handler
def step_null_result(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """1-5: a step returning None; the execution result is null."""
    return ctx.step(lambda _: None)


@durable_handler
def step_custom_serdes(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """1-6: a per-step serdes stores the result upper-cased (``HELLO WORLD``)."""
    return ctx.step(lambda _: event, config=StepConfig(serdes=UppercaseSerdes()))


@durable_handler
def step_with_logger(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """1-7: the step logs its start and end through the step context's logger."""

    def greet(step: StepContext) -> str:
        step.logger.info(f"Greeting step started for: {event}")
        greeting = f"Hello, {event}!"
        step.logger.info(f"Greeting step completed with: {greeting}")
        return greeting

    return ctx.step(greet)


@durable_handler
def step_then_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-8: a step then a 2 s wait; the replay skips the completed step."""
    return ctx.step(lambda _: "computed").bind(
        lambda value: ctx.wait(Duration.seconds(2)).map(lambda _: value)
    )


@durable_handler
def replay_rethrows_failed_step(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-10: a permanently failing step is caught, then a 1 s wait; on replay the cached
    failure comes back without running the step again."""

    def fail(step: StepContext) -> str:
        step.logger.info("step executed")
        raise RuntimeError("permanent failure")

    return (
        ctx.step(fail, config=NO_RETRY)
        .lash(lambda error: Success(f"caught {error.error.error_type}"))
        .bind(lambda caught: ctx.wait(Duration.seconds(1)).map(lambda _: caught))
    )


@durable_handler
def step_retry_then_succeed(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-11: fails on attempt 1, succeeds on attempt 2 (retry after 1 s)."""

    def unreliable(step: StepContext) -> str:
        if step.attempt < 2:
            raise RuntimeError("first attempt fails")
        return "Operation succeeded"

    return ctx.step(unreliable, config=StepConfig(retry_strategy=ONE_SECOND_RETRY))


@durable_handler
def step_default_retry(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-13: the default strategy (6 attempts, 5 s, x2, full jitter); fails twice."""

    def unreliable(step: StepContext) -> str:
        if step.attempt < 3:
            raise RuntimeError(f"attempt {step.attempt} fails")
        return "succeeded on attempt 3"

    return ctx.step(unreliable)


@durable_handler
def step_custom_backoff(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-14: 2 s initial delay, x3 backoff, no jitter: delays 2 then 6; fails twice."""

    def unreliable(step: StepContext) -> str:
        if step.attempt < 3:
            raise RuntimeError(f"attempt {step.attempt} fails")
        return "succeeded on attempt 3"

    strategy = RetryStrategy(
        max_attempts=5, initial_delay=Duration.seconds(2), backoff_rate=3, jitter=JitterStrategy.NONE
    )
    return ctx.step(unreliable, config=StepConfig(retry_strategy=strategy))


def retry_on_transient(error: BaseException, attempt: int) -> RetryDecision:
    """Retry (after 1 s) only a ``TransientError``, at most 3 attempts."""
    if isinstance(error, TransientError) and attempt < 3:
        return RetryDecision.retry_after(Duration.seconds(1))
    return RetryDecision.stop()


def no_retry_on_transient(error: BaseException, attempt: int) -> RetryDecision:
    """Never retry a ``TransientError``; anything else after 1 s."""
    if isinstance(error, TransientError) or attempt >= 3:
        return RetryDecision.stop()
    return RetryDecision.retry_after(Duration.seconds(1))


@durable_handler
def step_retry_specific_error(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-15: a TransientError on attempt 1 is retried by a type-checking strategy."""

    def flaky(step: StepContext) -> str:
        if step.attempt == 1:
            raise TransientError("temporary glitch")
        return "recovered"

    return ctx.step(flaky, config=StepConfig(retry_strategy=retry_on_transient))


@durable_handler
def step_non_retryable_error(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-16: the strategy refuses to retry a TransientError: the step and execution fail."""

    def flaky(step: StepContext) -> str:
        raise TransientError("not retried")

    return ctx.step(flaky, config=StepConfig(retry_strategy=no_retry_on_transient))


@durable_handler
def step_at_most_once_interrupted(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """1-17: an at-most-once step logs its input then crashes the process; the next
    invocation sees it interrupted and, with no retries, fails it (never re-running it)."""

    def flaky(step: StepContext) -> str:
        step.logger.info(f"at-most-once step received {event}")
        _crash()

    config = StepConfig(
        retry_strategy=RetryStrategy.none(), semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY
    )
    return ctx.step(flaky, name="at_most_once_flaky_step", config=config)


@durable_handler
def step_fails_permanently(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-19: an always-failing step without retries fails the execution."""
    return ctx.step(_fail_always("always fails"), config=NO_RETRY)


@durable_handler
def step_error_caught(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """1-20: the failed step is handled with a fallback, then a second step runs."""
    return (
        ctx.step(_fail_always("fails, handled below"), config=NO_RETRY)
        .lash(lambda _: Success("fallback_result"))
        .bind(lambda fallback: ctx.step(lambda _: fallback))
    )


# --- 2-x: waits -------------------------------------------------------------------------------


@durable_handler
def wait_with_name(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """2-2: one named 2 s wait."""
    return ctx.wait(Duration.seconds(2), name="custom_wait_name")


@durable_handler
def sequential_waits(event: Any, ctx: DurableContext) -> Result[dict[str, int], DurableError]:
    """2-3: two named 2 s waits, one per invocation."""
    return (
        ctx.wait(Duration.seconds(2), name="wait-1")
        .bind(lambda _: ctx.wait(Duration.seconds(2), name="wait-2"))
        .map(lambda _: {"completedWaits": 2})
    )


@durable_handler
def wait_minutes(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """2-4: a one-minute wait is recorded as 60 seconds."""
    return ctx.wait(Duration.minutes(1))


@durable_handler
def wait_hours(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """2-5: a one-hour wait is recorded as 3600 seconds."""
    return ctx.wait(Duration.hours(1))


# --- 3-x: child contexts ----------------------------------------------------------------------


@durable_handler
def child_basic(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-1: a child context whose single step returns the input."""
    return ctx.run_in_child_context(lambda child: child.step(lambda _: event))


@frozen
class NamedValue:
    """3-2 input."""

    name: str
    value: str


@durable_handler
def child_with_name(event: NamedValue, ctx: DurableContext) -> Result[str, DurableError]:
    """3-2: the child context is named after the first input; its step returns the second."""
    return ctx.run_in_child_context(lambda child: child.step(lambda _: event.value), name=event.name)


@durable_handler
def child_sequential_steps(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-3: two steps in a child, the second fed by the first."""
    return ctx.run_in_child_context(
        lambda child: child.step(lambda _: event).bind(lambda first: child.step(lambda _: first)),
        name="sequential-steps",
    )


@durable_handler
def child_error(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """3-4: the child's only step fails without retry; the child and execution fail."""
    return ctx.run_in_child_context(
        lambda child: child.step(_fail_always("child step fails"), config=NO_RETRY),
        name="failing-child",
    )


@durable_handler
def child_error_caught(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-5: the child fails, the parent handles it and a recovery step returns the input."""
    return ctx.run_in_child_context(
        lambda child: child.step(_fail_always("child step fails"), config=NO_RETRY),
        name="failing-child",
    ).lash(lambda _: ctx.step(lambda _: event))


@durable_handler
def child_step_retry(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-7: the child's step fails once, is retried after 1 s and returns the input."""

    def unreliable(step: StepContext) -> str:
        if step.attempt < 2:
            raise RuntimeError("first attempt fails")
        return event

    return ctx.run_in_child_context(
        lambda child: child.step(unreliable, config=StepConfig(retry_strategy=ONE_SECOND_RETRY)),
        name="retrying-child",
    )


@durable_handler
def child_step_retry_exhausted(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """3-8: the child's step always fails; after 2 attempts the child fails."""
    strategy = RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)
    return ctx.run_in_child_context(
        lambda child: child.step(_fail_always("always fails"), config=StepConfig(retry_strategy=strategy)),
        name="exhausted-child",
    )


@durable_handler
def child_replay_cached(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-9: a child then a wait; the replay returns the child's cached result."""
    return ctx.run_in_child_context(lambda child: child.step(lambda _: event)).bind(
        lambda value: ctx.wait(Duration.seconds(1)).map(lambda _: value)
    )


@durable_handler
def child_step_and_wait(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-10: a step and a wait inside one child context."""
    return ctx.run_in_child_context(
        lambda child: child.step(lambda _: event).bind(
            lambda value: child.wait(Duration.seconds(1)).map(lambda _: value)
        ),
        name="step-and-wait",
    )


LARGE_RESULT_CHARS = 300_000
"""Above the 256 KiB child-result threshold, so the child is recorded with ReplayChildren."""


@durable_handler
def child_large_result(event: str, ctx: DurableContext) -> Result[int, DurableError]:
    """3-11: the child builds a result over 256 KiB from a small step result, so it is
    checkpointed with ReplayChildren and re-run on replay; its log line shows both runs."""

    def body(child: DurableContext) -> Result[str, DurableError]:
        _log_even_when_replaying(child, f"large child context running for {event}")
        return child.step(lambda _: event).map(
            lambda small: small * (LARGE_RESULT_CHARS // max(1, len(small)) + 1)
        )

    return (
        ctx.run_in_child_context(body, name="large-payload-child")
        .bind(lambda large: ctx.wait(Duration.seconds(1)).map(lambda _: large))
        .map(len)
    )


@durable_handler
def child_interrupted(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-12: the child's step crashes the process on its first run; the next invocation
    re-runs it without a second START and the child succeeds."""

    def crash_once(step: StepContext) -> str:
        if _first_time(ctx, "3-12"):
            _crash()
        return event

    return ctx.run_in_child_context(lambda child: child.step(crash_once))


@durable_handler
def child_custom_serdes(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-14: the child's serdes stores its result upper-cased (``HELLO CHILD``)."""
    return ctx.run_in_child_context(
        lambda child: child.step(lambda _: event),
        name="uppercase-child",
        config=ChildConfig(serdes=UppercaseSerdes()),
    )


@durable_handler
def child_logger_only(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-17: a child that only logs; its cached result means it never re-runs, so the
    line appears once."""

    def body(child: DurableContext) -> Result[str, DurableError]:
        child.logger.info(f"child context received {event}")
        return Success(event)

    return ctx.run_in_child_context(body, name="logging-child").bind(
        lambda value: ctx.wait(Duration.seconds(1)).map(lambda _: value)
    )


@durable_handler
def child_then_root_operations(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """3-18: step + wait in a child, then step + wait at the root (three invocations)."""
    return (
        ctx.run_in_child_context(
            lambda child: child.step(lambda _: event).bind(
                lambda value: child.wait(Duration.seconds(1)).map(lambda _: value)
            ),
            name="inner-child",
        )
        .bind(lambda value: ctx.step(lambda _: value))
        .bind(lambda value: ctx.wait(Duration.seconds(1)).map(lambda _: value))
    )


HANDLERS: dict[str, Handler] = {
    "1-1": step_basic,
    "1-2": step_with_name,
    "1-4": step_complex_result,
    "1-5": step_null_result,
    "1-6": step_custom_serdes,
    "1-7": step_with_logger,
    "1-8": step_then_wait,
    "1-10": replay_rethrows_failed_step,
    "1-11": step_retry_then_succeed,
    "1-13": step_default_retry,
    "1-14": step_custom_backoff,
    "1-15": step_retry_specific_error,
    "1-16": step_non_retryable_error,
    "1-17": step_at_most_once_interrupted,
    "1-19": step_fails_permanently,
    "1-20": step_error_caught,
    "2-2": wait_with_name,
    "2-3": sequential_waits,
    "2-4": wait_minutes,
    "2-5": wait_hours,
    "3-1": child_basic,
    "3-2": child_with_name,
    "3-3": child_sequential_steps,
    "3-4": child_error,
    "3-5": child_error_caught,
    "3-7": child_step_retry,
    "3-8": child_step_retry_exhausted,
    "3-9": child_replay_cached,
    "3-10": child_step_and_wait,
    "3-11": child_large_result,
    "3-12": child_interrupted,
    "3-14": child_custom_serdes,
    "3-17": child_logger_only,
    "3-18": child_then_root_operations,
}
"""Handlers by requirement id (``shared/conformance/requirements/{step,wait,child}``)."""
