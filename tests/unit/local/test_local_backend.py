"""End to end on ``LocalBackend`` with hand-written in-process handlers (no SDK)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from local_support import PENDING, A, Session, kinds, retry, step, succeeded, wait
from returns.result import Failure, Success

from lambda_durable.errors import ExecutionFailed, SerdesFailed
from lambda_durable.local import ExecutionOutcome, HandlerRef, LocalBackend, LocalBackendError, run_local
from lambda_durable.wire import ErrorObject, Event, EventType, ExecutionStatus, OperationStatus


def _check_numbering(events: tuple[Event, ...] | list[Event]) -> None:
    assert [e.event_id for e in events] == list(range(1, len(events) + 1))
    stamps = [e.event_timestamp for e in events]
    assert stamps == sorted(stamps)


def _run(handler: Any, payload: str | None = "null", **kw: Any) -> ExecutionOutcome:
    with LocalBackend(**kw) as backend:
        backend.register("fn", handler)
        outcome = backend.run_until_settled(backend.start("fn", payload).unwrap())
    _check_numbering(outcome.events)
    return outcome


def one_step(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = Session(event, context)
    s.checkpoint(step("s1", A.START, name="validate"), step("s1", A.SUCCEED, payload='"Hello"'))
    return succeeded('"Hello"')


def test_single_step_history() -> None:
    outcome = _run(one_step)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"Hello"'
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    done = outcome.events[-1]
    assert done.details.result is not None and done.details.result.payload == '"Hello"'
    completed = outcome.events[3]
    assert completed.id is None and completed.details.request_id
    assert completed.details.error is None
    assert [op.status for op in outcome.operations] == [OperationStatus.SUCCEEDED, OperationStatus.SUCCEEDED]
    assert outcome.result_as(str) == Success("Hello")


def long_wait(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = Session(event, context)
    if s.status("w") is None:
        s.checkpoint(wait("w", 3600, name="nap"))
        return PENDING
    assert s.status("w") == "SUCCEEDED"
    assert s.updated == ["w"]
    return succeeded('"woke"')


def test_an_outcome_keeps_the_history_as_it_stood() -> None:
    with LocalBackend() as backend:
        backend.register("fn", long_wait)
        arn = backend.start("fn", None).unwrap()
        waiting = backend.run_until_idle(arn)
        again = backend.describe(arn)
        done = backend.run_until_settled(arn)
        history = backend.history(arn)
    assert kinds(waiting.events) == ["ExecutionStarted", "WaitStarted", "InvocationCompleted"]
    assert waiting == again and done != waiting  # outcomes compare their histories too
    assert list(waiting.events) == history[:3] and len(done.events) == len(history) > 3
    assert waiting.events is waiting.events  # built once


def test_wait_suspends_and_is_skipped() -> None:
    began = time.monotonic()
    outcome = _run(long_wait)
    assert time.monotonic() - began < 2
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    started, fired = outcome.events[1], outcome.events[3]
    assert started.details.duration == fired.details.duration == 3600
    assert fired.name == "nap"
    assert fired.event_timestamp - started.event_timestamp >= timedelta(seconds=3600)
    assert fired.event_timestamp - started.event_timestamp < timedelta(seconds=3602)


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = Session(event, context)
    if s.status("s") is None:
        s.checkpoint(step("s", A.START), retry("s", 2, error=ErrorObject("Boom", "first try")))
        return PENDING
    s.checkpoint(step("s", A.START), step("s", A.SUCCEED, payload='"second"'))
    return succeeded('"second"')


def test_retry_history_matches_the_canonical_sequence() -> None:
    outcome = _run(flaky)
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "StepStarted",
        "StepFailed",
        "InvocationCompleted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    failed, succeeded_event = outcome.events[2], outcome.events[5]
    assert failed.details.retry_details is not None
    assert (failed.details.retry_details.current_attempt, failed.details.retry_details.next_attempt_delay_seconds) == (1, 2)
    assert succeeded_event.details.retry_details is not None
    assert succeeded_event.details.retry_details.current_attempt == 2
    assert outcome.events[4].event_timestamp - failed.event_timestamp >= timedelta(seconds=2)


def fails_at_once(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"Status": "FAILED", "Error": {"ErrorType": "ValueError", "ErrorMessage": "bad input"}}


def test_failure_before_any_operation() -> None:
    outcome = _run(fails_at_once)
    assert outcome.status is ExecutionStatus.FAILED
    assert kinds(outcome.events) == ["ExecutionStarted", "InvocationCompleted", "ExecutionFailed"]
    assert outcome.error == ErrorObject("ValueError", "bad input")
    assert outcome.events[-1].details.error is not None
    assert outcome.events[-1].details.error.payload == outcome.error
    assert outcome.result_as(str) == Failure(ExecutionFailed(ErrorObject("ValueError", "bad input")))


def always_raises(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("kaboom")


def test_raising_handler_is_retried_then_fails() -> None:
    outcome = _run(always_raises)
    assert kinds(outcome.events) == ["ExecutionStarted"] + ["InvocationCompleted"] * 5 + ["ExecutionFailed"]
    completions = outcome.events[1:6]
    for event in completions:
        assert event.details.error is not None and event.details.error.payload is not None
        assert event.details.error.payload.error_type == "RuntimeError"
        assert event.details.error.payload.error_message == "kaboom"
    gaps = [b.event_timestamp - a.event_timestamp for a, b in zip(completions, completions[1:], strict=False)]
    assert all(gap >= timedelta(seconds=5) for gap in gaps)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "RuntimeError"


def raises_once(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = Session(event, context)
    if s.status("s") is None:
        s.checkpoint(step("s", A.START))
        raise RuntimeError("crash after start")
    assert s.status("s") == "STARTED"
    s.checkpoint(step("s", A.SUCCEED, payload="1"))
    return succeeded("1")


def test_failed_invocation_is_reinvoked_with_the_step_still_started() -> None:
    outcome = _run(raises_once)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "StepStarted",
        "InvocationCompleted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def not_an_output(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"Status": "DONE"}


def test_invalid_output_is_a_failed_invocation() -> None:
    outcome = _run(not_an_output)
    assert outcome.status is ExecutionStatus.FAILED
    first = outcome.events[1]
    assert first.details.error is not None and first.details.error.payload is not None
    assert first.details.error.payload.error_type == "Runtime.InvalidOutput"


def test_execution_timeout() -> None:
    with LocalBackend() as backend:
        backend.register("fn", long_wait)
        arn = backend.start("fn", None, execution_timeout=10).unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.TIMED_OUT
    assert kinds(outcome.events) == ["ExecutionStarted", "WaitStarted", "InvocationCompleted", "ExecutionTimedOut"]
    assert outcome.error == ErrorObject(error_message="Execution timed out after 10 seconds.")
    assert outcome.events[0].details.execution_timeout == 10


def logs_things(event: dict[str, Any], context: Any) -> dict[str, Any]:
    arn = event["DurableExecutionArn"]
    logging.getLogger("user.code").warning("hello %s", "there", extra={"executionArn": arn, "operationId": "x"})
    logging.getLogger("lambda_durable.sdk").info("sdk says hi", extra={"executionArn": arn})
    logging.getLogger("user.code").warning("not mine", extra={"executionArn": "another"})
    logging.getLogger("user.code").warning("no arn at all")
    for i in range(20):  # short-lived records reuse ids: every one must still be kept
        logging.getLogger("lambda_durable.sdk").info("line %d", i, extra={"executionArn": arn})
    return succeeded("null")


def test_logs_are_captured_per_execution() -> None:
    with LocalBackend() as backend:
        backend.register("fn", logs_things)
        arn = backend.start("fn", None).unwrap()
        backend.run_until_settled(arn)
        records = backend.logs(arn)
    assert [r["message"] for r in records] == ["hello there", "sdk says hi", *(f"line {i}" for i in range(20))]
    first = records[0]
    assert first["level"] == "WARNING"
    assert first["executionArn"] == arn and first["operationId"] == "x"
    assert first["timestamp"]
    assert logging.getLogger("lambda_durable").level == logging.NOTSET


def test_listeners_see_every_event_in_order() -> None:
    seen: list[tuple[str, int]] = []
    with LocalBackend() as backend:
        backend.register("fn", flaky)
        backend.add_listener(lambda arn, event: seen.append((arn, event.event_id)))
        arn = backend.start("fn", None).unwrap()
        outcome = backend.run_until_settled(arn)
    assert seen == [(arn, e.event_id) for e in outcome.events]


def test_a_listener_for_some_kinds_sees_only_those_in_turn_with_the_others() -> None:
    seen: list[tuple[str, int]] = []
    with LocalBackend() as backend:
        backend.register("fn", flaky)
        backend.add_listener(lambda arn, event: seen.append(("all", event.event_id)))
        backend.service.add_listener(
            lambda arn, event: seen.append(("steps", event.event_id)),
            kinds=(EventType.STEP_STARTED, EventType.STEP_FAILED),
        )
        outcome = backend.run_until_settled(backend.start("fn", None).unwrap())
    picked = [e.event_id for e in outcome.events if e.event_type in (EventType.STEP_STARTED, EventType.STEP_FAILED)]
    assert picked and len(picked) < len(outcome.events)
    expected = [("all", e.event_id) for e in outcome.events]
    for event_id in reversed(picked):
        expected.insert(expected.index(("all", event_id)) + 1, ("steps", event_id))
    assert seen == expected


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    s = Session(event, context)
    [execution] = [op for op in s.ops.values() if op["Type"] == "EXECUTION"]
    assert execution["Id"] == s.arn.split("/")[-1]
    assert context.get_remaining_time_in_millis() > 0
    assert context.invoked_function_arn.endswith(":function:echo:$LATEST")
    assert context.aws_request_id
    return succeeded(execution["ExecutionDetails"]["InputPayload"])


@attrs.frozen
class Order:
    id: int
    items: list[str]


def test_run_local_and_result_as() -> None:
    outcome = run_local(echo, {"id": 7, "items": ["a"]})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result_as(Order) == Success(Order(7, ["a"]))
    mismatch = outcome.result_as(int)
    assert isinstance(mismatch, Failure)
    assert isinstance(mismatch.failure(), SerdesFailed)


def test_arn_format_and_names() -> None:
    with LocalBackend() as backend:
        backend.register("orders", echo)
        arn = backend.start("orders", "{}", execution_name="run-1").unwrap()
        assert arn.startswith("arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/run-1/")
        taken = backend.start("orders", "{}", execution_name="run-1").failure()
        assert (taken.code, taken.http_status) == ("DurableExecutionAlreadyStartedException", 409)
        malformed = backend.start("orders", "{}", execution_name="has space").failure()
        assert (malformed.code, malformed.http_status) == ("InvalidParameterValueException", 400)
        assert "Invalid execution name" in malformed.message
        missing = backend.start("missing", "{}").failure()
        assert (missing.code, missing.http_status) == ("ResourceNotFoundException", 404)
        assert backend.describe(arn).status is ExecutionStatus.RUNNING
        assert backend.executions() == [arn]  # the refused starts left nothing behind


def test_misusing_the_harness_raises_a_typed_error() -> None:
    with LocalBackend() as backend:
        backend.register("orders", echo)
        unknown = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/x/y"
        for misuse in (backend.describe, backend.history, backend.run_until_settled):
            with pytest.raises(LocalBackendError, match="ResourceNotFoundException"):
                misuse(unknown)
        with pytest.raises(LocalBackendError):
            backend.register("broken", HandlerRef("no_such_module_here", "handler"))
    def handler(event: Any, context: Any) -> dict[str, Any]:
        raise AssertionError("never invoked")

    handler.__name__ = "h" * 65  # the function name run_local derives: longer than a function name may be
    with pytest.raises(LocalBackendError, match="Invalid function name"):
        run_local(handler, {})


def test_file_database_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "sub" / "executions.db")
    with LocalBackend(db) as first:
        first.register("fn", flaky)
        done = first.run_until_settled(first.start("fn", '"x"').unwrap())
        pending = first.start("fn", '"y"').unwrap()
    with LocalBackend(db) as second:
        again = second.describe(done.arn)
        assert again == done
        assert second.history(done.arn) == list(done.events)
        assert second.executions() == [done.arn, pending]
        second.register("fn", flaky)
        resumed = second.run_until_settled(pending)
    assert resumed.status is ExecutionStatus.SUCCEEDED
    _check_numbering(resumed.events)


def test_real_time_really_waits() -> None:
    def short_wait(event: dict[str, Any], context: Any) -> dict[str, Any]:
        s = Session(event, context)
        if s.status("w") is None:
            s.checkpoint(wait("w", 1))
            return PENDING
        return succeeded()

    began = time.monotonic()
    outcome = _run(short_wait, real_time=True)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert time.monotonic() - began >= 1.0


def test_skipped_time_still_orders_events() -> None:
    outcome = _run(flaky)
    assert outcome.events[-1].event_type is EventType.EXECUTION_SUCCEEDED


def test_an_invocation_left_open_by_a_dead_process_fails_on_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    first = LocalBackend(db)
    first.register("fn", one_step)
    arn = first.start("fn", None).unwrap()
    first.service.begin_invocation(arn).unwrap()  # ... and the process dies here
    first.close()
    with LocalBackend(db) as second:
        second.register("fn", one_step)
        outcome = second.run_until_settled(arn)
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "InvocationCompleted",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    error = outcome.events[1].details.error
    assert error is not None and error.payload is not None
    assert error.payload.error_type == "Runtime.ExitError"
    _check_numbering(outcome.events)


def test_logs_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "logs.db")
    with LocalBackend(db) as first:
        first.register("fn", logs_things)
        arn = first.start("fn", None).unwrap()
        first.run_until_settled(arn)
        kept = first.logs(arn)
    with LocalBackend(db) as second:
        assert second.logs(arn) == kept
        assert len(kept) == 22
