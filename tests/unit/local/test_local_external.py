"""Callbacks answered from a run, and chained invokes of durable and plain targets,
through ``LocalBackend`` / ``run_local`` (docs/protocol.md §8.1, §8.3, §8.4)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from local_support import (
    PENDING,
    ManualClock,
    Session,
    callback,
    callback_id_of,
    end_session,
    invoke,
    kinds,
    new_service,
    open_session,
    step,
    succeeded,
    wait,
)

from lambda_durable.local import LocalBackend, run_local
from lambda_durable.local.api import CallbackSender
from lambda_durable.local.engine.callbacks import CallbackStartedInfo
from lambda_durable.local.engine.targets import Target, function_name_of
from lambda_durable.wire import PYTHON, ErrorObject, ExecutionStatus, OperationAction, OperationType, OperationUpdate

Handler = Any


def _input(session: Session) -> str:
    execution = next(op for op in session.ops.values() if op["Type"] == "EXECUTION")
    return str(execution["ExecutionDetails"].get("InputPayload") or "null")


def _finish(session: Session, op_id: str, details_key: str) -> dict[str, Any]:
    op = session.ops[op_id]
    details = op.get(details_key, {})
    if op["Status"] == "SUCCEEDED":
        return succeeded(details.get("Result", "null"))
    return {"Status": "FAILED", "Error": details.get("Error", {})}


def waits_for_callback(timeout: int = 0, heartbeat: int = 0) -> Handler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        session = Session(event, context)
        if "cb" not in session.ops:
            session.checkpoint(callback("cb", timeout, heartbeat, name="approval"))
            return PENDING
        if session.status("cb") == "STARTED":
            return PENDING
        return _finish(session, "cb", "CallbackDetails")

    return handler


def invokes(target: str) -> Handler:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        session = Session(event, context)
        if "inv" not in session.ops:
            out = session.checkpoint(invoke("inv", target, _input(session), name="call"))
            started = {op.id: op for op in out.new_execution_state.operations}["inv"]
            if started.status.value == "STARTED":
                return PENDING
            session.ops["inv"] = PYTHON.encode(started)
        if session.status("inv") == "STARTED":
            return PENDING
        return _finish(session, "inv", "ChainedInvokeDetails")

    return handler


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return succeeded(_input(Session(event, context)))


setattr(echo, "__durable_handler__", True)  # noqa: B010 - what @durable_handler sets


def fails_durably(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"Status": "FAILED", "Error": {"ErrorType": "Boom", "ErrorMessage": "child failed"}}


def waits_long(event: dict[str, Any], context: Any) -> dict[str, Any]:
    session = Session(event, context)
    if "w" not in session.ops:
        session.checkpoint(wait("w", 100))
    return PENDING if session.status("w") != "SUCCEEDED" else succeeded()


def double(event: Any, context: Any) -> Any:
    return {"doubled": event["n"] * 2}


def raises(event: Any, context: Any) -> Any:
    raise ValueError("plain target failed")


def _events(backend: LocalBackend, arn: str) -> list[dict[str, Any]]:
    return [PYTHON.encode(e) for e in backend.history(arn)]


# --- callbacks through the backend ----------------------------------------------------


def test_a_hook_answers_after_the_creating_invocation_completed() -> None:
    seen: list[tuple[CallbackStartedInfo, list[str]]] = []
    backend_ref: list[LocalBackend] = []

    def answer(info: CallbackStartedInfo, sender: CallbackSender) -> None:
        seen.append((info, kinds(backend_ref[0].history(info.arn))))
        sender.send_callback_success(info.callback_id, '{"approved": true}').unwrap()

    with LocalBackend() as backend:
        backend_ref.append(backend)
        backend.register("fn", waits_for_callback(timeout=30))
        backend.on_callback_started(answer)
        outcome = backend.run_until_settled(backend.start("fn", "null").unwrap())
    assert outcome.status is ExecutionStatus.SUCCEEDED and outcome.result == '{"approved": true}'
    info, history_then = seen[0]
    assert info.op_id == "cb" and info.name == "approval" and info.timeout == 30 and info.heartbeat_timeout is None
    assert history_then[-1] == "InvocationCompleted"
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "CallbackStarted",
        "InvocationCompleted",
        "CallbackSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_run_local_callbacks_hook_can_fail_the_callback() -> None:
    def reject(info: CallbackStartedInfo, sender: CallbackSender) -> None:
        sender.send_callback_failure(info.callback_id, ErrorObject(error_type="Rejected", error_message="no"))

    outcome = run_local(waits_for_callback(), None, callbacks=reject)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error == ErrorObject(error_type="Rejected", error_message="no")
    assert kinds(outcome.events)[3] == "CallbackFailed"


def test_an_unanswered_callback_times_out_on_the_skipping_clock() -> None:
    outcome = run_local(waits_for_callback(timeout=3600))
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "Callback.Timeout"
    started, timed_out = outcome.events[1], outcome.events[3]
    assert timed_out.event_type.value == "CallbackTimedOut"
    assert (timed_out.event_timestamp - started.event_timestamp).total_seconds() >= 3600


def test_a_callback_without_timers_never_hangs_the_run() -> None:
    with LocalBackend(execution_timeout=60) as backend:
        backend.register("fn", waits_for_callback())
        outcome = backend.run_until_settled(backend.start("fn", "null").unwrap())
    assert outcome.status is ExecutionStatus.TIMED_OUT


def test_run_until_suspended_stops_on_an_open_callback_and_resumes_after_the_answer() -> None:
    with LocalBackend() as backend:
        backend.register("fn", waits_for_callback(timeout=60))
        arn = backend.start("fn", "null").unwrap()
        outcome = backend.run_until_suspended(arn)
        assert outcome.status is ExecutionStatus.RUNNING
        [open_callback] = backend.open_callbacks(arn)
        assert open_callback.name == "approval"
        backend.send_callback_success(open_callback.callback_id, '"yes"').unwrap()
        assert backend.run_until_suspended(arn).result == '"yes"'


def test_stepwise_driving_for_the_conformance_runner() -> None:
    with LocalBackend() as backend:
        backend.register("fn", waits_for_callback(heartbeat=5))
        arn = backend.start("fn", "null").unwrap()
        assert backend.run_until_idle(arn).status is ExecutionStatus.RUNNING
        [open_callback] = backend.open_callbacks(arn)
        assert backend.advance_clock(arn, 4)
        backend.send_callback_heartbeat(open_callback.callback_id).unwrap()
        assert backend.advance_clock(arn, 4)
        assert backend.run_until_idle(arn).status is ExecutionStatus.RUNNING
        assert backend.advance_clock(arn, None)  # to the heartbeat deadline
        outcome = backend.run_until_idle(arn)
        assert outcome.status is ExecutionStatus.FAILED
        assert not backend.advance_clock(arn, None)


# --- chained invokes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "echo",
        "echo:$LATEST",
        "123456789012:function:echo",
        "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST",
    ],
)
def test_function_names_resolve_from_names_and_arns(reference: str) -> None:
    assert function_name_of(reference) == "echo"


def test_a_durable_target_runs_as_a_child_execution() -> None:
    with LocalBackend() as backend:
        backend.register("parent", invokes("arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST"))
        backend.register("echo", echo)
        arn = backend.start("parent", '"hello"').unwrap()
        outcome = backend.run_until_settled(arn)
        events = _events(backend, arn)
        child_arn = events[1]["ChainedInvokeStartedDetails"]["DurableExecutionArn"]
        child = backend.describe(child_arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED and outcome.result == '"hello"'
    assert [e["EventType"] for e in events] == [
        "ExecutionStarted",
        "ChainedInvokeStarted",
        "InvocationCompleted",
        "ChainedInvokeSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    assert events[1]["Name"] == "call" and events[1]["SubType"] == "ChainedInvoke"
    details = events[1]["ChainedInvokeStartedDetails"]
    assert details["FunctionName"] == "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST"
    assert details["Input"] == {"Payload": '"hello"', "Truncated": False}
    assert details["ExecutedVersion"] == "$LATEST"
    assert ":function:echo:" in child_arn
    assert events[3]["ChainedInvokeSucceededDetails"] == {"Result": {"Payload": '"hello"', "Truncated": False}}
    assert child.status is ExecutionStatus.SUCCEEDED
    assert kinds(child.events) == ["ExecutionStarted", "InvocationCompleted", "ExecutionSucceeded"]
    assert child.events[0].details.input is not None and child.events[0].details.input.payload == '"hello"'


def test_a_failing_durable_target_fails_the_invoke() -> None:
    with LocalBackend() as backend:
        backend.register("parent", invokes("child"))
        backend.register("child", fails_durably, durable=True)
        outcome = backend.run_until_settled(backend.start("parent", "null").unwrap())
    failed = PYTHON.encode(outcome.events[3])
    assert failed["EventType"] == "ChainedInvokeFailed"
    assert failed["ChainedInvokeFailedDetails"]["Error"]["Payload"] == {
        "ErrorType": "Boom",
        "ErrorMessage": "child failed",
    }
    assert outcome.error == ErrorObject(error_type="Boom", error_message="child failed")


def test_a_timed_out_child_times_the_invoke_out() -> None:
    with LocalBackend() as backend:
        backend.register("parent", invokes("slow"))
        backend.register("slow", waits_long, durable=True, execution_timeout=10)
        outcome = backend.run_until_settled(backend.start("parent", "null").unwrap())
    assert kinds(outcome.events)[3] == "ChainedInvokeTimedOut"
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and "timed out" in (outcome.error.error_message or "")


def test_a_plain_target_is_called_once_with_json() -> None:
    calls: list[Any] = []

    def counted(event: Any, context: Any) -> Any:
        calls.append(event)
        return double(event, context)

    outcome = run_local(invokes("double"), {"n": 21}, functions={"double": counted})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert json.loads(outcome.result or "") == {"doubled": 42}
    assert calls == [{"n": 21}]
    started = PYTHON.encode(outcome.events[1])["ChainedInvokeStartedDetails"]
    assert started["DurableExecutionArn"].startswith("arn:aws:lambda:") and ":function:double:" in started[
        "DurableExecutionArn"
    ]
    assert kinds(outcome.events)[2:4] == ["InvocationCompleted", "ChainedInvokeSucceeded"]


def test_a_raising_plain_target_fails_the_invoke() -> None:
    outcome = run_local(invokes("raises"), None, functions={"raises": raises})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.error_message) == ("ValueError", "plain target failed")
    assert kinds(outcome.events)[3] == "ChainedInvokeFailed"


def test_an_unknown_target_fails_the_invoke_in_the_start_response() -> None:
    with LocalBackend() as backend:
        backend.register("parent", invokes("nowhere"))
        arn = backend.start("parent", "null").unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.FAILED
    events = [PYTHON.encode(e) for e in outcome.events]
    assert [e["EventType"] for e in events] == [
        "ExecutionStarted",
        "ChainedInvokeStarted",
        "ChainedInvokeFailed",
        "InvocationCompleted",
        "ExecutionFailed",
    ]
    assert events[1]["ChainedInvokeStartedDetails"]["DurableExecutionArn"]
    error = events[2]["ChainedInvokeFailedDetails"]["Error"]["Payload"]
    assert error["ErrorType"] == "ResourceNotFoundException" and "nowhere" in error["ErrorMessage"]
    assert len(outcome.operations) == 2  # one invocation only: the handler saw FAILED at once


def test_a_callback_in_a_child_is_answered_by_the_hook() -> None:
    def answer(info: CallbackStartedInfo, sender: CallbackSender) -> None:
        sender.send_callback_success(info.callback_id, '"from outside"')

    with LocalBackend() as backend:
        backend.register("parent", invokes("approver"))
        backend.register("approver", waits_for_callback(), durable=True)
        backend.on_callback_started(answer)
        outcome = backend.run_until_settled(backend.start("parent", "null").unwrap())
    assert outcome.result == '"from outside"'


def test_cancel_stops_the_invoke_and_its_child() -> None:
    service, clock = new_service()
    assert isinstance(clock, ManualClock)
    service.resolver = lambda name: Target(name, durable=True) if name == "child" else None
    arn = service.start_execution("fn", "null").unwrap()
    session = open_session(service, arn)
    out = session.checkpoint(invoke("inv", "child", '"x"'))
    assert out.new_execution_state.operations[0].status.value == "STARTED"
    [child_arn] = service.children(arn)
    cancel = OperationUpdate(id="inv", type=OperationType.CHAINED_INVOKE, action=OperationAction.CANCEL)
    out = session.checkpoint(cancel)
    assert out.new_execution_state.operations[0].status.value == "STOPPED"
    end_session(service, session)
    assert kinds(service.history(arn).unwrap())[-2:] == ["ChainedInvokeStopped", "InvocationCompleted"]
    assert service.execution(child_arn).unwrap().status is ExecutionStatus.STOPPED
    assert kinds(service.history(child_arn).unwrap()) == ["ExecutionStarted", "ExecutionStopped"]
    assert service.children(arn) == []


def test_start_twice_is_rejected_for_invokes() -> None:
    service, _ = new_service()
    arn = service.start_execution("fn", "null").unwrap()
    session = open_session(service, arn)
    session.checkpoint(invoke("inv", "nowhere"))
    error = session.try_checkpoint(invoke("inv", "nowhere")).failure()
    assert error.message == "Cannot start an INVOKE that already exist."


def test_an_answer_from_another_thread_during_the_invocation_reinvokes_after_it() -> None:
    with LocalBackend() as backend:

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            session = Session(event, context)
            if "cb" not in session.ops:
                callback_id = callback_id_of(session.checkpoint(callback("cb")), "cb")
                sender = threading.Thread(target=backend.send_callback_success, args=(callback_id, '"fast"'))
                sender.start()
                sender.join()
                out = session.checkpoint(step("s", OperationAction.START))
                delivered = {op.id: op.status.value for op in out.new_execution_state.operations}
                assert delivered["cb"] == "SUCCEEDED"
                return PENDING  # the handler does not look again: the service re-invokes
            assert session.updated == ["cb"]
            return _finish(session, "cb", "CallbackDetails")

        backend.register("fn", handler)
        outcome = backend.run_until_settled(backend.start("fn", "null").unwrap())
    assert outcome.result == '"fast"'
    assert kinds(outcome.events) == [
        "ExecutionStarted",
        "CallbackStarted",
        "CallbackSucceeded",
        "StepStarted",
        "InvocationCompleted",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_a_stopped_child_stops_the_invoke() -> None:
    with LocalBackend() as backend:
        backend.register("parent", invokes("approver"))
        backend.register("approver", waits_for_callback(), durable=True)
        arn = backend.start("parent", "null").unwrap()
        assert backend.run_until_suspended(arn).status is ExecutionStatus.RUNNING
        [waiting] = backend.open_callbacks(arn)
        assert backend.root_execution(waiting.arn) == arn != waiting.arn
        backend.stop(waiting.arn, ErrorObject(error_type="Stopped", error_message="by test")).unwrap()
        outcome = backend.run_until_settled(arn)
    stopped = PYTHON.encode(outcome.events[3])
    assert stopped["EventType"] == "ChainedInvokeStopped"
    assert stopped["ChainedInvokeStoppedDetails"]["Error"]["Payload"] == {"ErrorType": "Stopped", "ErrorMessage": "by test"}
    assert outcome.status is ExecutionStatus.FAILED
