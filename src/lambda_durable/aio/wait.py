"""Wait, asynchronous driver: the timer's id is taken when ``wait`` is called; its START
is checkpointed off the loop. The decisions live in ``decisions/wait.py``."""

from __future__ import annotations

from collections.abc import Awaitable

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.aio.driver import Tasks, perform
from lambda_durable.config import Duration
from lambda_durable.decisions.verdict import Send
from lambda_durable.decisions.wait import checked_seconds, wait_answer, wait_start
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationSubType, OperationType


def start_wait(scope: Scope, tasks: Tasks, duration: Duration, name: str | None) -> Awaitable[Result[None, DurableError]]:
    """Start the timer (first run) and, when awaited, suspend until it fired or was cancelled."""
    taken = checked_seconds(duration.total_seconds).bind(
        lambda seconds: scope.take(OperationType.WAIT, OperationSubType.WAIT.value, name).map(
            lambda slot: (slot, wait_start(slot, seconds))
        )
    )
    if not is_successful(taken):
        return tasks.ready(taken)
    slot, start = taken.unwrap()
    if start is None:
        return tasks.ready(wait_answer(scope.state.operation(slot.op_id)))
    return tasks.start(_started(scope.state, slot.op_id, start))


async def _started(state: ExecutionState, op_id: str, start: Send) -> Result[None, DurableError]:
    await perform(state.checkpointer, start)
    return answer(wait_answer(state.operation(op_id)))
