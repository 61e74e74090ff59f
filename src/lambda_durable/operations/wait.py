"""Wait: a durable timer. The invocation ends; the service re-invokes when it fires."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from lambda_durable.config import MAX_WAIT_SECONDS, Duration
from lambda_durable.errors import DurableError, InvalidArgument
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import FailExecution, Suspend
from lambda_durable.wire import (
    OperationAction,
    OperationStatus,
    OperationSubType,
    OperationType,
    OperationUpdate,
    WaitOptions,
)

_RESUMED = frozenset({OperationStatus.SUCCEEDED, OperationStatus.CANCELLED})


def run_wait(scope: Scope, duration: Duration, name: str | None) -> Result[None, DurableError]:
    """PROTOCOL.md §5.2. Bad durations are refused before an id is taken."""
    seconds = duration.total_seconds
    if not 1 <= seconds <= MAX_WAIT_SECONDS:
        return Failure(
            InvalidArgument.of(
                "InvalidArgument",
                f"wait duration must be between 1 and {MAX_WAIT_SECONDS} seconds, got {seconds}",
            )
        )
    return scope.begin(OperationType.WAIT, OperationSubType.WAIT.value, name).bind(
        lambda slot: _run(scope, slot, seconds)
    )


def _run(scope: Scope, slot: Slot, seconds: int) -> Result[None, DurableError]:
    if slot.existing is None:
        scope.state.checkpointer.send(
            slot.update(OperationAction.START, wait_options=WaitOptions(wait_seconds=seconds))
        )
    current = scope.state.operation(slot.op_id)
    if current is not None and current.status in _RESUMED:
        return Success(None)
    raise Suspend()


def run_cancel_wait(scope: Scope, operation_id: str) -> Result[None, DurableError]:
    """Cancel a WAIT of this execution that is still running (``Action: CANCEL``).

    Inferred, not confirmed against the service (PROTOCOL.md §13.6): CANCEL on a STARTED
    wait moves it to CANCELLED (history ``WaitCancelled``) and a ``wait`` replaying it
    returns ``Success(None)``. A wait that is already CANCELLED is a no-op success, so a
    replayed ``cancel_wait`` answers what the first run answered. An unknown id, an
    operation that is not a WAIT, or a wait whose timer already fired is refused with
    ``InvalidArgument`` and nothing is checkpointed.
    """
    state = scope.state
    if state.poisoned is not None:
        raise FailExecution(state.poisoned)
    op = state.operation(operation_id)
    if op is None:
        return _refuse(f"no operation {operation_id!r} in this execution")
    if op.type is not OperationType.WAIT:
        return _refuse(f"operation {operation_id!r} is a {op.type.value}, not a WAIT")
    if op.status is OperationStatus.CANCELLED:
        return Success(None)
    if op.status is not OperationStatus.STARTED:
        return _refuse(f"wait {operation_id!r} already finished ({op.status.value})")
    state.checkpointer.send(
        OperationUpdate(
            id=op.id,
            type=OperationType.WAIT,
            action=OperationAction.CANCEL,
        )
    )
    return Success(None)


def _refuse(message: str) -> Result[None, DurableError]:
    return Failure(InvalidArgument.of("InvalidArgument", f"cancel_wait: {message}"))
