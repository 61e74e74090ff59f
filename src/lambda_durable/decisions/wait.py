"""Wait decisions (docs/protocol.md §5.2): start the timer once, then the log says whether
it fired; cancel a running wait."""

from __future__ import annotations

from returns.result import Failure, Result, Success

from lambda_durable.config import MAX_WAIT_SECONDS
from lambda_durable.decisions.verdict import SUSPENDED, Answer, Send
from lambda_durable.errors import DurableError, InvalidArgument
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import (
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    WaitOptions,
)

_RESUMED = frozenset({OperationStatus.SUCCEEDED, OperationStatus.CANCELLED})


def checked_seconds(seconds: int) -> Result[int, DurableError]:
    """A wait's duration, refused before an id is taken when the service would refuse it."""
    if 1 <= seconds <= MAX_WAIT_SECONDS:
        return Success(seconds)
    return Failure(
        InvalidArgument.of(
            "InvalidArgument",
            f"wait duration must be between 1 and {MAX_WAIT_SECONDS} seconds, got {seconds}",
        )
    )


def wait_start(slot: Slot, seconds: int) -> Send | None:
    """The timer's START, sent at once (the service answers with the timer armed), unless
    the log already has the wait."""
    if slot.existing is not None:
        return None
    return Send(slot.update(OperationAction.START, wait_options=WaitOptions(wait_seconds=seconds)), True)


def wait_answer(current: Operation | None) -> Answer:
    """A fired or cancelled wait returns; any other wait suspends the invocation."""
    if current is not None and current.status in _RESUMED:
        return Success(None)
    return SUSPENDED


def cancel_update(op_id: str, op: Operation | None) -> Result[OperationUpdate | None, DurableError]:
    """Cancel a WAIT of this execution that is still running (``Action: CANCEL``).

    Inferred, not confirmed against the service (docs/protocol.md §5.2): CANCEL on a STARTED
    wait moves it to CANCELLED (history ``WaitCancelled``) and a ``wait`` replaying it
    returns ``Success(None)``. A wait that is already CANCELLED needs nothing (``None``), so
    a replayed ``cancel_wait`` answers what the first run answered. An unknown id, an
    operation that is not a WAIT, or a wait whose timer already fired is refused with
    ``InvalidArgument`` and nothing is checkpointed.
    """
    if op is None:
        return _refuse(f"no operation {op_id!r} in this execution")
    if op.type is not OperationType.WAIT:
        return _refuse(f"operation {op_id!r} is a {op.type.value}, not a WAIT")
    if op.status is OperationStatus.CANCELLED:
        return Success(None)
    if op.status is not OperationStatus.STARTED:
        return _refuse(f"wait {op_id!r} already finished ({op.status.value})")
    return Success(OperationUpdate(id=op.id, type=OperationType.WAIT, action=OperationAction.CANCEL))


def _refuse(message: str) -> Result[OperationUpdate | None, DurableError]:
    return Failure(InvalidArgument.of("InvalidArgument", f"cancel_wait: {message}"))
