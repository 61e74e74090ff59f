"""Choosing and sending CallbackActions (docs/protocol.md §10.4), on hand-built events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from attrs import frozen
from returns.maybe import Nothing, Some
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.conformance.backend import CallbackBackend
from lambda_durable.conformance.callbacks import (
    CallbackPlan,
    OpenCallback,
    Reply,
    name_matches,
    started_callbacks,
)
from lambda_durable.conformance.driver import drive
from lambda_durable.conformance.requirements import CallbackAction, CallbackOperation
from lambda_durable.wire import ErrorObject, Event, EventDetails, EventType

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SUCCESS = CallbackOperation.SUCCESS
FAILURE = CallbackOperation.FAILURE
HEARTBEAT = CallbackOperation.HEARTBEAT


def action(name: str, op: CallbackOperation, payload: object = None, delay: float = 0.0) -> CallbackAction:
    return CallbackAction(name, op, Nothing if payload is None else Some(payload), delay)


def test_name_patterns() -> None:
    assert name_matches("*", None)
    assert name_matches("abc", "abc")
    assert not name_matches("abc", "abd")
    assert name_matches("${/^ab/}", "abc")
    assert not name_matches("${/^x/}", "abc")
    assert not name_matches("abc", None)


def test_started_callbacks_borrow_wait_for_callback_names() -> None:
    events: list[dict[str, object]] = [
        {"EventType": "ContextStarted", "EventId": 2, "Id": "ctx", "Name": "cb", "SubType": "WaitForCallback"},
        {"EventType": "CallbackStarted", "EventId": 3, "Id": "c1", "ParentId": "ctx",
         "CallbackStartedDetails": {"CallbackId": "id-1"}},
        {"EventType": "CallbackStarted", "EventId": 4, "Id": "c2", "Name": "own",
         "CallbackStartedDetails": {"CallbackId": "id-2"}},
    ]
    assert started_callbacks(events) == [OpenCallback("id-1", "cb"), OpenCallback("id-2", "own")]


def test_first_unused_matching_action_is_taken_once() -> None:
    plan = CallbackPlan((action("b", SUCCESS), action("*", FAILURE)))
    chosen = plan.next_replies([OpenCallback("1", "a"), OpenCallback("2", "b")])
    assert is_successful(chosen)
    plan, replies = chosen.unwrap()
    assert [(r.callback_id, r.action.operation) for r in replies] == [("1", FAILURE), ("2", SUCCESS)]
    again = plan.next_replies([OpenCallback("1", "a"), OpenCallback("2", "b")]).unwrap()
    assert again[1] == []


def test_heartbeat_leaves_the_callback_open_for_the_next_action() -> None:
    plan = CallbackPlan((action("*", HEARTBEAT), action("*", SUCCESS, "x", 1)))
    plan, first = plan.next_replies([OpenCallback("1", "n")]).unwrap()
    assert [r.action.operation for r in first] == [HEARTBEAT]
    plan, second = plan.next_replies([OpenCallback("1", "n")]).unwrap()
    assert [r.action.operation for r in second] == [SUCCESS]
    assert plan.next_replies([OpenCallback("1", "n")]).unwrap()[1] == []


def test_no_matching_action_is_an_error() -> None:
    result = CallbackPlan((action("other", SUCCESS),)).next_replies([OpenCallback("1", "n")])
    assert result.failure() == "no unused CallbackAction matches callback 'n'"


def test_payload_encodings() -> None:
    assert Reply("1", action("*", SUCCESS, "abc")).result_payload() == '"abc"'
    assert Reply("1", action("*", SUCCESS, {"a": 1})).result_payload() == '{"a": 1}'
    assert Reply("1", action("*", SUCCESS)).result_payload() is None
    failure = Reply("1", action("*", FAILURE, {"ErrorType": "RejectedError", "ErrorMessage": "no", "Other": 1}))
    assert failure.error_object() == ErrorObject("RejectedError", "no")
    assert Reply("1", action("*", FAILURE)).error_object() == ErrorObject()


# --- the driving loop on a fake stepping backend ----------------------------------


@frozen
class Out:
    arn: str
    status: str
    result: str | None = None
    error: ErrorObject | None = None


class SteppingBackend:
    """Suspends on one callback until it is completed; a heartbeat changes nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.done = False

    def register(self, name: str, handler: Any, isolated: bool = False) -> None: ...

    def start(
        self, function_name: str, payload: str | None, execution_name: str | None = None
    ) -> Result[str, ServiceError]:
        return Success("arn")

    def run_until_settled(self, arn: str) -> Out:
        raise AssertionError("not used with actions")

    def history(self, arn: str) -> Sequence[Event]:
        return (
            Event(EventType.EXECUTION_STARTED, 1, T0),
            Event(EventType.CALLBACK_STARTED, 2, T0, EventDetails(callback_id="cb-1"), id="c", name="approve"),
        )

    def logs(self, arn: str) -> Sequence[Mapping[str, object]]:
        return ()

    def close(self) -> None: ...

    def run_until_idle(self, arn: str) -> Out:
        return Out(arn, "SUCCEEDED" if self.done else "RUNNING")

    def advance_clock(self, arn: str, seconds: float | None) -> bool:
        self.calls.append(("advance", seconds))
        return False

    def send_callback_success(self, callback_id: str, result: str | None) -> Result[None, ServiceError]:
        self.calls.append(("success", (callback_id, result)))
        self.done = True
        return Success(None)

    def send_callback_failure(self, callback_id: str, error: ErrorObject) -> Result[None, ServiceError]:
        self.calls.append(("failure", (callback_id, error)))
        return Failure(ServiceError("InvalidParameterValueException", "callback already timed out", 400))

    def send_callback_heartbeat(self, callback_id: str) -> Result[None, ServiceError]:
        self.calls.append(("heartbeat", callback_id))
        return Success(None)


def run(actions: list[CallbackAction]) -> tuple[Result[Any, str], SteppingBackend]:
    backend = SteppingBackend()
    assert isinstance(backend, CallbackBackend)
    return drive(backend, "arn", actions), backend


def test_driver_sends_heartbeat_then_success_after_the_delay() -> None:
    result, backend = run([action("*", HEARTBEAT), action("approve", SUCCESS, "ok", 1)])
    assert is_successful(result) and result.unwrap().status == "SUCCEEDED"
    assert backend.calls == [("heartbeat", "cb-1"), ("advance", 1.0), ("success", ("cb-1", '"ok"'))]


def test_driver_reports_a_rejected_send() -> None:
    result, _ = run([action("*", FAILURE, {"ErrorType": "E"})])
    assert result.failure() == (
        "callback failure for cb-1 rejected: InvalidParameterValueException: callback already timed out"
    )


def test_driver_reports_a_stuck_execution() -> None:
    result, backend = run([action("*", HEARTBEAT)])
    assert result.failure() == "execution is RUNNING but waits for nothing the runner can provide"
    assert backend.calls == [("heartbeat", "cb-1"), ("advance", None)]
