"""The wire converter against botocore's own Lambda service model (docs/protocol.md §1).

Nothing here is a hand-written copy of the model: requests are checked with
``botocore.validate.ParamValidator`` against ``CheckpointDurableExecution``'s input shape,
and responses are pushed through ``botocore.parsers.RestJSONParser`` with the real output
shapes, then decoded back with the wire converter. If botocore's model changes in a way
that breaks what we write or read, these tests say so.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import botocore.session
import pytest
from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.parsers import RestJSONParser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from returns.result import Success

from lambda_durable.wire import (
    API_JSON,
    PYTHON,
    CallbackDetails,
    CallbackOptions,
    ChainedInvokeDetails,
    ChainedInvokeOptions,
    CheckpointOutput,
    ContextDetails,
    ContextOptions,
    ErrorObject,
    Event,
    EventDetails,
    EventError,
    EventInput,
    EventResult,
    EventType,
    ExecutionDetails,
    ExecutionStatePage,
    Operation,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    OperationUpdate,
    RetryDetails,
    StepDetails,
    StepOptions,
    WaitDetails,
    WaitOptions,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/exec-1/inv-1"
TOKEN = "dG9rZW4tMQ=="
T0 = datetime(2026, 11, 24, 7, 30, 0, 123000, tzinfo=UTC)


def _page(*operations: Operation, next_marker: str | None = None) -> ExecutionStatePage:
    return ExecutionStatePage(operations=operations, next_marker=next_marker)


def _op_id(raw: str) -> str:
    """An id the way the SDK makes them (docs/protocol.md §3.1)."""
    return hashlib.blake2b(raw.encode("utf-8")).hexdigest()[:64]


ROOT_1 = _op_id("1")
ROOT_2 = _op_id("2")
CHILD_1 = _op_id(f"{ROOT_1}-1")
ERR = ErrorObject(error_type="TransientError", error_message="boom")
ERR_FULL = ErrorObject(
    error_type="StepError",
    error_message="step failed",
    error_data='{"code": 42}',
    stack_trace=('  File "handler.py", line 3, in step', "    raise TransientError('boom')"),
)


# --- botocore fixtures -----------------------------------------------------------------


@pytest.fixture(scope="module")
def service() -> ServiceModel:
    return botocore.session.get_session().get_service_model("lambda")


def _input_shape(service: ServiceModel, operation: str) -> StructureShape:
    shape = service.operation_model(operation).input_shape
    assert shape is not None
    return shape


def _output_shape(service: ServiceModel, operation: str) -> StructureShape:
    shape = service.operation_model(operation).output_shape
    assert shape is not None
    return shape


def _validation_report(service: ServiceModel, params: Mapping[str, Any]) -> str:
    """botocore's validation of a CheckpointDurableExecution call ('' = valid)."""
    shape = _input_shape(service, "CheckpointDurableExecution")
    errors = ParamValidator().validate(params, shape)
    report: str = errors.generate_report()
    return report


def _checkpoint_params(*updates: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "DurableExecutionArn": ARN,
        "CheckpointToken": TOKEN,
        "Updates": [dict(u) for u in updates],
    }


def _parse(service: ServiceModel, operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A 200 response body through botocore's REST-JSON parser, as boto3 would see it."""
    response = {"body": json.dumps(body).encode("utf-8"), "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = RestJSONParser().parse(response, _output_shape(service, operation))
    parsed.pop("ResponseMetadata", None)
    return parsed


# --- every update shape the SDK emits ------------------------------------------------

UPDATES: dict[str, OperationUpdate] = {
    "step-start": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.START,
        sub_type=OperationSubType.STEP.value, name="validate",
    ),
    "step-start-in-child": OperationUpdate(
        id=CHILD_1, type=OperationType.STEP, action=OperationAction.START,
        parent_id=ROOT_1, sub_type=OperationSubType.STEP.value,
    ),
    "step-succeed": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.SUCCEED,
        sub_type="Step", name="validate", payload='"Hello, World!"',
    ),
    "step-succeed-empty-payload": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.SUCCEED,
        sub_type="Step", payload="",
    ),
    "step-fail": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.FAIL,
        sub_type="Step", error=ERR,
    ),
    "step-retry": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.RETRY,
        sub_type="Step", error=ERR, step_options=StepOptions(next_attempt_delay_seconds=5),
    ),
    "wait-for-condition-retry-with-payload": OperationUpdate(
        id=ROOT_1, type=OperationType.STEP, action=OperationAction.RETRY,
        sub_type=OperationSubType.WAIT_FOR_CONDITION.value, name="poll-status",
        payload="2", step_options=StepOptions(next_attempt_delay_seconds=1),
    ),
    "wait-start": OperationUpdate(
        id=ROOT_2, type=OperationType.WAIT, action=OperationAction.START,
        sub_type="Wait", name="cool-off", wait_options=WaitOptions(wait_seconds=5),
    ),
    "wait-start-max": OperationUpdate(
        id=ROOT_2, type=OperationType.WAIT, action=OperationAction.START,
        sub_type="Wait", wait_options=WaitOptions(wait_seconds=31_622_400),
    ),
    "wait-cancel": OperationUpdate(id=ROOT_2, type=OperationType.WAIT, action=OperationAction.CANCEL),
    "wait-cancel-with-error": OperationUpdate(
        id=ROOT_2, type=OperationType.WAIT, action=OperationAction.CANCEL,
        error=ErrorObject(error_type="Cancelled", error_message="no longer needed"),
    ),
    "context-start": OperationUpdate(
        id=ROOT_1, type=OperationType.CONTEXT, action=OperationAction.START,
        sub_type=OperationSubType.RUN_IN_CHILD_CONTEXT.value, name="child",
    ),
    "context-succeed": OperationUpdate(
        id=ROOT_1, type=OperationType.CONTEXT, action=OperationAction.SUCCEED,
        sub_type="RunInChildContext", payload='"x"',
        context_options=ContextOptions(replay_children=False),
    ),
    "context-succeed-replay-children": OperationUpdate(
        id=ROOT_1, type=OperationType.CONTEXT, action=OperationAction.SUCCEED,
        sub_type="Map", payload="", context_options=ContextOptions(replay_children=True),
    ),
    "context-fail": OperationUpdate(
        id=ROOT_1, type=OperationType.CONTEXT, action=OperationAction.FAIL,
        sub_type="RunInChildContext", error=ERR_FULL,
    ),
    "callback-start": OperationUpdate(
        id=ROOT_1, type=OperationType.CALLBACK, action=OperationAction.START,
        sub_type="Callback", name="approval",
        callback_options=CallbackOptions(timeout_seconds=300, heartbeat_timeout_seconds=60),
    ),
    "callback-start-no-timeouts": OperationUpdate(
        id=ROOT_1, type=OperationType.CALLBACK, action=OperationAction.START,
        sub_type="Callback",
        callback_options=CallbackOptions(timeout_seconds=0, heartbeat_timeout_seconds=0),
    ),
    "invoke-start": OperationUpdate(
        id=ROOT_1, type=OperationType.CHAINED_INVOKE, action=OperationAction.START,
        sub_type="ChainedInvoke", payload='{"a": 1}',
        chained_invoke_options=ChainedInvokeOptions(function_name="payments"),
    ),
    "invoke-start-tenant": OperationUpdate(
        id=ROOT_1, type=OperationType.CHAINED_INVOKE, action=OperationAction.START,
        sub_type="ChainedInvoke", name="charge", payload="null",
        chained_invoke_options=ChainedInvokeOptions(
            function_name="arn:aws:lambda:us-east-1:123456789012:function:payments:7",
            tenant_id="tenant-42@example.com",
        ),
    ),
    "execution-succeed": OperationUpdate(
        id="execution-result-1764000000000", type=OperationType.EXECUTION,
        action=OperationAction.SUCCEED, payload='"big"',
    ),
    "execution-fail": OperationUpdate(
        id="execution-result-1764000000000", type=OperationType.EXECUTION,
        action=OperationAction.FAIL, error=ERR_FULL,
    ),
}


@pytest.mark.parametrize("update", list(UPDATES.values()), ids=list(UPDATES))
def test_every_update_shape_is_accepted_by_botocore(service: ServiceModel, update: OperationUpdate) -> None:
    encoded = PYTHON.encode(update)
    assert _validation_report(service, _checkpoint_params(encoded)) == ""


def test_all_updates_in_one_call_are_accepted(service: ServiceModel) -> None:
    params = _checkpoint_params(*(PYTHON.encode(u) for u in UPDATES.values()))
    assert _validation_report(service, params) == ""


@pytest.mark.parametrize("update", list(UPDATES.values()), ids=list(UPDATES))
def test_botocore_serialises_the_update_to_what_api_json_reads(
    service: ServiceModel, update: OperationUpdate
) -> None:
    """boto3 client -> HTTP body -> the local server's decoder: nothing lost on the way."""
    operation: OperationModel = service.operation_model("CheckpointDurableExecution")
    params = _checkpoint_params(PYTHON.encode(update))
    params["ClientToken"] = "client-token-1"
    request = create_serializer("rest-json").serialize_to_request(params, operation)
    body = json.loads(request["body"])
    assert body["CheckpointToken"] == TOKEN
    assert API_JSON.decode(OperationUpdate, body["Updates"][0]) == Success(update)
    # and the JSON botocore puts on the wire is exactly what API_JSON would write
    assert body["Updates"][0] == API_JSON.encode(update)


def test_enum_members_are_written_as_plain_strings() -> None:
    encoded = PYTHON.encode(UPDATES["step-retry"])
    assert type(encoded["Type"]) is str and encoded["Type"] == "STEP"
    assert type(encoded["Action"]) is str and encoded["Action"] == "RETRY"


def test_stack_trace_is_written_as_a_list_of_strings() -> None:
    encoded = PYTHON.encode(ERR_FULL)
    assert encoded["StackTrace"] == list(ERR_FULL.stack_trace or ())
    assert isinstance(encoded["StackTrace"], list)


# --- key omission (docs/protocol.md §1.3) ------------------------------------------


def test_none_members_are_omitted() -> None:
    update = OperationUpdate(id=ROOT_1, type=OperationType.WAIT, action=OperationAction.CANCEL)
    assert PYTHON.encode(update) == {"Id": ROOT_1, "Type": "WAIT", "Action": "CANCEL"}


def test_exact_step_retry_encoding() -> None:
    assert PYTHON.encode(UPDATES["step-retry"]) == {
        "Id": ROOT_1,
        "Type": "STEP",
        "Action": "RETRY",
        "SubType": "Step",
        "Error": {"ErrorType": "TransientError", "ErrorMessage": "boom"},
        "StepOptions": {"NextAttemptDelaySeconds": 5},
    }


def test_exact_child_step_start_encoding_has_parent_and_no_name() -> None:
    assert PYTHON.encode(UPDATES["step-start-in-child"]) == {
        "Id": CHILD_1,
        "ParentId": ROOT_1,
        "Type": "STEP",
        "Action": "START",
        "SubType": "Step",
    }


def test_empty_string_payload_is_kept() -> None:
    encoded = PYTHON.encode(UPDATES["step-succeed-empty-payload"])
    assert encoded["Payload"] == ""


def test_replay_children_false_is_kept() -> None:
    encoded = PYTHON.encode(UPDATES["context-succeed"])
    assert encoded["ContextOptions"] == {"ReplayChildren": False}


def test_tenant_id_only_when_set() -> None:
    plain = PYTHON.encode(UPDATES["invoke-start"])
    assert plain["ChainedInvokeOptions"] == {"FunctionName": "payments"}
    with_tenant = PYTHON.encode(UPDATES["invoke-start-tenant"])
    assert with_tenant["ChainedInvokeOptions"]["TenantId"] == "tenant-42@example.com"


def test_both_callback_option_keys_always_present() -> None:
    encoded = PYTHON.encode(UPDATES["callback-start-no-timeouts"])
    assert encoded["CallbackOptions"] == {"TimeoutSeconds": 0, "HeartbeatTimeoutSeconds": 0}


def test_error_object_omits_absent_members() -> None:
    assert PYTHON.encode(ErrorObject(error_message="only this")) == {"ErrorMessage": "only this"}
    assert PYTHON.encode(ErrorObject()) == {}


def test_an_empty_name_is_rejected_by_the_model_so_the_sdk_must_drop_it(service: ServiceModel) -> None:
    """The converter writes what it is given; dropping ``Name=""`` is the SDK's job
    (docs/protocol.md §1.3)."""
    update = OperationUpdate(id=ROOT_1, type=OperationType.STEP, action=OperationAction.START, name="")
    encoded = PYTHON.encode(update)
    assert encoded["Name"] == ""
    assert "Invalid length for parameter Updates[0].Name" in _validation_report(
        service, _checkpoint_params(encoded)
    )


# --- negative cases: the validator would catch a converter mistake --------------------


def _mutate(path: tuple[str, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def apply(update: dict[str, Any]) -> None:
        target = update
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def apply(update: dict[str, Any]) -> None:
        del update[key]

    return apply


def _rename_all_snake(update: dict[str, Any]) -> None:
    snake = attrs.asdict(UPDATES["step-retry"], recurse=True)
    update.clear()
    update.update({k: v for k, v in snake.items() if v is not None})


NEGATIVE: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "unknown key": ("step-retry", _mutate(("Foo",), 1), 'Unknown parameter in Updates[0]: "Foo"'),
    "snake_case keys": ("step-retry", _rename_all_snake, "Unknown parameter in Updates[0]"),
    "missing Id": ("step-retry", _delete("Id"), 'Missing required parameter in Updates[0]: "Id"'),
    "missing Action": ("step-retry", _delete("Action"), 'Missing required parameter in Updates[0]: "Action"'),
    "delay as string": (
        "step-retry",
        _mutate(("StepOptions", "NextAttemptDelaySeconds"), "5"),
        "Invalid type for parameter Updates[0].StepOptions.NextAttemptDelaySeconds",
    ),
    "delay below 1": (
        "step-retry",
        _mutate(("StepOptions", "NextAttemptDelaySeconds"), 0),
        "Invalid value for parameter Updates[0].StepOptions.NextAttemptDelaySeconds",
    ),
    "wait seconds as float": (
        "wait-start",
        _mutate(("WaitOptions", "WaitSeconds"), 5.0),
        "Invalid type for parameter Updates[0].WaitOptions.WaitSeconds",
    ),
    "replay children as string": (
        "context-succeed",
        _mutate(("ContextOptions", "ReplayChildren"), "false"),
        "Invalid type for parameter Updates[0].ContextOptions.ReplayChildren",
    ),
    "stack trace as one string": (
        "context-fail",
        _mutate(("Error", "StackTrace"), "line 1\nline 2"),
        "Invalid type for parameter Updates[0].Error.StackTrace",
    ),
    "error as a string": (
        "step-fail",
        _mutate(("Error",), "boom"),
        "Invalid type for parameter Updates[0].Error",
    ),
    "payload as object": (
        "step-succeed",
        _mutate(("Payload",), {"a": 1}),
        "Invalid type for parameter Updates[0].Payload",
    ),
    "options block misnamed": (
        "wait-start",
        _mutate(("WaitOption",), {"WaitSeconds": 5}),
        'Unknown parameter in Updates[0]: "WaitOption"',
    ),
    "function name missing": (
        "invoke-start",
        _mutate(("ChainedInvokeOptions",), {"TenantId": "t"}),
        'Missing required parameter in Updates[0].ChainedInvokeOptions: "FunctionName"',
    ),
    "empty tenant id": (
        "invoke-start",
        _mutate(("ChainedInvokeOptions", "TenantId"), ""),
        "Invalid length for parameter Updates[0].ChainedInvokeOptions.TenantId",
    ),
    "empty parent id": (
        "step-start",
        _mutate(("ParentId",), ""),
        "Invalid length for parameter Updates[0].ParentId",
    ),
    "callback timeout negative": (
        "callback-start",
        _mutate(("CallbackOptions", "TimeoutSeconds"), -1),
        "Invalid value for parameter Updates[0].CallbackOptions.TimeoutSeconds",
    ),
}


@pytest.mark.parametrize(("base", "mutation", "expected"), list(NEGATIVE.values()), ids=list(NEGATIVE))
def test_validator_catches_a_wrong_key_or_type(
    service: ServiceModel,
    base: str,
    mutation: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    encoded = copy.deepcopy(PYTHON.encode(UPDATES[base]))
    assert _validation_report(service, _checkpoint_params(encoded)) == ""
    mutation(encoded)
    report = _validation_report(service, _checkpoint_params(encoded))
    assert expected in report, report


# --- response shapes through botocore's parser --------------------------------------------

OPERATIONS: dict[str, Operation] = {
    "execution": Operation(
        id="inv-1", type=OperationType.EXECUTION, status=OperationStatus.STARTED,
        start_timestamp=T0, execution_details=ExecutionDetails(input_payload='{"order_id": "o-1"}'),
    ),
    "execution-empty-input": Operation(
        id="inv-1", type=OperationType.EXECUTION, status=OperationStatus.STARTED,
        start_timestamp=T0, execution_details=ExecutionDetails(input_payload=""),
    ),
    "step-succeeded": Operation(
        id=ROOT_1, type=OperationType.STEP, status=OperationStatus.SUCCEEDED, start_timestamp=T0,
        end_timestamp=T0 + timedelta(seconds=1), name="validate", sub_type="Step",
        step_details=StepDetails(attempt=1, result='"validated o-1"'),
    ),
    "step-pending-retry": Operation(
        id=CHILD_1, type=OperationType.STEP, status=OperationStatus.PENDING, start_timestamp=T0,
        parent_id=ROOT_1, sub_type="Step",
        step_details=StepDetails(
            attempt=2, next_attempt_timestamp=T0 + timedelta(seconds=6), error=ERR
        ),
    ),
    "step-no-details-block-fields": Operation(
        id=ROOT_1, type=OperationType.STEP, status=OperationStatus.STARTED, start_timestamp=T0,
        sub_type="Step", step_details=StepDetails(),
    ),
    "context-failed": Operation(
        id=ROOT_1, type=OperationType.CONTEXT, status=OperationStatus.FAILED, start_timestamp=T0,
        end_timestamp=T0, sub_type="RunInChildContext",
        context_details=ContextDetails(error=ERR_FULL),
    ),
    "context-replay-children": Operation(
        id=ROOT_1, type=OperationType.CONTEXT, status=OperationStatus.SUCCEEDED, start_timestamp=T0,
        sub_type="Map", context_details=ContextDetails(replay_children=True, result=""),
    ),
    "wait-started": Operation(
        id=ROOT_2, type=OperationType.WAIT, status=OperationStatus.STARTED, start_timestamp=T0,
        sub_type="Wait", name="cool-off",
        wait_details=WaitDetails(scheduled_end_timestamp=T0 + timedelta(seconds=5)),
    ),
    "callback-succeeded": Operation(
        id=ROOT_1, type=OperationType.CALLBACK, status=OperationStatus.SUCCEEDED, start_timestamp=T0,
        sub_type="Callback",
        callback_details=CallbackDetails(callback_id="Y2FsbGJhY2stMQ==", result='{"status": "approved"}'),
    ),
    "callback-timed-out": Operation(
        id=ROOT_1, type=OperationType.CALLBACK, status=OperationStatus.TIMED_OUT, start_timestamp=T0,
        callback_details=CallbackDetails(
            callback_id="Y2FsbGJhY2stMQ==",
            error=ErrorObject(error_type="Callback.Timeout", error_message="Callback timed out"),
        ),
    ),
    "invoke-failed": Operation(
        id=ROOT_1, type=OperationType.CHAINED_INVOKE, status=OperationStatus.FAILED, start_timestamp=T0,
        sub_type="ChainedInvoke", chained_invoke_details=ChainedInvokeDetails(error=ERR),
    ),
    "invoke-succeeded": Operation(
        id=ROOT_1, type=OperationType.CHAINED_INVOKE, status=OperationStatus.SUCCEEDED,
        start_timestamp=T0, chained_invoke_details=ChainedInvokeDetails(result="42"),
    ),
}


@pytest.mark.parametrize("operation", list(OPERATIONS.values()), ids=list(OPERATIONS))
def test_operation_round_trips_through_botocore_parser(service: ServiceModel, operation: Operation) -> None:
    page = _page(operation, next_marker="marker-2")
    parsed = _parse(service, "GetDurableExecutionState", API_JSON.encode(page))
    assert PYTHON.decode(ExecutionStatePage, parsed) == Success(page)


def test_state_page_without_marker_round_trips(service: ServiceModel) -> None:
    page = _page(*OPERATIONS.values())
    parsed = _parse(service, "GetDurableExecutionState", API_JSON.encode(page))
    assert "NextMarker" not in parsed
    assert PYTHON.decode(ExecutionStatePage, parsed) == Success(page)


def test_checkpoint_output_round_trips_through_botocore_parser(service: ServiceModel) -> None:
    output = CheckpointOutput(
        new_execution_state=_page(*OPERATIONS.values()),
        checkpoint_token="dG9rZW4tMg==",
    )
    parsed = _parse(service, "CheckpointDurableExecution", API_JSON.encode(output))
    assert PYTHON.decode(CheckpointOutput, parsed) == Success(output)


def test_checkpoint_output_without_token_round_trips(service: ServiceModel) -> None:
    output = CheckpointOutput(new_execution_state=_page())
    parsed = _parse(service, "CheckpointDurableExecution", API_JSON.encode(output))
    assert PYTHON.decode(CheckpointOutput, parsed) == Success(output)


@pytest.mark.parametrize("operation", list(OPERATIONS.values()), ids=list(OPERATIONS))
def test_python_encoding_of_operations_validates_against_output_shape(
    service: ServiceModel, operation: Operation
) -> None:
    """Every key the converter writes for an Operation is one the model defines."""
    shape = _output_shape(service, "GetDurableExecutionState")
    params = PYTHON.encode(_page(operation))
    assert ParamValidator().validate(params, shape).generate_report() == ""


def test_decoded_enums_are_enum_members(service: ServiceModel) -> None:
    page = _page(OPERATIONS["step-succeeded"])
    parsed = _parse(service, "GetDurableExecutionState", API_JSON.encode(page))
    operation = PYTHON.decode(ExecutionStatePage, parsed).unwrap().operations[0]
    assert operation.type is OperationType.STEP
    assert operation.status is OperationStatus.SUCCEEDED
    assert operation.status.is_terminal


# --- history events ------------------------------------------------------------------------


def _event(event_type: EventType, event_id: int, details: EventDetails, **identity: str) -> Event:
    return Event(
        event_type=event_type,
        event_id=event_id,
        event_timestamp=T0 + timedelta(milliseconds=event_id),
        details=details,
        **identity,
    )


_RESULT = EventResult(payload='"Hello"')
_ERROR = EventError(payload=ERR)
_STEP = {"id": ROOT_1, "sub_type": "Step", "name": "greet"}

EVENTS: list[Event] = [
    _event(
        EventType.EXECUTION_STARTED, 1,
        EventDetails(input=EventInput(payload='"World"'), execution_timeout=900),
        id="inv-1", name="exec-1",
    ),
    _event(EventType.STEP_STARTED, 2, EventDetails(), **_STEP),
    _event(
        EventType.STEP_FAILED, 3,
        EventDetails(error=_ERROR, retry_details=RetryDetails(current_attempt=1, next_attempt_delay_seconds=2)),
        **_STEP,
    ),
    _event(
        EventType.STEP_SUCCEEDED, 4,
        EventDetails(result=_RESULT, retry_details=RetryDetails(current_attempt=2)),
        **_STEP,
    ),
    _event(
        EventType.INVOCATION_COMPLETED, 5,
        EventDetails(
            start_timestamp=T0, end_timestamp=T0 + timedelta(seconds=1), request_id="req-1",
            error=EventError(payload=ErrorObject(error_type="Runtime.ExitError", error_message="exit 1")),
        ),
    ),
    _event(EventType.CONTEXT_STARTED, 6, EventDetails(), id=ROOT_2, sub_type="RunInChildContext"),
    _event(
        EventType.CONTEXT_SUCCEEDED, 7, EventDetails(result=EventResult(payload="", truncated=False)),
        id=ROOT_2, sub_type="RunInChildContext",
    ),
    _event(EventType.CONTEXT_FAILED, 8, EventDetails(error=_ERROR), id=ROOT_2, sub_type="RunInChildContext"),
    _event(
        EventType.WAIT_STARTED, 9,
        EventDetails(duration=5, scheduled_end_timestamp=T0 + timedelta(seconds=5)),
        id=CHILD_1, parent_id=ROOT_2, sub_type="Wait", name="cool-off",
    ),
    _event(EventType.WAIT_SUCCEEDED, 10, EventDetails(duration=5), id=CHILD_1, parent_id=ROOT_2, sub_type="Wait"),
    _event(EventType.WAIT_CANCELLED, 11, EventDetails(error=_ERROR), id=CHILD_1, sub_type="Wait"),
    _event(
        EventType.CALLBACK_STARTED, 12,
        EventDetails(callback_id="Y2FsbGJhY2s=", timeout=300, heartbeat_timeout=60),
        id=ROOT_1, sub_type="Callback",
    ),
    _event(EventType.CALLBACK_SUCCEEDED, 13, EventDetails(result=_RESULT), id=ROOT_1, sub_type="Callback"),
    _event(EventType.CALLBACK_FAILED, 14, EventDetails(error=_ERROR), id=ROOT_1, sub_type="Callback"),
    _event(EventType.CALLBACK_TIMED_OUT, 15, EventDetails(error=_ERROR), id=ROOT_1, sub_type="Callback"),
    _event(
        EventType.CHAINED_INVOKE_STARTED, 16,
        EventDetails(
            function_name="payments", tenant_id="t-1", input=EventInput(payload='"x"'),
            executed_version="$LATEST", durable_execution_arn=ARN,
        ),
        id=ROOT_1, sub_type="ChainedInvoke",
    ),
    _event(EventType.CHAINED_INVOKE_SUCCEEDED, 17, EventDetails(result=_RESULT), id=ROOT_1),
    _event(EventType.CHAINED_INVOKE_FAILED, 18, EventDetails(error=_ERROR), id=ROOT_1),
    _event(EventType.CHAINED_INVOKE_TIMED_OUT, 19, EventDetails(error=_ERROR), id=ROOT_1),
    _event(EventType.CHAINED_INVOKE_STOPPED, 20, EventDetails(error=_ERROR), id=ROOT_1),
    _event(EventType.EXECUTION_SUCCEEDED, 21, EventDetails(result=_RESULT), id="inv-1"),
    _event(EventType.EXECUTION_FAILED, 22, EventDetails(error=EventError(payload=ERR_FULL, truncated=True))),
    _event(EventType.EXECUTION_TIMED_OUT, 23, EventDetails(error=_ERROR)),
    _event(EventType.EXECUTION_STOPPED, 24, EventDetails(error=_ERROR)),
]


def test_every_event_type_is_covered() -> None:
    assert {e.event_type for e in EVENTS} == set(EventType)


@pytest.mark.parametrize("event", EVENTS, ids=[e.event_type.value for e in EVENTS])
def test_event_round_trips_through_botocore_parser(service: ServiceModel, event: Event) -> None:
    parsed = _parse(service, "GetDurableExecutionHistory", {"Events": [API_JSON.encode(event)]})
    (raw,) = parsed["Events"]
    assert PYTHON.decode(Event, raw) == Success(event)


@pytest.mark.parametrize("event", EVENTS, ids=[e.event_type.value for e in EVENTS])
def test_event_encoding_validates_against_the_history_shape(service: ServiceModel, event: Event) -> None:
    """Every key under ``<EventType>Details`` is modelled for that event type."""
    shape = _output_shape(service, "GetDurableExecutionHistory")
    report = ParamValidator().validate({"Events": [PYTHON.encode(event)]}, shape).generate_report()
    assert report == ""


def test_event_detail_keys_for_the_wrong_type_would_be_caught(service: ServiceModel) -> None:
    shape = _output_shape(service, "GetDurableExecutionHistory")
    wrong = _event(EventType.STEP_STARTED, 2, EventDetails(duration=5), **_STEP)
    report = ParamValidator().validate({"Events": [PYTHON.encode(wrong)]}, shape).generate_report()
    assert 'Unknown parameter in Events[0].StepStartedDetails: "Duration"' in report


def _walk_keys(value: object) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield key
            yield from _walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk_keys(inner)


def test_shapes_we_write_use_only_modelled_member_names(service: ServiceModel) -> None:
    """A cheap cross-check that no snake_case key slipped into any encoding."""
    members: set[str] = set()

    def collect(shape: Shape, seen: set[str]) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        if isinstance(shape, StructureShape):
            for name, member in shape.members.items():
                members.add(name)
                collect(member, seen)
        elif isinstance(shape, ListShape):
            collect(shape.member, seen)

    for op in ("CheckpointDurableExecution", "GetDurableExecutionState", "GetDurableExecutionHistory"):
        collect(_input_shape(service, op), set())
        collect(_output_shape(service, op), set())
    written = [PYTHON.encode(u) for u in UPDATES.values()]
    written += [PYTHON.encode(o) for o in OPERATIONS.values()]
    written += [PYTHON.encode(e) for e in EVENTS]
    unknown = {k for k in _walk_keys(written)} - members
    assert unknown == set()
