"""Conformance handlers for every suite of ``shared/conformance/requirements``: step
(1-x), wait (2-x), child context (3-x), callback (4-x), invoke (5-x), wait for condition
(6-x), wait for callback (7-x), parallel (8-x) and map (9-x) here, plugins (10-x) in the
sibling ``plugin_handlers.py``.

``lambda-durable conformance --requirements DIR --handlers tests/conformance/handlers.py``
runs each requirement in ``shared/conformance/requirements`` against the handler keyed by
its id in ``HANDLERS``. Every handler is written against the public API only (what ``lambda_durable`` exports), as
a user would write it: operations return ``Result[T, DurableError]`` and compose with
``bind`` / ``map`` / ``lash``.

Two requirements simulate a Lambda crash (1-17, 3-12): their step calls ``os._exit(1)``;
the runner executes such handlers in a separate process per invocation. 3-12 must crash
only on the first attempt, and the attempt counter cannot tell (a crash records no
attempt), so it leaves a marker file keyed by the execution ARN in the temp directory.

Invoke targets (5-x) are durable handlers too, registered by name in ``FUNCTIONS``. The
parallel and map handlers run one branch at a time (``max_concurrency=1``) wherever the
requirement pins the order of the branch events.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from attrs import frozen
from returns.result import Result, Success

from lambda_durable import (
    AsyncDurableContext,
    BatchItem,
    BatchItemStatus,
    BatchResult,
    Callback,
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    CompletionReason,
    Duration,
    DurableContext,
    DurableError,
    InvokeConfig,
    JitterStrategy,
    MapConfig,
    NestingType,
    NoSerdes,
    ParallelConfig,
    RetryDecision,
    RetryStrategy,
    StepConfig,
    StepContext,
    StepSemantics,
    WaitDecision,
    WaitForCallbackConfig,
    WaitForConditionConfig,
    WaitStrategy,
    durable_handler,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plugin_handlers import PLUGIN_HANDLERS  # noqa: E402 - the sibling file, found through the path set above

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
T = TypeVar("T")

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


def _log_even_when_replaying(ctx: DurableContext | AsyncDurableContext, message: str) -> None:
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


def _first_time(ctx: DurableContext | AsyncDurableContext, tag: str) -> bool:
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


# --- 4-x: callbacks ---------------------------------------------------------------------------


def _await(callback: Callback[str]) -> Result[str, DurableError]:
    return callback.result()


@durable_handler
def callback_timeout(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-3: a callback named after the input with a 5 s timeout; nobody answers, so it
    times out and the execution fails."""
    config = CallbackConfig(timeout=Duration.seconds(5))
    return ctx.create_callback(str, name=event, config=config).bind(_await)


@durable_handler
def callback_heartbeat_timeout(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-4: a 5 s heartbeat timeout and no heartbeat: the callback times out."""
    config = CallbackConfig(heartbeat_timeout=Duration.seconds(5))
    return ctx.create_callback(str, name=event, config=config).bind(_await)


def _callback_step_result(
    ctx: DurableContext, name: str, config: CallbackConfig[NoSerdes] | None = None
) -> Result[str, DurableError]:
    """Create a callback, run a step while it is open, then wait for its result."""
    return ctx.create_callback(str, name=name, config=config).bind(
        lambda callback: ctx.step(lambda _: "work done while waiting").bind(lambda _: callback.result())
    )


@durable_handler
def callback_step_then_failure(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-7: callback, step, result; the external failure is not handled."""
    return _callback_step_result(ctx, event)


@durable_handler
def callback_step_then_timeout(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-8: callback (5 s timeout), step, result; the timeout is not handled."""
    return _callback_step_result(ctx, event, CallbackConfig(timeout=Duration.seconds(5)))


def _callback_wait_result(
    ctx: DurableContext, name: str, wait: Duration, config: CallbackConfig[NoSerdes] | None = None
) -> Result[str, DurableError]:
    """Create a callback, wait a fixed time, then wait for the callback's result."""
    return ctx.create_callback(str, name=name, config=config).bind(
        lambda callback: ctx.wait(wait).bind(lambda _: callback.result())
    )


@durable_handler
def callback_wait_success(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-9: callback, 5 s wait, result; the callback succeeds during the wait."""
    return _callback_wait_result(ctx, event, Duration.seconds(5))


@durable_handler
def callback_wait_failure(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-10: callback, 5 s wait, result; the callback fails during the wait."""
    return _callback_wait_result(ctx, event, Duration.seconds(5))


@durable_handler
def callback_wait_timeout(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-11: callback (3 s timeout), 6 s wait, result; it times out during the wait."""
    return _callback_wait_result(ctx, event, Duration.seconds(6), CallbackConfig(timeout=Duration.seconds(3)))


@durable_handler
def callback_then_wait(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-12: the callback's result, then a 2 s wait, then return the result."""
    return (
        ctx.create_callback(str, name=event)
        .bind(_await)
        .bind(lambda value: ctx.wait(Duration.seconds(2)).map(lambda _: value))
    )


def _handled(error: DurableError) -> Result[str, DurableError]:
    return Success(f"callback did not succeed: {type(error).__name__}: {error.error_message}")


@durable_handler
def callback_failure_caught(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-13: the callback's failure is handled, then a 2 s wait; the replay handles it again."""
    return (
        ctx.create_callback(str, name=event)
        .bind(_await)
        .lash(_handled)
        .bind(lambda message: ctx.wait(Duration.seconds(2)).map(lambda _: message))
    )


@durable_handler
def callback_timeout_caught(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """4-14: a 3 s callback timeout is handled, then a 2 s wait."""
    return (
        ctx.create_callback(str, name=event, config=CallbackConfig(timeout=Duration.seconds(3)))
        .bind(_await)
        .lash(_handled)
        .bind(lambda message: ctx.wait(Duration.seconds(2)).map(lambda _: message))
    )


@frozen
class Approval:
    """4-15: what the external system posts, as the callback's serdes decodes it."""

    id: str
    message: str
    timestamp: datetime


class ApprovalSerdes:
    """A ``SerDes[Approval]`` parsing the posted JSON, ISO timestamp (``...Z``) included."""

    def serialize(self, value: Approval, /) -> str:
        stamp = value.timestamp.isoformat().replace("+00:00", "Z")
        return json.dumps({"id": value.id, "message": value.message, "timestamp": stamp})

    def deserialize(self, data: str, /) -> Approval:
        raw = json.loads(data)
        stamp = datetime.fromisoformat(str(raw["timestamp"]).replace("Z", "+00:00"))
        return Approval(str(raw["id"]), str(raw["message"]), stamp)


@frozen
class ApprovalView:
    id: str
    message: str
    timestamp: int
    """Epoch seconds."""


@frozen
class Received:
    """4-15 output."""

    received: ApprovalView


@durable_handler
def callback_custom_serdes(event: str, ctx: DurableContext) -> Result[Received, DurableError]:
    """4-15: a custom serdes turns the posted JSON into an ``Approval`` with a datetime."""
    return (
        ctx.create_callback(Approval, name=event, config=CallbackConfig(serdes=ApprovalSerdes()))
        .bind(lambda callback: callback.result())
        .map(lambda a: Received(ApprovalView(a.id, a.message, int(a.timestamp.timestamp()))))
    )


class IntSerdes:
    """A ``SerDes[int]`` for a number posted as JSON text."""

    def serialize(self, value: int, /) -> str:
        return str(value)

    def deserialize(self, data: str, /) -> int:
        return int(json.loads(data))


@frozen
class Doubled:
    """4-16 output."""

    count: int
    doubled: int


@durable_handler
def callback_numeric_serdes(event: str, ctx: DurableContext) -> Result[Doubled, DurableError]:
    """4-16: a custom serdes turns the posted ``42`` into an ``int``."""
    return (
        ctx.create_callback(int, name=event, config=CallbackConfig(serdes=IntSerdes()))
        .bind(lambda callback: callback.result())
        .map(lambda count: Doubled(count, count * 2))
    )


@durable_handler
def callbacks_sequential(event: list[str], ctx: DurableContext) -> Result[list[str], DurableError]:
    """4-17: create and await A, then create and await B."""
    first, second = event
    return (
        ctx.create_callback(str, name=first)
        .bind(_await)
        .bind(lambda a: ctx.create_callback(str, name=second).bind(_await).map(lambda b: [a, b]))
    )


@durable_handler
def callbacks_both_then_in_order(event: list[str], ctx: DurableContext) -> Result[list[str], DurableError]:
    """4-18: create A and B, then await A, then B."""
    first, second = event
    return ctx.create_callback(str, name=first).bind(
        lambda a: ctx.create_callback(str, name=second).bind(
            lambda b: a.result().bind(lambda ra: b.result().map(lambda rb: [ra, rb]))
        )
    )


@durable_handler
def callbacks_both_then_reversed(event: list[str], ctx: DurableContext) -> Result[list[str], DurableError]:
    """4-19: create A and B, then await B first, then A."""
    first, second = event
    return ctx.create_callback(str, name=first).bind(
        lambda a: ctx.create_callback(str, name=second).bind(
            lambda b: b.result().bind(lambda rb: a.result().map(lambda ra: [ra, rb]))
        )
    )


# --- 5-x: chained invokes ---------------------------------------------------------------------

ECHO = "echo"
SHOUT = "shout"
FAILING = "failing"


class TargetError(Exception):
    """What the failing invoke target raises."""


@durable_handler
def echo_target(event: Any, ctx: DurableContext) -> Any:
    """Invoke target ``echo``: returns its input unchanged."""
    return event


@durable_handler
def shout_target(event: Any, ctx: DurableContext) -> str:
    """Invoke target ``shout``: returns its input as an upper-case string."""
    return str(event).upper()


@durable_handler
def failing_target(event: Any, ctx: DurableContext) -> str:
    """Invoke target ``failing``: always raises."""
    raise TargetError("the target function failed")


@durable_handler
def invoke_basic(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """5-1: invoke the echo target with the input."""
    return ctx.invoke(ECHO, event, str)


@frozen
class NamedPayload:
    """5-2 input."""

    name: str
    payload: str


@durable_handler
def invoke_with_name(event: NamedPayload, ctx: DurableContext) -> Result[str, DurableError]:
    """5-2: the invoke is named after the input."""
    return ctx.invoke(ECHO, event.payload, str, name=event.name)


@durable_handler
def invoke_complex(event: dict[str, Any], ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """5-3: a nested JSON object goes to the echo target and comes back as is."""
    return ctx.invoke(ECHO, event, dict)  # type: ignore[durable-value]  # any JSON, echoed as it came


@durable_handler
def invoke_null(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """5-4: the echo target receives and returns null."""
    return ctx.invoke(ECHO, None, type(None))


@durable_handler
def invoke_failing(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-5: the target fails; the InvokeFailed is not handled and the execution fails."""
    return ctx.invoke(FAILING, None, str)


def _fallback(error: DurableError) -> Result[str, DurableError]:
    return Success(f"fallback after {type(error).__name__}")


@durable_handler
def invoke_failing_caught(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-6: the target fails and the handler falls back to a fixed value."""
    return ctx.invoke(FAILING, None, str).lash(_fallback)


@durable_handler
def invoke_with_tenant(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
    """5-8: the invoke carries the input's tenant id."""
    return ctx.invoke(ECHO, event["payload"], str, config=InvokeConfig(tenant_id=event["tenantId"]))


@durable_handler
def invoke_then_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-9: invoke, then a 1 s wait; the replay takes the invoke's result from the log."""
    return ctx.invoke(ECHO, "cached", str).bind(
        lambda value: ctx.wait(Duration.seconds(1)).map(lambda _: value)
    )


@durable_handler
def invoke_failure_then_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-10: the failed invoke is handled, then a 1 s wait; the replay handles it again."""
    return (
        ctx.invoke(FAILING, None, str)
        .lash(_fallback)
        .bind(lambda value: ctx.wait(Duration.seconds(1)).map(lambda _: value))
    )


@durable_handler
def step_then_invoke(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-11: a step, then invoke the echo target with its result."""
    return ctx.step(lambda _: "from the step").bind(lambda value: ctx.invoke(ECHO, value, str))


@durable_handler
def invoke_then_step(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """5-12: invoke, then a step processing the invoke's result."""
    return ctx.invoke(ECHO, "from the target", str).bind(
        lambda value: ctx.step(lambda _: f"processed {value}")
    )


@durable_handler
def invokes_sequential(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """5-14: invoke one target, then another; each suspends until its target is done."""
    return ctx.invoke(ECHO, "first", str).bind(
        lambda first: ctx.invoke(SHOUT, "second", str).map(lambda second: [first, second])
    )


class RawUppercaseSerdes:
    """A ``SerDes[str]`` that hands back the raw result text upper-cased (5-16)."""

    def serialize(self, value: str, /) -> str:
        return value

    def deserialize(self, data: str, /) -> str:
        return data.upper()


@durable_handler
def invoke_result_serdes(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """5-16: the result serdes upper-cases the raw result ``"hello"`` to ``"HELLO"``."""
    return ctx.invoke(ECHO, event, str, config=InvokeConfig(result_serdes=RawUppercaseSerdes()))


# --- 6-x: wait for condition ------------------------------------------------------------------


def _increment(state: int, check: StepContext) -> int:
    return state + 1


def _until(threshold: int) -> Callable[[int, int], WaitDecision]:
    """A hand-written strategy: poll every second while the state is below ``threshold``."""

    def strategy(state: int, attempt: int) -> WaitDecision:
        return WaitDecision.continue_after(Duration.seconds(1)) if state < threshold else WaitDecision.stop()

    return strategy


@durable_handler
def condition_counter(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-1: count up from 0 until the input threshold, one check per invocation."""
    return ctx.wait_for_condition(_increment, WaitForConditionConfig(0, _until(event)))


@durable_handler
def condition_immediate(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-2: the initial state already satisfies the condition: no suspension."""
    return ctx.wait_for_condition(
        lambda state, _: state, WaitForConditionConfig(initial_state=5, wait_strategy=_until(event))
    )


@durable_handler
def condition_initial_state(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-4: counting starts from the configured initial state 5."""
    return ctx.wait_for_condition(_increment, WaitForConditionConfig(5, _until(event)))


@durable_handler
def condition_fixed_delay(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-5: a fixed 2 s delay between polls (no jitter, no backoff)."""
    every_two_seconds: WaitStrategy[int] = WaitStrategy.fixed(
        Duration.seconds(2), should_continue=lambda count: count < event
    )
    return ctx.wait_for_condition(_increment, WaitForConditionConfig(0, every_two_seconds))


@durable_handler
def condition_never_met(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-6: the condition never holds; the strategy's 3-attempt budget runs out."""
    never_negative: WaitStrategy[int] = WaitStrategy.fixed(
        Duration.seconds(1), should_continue=lambda count: count >= 0, max_attempts=3
    )
    return ctx.wait_for_condition(_increment, WaitForConditionConfig(event, never_negative))


class ConditionCheckError(Exception):
    """6-7: what the failing check raises."""


def _failing_check(state: int, check: StepContext) -> int:
    raise ConditionCheckError("the status endpoint is down")


@durable_handler
def condition_check_raises(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    """6-7: the check raises on its first run; no retry, the execution fails."""
    return ctx.wait_for_condition(_failing_check, WaitForConditionConfig(0, _until(1)))


@durable_handler
def condition_null_state(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    """6-10: the check returns None and the strategy stops at once."""
    config: WaitForConditionConfig[None] = WaitForConditionConfig(
        initial_state=None, wait_strategy=lambda state, attempt: WaitDecision.stop()
    )
    return ctx.wait_for_condition(lambda state, _: None, config)


class PrefixedStateSerdes:
    """A ``SerDes[str]`` storing the state as ``state:<value>`` (6-11)."""

    def serialize(self, value: str, /) -> str:
        return f"state:{value}"

    def deserialize(self, data: str, /) -> str:
        return data.removeprefix("state:")


@durable_handler
def condition_custom_serdes(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """6-11: a string state survives the suspension through a custom serdes."""

    def grow(state: str, check: StepContext) -> str:
        return state + "x"

    def strategy(state: str, attempt: int) -> WaitDecision:
        return WaitDecision.continue_after(Duration.seconds(1)) if len(state) < 2 else WaitDecision.stop()

    return ctx.wait_for_condition(
        grow, WaitForConditionConfig(initial_state="", wait_strategy=strategy, serdes=PrefixedStateSerdes())
    )


@durable_handler
def condition_then_step(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """6-12: the condition's final state feeds a step multiplying it by 10."""
    return ctx.wait_for_condition(
        _increment, WaitForConditionConfig(initial_state=0, wait_strategy=_until(event))
    ).bind(lambda state: ctx.step(lambda _: state * 10))


@durable_handler
def conditions_sequential(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    """6-13: two conditions in a row; the first's result (2) seeds the second (to 4)."""
    return ctx.wait_for_condition(
        _increment, WaitForConditionConfig(initial_state=0, wait_strategy=_until(2))
    ).bind(
        lambda state: ctx.wait_for_condition(
            _increment, WaitForConditionConfig(initial_state=state, wait_strategy=_until(4))
        )
    )


# --- 7-x: wait for callback -------------------------------------------------------------------


def _submit(callback_id: str, step: StepContext) -> None:
    """Hand the callback id to the external system (here: just log it)."""
    step.logger.info(f"submitted callback {callback_id}")


class SubmitterError(Exception):
    """7-7: what the failing submitter raises."""


def _submit_fails(callback_id: str, step: StepContext) -> None:
    raise SubmitterError(f"could not submit callback {callback_id} (attempt {step.attempt})")


@durable_handler
def wait_for_callback_basic(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-1: a wait_for_callback named after the input."""
    return ctx.wait_for_callback(_submit, str, name=event)


@durable_handler
def wait_for_callback_static_name(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """7-2: the operation is named ``approval``."""
    return ctx.wait_for_callback(_submit, str, name="approval")


@durable_handler
def wait_for_callback_anonymous(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """7-3: an inline submitter and no name."""
    return ctx.wait_for_callback(lambda callback_id, step: None, str)


@durable_handler
def wait_for_callback_failure(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-4: the external system reports failure; not handled."""
    return ctx.wait_for_callback(_submit, str, name=event)


@durable_handler
def wait_for_callback_failure_caught(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-6: the failure is handled with a fixed recovery value."""
    return ctx.wait_for_callback(_submit, str, name=event).lash(lambda _: Success("recovered"))


@durable_handler
def wait_for_callback_submitter_fails(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-7: the submitter always raises; two attempts 1 s apart, then the operation fails."""
    retry = RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)
    config = WaitForCallbackConfig(retry_strategy=retry)
    return ctx.wait_for_callback(_submit_fails, str, name=event, config=config)


@durable_handler
def wait_for_callback_in_child(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-8: the wait_for_callback runs inside a child context named ``wrapper``."""
    return ctx.run_in_child_context(
        lambda child: child.wait_for_callback(_submit, str, name=event), name="wrapper"
    )


@durable_handler
def wait_for_callback_after_wait_and_step(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-10: a 1 s wait, a step, then the wait_for_callback."""
    return (
        ctx.wait(Duration.seconds(1))
        .bind(lambda _: ctx.step(lambda _: "fixed data"))
        .bind(lambda _: ctx.wait_for_callback(_submit, str, name=event))
    )


@durable_handler
def wait_for_callback_heartbeat_timeout(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-12: a 5 s heartbeat timeout and no heartbeat: it times out; not handled."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.seconds(5))
    return ctx.wait_for_callback(_submit, str, name=event, config=config)


@durable_handler
def wait_for_callback_heartbeat(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-13: a 10 s heartbeat timeout; a heartbeat keeps it alive until the success."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.seconds(10))
    return ctx.wait_for_callback(_submit, str, name=event, config=config)


@durable_handler
def wait_for_callback_timeout_caught(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """7-14: a 3 s timeout, handled with a fixed value."""
    config = WaitForCallbackConfig(timeout=Duration.seconds(3))
    return ctx.wait_for_callback(_submit, str, name=event, config=config).lash(
        lambda _: Success("timed-out-handled")
    )


@durable_handler
def wait_for_callback_empty_result(event: str, ctx: DurableContext) -> Result[str | None, DurableError]:
    """7-15: the callback succeeds without a payload: the result is null."""
    return ctx.wait_for_callback(_submit, str, name=event)




# --- 8-x: parallel / 9-x: map -------------------------------------------------------------------


class BranchError(Exception):
    """What a failing map item or parallel branch raises."""


def _succeed_with(value: T) -> Callable[[DurableContext], Result[T, DurableError]]:
    """A branch that returns ``value`` directly, with no operation inside."""

    def branch(ctx: DurableContext) -> Result[T, DurableError]:
        return Success(value)

    return branch


def _step_returning(value: str) -> Callable[[DurableContext], Result[str, DurableError]]:
    """A branch whose single step returns ``value``."""

    def branch(ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: value)

    return branch


def _fail_with(message: str) -> Callable[[DurableContext], Result[str, DurableError]]:
    """A branch that raises."""

    def branch(ctx: DurableContext) -> Result[str, DurableError]:
        raise BranchError(message)

    return branch


def _batch_status(batch: BatchResult[Any]) -> str:
    return "FAILED" if batch.failure_count else "SUCCEEDED"


def _summary(batch: BatchResult[Any]) -> dict[str, str | int]:
    """{completionReason, status, successCount, failureCount, totalCount}."""
    return {
        "completionReason": batch.completion_reason.value,
        "status": _batch_status(batch),
        "successCount": batch.success_count,
        "failureCount": batch.failure_count,
        "totalCount": batch.total_count,
    }


def _counts(batch: BatchResult[Any]) -> dict[str, str | int]:
    """{completionReason, successCount, failureCount, totalCount}."""
    return {
        "completionReason": batch.completion_reason.value,
        "successCount": batch.success_count,
        "failureCount": batch.failure_count,
        "totalCount": batch.total_count,
    }


def _all_results(batch: BatchResult[T]) -> Result[list[T], DurableError]:
    return batch.to_result()


SEQUENTIAL = ParallelConfig(max_concurrency=1)


@durable_handler
def parallel_basic(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-1: two branches, one step each, one at a time."""
    return ctx.parallel(
        [_step_returning("task-1"), _step_returning("task-2")], name="parallel", config=SEQUENTIAL
    ).bind(_all_results)


@durable_handler
def parallel_named_branches(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-3: branches with names (``first``, ``second``) returning values directly."""
    first, second = _succeed_with("one"), _succeed_with("two")
    return ctx.parallel([first, second], name="named", config=SEQUENTIAL).bind(_all_results)


Mixed = str | int | dict[str, str]


@durable_handler
def parallel_mixed_types(event: Any, ctx: DurableContext) -> Result[list[Mixed], DurableError]:
    """8-4: branches returning a string, a number and an object keep their types."""
    branches: list[Callable[[DurableContext], Result[Mixed, DurableError]]] = [
        _succeed_with("hello"),
        _succeed_with(42),
        _succeed_with({"k": "v"}),
    ]
    return ctx.parallel(branches, name="hetero", config=SEQUENTIAL).bind(_all_results)


def _parallel_summary(
    ctx: DurableContext,
    name: str,
    branches: Sequence[Callable[[DurableContext], Result[str, DurableError]]],
    completion: CompletionConfig,
    project: Callable[[BatchResult[str]], dict[str, Any]] = _summary,
) -> Result[dict[str, Any], DurableError]:
    config = ParallelConfig(max_concurrency=1, completion=completion)
    return ctx.parallel(branches, name=name, config=config).map(project)


@durable_handler
def parallel_fail_fast(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-6: no failure tolerated: branch 1 fails, branch 2 never starts."""
    branches = [_succeed_with("ok"), _fail_with("branch 1 fails"), _succeed_with("never")]
    return _parallel_summary(ctx, "failfast", branches, CompletionConfig(tolerated_failure_count=0))


@durable_handler
def parallel_rethrow(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-7: branch 0 fails; turning the batch into a ``Result`` fails the execution."""
    config = ParallelConfig(max_concurrency=1, completion=CompletionConfig(tolerated_failure_count=0))
    branches = [_fail_with("branch 0 fails"), _succeed_with("never")]
    return ctx.parallel(branches, name="throwing", config=config).bind(_all_results)


def _successes_so_far(batch: BatchResult[Any]) -> dict[str, Any]:
    return {
        "completionReason": batch.completion_reason.value,
        "successCount": batch.success_count,
        "totalCount": batch.total_count,
    }


@durable_handler
def parallel_min_successful(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-8: two successes are enough; branches 2 and 3 never start."""
    branches = [_succeed_with(f"b{i}") for i in range(4)]
    enough = CompletionConfig(min_successful=2)
    return _parallel_summary(ctx, "min-successful", branches, enough, _successes_so_far)


@durable_handler
def parallel_tolerated_failure(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-9: one failure tolerated; all three branches run."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    return _parallel_summary(ctx, "tolerated", branches, CompletionConfig(tolerated_failure_count=1))


@durable_handler
def parallel_tolerance_exceeded(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-10: one failure tolerated, two happen; branch 2 never starts."""
    branches = [_fail_with("branch 0 fails"), _fail_with("branch 1 fails"), _succeed_with("never")]
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return _parallel_summary(ctx, "tolerated-exceeded", branches, one_tolerated, _counts)


@durable_handler
def parallel_concurrent(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-11: two branches at a time; results still come back in branch order."""
    branches = [_succeed_with(f"r{i}") for i in range(3)]
    config = ParallelConfig(max_concurrency=2)
    return ctx.parallel(branches, name="concurrent", config=config).bind(_all_results)


@durable_handler
def parallel_flat(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-12: FLAT nesting: no branch contexts, the steps hang off the parallel itself."""
    config = ParallelConfig(max_concurrency=1, nesting=NestingType.FLAT)
    return ctx.parallel([_step_returning("fa"), _step_returning("fb")], name="flat", config=config).bind(
        _all_results
    )


@durable_handler
def parallel_tolerated_percentage(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-13: 25 % of 4 tolerated; the second failure (50 %) stops the batch."""
    branches = [
        _fail_with("branch 0 fails"),
        _fail_with("branch 1 fails"),
        _succeed_with("b2"),
        _succeed_with("b3"),
    ]
    return _parallel_summary(
        ctx, "tolerated-pct", branches, CompletionConfig(tolerated_failure_percentage=25), _counts
    )


@durable_handler
def parallel_branch_suspends(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-14: branch 1 waits 2 s; the replay skips the finished branch 0."""

    def waits(branch: DurableContext) -> Result[str, DurableError]:
        return branch.wait(Duration.seconds(2)).map(lambda _: "b1")

    return ctx.parallel([_step_returning("b0"), waits], name="replay", config=SEQUENTIAL).bind(_all_results)


class WrappingSerdes:
    """A ``SerDes[str]`` storing ``{"wrapped": value}`` and unwrapping it again (8-15)."""

    def serialize(self, value: str, /) -> str:
        return json.dumps({"wrapped": value})

    def deserialize(self, data: str, /) -> str:
        return str(json.loads(data)["wrapped"])


@durable_handler
def parallel_item_serdes(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """8-15: each branch result is stored wrapped and read back unwrapped."""
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappingSerdes())
    branches = [_succeed_with("x"), _succeed_with("y")]
    return ctx.parallel(branches, name="serde", config=config).bind(_all_results)


@durable_handler
def parallel_all_fail(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-16: three failures, three tolerated: all run, the batch status is FAILED."""
    branches = [_fail_with(f"branch {i} fails") for i in range(3)]
    return _parallel_summary(ctx, "all-fail", branches, CompletionConfig(tolerated_failure_count=3))


@durable_handler
def parallel_min_not_reached(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-17: min_successful=3 is never reached; failures alone do not stop the batch."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    return _parallel_summary(ctx, "min-not-reached", branches, CompletionConfig(min_successful=3))


def _accessors(batch: BatchResult[str]) -> dict[str, Any]:
    failures = batch.failures()
    return {
        "hasFailure": batch.has_failure,
        "successCount": len(batch.successes()),
        "failureCount": len(failures),
        "errorCount": len([item.error for item in failures if item.error is not None]),
    }


@durable_handler
def parallel_accessors(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-20: the projection is built from the BatchResult's accessors."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return _parallel_summary(ctx, "accessors", branches, one_tolerated, _accessors)


@durable_handler
def parallel_nested(event: Any, ctx: DurableContext) -> Result[list[list[str]], DurableError]:
    """8-21: the single outer branch runs an inner parallel of two steps."""

    def inner(branch: DurableContext) -> Result[list[str], DurableError]:
        return branch.parallel(
            [_step_returning("i1"), _step_returning("i2")], name="inner", config=SEQUENTIAL
        ).bind(_all_results)

    return ctx.parallel([inner], name="outer", config=SEQUENTIAL).bind(_all_results)


@durable_handler
def parallel_percentage_boundary(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """8-22: 1 of 4 failing is exactly the 25 % tolerated: everything runs."""
    branches = [_fail_with("branch 0 fails"), _succeed_with("b1"), _succeed_with("b2"), _succeed_with("b3")]
    return _parallel_summary(ctx, "pct-boundary", branches, CompletionConfig(tolerated_failure_percentage=25))


def _item_or_fail(ctx: DurableContext, item: str, index: int) -> Result[str, DurableError]:
    """A map item returning itself, unless it is ``"fail"``."""
    if item == "fail":
        raise BranchError(f"item {index} fails")
    return Success(item)


def _map_summary(
    ctx: DurableContext,
    name: str,
    items: Sequence[str],
    completion: CompletionConfig,
    project: Callable[[BatchResult[str]], dict[str, Any]] = _summary,
) -> Result[dict[str, Any], DurableError]:
    return ctx.map(
        items, _item_or_fail, name=name, config=MapConfig(max_concurrency=1, completion=completion)
    ).map(project)


SEQUENTIAL_MAP: MapConfig[Any, NoSerdes] = MapConfig(max_concurrency=1)


@durable_handler
def map_items_only(event: list[int], ctx: DurableContext) -> Result[list[int], DurableError]:
    """9-2: no name; each item is doubled directly, with no operation inside."""
    return ctx.map(event, lambda _, item, index: Success(int(item) * 2), config=SEQUENTIAL_MAP).bind(_all_results)


@durable_handler
def map_empty(event: list[int], ctx: DurableContext) -> Result[list[int], DurableError]:
    """9-4: no items: the map still starts and succeeds, with an empty result."""
    return ctx.map(event, lambda _, item, index: Success(item), name="empty").bind(_all_results)


@durable_handler
def map_fail_fast(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """9-5: no failure tolerated: item 1 fails, item 2 never starts."""
    return _map_summary(ctx, "failfast", ["ok", "fail", "never"], CompletionConfig(tolerated_failure_count=0))


@durable_handler
def map_rethrow(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-6: item 0 fails; turning the batch into a ``Result`` fails the execution."""
    fail_fast = CompletionConfig(tolerated_failure_count=0)
    return ctx.map(
        ["fail", "never"],
        _item_or_fail,
        name="throwing",
        config=MapConfig(max_concurrency=1, completion=fail_fast),
    ).bind(_all_results)


@durable_handler
def map_min_successful(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """9-7: two successes are enough; items 2 and 3 never start."""
    items = ["i0", "i1", "i2", "i3"]
    return _map_summary(ctx, "min-successful", items, CompletionConfig(min_successful=2), _successes_so_far)


@durable_handler
def map_tolerance_exceeded(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """9-9: one failure tolerated, two happen; item 2 never starts."""
    items = ["fail", "fail", "never"]
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return _map_summary(ctx, "tolerated-exceeded", items, one_tolerated, _counts)


@durable_handler
def map_tolerated_percentage(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """9-10: 25 % of 4 tolerated; the second failure (50 %) stops the map."""
    items = ["fail", "fail", "i2", "i3"]
    a_quarter = CompletionConfig(tolerated_failure_percentage=25)
    return _map_summary(ctx, "tolerated-pct", items, a_quarter, _counts)


@durable_handler
def map_concurrent(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-11: two items at a time; results still come back in item order."""
    return ctx.map(
        ["r0", "r1", "r2"], _item_or_fail, name="concurrent", config=MapConfig(max_concurrency=2)
    ).bind(_all_results)


@durable_handler
def map_flat(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-12: FLAT nesting: no item contexts, each item's step hangs off the map."""
    return ctx.map(
        ["fa", "fb"],
        lambda item_ctx, item, index: item_ctx.step(lambda _: item),
        name="flat",
        config=MapConfig(max_concurrency=1, nesting=NestingType.FLAT),
    ).bind(_all_results)


@durable_handler
def map_item_namer(event: list[int], ctx: DurableContext) -> Result[list[int], DurableError]:
    """9-13: items are named ``item-<value>``."""
    return ctx.map(
        event,
        lambda _, item, index: Success(item * 10),
        name="named-items",
        config=MapConfig(max_concurrency=1, item_namer=lambda item, index: f"item-{item}"),
    ).bind(_all_results)


class PrefixSerdes:
    """A ``SerDes[str]`` storing ``wrapped:<value>`` and stripping it again (9-14)."""

    def serialize(self, value: str, /) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, /) -> str:
        return data.removeprefix("wrapped:")


@durable_handler
def map_item_serdes(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-14: each item's result goes through a custom serdes (``wrapped:X``)."""
    return ctx.map(
        ["x", "y"],
        lambda _, item, index: Success(item.upper()),
        name="serdes",
        config=MapConfig(max_concurrency=1, item_serdes=PrefixSerdes()),
    ).bind(_all_results)


@durable_handler
def map_item_suspends(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-15: item 1 waits 1 s before its step; the replay skips the finished item 0."""

    def item_fn(item_ctx: DurableContext, item: str, index: int) -> Result[str, DurableError]:
        waited = item_ctx.wait(Duration.seconds(1)) if index == 1 else Success(None)
        return waited.bind(lambda _: item_ctx.step(lambda _: item))

    return ctx.map(["r0", "r1"], item_fn, name="suspend", config=SEQUENTIAL_MAP).bind(_all_results)


LARGE_ITEM_CHARS = 70_000
"""Four of these exceed the 256 KiB context-result threshold together, not alone."""


@durable_handler
def map_large_result(event: Any, ctx: DurableContext) -> Result[dict[str, int], DurableError]:
    """9-16: the combined result is too large to store, so the map is checkpointed with
    ReplayChildren; the handler returns only counts."""
    return ctx.map(
        range(4),
        lambda _, item, index: Success(str(item) * LARGE_ITEM_CHARS),
        name="large",
        config=SEQUENTIAL_MAP,
    ).map(lambda batch: {"successCount": batch.success_count, "totalCount": batch.total_count})


@durable_handler
def map_then_wait(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-17: a successful map, then a 1 s wait; the replay skips the map."""
    return (
        ctx.map(
            ["a", "b"], lambda _, item, index: Success(str(item).upper()), name="then-wait", config=SEQUENTIAL_MAP
        )
        .bind(_all_results)
        .bind(lambda results: ctx.wait(Duration.seconds(1)).map(lambda _: results))
    )


@durable_handler
def map_failure_then_wait(event: Any, ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    """9-18: one tolerated failure, then a 1 s wait; the replay skips the map."""
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return _map_summary(ctx, "fail-then-wait", ["ok", "fail"], one_tolerated).bind(
        lambda summary: ctx.wait(Duration.seconds(1)).map(lambda _: summary)
    )


class OperationSerdes:
    """A ``SerDes[BatchResult[str]]`` storing a map of strings as ``OPSERDE:X,Y`` (9-20)."""

    PREFIX = "OPSERDE:"

    def serialize(self, value: BatchResult[str], /) -> str:
        return self.PREFIX + ",".join(item.result or "" for item in value.items)

    def deserialize(self, data: str, /) -> BatchResult[str]:
        values = data.removeprefix(self.PREFIX).split(",") if data != self.PREFIX else []
        return BatchResult(
            [BatchItem(index, BatchItemStatus.SUCCEEDED, value) for index, value in enumerate(values)],
            CompletionReason.ALL_COMPLETED,
        )


@durable_handler
def map_operation_serdes(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    """9-20: the whole map result is stored as ``OPSERDE:X,Y``; the replay after the
    wait decodes it through the same serdes."""
    return (
        ctx.map(
            ["x", "y"],
            lambda _, item, index: Success(item.upper()),
            name="op-serde-replay",
            config=MapConfig(max_concurrency=1, serdes=OperationSerdes()),
        )
        .bind(_all_results)
        .bind(lambda results: ctx.wait(Duration.seconds(1)).map(lambda _: results))
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
    "4-3": callback_timeout,
    "4-4": callback_heartbeat_timeout,
    "4-7": callback_step_then_failure,
    "4-8": callback_step_then_timeout,
    "4-9": callback_wait_success,
    "4-10": callback_wait_failure,
    "4-11": callback_wait_timeout,
    "4-12": callback_then_wait,
    "4-13": callback_failure_caught,
    "4-14": callback_timeout_caught,
    "4-15": callback_custom_serdes,
    "4-16": callback_numeric_serdes,
    "4-17": callbacks_sequential,
    "4-18": callbacks_both_then_in_order,
    "4-19": callbacks_both_then_reversed,
    "5-1": invoke_basic,
    "5-2": invoke_with_name,
    "5-3": invoke_complex,
    "5-4": invoke_null,
    "5-5": invoke_failing,
    "5-6": invoke_failing_caught,
    "5-8": invoke_with_tenant,
    "5-9": invoke_then_wait,
    "5-10": invoke_failure_then_wait,
    "5-11": step_then_invoke,
    "5-12": invoke_then_step,
    "5-14": invokes_sequential,
    "5-16": invoke_result_serdes,
    "6-1": condition_counter,
    "6-2": condition_immediate,
    "6-4": condition_initial_state,
    "6-5": condition_fixed_delay,
    "6-6": condition_never_met,
    "6-7": condition_check_raises,
    "6-10": condition_null_state,
    "6-11": condition_custom_serdes,
    "6-12": condition_then_step,
    "6-13": conditions_sequential,
    "7-1": wait_for_callback_basic,
    "7-2": wait_for_callback_static_name,
    "7-3": wait_for_callback_anonymous,
    "7-4": wait_for_callback_failure,
    "7-6": wait_for_callback_failure_caught,
    "7-7": wait_for_callback_submitter_fails,
    "7-8": wait_for_callback_in_child,
    "7-10": wait_for_callback_after_wait_and_step,
    "7-12": wait_for_callback_heartbeat_timeout,
    "7-13": wait_for_callback_heartbeat,
    "7-14": wait_for_callback_timeout_caught,
    "7-15": wait_for_callback_empty_result,
    "8-1": parallel_basic,
    "8-3": parallel_named_branches,
    "8-4": parallel_mixed_types,
    "8-6": parallel_fail_fast,
    "8-7": parallel_rethrow,
    "8-8": parallel_min_successful,
    "8-9": parallel_tolerated_failure,
    "8-10": parallel_tolerance_exceeded,
    "8-11": parallel_concurrent,
    "8-12": parallel_flat,
    "8-13": parallel_tolerated_percentage,
    "8-14": parallel_branch_suspends,
    "8-15": parallel_item_serdes,
    "8-16": parallel_all_fail,
    "8-17": parallel_min_not_reached,
    "8-20": parallel_accessors,
    "8-21": parallel_nested,
    "8-22": parallel_percentage_boundary,
    "9-2": map_items_only,
    "9-4": map_empty,
    "9-5": map_fail_fast,
    "9-6": map_rethrow,
    "9-7": map_min_successful,
    "9-9": map_tolerance_exceeded,
    "9-10": map_tolerated_percentage,
    "9-11": map_concurrent,
    "9-12": map_flat,
    "9-13": map_item_namer,
    "9-14": map_item_serdes,
    "9-15": map_item_suspends,
    "9-16": map_large_result,
    "9-17": map_then_wait,
    "9-18": map_failure_then_wait,
    "9-20": map_operation_serdes,
    **PLUGIN_HANDLERS,
}

FUNCTIONS: dict[str, Handler] = {
    ECHO: echo_target,
    SHOUT: shout_target,
    FAILING: failing_target,
}
"""Invoke targets by function name (5-x)."""
"""Handlers by requirement id (the file stem of each requirement)."""
