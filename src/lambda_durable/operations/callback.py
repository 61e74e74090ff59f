"""Callback: a durable promise another system resolves (PROTOCOL.md §5.3).

``create_callback`` records a CALLBACK operation (its START is sent at once: the service
answers with the ``CallbackId`` to hand to the external system) and returns a
``Callback[T]`` handle; ``handle.result()`` suspends until the answer is in the log.
Errors are deferred to ``result()`` so that code between creation and ``result()``
replays identically whatever the external system did meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from attrs import field, frozen
from cattrs import Converter
from returns.result import Failure, Result, Success

from lambda_durable.config import CallbackConfig, Duration
from lambda_durable.errors import (
    CallbackFailed,
    CallbackTimedOut,
    DurableError,
    SerdesFailed,
    error_object_from_exception,
)
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import Suspend
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.serdes import SerDes
from lambda_durable.wire import (
    CallbackOptions,
    ErrorObject,
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
)

T = TypeVar("T")

Decoder = Callable[[str], Result[T, DurableError]]


@frozen
class Callback(Generic[T]):
    """A created callback: give ``callback_id`` to the system that will answer, then ask
    ``result()`` for the answer (it suspends the invocation until there is one)."""

    callback_id: str
    _outcome: Callable[[], Result[T, DurableError]] = field(repr=False, eq=False, alias="outcome")

    def result(self) -> Result[T, DurableError]:
        """``Success`` with the decoded answer, ``Failure(CallbackFailed)`` when the
        external system reported failure (or the callback was cancelled/stopped),
        ``Failure(CallbackTimedOut)`` when a timeout or heartbeat timeout expired; a
        callback still waiting suspends the invocation (it never returns)."""
        return self._outcome()


def run_create_callback(
    scope: Scope,
    result_type: type[T],
    name: str | None,
    config: CallbackConfig[Any] | None,
) -> Result[Callback[T], DurableError]:
    """Create (or, on replay, find) the callback operation and return its handle."""
    timeout = config.timeout if config else None
    heartbeat = config.heartbeat_timeout if config else None
    decode: Decoder[T] = decoder_for(result_type, scope.state.converter, config.serdes if config else None)
    return scope.begin(OperationType.CALLBACK, OperationSubType.CALLBACK.value, name).bind(
        lambda slot: create(scope, slot, timeout, heartbeat)
    ).map(lambda callback_id: _handle(scope.state, callback_id, decode))


def create(
    scope: Scope, slot: Slot, timeout: Duration | None, heartbeat: Duration | None
) -> Result[tuple[str, str], DurableError]:
    """Send START if the log has no such callback yet; ``(operation id, callback id)``."""
    if slot.existing is None:
        scope.state.checkpointer.send(
            slot.update(
                OperationAction.START,
                callback_options=CallbackOptions(
                    timeout_seconds=_seconds(timeout), heartbeat_timeout_seconds=_seconds(heartbeat)
                ),
            )
        )
    op = scope.state.operation(slot.op_id)
    if op is None or op.callback_details is None:
        return Failure(
            CallbackFailed.of(
                "CallbackFailed", f"callback operation {slot.op_id} has no CallbackId in the log"
            )
        )
    return Success((slot.op_id, op.callback_details.callback_id))


def _handle(state: ExecutionState, ids: tuple[str, str], decode: Decoder[T]) -> Callback[T]:
    op_id, callback_id = ids
    return Callback(callback_id, outcome=lambda: raw_outcome(state, op_id).bind(decode))


def raw_outcome(state: ExecutionState, op_id: str) -> Result[str, DurableError]:
    """The answer exactly as the external system sent it (absent: ``""``), or the failure
    the log records; suspends while the callback is still open."""
    op = state.operation(op_id)
    if op is None:
        return Failure(CallbackFailed.of("CallbackFailed", f"callback operation {op_id} is not in the log"))
    details = op.callback_details
    match op.status:
        case OperationStatus.SUCCEEDED:
            return Success(details.result if details and details.result is not None else "")
        case OperationStatus.TIMED_OUT:
            return Failure(CallbackTimedOut(_error(details, "Callback timed out")))
        case OperationStatus.FAILED | OperationStatus.CANCELLED | OperationStatus.STOPPED:
            return Failure(CallbackFailed(_error(details, "Callback failed")))
        case _:
            raise Suspend()


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
    return lambda text: _structure(text, result_type, converter)


def _none(data: Any) -> Any:
    """``type(None)`` has no cattrs hook: only JSON ``null`` (or nothing) fits it."""
    if data is not None:
        raise TypeError(f"expected null, got {data!r}")
    return None


def _structure(text: str, result_type: type[T], converter: Converter) -> Result[T, DurableError]:
    if result_type is str:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        value: Any = data if isinstance(data, str) else text
        return Success(value)
    try:
        data = json.loads(text) if text.strip() else None
        structured: T = _none(data) if result_type is type(None) else converter.structure(data, result_type)
    except Exception as exc:  # json and cattrs raise many types; all mean "does not fit"
        return Failure(SerdesFailed(error_object_from_exception(exc)))
    return Success(structured)
