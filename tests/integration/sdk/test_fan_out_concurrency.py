"""Fan-out runs branches at once: overlap, bounds, first-in-real-time, abandonment, faults.

No timed assertions: overlap is proved by barriers that only open when enough branches
run at the same moment, and order by events that one branch waits on."""

from __future__ import annotations

import random
import threading
from typing import Any

from returns.result import Result

from lambda_durable import (
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    RetryStrategy,
    StepConfig,
    durable_handler,
)
from lambda_durable.local import LocalBackend, run_local
from lambda_durable.wire import ExecutionStatus, OperationStatus, OperationType

NO_RETRY: StepConfig[Any] = StepConfig(retry_strategy=RetryStrategy.none())


def test_io_bound_branches_overlap() -> None:
    together = threading.Barrier(10, timeout=20)  # opens only if all ten bodies run at once

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[list[int], DurableError]:
        def call(c: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            return c.step(lambda _: together.wait() * 0 + item)

        return ctx.map(list(range(10)), call).bind(lambda b: b.to_result())

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"


def test_max_concurrency_bounds_the_branches_in_flight() -> None:
    lock = threading.Lock()
    running = [0]
    most = [0]
    pair = threading.Barrier(3, timeout=20)  # three at once would need a third slot

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[int, DurableError]:
        def body(_: object) -> int:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                pair.wait(timeout=0.05)
            except threading.BrokenBarrierError:
                pass
            with lock:
                running[0] -= 1
            return 1

        def call(c: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            return c.step(body)

        return ctx.map(list(range(12)), call, config=MapConfig(max_concurrency=2)).map(lambda b: b.success_count)

    outcome = run_local(handler)
    assert outcome.result == "12"
    assert most[0] <= 2


def test_race_returns_the_first_to_finish_in_real_time_and_replays_it() -> None:
    release = threading.Event()
    seen: list[str] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[str, DurableError]:
        def slow(c: DurableContext) -> Result[str, DurableError]:
            return c.step(lambda _: "slow" if release.wait(30) else "never released", name="slow")

        def fast(c: DurableContext) -> Result[str, DurableError]:
            return c.step(lambda _: "fast", name="fast")

        def remember(winner: str) -> Result[str, DurableError]:
            seen.append(winner)
            return ctx.wait(Duration.seconds(1), name="then").map(lambda _: winner)  # forces a replay

        return ctx.race([slow, fast]).bind(remember)

    try:
        outcome = run_local(handler)
    finally:
        release.set()  # let the abandoned branch's thread end
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"fast"'
    assert seen == ["fast", "fast"]  # the first run and the replay agree
    race = next(o for o in outcome.operations if o.sub_type == "Race")
    assert race.context_details is not None and race.context_details.result is not None
    assert '"status":"STARTED"' in race.context_details.result  # the slow branch was abandoned


def test_a_batch_complete_by_its_rule_does_not_wait_for_running_branches() -> None:
    release = threading.Event()

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[list[str], DurableError]:
        def item(c: DurableContext, value: str, index: int) -> Result[str, DurableError]:
            if index == 0:  # never returns while the batch runs
                return c.step(lambda _: value if release.wait(30) else "stuck")
            return c.step(lambda _: value)

        first_two = MapConfig[str, Any](completion=CompletionConfig(min_successful=2))
        return ctx.map(["a", "b", "c"], item, config=first_two).map(
            lambda b: [i.status.value for i in b.items]
        )

    try:
        outcome = run_local(handler)
    finally:
        release.set()
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '["STARTED", "SUCCEEDED", "SUCCEEDED"]'


def test_a_branch_that_raises_past_its_error_handling_fails_alone() -> None:
    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[list[str], DurableError]:
        def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
            if index == 1:
                raise SystemExit("this branch's thread is told to exit")
            return c.step(lambda _: value)

        every = MapConfig[int, Any](completion=CompletionConfig.all_completed())
        return ctx.map([0, 1, 2], item, config=every).map(
            lambda b: [f"{i.status.value}:{i.error.error_type if i.error else ''}" for i in b.items]
        )

    outcome = run_local(handler)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '["SUCCEEDED:", "FAILED:SystemExit", "SUCCEEDED:"]'


def test_random_latencies_and_failures_replay_to_the_same_batch() -> None:
    """200 executions of a map whose items sleep a random time and fail at random: the
    batch the first run returned is the batch every replay returns."""
    for seed in range(200):
        rng = random.Random(seed)
        delays = [rng.random() * 0.002 for _ in range(6)]
        failing = {i for i in range(6) if rng.random() < 0.3}
        tolerance = rng.choice([CompletionConfig(), CompletionConfig.all_completed(), CompletionConfig(min_successful=3)])
        seen: list[BatchResult[int]] = []

        @durable_handler
        def handler(event: object, ctx: DurableContext) -> Result[bool, DurableError]:
            def item(c: DurableContext, value: int, index: int) -> Result[int, DurableError]:
                def body(_: object) -> int:
                    threading.Event().wait(delays[index])
                    if index in failing:
                        raise ValueError(f"item {index} failed")
                    return value * 10

                return c.step(body, config=NO_RETRY)

            def compare(batch: BatchResult[int]) -> Result[bool, DurableError]:
                seen.append(batch)
                return ctx.wait(Duration.seconds(1)).map(lambda _: seen[0] == batch)

            config = MapConfig[int, Any](completion=tolerance)
            return ctx.map(list(range(6)), item, config=config).bind(compare)

        outcome = run_local(handler)
        assert outcome.result == "true", f"seed {seed}: {outcome.result} {outcome.error}"
        assert len(seen) == 2
        assert all(i.status is not BatchItemStatus.SUCCEEDED or i.result == i.index * 10 for i in seen[0].items)


def test_a_batch_waiting_on_its_branches_records_their_progress_meanwhile() -> None:
    """While every branch waits on I/O, the batch sends the updates they queued: a crash
    then would find each step recorded as started, and the batch's last call is short."""
    seen: dict[str, bool] = {}
    backend_box: list[LocalBackend] = []

    def started_on_the_service(op_id: str) -> bool:
        service = backend_box[0].service
        for _ in range(1000):  # up to ~10 s: fails, never hangs, if nothing is sent
            for arn in service.execution_arns():
                ops = service.operations(arn).value_or(())
                if any(op.id == op_id and op.status is OperationStatus.STARTED for op in ops):
                    return True
            threading.Event().wait(0.01)
        return False

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[int, DurableError]:
        def call(c: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            def body(step: Any) -> int:
                seen[step.operation_id] = started_on_the_service(step.operation_id)
                return item

            return c.step(body, name="io")

        return ctx.map(list(range(4)), call).map(lambda b: b.success_count)

    with LocalBackend() as backend:
        backend_box.append(backend)
        backend.register("fan", handler)
        arn = backend.start("fan", "null").unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED and outcome.result == "4"
    steps = [op for op in outcome.operations if op.type is OperationType.STEP]
    assert len(seen) == len(steps) == 4
    assert all(seen.values()), seen
