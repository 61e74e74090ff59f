"""The operation log a history stands for: events folded into ``Operation`` records.

The service keeps both; a saved history has only the events. Folding them by
docs/protocol.md §7.3 in EventId order gives the operations a re-invocation would have
received at that point (the state replay starts from).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from attrs import evolve

from lambda_durable.wire import (
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    ErrorObject,
    Event,
    EventType,
    ExecutionDetails,
    Operation,
    OperationStatus,
    OperationType,
    StepDetails,
    WaitDetails,
)

_TYPE_OF = {
    "Execution": OperationType.EXECUTION,
    "Context": OperationType.CONTEXT,
    "Wait": OperationType.WAIT,
    "Step": OperationType.STEP,
    "ChainedInvoke": OperationType.CHAINED_INVOKE,
    "Callback": OperationType.CALLBACK,
}
_STATUS_OF = {
    "Started": OperationStatus.STARTED,
    "Succeeded": OperationStatus.SUCCEEDED,
    "Failed": OperationStatus.FAILED,
    "TimedOut": OperationStatus.TIMED_OUT,
    "Stopped": OperationStatus.STOPPED,
    "Cancelled": OperationStatus.CANCELLED,
}


def split_event_type(event_type: EventType) -> tuple[OperationType, OperationStatus] | None:
    """``StepSucceeded`` -> (STEP, SUCCEEDED); None for ``InvocationCompleted``."""
    for prefix, op_type in _TYPE_OF.items():
        rest = event_type.value.removeprefix(prefix)
        if rest != event_type.value and rest in _STATUS_OF:
            return op_type, _STATUS_OF[rest]
    return None


def operations_from_events(events: Iterable[Event]) -> list[Operation]:
    """Every operation the events mention, in creation order, as the last event left it."""
    ops: dict[str, Operation] = {}
    for event in events:
        kind = split_event_type(event.event_type)
        if kind is None or event.id is None:
            continue
        op_type, status = kind
        before = ops.get(event.id)
        if before is None:
            before = Operation(
                id=event.id,
                type=op_type,
                status=status,
                start_timestamp=event.event_timestamp,
                parent_id=event.parent_id,
                name=event.name,
                sub_type=event.sub_type,
            )
        ops[event.id] = _apply(before, event, status)
    return list(ops.values())


def _apply(op: Operation, event: Event, status: OperationStatus) -> Operation:
    details = event.details
    result = details.result.payload if details.result is not None else None
    error = details.error.payload if details.error is not None else None
    end = event.event_timestamp if status.is_terminal else None
    op = evolve(op, status=status, end_timestamp=end)
    match op.type:
        case OperationType.EXECUTION:
            if status is OperationStatus.STARTED:
                payload = details.input.payload if details.input is not None else None
                return evolve(op, execution_details=ExecutionDetails(input_payload=payload))
            return op
        case OperationType.STEP:
            return _step(op, event, result, error)
        case OperationType.CONTEXT:
            if status is OperationStatus.STARTED:
                return evolve(op, context_details=ContextDetails())
            replay_children = status is OperationStatus.SUCCEEDED and details.result is None
            return evolve(op, context_details=ContextDetails(replay_children or None, result, error))
        case OperationType.WAIT:
            scheduled = details.scheduled_end_timestamp
            if scheduled is None and op.wait_details is not None:
                scheduled = op.wait_details.scheduled_end_timestamp
            return evolve(op, wait_details=WaitDetails(scheduled_end_timestamp=scheduled))
        case OperationType.CALLBACK:
            known = op.callback_details.callback_id if op.callback_details is not None else None
            callback_id = details.callback_id or known or ""
            return evolve(op, callback_details=CallbackDetails(callback_id=callback_id, result=result, error=error))
        case _:
            return evolve(op, chained_invoke_details=ChainedInvokeDetails(result=result, error=error))


def _step(op: Operation, event: Event, result: str | None, error: ErrorObject | None) -> Operation:
    """A step's attempt count, and a retry (``NextAttemptDelaySeconds``) leaves it PENDING."""
    before = op.step_details or StepDetails(attempt=0)
    retry = event.details.retry_details
    if event.event_type is EventType.STEP_STARTED:
        return evolve(op, step_details=before, end_timestamp=None)
    attempt = retry.current_attempt if retry is not None and retry.current_attempt is not None else None
    delay = retry.next_attempt_delay_seconds if retry is not None else None
    next_at: datetime | None = None
    if delay is not None:
        next_at = event.event_timestamp + timedelta(seconds=delay)
        op = evolve(op, status=OperationStatus.PENDING, end_timestamp=None)
    details = StepDetails(
        attempt=attempt if attempt is not None else (before.attempt or 0) + 1,
        next_attempt_timestamp=next_at,
        result=result,
        error=error,
    )
    return evolve(op, step_details=details)
