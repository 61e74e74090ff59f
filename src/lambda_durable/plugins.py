"""Instrumentation plugins: the ``DurablePlugin`` base class and what its hooks receive.

A plugin watches an execution from inside the handler (docs/observability.md): when an
invocation starts and ends, when an operation starts, changes or ends, and around each
run of user code (a step attempt, a condition check, a child context's body). Every hook
receives a frozen value, never the SDK's own state, so a plugin cannot change what the
execution does; a hook that raises is logged and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum

from attrs import frozen

from lambda_durable.wire import ErrorObject, InvocationStatus, OperationStatus, OperationType

__all__ = [
    "DurablePlugin",
    "InvocationInfo",
    "InvocationStatus",
    "OperationChangeInfo",
    "OperationInfo",
    "UserFunctionInfo",
    "UserFunctionOutcome",
]


class UserFunctionOutcome(str, Enum):
    """How one run of user code ended: it returned, or it raised (or returned a failure)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@frozen
class InvocationInfo:
    """One invocation of the handler.

    ``operations_count`` is the operations in the log (at the start: as loaded; at the
    end: as the invocation leaves it); ``updated_operations_count`` how many of them the
    service reports as changed outside the handler since the last invocation (a timer
    that fired, a callback answered). ``status`` and ``error`` are set on the end hook.
    """

    execution_arn: str
    request_id: str | None
    is_first_invocation: bool
    execution_start_time: datetime | None
    operations_count: int
    updated_operations_count: int
    status: InvocationStatus | None = None
    error: ErrorObject | None = None


@frozen
class OperationInfo:
    """One operation as the log (or the update about to be sent) describes it.

    ``is_replayed`` says the operation was already in the log before this moment of this
    invocation: a retry's new start, a pending operation seen again on replay, an
    operation completed outside the handler. ``result`` is the stored payload text,
    ``attempt`` a step's attempt count (on a start: the attempt about to run).
    """

    operation_id: str
    operation_type: OperationType
    sub_type: str | None
    name: str | None
    parent_id: str | None
    status: OperationStatus | None
    start_time: datetime | None
    end_time: datetime | None
    is_replayed: bool
    attempt: int | None = None
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class OperationChangeInfo:
    """A checkpoint answer changed operations: those whose status moved
    (``updated_operations``) and every operation the invocation knows (``operations``)."""

    execution_arn: str
    updated_operations: Mapping[str, OperationInfo]
    operations: Mapping[str, OperationInfo]


@frozen
class UserFunctionInfo:
    """One run of user code inside an operation.

    ``attempt`` is the step attempt or condition check number; for a context body, 1 on
    its first run and None when the context was already in the log (resumed after a
    suspension, or rebuilt: ``is_replay_children``). ``outcome`` and ``error`` are set on
    the end hook, which does not fire when the body suspends.
    """

    operation_id: str
    operation_type: OperationType
    sub_type: str | None
    name: str | None
    parent_id: str | None
    start_time: datetime
    attempt: int | None
    is_replayed: bool
    is_replay_children: bool
    end_time: datetime | None = None
    outcome: UserFunctionOutcome | None = None
    error: ErrorObject | None = None


class DurablePlugin:
    """Subclass and override the hooks you need; each one does nothing by default.

    Hooks run synchronously on the thread that causes them (invocation hooks on the
    handler's, operation and user-function hooks on the thread running the operation,
    change and end hooks on the thread whose checkpoint call got the answer), plugins in
    registration order. An exception from a hook is logged and never reaches the
    execution or another plugin.
    """

    def on_invocation_start(self, info: InvocationInfo) -> None:
        """After the log is loaded, before the workflow function runs."""

    def on_invocation_end(self, info: InvocationInfo) -> None:
        """Once the invocation's output is known (PENDING when it suspends)."""

    def on_operation_start(self, info: OperationInfo) -> None:
        """Before an operation's START is checkpointed; on replay, once for each
        operation still waiting (``is_replayed``)."""

    def on_operation_end(self, info: OperationInfo) -> None:
        """When an operation reaches a terminal status (in a checkpoint answer, or
        outside the handler since the last invocation)."""

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        """After a checkpoint answer in which some operation's status changed."""

    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        """Before user code runs inside an operation."""

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        """After that user code returned or raised (not when it suspended)."""
