"""Invoke: run another durable function and use its result (PROTOCOL.md §5.4).

A CHAINED_INVOKE operation: START (sent at once) carries the target's name and its event
as plain JSON, so targets in any language can read it; the service runs the target and
records its result or error on the operation; this invocation suspends until then.

``InvokeConfig.timeout`` is enforced here, not by the service (the wire has no such
field): a durable timer (WAIT ``"<name> timeout"`` or ``"invoke timeout"``, the id after
the invoke's) starts in the same checkpoint as the invoke. Whichever the service recorded
as finished first decides, by its own timestamps, so every replay agrees: the timer first
→ ``InvokeTimedOut`` (the target keeps running; nothing on the wire stops it); the invoke
first → its outcome. The timer is not cancelled when the invoke wins (CANCEL semantics are
unconfirmed, PROTOCOL.md §13.6): if the execution is still running when it fires, the
service re-invokes once more and the handler simply replays.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from cattrs import Converter
from returns.result import Failure, Result, Success

from lambda_durable.config import InvokeConfig
from lambda_durable.errors import (
    DurableError,
    InvalidArgument,
    InvokeFailed,
    InvokeTimedOut,
    SerdesFailed,
    error_object_from_exception,
)
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import Suspend
from lambda_durable.wire import (
    ChainedInvokeOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    OperationUpdate,
    WaitOptions,
)

R = TypeVar("R")

MAX_FUNCTION_NAME_LENGTH = 256
NO_ERROR_OBJECT = "Unknown error. No ErrorObject exists on the Checkpoint Operation."


def run_invoke(
    scope: Scope,
    function_name: str,
    payload: object,
    result_type: type[R],
    name: str | None,
    config: InvokeConfig[Any, Any] | None,
) -> Result[R, DurableError]:
    """Start the invoke (first run), or replay its outcome; suspends while it runs."""
    if not 1 <= len(function_name) <= MAX_FUNCTION_NAME_LENGTH:
        return Failure(
            InvalidArgument.of(
                "InvalidArgument",
                f"invoke function_name must be 1-{MAX_FUNCTION_NAME_LENGTH} characters, got {function_name!r}",
            )
        )
    return scope.begin(OperationType.CHAINED_INVOKE, OperationSubType.CHAINED_INVOKE.value, name).bind(
        lambda slot: _run(scope, slot, function_name, payload, result_type, name, config)
    )


def _run(
    scope: Scope,
    slot: Slot,
    function_name: str,
    payload: object,
    result_type: type[R],
    name: str | None,
    config: InvokeConfig[Any, Any] | None,
) -> Result[R, DurableError]:
    checkpointer = scope.state.checkpointer
    start: OperationUpdate | None = None
    if slot.existing is None:
        encoded = _encode(payload, scope.state.converter, config)
        if not isinstance(encoded, Success):
            return Failure(encoded.failure())
        start = slot.update(
            OperationAction.START,
            payload=encoded.unwrap(),
            chained_invoke_options=ChainedInvokeOptions(
                function_name=function_name, tenant_id=config.tenant_id if config else None
            ),
        )
    timeout = config.timeout if config else None
    timer_id: str | None = None
    if timeout is not None:
        timer_name = f"{name} timeout" if name else "invoke timeout"
        timer = scope.begin(OperationType.WAIT, OperationSubType.WAIT.value, timer_name)
        if not isinstance(timer, Success):
            return Failure(timer.failure())
        timer_slot = timer.unwrap()
        timer_id = timer_slot.op_id
        if start is not None:
            checkpointer.defer(start)
            start = None
        if timer_slot.existing is None:
            checkpointer.defer(
                timer_slot.update(
                    OperationAction.START,
                    wait_options=WaitOptions(wait_seconds=timeout.total_seconds),
                )
            )
        checkpointer.flush()
    elif start is not None:
        checkpointer.send(start)
    op = scope.state.operation(slot.op_id)
    timer_op = scope.state.operation(timer_id) if timer_id is not None else None
    if timer_op is not None and _timer_won(op, timer_op):
        seconds = timeout.total_seconds if timeout is not None else 0
        return Failure(
            InvokeTimedOut.of(
                "InvokeTimedOut", f"invoke of {function_name!r} did not finish within {seconds} s"
            )
        )
    if op is None or not op.status.is_terminal:
        raise Suspend()
    return _outcome(op, result_type, scope.state.converter, config)


def _timer_won(op: Operation | None, timer: Operation) -> bool:
    if timer.status is not OperationStatus.SUCCEEDED:
        return False
    if op is None or not op.status.is_terminal:
        return True
    if op.end_timestamp is None or timer.end_timestamp is None:
        return False
    return timer.end_timestamp < op.end_timestamp


def _encode(payload: object, converter: Converter, config: InvokeConfig[Any, Any] | None) -> Result[str, DurableError]:
    if config is not None and config.payload_serdes is not None:
        codec: Codec[Any] = Codec(config.payload_serdes)
        return codec.encode(payload)
    try:
        return Success(json.dumps(converter.unstructure(payload)))
    except Exception as exc:  # cattrs/json raise many types; all mean "cannot encode"
        return Failure(SerdesFailed(error_object_from_exception(exc)))


def _outcome(
    op: Operation, result_type: type[R], converter: Converter, config: InvokeConfig[Any, Any] | None
) -> Result[R, DurableError]:
    details = op.chained_invoke_details
    match op.status:
        case OperationStatus.SUCCEEDED:
            return _decode(details.result if details else None, result_type, converter, config)
        case OperationStatus.TIMED_OUT:
            return Failure(InvokeTimedOut(_error(op)))
        case _:
            return Failure(InvokeFailed(_error(op)))


def _error(op: Operation) -> ErrorObject:
    details = op.chained_invoke_details
    if details is not None and details.error is not None:
        return details.error
    return ErrorObject(error_message=NO_ERROR_OBJECT)


def _decode(
    text: str | None, result_type: type[R], converter: Converter, config: InvokeConfig[Any, Any] | None
) -> Result[R, DurableError]:
    if config is not None and config.result_serdes is not None:
        codec: Codec[R] = Codec(config.result_serdes)
        return codec.decode(text)
    try:
        data = json.loads(text) if text is not None and text.strip() else None
        if result_type is type(None):  # no cattrs hook for NoneType: only null fits
            if data is not None:
                raise TypeError(f"expected null, got {data!r}")
            return Success(None)
        value: R = converter.structure(data, result_type)
    except Exception as exc:  # json and cattrs raise many types; all mean "does not fit"
        return Failure(SerdesFailed(error_object_from_exception(exc)))
    return Success(value)
