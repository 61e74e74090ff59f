"""Replay a saved history against the current code, with no side effects.

The history's events are folded back into the operation log (``rebuild``) and the
handler runs once against it, as a re-invocation would, with a client that accepts no
checkpoint: the first new operation (or a new attempt of a recorded one) ends the run
before its body runs, and a step the history shows in flight is treated as pending.
What the code claims is compared with the log by the SDK's own replay check (type,
subtype, name, parent); the replay also looks for recorded operations the code no
longer reaches, and for new operations after a recorded end of the execution.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from attrs import evolve, frozen
from returns.result import Failure, Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.handler import DurableHandler
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.testing.history_doc import events_of
from lambda_durable.testing.rebuild import operations_from_events, split_event_type
from lambda_durable.wire import (
    CheckpointOutput,
    ErrorObject,
    Event,
    ExecutionStatePage,
    InvocationOutput,
    InvocationStatus,
    Operation,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

_LOGGER = logging.getLogger("lambda_durable.replay")
_STOPPED = ServiceError("ReplayStopped", "a replay records no new checkpoint", 400)


@frozen
class OperationIdentity:
    """The fields a replay must reproduce for an operation id (docs/protocol.md §3.4)."""

    type: OperationType
    sub_type: str | None
    name: str | None
    parent_id: str | None

    @classmethod
    def of(cls, op: Operation | OperationUpdate) -> OperationIdentity:
        return cls(op.type, op.sub_type or None, op.name or None, op.parent_id or None)

    def __str__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        parent = f"under {self.parent_id[:12]}" if self.parent_id else "at the root"
        return f"{self.type.value}/{self.sub_type or '-'}{name} {parent}"


@frozen
class ReplayDivergence:
    """Where the code first disagrees with the history.

    ``recorded`` is None for an operation the history never had (the code goes on after
    the recorded end of the execution); ``produced`` is None for a recorded operation the
    code no longer reaches, or when the code's own operation could not be observed."""

    operation_id: str
    recorded: OperationIdentity | None
    produced: OperationIdentity | None
    message: str

    def __str__(self) -> str:
        return f"operation {self.operation_id}: {self.message}"


class ReplayEnd(str, Enum):
    """How the replayed invocation ended."""

    COMPLETED = "COMPLETED"
    """The handler returned: the execution's outcome follows from the history alone."""
    SUSPENDED = "SUSPENDED"
    """It waits on an operation the history shows open (a wait, callback, invoke, retry)."""
    CONTINUES = "CONTINUES"
    """Its next operation is one the history does not have yet (an execution in flight)."""


@frozen
class ReplayReport:
    """A clean replay: every recorded operation reproduced."""

    end: ReplayEnd
    operations: int
    """Recorded operations (the execution itself excluded) the replay went through."""
    status: InvocationStatus
    """What the replayed invocation answered (PENDING unless ``end`` is COMPLETED)."""
    next_operation: OperationIdentity | None = None
    """With CONTINUES: the first operation past the history."""


def replay(
    handler: DurableHandler[Any, Any], history: Mapping[str, Any] | Iterable[Event]
) -> Result[ReplayReport, ReplayDivergence]:
    """Replay ``history`` (a GetDurableExecutionHistory document, or its events) against
    ``handler``; raises ``InvalidHistory`` for a document that is not a whole history."""
    if not isinstance(handler, DurableHandler):
        raise TypeError(f"replay needs a @durable_handler, not {type(handler).__name__}")
    events = events_of(history)
    ops = [_paused(op) for op in operations_from_events(events)]
    recorded = {op.id: op for op in ops}
    run = _Run(handler, ops)
    if run.state.diverged_at is not None:
        return Failure(_divergence(handler, ops, run.state.diverged_at, run.state.poisoned))
    new = next((u for u in run.client.updates if u.type is not OperationType.EXECUTION), None)
    ended = _execution_end(events)
    if new is not None and new.id not in recorded and ended is not None:
        message = f"new {OperationIdentity.of(new)}, but the recorded execution had ended ({ended})"
        return Failure(ReplayDivergence(new.id, None, OperationIdentity.of(new), message))
    if new is None:
        missed = _unreached(ops, run.state.claimed)
        if missed is not None:
            identity = OperationIdentity.of(missed)
            message = f"the code no longer reaches the recorded {identity}"
            return Failure(ReplayDivergence(missed.id, identity, None, message))
    reached = sum(1 for op in ops if op.id in run.state.claimed)
    if new is not None:
        return Success(ReplayReport(ReplayEnd.CONTINUES, reached, InvocationStatus.PENDING, OperationIdentity.of(new)))
    end = ReplayEnd.SUSPENDED if run.output.status is InvocationStatus.PENDING else ReplayEnd.COMPLETED
    return Success(ReplayReport(end, reached, run.output.status))


class _ReplayClient:
    """Takes note of what the code would checkpoint and accepts none of it."""

    def __init__(self) -> None:
        self.updates: list[OperationUpdate] = []
        self._lock = threading.Lock()

    def checkpoint(
        self, durable_execution_arn: str, checkpoint_token: str, updates: Sequence[OperationUpdate]
    ) -> Result[CheckpointOutput, ServiceError]:
        with self._lock:
            self.updates.extend(updates)
        return Failure(_STOPPED)

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Result[ExecutionStatePage, ServiceError]:
        return Failure(_STOPPED)


class _ObservedState(ExecutionState):
    """The SDK's state, noting every id an operation call claims and which claim the
    SDK's replay check rejected first."""

    def __init__(self, arn: str, client: _ReplayClient, ops: list[Operation], handler: DurableHandler[Any, Any]):
        self.claimed: set[str] = set()
        self.diverged_at: str | None = None
        self._last = threading.local()
        self._poisoned: ErrorObject | None = None
        super().__init__(
            arn=arn, token="replay", client=client, operations=ops, converter=handler.converter, logger=_LOGGER
        )
        # every body first flushes what is queued, so the client stops it before it runs
        self.checkpointer = Checkpointer(client, arn, "replay", self.merge, max_delay=-1.0)

    def claim(self, op_id: str) -> Operation | None:
        self.claimed.add(op_id)
        self._last.op_id = op_id
        return super().claim(op_id)

    @property
    def poisoned(self) -> ErrorObject | None:
        return self._poisoned

    @poisoned.setter
    def poisoned(self, error: ErrorObject | None) -> None:
        if error is not None and self.diverged_at is None:
            self.diverged_at = getattr(self._last, "op_id", None)
        self._poisoned = error


class _Run:
    """One replayed invocation of ``handler`` over ``ops``."""

    def __init__(self, handler: DurableHandler[Any, Any], ops: list[Operation]) -> None:
        execution = next((op for op in ops if op.type is OperationType.EXECUTION), None)
        execution_id = execution.id if execution is not None else "replay"
        arn = f"arn:aws:lambda:us-east-1:000000000000:function:replay:$LATEST/durable-execution/replay/{execution_id}"
        self.client = _ReplayClient()
        self.state = _ObservedState(arn, self.client, ops, handler)
        self.output: InvocationOutput = handler._invoke(self.state)


def _paused(op: Operation) -> Operation:
    """A step the history shows running would run its body again: replay it as pending."""
    if op.type is OperationType.STEP and op.status is OperationStatus.STARTED:
        return evolve(op, status=OperationStatus.PENDING)
    return op


def _divergence(
    handler: DurableHandler[Any, Any], ops: list[Operation], op_id: str, error: ErrorObject | None
) -> ReplayDivergence:
    """The recorded operation at ``op_id`` and, from a second run without it (and what it
    contains), the operation the code makes there instead."""
    recorded = next(op for op in ops if op.id == op_id)
    removed = _subtree(ops, op_id)
    again = _Run(handler, [op for op in ops if op.id not in removed])
    made = next((u for u in again.client.updates if u.id == op_id), None)
    produced = OperationIdentity.of(made) if made is not None else None
    what = f"now {produced}" if produced is not None else (error.error_message if error else "diverges")
    message = f"recorded {OperationIdentity.of(recorded)}, {what}"
    return ReplayDivergence(op_id, OperationIdentity.of(recorded), produced, message)


def _subtree(ops: list[Operation], root: str) -> set[str]:
    found = {root}
    for op in ops:  # creation order: a parent comes before what it contains
        if op.parent_id in found:
            found.add(op.id)
    return found


def _unreached(ops: list[Operation], claimed: set[str]) -> Operation | None:
    """The first recorded operation the code did not claim, where it had to: an
    operation inside a finished context whose body replay skips was not needed."""
    by_id = {op.id: op for op in ops}
    covered: set[str] = set()
    for op in ops:
        parent = by_id.get(op.parent_id) if op.parent_id else None
        skipped_body = parent is not None and parent.id in covered and _body_skipped(parent)
        if op.type is not OperationType.EXECUTION and op.id not in claimed and not skipped_body:
            return op  # its parent, earlier in creation order, was covered
        covered.add(op.id)
    return None


def _body_skipped(context: Operation) -> bool:
    replays_children = context.context_details is not None and bool(context.context_details.replay_children)
    return context.status.is_terminal and not replays_children


def _execution_end(events: Sequence[Event]) -> str | None:
    for event in events:
        kind = split_event_type(event.event_type)
        if kind is not None and kind[0] is OperationType.EXECUTION and kind[1].is_terminal:
            return event.event_type.value
    return None
