"""What one accepted ``OperationUpdate`` does to an operation (docs/protocol.md §7.2-§7.3).

Pure functions: (update, the operation as it stands, now) -> the new operation and the
event to append, or the exact rejection message (a plain ``str``: every checkpointed
update passes through here, and a ``Result`` around each answer cost more than the rules'
own checks; ``plan_batch`` gives the batch's verdict as a ``Result``). One rule per
operation type, looked up in ``RULES``. The one impurity is the fresh CallbackId a
CALLBACK START draws; the service adds what needs its state (a chained invoke's child
ARN, the callback timers). Async completions (callback answers and timeouts, a chained
target ending) are pure functions of the operation too (``complete_callback``,
``complete_chained``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from attrs import frozen

from lambda_durable.local.engine.callbacks import LONGEST_SECONDS, new_callback_id
from lambda_durable.local.engine.history import ResultDetails
from lambda_durable.local.engine.members import Actions, OpTypes, Statuses
from lambda_durable.wire import (
    API_JSON,
    CallbackDetails,
    ChainedInvokeDetails,
    ContextDetails,
    ErrorObject,
    EventDetails,
    EventError,
    EventInput,
    EventResult,
    EventType,
    ExecutionStatus,
    Operation,
    OperationStatus,
    OperationType,
    OperationUpdate,
    RetryDetails,
    StepDetails,
    WaitDetails,
)

MAX_ERROR_BYTES = 32768


@frozen
class Completion:
    """An execution outcome carried by an EXECUTION update (authoritative large payload)."""

    status: ExecutionStatus
    result: str | None = None
    error: ErrorObject | None = None


NO_DETAILS = EventDetails()
"""The empty details block of most start events: frozen, so one instance serves all."""

FRESH_STEP = StepDetails(0)
"""The details of a step started for the first time, shared like ``NO_DETAILS``."""

FRESH_CONTEXT = ContextDetails()
"""The details of a started context, shared likewise."""


class Transition(NamedTuple):
    """The effect of one update: a new operation state and its event, or a completion.
    A named tuple: one is built per checkpointed update, at a third of an attrs class's cost."""

    op: Operation | None
    event_type: EventType | None
    details: EventDetails | ResultDetails = NO_DETAILS
    completion: Completion | None = None


Rejection = str
"""The exact message a rejected update gets (docs/protocol.md §7.2)."""

Rule = Callable[[OperationUpdate, Operation | None, datetime], Transition | Rejection]


def _new(
    update: OperationUpdate,
    now: datetime,
    *,
    context: ContextDetails | None = None,
    step: StepDetails | None = None,
    wait: WaitDetails | None = None,
    callback: CallbackDetails | None = None,
    chained: ChainedInvokeDetails | None = None,
) -> Operation:
    """The STARTED operation an update creates. Built by position, as ``_moved``: keyword
    arguments cost half as much again on the checkpoint path; ``test_local_field_order``
    fails if the fields move."""
    return Operation(
        update.id, update.type, Statuses.STARTED, now, update.parent_id, update.name, update.sub_type, None, None,
        context, step, wait, callback, chained,
    )  # fmt: skip


def _moved(
    cur: Operation,
    status: OperationStatus,
    end: datetime | None = None,
    *,
    context: ContextDetails | None = None,
    step: StepDetails | None = None,
    wait: WaitDetails | None = None,
    callback: CallbackDetails | None = None,
    chained: ChainedInvokeDetails | None = None,
) -> Operation:
    """``attrs.evolve(cur, ...)`` as one constructor call (evolve costs several times more
    on the checkpoint path); None keeps a field as it is."""
    return Operation(
        cur.id, cur.type, status, cur.start_timestamp, cur.parent_id, cur.name, cur.sub_type,
        cur.end_timestamp if end is None else end,
        cur.execution_details,
        cur.context_details if context is None else context,
        cur.step_details if step is None else step,
        cur.wait_details if wait is None else wait,
        cur.callback_details if callback is None else callback,
        cur.chained_invoke_details if chained is None else chained,
    )  # fmt: skip


def _result(payload: str | None) -> EventResult:
    return EventResult(payload=payload, truncated=False)


def _error(error: ErrorObject | None) -> EventError:
    return EventError(payload=error, truncated=False)


@lru_cache(maxsize=64)
def _attempts(attempt: int) -> RetryDetails:
    """``RetryDetails(current_attempt=n)``, shared: nearly every failing step event has n = 1."""
    return RetryDetails(current_attempt=attempt)


def _payload_rules(update: OperationUpdate) -> str | None:
    if update.action is Actions.FAIL and update.payload is not None:
        return "Cannot provide a Payload for FAIL action."
    if update.action is Actions.SUCCEED and update.error is not None:
        return "Cannot provide an Error for SUCCEED action."
    return None


# --- STEP ----------------------------------------------------------------------


def _step(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    action = update.action
    if action not in (Actions.START, Actions.SUCCEED, Actions.FAIL, Actions.RETRY):
        return "Invalid action for the given operation type."
    status = cur.status if cur is not None else None
    if cur is not None:
        if action is Actions.START and status is not Statuses.READY:
            return "Invalid current STEP state to start."
        if action in (Actions.SUCCEED, Actions.FAIL) and status not in (Statuses.STARTED, Statuses.READY):
            return "Invalid current STEP state to close."
        if action is Actions.RETRY and status not in (Statuses.STARTED, Statuses.READY):
            return "Invalid current STEP state to re-attempt."
    problem = _payload_rules(update)
    if problem is not None:
        return problem
    details = cur.step_details if cur is not None else None
    attempt = (details.attempt if details is not None else None) or 0
    if action is Actions.START:
        kept = StepDetails(attempt, None, details.result, details.error) if details is not None else FRESH_STEP
        op = _new(update, now, step=kept) if cur is None else _moved(cur, Statuses.STARTED, step=kept)
        return Transition(op, EventType.STEP_STARTED)
    base = cur if cur is not None else _new(update, now)
    attempt += 1
    if action is Actions.RETRY:
        delay = update.step_options.next_attempt_delay_seconds if update.step_options is not None else None
        if delay is None or not 1 <= delay <= LONGEST_SECONDS:
            return "Invalid StepOptions for the given action."
        if update.error is not None and update.payload is not None:
            return "Cannot provide both error and payload to RETRY a STEP."
        next_attempt = now + timedelta(seconds=delay)
        op = _moved(base, Statuses.PENDING, step=StepDetails(attempt, next_attempt, update.payload, update.error))
        retry = RetryDetails(current_attempt=attempt, next_attempt_delay_seconds=delay)
        if update.payload is not None:
            return Transition(
                op, EventType.STEP_SUCCEEDED, EventDetails(result=_result(update.payload), retry_details=retry)
            )
        return Transition(op, EventType.STEP_FAILED, EventDetails(error=_error(update.error), retry_details=retry))
    if action is Actions.SUCCEED:
        op = _moved(base, Statuses.SUCCEEDED, now, step=StepDetails(attempt, result=update.payload))
        return Transition(op, EventType.STEP_SUCCEEDED, ResultDetails(update.payload, attempt))
    retry = _attempts(attempt)
    op = _moved(base, Statuses.FAILED, now, step=StepDetails(attempt, error=update.error))
    return Transition(op, EventType.STEP_FAILED, EventDetails(error=_error(update.error), retry_details=retry))


# --- CONTEXT -------------------------------------------------------------------


def _context(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    action = update.action
    if action not in (Actions.START, Actions.SUCCEED, Actions.FAIL):
        return "Invalid action for the given operation type."
    if action is Actions.START:
        if cur is not None:
            return "Cannot start a CONTEXT that already exist."
        op = _new(update, now, context=FRESH_CONTEXT)
        return Transition(op, EventType.CONTEXT_STARTED)
    if cur is not None and cur.status is not Statuses.STARTED:
        return "Invalid current CONTEXT state to close."
    problem = _payload_rules(update)
    if problem is not None:
        return problem
    base = cur if cur is not None else _new(update, now)
    if action is Actions.SUCCEED:
        replay = update.context_options is not None and update.context_options.replay_children is True
        op = _moved(base, Statuses.SUCCEEDED, now, context=ContextDetails(replay, update.payload))
        return Transition(op, EventType.CONTEXT_SUCCEEDED, ResultDetails(update.payload, None))
    op = _moved(base, Statuses.FAILED, now, context=ContextDetails(replay_children=False, error=update.error))
    return Transition(op, EventType.CONTEXT_FAILED, EventDetails(error=_error(update.error)))


# --- WAIT ----------------------------------------------------------------------


def _wait(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    action = update.action
    if action is Actions.START:
        if cur is not None:
            return "Cannot start a WAIT that already exist."
        seconds = update.wait_options.wait_seconds if update.wait_options is not None else None
        if seconds is None or not 1 <= seconds <= LONGEST_SECONDS:
            return "Invalid WaitOptions for the given action."
        end = now + timedelta(seconds=seconds)
        op = _new(update, now, wait=WaitDetails(scheduled_end_timestamp=end))
        return Transition(op, EventType.WAIT_STARTED, EventDetails(duration=seconds, scheduled_end_timestamp=end))
    if action is Actions.CANCEL:
        if cur is None or cur.status is not Statuses.STARTED:
            return "Cannot cancel a WAIT that does not exist or has already completed."
        op = _moved(cur, Statuses.CANCELLED, now)
        details = EventDetails(error=_error(update.error)) if update.error is not None else EventDetails()
        return Transition(op, EventType.WAIT_CANCELLED, details)
    return "Invalid action for the given operation type."


def wait_seconds(op: Operation) -> int:
    """The ``WaitSeconds`` a wait was started with (its scheduled end minus its start)."""
    details = op.wait_details
    if details is None or details.scheduled_end_timestamp is None:
        return 0
    return round((details.scheduled_end_timestamp - op.start_timestamp).total_seconds())


# --- EXECUTION -----------------------------------------------------------------


def _execution(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    if update.action not in (Actions.SUCCEED, Actions.FAIL):
        return "Invalid action for the given operation type."
    problem = _payload_rules(update)
    if problem is not None:
        return problem
    if update.action is Actions.SUCCEED:
        return Transition(None, None, completion=Completion(ExecutionStatus.SUCCEEDED, result=update.payload))
    return Transition(None, None, completion=Completion(ExecutionStatus.FAILED, error=update.error))


# --- CALLBACK ------------------------------------------------------------------


def _callback(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    if update.action is not Actions.START:
        return "Invalid action for the given operation type."
    if cur is not None:
        return "Cannot start a CALLBACK that already exist."
    timeout, heartbeat = callback_timing(update)
    if timeout < 0 or heartbeat < 0:
        return "Invalid CallbackOptions for the given action."
    callback_id = new_callback_id()
    op = _new(update, now, callback=CallbackDetails(callback_id=callback_id))
    details = EventDetails(
        callback_id=callback_id,
        timeout=timeout if timeout > 0 else None,
        heartbeat_timeout=heartbeat if heartbeat > 0 else None,
    )
    return Transition(op, EventType.CALLBACK_STARTED, details)


def callback_timing(update: OperationUpdate) -> tuple[int, int]:
    """(TimeoutSeconds, HeartbeatTimeoutSeconds) of a CALLBACK START; 0 = no timer."""
    options = update.callback_options
    if options is None:
        return 0, 0
    return options.timeout_seconds or 0, options.heartbeat_timeout_seconds or 0


def complete_callback(
    cur: Operation,
    status: OperationStatus,
    now: datetime,
    *,
    result: str | None = None,
    error: ErrorObject | None = None,
) -> Transition:
    """An external answer (SUCCEEDED/FAILED) or a timer (TIMED_OUT) closes the callback."""
    callback_id = cur.callback_details.callback_id if cur.callback_details is not None else ""
    details = CallbackDetails(callback_id=callback_id, result=result, error=error)
    op = _moved(cur, status, now, callback=details)
    if status is Statuses.SUCCEEDED:
        return Transition(op, EventType.CALLBACK_SUCCEEDED, ResultDetails(result, None))
    event = EventType.CALLBACK_FAILED if status is Statuses.FAILED else EventType.CALLBACK_TIMED_OUT
    return Transition(op, event, EventDetails(error=_error(error)))


# --- CHAINED_INVOKE -------------------------------------------------------------

EXECUTED_VERSION = "$LATEST"


def _chained(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    action = update.action
    if action is Actions.START:
        if cur is not None:
            return "Cannot start an INVOKE that already exist."
        options = update.chained_invoke_options
        if options is None or not options.function_name:
            return "Invalid ChainedInvokeOptions for the given action."
        op = _new(update, now, chained=ChainedInvokeDetails())
        details = EventDetails(
            function_name=options.function_name,
            tenant_id=options.tenant_id,
            input=EventInput(payload=update.payload, truncated=False),
            executed_version=EXECUTED_VERSION,
        )
        return Transition(op, EventType.CHAINED_INVOKE_STARTED, details)
    if action is Actions.CANCEL:
        if cur is None or cur.status is not Statuses.STARTED:
            return "Cannot cancel an INVOKE that does not exist or has already completed."
        return complete_chained(cur, Statuses.STOPPED, now, error=update.error)
    return "Invalid action for the given operation type."


_CHAINED_EVENTS = {
    Statuses.SUCCEEDED: EventType.CHAINED_INVOKE_SUCCEEDED,
    Statuses.FAILED: EventType.CHAINED_INVOKE_FAILED,
    Statuses.TIMED_OUT: EventType.CHAINED_INVOKE_TIMED_OUT,
    Statuses.STOPPED: EventType.CHAINED_INVOKE_STOPPED,
}


def complete_chained(
    cur: Operation,
    status: OperationStatus,
    now: datetime,
    *,
    result: str | None = None,
    error: ErrorObject | None = None,
) -> Transition:
    """The target ended (or the invoke was cancelled): the op takes the target's outcome."""
    details = ChainedInvokeDetails(result=result, error=error)
    op = _moved(cur, status, now, chained=details)
    if status is Statuses.SUCCEEDED:
        return Transition(op, EventType.CHAINED_INVOKE_SUCCEEDED, ResultDetails(result, None))
    return Transition(op, _CHAINED_EVENTS[status], EventDetails(error=_error(error)))


RULES: Mapping[OperationType, Rule] = {
    OperationType.STEP: _step,
    OperationType.CONTEXT: _context,
    OperationType.WAIT: _wait,
    OperationType.EXECUTION: _execution,
    OperationType.CALLBACK: _callback,
    OperationType.CHAINED_INVOKE: _chained,
}


def _consistency(update: OperationUpdate, cur: Operation) -> str | None:
    if update.type is not cur.type:
        return "Inconsistent operation type."
    if update.sub_type is not None and update.sub_type != cur.sub_type:
        return "Inconsistent operation subtype."
    if update.name is not None and update.name != cur.name:
        return "Inconsistent operation name."
    if update.parent_id is not None and update.parent_id != cur.parent_id:
        return "Inconsistent parent operation id."
    return None


def apply_update(update: OperationUpdate, cur: Operation | None, now: datetime) -> Transition | Rejection:
    """Check one update against the operation's current state and compute its effect."""
    if cur is not None and update.type is not OpTypes.EXECUTION:
        problem = _consistency(update, cur)
        if problem is not None:
            return problem
    if update.error is not None:
        size = len(json.dumps(API_JSON.encode(update.error)).encode())
        if size > MAX_ERROR_BYTES:
            return "Error object size must be less than 32768 bytes."
    rule = RULES.get(update.type)
    if rule is None:
        return "Unknown operation type."
    return rule(update, cur, now)
