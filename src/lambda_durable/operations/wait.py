"""Wait, synchronous driver: a durable timer. The invocation ends; the service re-invokes
when it fires. The decisions live in ``decisions/wait.py``."""

from __future__ import annotations

from returns.result import Result, Success

from lambda_durable.config import Duration
from lambda_durable.decisions.wait import cancel_update, checked_seconds, wait_answer, wait_start
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer, perform
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import FailExecution
from lambda_durable.wire import OperationSubType, OperationType, OperationUpdate


def run_wait(scope: Scope, duration: Duration, name: str | None) -> Result[None, DurableError]:
    """Start the timer (first run) and suspend until it fired or was cancelled."""
    return checked_seconds(duration.total_seconds).bind(
        lambda seconds: scope.take(OperationType.WAIT, OperationSubType.WAIT.value, name).bind(
            lambda slot: _drive(scope, slot, seconds)
        )
    )


def _drive(scope: Scope, slot: Slot, seconds: int) -> Result[None, DurableError]:
    perform(scope.state.checkpointer, wait_start(slot, seconds))
    return answer(wait_answer(scope.state.operation(slot.op_id)))


def run_cancel_wait(scope: Scope, operation_id: str) -> Result[None, DurableError]:
    """Cancel a running wait of this execution (see ``decisions.wait.cancel_update``)."""
    state = scope.state
    if state.poisoned is not None:
        raise FailExecution(state.poisoned)

    def send(update: OperationUpdate | None) -> Result[None, DurableError]:
        if update is not None:
            state.checkpointer.send(update)
        return Success(None)

    return cancel_update(operation_id, state.operation(operation_id)).bind(send)
