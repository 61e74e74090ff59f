"""Async twins of the conformance handlers, for the step (1-x), wait (2-x) and child
context (3-x) suites.

The same requirements as ``handlers.py``, written as ``async def`` handlers against
``AsyncDurableContext`` (step bodies are ``async def`` where it changes anything): the
async API must record exactly what the sync API records. The user-side helpers (errors,
serdes, retry strategies, the crash) are shared with ``handlers.py``.

    lambda-durable conformance --requirements DIR --handlers tests/conformance/async_handlers.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import (
    AsyncDurableContext,
    ChildConfig,
    DurableError,
    Duration,
    JitterStrategy,
    RetryStrategy,
    StepConfig,
    StepContext,
    StepSemantics,
    durable_handler,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from handlers import HANDLERS as SYNC_HANDLERS  # noqa: E402 - the sibling file, found through the path set above
from handlers import (  # noqa: E402
    LARGE_RESULT_CHARS,
    NO_RETRY,
    ONE_SECOND_RETRY,
    Handler,
    Profile,
    ProfileResponse,
    TransientError,
    UppercaseSerdes,
    User,
    NamedValue,
    _crash,
    _fail_always,
    _first_time,
    _log_even_when_replaying,
    no_retry_on_transient,
    retry_on_transient,
)

# --- 1-x: steps -------------------------------------------------------------------------------


@durable_handler
async def step_basic(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-1: a single step that greets the input."""
    return await ctx.step(lambda _: f"Hello, {event}!")


@durable_handler
async def step_with_name(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-2: the same step with an explicit name."""
    return await ctx.step(lambda _: f"Hello, {event}!", name="custom_step_name")


@durable_handler
async def step_complex_result(event: Profile, ctx: AsyncDurableContext) -> Result[ProfileResponse, DurableError]:
    """1-4: a nested result survives serialization and replay."""

    async def build(_: StepContext) -> ProfileResponse:
        return ProfileResponse(User(event.name, list(event.tags)), len(event.tags))

    return await ctx.step(build)


@durable_handler
async def step_null_result(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """1-5: a step returning None."""
    return await ctx.step(lambda _: None)


@durable_handler
async def step_custom_serdes(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-6: a per-step serdes stores the result upper-cased."""
    return await ctx.step(lambda _: event, config=StepConfig(serdes=UppercaseSerdes()))


@durable_handler
async def step_with_logger(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-7: the step logs its start and end through the step context's logger."""

    async def greet(step: StepContext) -> str:
        step.logger.info(f"Greeting step started for: {event}")
        greeting = f"Hello, {event}!"
        step.logger.info(f"Greeting step completed with: {greeting}")
        return greeting

    return await ctx.step(greet)


@durable_handler
async def step_then_wait(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-8: a step then a 2 s wait; the replay skips the completed step."""
    value = await ctx.step(lambda _: "computed")
    await ctx.wait(Duration.seconds(2))
    return value


@durable_handler
async def replay_rethrows_failed_step(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-10: a permanently failing step is caught, then a 1 s wait."""

    async def fail(step: StepContext) -> str:
        step.logger.info("step executed")
        raise RuntimeError("permanent failure")

    caught = (await ctx.step(fail, config=NO_RETRY)).lash(lambda error: Success(f"caught {error.error.error_type}"))
    await ctx.wait(Duration.seconds(1))
    return caught


@durable_handler
async def step_retry_then_succeed(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-11: fails on attempt 1, succeeds on attempt 2 (retry after 1 s)."""

    async def unreliable(step: StepContext) -> str:
        if step.attempt < 2:
            raise RuntimeError("first attempt fails")
        return "Operation succeeded"

    return await ctx.step(unreliable, config=StepConfig(retry_strategy=ONE_SECOND_RETRY))


async def _third_time_lucky(step: StepContext) -> str:
    if step.attempt < 3:
        raise RuntimeError(f"attempt {step.attempt} fails")
    return "succeeded on attempt 3"


@durable_handler
async def step_default_retry(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-13: the default strategy; fails twice."""
    return await ctx.step(_third_time_lucky)


@durable_handler
async def step_custom_backoff(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-14: 2 s initial delay, x3 backoff, no jitter; fails twice."""
    strategy = RetryStrategy(max_attempts=5, initial_delay=Duration.seconds(2), backoff_rate=3, jitter=JitterStrategy.NONE)
    return await ctx.step(_third_time_lucky, config=StepConfig(retry_strategy=strategy))


@durable_handler
async def step_retry_specific_error(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-15: a TransientError on attempt 1 is retried by a type-checking strategy."""

    async def flaky(step: StepContext) -> str:
        if step.attempt == 1:
            raise TransientError("temporary glitch")
        return "recovered"

    return await ctx.step(flaky, config=StepConfig(retry_strategy=retry_on_transient))


@durable_handler
async def step_non_retryable_error(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-16: the strategy refuses to retry a TransientError: the execution fails."""

    async def flaky(step: StepContext) -> str:
        raise TransientError("not retried")

    return await ctx.step(flaky, config=StepConfig(retry_strategy=no_retry_on_transient))


@durable_handler
async def step_at_most_once_interrupted(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-17: an at-most-once step crashes the process; the next invocation fails it."""

    async def flaky(step: StepContext) -> str:
        step.logger.info(f"at-most-once step received {event}")
        _crash()

    config = StepConfig[str](retry_strategy=RetryStrategy.none(), semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)
    return await ctx.step(flaky, name="at_most_once_flaky_step", config=config)


@durable_handler
async def step_fails_permanently(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-19: an always-failing step without retries fails the execution."""
    return await ctx.step(_fail_always("always fails"), config=NO_RETRY)


@durable_handler
async def step_error_caught(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """1-20: the failed step is handled with a fallback, then a second step runs."""
    fallback = (await ctx.step(_fail_always("fails, handled below"), config=NO_RETRY)).lash(
        lambda _: Success("fallback_result")
    )
    return await ctx.step(lambda _: fallback.unwrap())


# --- 2-x: waits -------------------------------------------------------------------------------


@durable_handler
async def wait_with_name(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """2-2: one named 2 s wait."""
    return await ctx.wait(Duration.seconds(2), name="custom_wait_name")


@durable_handler
async def sequential_waits(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, int], DurableError]:
    """2-3: two named 2 s waits, one per invocation."""
    await ctx.wait(Duration.seconds(2), name="wait-1")
    return (await ctx.wait(Duration.seconds(2), name="wait-2")).map(lambda _: {"completedWaits": 2})


@durable_handler
async def wait_minutes(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """2-4: a one-minute wait is recorded as 60 seconds."""
    return await ctx.wait(Duration.minutes(1))


@durable_handler
async def wait_hours(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """2-5: a one-hour wait is recorded as 3600 seconds."""
    return await ctx.wait(Duration.hours(1))


# --- 3-x: child contexts ----------------------------------------------------------------------


def _returns(value: str) -> Callable[[AsyncDurableContext], Awaitable[Result[str, DurableError]]]:
    """A child body whose single step returns ``value``."""

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        return await child.step(lambda _: value)

    return body


async def _step_then_wait(child: AsyncDurableContext, value: str) -> Result[str, DurableError]:
    stepped = await child.step(lambda _: value)
    await child.wait(Duration.seconds(1))
    return stepped


@durable_handler
async def child_basic(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-1: a child context whose single step returns the input."""
    return await ctx.run_in_child_context(_returns(event))


@durable_handler
async def child_with_name(event: NamedValue, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-2: the child is named after the first input; its step returns the second."""
    return await ctx.run_in_child_context(_returns(event.value), name=event.name)


@durable_handler
async def child_sequential_steps(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-3: two steps in a child, the second fed by the first."""

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        first = (await child.step(lambda _: event)).unwrap()
        return await child.step(lambda _: first)

    return await ctx.run_in_child_context(body, name="sequential-steps")


async def _failing_child(child: AsyncDurableContext) -> Result[str, DurableError]:
    return await child.step(_fail_always("child step fails"), config=NO_RETRY)


@durable_handler
async def child_error(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-4: the child's only step fails without retry; the child and execution fail."""
    return await ctx.run_in_child_context(_failing_child, name="failing-child")


@durable_handler
async def child_error_caught(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-5: the child fails, the parent handles it and a recovery step returns the input."""
    failed = await ctx.run_in_child_context(_failing_child, name="failing-child")
    return failed if isinstance(failed, Success) else await ctx.step(lambda _: event)


@durable_handler
async def child_step_retry(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-7: the child's step fails once, is retried after 1 s and returns the input."""

    async def unreliable(step: StepContext) -> str:
        if step.attempt < 2:
            raise RuntimeError("first attempt fails")
        return event

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        return await child.step(unreliable, config=StepConfig(retry_strategy=ONE_SECOND_RETRY))

    return await ctx.run_in_child_context(body, name="retrying-child")


@durable_handler
async def child_step_retry_exhausted(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-8: the child's step always fails; after 2 attempts the child fails."""
    strategy = RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        return await child.step(_fail_always("always fails"), config=StepConfig(retry_strategy=strategy))

    return await ctx.run_in_child_context(body, name="exhausted-child")


@durable_handler
async def child_replay_cached(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-9: a child then a wait; the replay returns the child's cached result."""
    value = await ctx.run_in_child_context(_returns(event))
    await ctx.wait(Duration.seconds(1))
    return value


@durable_handler
async def child_step_and_wait(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-10: a step and a wait inside one child context."""
    return await ctx.run_in_child_context(lambda child: _step_then_wait(child, event), name="step-and-wait")


@durable_handler
async def child_large_result(event: str, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """3-11: a child result over 256 KiB is recorded with ReplayChildren and re-run on replay."""

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        _log_even_when_replaying(child, f"large child context running for {event}")
        small = await child.step(lambda _: event)
        return small.map(lambda text: text * (LARGE_RESULT_CHARS // max(1, len(text)) + 1))

    large = await ctx.run_in_child_context(body, name="large-payload-child")
    await ctx.wait(Duration.seconds(1))
    return large.map(len)


@durable_handler
async def child_interrupted(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-12: the child's step crashes the process on its first run; the next invocation
    re-runs it without a second START and the child succeeds."""

    async def crash_once(step: StepContext) -> str:
        if _first_time(ctx, "3-12"):
            _crash()
        return event

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        return await child.step(crash_once)

    return await ctx.run_in_child_context(body)


@durable_handler
async def child_custom_serdes(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-14: the child's serdes stores its result upper-cased."""
    return await ctx.run_in_child_context(
        _returns(event), name="uppercase-child", config=ChildConfig(serdes=UppercaseSerdes())
    )


@durable_handler
async def child_logger_only(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-17: a child that only logs; its cached result means it never re-runs."""

    async def body(child: AsyncDurableContext) -> Result[str, DurableError]:
        child.logger.info(f"child context received {event}")
        return Success(event)

    value = await ctx.run_in_child_context(body, name="logging-child")
    await ctx.wait(Duration.seconds(1))
    return value


@durable_handler
async def child_then_root_operations(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """3-18: step + wait in a child, then step + wait at the root (three invocations)."""
    inner = (await ctx.run_in_child_context(lambda child: _step_then_wait(child, event), name="inner-child")).unwrap()
    return await _step_then_wait(ctx, inner)


HANDLERS: dict[str, Handler] = {
    requirement: globals()[handler.__name__]  # each twin has its sync handler's name
    for requirement, handler in SYNC_HANDLERS.items()
    if requirement.split("-")[0] in ("1", "2", "3")
}
