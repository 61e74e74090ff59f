"""The async API on the embedded backend: async handlers, steps, waits, child contexts,
fan-out as tasks, the combinators, replay across invocations and suspension."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from returns.future import FutureResult
from returns.io import IOResult
from returns.result import Failure, Result, Success

from lambda_durable import (
    AsyncDurableContext,
    BatchResult,
    CompletionConfig,
    DurableError,
    Duration,
    MapConfig,
    ParallelConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)
from lambda_durable.local import LocalBackend, run_local
from lambda_durable.runtime.ids import operation_id
from lambda_durable.wire import EventType, ExecutionStatus, OperationStatus

T = TypeVar("T")

NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())


def kinds(outcome: Any) -> list[tuple[str, str | None]]:
    return [(e.event_type.value, e.sub_type) for e in outcome.events]


def test_async_steps_run_once_and_replay_after_a_wait() -> None:
    runs: list[str] = []

    async def fetch(_: StepContext) -> int:
        runs.append("fetch")
        await asyncio.sleep(0)
        return 20

    def double(value: int) -> int:
        runs.append("double")
        return value * 2

    @durable_handler
    async def handler(event: dict[str, int], ctx: AsyncDurableContext) -> Result[int, DurableError]:
        fetched = await ctx.step(fetch, name="fetch")
        await ctx.wait(Duration.seconds(10), name="pause")
        return await ctx.step(lambda _: double(fetched.unwrap()) + event["add"], name="double")

    outcome = run_local(handler, {"add": 2})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "42"
    assert runs == ["fetch", "double"]  # the second invocation replayed fetch
    assert [k for k in kinds(outcome) if k[0] == "InvocationCompleted"] == [("InvocationCompleted", None)] * 2


def test_operations_take_their_ids_when_called_not_when_awaited() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
        slow_first = ctx.step(_after_yields("a", 10), name="a")
        fast_second = ctx.step(_after_yields("b", 0), name="b")
        await ctx.wait(Duration.seconds(1))
        b, a = await asyncio.gather(fast_second, slow_first)
        return Success([a.unwrap(), b.unwrap()])

    outcome = run_local(handler)
    assert (outcome.status, outcome.error, outcome.result) == (ExecutionStatus.SUCCEEDED, None, '["a", "b"]')
    ids = {e.name: e.id for e in outcome.events if e.event_type is EventType.STEP_STARTED}
    assert ids == {"a": operation_id(None, 1), "b": operation_id(None, 2)}  # call order, not finish order


def _after_yields(value: T, times: int) -> Callable[[StepContext], Awaitable[T]]:
    """A body that gives the loop ``times`` turns before it returns (order without clocks)."""

    async def body(_: StepContext) -> T:
        for _turn in range(times):
            await asyncio.sleep(0)
        return value

    return body


def test_step_bodies_may_return_containers_and_future_results() -> None:
    async def as_future(_: StepContext) -> FutureResult[int, Exception]:
        return FutureResult.from_value(3)

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
        results = await ctx.all(
            [
                ctx.step(lambda _: 1),
                ctx.step(lambda _: Success(2)),
                ctx.step(as_future),
                ctx.step(lambda _: IOResult.from_value(4)),
            ]
        )
        return results

    assert run_local(handler).result == "[1, 2, 3, 4]"


def test_a_failing_async_step_is_retried_then_fails_as_step_failed() -> None:
    attempts: list[int] = []

    async def flaky(step: StepContext) -> int:
        attempts.append(step.attempt)
        raise ValueError("boom")

    retry_twice = StepConfig[int](retry_strategy=RetryStrategy.fixed(Duration.seconds(1), max_attempts=2))

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        result = await ctx.step(flaky, name="flaky", config=retry_twice)
        return result.map(str).value_or(type(result.failure()).__name__)

    outcome = run_local(handler)
    assert outcome.result == '"StepFailed"'
    assert attempts == [1, 2]


def test_an_async_handler_may_end_a_future_result_pipeline() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> IOResult[int, DurableError]:
        return await FutureResult(ctx.step(lambda _: 5)).bind_awaitable(lambda v: _plus_one(ctx, v))

    assert run_local(handler).result == "6"


async def _plus_one(ctx: AsyncDurableContext, value: int) -> int:
    return (await ctx.step(lambda _: value + 1)).unwrap()


def test_child_context_runs_once_and_replays_its_result() -> None:
    runs: list[int] = []

    async def child(c: AsyncDurableContext) -> Result[int, DurableError]:
        runs.append(1)
        first = await c.step(lambda _: 4)
        return first.map(lambda v: v * 10)

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        value = await ctx.run_in_child_context(child, name="group")
        await ctx.wait(Duration.seconds(2))
        return value

    outcome = run_local(handler)
    assert outcome.result == "40"
    assert runs == [1]


def test_map_runs_items_as_tasks_and_replays_the_batch() -> None:
    started: list[int] = []

    async def item(c: AsyncDurableContext, value: int, index: int) -> Result[int, DurableError]:
        started.append(index)
        return await c.step(_after_yields(value * 2, 1))

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
        batch = await ctx.map(event, item, name="double", config=MapConfig(max_concurrency=2))
        await ctx.wait(Duration.seconds(1))
        return batch.bind(lambda b: b.to_result())

    outcome = run_local(handler, [1, 2, 3, 4])
    assert outcome.result == "[2, 4, 6, 8]"
    assert sorted(started) == [0, 1, 2, 3]  # the second invocation replayed the map whole
    assert kinds(outcome).count(("ContextSucceeded", "MapIteration")) == 4


def test_map_overlaps_branches_up_to_max_concurrency() -> None:
    in_flight = [0]
    peak = [0]

    async def item(c: AsyncDurableContext, value: int, index: int) -> Result[int, DurableError]:
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0)  # every admitted branch starts before any ends
        in_flight[0] -= 1
        return Success(value)

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[BatchResult[int], DurableError]:
        return await ctx.map(event, item, config=MapConfig(max_concurrency=3))

    outcome = run_local(handler, list(range(9)))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert peak[0] == 3


def test_a_batch_awaiting_its_branches_records_their_progress_meanwhile() -> None:
    """As with the sync driver: while every branch awaits I/O, the batch sends the updates
    they queued (off the loop), so a crash then finds each step recorded as started, and
    the batch's last call carries only their ends."""
    seen: dict[str, bool] = {}
    backend_box: list[LocalBackend] = []

    async def recorded_as_started(op_id: str) -> bool:
        service = backend_box[0].service
        for _ in range(500):  # up to ~5 s: fails, never hangs, if nothing is sent
            for arn in service.execution_arns():
                ops = service.operations(arn).value_or(())
                if any(op.id == op_id and op.status is OperationStatus.STARTED for op in ops):
                    return True
            await asyncio.sleep(0.01)
        return False

    async def item(c: AsyncDurableContext, value: int, index: int) -> Result[int, DurableError]:
        async def body(step: StepContext) -> int:
            seen[step.operation_id] = await recorded_as_started(step.operation_id)
            return value

        return await c.step(body, name="io")

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[int, DurableError]:
        return (await ctx.map(event, item)).map(lambda batch: batch.success_count)

    with LocalBackend() as backend:
        backend_box.append(backend)
        backend.register("fan", handler)
        arn = backend.start("fan", "[1, 2, 3, 4]").unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED and outcome.result == "4"
    assert len(seen) == 4 and all(seen.values()), seen


def test_a_suspended_branch_keeps_its_slot_and_the_batch_resumes() -> None:
    async def item(c: AsyncDurableContext, value: int, index: int) -> Result[int, DurableError]:
        if index == 0:
            await c.wait(Duration.seconds(5))
        return Success(value + 1)

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[list[int], DurableError]:
        batch = await ctx.map(event, item, config=MapConfig(max_concurrency=1))
        return batch.bind(lambda b: b.to_result())

    outcome = run_local(handler, [10, 20])
    assert outcome.result == "[11, 21]"
    statuses = [e.event_type.value for e in outcome.events if e.event_type.value == "InvocationCompleted"]
    assert len(statuses) == 2


def test_parallel_completion_rule_ends_the_batch_and_abandons_the_rest() -> None:
    async def quick(c: AsyncDurableContext) -> Result[str, DurableError]:
        return await c.step(lambda _: "quick")

    async def slow(c: AsyncDurableContext) -> Result[str, DurableError]:
        await asyncio.Event().wait()  # never ends: abandoned, then cancelled with the invocation
        return Success("slow")

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
        config = ParallelConfig[str](completion=CompletionConfig.first_successful())
        batch = await ctx.parallel([slow, quick], config=config)
        return batch.map(lambda b: [f"{i.index}:{i.status.value}" for i in b.items])

    outcome = run_local(handler)
    assert outcome.result == '["0:STARTED", "1:SUCCEEDED"]'


def test_all_returns_results_in_order_or_the_first_failure() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        good = await ctx.all([ctx.step(_after_yields("x", 3)), ctx.step(lambda _: "y")])
        bad = await ctx.all([ctx.step(lambda _: "z"), ctx.step(_raises, config=NO_RETRY)])
        failure = bad.failure() if isinstance(bad, Failure) else None
        return f"{good.unwrap()} {type(failure).__name__} {failure.error.error_message if failure else ''}"

    assert run_local(handler).result == '"[\'x\', \'y\'] BatchFailed nope"'


def _raises(_: StepContext) -> str:
    raise ValueError("nope")


def test_all_settled_reports_every_outcome() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
        settled = await ctx.all_settled([ctx.step(lambda _: "ok"), ctx.step(_raises, config=NO_RETRY)])
        return settled.map(lambda b: [i.status.value for i in b.items])

    assert run_local(handler).result == '["SUCCEEDED", "FAILED"]'


def test_race_records_its_winner_so_replay_returns_the_same() -> None:
    winners: list[str] = []

    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[str, DurableError]:
        first = await ctx.race([ctx.step(_never, name="slow"), ctx.step(_after_yields("fast", 0), name="fast")])
        winners.append(first.unwrap())
        await ctx.wait(Duration.seconds(1))
        return first

    outcome = run_local(handler)
    assert outcome.result == '"fast"'
    assert winners == ["fast", "fast"]
    assert ("StepSucceeded", "Race") in kinds(outcome)


async def _never(_: StepContext) -> str:
    await asyncio.Event().wait()
    return "never"


def test_any_skips_failures_and_fails_when_all_fail() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        one = await ctx.any([ctx.step(_raises, config=NO_RETRY), ctx.step(_after_yields("late", 1))])
        none = await ctx.any([ctx.step(_raises, config=NO_RETRY)])
        return f"{one.unwrap()} {type(none.failure()).__name__}"

    assert run_local(handler).result == '"late BatchFailed"'


def test_suspension_propagates_through_gather_and_task_groups() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> str:
        async with asyncio.TaskGroup() as group:
            group.create_task(_await(ctx.wait(Duration.seconds(3))))
            group.create_task(_await(ctx.step(lambda _: 1)))
        try:
            await asyncio.gather(ctx.wait(Duration.seconds(3)))
        except Exception:  # must not see the suspension
            return "swallowed"
        return "done"

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outcome = run_local(handler)
    assert outcome.result == '"done"'
    assert [e for e in outcome.events if e.event_type.value == "InvocationCompleted"].__len__() == 3


async def _await(op: Any) -> object:
    return await op


def test_a_handler_called_inside_a_running_loop_still_runs() -> None:
    @durable_handler
    async def handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
        return await ctx.step(lambda _: 7)

    async def caller() -> Any:
        return run_local(handler)

    assert asyncio.run(caller()).result == "7"


def test_a_failed_batch_item_does_not_fail_the_map() -> None:
    async def item(c: AsyncDurableContext, value: int, index: int) -> Result[int, DurableError]:
        if index == 1:
            raise RuntimeError("bad item")
        return Success(value)

    @durable_handler
    async def handler(event: list[int], ctx: AsyncDurableContext) -> Result[list[str], DurableError]:
        batch = await ctx.map(event, item, config=MapConfig(completion=CompletionConfig.all_completed()))
        return batch.map(lambda b: [i.status.value for i in b.items])

    assert run_local(handler, [1, 2, 3]).result == '["SUCCEEDED", "FAILED", "SUCCEEDED"]'
