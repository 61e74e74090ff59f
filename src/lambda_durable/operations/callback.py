"""Callback, synchronous driver: a durable promise another system resolves
(docs/protocol.md §5.3). The decisions live in ``decisions/callback.py``.

``create_callback`` records a CALLBACK operation (its START is sent at once: the service
answers with the ``CallbackId`` to hand to the external system) and returns a
``Callback[T]`` handle; ``handle.result()`` suspends until the answer is in the log.
Errors are deferred to ``result()`` so that code between creation and ``result()``
replays identically whatever the external system did meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from attrs import field, frozen
from returns.result import Result

from lambda_durable.config import CallbackConfig, Duration
from lambda_durable.decisions.callback import Decoder, callback_answer, callback_id, callback_start, decoder_for
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer, perform
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType

T = TypeVar("T")


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
    decode: Decoder[T] = decoder_for(result_type, scope.state.converter, config.serdes if config else None)
    state = scope.state
    return (
        scope.take(OperationType.CALLBACK, OperationSubType.CALLBACK.value, name)
        .bind(lambda slot: create(scope, slot, config.timeout if config else None, config.heartbeat_timeout if config else None))
        .map(lambda slot_id: Callback(slot_id[1], outcome=lambda: raw_answer(state, slot_id[0]).bind(decode)))
    )


def create(
    scope: Scope, slot: Slot, timeout: Duration | None, heartbeat: Duration | None
) -> Result[tuple[str, str], DurableError]:
    """Send START if the log has no such callback yet; ``(operation id, callback id)``."""
    perform(scope.state.checkpointer, callback_start(slot, timeout, heartbeat))
    return callback_id(slot.op_id, scope.state.operation(slot.op_id)).map(lambda cid: (slot.op_id, cid))


def raw_answer(state: ExecutionState, op_id: str) -> Result[str, DurableError]:
    """The answer's text as sent, or its failure; suspends while the callback is open."""
    return answer(callback_answer(op_id, state.operation(op_id)))
