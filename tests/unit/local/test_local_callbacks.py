"""CALLBACK operations and the three callback APIs on the service (docs/protocol.md §8.3)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from local_support import (
    A,
    ManualClock,
    Session,
    callback,
    callback_id_of,
    end_session,
    kinds,
    new_service,
    open_session,
    step,
    wait,
)

from lambda_durable.local.engine.callbacks import MAX_RESULT_BYTES
from lambda_durable.local.engine.service import LocalService
from lambda_durable.wire import (
    PYTHON,
    ErrorObject,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
)

Env = tuple[LocalService, ManualClock, str]


@pytest.fixture
def env() -> Env:
    service, clock = new_service()
    assert isinstance(clock, ManualClock)
    return service, clock, service.start_execution("fn", "null").unwrap()


def _suspend_on_callback(service: LocalService, arn: str, timeout: int = 0, heartbeat: int = 0) -> str:
    """Invocation 1 creates callback ``cb`` and suspends; returns its CallbackId."""
    session = open_session(service, arn)
    out = session.checkpoint(callback("cb", timeout, heartbeat, name="approval"))
    end_session(service, session)
    return callback_id_of(out, "cb")


def _op(service: LocalService, arn: str, op_id: str = "cb") -> object:
    return next(op for op in service.operations(arn).unwrap() if op.id == op_id)


def test_start_hands_out_an_unguessable_id_and_records_the_event(env: Env) -> None:
    service, _, arn = env
    session = open_session(service, arn)
    out = session.checkpoint(callback("cb", 30, 10, name="approval"), callback("cb2"))
    first, second = callback_id_of(out, "cb"), callback_id_of(out, "cb2")
    for callback_id in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", callback_id) and 22 <= len(callback_id) <= 1024
    assert first != second
    events = [PYTHON.encode(e) for e in service.history(arn).unwrap()]
    assert events[1]["EventType"] == "CallbackStarted" and events[1]["Name"] == "approval"
    assert events[1]["SubType"] == "Callback"
    assert events[1]["CallbackStartedDetails"] == {"CallbackId": first, "Timeout": 30, "HeartbeatTimeout": 10}
    assert events[2]["CallbackStartedDetails"] == {"CallbackId": second}
    assert service.store.callback(first) is not None
    end_session(service, session)
    assert service.execution(arn).unwrap().status.value == "RUNNING"  # PENDING on a callback is valid


def test_start_twice_is_rejected(env: Env) -> None:
    service, _, arn = env
    session = open_session(service, arn)
    session.checkpoint(callback("cb"))
    error = session.try_checkpoint(callback("cb")).failure()
    assert error.message == "Cannot start a CALLBACK that already exist."


def test_success_completes_the_callback_and_asks_for_a_reinvocation(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    assert not service.wants_invocation(arn)
    assert service.send_callback_success(callback_id, b'{"ok": true}').unwrap() is None
    assert service.wants_invocation(arn)
    events = service.history(arn).unwrap()
    assert kinds(events)[-2:] == ["InvocationCompleted", "CallbackSucceeded"]
    succeeded = PYTHON.encode(events[-1])
    assert succeeded["Id"] == "cb" and succeeded["Name"] == "approval"
    assert succeeded["CallbackSucceededDetails"] == {"Result": {"Payload": '{"ok": true}', "Truncated": False}}
    session = open_session(service, arn)
    assert session.updated == ["cb"]
    op = session.ops["cb"]
    assert op["Status"] == "SUCCEEDED"
    assert op["CallbackDetails"] == {"CallbackId": callback_id, "Result": '{"ok": true}'}
    assert "EndTimestamp" in op


def test_success_without_a_result_still_has_result_details(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    service.send_callback_success(callback_id, None).unwrap()
    succeeded = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert "Result" in succeeded["CallbackSucceededDetails"]
    assert "Payload" not in succeeded["CallbackSucceededDetails"]["Result"]


def test_failure_stores_the_error_verbatim(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    error = ErrorObject(error_type="RejectedError", error_message="not approved", error_data='{"x": 1}')
    service.send_callback_failure(callback_id, error).unwrap()
    failed = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert failed["EventType"] == "CallbackFailed"
    assert failed["CallbackFailedDetails"]["Error"]["Payload"] == {
        "ErrorType": "RejectedError",
        "ErrorMessage": "not approved",
        "ErrorData": '{"x": 1}',
    }
    op = _op(service, arn)
    assert getattr(op, "status") is OperationStatus.FAILED


def test_failure_without_an_error_stores_an_empty_one(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    service.send_callback_failure(callback_id, None).unwrap()
    failed = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert failed["CallbackFailedDetails"]["Error"]["Payload"] == {}


@pytest.mark.parametrize("seconds, kind", [(5, "timeout"), (0, "heartbeat")])
def test_timers_time_the_callback_out(env: Env, seconds: int, kind: str) -> None:
    service, clock, arn = env
    callback_id = _suspend_on_callback(service, arn, timeout=seconds, heartbeat=0 if seconds else 7)
    wake = service.next_wakeup(arn)
    assert wake == clock.now() + timedelta(seconds=seconds or 7)
    clock.sleep_until(wake)
    service.advance(arn)
    timed_out = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert timed_out["EventType"] == "CallbackTimedOut"
    expected = (
        {"ErrorType": "Callback.Timeout", "ErrorMessage": "Callback timed out"}
        if kind == "timeout"
        else {"ErrorType": "Callback.Heartbeat", "ErrorMessage": "Callback timed out on heartbeat"}
    )
    assert timed_out["CallbackTimedOutDetails"]["Error"]["Payload"] == expected
    assert service.wants_invocation(arn)
    before = service.store.dump()
    error = service.send_callback_success(callback_id, "1").failure()
    assert (error.code, error.http_status) == ("CallbackTimeoutException", 400)
    assert service.store.dump() == before


def test_heartbeats_push_the_heartbeat_timer_back_without_an_event(env: Env) -> None:
    service, clock, arn = env
    callback_id = _suspend_on_callback(service, arn, timeout=100, heartbeat=5)
    events_before = len(service.history(arn).unwrap())
    for _ in range(3):
        clock.advance(4)
        assert service.send_callback_heartbeat(callback_id).unwrap() is None
        service.advance(arn)
    assert len(service.history(arn).unwrap()) == events_before
    assert not service.wants_invocation(arn)
    assert service.next_wakeup(arn) == clock.now() + timedelta(seconds=5)
    clock.advance(5)
    service.advance(arn)
    last = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert last["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Heartbeat"


def test_overall_timeout_is_not_reset_by_heartbeats(env: Env) -> None:
    service, clock, arn = env
    callback_id = _suspend_on_callback(service, arn, timeout=6, heartbeat=5)
    clock.advance(4)
    service.send_callback_heartbeat(callback_id).unwrap()
    clock.advance(2)
    error = service.send_callback_heartbeat(callback_id).failure()
    assert error.code == "CallbackTimeoutException"
    last = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert last["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"
    assert service.wants_invocation(arn)  # the lazy timeout is a completion like any other


def test_a_due_timer_wins_over_a_late_answer(env: Env) -> None:
    service, clock, arn = env
    callback_id = _suspend_on_callback(service, arn, timeout=5)
    clock.advance(5)  # due, but no one fired it yet
    error = service.send_callback_success(callback_id, "1").failure()
    assert error.code == "CallbackTimeoutException"
    assert kinds(service.history(arn).unwrap())[-1] == "CallbackTimedOut"


def _rejections(service: LocalService, callback_id: str) -> dict[str, object]:
    return {
        "success": service.send_callback_success(callback_id, "1"),
        "failure": service.send_callback_failure(callback_id, ErrorObject(error_message="no")),
        "heartbeat": service.send_callback_heartbeat(callback_id),
    }


@pytest.mark.parametrize("api", ["success", "failure", "heartbeat"])
def test_unknown_ids_are_rejected_and_change_nothing(env: Env, api: str) -> None:
    service, _, arn = env
    _suspend_on_callback(service, arn)
    before = service.store.dump()
    error = _rejections(service, "bm9wZQ==")[api]
    failure = getattr(error, "failure")()
    assert (failure.code, failure.http_status) == ("InvalidParameterValueException", 400)
    assert service.store.dump() == before


@pytest.mark.parametrize("api", ["success", "failure", "heartbeat"])
def test_answering_twice_is_rejected_and_changes_nothing(env: Env, api: str) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    service.send_callback_success(callback_id, '"first"').unwrap()
    before = service.store.dump()
    failure = getattr(_rejections(service, callback_id)[api], "failure")()
    assert failure.code == "InvalidParameterValueException"
    assert "already completed" in failure.message
    assert service.store.dump() == before


def test_an_oversized_result_is_rejected_and_changes_nothing(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    before = service.store.dump()
    failure = service.send_callback_success(callback_id, b"x" * (MAX_RESULT_BYTES + 1)).failure()
    assert failure.code == "InvalidParameterValueException" and "262144" in failure.message
    assert service.store.dump() == before
    assert service.send_callback_success(callback_id, b"x" * MAX_RESULT_BYTES).unwrap() is None


def test_answers_to_an_ended_execution_are_rejected(env: Env) -> None:
    service, _, arn = env
    session = open_session(service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb")), "cb")
    end_session(service, session, InvocationOutput(InvocationStatus.SUCCEEDED, result="1"))
    before = service.store.dump()
    failure = service.send_callback_success(callback_id, "1").failure()
    assert failure.code == "InvalidParameterValueException" and "ended" in failure.message
    assert service.store.dump() == before


def test_completion_during_an_invocation_is_delivered_then_reinvokes(env: Env) -> None:
    service, _, arn = env
    session = open_session(service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb")), "cb")
    service.send_callback_success(callback_id, '"early"').unwrap()
    out = session.checkpoint(step("s1", A.START))
    delivered = {op.id: op for op in out.new_execution_state.operations}
    assert delivered["cb"].status is OperationStatus.SUCCEEDED
    end_session(service, session)
    assert kinds(service.history(arn).unwrap())[1:] == [
        "CallbackStarted",
        "CallbackSucceeded",
        "StepStarted",
        "InvocationCompleted",
    ]
    assert service.wants_invocation(arn)
    assert open_session(service, arn).updated == ["cb"]


def test_callback_completing_while_a_wait_runs_causes_an_extra_invocation(env: Env) -> None:
    """CR 4-9: the replay after the callback just suspends again on the wait."""
    service, clock, arn = env
    session = open_session(service, arn)
    callback_id = callback_id_of(session.checkpoint(callback("cb"), wait("w", 5)), "cb")
    end_session(service, session)
    clock.advance(1)
    service.send_callback_success(callback_id, '"v"').unwrap()
    replay: Session = open_session(service, arn)
    assert replay.status("w") == "STARTED"
    end_session(service, replay)
    assert service.next_wakeup(arn) == clock.now() + timedelta(seconds=4)
    clock.advance(4)
    service.advance(arn)
    assert kinds(service.history(arn).unwrap())[1:] == [
        "CallbackStarted",
        "WaitStarted",
        "InvocationCompleted",
        "CallbackSucceeded",
        "InvocationCompleted",
        "WaitSucceeded",
    ]


def test_callbacks_survive_a_restart(tmp_path: object) -> None:
    from pathlib import Path

    from lambda_durable.local.engine.store import Store

    path = str(Path(str(tmp_path)) / "x.db")
    clock = ManualClock()
    service = LocalService(Store(path), clock)
    arn = service.start_execution("fn", "null").unwrap()
    callback_id = _suspend_on_callback(service, arn, heartbeat=10)
    service.store.close()
    again = LocalService(Store(path), clock)
    clock.advance(8)
    again.send_callback_heartbeat(callback_id).unwrap()
    clock.advance(8)
    again.advance(arn)
    assert _op(again, arn).status is OperationStatus.STARTED  # type: ignore[attr-defined]
    again.send_callback_success(callback_id, "1").unwrap()
    assert kinds(again.history(arn).unwrap())[-1] == "CallbackSucceeded"
    again.store.close()


def test_stop_ends_the_execution_and_later_answers_are_rejected(env: Env) -> None:
    service, _, arn = env
    callback_id = _suspend_on_callback(service, arn)
    stopped_at = service.stop_execution(arn).unwrap()
    assert service.stop_execution(arn).unwrap() == stopped_at  # idempotent once terminal
    last = PYTHON.encode(service.history(arn).unwrap()[-1])
    assert last["EventType"] == "ExecutionStopped"
    assert last["ExecutionStoppedDetails"]["Error"]["Payload"] == {"ErrorMessage": "Execution stopped by user request"}
    assert getattr(_op(service, arn), "status") is OperationStatus.STARTED  # running ops stay as they were
    before = service.store.dump()
    assert service.send_callback_heartbeat(callback_id).failure().code == "InvalidParameterValueException"
    assert service.store.dump() == before
