"""wait_for_callback on the embedded backend: the context, its submitter step and the answer."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen
from callback_answers import fail_with, succeed_with
from returns.io import IOResult
from returns.result import Failure, Result, Success

from lambda_durable import (
    CallbackFailed,
    CallbackTimedOut,
    DurableContext,
    DurableError,
    Duration,
    RetryStrategy,
    SerdesFailed,
    StepContext,
    StepFailed,
    WaitForCallbackConfig,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import ErrorObject, EventType, ExecutionStatus, OperationStatus


def shape(outcome: Any) -> list[tuple[str, str | None, str | None]]:
    return [
        (e.event_type.value, e.name, e.sub_type)
        for e in outcome.events
        if e.event_type not in (EventType.EXECUTION_STARTED, EventType.EXECUTION_SUCCEEDED, EventType.EXECUTION_FAILED)
    ]


@frozen
class Decision:
    status: str


def test_success_history_ids_and_single_submission() -> None:
    submitted: list[tuple[str, int]] = []

    def submit(callback_id: str, step: StepContext) -> None:
        submitted.append((callback_id, step.attempt))

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait_for_callback(submit, Decision, name="approval").map(lambda d: d.status)

    outcome = run_local(handler, None, callbacks=succeed_with('{"status": "approved"}'))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"approved"'
    assert shape(outcome) == [
        ("ContextStarted", "approval", "WaitForCallback"),
        ("CallbackStarted", "approval create callback id", "Callback"),
        ("StepStarted", "approval submitter", "Step"),
        ("StepSucceeded", "approval submitter", "Step"),
        ("InvocationCompleted", None, None),
        ("CallbackSucceeded", "approval create callback id", "Callback"),
        ("ContextSucceeded", "approval", "WaitForCallback"),
        ("InvocationCompleted", None, None),
    ]
    context = next(o for o in outcome.operations if o.sub_type == "WaitForCallback")
    callback = next(o for o in outcome.operations if o.sub_type == "Callback")
    step = next(o for o in outcome.operations if o.sub_type == "Step")
    assert callback.parent_id == context.id and step.parent_id == context.id
    assert callback.callback_details is not None
    assert submitted == [(callback.callback_details.callback_id, 1)]  # ran once, with the real id
    # the context stores the answer exactly as sent
    assert context.context_details is not None and context.context_details.result == '{"status": "approved"}'


def test_unnamed_inner_operations() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait_for_callback(lambda cid, _: None, str)

    outcome = run_local(handler, None, callbacks=succeed_with('"ok"'))
    assert outcome.result == '"ok"'
    names = {(e.sub_type, e.name) for e in outcome.events if e.sub_type}
    assert names == {("WaitForCallback", None), ("Callback", "create callback id"), ("Step", "submitter")}


def test_replay_after_success_runs_nothing_again() -> None:
    submitted: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait_for_callback(lambda cid, _: submitted.append(cid), str, name="w").bind(
            lambda v: ctx.wait(Duration.seconds(1)).map(lambda _: v)
        )

    outcome = run_local(handler, None, callbacks=succeed_with('"done"'))
    assert outcome.result == '"done"'
    assert len(submitted) == 1
    assert [e.event_type for e in outcome.events].count(EventType.INVOCATION_COMPLETED) == 3


def test_external_failure_is_a_callback_failure_also_on_replay() -> None:
    seen: list[Result[str, DurableError]] = []
    sent = ErrorObject(error_type="RejectedError", error_message="not approved")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.wait_for_callback(lambda cid, _: None, str, name="approval")
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).bind(lambda _: out)

    outcome = run_local(handler, None, callbacks=fail_with(sent))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_message == "not approved"
    assert len(seen) == 2 and seen[0] == seen[1]
    match seen[0]:
        case Failure(CallbackFailed() as err):
            assert err.error == sent
        case other:
            pytest.fail(f"expected CallbackFailed, got {other}")
    assert ("ContextFailed", "approval", "WaitForCallback") in shape(outcome)


def test_timeout_is_a_callback_timeout() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.wait_for_callback(
            lambda cid, _: None, str, config=WaitForCallbackConfig(timeout=Duration.seconds(5))
        )
        seen.append(out)
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    match seen[-1]:
        case Failure(CallbackTimedOut() as err):
            assert err.error_type == "Callback.Timeout"
        case other:
            pytest.fail(f"expected CallbackTimedOut, got {other}")
    started = next(e for e in outcome.events if e.event_type is EventType.CALLBACK_STARTED)
    assert started.details.timeout == 5


def test_submitter_exhausting_retries_is_a_step_failure() -> None:
    attempts: list[int] = []
    seen: list[Result[str, DurableError]] = []

    def submit(callback_id: str, step: StepContext) -> None:
        attempts.append(step.attempt)
        raise ConnectionError("queue down")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForCallbackConfig(retry_strategy=RetryStrategy.fixed(Duration(1), max_attempts=2))
        out = ctx.wait_for_callback(submit, str, name="w", config=cfg)
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).bind(lambda _: out)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert attempts == [1, 2]
    assert len(seen) == 2 and seen[0] == seen[1]
    match seen[0]:
        case Failure(StepFailed() as err):
            assert (err.error_type, err.error_message) == ("ConnectionError", "queue down")
        case other:
            pytest.fail(f"expected StepFailed, got {other}")
    callback = next(o for o in outcome.operations if o.sub_type == "Callback")
    assert callback.status is OperationStatus.STARTED  # never answered
    kinds = [e.event_type.value for e in outcome.events if e.sub_type in ("Step", "WaitForCallback")]
    assert kinds == [
        "ContextStarted",
        "StepStarted",
        "StepFailed",
        "StepStarted",
        "StepFailed",
        "ContextFailed",
    ]


def test_submitter_may_return_a_failure_or_an_ioresult() -> None:
    attempts: list[int] = []

    def submit(callback_id: str, step: StepContext) -> IOResult[int, Exception]:
        attempts.append(step.attempt)
        if step.attempt == 1:
            return IOResult.from_failure(RuntimeError("first try"))
        return IOResult.from_value(202)  # the value is not kept

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = WaitForCallbackConfig(retry_strategy=RetryStrategy.fixed(Duration(1), max_attempts=3))
        return ctx.wait_for_callback(submit, str, config=cfg)

    outcome = run_local(handler, None, callbacks=succeed_with('"ok"'))
    assert outcome.result == '"ok"'
    assert attempts == [1, 2]
    step = next(o for o in outcome.operations if o.sub_type == "Step")
    assert step.step_details is not None and step.step_details.result == "null"


def test_an_answer_that_does_not_fit_is_a_serdes_failure() -> None:
    seen: list[Result[Decision, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.wait_for_callback(lambda cid, _: None, Decision)
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).map(lambda _: "handled")

    outcome = run_local(handler, None, callbacks=succeed_with("[1, 2]"))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(seen) == 2 and seen[0] == seen[1]
    assert isinstance(seen[0], Failure) and isinstance(seen[0].failure(), SerdesFailed)


def test_custom_serdes() -> None:
    class Csv:
        def serialize(self, value: list[str], /) -> str:
            return ",".join(value)

        def deserialize(self, data: str, /) -> list[str]:
            return data.split(",")

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        cfg = WaitForCallbackConfig(serdes=Csv())
        return ctx.wait_for_callback(lambda cid, _: None, list[str], config=cfg).map(len)

    outcome = run_local(handler, None, callbacks=succeed_with("a,b,c"))
    assert outcome.result == "3"


def test_changed_name_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        runs.append(1)
        return ctx.wait_for_callback(lambda cid, _: None, str, name="a" if len(runs) == 1 else "b")

    outcome = run_local(handler, None, callbacks=succeed_with('"x"'))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_an_empty_answer_replays_as_the_empty_text() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.wait_for_callback(lambda cid, _: None, str)
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).bind(lambda _: out)

    outcome = run_local(handler, None, callbacks=succeed_with(None))
    assert outcome.result == '""'
    assert seen == [Success(""), Success("")]
