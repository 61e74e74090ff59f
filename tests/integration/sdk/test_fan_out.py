"""map, parallel and the combinators on the embedded backend."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from lambda_durable import (
    BatchFailed,
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    CompletionReason,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    ParallelConfig,
    RetryStrategy,
    StepConfig,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus

NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())


def boom(message: str) -> Callable[[object], int]:
    def fail(_: object) -> int:
        raise ValueError(message)

    return fail


def kinds(outcome: Any) -> list[tuple[str, str | None]]:
    return [(e.event_type.value, e.sub_type) for e in outcome.events]


def test_map_runs_every_item_in_its_own_context() -> None:
    seen: list[BatchResult[int]] = []

    @durable_handler
    def handler(event: list[int], ctx: DurableContext) -> Result[list[int], DurableError]:
        batch = ctx.map(event, lambda c, item, i: c.step(lambda _: item * 2), name="double",
                        config=MapConfig(max_concurrency=1))
        batch.map(seen.append)
        return batch.bind(lambda b: b.to_result())

    outcome = run_local(handler, [1, 2, 3])
    assert outcome.result == "[2, 4, 6]"
    batch = seen[0]
    assert batch.completion_reason is CompletionReason.ALL_COMPLETED
    assert [i.index for i in batch.successes()] == [0, 1, 2]
    names = [e.name for e in outcome.events if e.sub_type == "MapIteration"]
    assert names == ["map-item-0", "map-item-0", "map-item-1", "map-item-1", "map-item-2", "map-item-2"]
    container = next(e for e in outcome.events if e.sub_type == "Map")
    iterations = [e for e in outcome.events if e.sub_type == "MapIteration"]
    assert all(e.parent_id == container.id for e in iterations)
    steps = [e for e in outcome.events if e.sub_type == "Step"]
    assert {e.parent_id for e in steps} == {e.id for e in iterations}


def test_empty_map_completes_with_an_empty_batch() -> None:
    @durable_handler
    def handler(event: list[int], ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.map(event, lambda c, item, i: c.step(lambda _: item)).map(lambda b: b.total_count)

    outcome = run_local(handler, [])
    assert outcome.result == "0"
    assert kinds(outcome)[1:3] == [("ContextStarted", "Map"), ("ContextSucceeded", "Map")]


def test_map_is_fail_fast_by_default() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: list[int], ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            runs.append(index)
            return c.step(boom("bad") if value == 2 else (lambda _: value), config=NO_RETRY)

        def summary(b: BatchResult[int]) -> dict[str, Any]:
            error = b.failures()[0].error
            return {"reason": b.completion_reason.value, "failed": [i.index for i in b.failures()],
                    "total": b.total_count, "error": error.error_type if error else None}

        # one at a time: index order, so item 2 never starts once item 1 failed
        return ctx.map(event, item, config=MapConfig(max_concurrency=1)).map(summary)

    outcome = run_local(handler, [1, 2, 3])
    assert outcome.result_as(dict).unwrap() == {
        "reason": "FAILURE_TOLERANCE_EXCEEDED", "failed": [1], "total": 2, "error": "ValueError"}
    assert runs == [0, 1]


def test_tolerated_failures_and_min_successful() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[str], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            return c.step(boom("odd") if value % 2 else (lambda _: value), config=NO_RETRY)

        tolerant = ctx.map([1, 2, 3, 4], item, name="tolerant",
                           config=MapConfig(completion=CompletionConfig(tolerated_failure_count=2)))
        first_two = ctx.map([2, 4, 6, 8], item, name="first-two",
                            config=MapConfig(completion=CompletionConfig(min_successful=2)))
        return tolerant.bind(lambda a: first_two.map(lambda b: [
            f"{a.completion_reason.value}:{a.success_count}/{a.failure_count}",
            f"{b.completion_reason.value}:{b.success_count}",
        ]))

    outcome = run_local(handler, {})
    assert outcome.result_as(list).unwrap() == ["ALL_COMPLETED:2/2", "MIN_SUCCESSFUL_REACHED:2"]


def test_a_suspended_branch_keeps_its_slot() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            runs.append(index)
            wait = c.wait(Duration.seconds(10), name=f"wait-{index}") if index == 0 else Success(None)
            return wait.bind(lambda _: c.step(lambda _: value * 10))

        return ctx.map([1, 2], item, config=MapConfig(max_concurrency=1)).bind(lambda b: b.to_result())

    outcome = run_local(handler, {})
    assert outcome.result == "[10, 20]"
    # item 1 could not start while item 0 waited: it runs only in the second invocation
    assert runs == [0, 0, 1]
    order = [e.event_type.value for e in outcome.events]
    first_invocation = order[: order.index("InvocationCompleted")]
    assert first_invocation == ["ExecutionStarted", "ContextStarted", "ContextStarted", "WaitStarted"]


def test_other_branches_progress_while_one_is_suspended() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            wait = c.wait(Duration.seconds(10)) if index == 0 else Success(None)
            return wait.bind(lambda _: c.step(lambda _: value))

        return ctx.map([1, 2, 3], item, config=MapConfig(max_concurrency=2)).bind(lambda b: b.to_result())

    outcome = run_local(handler, {})
    assert outcome.result == "[1, 2, 3]"
    order = [(e.event_type.value, e.sub_type) for e in outcome.events]
    first = order[: order.index(("InvocationCompleted", None))]
    assert first.count(("ContextSucceeded", "MapIteration")) == 2


def test_replayed_map_does_not_rerun_finished_items() -> None:
    bodies: list[int] = []

    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            bodies.append(index)
            return c.step(lambda _: value)

        return (
            ctx.map([1, 2, 3], item, name="m")
            .bind(lambda b: ctx.wait(Duration.seconds(5)).map(lambda _: sum(b.results())))
        )

    outcome = run_local(handler, {})
    assert outcome.result == "6"
    assert bodies == [0, 1, 2]


def test_item_names_are_checked_on_replay() -> None:
    invocations: list[int] = []

    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        invocations.append(1)
        prefix = "a" if len(invocations) == 1 else "b"

        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            return c.wait(Duration.seconds(1)).map(lambda _: value)

        return ctx.map([1], item, config=MapConfig(item_namer=lambda v, i: f"{prefix}-{i}")).map(
            lambda b: b.success_count
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_a_raising_item_namer_fails_the_map_not_the_process() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        def namer(value: int, index: int) -> str:
            raise KeyError("no name")

        return ctx.map([1], lambda c, v, i: c.step(lambda _: v), config=MapConfig(item_namer=namer)).map(
            lambda b: b.total_count
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "KeyError"
    assert any(e.event_type is EventType.CONTEXT_FAILED and e.sub_type == "Map" for e in outcome.events)


def test_large_batches_are_rebuilt_from_their_branches() -> None:
    bodies: list[int] = []

    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[str, DurableError]:
            bodies.append(index)
            return c.step(lambda _: str(value) * 100_000)

        return (
            ctx.map([1, 2, 3], item, config=MapConfig(max_concurrency=1))
            .bind(lambda b: ctx.wait(Duration.seconds(1)).map(lambda _: [len(r) for r in b.results()]))
        )

    outcome = run_local(handler, {})
    assert outcome.result == "[100000, 100000, 100000]"
    assert bodies == [0, 1, 2]  # the replay rebuilt the batch from the items' checkpoints
    done = next(e for e in outcome.events if e.event_type is EventType.CONTEXT_SUCCEEDED and e.sub_type == "Map")
    assert done.details.result is not None and '"completedIndexes":[0,1,2]' in (done.details.result.payload or "")


class Tagged:
    """An item codec that writes text, not JSON."""

    def serialize(self, value: str, /) -> str:
        return f"wrapped:{value}"

    def deserialize(self, data: str, /) -> str:
        return data.removeprefix("wrapped:")


def test_custom_item_serdes() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[str], DurableError]:
        return ctx.map(["x", "y"], lambda c, v, i: Success(v.upper()),
                       config=MapConfig(item_serdes=Tagged())).bind(lambda b: b.to_result())

    outcome = run_local(handler, {})
    assert outcome.result == '["X", "Y"]'
    payloads = [e.details.result.payload for e in outcome.events
                if e.sub_type == "MapIteration" and e.details.result is not None]
    assert payloads == ["wrapped:X", "wrapped:Y"]


def test_parallel_defaults_to_all_successful() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
        return ctx.parallel(
            [
                lambda c: c.step(lambda _: 1),
                lambda c: c.step(boom("second failed"), config=NO_RETRY),
                lambda c: c.step(lambda _: 3),
            ],
            name="trio",
            config=ParallelConfig(max_concurrency=1),  # index order: the third never starts
        ).map(lambda b: {"reason": b.completion_reason.value, "statuses": [i.status.value for i in b.items]})

    outcome = run_local(handler, {})
    assert outcome.result_as(dict).unwrap() == {
        "reason": "FAILURE_TOLERANCE_EXCEEDED", "statuses": ["SUCCEEDED", "FAILED"]}
    branches = {e.name for e in outcome.events if e.sub_type == "ParallelBranch"}
    assert branches == {"parallel-branch-0", "parallel-branch-1"}


def test_parallel_completion_config_and_serdes_free_values() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        cfg = ParallelConfig(completion=CompletionConfig.all_completed(), max_concurrency=1)
        return ctx.parallel(
            [lambda c: c.step(boom("x"), config=NO_RETRY), lambda c: c.step(lambda _: 2)], config=cfg
        ).map(lambda b: [b.failure_count, b.success_count])

    assert run_local(handler, {}).result == "[1, 1]"


def test_all_returns_every_result_or_the_first_failure() -> None:
    @durable_handler
    def good(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        return ctx.all([lambda c: c.step(lambda _: 1), lambda c: c.step(lambda _: 2)])

    @durable_handler
    def bad(event: dict[str, Any], ctx: DurableContext) -> Result[list[int], DurableError]:
        result = ctx.all([lambda c: c.step(boom("nope"), config=NO_RETRY), lambda c: c.step(lambda _: 2)])
        match result:
            case Failure(BatchFailed() as err):
                return Success([len(err.error_message or "")])
            case _:
                return result

    assert run_local(good, {}).result == "[1, 2]"
    assert run_local(bad, {}).result == "[4]"


def slowly(value: int, seconds: float) -> Callable[[object], int]:
    def late(_: object) -> int:
        time.sleep(seconds)
        return value

    return late


def test_any_takes_the_first_success_and_fails_only_if_all_fail() -> None:
    @durable_handler
    def first(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.any([lambda c: c.step(boom("a"), config=NO_RETRY), lambda c: c.step(lambda _: 7),
                        lambda c: c.step(slowly(8, 0.5))])

    @durable_handler
    def none(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.any([lambda c: c.step(boom("a"), config=NO_RETRY), lambda c: c.step(boom("b"), config=NO_RETRY)])

    assert run_local(first, {}).result == "7"
    failed = run_local(none, {})
    assert failed.status is ExecutionStatus.FAILED
    assert failed.error is not None and failed.error.error_type == "AllBranchesFailed"
    assert "branch 0: a" in (failed.error.error_message or "")


def test_race_settles_with_the_first_branch_to_finish() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.race([
            lambda c: c.wait(Duration.hours(1)).map(lambda _: "slow"),
            lambda c: c.step(lambda _: "fast"),
        ])

    outcome = run_local(handler, {})
    assert outcome.result == '"fast"'
    # the race completed in the first invocation: the hour-long wait never mattered
    assert [e.event_type.value for e in outcome.events].count("InvocationCompleted") == 1


def test_race_fails_when_the_first_to_finish_fails() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.race([lambda c: c.step(boom("first"), config=NO_RETRY), lambda c: c.step(slowly(1, 0.5))])

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_message == "first"


def test_all_settled_runs_everything() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[str], DurableError]:
        return ctx.all_settled([lambda c: c.step(boom("x"), config=NO_RETRY), lambda c: c.step(lambda _: 1)]).map(
            lambda b: [i.status.value for i in b.items]
        )

    outcome = run_local(handler, {})
    assert outcome.result == '["FAILED", "SUCCEEDED"]'
    assert any(e.sub_type == "AllSettled" for e in outcome.events)


def test_batch_result_methods() -> None:
    from lambda_durable import BatchItem
    from lambda_durable.wire import ErrorObject

    batch = BatchResult(
        [BatchItem(0, BatchItemStatus.SUCCEEDED, 1), BatchItem(1, BatchItemStatus.FAILED, error=ErrorObject("E", "m")),
         BatchItem(2, BatchItemStatus.STARTED)],
        CompletionReason.FAILURE_TOLERANCE_EXCEEDED,
    )
    assert (batch.success_count, batch.failure_count, batch.started_count, batch.total_count) == (1, 1, 1, 3)
    assert batch.results() == [1]
    assert isinstance(batch.to_result(), Failure)
    assert BatchResult([BatchItem(0, BatchItemStatus.SUCCEEDED, "a")], CompletionReason.ALL_COMPLETED).to_result() == Success(["a"])


@pytest.mark.parametrize(
    "make",
    [
        lambda: MapConfig(max_concurrency=0),
        lambda: CompletionConfig(min_successful=0),
        lambda: CompletionConfig(tolerated_failure_count=-1),
        lambda: CompletionConfig(tolerated_failure_percentage=101),
    ],
)
def test_bad_batch_configs_are_refused_at_construction(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        make()


def test_min_successful_above_the_item_count_is_an_invalid_argument() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.map([1], lambda c, v, i: Success(v),
                       config=MapConfig(completion=CompletionConfig(min_successful=2))).map(lambda b: b.total_count)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "InvalidArgument"
    assert len(outcome.events) == 3  # no operation was recorded


def test_a_branch_waiting_on_a_callback_holds_its_slot() -> None:
    started: list[int] = []

    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[list[str], DurableError]:
        def item(c: DurableContext, value: str, index: int) -> Result[str, DurableError]:
            started.append(index)
            if index == 0:
                return c.create_callback(str, name="approval").bind(lambda cb: cb.result())
            return c.step(lambda _: value)

        return ctx.map(["a", "b"], item, config=MapConfig(max_concurrency=1)).bind(lambda b: b.to_result())

    answered: list[str] = []

    def approve(info: Any, sender: Any) -> None:
        # item 1 has not started while item 0 waits: only item 0 ran so far
        answered.append(",".join(map(str, started)))
        sender.send_callback_success(info.callback_id, '"approved"').unwrap()

    outcome = run_local(handler, {}, callbacks=approve)
    assert outcome.result == '["approved", "b"]'
    assert answered == ["0"]


def test_a_branch_that_fails_after_the_batch_completed_changes_nothing() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[str, DurableError]:
        winner = ctx.race([
            lambda c: c.create_callback(str, name="slow").bind(lambda cb: cb.result()),
            lambda c: c.step(lambda _: "fast"),
        ])
        return winner.bind(lambda w: ctx.wait(Duration.seconds(30)).map(lambda _: w))

    def reject_late(info: Any, sender: Any) -> None:
        from lambda_durable.wire import ErrorObject

        sender.send_callback_failure(info.callback_id, ErrorObject("Rejected", "too late")).unwrap()

    outcome = run_local(handler, {}, callbacks=reject_late)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"fast"'
    kinds_seen = [e.event_type for e in outcome.events]
    # the late failure was recorded and caused a replay, which returned the stored race result
    assert EventType.CALLBACK_FAILED in kinds_seen
    assert kinds_seen.count(EventType.INVOCATION_COMPLETED) >= 2


def test_a_losing_branch_left_with_a_pending_retry_does_not_keep_the_execution_busy() -> None:
    def flaky(c: DurableContext) -> Result[str, DurableError]:
        return c.step(lambda _: (_ for _ in ()).throw(ConnectionError("down")), name="flaky")

    def slow(c: DurableContext) -> Result[str, DurableError]:
        return c.wait(Duration.seconds(1), name="slow").map(lambda _: "slow")

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.any([flaky, slow]).bind(
            lambda v: ctx.wait(Duration.seconds(10), name="after").map(lambda _: v)
        )

    outcome = run_local(handler, {})
    assert outcome.result == '"slow"'
    # once `any` completed, the orphaned READY retry is no reason to invoke again
    assert sum(e.event_type is EventType.INVOCATION_COMPLETED for e in outcome.events) <= 5
