"""Wait: a durable timer. The invocation ends; the service re-invokes when it fires."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from lambda_durable.config import MAX_WAIT_SECONDS, Duration
from lambda_durable.errors import DurableError, InvalidArgument
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import Suspend
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
            OperationUpdate(
                id=slot.op_id,
                type=OperationType.WAIT,
                action=OperationAction.START,
                parent_id=slot.parent_id,
                name=slot.name,
                sub_type=OperationSubType.WAIT.value,
                wait_options=WaitOptions(wait_seconds=seconds),
            )
        )
    current = scope.state.operation(slot.op_id)
    if current is not None and current.status in _RESUMED:
        return Success(None)
    raise Suspend()
