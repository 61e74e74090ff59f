"""Round-trip properties of the wire converters, and their behaviour on malformed input.

For every model and each converter (INVOCATION, API_JSON, PYTHON):
``decode(cls, encode(x)) == Success(x)``; the JSON converters' output survives
``json.dumps``/``json.loads``. Malformed payloads give ``Failure(WireDecodeError)`` with a
message naming the problem, never an exception. Random pages, checkpoint outputs and
updates also go through botocore's own parser and parameter validator.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import botocore.session
import pytest
from botocore.model import StructureShape
from botocore.parsers import RestJSONParser
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.wire import (
    API_JSON,
    INVOCATION,
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
    InvocationInput,
    InvocationOutput,
    InvocationStatus,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    RetryDetails,
    StepDetails,
    StepOptions,
    WaitDetails,
    WaitOptions,
    WireConverter,
    WireDecodeError,
)

T = TypeVar("T")

CONVERTERS = {"INVOCATION": INVOCATION, "API_JSON": API_JSON, "PYTHON": PYTHON}
JSON_CONVERTERS = {"INVOCATION": INVOCATION, "API_JSON": API_JSON}

# --- strategies ------------------------------------------------------------------------------

ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64)
names = st.text(alphabet=[chr(c) for c in range(0x20, 0x7F)], min_size=1, max_size=40)
sub_types = st.sampled_from(
    ["Step", "Wait", "Callback", "RunInChildContext", "Map", "MapIteration", "Parallel",
     "ParallelBranch", "WaitForCallback", "WaitForCondition", "ChainedInvoke"]
)
payloads = st.text(max_size=60)
seconds = st.integers(min_value=1, max_value=31_622_400)
non_negative = st.integers(min_value=0, max_value=99_999_999)


def _millis(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


_timezones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7, minutes=-30))])
_instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=_timezones
)
timestamps_ms = _instants.map(_millis)
"""Millisecond precision: what the invocation event (epoch millis) can carry."""
timestamps_us = _instants
"""Microsecond precision: epoch seconds as a float and datetimes both carry it."""


def _opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


error_objects = st.builds(
    ErrorObject,
    error_type=_opt(names),
    error_message=_opt(st.text(max_size=60)),
    error_data=_opt(payloads),
    stack_trace=_opt(st.lists(st.text(max_size=30), max_size=4)),
)


def operations(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[Operation]:
    details: st.SearchStrategy[dict[str, Any]] = st.one_of(
        st.just({}),
        st.builds(ExecutionDetails, input_payload=_opt(payloads)).map(lambda d: {"execution_details": d}),
        st.builds(
            ContextDetails, replay_children=_opt(st.booleans()), result=_opt(payloads),
            error=_opt(error_objects),
        ).map(lambda d: {"context_details": d}),
        st.builds(
            StepDetails, attempt=_opt(st.integers(min_value=0, max_value=100)),
            next_attempt_timestamp=_opt(ts), result=_opt(payloads), error=_opt(error_objects),
        ).map(lambda d: {"step_details": d}),
        st.builds(WaitDetails, scheduled_end_timestamp=_opt(ts)).map(lambda d: {"wait_details": d}),
        st.builds(
            CallbackDetails, callback_id=ids, result=_opt(payloads), error=_opt(error_objects)
        ).map(lambda d: {"callback_details": d}),
        st.builds(
            ChainedInvokeDetails, result=_opt(payloads), error=_opt(error_objects)
        ).map(lambda d: {"chained_invoke_details": d}),
    )
    return st.builds(
        lambda detail, **kw: Operation(**kw, **detail),
        details,
        id=ids,
        type=st.sampled_from(OperationType),
        status=st.sampled_from(OperationStatus),
        start_timestamp=ts,
        parent_id=_opt(ids),
        name=_opt(names),
        sub_type=_opt(sub_types),
        end_timestamp=_opt(ts),
    )


_options: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.builds(ContextOptions, replay_children=st.booleans()).map(lambda o: {"context_options": o}),
    st.builds(StepOptions, next_attempt_delay_seconds=seconds).map(lambda o: {"step_options": o}),
    st.builds(WaitOptions, wait_seconds=seconds).map(lambda o: {"wait_options": o}),
    st.builds(
        CallbackOptions, timeout_seconds=non_negative, heartbeat_timeout_seconds=non_negative
    ).map(lambda o: {"callback_options": o}),
    st.builds(
        ChainedInvokeOptions, function_name=names, tenant_id=_opt(names)
    ).map(lambda o: {"chained_invoke_options": o}),
)

operation_updates = st.builds(
    lambda options, **kw: OperationUpdate(**kw, **options),
    _options,
    id=ids,
    type=st.sampled_from(OperationType),
    action=st.sampled_from(OperationAction),
    parent_id=_opt(ids),
    name=_opt(names),
    sub_type=_opt(sub_types),
    payload=_opt(payloads),
    error=_opt(error_objects),
)


def pages(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[ExecutionStatePage]:
    return st.builds(
        ExecutionStatePage,
        operations=st.lists(operations(ts), max_size=4).map(tuple),
        next_marker=_opt(st.text(max_size=20)),
    )


def invocation_inputs(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[InvocationInput]:
    return st.builds(
        InvocationInput,
        durable_execution_arn=st.text(min_size=1, max_size=80),
        checkpoint_token=st.text(min_size=1, max_size=40),
        initial_execution_state=pages(ts),
        updated_operation_ids=st.lists(ids, max_size=4).map(tuple),
    )


invocation_outputs = st.builds(
    InvocationOutput,
    status=st.sampled_from(InvocationStatus),
    result=_opt(payloads),
    error=_opt(error_objects),
)


def checkpoint_outputs(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[CheckpointOutput]:
    return st.builds(CheckpointOutput, new_execution_state=pages(ts), checkpoint_token=_opt(names))


def event_details(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[EventDetails]:
    small = st.integers(min_value=0, max_value=10_000)
    return st.builds(
        EventDetails,
        input=_opt(st.builds(EventInput, payload=_opt(payloads), truncated=st.booleans())),
        execution_timeout=_opt(small),
        result=_opt(st.builds(EventResult, payload=_opt(payloads), truncated=st.booleans())),
        error=_opt(st.builds(EventError, payload=_opt(error_objects), truncated=st.booleans())),
        duration=_opt(small),
        scheduled_end_timestamp=_opt(ts),
        retry_details=_opt(
            st.builds(RetryDetails, current_attempt=_opt(small), next_attempt_delay_seconds=_opt(small))
        ),
        function_name=_opt(names),
        tenant_id=_opt(names),
        executed_version=_opt(names),
        durable_execution_arn=_opt(names),
        callback_id=_opt(ids),
        timeout=_opt(small),
        heartbeat_timeout=_opt(small),
        start_timestamp=_opt(ts),
        end_timestamp=_opt(ts),
        request_id=_opt(names),
    )


def events(ts: st.SearchStrategy[datetime]) -> st.SearchStrategy[Event]:
    return st.builds(
        Event,
        event_type=st.sampled_from(EventType),
        event_id=st.integers(min_value=1, max_value=100_000),
        event_timestamp=ts,
        details=event_details(ts),
        id=_opt(ids),
        name=_opt(names),
        parent_id=_opt(ids),
        sub_type=_opt(sub_types),
    )


def _models(ts: st.SearchStrategy[datetime]) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "ErrorObject": error_objects,
        "Operation": operations(ts),
        "OperationUpdate": operation_updates,
        "ExecutionStatePage": pages(ts),
        "InvocationInput": invocation_inputs(ts),
        "InvocationOutput": invocation_outputs,
        "CheckpointOutput": checkpoint_outputs(ts),
        "Event": events(ts),
    }


MODELS_MS = _models(timestamps_ms)
MODELS_US = _models(timestamps_us)
MODEL_NAMES = list(MODELS_MS)

# --- round trips ---------------------------------------------------------------------------------


def _strategy(converter_name: str, model: str) -> st.SearchStrategy[Any]:
    return (MODELS_MS if converter_name == "INVOCATION" else MODELS_US)[model]


@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decode_inverts_encode(converter_name: str, model: str, data: st.DataObject) -> None:
    converter = CONVERTERS[converter_name]
    value = data.draw(_strategy(converter_name, model))
    encoded = converter.encode(value)
    assert converter.decode(type(value), encoded) == Success(value)


@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("converter_name", list(JSON_CONVERTERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_json_encoding_survives_json_text(converter_name: str, model: str, data: st.DataObject) -> None:
    converter = JSON_CONVERTERS[converter_name]
    value = data.draw(_strategy(converter_name, model))
    text = json.dumps(converter.encode(value))
    assert converter.decode(type(value), json.loads(text)) == Success(value)


@settings(max_examples=60, deadline=None)
@given(operations(timestamps_ms))
def test_invocation_timestamps_are_integer_millis(operation: Operation) -> None:
    encoded = INVOCATION.encode(operation)
    assert type(encoded["StartTimestamp"]) is int
    assert encoded["StartTimestamp"] == int(operation.start_timestamp.timestamp() * 1000 + 0.5)


@settings(max_examples=60, deadline=None)
@given(operations(timestamps_us))
def test_api_json_timestamps_are_epoch_seconds(operation: Operation) -> None:
    encoded = API_JSON.encode(operation)
    assert isinstance(encoded["StartTimestamp"], float)
    assert encoded["StartTimestamp"] == operation.start_timestamp.timestamp()


@settings(max_examples=60, deadline=None)
@given(operations(timestamps_us))
def test_python_timestamps_stay_aware_datetimes(operation: Operation) -> None:
    encoded = PYTHON.encode(operation)
    assert encoded["StartTimestamp"] == operation.start_timestamp
    assert encoded["StartTimestamp"].tzinfo is not None


@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@settings(max_examples=30, deadline=None)
@given(value=timestamps_ms)
def test_every_converter_reads_every_timestamp_form(converter_name: str, value: datetime) -> None:
    """A botocore datetime, epoch seconds and an ISO string all decode the same way."""
    converter = CONVERTERS[converter_name]
    base = {"Id": "a", "Type": "WAIT", "Status": "STARTED"}
    forms: list[object] = [value, value.isoformat(), value.astimezone(UTC).isoformat().replace("+00:00", "Z")]
    if converter is INVOCATION:
        forms.append(int(value.timestamp() * 1000 + 0.5))
    else:
        forms.append(value.timestamp())
    for form in forms:
        decoded = converter.decode(Operation, {**base, "StartTimestamp": form})
        assert decoded.map(lambda op: op.start_timestamp) == Success(value), form


def test_naive_datetimes_are_read_as_utc() -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5)
    decoded = PYTHON.decode(Operation, {"Id": "a", "Type": "WAIT", "Status": "STARTED", "StartTimestamp": naive})
    assert decoded.map(lambda op: op.start_timestamp) == Success(naive.replace(tzinfo=UTC))
    assert INVOCATION.encode(
        Operation(id="a", type=OperationType.WAIT, status=OperationStatus.STARTED, start_timestamp=naive)
    )["StartTimestamp"] == int(naive.replace(tzinfo=UTC).timestamp() * 1000)


def test_invocation_input_defaults() -> None:
    decoded = INVOCATION.decode(InvocationInput, {"DurableExecutionArn": "arn", "CheckpointToken": "tok"})
    assert decoded == Success(InvocationInput(durable_execution_arn="arn", checkpoint_token="tok"))


def test_event_details_live_under_the_event_type_key() -> None:
    event = Event(
        event_type=EventType.WAIT_STARTED,
        event_id=2,
        event_timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        details=EventDetails(duration=60),
        id="w",
        sub_type="Wait",
    )
    assert INVOCATION.encode(event) == {
        "EventType": "WaitStarted",
        "EventId": 2,
        "EventTimestamp": 1767225600000,
        "Id": "w",
        "SubType": "Wait",
        "WaitStartedDetails": {"Duration": 60},
    }


# --- malformed input -----------------------------------------------------------------------------

_OP = {"Id": "op-1", "Type": "STEP", "Status": "STARTED", "StartTimestamp": "2026-11-24T07:30:00Z"}
_INPUT = {"DurableExecutionArn": "arn", "CheckpointToken": "tok"}

MALFORMED: dict[str, tuple[type[Any], object, tuple[str, ...]]] = {
    "missing CheckpointToken": (InvocationInput, {"DurableExecutionArn": "arn"}, ("CheckpointToken",)),
    "missing DurableExecutionArn": (InvocationInput, {"CheckpointToken": "t"}, ("DurableExecutionArn",)),
    "input not a mapping": (InvocationInput, ["DurableExecutionArn"], ("expected an object",)),
    "input is None": (InvocationInput, None, ("expected an object",)),
    "input is a string": (InvocationInput, '{"CheckpointToken": "t"}', ("expected an object",)),
    "token an int": (InvocationInput, {**_INPUT, "CheckpointToken": 7}, ("expected a string",)),
    "operation id an int": (Operation, {**_OP, "Id": 17}, ("expected a string", "id")),
    "operation missing Status": (Operation, {k: v for k, v in _OP.items() if k != "Status"}, ("Status",)),
    "timestamp a bool": (Operation, {**_OP, "StartTimestamp": True}, ("boolean",)),
    "timestamp a list": (Operation, {**_OP, "StartTimestamp": [1]}, ("timestamp",)),
    "timestamp garbage text": (Operation, {**_OP, "StartTimestamp": "yesterday"}, ("yesterday",)),
    "timestamp NaN": (Operation, {**_OP, "StartTimestamp": float("nan")}, ("timestamp",)),
    "operation not a mapping": (Operation, "op-1", ("expected an object", "Operation")),
    "details not a mapping": (Operation, {**_OP, "StepDetails": "x"}, ("expected an object", "StepDetails")),
    "attempt a bool": (Operation, {**_OP, "StepDetails": {"Attempt": True}}, ("expected an integer",)),
    "attempt a float": (Operation, {**_OP, "StepDetails": {"Attempt": 1.5}}, ("expected an integer",)),
    "replay children a string": (
        Operation, {**_OP, "ContextDetails": {"ReplayChildren": "true"}}, ("expected a boolean",),
    ),
    "callback details without id": (Operation, {**_OP, "CallbackDetails": {}}, ("CallbackId",)),
    "nested operation malformed": (
        InvocationInput,
        {**_INPUT, "InitialExecutionState": {"Operations": [{**_OP, "Id": None}]}},
        ("expected a string",),
    ),
    "operations not a list": (
        InvocationInput, {**_INPUT, "InitialExecutionState": {"Operations": 5}}, ("int",),
    ),
    "stack trace entries not strings": (ErrorObject, {"StackTrace": [1, 2]}, ("expected a string",)),
    "error object a string": (ErrorObject, "boom", ("expected an object",)),
    "output status unknown": (InvocationOutput, {"Status": "DONE"}, ("DONE",)),
    "event type unknown": (Event, {"EventType": "Nope", "EventId": 1, "EventTimestamp": 0}, ("Nope",)),
    "event id missing": (Event, {"EventType": "StepStarted", "EventTimestamp": 0}, ("EventId",)),
    "event id a bool": (
        Event, {"EventType": "StepStarted", "EventId": True, "EventTimestamp": 0}, ("expected an integer",),
    ),
    "event timestamp a bool": (
        Event, {"EventType": "StepStarted", "EventId": 1, "EventTimestamp": False}, ("boolean",),
    ),
    "event not a mapping": (Event, [1, 2], ("expected an object", "Event")),
    "event details not a mapping": (
        Event,
        {"EventType": "StepStarted", "EventId": 1, "EventTimestamp": 0, "StepStartedDetails": []},
        ("expected an object",),
    ),
    "event id field an int": (
        Event, {"EventType": "StepStarted", "EventId": 1, "EventTimestamp": 0, "Id": 3}, ("expected a string",),
    ),
}


@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@pytest.mark.parametrize(
    ("cls", "payload", "fragments"),
    [pytest.param(*case, id=name) for name, case in MALFORMED.items()],
)
def test_malformed_input_is_a_failure_naming_the_problem(
    converter_name: str, cls: type[Any], payload: object, fragments: tuple[str, ...]
) -> None:
    result: Result[Any, WireDecodeError] = CONVERTERS[converter_name].decode(cls, payload)
    assert not is_successful(result), result
    error = result.failure()
    assert isinstance(error, WireDecodeError)
    assert error.shape == cls.__name__
    message = str(error)
    assert message.startswith(f"malformed {cls.__name__}: ")
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@pytest.mark.parametrize(
    ("cls", "payload"),
    [
        pytest.param(Operation, {**_OP, "Type": "TELEPORT"}, id="operation type"),
        pytest.param(Operation, {**_OP, "Status": "DONE"}, id="operation status"),
        pytest.param(
            OperationUpdate, {"Id": "a", "Type": "STEP", "Action": "EXPLODE"}, id="update action"
        ),
    ],
)
def test_unknown_enum_values_are_rejected(converter_name: str, cls: type[Any], payload: object) -> None:
    assert not is_successful(CONVERTERS[converter_name].decode(cls, payload))


@pytest.mark.parametrize("converter_name", list(CONVERTERS))
def test_decoded_enum_fields_are_enum_members(converter_name: str) -> None:
    decoded = CONVERTERS[converter_name].decode(Operation, _OP).unwrap()
    assert isinstance(decoded.type, OperationType)
    assert isinstance(decoded.status, OperationStatus)


@pytest.mark.parametrize(
    ("cls", "payload"),
    [
        pytest.param(InvocationInput, {**_INPUT, "UpdatedOperationIds": "abc"}, id="updated ids a string"),
        pytest.param(ErrorObject, {"StackTrace": "line 1"}, id="stack trace a string"),
    ],
)
def test_a_string_is_not_a_list(cls: type[Any], payload: object) -> None:
    assert not is_successful(INVOCATION.decode(cls, payload))


@pytest.mark.parametrize("stamp", [10**20, float("inf"), -(10**20)])
def test_out_of_range_event_timestamp_is_a_failure(stamp: float) -> None:
    result = INVOCATION.decode(Event, {"EventType": "StepStarted", "EventId": 1, "EventTimestamp": stamp})
    assert not is_successful(result)


@pytest.mark.parametrize("stamp", [10**20, float("inf"), -(10**20)])
def test_out_of_range_operation_timestamp_is_a_failure(stamp: float) -> None:
    result = INVOCATION.decode(Operation, {**_OP, "StartTimestamp": stamp})
    assert not is_successful(result)


# --- fuzzing: decode never raises ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[str | int, ...], new: object) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


def _fuzz(
    converter: WireConverter, model: str, data: st.DataObject
) -> tuple[tuple[str | int, ...], object, Result[Any, WireDecodeError]]:
    value = data.draw((MODELS_MS if converter is INVOCATION else MODELS_US)[model])
    encoded = json.loads(json.dumps(converter.encode(value), default=str))
    path = data.draw(st.sampled_from(_paths(encoded)))
    new = data.draw(json_values)
    return path, new, converter.decode(type(value), _replace(encoded, path, new))


@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decode_of_a_damaged_payload_never_raises(converter_name: str, model: str, data: st.DataObject) -> None:
    path, new, result = _fuzz(CONVERTERS[converter_name], model, data)
    assert isinstance(result, (Success, Failure)), (path, new)


# --- random models through botocore's own model ---------------------------------------------------

_LAMBDA = botocore.session.get_session().get_service_model("lambda")


def _shape(operation: str, side: str) -> StructureShape:
    model = _LAMBDA.operation_model(operation)
    shape = model.input_shape if side == "input" else model.output_shape
    assert shape is not None
    return shape


def _botocore_parse(operation: str, body: object) -> dict[str, Any]:
    response = {"body": json.dumps(body).encode("utf-8"), "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = RestJSONParser().parse(response, _shape(operation, "output"))
    parsed.pop("ResponseMetadata", None)
    return parsed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=pages(timestamps_us))
def test_random_state_pages_round_trip_through_botocore_parser(page: ExecutionStatePage) -> None:
    parsed = _botocore_parse("GetDurableExecutionState", API_JSON.encode(page))
    assert PYTHON.decode(ExecutionStatePage, parsed) == Success(page)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(output=checkpoint_outputs(timestamps_us))
def test_random_checkpoint_outputs_round_trip_through_botocore_parser(output: CheckpointOutput) -> None:
    parsed = _botocore_parse("CheckpointDurableExecution", API_JSON.encode(output))
    assert PYTHON.decode(CheckpointOutput, parsed) == Success(output)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(updates=st.lists(operation_updates, min_size=1, max_size=5))
def test_random_updates_within_field_limits_pass_botocore_validation(updates: list[OperationUpdate]) -> None:
    params = {
        "DurableExecutionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/i",
        "CheckpointToken": "dG9rZW4=",
        "Updates": [PYTHON.encode(u) for u in updates],
    }
    report = ParamValidator().validate(params, _shape("CheckpointDurableExecution", "input")).generate_report()
    assert report == ""


# --- planned decoders against cattrs alone ------------------------------------------------------

ODD_VALUES: list[Any] = [None, True, False, 0, 7, 1.5, "", "x", "STEP", "SUCCEEDED", [], ["a"], [1], {}]
"""Values of the wrong type for some field and the right one for another."""
REFERENCE = {
    name: WireConverter(converter.timestamps, planned=False) for name, converter in CONVERTERS.items()
}


def _without(value: Any, path: tuple[str | int, ...]) -> Any:
    """A copy of ``value`` with the dict key at ``path`` removed (lists keep their items)."""
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        return {k: (_without(v, rest) if k == head else v) for k, v in value.items()}
    return [(_without(v, rest) if i == head and rest else v) for i, v in enumerate(value)]


@pytest.mark.parametrize("model", MODEL_NAMES)
@pytest.mark.parametrize("converter_name", list(CONVERTERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_planned_decoders_accept_and_reject_exactly_what_cattrs_does(
    converter_name: str, model: str, data: st.DataObject
) -> None:
    """Well-formed or damaged (a key dropped, a value of the wrong type or an unknown
    enum value anywhere in the tree), the fast path decides as cattrs alone does: the
    same model, or the same error message."""
    converter, reference = CONVERTERS[converter_name], REFERENCE[converter_name]
    value = data.draw(_strategy(converter_name, model))
    encoded = converter.encode(value)
    path = data.draw(st.sampled_from(_paths(encoded)))
    damage = data.draw(st.sampled_from(["none", "replace", "delete"]))
    if damage == "replace":
        encoded = _replace(encoded, path, data.draw(st.sampled_from(ODD_VALUES) | json_values))
    elif damage == "delete" and path:
        encoded = _without(encoded, path)
    assert converter.decode(type(value), encoded) == reference.decode(type(value), encoded)


_AT = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
_ERROR = ErrorObject(error_type="E", error_message="m", error_data="d", stack_trace=("a", "b"))
_OPERATION = Operation(
    id="op", type=OperationType.STEP, status=OperationStatus.SUCCEEDED, start_timestamp=_AT,
    parent_id="p", name="n", sub_type="Step", end_timestamp=_AT,
)
_UPDATE = OperationUpdate(
    id="op", type=OperationType.STEP, action=OperationAction.RETRY, parent_id="p", name="n",
    sub_type="Step", payload="1", error=_ERROR,
)
_DETAILS: dict[str, Any] = {
    "execution_details": ExecutionDetails(input_payload="{}"),
    "context_details": ContextDetails(replay_children=True, result="1", error=_ERROR),
    "step_details": StepDetails(attempt=2, next_attempt_timestamp=_AT, result="1", error=_ERROR),
    "wait_details": WaitDetails(scheduled_end_timestamp=_AT),
    "callback_details": CallbackDetails(callback_id="cb", result="1", error=_ERROR),
    "chained_invoke_details": ChainedInvokeDetails(result="1", error=_ERROR),
}
_OPTIONS: dict[str, Any] = {
    "context_options": ContextOptions(replay_children=False),
    "step_options": StepOptions(next_attempt_delay_seconds=3),
    "wait_options": WaitOptions(wait_seconds=5),
    "callback_options": CallbackOptions(timeout_seconds=1, heartbeat_timeout_seconds=2),
    "chained_invoke_options": ChainedInvokeOptions(function_name="f", tenant_id="t"),
}
FULL_MODELS: list[Any] = [attrs.evolve(_OPERATION, **{k: v}) for k, v in _DETAILS.items()] + [
    attrs.evolve(_UPDATE, **{k: v}) for k, v in _OPTIONS.items()
]  # fmt: skip


@pytest.mark.parametrize("converter_name", list(CONVERTERS))
def test_planned_decoders_agree_with_cattrs_on_every_damaged_field(converter_name: str) -> None:
    """Every key of every model, each replaced by each odd value or removed: the fast
    path and cattrs alone decide the same (exhaustive, unlike the random test above)."""
    converter, reference = CONVERTERS[converter_name], REFERENCE[converter_name]
    checked = 0
    for model in FULL_MODELS:
        encoded = converter.encode(model)
        for path in _paths(encoded):
            variants = [_replace(encoded, path, odd) for odd in ODD_VALUES]
            if path and isinstance(path[-1], str):
                variants.append(_without(encoded, path))
            for damaged in variants:
                assert converter.decode(type(model), damaged) == reference.decode(type(model), damaged), (path, damaged)
                checked += 1
    assert checked > 1000  # the models above reach every field of Operation and OperationUpdate


def test_planned_decoding_is_used_for_operations() -> None:
    """The fast path is really taken for a well-formed operation (no cattrs hook runs)."""
    operation = Operation(
        id="op-1", type=OperationType.STEP, status=OperationStatus.SUCCEEDED,
        start_timestamp=datetime(2026, 1, 1, tzinfo=UTC), step_details=StepDetails(attempt=1, result="1"),
    )  # fmt: skip
    encoded = INVOCATION.encode(operation)
    planned = WireConverter(INVOCATION.timestamps)
    planned._conv.register_structure_hook(StepDetails, lambda *_: pytest.fail("cattrs hook used"))
    assert planned.decode(Operation, encoded) == Success(operation)
