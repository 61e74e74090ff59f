"""Frozen attrs models of every shape the durable-execution APIs exchange.

Field names are the snake_case form of the wire's PascalCase keys; the wire
converter (``converter.py``) does the renaming and the key-omission rules.
Optional members default to ``None`` and are omitted from the JSON when ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from attrs import field, frozen

from lambda_durable.wire.enums import (
    EventType,
    InvocationStatus,
    OperationAction,
    OperationStatus,
    OperationType,
)


def _tuple_of_str(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@frozen
class ErrorObject:
    """The service's error shape; every member is optional."""

    error_type: str | None = None
    error_message: str | None = None
    error_data: str | None = None
    stack_trace: tuple[str, ...] | None = field(default=None, converter=_tuple_of_str)


# --- Operation (read side) -------------------------------------------------


@frozen
class ExecutionDetails:
    input_payload: str | None = None


@frozen
class ContextDetails:
    replay_children: bool | None = None
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class StepDetails:
    attempt: int | None = None
    next_attempt_timestamp: datetime | None = None
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class WaitDetails:
    scheduled_end_timestamp: datetime | None = None


@frozen
class CallbackDetails:
    callback_id: str
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class ChainedInvokeDetails:
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class Operation:
    """One checkpointed operation as the service reports it."""

    id: str
    type: OperationType
    status: OperationStatus
    start_timestamp: datetime
    parent_id: str | None = None
    name: str | None = None
    sub_type: str | None = None
    end_timestamp: datetime | None = None
    execution_details: ExecutionDetails | None = None
    context_details: ContextDetails | None = None
    step_details: StepDetails | None = None
    wait_details: WaitDetails | None = None
    callback_details: CallbackDetails | None = None
    chained_invoke_details: ChainedInvokeDetails | None = None


# --- OperationUpdate (write side) -------------------------------------------


# Every member of an options block is optional in the service model: an omitted one
# means what the service does without it (ReplayChildren false, no callback timer, and
# for a RETRY delay or a WaitSeconds, a refused update), decided in the engine, not here.


@frozen
class ContextOptions:
    replay_children: bool | None = None


@frozen
class StepOptions:
    next_attempt_delay_seconds: int | None = None


@frozen
class WaitOptions:
    wait_seconds: int | None = None


@frozen
class CallbackOptions:
    timeout_seconds: int | None = None
    heartbeat_timeout_seconds: int | None = None


@frozen
class ChainedInvokeOptions:
    function_name: str
    tenant_id: str | None = None


@frozen
class OperationUpdate:
    """One element of ``CheckpointDurableExecution.Updates``."""

    id: str
    type: OperationType
    action: OperationAction
    parent_id: str | None = None
    name: str | None = None
    sub_type: str | None = None
    payload: str | None = None
    error: ErrorObject | None = None
    context_options: ContextOptions | None = None
    step_options: StepOptions | None = None
    wait_options: WaitOptions | None = None
    callback_options: CallbackOptions | None = None
    chained_invoke_options: ChainedInvokeOptions | None = None


# --- Invocation contract ----------------------------------------------------


def _operations(value: Iterable[Operation]) -> tuple[Operation, ...]:
    """A typed ``tuple`` converter: ``converter=tuple`` leaves mypy an unsolvable TypeVar."""
    return tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class ExecutionStatePage:
    """``InitialExecutionState`` / ``NewExecutionState`` / a state page."""

    operations: tuple[Operation, ...] = field(factory=tuple, converter=_operations)
    next_marker: str | None = None


@frozen
class InvocationInput:
    """The event the service hands to a durable handler."""

    durable_execution_arn: str
    checkpoint_token: str
    initial_execution_state: ExecutionStatePage = field(factory=ExecutionStatePage)
    updated_operation_ids: tuple[str, ...] = field(factory=tuple, converter=_strings)


@frozen
class InvocationOutput:
    """What a durable handler returns to the service."""

    status: InvocationStatus
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class CheckpointOutput:
    """Response of ``CheckpointDurableExecution``; no token once the execution ended."""

    new_execution_state: ExecutionStatePage
    checkpoint_token: str | None = None


# --- History ------------------------------------------------------------------


@frozen
class EventInput:
    payload: str | None = None
    truncated: bool = False


@frozen
class EventResult:
    payload: str | None = None
    truncated: bool = False


@frozen
class EventError:
    payload: ErrorObject | None = None
    truncated: bool = False


@frozen
class RetryDetails:
    current_attempt: int | None = None
    next_attempt_delay_seconds: int | None = None


@frozen
class EventDetails:
    """The union of every ``<EventType>Details`` member; unused members stay ``None``.

    The wire nests it under a key named after the event type; one flat shape keeps the
    service code simple while the converter still writes exactly the modelled keys.
    """

    input: EventInput | None = None
    execution_timeout: int | None = None
    result: EventResult | None = None
    error: EventError | None = None
    duration: int | None = None
    scheduled_end_timestamp: datetime | None = None
    retry_details: RetryDetails | None = None
    function_name: str | None = None
    tenant_id: str | None = None
    executed_version: str | None = None
    durable_execution_arn: str | None = None
    callback_id: str | None = None
    timeout: int | None = None
    heartbeat_timeout: int | None = None
    start_timestamp: datetime | None = None
    end_timestamp: datetime | None = None
    request_id: str | None = None


@frozen
class Event:
    """One history event. ``details`` is written under ``<EventType>Details``."""

    event_type: EventType
    event_id: int
    event_timestamp: datetime
    details: EventDetails = field(factory=EventDetails)
    id: str | None = None
    name: str | None = None
    parent_id: str | None = None
    sub_type: str | None = None
