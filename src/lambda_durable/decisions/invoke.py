"""Invoke decisions (docs/protocol.md §5.4): start the chained invoke (and its timeout
timer) once, then the log decides: the target's outcome, the timer, or nothing yet.

``InvokeConfig.timeout`` is enforced by the SDK, not by the service (the wire has no such
field): a durable timer (WAIT ``"<name> timeout"`` or ``"invoke timeout"``, the id after
the invoke's) starts in the same checkpoint as the invoke. Whichever the service recorded
as finished first decides, by its own timestamps, so every replay agrees: the timer first
→ ``InvokeTimedOut`` (the target keeps running; nothing on the wire stops it); the invoke
first → its outcome. The timer is not cancelled when the invoke wins (CANCEL semantics are
unconfirmed): if the execution is still running when it fires, the service re-invokes once
more and the handler simply replays.
"""

from __future__ import annotations

from typing import Any, TypeVar

from cattrs import Converter
from returns.result import Failure, Result, Success

from lambda_durable.config import InvokeConfig
from lambda_durable.decisions.verdict import SUSPENDED, Answer
from lambda_durable.errors import DurableError, InvalidArgument, InvokeFailed, InvokeTimedOut
from lambda_durable.runtime.codec import Codec, from_json, to_json
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import (
    ChainedInvokeOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationUpdate,
    WaitOptions,
)

R = TypeVar("R")

MAX_FUNCTION_NAME_LENGTH = 256
NO_ERROR_OBJECT = "Unknown error. No ErrorObject exists on the Checkpoint Operation."


def checked_function_name(function_name: str) -> Result[str, DurableError]:
    """The target's name, refused before an id is taken when the service would refuse it."""
    if 1 <= len(function_name) <= MAX_FUNCTION_NAME_LENGTH:
        return Success(function_name)
    return Failure(
        InvalidArgument.of(
            "InvalidArgument",
            f"invoke function_name must be 1-{MAX_FUNCTION_NAME_LENGTH} characters, got {function_name!r}",
        )
    )


def invoke_start(
    slot: Slot, function_name: str, payload: object, converter: Converter, config: InvokeConfig[Any, Any] | None
) -> Result[OperationUpdate | None, DurableError]:
    """The invoke's START with the target's event as plain JSON (targets in any language
    read it), or ``None`` when the log already has the invoke."""
    if slot.existing is not None:
        return Success(None)
    encoded = (
        Codec(config.payload_serdes).encode(payload)
        if config is not None and config.payload_serdes is not None
        else to_json(payload, converter)
    )
    options = ChainedInvokeOptions(function_name=function_name, tenant_id=config.tenant_id if config else None)
    return encoded.map(lambda text: slot.update(OperationAction.START, payload=text, chained_invoke_options=options))


def timer_start(slot: Slot, seconds: int) -> OperationUpdate | None:
    """The timeout timer's START, unless the log already has it."""
    if slot.existing is not None:
        return None
    return slot.update(OperationAction.START, wait_options=WaitOptions(wait_seconds=seconds))


def invoke_answer(
    op: Operation | None,
    timer: Operation | None,
    function_name: str,
    timeout_seconds: int,
    result_type: type[R],
    converter: Converter,
    config: InvokeConfig[Any, Any] | None,
) -> Answer:
    """The invoke's outcome once the log has one, ``InvokeTimedOut`` when the timer won,
    suspension otherwise."""
    if timer is not None and _timer_won(op, timer):
        return Failure(
            InvokeTimedOut.of(
                "InvokeTimedOut", f"invoke of {function_name!r} did not finish within {timeout_seconds} s"
            )
        )
    if op is None or not op.status.is_terminal:
        return SUSPENDED
    details = op.chained_invoke_details
    match op.status:
        case OperationStatus.SUCCEEDED:
            text = details.result if details else None
            if config is not None and config.result_serdes is not None:
                return Codec(config.result_serdes).decode(text)
            return from_json(text, result_type, converter)
        case OperationStatus.TIMED_OUT:
            return Failure(InvokeTimedOut(_error(op)))
        case _:
            return Failure(InvokeFailed(_error(op)))


def _timer_won(op: Operation | None, timer: Operation) -> bool:
    if timer.status is not OperationStatus.SUCCEEDED:
        return False
    if op is None or not op.status.is_terminal:
        return True
    if op.end_timestamp is None or timer.end_timestamp is None:
        return False
    return timer.end_timestamp < op.end_timestamp


def _error(op: Operation) -> ErrorObject:
    details = op.chained_invoke_details
    if details is not None and details.error is not None:
        return details.error
    return ErrorObject(error_message=NO_ERROR_OBJECT)
