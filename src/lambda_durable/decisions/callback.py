"""Callback decisions (docs/protocol.md §5.3): create the callback once, then the log holds
the external system's answer, its failure, or nothing yet."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from cattrs import Converter
from returns.result import Failure, Result, Success

from lambda_durable.config import Duration
from lambda_durable.decisions.verdict import SUSPENDED, Send, Suspended
from lambda_durable.errors import CallbackFailed, CallbackTimedOut, DurableError
from lambda_durable.runtime.codec import Codec, from_json
from lambda_durable.runtime.scope import Slot
from lambda_durable.serdes import SerDes
from lambda_durable.wire import (
    CallbackOptions,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
)

T = TypeVar("T")

Decoder = Callable[[str], Result[T, DurableError]]


def callback_start(slot: Slot, timeout: Duration | None, heartbeat: Duration | None) -> Send | None:
    """The callback's START, sent at once: the service answers with its ``CallbackId``."""
    if slot.existing is not None:
        return None
    options = CallbackOptions(timeout_seconds=_seconds(timeout), heartbeat_timeout_seconds=_seconds(heartbeat))
    return Send(slot.update(OperationAction.START, callback_options=options), True)


def callback_id(op_id: str, current: Operation | None) -> Result[str, DurableError]:
    """The id to hand to the external system, as the service recorded it."""
    if current is None or current.callback_details is None:
        return Failure(CallbackFailed.of("CallbackFailed", f"callback operation {op_id} has no CallbackId in the log"))
    return Success(current.callback_details.callback_id)


def callback_answer(op_id: str, current: Operation | None) -> Result[str, DurableError] | Suspended:
    """The answer exactly as the external system sent it (absent: ``""``), the failure the
    log records, or suspension while the callback is still open."""
    if current is None:
        return Failure(CallbackFailed.of("CallbackFailed", f"callback operation {op_id} is not in the log"))
    details = current.callback_details
    match current.status:
        case OperationStatus.SUCCEEDED:
            return Success(details.result if details and details.result is not None else "")
        case OperationStatus.TIMED_OUT:
            return Failure(CallbackTimedOut(_error(details, "Callback timed out")))
        case OperationStatus.FAILED | OperationStatus.CANCELLED | OperationStatus.STOPPED:
            return Failure(CallbackFailed(_error(details, "Callback failed")))
        case _:
            return SUSPENDED


def _error(details: Any, default_message: str) -> ErrorObject:
    error: ErrorObject | None = details.error if details is not None else None
    return error if error is not None else ErrorObject(error_message=default_message)


def _seconds(duration: Duration | None) -> int:
    return duration.total_seconds if duration is not None else 0


def decoder_for(result_type: type[T], converter: Converter, serdes: SerDes[Any] | None) -> Decoder[T]:
    """How a callback's answer becomes a ``T``.

    With a ``serdes``: ``serdes.deserialize(text)``. Otherwise the text is JSON,
    structured into ``result_type`` with the handler's converter; for ``result_type``
    ``str`` a JSON string is unquoted and any other text (not JSON, or JSON that is not a
    string) is returned as sent. An absent answer is the empty text ``""``.
    A text that does not fit is ``SerdesFailed``.
    """
    if serdes is not None:
        codec: Codec[T] = Codec(serdes)
        return codec.decode
    if result_type is str:
        return _as_text  # type: ignore[return-value]  # T is str here
    return lambda text: from_json(text, result_type, converter)


def _as_text(text: str) -> Result[str, DurableError]:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    return Success(data if isinstance(data, str) else text)
