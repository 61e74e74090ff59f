"""CheckpointDurableExecution and GetDurableExecutionState on the service (docs/protocol.md §7)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from local_support import (
    A,
    ManualClock,
    Session,
    context_op,
    kinds,
    new_service,
    retry,
    step,
    wait,
)

from lambda_durable.client import INVALID_TOKEN_PREFIX
from lambda_durable.local.engine.service import LocalService
from lambda_durable.wire import (
    INVOCATION,
    CallbackOptions,
    ErrorObject,
    EventType,
    InvocationOutput,
    InvocationStatus,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepOptions,
)
from returns.result import Failure, Success


def _open(service: LocalService, arn: str) -> Session:
    ticket = service.begin_invocation(arn).unwrap()
    session = Session(INVOCATION.encode(ticket.event), SimpleNamespace(durable_service_client=service))
    session.ticket = ticket
    return session


def _end(service: LocalService, session: Session, output: InvocationOutput) -> None:
    assert session.ticket is not None
    service.finish_invocation(session.ticket, Success(output))


PENDING = InvocationOutput(InvocationStatus.PENDING)


@pytest.fixture
def env() -> tuple[LocalService, ManualClock, str, Session]:
    service, clock = new_service()
    assert isinstance(clock, ManualClock)
    arn = service.start_execution("fn", '{"a": 1}').unwrap()
    return service, clock, arn, _open(service, arn)


Env = tuple[LocalService, ManualClock, str, Session]


def test_execution_started_is_event_one_with_the_input(env: Env) -> None:
    service, _, arn, session = env
    events = service.history(arn).unwrap()
    assert kinds(events) == ["ExecutionStarted"]
    started = events[0]
    assert started.event_id == 1
    assert started.id == arn.split("/")[-1]
    assert started.details.input is not None and started.details.input.payload == '{"a": 1}'
    execution_op = session.ops[started.id]
    assert execution_op["Type"] == "EXECUTION"
    assert execution_op["ExecutionDetails"] == {"InputPayload": '{"a": 1}'}
    assert isinstance(execution_op["StartTimestamp"], int)


def test_step_start_and_succeed_in_one_batch(env: Env) -> None:
    service, _, arn, session = env
    out = session.checkpoint(step("s1", A.START, name="validate"), step("s1", A.SUCCEED, payload='"v"'))
    assert out.checkpoint_token is not None
    [op] = out.new_execution_state.operations
    assert op.status is OperationStatus.SUCCEEDED
    assert op.step_details is not None and op.step_details.attempt == 1 and op.step_details.result == '"v"'
    events = service.history(arn).unwrap()
    assert kinds(events) == ["ExecutionStarted", "StepStarted", "StepSucceeded"]
    ok = events[2]
    assert (ok.id, ok.name, ok.sub_type) == ("s1", "validate", "Step")
    assert ok.details.result is not None and ok.details.result.payload == '"v"'
    assert ok.details.retry_details is not None
    assert ok.details.retry_details.current_attempt == 1
    assert ok.details.retry_details.next_attempt_delay_seconds is None
    encoded = INVOCATION.encode(ok)
    assert encoded["StepSucceededDetails"] == {
        "Result": {"Payload": '"v"', "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 1},
    }
    assert INVOCATION.encode(events[1])["StepStartedDetails"] == {}


def test_tokens_rotate_and_the_old_one_is_stale(env: Env) -> None:
    service, _, arn, session = env
    first = session.token
    session.checkpoint()
    assert session.token != first
    stale = service.checkpoint(arn, first, [])
    error = stale.failure()
    assert error.code == "InvalidParameterValueException"
    assert error.message.startswith(INVALID_TOKEN_PREFIX)
    assert error.retryable


@pytest.mark.parametrize("token", ["garbage!", "Zm9vOjE6MQ==", ""])
def test_foreign_tokens_are_rejected(env: Env, token: str) -> None:
    service, _, arn, _ = env
    error = service.checkpoint(arn, token, []).failure()
    assert error.message.startswith(INVALID_TOKEN_PREFIX)


def test_a_token_from_an_ended_invocation_is_rejected(env: Env) -> None:
    service, _, arn, session = env
    session.checkpoint(wait("w1", 5))
    ticket_number = service.store.invocations(arn)[-1]
    assert ticket_number.end is None
    live_ticket = service.begin_invocation(arn)
    assert not isinstance(live_ticket, Success)  # one invocation at a time
    error = service.get_execution_state(arn, "nonsense", "").failure()
    assert error.message.startswith(INVALID_TOKEN_PREFIX)


def test_unknown_execution_is_resource_not_found(env: Env) -> None:
    service, _, arn, session = env
    error = service.checkpoint(arn + "x", session.token, []).failure()
    assert error.code == "ResourceNotFoundException"
    assert not error.retryable


REJECTIONS: dict[str, tuple[list[OperationUpdate], str]] = {
    "two executions": (
        [
            OperationUpdate(id="e1", type=OperationType.EXECUTION, action=A.SUCCEED, payload="1"),
            OperationUpdate(id="e2", type=OperationType.EXECUTION, action=A.SUCCEED, payload="1"),
        ],
        "Cannot checkpoint multiple EXECUTION updates.",
    ),
    "execution not last": (
        [
            OperationUpdate(id="e1", type=OperationType.EXECUTION, action=A.SUCCEED, payload="1"),
            step("s9", A.START),
        ],
        "EXECUTION checkpoint must be the last update.",
    ),
    "duplicate id": (
        [wait("w9", 1), wait("w9", 1)],
        "Cannot checkpoint multiple operations with the same ID.",
    ),
    "duplicate succeed": (
        [step("s9", A.START), step("s9", A.SUCCEED), step("s9", A.SUCCEED)],
        "Cannot checkpoint multiple operations with the same ID.",
    ),
    "unknown parent": (
        [step("s9", A.START, parent_id="nope")],
        "Invalid parent operation id.",
    ),
    "parent is not a context": (
        [step("s9", A.START, parent_id="s1")],
        "Invalid parent operation id.",
    ),
    "start a started step": ([step("s1", A.START)], "Invalid current STEP state to start."),
    "inconsistent type": (
        [OperationUpdate(id="s1", type=OperationType.WAIT, action=A.CANCEL)],
        "Inconsistent operation type.",
    ),
    "inconsistent name": ([step("s1", A.SUCCEED, name="other")], "Inconsistent operation name."),
    "inconsistent subtype": ([step("s1", A.SUCCEED, sub_type="Wait")], "Inconsistent operation subtype."),
    "inconsistent parent": ([step("s1", A.SUCCEED, parent_id="c1")], "Inconsistent parent operation id."),
    "fail with payload": ([step("s1", A.FAIL, payload="1")], "Cannot provide a Payload for FAIL action."),
    "succeed with error": (
        [step("s1", A.SUCCEED, error=ErrorObject(error_message="x"))],
        "Cannot provide an Error for SUCCEED action.",
    ),
    "retry without options": ([step("s1", A.RETRY)], "Invalid StepOptions for the given action."),
    "retry with both": (
        [retry("s1", 1, error=ErrorObject(), payload="1")],
        "Cannot provide both error and payload to RETRY a STEP.",
    ),
    "cancel on a step": ([step("s1", A.CANCEL)], "Invalid action for the given operation type."),
    "start an existing wait": ([wait("w1", 3)], "Cannot start a WAIT that already exist."),
    "cancel a missing wait": (
        [OperationUpdate(id="w9", type=OperationType.WAIT, action=A.CANCEL)],
        "Cannot cancel a WAIT that does not exist or has already completed.",
    ),
    "wait without seconds": (
        [OperationUpdate(id="w9", type=OperationType.WAIT, action=A.START)],
        "Invalid WaitOptions for the given action.",
    ),
    "start an existing context": ([context_op("c1", A.START)], "Cannot start a CONTEXT that already exist."),
    "huge error": (
        [step("s1", A.FAIL, error=ErrorObject(error_message="x" * 40000))],
        "Error object size must be less than 32768 bytes.",
    ),
    "execution start": (
        [OperationUpdate(id="e1", type=OperationType.EXECUTION, action=A.START)],
        "Invalid action for the given operation type.",
    ),
    "callback with a negative timeout": (
        [
            OperationUpdate(
                id="cb",
                type=OperationType.CALLBACK,
                action=A.START,
                callback_options=CallbackOptions(-1, 0),
            )
        ],
        "Invalid CallbackOptions for the given action.",
    ),
    "callback succeed": (
        [OperationUpdate(id="cb", type=OperationType.CALLBACK, action=A.SUCCEED)],
        "Invalid action for the given operation type.",
    ),
    "invoke without options": (
        [OperationUpdate(id="ci", type=OperationType.CHAINED_INVOKE, action=A.START)],
        "Invalid ChainedInvokeOptions for the given action.",
    ),
    "cancel a missing invoke": (
        [OperationUpdate(id="ci", type=OperationType.CHAINED_INVOKE, action=A.CANCEL)],
        "Cannot cancel an INVOKE that does not exist or has already completed.",
    ),
    "valid prefix does not count": (
        [step("s9", A.START), step("s1", A.START)],
        "Invalid current STEP state to start.",
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_rejected_batches_change_nothing(env: Env, case: str) -> None:
    service, _, arn, session = env
    session.checkpoint(step("s1", A.START), context_op("c1", A.START), wait("w1", 3))
    before = service.store.dump()
    token = session.token
    updates, message = REJECTIONS[case]
    error = session.try_checkpoint(*updates).failure()
    assert error.code == "InvalidParameterValueException"
    assert error.message == message
    assert error.http_status == 400 and not error.retryable
    assert service.store.dump() == before
    assert session.token == token
    assert service.operations(arn).unwrap()[1].status is OperationStatus.STARTED
    session.checkpoint(step("s1", A.SUCCEED, payload="1"))  # the token is still good


def test_step_without_start_may_succeed_directly(env: Env) -> None:
    _, _, _, session = env
    [op] = session.checkpoint(step("s1", A.SUCCEED, payload="2")).new_execution_state.operations
    assert op.status is OperationStatus.SUCCEEDED


def test_retry_then_ready_then_second_attempt(env: Env) -> None:
    service, clock, arn, session = env
    session.checkpoint(step("s1", A.START), retry("s1", 7, error=ErrorObject("E", "boom")))
    op = service.operations(arn).unwrap()[1]
    assert op.status is OperationStatus.PENDING
    assert op.step_details is not None and op.step_details.attempt == 1
    assert op.step_details.next_attempt_timestamp is not None
    assert op.end_timestamp is None
    failed = service.history(arn).unwrap()[-1]
    assert failed.event_type is EventType.STEP_FAILED
    assert INVOCATION.encode(failed)["StepFailedDetails"] == {
        "Error": {"Payload": {"ErrorType": "E", "ErrorMessage": "boom"}, "Truncated": False},
        "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 7},
    }
    _end(service, session, PENDING)
    assert service.next_wakeup(arn) == op.step_details.next_attempt_timestamp
    clock.sleep_until(op.step_details.next_attempt_timestamp)
    service.advance(arn)
    ready = service.operations(arn).unwrap()[1]
    assert ready.status is OperationStatus.READY
    assert ready.step_details is not None and ready.step_details.next_attempt_timestamp is None
    assert service.history(arn).unwrap()[-1].event_type is EventType.INVOCATION_COMPLETED  # no event
    assert service.wants_invocation(arn)
    second = _open(service, arn)
    assert second.updated == ["s1"]
    assert second.status("s1") == "READY"
    second.checkpoint(step("s1", A.START), step("s1", A.SUCCEED, payload='"fine"'))
    last = service.history(arn).unwrap()[-1]
    assert last.details.retry_details is not None
    assert last.details.retry_details.current_attempt == 2
    assert last.details.retry_details.next_attempt_delay_seconds is None


def test_retry_with_payload_is_a_step_succeeded_event(env: Env) -> None:
    service, _, arn, session = env
    session.checkpoint(step("p", A.START, sub_type="WaitForCondition"), step("p", A.RETRY, sub_type="WaitForCondition", step_options=StepOptions(2), payload='{"n": 1}'))
    event = service.history(arn).unwrap()[-1]
    assert event.event_type is EventType.STEP_SUCCEEDED
    assert event.sub_type == "WaitForCondition"
    assert INVOCATION.encode(event)["StepSucceededDetails"]["RetryDetails"] == {
        "CurrentAttempt": 1,
        "NextAttemptDelaySeconds": 2,
    }


def test_wait_start_and_cancel(env: Env) -> None:
    service, clock, arn, session = env
    out = session.checkpoint(wait("w", 60, name="nap"))
    [op] = out.new_execution_state.operations
    assert op.wait_details is not None
    assert op.wait_details.scheduled_end_timestamp == clock.now() + timedelta(seconds=60)
    started = service.history(arn).unwrap()[-1]
    assert started.details.duration == 60
    assert started.details.scheduled_end_timestamp == op.wait_details.scheduled_end_timestamp
    session.checkpoint(
        OperationUpdate(
            id="w", type=OperationType.WAIT, action=A.CANCEL, error=ErrorObject(error_message="stop")
        )
    )
    cancelled = service.history(arn).unwrap()[-1]
    assert cancelled.event_type is EventType.WAIT_CANCELLED
    assert cancelled.name == "nap"
    assert service.operations(arn).unwrap()[-1].status is OperationStatus.CANCELLED
    assert service.next_wakeup(arn) is not None


def test_due_wait_completes_before_the_response(env: Env) -> None:
    service, clock, arn, session = env
    session.checkpoint(wait("w", 2), step("other", A.START))
    clock.advance(3)
    out = session.checkpoint()
    assert [(op.id, op.status) for op in out.new_execution_state.operations] == [
        ("w", OperationStatus.SUCCEEDED)
    ]
    event = service.history(arn).unwrap()[-1]
    assert event.event_type is EventType.WAIT_SUCCEEDED
    assert event.details.duration == 2


def test_response_is_the_delta_in_creation_order(env: Env) -> None:
    _, _, _, session = env
    session.checkpoint(step("a", A.START), step("b", A.START), step("c", A.START))
    out = session.checkpoint(step("c", A.SUCCEED, payload="1"), step("a", A.SUCCEED, payload="1"))
    assert [op.id for op in out.new_execution_state.operations] == ["a", "c"]
    assert session.checkpoint().new_execution_state.operations == ()


def test_context_with_child_keeps_parent_ids(env: Env) -> None:
    service, _, arn, session = env
    session.checkpoint(
        context_op("c", A.START, name="child"),
        step("s", A.START, parent_id="c"),
        step("s", A.SUCCEED, parent_id="c", payload='"x"'),
        context_op("c", A.SUCCEED, payload='"x"'),
    )
    events = service.history(arn).unwrap()
    assert kinds(events)[1:] == ["ContextStarted", "StepStarted", "StepSucceeded", "ContextSucceeded"]
    assert [e.parent_id for e in events[1:]] == [None, "c", "c", None]
    assert INVOCATION.encode(events[-1])["ContextSucceededDetails"] == {
        "Result": {"Payload": '"x"', "Truncated": False}
    }
    context = service.operations(arn).unwrap()[1]
    assert context.context_details is not None and context.context_details.replay_children is False


def test_state_pages_with_markers(env: Env) -> None:
    service, _, arn, session = env
    session.checkpoint(*(step(f"s{i}", A.START) for i in range(5)))
    ids: list[str] = []
    marker = ""
    pages = 0
    while True:
        page = service.get_execution_state(arn, session.token, marker, 2).unwrap()
        ids += [op.id for op in page.operations]
        pages += 1
        if page.next_marker is None:
            break
        marker = page.next_marker
    assert pages == 3
    assert ids == [arn.split("/")[-1], "s0", "s1", "s2", "s3", "s4"]
    error = service.get_execution_state(arn, session.token, "bogus", 2).failure()
    assert error.message == "Invalid marker"
    session.checkpoint()  # a marker stays good for the whole invocation
    assert service.get_execution_state(arn, session.token, marker, 2).unwrap().operations[0].id == "s3"
    assert session.ticket is not None
    service.finish_invocation(session.ticket, Success(InvocationOutput(InvocationStatus.SUCCEEDED, result="1")))
    assert service.get_execution_state(arn, session.token, marker, 2).failure().message.startswith(
        INVALID_TOKEN_PREFIX
    )


def test_initial_state_is_cut_to_the_page_budget() -> None:
    service, clock = new_service(page_bytes=600)
    assert isinstance(clock, ManualClock)
    arn = service.start_execution("fn", None).unwrap()
    session = _open(service, arn)
    session.checkpoint(*(step(f"s{i}", A.START, name="n" * 50) for i in range(6)), wait("w", 1))
    _end(service, session, PENDING)
    clock.advance(1)
    service.advance(arn)
    second = _open(service, arn)
    assert second.updated == ["w"]
    assert 1 <= len(second.ops) < 8
    assert second.ticket is not None
    marker = second.ticket.event.initial_execution_state.next_marker
    assert marker
    rest = service.get_execution_state(arn, second.token, marker).unwrap()
    assert rest.next_marker is None
    assert [*second.ops, *(op.id for op in rest.operations)] == [op.id for op in service.operations(arn).unwrap()]


def test_pending_with_nothing_to_wait_on_is_a_failed_invocation(env: Env) -> None:
    service, _, arn, session = env
    session.checkpoint(step("s", A.START), step("s", A.SUCCEED, payload="1"))
    _end(service, session, PENDING)
    completed = service.history(arn).unwrap()[-1]
    assert completed.event_type is EventType.INVOCATION_COMPLETED
    assert completed.details.error is not None and completed.details.error.payload is not None
    assert completed.details.error.payload.error_type == "Runtime.InvalidOutput"
    assert not service.wants_invocation(arn)  # retried after the 5 s backoff
    assert service.next_wakeup(arn) == completed.event_timestamp + timedelta(seconds=5)


def test_execution_update_completes_with_the_checkpointed_payload(env: Env) -> None:
    service, _, arn, session = env
    big = '"' + "x" * 1000 + '"'
    out = session.checkpoint(OperationUpdate(id="execution-result-1", type=OperationType.EXECUTION, action=A.SUCCEED, payload=big))
    assert out.checkpoint_token is None
    again = session.try_checkpoint()
    assert again.failure().message.startswith(INVALID_TOKEN_PREFIX)
    assert kinds(service.history(arn).unwrap()) == ["ExecutionStarted"]
    _end(service, session, InvocationOutput(InvocationStatus.SUCCEEDED, result=""))
    record = service.execution(arn).unwrap()
    assert record.result == big
    assert kinds(service.history(arn).unwrap()) == [
        "ExecutionStarted",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]


def test_a_crash_after_an_execution_checkpoint_still_completes(env: Env) -> None:
    service, _, arn, session = env
    fail = OperationUpdate(
        id="execution-result-2", type=OperationType.EXECUTION, action=A.FAIL, error=ErrorObject("Big", "err")
    )
    assert session.checkpoint(fail).checkpoint_token is None
    assert session.ticket is not None
    service.finish_invocation(session.ticket, Failure(ErrorObject("Runtime.ExitError", "died")))
    events = service.history(arn).unwrap()
    assert kinds(events) == ["ExecutionStarted", "InvocationCompleted", "ExecutionFailed"]
    crashed = events[1].details.error
    assert crashed is not None and crashed.payload == ErrorObject("Runtime.ExitError", "died")
    record = service.execution(arn).unwrap()
    assert record.status.value == "FAILED" and record.error == ErrorObject("Big", "err")
