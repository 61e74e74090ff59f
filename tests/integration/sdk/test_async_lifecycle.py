"""How operations of the async API end with the invocation: operations started and never
awaited, operations still running when the handler suspends, branches a batch or a
combinator no longer needs, and the failure ``all`` names on every replay."""

from __future__ import annotations

import asyncio
import logging
import warnings
from typing import Any

import pytest
from returns.result import Result, Success

from lambda_durable import (
    AsyncDurableContext,
    CompletionConfig,
    DurableError,
    Duration,
    MapConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus

NO_RETRY = StepConfig[Any](retry_strategy=RetryStrategy.none())


def events(outcome: Any) -> list[tuple[str, str | None]]:
    return [(e.event_type.value, e.name) for e in outcome.events]


def invocations(outcome: Any) -> int:
    return sum(1 for e in outcome.events if e.event_type is EventType.INVOCATION_COMPLETED)


def test_a_step_started_and_never_awaited_still_runs_and_is_recorded() -> None:
    ran: list[int] = []

    async def audit(step: StepContext) -> str:
        await asyncio.sleep(0.01)  # still running when the handler returns
        ran.append(step.attempt)
        return "audited"

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        ctx.step(audit, name="audit")  # fire and forget
        return "done"

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"done"'
    assert ran == [1]
    assert events(outcome)[1:4] == [("StepStarted", "audit"), ("StepSucceeded", "audit"), ("InvocationCompleted", None)]


def test_a_wait_never_awaited_does_not_hold_the_execution() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        ctx.wait(Duration.hours(1), name="ignored")
        return "done"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert invocations(outcome) == 1
    assert ("WaitStarted", "ignored") in events(outcome)


def test_a_step_running_when_the_handler_suspends_finishes_and_is_not_run_again() -> None:
    ran: list[int] = []

    async def slow(step: StepContext) -> int:
        await asyncio.sleep(0.02)
        ran.append(step.attempt)
        return 7

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        started = ctx.step(slow, name="slow")
        await ctx.wait(Duration.seconds(1))  # suspends while "slow" still runs
        return await started

    outcome = run_local(handler)
    assert outcome.result == "7"
    assert ran == [1]
    assert invocations(outcome) == 2
    names = events(outcome)
    assert names.index(("StepSucceeded", "slow")) < names.index(("InvocationCompleted", None))


def test_a_suspended_invocation_leaves_no_pending_task_and_no_destroyed_task_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[asyncio.Task[Any]] = []

    async def hangs(c: AsyncDurableContext, item: int, index: int) -> Result[int, DurableError]:
        if index == 0:
            return Success(item)
        task = asyncio.current_task()
        assert task is not None
        seen.append(task)
        await asyncio.Event().wait()  # never set: abandoned once item 0 met the rule
        return Success(item)

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[int, DurableError]:
        first = await ctx.map(event, hangs, config=MapConfig(completion=CompletionConfig(min_successful=1)))
        await ctx.wait(Duration.seconds(1))
        return first.map(lambda batch: batch.success_count)

    caplog.set_level(logging.ERROR, logger="asyncio")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outcome = run_local(handler, [1, 2])
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "1"
    assert seen and all(task.done() for task in seen)
    assert not [r for r in caplog.records if "destroyed" in r.getMessage() or "never retrieved" in r.getMessage()]


def test_a_race_loser_that_never_ends_does_not_hold_the_invocation() -> None:
    async def never(_: StepContext) -> str:
        await asyncio.Event().wait()
        return "never"

    async def quick(_: StepContext) -> str:
        return "quick"

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[str, DurableError]:
        return await ctx.race([ctx.step(never, name="never"), ctx.step(quick, name="quick")])

    outcome = run_local(handler)
    assert outcome.result == '"quick"'
    assert ("StepSucceeded", "never") not in events(outcome)


def test_all_names_the_same_failure_on_every_replay() -> None:
    named: list[str] = []

    async def fails_late(_: StepContext) -> int:
        await asyncio.sleep(0.02)
        raise RuntimeError("index 0 failed")

    async def fails_first(_: StepContext) -> int:
        raise RuntimeError("index 1 failed")

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        both = await ctx.all([ctx.step(fails_late, config=NO_RETRY), ctx.step(fails_first, config=NO_RETRY)])
        named.append(both.failure().error.error_message or "")
        await ctx.wait(Duration.seconds(1))  # the replay after it reads both failures from the log
        return named[-1]

    outcome = run_local(handler)
    assert named == ["index 1 failed", "index 1 failed"]
    assert outcome.result == '"index 1 failed"'
    assert ("StepSucceeded", "All") in [(e.event_type.value, e.sub_type) for e in outcome.events]


def test_all_records_nothing_when_every_operation_succeeds() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
        return await ctx.all([ctx.step(lambda _: 1), ctx.step(lambda _: 2)])

    outcome = run_local(handler)
    assert outcome.result == "[1, 2]"
    assert [e.sub_type for e in outcome.events if e.event_type is EventType.STEP_SUCCEEDED] == ["Step", "Step"]


def test_a_suspension_in_a_task_group_does_not_fail_the_step_of_a_cancelled_sibling() -> None:
    ran: list[int] = []

    async def slow(step: StepContext) -> int:
        ran.append(step.attempt)
        if len(ran) == 1:  # still running when the wait suspends the group, however slow the machine
            await asyncio.sleep(60)
        return 1

    async def awaited(op: Any) -> Any:
        return await op

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        async with asyncio.TaskGroup() as group:
            group.create_task(awaited(ctx.wait(Duration.seconds(1))))
            stepped = group.create_task(awaited(ctx.step(slow, name="slow", config=NO_RETRY)))
        result: Result[int, DurableError] = stepped.result()
        return result

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "1"
    assert ran == [1, 1]  # cut short by the group's cancellation, run again (not failed) next time
    assert ("StepFailed", "slow") not in events(outcome)
