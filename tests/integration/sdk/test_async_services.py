"""The async API's operations that wait on other systems, on the embedded backend:
callbacks, wait_for_callback, invoke, wait_for_condition; and the faults of async code
(a cancelled step, an exception inside a TaskGroup)."""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import Any

from attrs import frozen
from callback_answers import fail_with, succeed_with
from returns.result import Result, Success

from lambda_durable import (
    AsyncDurableContext,
    BatchResult,
    CompletionConfig,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    WaitForConditionConfig,
    WaitStrategy,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import ErrorObject, EventType, ExecutionStatus


@frozen
class Decision:
    status: str


def shape(outcome: Any) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.event_type.value, e.name, e.sub_type)
        for e in outcome.events
        if e.event_type not in (EventType.EXECUTION_STARTED, EventType.EXECUTION_SUCCEEDED)
    ]


def test_create_callback_hands_back_an_awaitable_result() -> None:
    ids: list[str] = []

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[str, DurableError]:
        created = await ctx.create_callback(Decision, name="approve")
        callback = created.unwrap()
        ids.append(callback.callback_id)
        return (await callback.result()).map(lambda d: d.status)

    outcome = run_local(handler, callbacks=succeed_with('{"status": "yes"}'))
    assert outcome.result == '"yes"'
    assert len(ids) == 2 and ids[0] == ids[1]  # the replay finds the same callback


def test_a_failed_callback_is_callback_failed() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        callback = (await ctx.create_callback(str)).unwrap()
        answer = await callback.result()
        return type(answer.failure()).__name__

    outcome = run_local(handler, callbacks=fail_with(ErrorObject(error_message="no")))
    assert outcome.result == '"CallbackFailed"'


def test_wait_for_callback_records_what_the_sync_api_records() -> None:
    submitted: list[str] = []

    async def submit(callback_id: str, step: StepContext) -> None:
        await asyncio.sleep(0)
        submitted.append(callback_id)

    def sync_submit(callback_id: str, step: StepContext) -> None:
        submitted.append(callback_id)

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[str, DurableError]:
        return (await ctx.wait_for_callback(submit, Decision, name="approval")).map(lambda d: d.status)

    @durable_handler
    def sync_handler(event: object, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait_for_callback(sync_submit, Decision, name="approval").map(lambda d: d.status)

    answer = succeed_with('{"status": "approved"}')
    outcome = run_local(handler, callbacks=answer)
    twin = run_local(sync_handler, callbacks=answer)
    assert outcome.result == twin.result == '"approved"'
    assert shape(outcome) == shape(twin)
    assert len(submitted) == 2  # once per execution: the replays do not submit again


def pricing(event: dict[str, str], ctx: DurableContext) -> Result[float, DurableError]:
    return ctx.step(lambda _: 9.5 if event["sku"] == "a-1" else 0.0)


def test_invoke_returns_the_targets_result_and_replays_it() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[float, DurableError]:
        return await ctx.invoke("pricing", {"sku": "a-1"}, float, name="quote")

    outcome = run_local(handler, functions={"pricing": durable_handler(pricing)})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "9.5"
    assert [e.event_type for e in outcome.events if e.sub_type == "ChainedInvoke"] == [
        EventType.CHAINED_INVOKE_STARTED,
        EventType.CHAINED_INVOKE_SUCCEEDED,
    ]


def test_wait_for_condition_polls_with_an_async_check() -> None:
    checks: list[int] = []

    async def check(count: int, step: StepContext) -> int:
        checks.append(count)
        return count + 1

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        config = WaitForConditionConfig(0, WaitStrategy.fixed(Duration(1), should_continue=lambda n: n < 3))
        return await ctx.wait_for_condition(check, config, name="poll")

    outcome = run_local(handler)
    assert outcome.result == "3"
    assert checks == [0, 1, 2]


def test_a_cancelled_step_is_a_failed_attempt_with_a_clear_error() -> None:
    began, never = asyncio.Event(), asyncio.Event()

    async def hangs(_: StepContext) -> int:
        began.set()
        await never.wait()
        return 1

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        op = ctx.step(hangs, name="hangs", config=StepConfig[int](retry_strategy=RetryStrategy.none()))
        assert isinstance(op, asyncio.Future)  # cancellable like a task
        await began.wait()
        op.cancel()
        result = await op
        return result.failure().error.error_message or ""

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"step hangs was cancelled while it ran"'


def test_a_timeout_around_an_awaited_step_fails_its_attempt_and_the_retry_runs_it_again() -> None:
    attempts: list[int] = []

    async def slow_first(step: StepContext) -> int:
        attempts.append(step.attempt)
        if step.attempt == 1:
            await asyncio.Event().wait()  # hangs until the timeout cancels it
        return step.attempt

    retry = StepConfig[int](retry_strategy=RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1)))

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        async with asyncio.timeout(0.05):
            return await ctx.step(slow_first, name="slow", config=retry)

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "2"
    assert attempts == [1, 2]
    failed = [e for e in outcome.events if e.event_type is EventType.STEP_FAILED]
    assert len(failed) == 1  # the cancelled attempt, then retried
    assert "step slow was cancelled while it ran" in str(failed[0])


def test_an_exception_inside_a_task_group_fails_only_its_operation() -> None:
    async def boom(_: StepContext) -> int:
        raise RuntimeError("boom")

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> list[str]:
        no_retry = StepConfig[int](retry_strategy=RetryStrategy.none())
        async with asyncio.TaskGroup() as group:
            bad = group.create_task(_await(ctx.step(boom, config=no_retry)))
            good = group.create_task(_await(ctx.step(lambda _: 2)))
        return [type(bad.result().failure()).__name__, str(good.result().unwrap())]

    assert run_local(handler).result == '["StepFailed", "2"]'


async def _await(op: Any) -> Any:
    return await op


def _blocks(_: StepContext) -> int:
    time.sleep(0.01)  # blocks the loop: the step still completes
    return 1


def test_a_blocking_plain_step_body_still_completes() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
        return await ctx.all([ctx.step(_blocks), ctx.step(lambda _: 2)])

    assert run_local(handler).result == "[1, 2]"


def test_an_async_body_given_to_the_sync_api_fails_with_a_clear_error() -> None:
    async def body(_: StepContext) -> int:
        return 1

    async def branch(c: DurableContext) -> Result[int, DurableError]:
        return Success(1)

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> list[str]:
        no_retry = StepConfig[Any](retry_strategy=RetryStrategy.none())
        sync_step: Any = ctx.step
        sync_child: Any = ctx.run_in_child_context  # mypy refuses both calls; the runtime mirrors it
        step: Result[int, DurableError] = sync_step(body, config=no_retry)
        child: Result[int, DurableError] = sync_child(branch)
        return [step.failure().error.error_message or "", child.failure().error.error_message or ""]

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the coroutines are closed: no "never awaited" warning
        outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    messages = outcome.result or ""
    assert messages.count("write the handler as async def") == 2


def test_a_plain_branch_given_to_the_async_api_fails_with_a_clear_error() -> None:
    def branch(c: DurableContext) -> Result[int, DurableError]:
        return Success(1)

    def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
        return Success(value)

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> list[str]:
        child: Any = ctx.run_in_child_context  # mypy refuses both calls; the runtime mirrors it
        mapped: Any = ctx.map
        one: Result[int, DurableError] = await child(branch)
        every = MapConfig[int, Any](completion=CompletionConfig.all_completed())
        batch: Result[BatchResult[int], DurableError] = await mapped([1], item, config=every)
        failed = batch.unwrap().failures()[0].error
        return [one.failure().error.error_message or "", (failed.error_message if failed else None) or ""]

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert (outcome.result or "").count("a plain function of a DurableContext belongs to a sync handler") == 2
