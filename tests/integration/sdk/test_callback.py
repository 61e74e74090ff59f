"""create_callback on the embedded backend: answers, failures, timeouts, decoding, replay."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen
from callback_answers import fail_with, succeed_with
from returns.result import Failure, Result, Success

from lambda_durable import (
    Callback,
    CallbackConfig,
    CallbackFailed,
    CallbackTimedOut,
    DurableContext,
    DurableError,
    Duration,
    SerdesFailed,
    StepContext,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import ErrorObject, EventType, ExecutionStatus, OperationStatus


def callback_events(outcome: Any) -> list[Any]:
    return [e for e in outcome.events if e.sub_type == "Callback"]


def invocations(outcome: Any) -> int:
    return [e.event_type for e in outcome.events].count(EventType.INVOCATION_COMPLETED)


@frozen
class Approval:
    approved: bool
    by: str


def test_answer_is_structured_into_the_result_type() -> None:
    steps: list[str] = []
    ids: list[str] = []

    def notify(step: StepContext) -> str:
        steps.append("notify")
        return "sent"

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        def after_create(cb: Callback[Approval]) -> Result[str, DurableError]:
            ids.append(cb.callback_id)
            return (
                ctx.step(notify, name="notify")
                .bind(lambda _: cb.result())
                .map(lambda a: f"{a.approved} by {a.by}")
            )

        return ctx.create_callback(Approval, name="approval").bind(after_create)

    outcome = run_local(handler, None, callbacks=succeed_with('{"approved": true, "by": "ann"}'))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"True by ann"'
    assert steps == ["notify"]  # the step between create and result() is replayed, not re-run
    assert len(ids) == 2 and ids[0] == ids[1]  # the same callback id on replay
    assert invocations(outcome) == 2
    kinds = [(e.event_type, e.name) for e in callback_events(outcome)]
    assert kinds == [(EventType.CALLBACK_STARTED, "approval"), (EventType.CALLBACK_SUCCEEDED, "approval")]
    started = callback_events(outcome)[0]
    assert started.details.callback_id == ids[0]
    assert started.details.timeout is None and started.details.heartbeat_timeout is None


def test_timeouts_are_sent_with_the_start() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = CallbackConfig(timeout=Duration.minutes(5), heartbeat_timeout=Duration.seconds(30))
        return ctx.create_callback(str, config=cfg).bind(lambda cb: cb.result())

    outcome = run_local(handler, None, callbacks=succeed_with('"ok"'))
    assert outcome.result == '"ok"'
    started = callback_events(outcome)[0]
    assert (started.details.timeout, started.details.heartbeat_timeout) == (300, 30)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ('"abc"', "abc"),  # a JSON string is unquoted
        ("plain text", "plain text"),  # not JSON: the text as sent
        ('{"status": "approved"}', '{"status": "approved"}'),  # JSON but not a string: as sent
        (None, ""),  # no answer body: the empty text
    ],
)
def test_str_results(sent: str | None, expected: str) -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.create_callback(str).bind(lambda cb: cb.result())
        seen.append(out)
        return out

    outcome = run_local(handler, None, callbacks=succeed_with(sent))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert seen[-1] == Success(expected)


def test_json_values_into_other_types() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[list[int], DurableError]:
        return ctx.create_callback(list[int]).bind(lambda cb: cb.result())

    outcome = run_local(handler, None, callbacks=succeed_with("[1, 2, 3]"))
    assert outcome.result == "[1, 2, 3]"


def test_an_answer_that_does_not_fit_is_a_serdes_failure_on_every_replay() -> None:
    seen: list[Result[Approval, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.create_callback(Approval).bind(lambda cb: cb.result())
        seen.append(out)
        # recover, then force one more replay
        return ctx.wait(Duration.seconds(1)).map(lambda _: "handled")

    outcome = run_local(handler, None, callbacks=succeed_with('"not an approval"'))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(seen) == 2  # answered, and after the wait (the first invocation suspended)
    assert seen[0] == seen[1]
    assert isinstance(seen[0], Failure) and isinstance(seen[0].failure(), SerdesFailed)


def test_a_custom_serdes_decodes_the_answer() -> None:
    class Shout:
        def serialize(self, value: str, /) -> str:
            return value.upper()

        def deserialize(self, data: str, /) -> str:
            return data.upper() + "!"

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.create_callback(str, config=CallbackConfig(serdes=Shout())).bind(lambda cb: cb.result())

    outcome = run_local(handler, None, callbacks=succeed_with("hey"))
    assert outcome.result == '"HEY!"'


def test_external_failure_keeps_the_senders_error() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.create_callback(str, name="approval").bind(lambda cb: cb.result())
        seen.append(out)
        return out

    sent = ErrorObject(error_type="RejectedError", error_message="not approved", error_data='{"why": 1}')
    outcome = run_local(handler, None, callbacks=fail_with(sent))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.error_message) == ("RejectedError", "not approved")
    match seen[-1]:
        case Failure(CallbackFailed() as err):
            assert err.error == sent
        case other:
            pytest.fail(f"expected CallbackFailed, got {other}")
    failed = [e for e in callback_events(outcome) if e.event_type is EventType.CALLBACK_FAILED]
    assert len(failed) == 1


def test_a_handled_failure_replays_as_the_same_failure() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.create_callback(str).bind(lambda cb: cb.result())
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).bind(lambda _: out.lash(lambda e: Success(f"fallback: {e.error_message}")))

    outcome = run_local(handler, None, callbacks=fail_with(ErrorObject(error_type="X", error_message="no")))
    assert outcome.result == '"fallback: no"'
    assert len(seen) == 2 and seen[0] == seen[1]


def test_timeout_without_an_answer() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.create_callback(str, name="cb", config=CallbackConfig(timeout=Duration.seconds(5))).bind(
            lambda cb: cb.result()
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
    assert [e.event_type for e in callback_events(outcome)] == [EventType.CALLBACK_STARTED, EventType.CALLBACK_TIMED_OUT]


def test_heartbeat_timeout() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = CallbackConfig(timeout=Duration.hours(1), heartbeat_timeout=Duration.seconds(10))
        out = ctx.create_callback(str, config=cfg).bind(lambda cb: cb.result())
        seen.append(out)
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    match seen[-1]:
        case Failure(CallbackTimedOut() as err):
            assert err.error_type == "Callback.Heartbeat"
        case other:
            pytest.fail(f"expected CallbackTimedOut, got {other}")


def test_result_suspends_until_answered_and_nothing_else_reruns() -> None:
    runs: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        runs.append("handler")

        def note(label: str, value: str) -> str:
            runs.append(label)
            return value

        return (
            ctx.step(lambda _: note("before", "b"), name="before")
            .bind(lambda _: ctx.create_callback(str, name="cb"))
            .bind(lambda cb: cb.result())
            .bind(lambda v: ctx.step(lambda _: note("after", v), name="after"))
        )

    outcome = run_local(handler, None, callbacks=succeed_with('"v"'))
    assert outcome.result == '"v"'
    assert runs == ["handler", "before", "handler", "after"]


def test_the_handle_is_a_frozen_value() -> None:
    handles: list[Callback[str]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        def keep(cb: Callback[str]) -> str:
            handles.append(cb)
            return cb.callback_id

        return ctx.create_callback(str).map(keep)

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == f'"{handles[0].callback_id}"'
    with pytest.raises(AttributeError):
        handles[0].callback_id = "x"  # type: ignore[misc]
    assert "outcome" not in repr(handles[0])
    op = next(o for o in outcome.operations if o.type.value == "CALLBACK")
    assert op.status is OperationStatus.STARTED  # never answered; the execution ended anyway


def test_changed_name_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        runs.append(1)
        return ctx.create_callback(str, name="a" if len(runs) == 1 else "b").bind(lambda cb: cb.result())

    outcome = run_local(handler, None, callbacks=succeed_with('"x"'))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_changed_type_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[Any, DurableError]:
        runs.append(1)
        if len(runs) == 1:
            return ctx.create_callback(str, name="a").bind(lambda cb: cb.result())
        return ctx.wait(Duration.seconds(1), name="a")

    outcome = run_local(handler, None, callbacks=succeed_with('"x"'))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_an_empty_answer_into_none() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
        return ctx.create_callback(type(None)).bind(lambda cb: cb.result())

    outcome = run_local(handler, None, callbacks=succeed_with(None))
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "null"
