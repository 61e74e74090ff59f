"""Callback, asynchronous driver: ``create_callback`` takes its id when called and hands
back an ``AsyncCallback`` whose ``result()`` is awaited. The decisions live in
``decisions/callback.py``; errors are deferred to ``result()`` as in the sync API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from attrs import field, frozen
from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.aio.driver import Tasks, perform
from lambda_durable.config import CallbackConfig, WaitForCallbackConfig
from lambda_durable.decisions.callback import Decoder, callback_id, callback_start, decoder_for
from lambda_durable.decisions.verdict import Send
from lambda_durable.errors import DurableError
from lambda_durable.operations.callback import raw_answer
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType

T = TypeVar("T")


@frozen
class AsyncCallback(Generic[T]):
    """A created callback: give ``callback_id`` to the system that will answer, then
    ``await result()`` for the answer (it suspends the invocation until there is one)."""

    callback_id: str
    _outcome: Callable[[], Result[T, DurableError]] = field(repr=False, eq=False, alias="outcome")

    async def result(self) -> Result[T, DurableError]:
        """``Success`` with the decoded answer, ``Failure(CallbackFailed)`` or
        ``Failure(CallbackTimedOut)``; a callback still waiting suspends the invocation."""
        return self._outcome()


def start_create_callback(
    scope: Scope, tasks: Tasks, result_type: type[T], name: str | None, config: CallbackConfig[Any] | None
) -> Awaitable[Result[AsyncCallback[T], DurableError]]:
    """Take the callback's id now; its START (first run) is checkpointed off the loop."""
    decode: Decoder[T] = decoder_for(result_type, scope.state.converter, config.serdes if config else None)
    state = scope.state

    def handle(ids: Result[tuple[str, str], DurableError]) -> Result[AsyncCallback[T], DurableError]:
        return ids.map(lambda pair: AsyncCallback(pair[1], outcome=lambda: raw_answer(state, pair[0]).bind(decode)))

    return tasks.start(_mapped(start_create(scope, tasks, name, config), handle))


def start_create(
    scope: Scope,
    tasks: Tasks,
    name: str | None,
    config: CallbackConfig[Any] | WaitForCallbackConfig[Any] | None,
) -> Awaitable[Result[tuple[str, str], DurableError]]:
    """Take the callback's id; ``(operation id, callback id)`` once its START is in the log."""
    taken = scope.take(OperationType.CALLBACK, OperationSubType.CALLBACK.value, name)
    if not is_successful(taken):
        return tasks.ready(taken)
    slot = taken.unwrap()
    start = callback_start(slot, config.timeout if config else None, config.heartbeat_timeout if config else None)
    if start is None:
        return tasks.ready(_ids(scope.state, slot))
    return tasks.start(_started(scope.state, slot, start))


async def _started(state: ExecutionState, slot: Slot, start: Send) -> Result[tuple[str, str], DurableError]:
    await perform(state.checkpointer, start)
    return _ids(state, slot)


def _ids(state: ExecutionState, slot: Slot) -> Result[tuple[str, str], DurableError]:
    return callback_id(slot.op_id, state.operation(slot.op_id)).map(lambda cid: (slot.op_id, cid))


async def _mapped(
    created: Awaitable[Result[tuple[str, str], DurableError]],
    handle: Callable[[Result[tuple[str, str], DurableError]], Result[AsyncCallback[T], DurableError]],
) -> Result[AsyncCallback[T], DurableError]:
    return handle(await created)
