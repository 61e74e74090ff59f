"""Async twins of the conformance handlers, for every suite ``handlers.py`` covers: step
(1-x), wait (2-x), child context (3-x), callback (4-x), invoke (5-x), wait for condition
(6-x), wait for callback (7-x), parallel (8-x) and map (9-x).

The same requirements as ``handlers.py``, written as ``async def`` handlers against
``AsyncDurableContext``: step bodies, condition checks, submitters, branches and invoke
targets are ``async def`` wherever they are user code, and some handlers compose with
``returns.future.FutureResult`` instead of awaiting each operation. The async API must
record exactly what the sync API records. The user-side helpers (errors, serdes, retry
and wait strategies, the crash, the batch projections) are shared with ``handlers.py``.

    lambda-durable conformance --requirements DIR --handlers tests/conformance/async_handlers.py
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from returns.future import FutureResult
from returns.io import IOResult
from returns.result import Failure, Result, Success

from lambda_durable import (
    AsyncCallback,
    AsyncDurableContext,
    BatchResult,
    CallbackConfig,
    ChildConfig,
    CompletionConfig,
    DurableError,
    Duration,
    InvokeConfig,
    JitterStrategy,
    MapConfig,
    NestingType,
    NoSerdes,
    ParallelConfig,
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

from handlers import FUNCTIONS as SYNC_FUNCTIONS  # noqa: E402 - the sibling file, found through the path set above
from handlers import HANDLERS as SYNC_HANDLERS  # noqa: E402
from plugin_handlers import PLUGIN_HANDLERS  # noqa: E402
from handlers import (  # noqa: E402
    ECHO,
    FAILING,
    LARGE_ITEM_CHARS,
    LARGE_RESULT_CHARS,
    NO_RETRY,
    ONE_SECOND_RETRY,
    SEQUENTIAL,
    SEQUENTIAL_MAP,
    SHOUT,
    Approval,
    ApprovalSerdes,
    ApprovalView,
    BranchError,
    ConditionCheckError,
    Doubled,
    Handler,
    IntSerdes,
    Mixed,
    NamedPayload,
    NamedValue,
    OperationSerdes,
    PrefixedStateSerdes,
    PrefixSerdes,
    Profile,
    ProfileResponse,
    RawUppercaseSerdes,
    Received,
    SubmitterError,
    TargetError,
    TransientError,
    UppercaseSerdes,
    User,
    WrappingSerdes,
    _accessors,
    _all_results,
    _counts,
    _crash,
    _fail_always,
    _fallback,
    _first_time,
    _handled,
    _log_even_when_replaying,
    _successes_so_far,
    _summary,
    _until,
    no_retry_on_transient,
    retry_on_transient,
)

T = TypeVar("T")

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


# --- 4-x: callbacks ---------------------------------------------------------------------------


def _answer(callback: AsyncCallback[T]) -> FutureResult[T, DurableError]:
    return FutureResult(callback.result())


@durable_handler
async def callback_timeout(event: str, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """4-3: a callback named after the input with a 5 s timeout; nobody answers."""
    config = CallbackConfig(timeout=Duration.seconds(5))
    return await FutureResult(ctx.create_callback(str, name=event, config=config)).bind(_answer)


@durable_handler
async def callback_heartbeat_timeout(event: str, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """4-4: a 5 s heartbeat timeout and no heartbeat: the callback times out."""
    config = CallbackConfig(heartbeat_timeout=Duration.seconds(5))
    return await FutureResult(ctx.create_callback(str, name=event, config=config)).bind(_answer)


async def _callback_step_result(
    ctx: AsyncDurableContext, name: str, config: CallbackConfig[NoSerdes] | None = None
) -> Result[str, DurableError]:
    """Create a callback, run a step while it is open, then await its result."""
    created = await ctx.create_callback(str, name=name, config=config)
    if isinstance(created, Failure):
        return Failure(created.failure())
    worked = await ctx.step(lambda _: "work done while waiting")
    if isinstance(worked, Failure):
        return worked
    return await created.unwrap().result()


@durable_handler
async def callback_step_then_failure(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-7: callback, step, result; the external failure is not handled."""
    return await _callback_step_result(ctx, event)


@durable_handler
async def callback_step_then_timeout(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-8: callback (5 s timeout), step, result; the timeout is not handled."""
    return await _callback_step_result(ctx, event, CallbackConfig(timeout=Duration.seconds(5)))


async def _callback_wait_result(
    ctx: AsyncDurableContext, name: str, wait: Duration, config: CallbackConfig[NoSerdes] | None = None
) -> Result[str, DurableError]:
    """Create a callback, wait a fixed time, then await the callback's result."""
    created = await ctx.create_callback(str, name=name, config=config)
    if isinstance(created, Failure):
        return Failure(created.failure())
    waited = await ctx.wait(wait)
    if isinstance(waited, Failure):
        return Failure(waited.failure())
    return await created.unwrap().result()


@durable_handler
async def callback_wait_success(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-9: callback, 5 s wait, result; the callback succeeds during the wait."""
    return await _callback_wait_result(ctx, event, Duration.seconds(5))


@durable_handler
async def callback_wait_failure(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-10: callback, 5 s wait, result; the callback fails during the wait."""
    return await _callback_wait_result(ctx, event, Duration.seconds(5))


@durable_handler
async def callback_wait_timeout(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-11: callback (3 s timeout), 6 s wait, result; it times out during the wait."""
    return await _callback_wait_result(ctx, event, Duration.seconds(6), CallbackConfig(timeout=Duration.seconds(3)))


async def _then_wait(ctx: AsyncDurableContext, value: T, seconds: int) -> Result[T, DurableError]:
    """A wait of ``seconds``, then ``value``."""
    return (await ctx.wait(Duration.seconds(seconds))).map(lambda _: value)


@durable_handler
async def callback_then_wait(event: str, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """4-12: the callback's result, then a 2 s wait, then return the result."""
    return await (
        FutureResult(ctx.create_callback(str, name=event))
        .bind(_answer)
        .bind(lambda value: FutureResult(_then_wait(ctx, value, 2)))
    )


@durable_handler
async def callback_failure_caught(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """4-13: the callback's failure is handled, then a 2 s wait; the replay handles it again."""
    created = await ctx.create_callback(str, name=event)
    if isinstance(created, Failure):
        return Failure(created.failure())
    message = (await created.unwrap().result()).lash(_handled)
    if isinstance(message, Failure):
        return message
    return await _then_wait(ctx, message.unwrap(), 2)


@durable_handler
async def callback_timeout_caught(event: str, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """4-14: a 3 s callback timeout is handled, then a 2 s wait."""
    config = CallbackConfig(timeout=Duration.seconds(3))
    return await (
        FutureResult(ctx.create_callback(str, name=event, config=config))
        .bind(_answer)
        .lash(lambda error: FutureResult.from_result(_handled(error)))
        .bind(lambda message: FutureResult(_then_wait(ctx, message, 2)))
    )


@durable_handler
async def callback_custom_serdes(event: str, ctx: AsyncDurableContext) -> IOResult[Received, DurableError]:
    """4-15: a custom serdes turns the posted JSON into an ``Approval`` with a datetime."""
    config = CallbackConfig(serdes=ApprovalSerdes())
    approval: FutureResult[Approval, DurableError] = FutureResult(
        ctx.create_callback(Approval, name=event, config=config)
    ).bind(_answer)
    return await approval.map(lambda a: Received(ApprovalView(a.id, a.message, int(a.timestamp.timestamp()))))


@durable_handler
async def callback_numeric_serdes(event: str, ctx: AsyncDurableContext) -> IOResult[Doubled, DurableError]:
    """4-16: a custom serdes turns the posted ``42`` into an ``int``."""
    config = CallbackConfig(serdes=IntSerdes())
    count: FutureResult[int, DurableError] = FutureResult(ctx.create_callback(int, name=event, config=config)).bind(
        _answer
    )
    return await count.map(lambda n: Doubled(n, n * 2))


@durable_handler
async def callbacks_sequential(event: list[str], ctx: AsyncDurableContext) -> IOResult[list[str], DurableError]:
    """4-17: create and await A, then create and await B."""
    first, second = event
    return await (
        FutureResult(ctx.create_callback(str, name=first))
        .bind(_answer)
        .bind(
            lambda a: FutureResult(ctx.create_callback(str, name=second)).bind(_answer).map(lambda b: [a, b])
        )
    )


async def _both_callbacks(
    ctx: AsyncDurableContext, names: list[str], order: Sequence[int]
) -> Result[list[str], DurableError]:
    """Create both callbacks (in input order), then await their results in ``order``."""
    created = [await ctx.create_callback(str, name=name) for name in names]
    answers: dict[int, str] = {}
    for index in order:
        handle = created[index]
        if isinstance(handle, Failure):
            return Failure(handle.failure())
        answered = await handle.unwrap().result()
        if isinstance(answered, Failure):
            return Failure(answered.failure())
        answers[index] = answered.unwrap()
    return Success([answers[index] for index in range(len(names))])


@durable_handler
async def callbacks_both_then_in_order(event: list[str], ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """4-18: create A and B, then await A, then B."""
    return await _both_callbacks(ctx, event, [0, 1])


@durable_handler
async def callbacks_both_then_reversed(event: list[str], ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """4-19: create A and B, then await B first, then A."""
    return await _both_callbacks(ctx, event, [1, 0])


# --- 5-x: chained invokes ---------------------------------------------------------------------


@durable_handler
async def echo_target(event: Any, ctx: AsyncDurableContext) -> Any:
    """Invoke target ``echo``: returns its input unchanged."""
    return event


@durable_handler
async def shout_target(event: Any, ctx: AsyncDurableContext) -> str:
    """Invoke target ``shout``: returns its input as an upper-case string."""
    return str(event).upper()


@durable_handler
async def failing_target(event: Any, ctx: AsyncDurableContext) -> str:
    """Invoke target ``failing``: always raises."""
    raise TargetError("the target function failed")


@durable_handler
async def invoke_basic(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-1: invoke the echo target with the input."""
    return await ctx.invoke(ECHO, event, str)


@durable_handler
async def invoke_with_name(event: NamedPayload, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-2: the invoke is named after the input."""
    return await ctx.invoke(ECHO, event.payload, str, name=event.name)


@durable_handler
async def invoke_complex(event: dict[str, Any], ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """5-3: a nested JSON object goes to the echo target and comes back as is."""
    return await ctx.invoke(ECHO, event, dict)


@durable_handler
async def invoke_null(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """5-4: the echo target receives and returns null."""
    return await ctx.invoke(ECHO, None, type(None))


@durable_handler
async def invoke_failing(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-5: the target fails; the InvokeFailed is not handled and the execution fails."""
    return await ctx.invoke(FAILING, None, str)


@durable_handler
async def invoke_failing_caught(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-6: the target fails and the handler falls back to a fixed value."""
    return (await ctx.invoke(FAILING, None, str)).lash(_fallback)


@durable_handler
async def invoke_with_tenant(event: dict[str, str], ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-8: the invoke carries the input's tenant id."""
    return await ctx.invoke(ECHO, event["payload"], str, config=InvokeConfig(tenant_id=event["tenantId"]))


@durable_handler
async def invoke_then_wait(event: Any, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """5-9: invoke, then a 1 s wait; the replay takes the invoke's result from the log."""
    return await FutureResult(ctx.invoke(ECHO, "cached", str)).bind(lambda value: FutureResult(_then_wait(ctx, value, 1)))


@durable_handler
async def invoke_failure_then_wait(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-10: the failed invoke is handled, then a 1 s wait; the replay handles it again."""
    handled = (await ctx.invoke(FAILING, None, str)).lash(_fallback)
    if isinstance(handled, Failure):
        return handled
    return await _then_wait(ctx, handled.unwrap(), 1)


@durable_handler
async def step_then_invoke(event: Any, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """5-11: a step, then invoke the echo target with its result."""
    return await FutureResult(ctx.step(lambda _: "from the step")).bind(lambda value: FutureResult(ctx.invoke(ECHO, value, str)))


@durable_handler
async def invoke_then_step(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-12: invoke, then a step processing the invoke's result."""
    invoked = await ctx.invoke(ECHO, "from the target", str)
    if isinstance(invoked, Failure):
        return invoked
    value = invoked.unwrap()

    async def process(_: StepContext) -> str:
        return f"processed {value}"

    return await ctx.step(process)


@durable_handler
async def invokes_sequential(event: Any, ctx: AsyncDurableContext) -> IOResult[list[str], DurableError]:
    """5-14: invoke one target, then another; each suspends until its target is done."""
    return await FutureResult(ctx.invoke(ECHO, "first", str)).bind(
        lambda first: FutureResult(ctx.invoke(SHOUT, "second", str)).map(lambda second: [first, second])
    )


@durable_handler
async def invoke_result_serdes(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """5-16: the result serdes upper-cases the raw result ``"hello"`` to ``"HELLO"``."""
    return await ctx.invoke(ECHO, event, str, config=InvokeConfig(result_serdes=RawUppercaseSerdes()))


# --- 6-x: wait for condition ------------------------------------------------------------------


async def _increment(state: int, check: StepContext) -> int:
    return state + 1


@durable_handler
async def condition_counter(event: int, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-1: count up from 0 until the input threshold, one check per invocation."""
    return await ctx.wait_for_condition(_increment, WaitForConditionConfig(0, _until(event)))


@durable_handler
async def condition_immediate(event: int, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-2: the initial state already satisfies the condition: no suspension."""

    async def unchanged(state: int, check: StepContext) -> int:
        return state

    return await ctx.wait_for_condition(unchanged, WaitForConditionConfig(initial_state=5, wait_strategy=_until(event)))


@durable_handler
async def condition_initial_state(event: int, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-4: counting starts from the configured initial state 5."""
    return await ctx.wait_for_condition(_increment, WaitForConditionConfig(5, _until(event)))


@durable_handler
async def condition_fixed_delay(event: int, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-5: a fixed 2 s delay between polls (no jitter, no backoff)."""
    every_two_seconds: WaitStrategy[int] = WaitStrategy.fixed(
        Duration.seconds(2), should_continue=lambda count: count < event
    )
    return await ctx.wait_for_condition(_increment, WaitForConditionConfig(0, every_two_seconds))


@durable_handler
async def condition_never_met(event: int, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-6: the condition never holds; the strategy's 3-attempt budget runs out."""
    never_negative: WaitStrategy[int] = WaitStrategy.fixed(
        Duration.seconds(1), should_continue=lambda count: count >= 0, max_attempts=3
    )
    return await ctx.wait_for_condition(_increment, WaitForConditionConfig(event, never_negative))


async def _failing_check(state: int, check: StepContext) -> int:
    raise ConditionCheckError("the status endpoint is down")


@durable_handler
async def condition_check_raises(event: Any, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-7: the check raises on its first run; no retry, the execution fails."""
    return await ctx.wait_for_condition(_failing_check, WaitForConditionConfig(0, _until(1)))


@durable_handler
async def condition_null_state(event: Any, ctx: AsyncDurableContext) -> Result[None, DurableError]:
    """6-10: the check returns None and the strategy stops at once."""
    config: WaitForConditionConfig[None] = WaitForConditionConfig(
        initial_state=None, wait_strategy=lambda state, attempt: WaitDecision.stop()
    )
    return await ctx.wait_for_condition(lambda state, _: None, config)


@durable_handler
async def condition_custom_serdes(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """6-11: a string state survives the suspension through a custom serdes."""

    async def grow(state: str, check: StepContext) -> str:
        return state + "x"

    def strategy(state: str, attempt: int) -> WaitDecision:
        return WaitDecision.continue_after(Duration.seconds(1)) if len(state) < 2 else WaitDecision.stop()

    config = WaitForConditionConfig(initial_state="", wait_strategy=strategy, serdes=PrefixedStateSerdes())
    return await ctx.wait_for_condition(grow, config)


@durable_handler
async def condition_then_step(event: int, ctx: AsyncDurableContext) -> IOResult[int, DurableError]:
    """6-12: the condition's final state feeds a step multiplying it by 10."""
    polled = ctx.wait_for_condition(_increment, WaitForConditionConfig(initial_state=0, wait_strategy=_until(event)))
    return await FutureResult(polled).bind(lambda state: FutureResult(ctx.step(lambda _: state * 10)))


@durable_handler
async def conditions_sequential(event: Any, ctx: AsyncDurableContext) -> Result[int, DurableError]:
    """6-13: two conditions in a row; the first's result (2) seeds the second (to 4)."""
    first = await ctx.wait_for_condition(_increment, WaitForConditionConfig(initial_state=0, wait_strategy=_until(2)))
    if isinstance(first, Failure):
        return first
    return await ctx.wait_for_condition(
        _increment, WaitForConditionConfig(initial_state=first.unwrap(), wait_strategy=_until(4))
    )


# --- 7-x: wait for callback -------------------------------------------------------------------


async def _submit(callback_id: str, step: StepContext) -> None:
    """Hand the callback id to the external system (here: just log it)."""
    step.logger.info(f"submitted callback {callback_id}")


async def _submit_fails(callback_id: str, step: StepContext) -> None:
    raise SubmitterError(f"could not submit callback {callback_id} (attempt {step.attempt})")


@durable_handler
async def wait_for_callback_basic(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-1: a wait_for_callback named after the input."""
    return await ctx.wait_for_callback(_submit, str, name=event)


@durable_handler
async def wait_for_callback_static_name(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-2: the operation is named ``approval``."""
    return await ctx.wait_for_callback(_submit, str, name="approval")


@durable_handler
async def wait_for_callback_anonymous(event: Any, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-3: an inline submitter and no name."""
    return await ctx.wait_for_callback(lambda callback_id, step: None, str)


@durable_handler
async def wait_for_callback_failure(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-4: the external system reports failure; not handled."""
    return await ctx.wait_for_callback(_submit, str, name=event)


@durable_handler
async def wait_for_callback_failure_caught(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-6: the failure is handled with a fixed recovery value."""
    return (await ctx.wait_for_callback(_submit, str, name=event)).lash(lambda _: Success("recovered"))


@durable_handler
async def wait_for_callback_submitter_fails(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-7: the submitter always raises; two attempts 1 s apart, then the operation fails."""
    retry = RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)
    config = WaitForCallbackConfig(retry_strategy=retry)
    return await ctx.wait_for_callback(_submit_fails, str, name=event, config=config)


@durable_handler
async def wait_for_callback_in_child(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-8: the wait_for_callback runs inside a child context named ``wrapper``."""

    async def wrapper(child: AsyncDurableContext) -> Result[str, DurableError]:
        return await child.wait_for_callback(_submit, str, name=event)

    return await ctx.run_in_child_context(wrapper, name="wrapper")


@durable_handler
async def wait_for_callback_after_wait_and_step(event: str, ctx: AsyncDurableContext) -> IOResult[str, DurableError]:
    """7-10: a 1 s wait, a step, then the wait_for_callback."""
    return await (
        FutureResult(ctx.wait(Duration.seconds(1)))
        .bind(lambda _: FutureResult(ctx.step(lambda _: "fixed data")))
        .bind(lambda _: FutureResult(ctx.wait_for_callback(_submit, str, name=event)))
    )


@durable_handler
async def wait_for_callback_heartbeat_timeout(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-12: a 5 s heartbeat timeout and no heartbeat: it times out; not handled."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.seconds(5))
    return await ctx.wait_for_callback(_submit, str, name=event, config=config)


@durable_handler
async def wait_for_callback_heartbeat(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-13: a 10 s heartbeat timeout; a heartbeat keeps it alive until the success."""
    config = WaitForCallbackConfig(heartbeat_timeout=Duration.seconds(10))
    return await ctx.wait_for_callback(_submit, str, name=event, config=config)


@durable_handler
async def wait_for_callback_timeout_caught(event: str, ctx: AsyncDurableContext) -> Result[str, DurableError]:
    """7-14: a 3 s timeout, handled with a fixed value."""
    config = WaitForCallbackConfig(timeout=Duration.seconds(3))
    return (await ctx.wait_for_callback(_submit, str, name=event, config=config)).lash(
        lambda _: Success("timed-out-handled")
    )


@durable_handler
async def wait_for_callback_empty_result(event: str, ctx: AsyncDurableContext) -> Result[str | None, DurableError]:
    """7-15: the callback succeeds without a payload: the result is null."""
    return await ctx.wait_for_callback(_submit, str, name=event)


# --- 8-x: parallel / 9-x: map -------------------------------------------------------------------

Branch = Callable[[AsyncDurableContext], Awaitable[Result[T, DurableError]]]


def _succeed_with(value: T) -> Branch[T]:
    """A branch that returns ``value`` directly, with no operation inside."""

    async def branch(ctx: AsyncDurableContext) -> Result[T, DurableError]:
        return Success(value)

    return branch


def _step_returning(value: str) -> Branch[str]:
    """A branch whose single (async) step returns ``value``."""

    async def body(_: StepContext) -> str:
        return value

    async def branch(ctx: AsyncDurableContext) -> Result[str, DurableError]:
        return await ctx.step(body)

    return branch


def _fail_with(message: str) -> Branch[str]:
    """A branch that raises."""

    async def branch(ctx: AsyncDurableContext) -> Result[str, DurableError]:
        raise BranchError(message)

    return branch


async def _parallel_summary(
    ctx: AsyncDurableContext,
    name: str,
    branches: Sequence[Branch[str]],
    completion: CompletionConfig,
    project: Callable[[BatchResult[str]], dict[str, Any]] = _summary,
) -> Result[dict[str, Any], DurableError]:
    config = ParallelConfig(max_concurrency=1, completion=completion)
    return (await ctx.parallel(branches, name=name, config=config)).map(project)


@durable_handler
async def parallel_basic(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-1: two branches, one step each, one at a time."""
    branches = [_step_returning("task-1"), _step_returning("task-2")]
    return (await ctx.parallel(branches, name="parallel", config=SEQUENTIAL)).bind(_all_results)


@durable_handler
async def parallel_named_branches(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-3: branches with names (``first``, ``second``) returning values directly."""
    first, second = _succeed_with("one"), _succeed_with("two")
    return (await ctx.parallel([first, second], name="named", config=SEQUENTIAL)).bind(_all_results)


@durable_handler
async def parallel_mixed_types(event: Any, ctx: AsyncDurableContext) -> Result[list[Mixed], DurableError]:
    """8-4: branches returning a string, a number and an object keep their types."""
    branches: list[Branch[Mixed]] = [_succeed_with("hello"), _succeed_with(42), _succeed_with({"k": "v"})]
    return (await ctx.parallel(branches, name="hetero", config=SEQUENTIAL)).bind(_all_results)


@durable_handler
async def parallel_fail_fast(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-6: no failure tolerated: branch 1 fails, branch 2 never starts."""
    branches = [_succeed_with("ok"), _fail_with("branch 1 fails"), _succeed_with("never")]
    return await _parallel_summary(ctx, "failfast", branches, CompletionConfig(tolerated_failure_count=0))


@durable_handler
async def parallel_rethrow(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-7: branch 0 fails; turning the batch into a ``Result`` fails the execution."""
    config = ParallelConfig(max_concurrency=1, completion=CompletionConfig(tolerated_failure_count=0))
    branches = [_fail_with("branch 0 fails"), _succeed_with("never")]
    return (await ctx.parallel(branches, name="throwing", config=config)).bind(_all_results)


@durable_handler
async def parallel_min_successful(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-8: two successes are enough; branches 2 and 3 never start."""
    branches = [_succeed_with(f"b{i}") for i in range(4)]
    enough = CompletionConfig(min_successful=2)
    return await _parallel_summary(ctx, "min-successful", branches, enough, _successes_so_far)


@durable_handler
async def parallel_tolerated_failure(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-9: one failure tolerated; all three branches run."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    return await _parallel_summary(ctx, "tolerated", branches, CompletionConfig(tolerated_failure_count=1))


@durable_handler
async def parallel_tolerance_exceeded(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-10: one failure tolerated, two happen; branch 2 never starts."""
    branches = [_fail_with("branch 0 fails"), _fail_with("branch 1 fails"), _succeed_with("never")]
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return await _parallel_summary(ctx, "tolerated-exceeded", branches, one_tolerated, _counts)


@durable_handler
async def parallel_concurrent(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-11: two branches at a time; results still come back in branch order."""
    branches = [_succeed_with(f"r{i}") for i in range(3)]
    return (await ctx.parallel(branches, name="concurrent", config=ParallelConfig(max_concurrency=2))).bind(
        _all_results
    )


@durable_handler
async def parallel_flat(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-12: FLAT nesting: no branch contexts, the steps hang off the parallel itself."""
    config = ParallelConfig(max_concurrency=1, nesting=NestingType.FLAT)
    branches = [_step_returning("fa"), _step_returning("fb")]
    return (await ctx.parallel(branches, name="flat", config=config)).bind(_all_results)


@durable_handler
async def parallel_tolerated_percentage(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-13: 25 % of 4 tolerated; the second failure (50 %) stops the batch."""
    branches = [_fail_with("branch 0 fails"), _fail_with("branch 1 fails"), _succeed_with("b2"), _succeed_with("b3")]
    a_quarter = CompletionConfig(tolerated_failure_percentage=25)
    return await _parallel_summary(ctx, "tolerated-pct", branches, a_quarter, _counts)


@durable_handler
async def parallel_branch_suspends(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-14: branch 1 waits 2 s; the replay skips the finished branch 0."""

    async def waits(branch: AsyncDurableContext) -> Result[str, DurableError]:
        return (await branch.wait(Duration.seconds(2))).map(lambda _: "b1")

    return (await ctx.parallel([_step_returning("b0"), waits], name="replay", config=SEQUENTIAL)).bind(_all_results)


@durable_handler
async def parallel_item_serdes(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """8-15: each branch result is stored wrapped and read back unwrapped."""
    config = ParallelConfig(max_concurrency=1, item_serdes=WrappingSerdes())
    branches = [_succeed_with("x"), _succeed_with("y")]
    return (await ctx.parallel(branches, name="serde", config=config)).bind(_all_results)


@durable_handler
async def parallel_all_fail(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-16: three failures, three tolerated: all run, the batch status is FAILED."""
    branches = [_fail_with(f"branch {i} fails") for i in range(3)]
    return await _parallel_summary(ctx, "all-fail", branches, CompletionConfig(tolerated_failure_count=3))


@durable_handler
async def parallel_min_not_reached(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-17: min_successful=3 is never reached; failures alone do not stop the batch."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    return await _parallel_summary(ctx, "min-not-reached", branches, CompletionConfig(min_successful=3))


@durable_handler
async def parallel_accessors(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-20: the projection is built from the BatchResult's accessors."""
    branches = [_succeed_with("b0"), _fail_with("branch 1 fails"), _succeed_with("b2")]
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return await _parallel_summary(ctx, "accessors", branches, one_tolerated, _accessors)


@durable_handler
async def parallel_nested(event: Any, ctx: AsyncDurableContext) -> Result[list[list[str]], DurableError]:
    """8-21: the single outer branch runs an inner parallel of two steps."""

    async def inner(branch: AsyncDurableContext) -> Result[list[str], DurableError]:
        steps = [_step_returning("i1"), _step_returning("i2")]
        return (await branch.parallel(steps, name="inner", config=SEQUENTIAL)).bind(_all_results)

    return (await ctx.parallel([inner], name="outer", config=SEQUENTIAL)).bind(_all_results)


@durable_handler
async def parallel_percentage_boundary(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """8-22: 1 of 4 failing is exactly the 25 % tolerated: everything runs."""
    branches = [_fail_with("branch 0 fails"), _succeed_with("b1"), _succeed_with("b2"), _succeed_with("b3")]
    a_quarter = CompletionConfig(tolerated_failure_percentage=25)
    return await _parallel_summary(ctx, "pct-boundary", branches, a_quarter)


async def _item_or_fail(ctx: AsyncDurableContext, item: str, index: int) -> Result[str, DurableError]:
    """A map item returning itself, unless it is ``"fail"``."""
    if item == "fail":
        raise BranchError(f"item {index} fails")
    return Success(item)


async def _map_summary(
    ctx: AsyncDurableContext,
    name: str,
    items: Sequence[str],
    completion: CompletionConfig,
    project: Callable[[BatchResult[str]], dict[str, Any]] = _summary,
) -> Result[dict[str, Any], DurableError]:
    config = MapConfig[str, NoSerdes](max_concurrency=1, completion=completion)
    return (await ctx.map(items, _item_or_fail, name=name, config=config)).map(project)


async def _doubled(ctx: AsyncDurableContext, item: int, index: int) -> Result[int, DurableError]:
    return Success(int(item) * 2)


@durable_handler
async def map_items_only(event: list[int], ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
    """9-2: no name; each item is doubled directly, with no operation inside."""
    return (await ctx.map(event, _doubled, config=SEQUENTIAL_MAP)).bind(_all_results)


async def _itself(ctx: AsyncDurableContext, item: int, index: int) -> Result[int, DurableError]:
    return Success(item)


@durable_handler
async def map_empty(event: list[int], ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
    """9-4: no items: the map still starts and succeeds, with an empty result."""
    return (await ctx.map(event, _itself, name="empty")).bind(_all_results)


@durable_handler
async def map_fail_fast(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """9-5: no failure tolerated: item 1 fails, item 2 never starts."""
    return await _map_summary(ctx, "failfast", ["ok", "fail", "never"], CompletionConfig(tolerated_failure_count=0))


@durable_handler
async def map_rethrow(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """9-6: item 0 fails; turning the batch into a ``Result`` fails the execution."""
    config = MapConfig[str, NoSerdes](max_concurrency=1, completion=CompletionConfig(tolerated_failure_count=0))
    return (await ctx.map(["fail", "never"], _item_or_fail, name="throwing", config=config)).bind(_all_results)


@durable_handler
async def map_min_successful(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """9-7: two successes are enough; items 2 and 3 never start."""
    items = ["i0", "i1", "i2", "i3"]
    return await _map_summary(ctx, "min-successful", items, CompletionConfig(min_successful=2), _successes_so_far)


@durable_handler
async def map_tolerance_exceeded(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """9-9: one failure tolerated, two happen; item 2 never starts."""
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    return await _map_summary(ctx, "tolerated-exceeded", ["fail", "fail", "never"], one_tolerated, _counts)


@durable_handler
async def map_tolerated_percentage(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """9-10: 25 % of 4 tolerated; the second failure (50 %) stops the map."""
    a_quarter = CompletionConfig(tolerated_failure_percentage=25)
    return await _map_summary(ctx, "tolerated-pct", ["fail", "fail", "i2", "i3"], a_quarter, _counts)


@durable_handler
async def map_concurrent(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """9-11: two items at a time; results still come back in item order."""
    config = MapConfig[str, NoSerdes](max_concurrency=2)
    return (await ctx.map(["r0", "r1", "r2"], _item_or_fail, name="concurrent", config=config)).bind(_all_results)


async def _item_step(ctx: AsyncDurableContext, item: str, index: int) -> Result[str, DurableError]:
    """A map item whose single step returns the item."""
    return await ctx.step(lambda _: item)


@durable_handler
async def map_flat(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """9-12: FLAT nesting: no item contexts, each item's step hangs off the map."""
    config = MapConfig[str, NoSerdes](max_concurrency=1, nesting=NestingType.FLAT)
    return (await ctx.map(["fa", "fb"], _item_step, name="flat", config=config)).bind(_all_results)


async def _times_ten(ctx: AsyncDurableContext, item: int, index: int) -> Result[int, DurableError]:
    return Success(item * 10)


@durable_handler
async def map_item_namer(event: list[int], ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
    """9-13: items are named ``item-<value>``."""
    config = MapConfig[int, NoSerdes](max_concurrency=1, item_namer=lambda item, index: f"item-{item}")
    return (await ctx.map(event, _times_ten, name="named-items", config=config)).bind(_all_results)


async def _upper(ctx: AsyncDurableContext, item: str, index: int) -> Result[str, DurableError]:
    return Success(item.upper())


@durable_handler
async def map_item_serdes(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """9-14: each item's result goes through a custom serdes (``wrapped:X``)."""
    config = MapConfig[str, str](max_concurrency=1, item_serdes=PrefixSerdes())
    return (await ctx.map(["x", "y"], _upper, name="serdes", config=config)).bind(_all_results)


@durable_handler
async def map_item_suspends(event: Any, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
    """9-15: item 1 waits 1 s before its step; the replay skips the finished item 0."""

    async def item_fn(item_ctx: AsyncDurableContext, item: str, index: int) -> Result[str, DurableError]:
        if index == 1:
            waited = await item_ctx.wait(Duration.seconds(1))
            if isinstance(waited, Failure):
                return Failure(waited.failure())
        return await _item_step(item_ctx, item, index)

    return (await ctx.map(["r0", "r1"], item_fn, name="suspend", config=SEQUENTIAL_MAP)).bind(_all_results)


async def _large(ctx: AsyncDurableContext, item: int, index: int) -> Result[str, DurableError]:
    return Success(str(item) * LARGE_ITEM_CHARS)


@durable_handler
async def map_large_result(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, int], DurableError]:
    """9-16: the combined result is too large to store, so the map is checkpointed with
    ReplayChildren; the handler returns only counts."""
    batch = await ctx.map(range(4), _large, name="large", config=SEQUENTIAL_MAP)
    return batch.map(lambda done: {"successCount": done.success_count, "totalCount": done.total_count})


@durable_handler
async def map_then_wait(event: Any, ctx: AsyncDurableContext) -> IOResult[list[str], DurableError]:
    """9-17: a successful map, then a 1 s wait; the replay skips the map."""
    return await (
        FutureResult(ctx.map(["a", "b"], _upper, name="then-wait", config=SEQUENTIAL_MAP))
        .bind_result(_all_results)
        .bind(lambda results: FutureResult(_then_wait(ctx, results, 1)))
    )


@durable_handler
async def map_failure_then_wait(event: Any, ctx: AsyncDurableContext) -> Result[dict[str, Any], DurableError]:
    """9-18: one tolerated failure, then a 1 s wait; the replay skips the map."""
    one_tolerated = CompletionConfig(tolerated_failure_count=1)
    summary = await _map_summary(ctx, "fail-then-wait", ["ok", "fail"], one_tolerated)
    if isinstance(summary, Failure):
        return summary
    return await _then_wait(ctx, summary.unwrap(), 1)


@durable_handler
async def map_operation_serdes(event: Any, ctx: AsyncDurableContext) -> IOResult[list[str], DurableError]:
    """9-20: the whole map result is stored as ``OPSERDE:X,Y``; the replay after the
    wait decodes it through the same serdes."""
    config = MapConfig[str, str](max_concurrency=1, serdes=OperationSerdes())
    return await (
        FutureResult(ctx.map(["x", "y"], _upper, name="op-serde-replay", config=config))
        .bind_result(_all_results)
        .bind(lambda results: FutureResult(_then_wait(ctx, results, 1)))
    )


HANDLERS: dict[str, Handler] = {
    requirement: globals()[handler.__name__]  # each twin has its sync handler's name
    for requirement, handler in SYNC_HANDLERS.items()
    if requirement not in PLUGIN_HANDLERS
}
"""Handlers by requirement id, the same ids as ``handlers.py`` but the plugin suite's."""

FUNCTIONS: dict[str, Handler] = {name: globals()[target.__name__] for name, target in SYNC_FUNCTIONS.items()}
"""Invoke targets by function name (5-x), async too."""
