"""The hot path builds wide models by position and writes them with generated code: a
field reordered or added in a model must fail here, not pass mypy silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from lambda_durable.local.engine import codec
from lambda_durable.local.engine.history import PendingEvent
from lambda_durable.local.engine.transitions import _moved, _new
from lambda_durable.wire import (
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    ErrorObject,
    Event,
    EventDetails,
    ExecutionDetails,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepDetails,
    WaitDetails,
)
from lambda_durable.wire.converter import pascal_case

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(seconds=1)


def _update() -> OperationUpdate:
    return OperationUpdate(
        id="the-id",
        type=OperationType.STEP,
        action=OperationAction.START,
        parent_id="the-parent",
        name="the-name",
        sub_type="the-sub-type",
    )


def _every_field_set() -> Operation:
    return Operation(
        id="the-id",
        type=OperationType.STEP,
        status=OperationStatus.STARTED,
        start_timestamp=T0,
        parent_id="the-parent",
        name="the-name",
        sub_type="the-sub-type",
        end_timestamp=T1,
        execution_details=ExecutionDetails(input_payload="in"),
        context_details=ContextDetails(result="c"),
        step_details=StepDetails(1),
        wait_details=WaitDetails(scheduled_end_timestamp=T1),
        callback_details=CallbackDetails(callback_id="cb"),
        chained_invoke_details=ChainedInvokeDetails(result="r"),
    )


def test_a_new_operation_takes_each_field_from_its_own_source() -> None:
    context, step = ContextDetails(replay_children=True), StepDetails(3)
    wait, callback = WaitDetails(scheduled_end_timestamp=T1), CallbackDetails(callback_id="cb")
    chained = ChainedInvokeDetails(result="r")
    op = _new(_update(), T0, context=context, step=step, wait=wait, callback=callback, chained=chained)
    assert op == attrs.evolve(
        _every_field_set(),
        end_timestamp=None,
        execution_details=None,
        context_details=context,
        step_details=step,
        wait_details=wait,
        callback_details=callback,
        chained_invoke_details=chained,
    )


def test_a_moved_operation_keeps_every_field_it_is_not_given() -> None:
    current = _every_field_set()
    assert _moved(current, OperationStatus.SUCCEEDED) == attrs.evolve(current, status=OperationStatus.SUCCEEDED)
    later = T1 + timedelta(seconds=1)
    step = StepDetails(2, result="done")
    assert _moved(current, OperationStatus.SUCCEEDED, later, step=step) == attrs.evolve(
        current, status=OperationStatus.SUCCEEDED, end_timestamp=later, step_details=step
    )


def test_a_staged_event_has_the_fields_of_an_event_in_its_order() -> None:
    """The store's event writer and the tests read either alike."""
    assert PendingEvent._fields == tuple(f.name for f in attrs.fields(Event))


def _filled(cls: type[Any]) -> Any:
    """An instance with every field set to a value (not None)."""
    values: dict[str, Any] = {}
    attrs.resolve_types(cls)
    for field in attrs.fields(cls):
        values[field.name] = _value(field.type, field.name)
    return cls(**values)


def _value(tp: Any, name: str) -> Any:
    args = [a for a in getattr(tp, "__args__", ()) if a is not type(None)]
    tp = args[0] if args else tp
    if tp is str:
        return f"v-{name}"
    if tp is int:
        return 7
    if tp is bool:
        return True
    if tp is datetime:
        return T0
    if getattr(tp, "__origin__", None) is tuple:
        return (f"v-{name}",)
    if isinstance(tp, type) and hasattr(tp, "__members__"):
        return next(iter(tp))  # type: ignore[call-overload]
    if isinstance(tp, type) and attrs.has(tp):
        return _filled(tp)
    raise AssertionError(f"no value for {tp!r}")


@pytest.mark.parametrize(
    "cls", [Operation, EventDetails, ErrorObject, StepDetails, CallbackDetails], ids=lambda c: c.__name__
)
def test_the_generated_writers_write_one_key_per_field(cls: type[Any]) -> None:
    model = _filled(cls)
    keys = {pascal_case(f.name) for f in attrs.fields(cls)}
    assert set(json.loads(codec.dumps(model))) == keys
    assert set(codec._encoder(cls)(model)) == keys
