"""cancel_wait on the embedded backend: cancelling a running timer from another branch."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from lambda_durable import DurableContext, DurableError, Duration, InvalidArgument, durable_handler
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus, OperationStatus


def after_recorded(ctx: DurableContext, ids: dict[str, str], key: str) -> Callable[[object], str]:
    """A step body that returns "worked" once the operation ``ids[key]`` (another branch's
    wait) is in the log: branches run at once, so a cancel must not get ahead of the timer."""

    def body(_: object) -> str:
        deadline = time.monotonic() + 10
        while key not in ids or ctx.state.operation(ids[key]) is None:
            if time.monotonic() > deadline:
                return "the timer never started"
            time.sleep(0.001)
        return "worked"

    return body


def test_a_branch_cancels_a_timer_started_by_another_branch() -> None:
    ids: dict[str, str] = {}
    runs: list[str] = []
    cancels: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[list[Any], DurableError]:
        def timer(c: DurableContext) -> Result[str, DurableError]:
            ids["timer"] = c.next_operation_id()
            runs.append("timer")
            return c.wait(Duration.hours(1), name="timer").map(lambda _: "timer resumed")

        def work(c: DurableContext) -> Result[str, DurableError]:
            runs.append("work")


            def cancel(v: str) -> Result[str, DurableError]:
                cancelled = c.cancel_wait(ids["timer"])
                cancels.append(cancelled)
                return cancelled.map(lambda _: v)

            # the wait after the cancel makes this branch replay the cancel once
            return (
                c.step(after_recorded(c, ids, "timer"), name="work")
                .bind(cancel)
                .bind(lambda v: c.wait(Duration.seconds(1), name="pause").map(lambda _: v))
            )

        return ctx.parallel([timer, work]).map(lambda batch: [item.result for item in batch.items])

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '["timer resumed", "worked"]'
    # the replayed cancel answers what the first one did
    assert cancels == [Success(None), Success(None)]
    kinds = [e.event_type for e in outcome.events if e.name == "timer"]
    assert kinds == [EventType.WAIT_STARTED, EventType.WAIT_CANCELLED]
    timer_op = next(o for o in outcome.operations if o.name == "timer")
    assert timer_op.status is OperationStatus.CANCELLED
    assert runs.count("work") == 2  # first run + the replay after "pause"


def _refused(result: Result[None, DurableError], fragment: str) -> None:
    match result:
        case Failure(InvalidArgument() as err):
            assert fragment in (err.error_message or "")
        case other:
            pytest.fail(f"expected InvalidArgument, got {other}")


def test_unknown_id_is_refused_without_a_checkpoint() -> None:
    results: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> str:
        results.append(ctx.cancel_wait("no-such-operation"))
        return "done"

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    _refused(results[0], "no operation")
    assert [e.event_type for e in outcome.events] == [
        EventType.EXECUTION_STARTED,
        EventType.INVOCATION_COMPLETED,
        EventType.EXECUTION_SUCCEEDED,
    ]


def test_a_step_is_not_a_wait() -> None:
    results: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        step_id = ctx.next_operation_id()

        def cancel(v: str) -> str:
            results.append(ctx.cancel_wait(step_id))
            return v

        return ctx.step(lambda _: "x", name="s").map(cancel)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    _refused(results[0], "not a WAIT")


def test_a_fired_wait_cannot_be_cancelled_and_replays_the_same_answer() -> None:
    results: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        wait_id = ctx.next_operation_id()

        def cancel(_: None) -> Result[None, DurableError]:
            results.append(ctx.cancel_wait(wait_id))
            return ctx.wait(Duration.seconds(1), name="second")

        return ctx.wait(Duration.seconds(1), name="first").bind(cancel).map(lambda _: "done")

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(results) == 2 and results[0] == results[1]
    _refused(results[0], "already finished (SUCCEEDED)")
    assert EventType.WAIT_CANCELLED not in [e.event_type for e in outcome.events]


def test_cancelling_the_only_pending_wait_resumes_its_branch_in_the_same_invocation() -> None:
    ids: dict[str, str] = {}

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[list[Any], DurableError]:
        def timer(c: DurableContext) -> Result[str, DurableError]:
            ids["timer"] = c.next_operation_id()
            return c.wait(Duration.hours(1), name="timer").map(lambda _: "timer resumed")

        def work(c: DurableContext) -> Result[str, DurableError]:
            return c.step(after_recorded(c, ids, "timer"), name="work").bind(
                lambda v: c.cancel_wait(ids["timer"]).map(lambda _: v)
            )

        return ctx.parallel([timer, work]).map(lambda batch: [item.result for item in batch.items])

    outcome = run_local(handler, None)
    assert outcome.result == '["timer resumed", "worked"]'
    errors = [e.details.error for e in outcome.events if e.event_type is EventType.INVOCATION_COMPLETED]
    assert errors == [None]
