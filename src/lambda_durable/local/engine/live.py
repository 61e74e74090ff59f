"""Working state of one running execution, and the staging area of one transition.

``Live`` mirrors what the store holds for an execution plus the indexes the service
needs in O(1) (timers, ready steps, the checkpoint delta); ``Tx`` collects one
transition's changes with their positions and EventIds, to be written in one
transaction and only then merged into ``Live`` (``Tx.merge``): the working-state
effects that have no row (an invocation wanted, an op to report as updated, the
indexes dropped by a terminal status) are staged too, so a write that fails leaves
``Live`` exactly as it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from attrs import define, field

from lambda_durable.local.engine.callbacks import CallbackRecord
from lambda_durable.local.engine.history import History, PendingEvent, ResultDetails
from lambda_durable.local.engine.members import OpTypes, Statuses
from lambda_durable.local.engine.store import ChangeSet, ExecutionRecord, InvocationRecord
from lambda_durable.local.engine.targets import ChainedRecord
from lambda_durable.local.engine.transitions import Completion
from lambda_durable.wire import (
    EventDetails,
    EventType,
    ExecutionStatus,
    Operation,
)


@define
class Live:
    """Working state of one execution; the store holds the durable copy."""

    record: ExecutionRecord
    ops: dict[str, Operation]
    positions: dict[str, int]
    order: list[str]
    events: History
    token_seq: int
    invocation: InvocationRecord | None = None
    dirty: set[str] = field(factory=set)
    updated_ids: dict[str, None] = field(factory=dict)
    timers: dict[str, datetime] = field(factory=dict)
    ready: set[str] = field(factory=set)
    ready_seen: frozenset[str] = frozenset()
    """READY steps the running invocation was handed: if it leaves them alone (a branch that
    lost a race), they are no reason to invoke it again."""
    waiting: set[str] = field(factory=set)
    """Ops the outside world must finish: STARTED callbacks and chained invokes."""
    callbacks: dict[str, CallbackRecord] = field(factory=dict)
    chained: dict[str, ChainedRecord] = field(factory=dict)
    reinvoke: bool = False
    retry_at: datetime | None = None
    completion: Completion | None = None

    @property
    def deadline(self) -> datetime:
        return self.record.start + timedelta(seconds=self.record.timeout_seconds)

    @property
    def running(self) -> bool:
        return self.record.status is ExecutionStatus.RUNNING

    def index(self, op: Operation) -> None:
        """Keep the timer and ready indexes in step with one operation's status."""
        self.timers.pop(op.id, None)
        self.ready.discard(op.id)
        self.waiting.discard(op.id)
        if op.status is Statuses.STARTED and op.type in (OpTypes.CALLBACK, OpTypes.CHAINED_INVOKE):
            self.waiting.add(op.id)
            record = self.callbacks.get(op.id)
            deadline = record.deadline if record is not None else None
            if deadline is not None:
                self.timers[op.id] = deadline
        elif op.type is OpTypes.WAIT and op.status is Statuses.STARTED and op.wait_details:
            end = op.wait_details.scheduled_end_timestamp
            if end is not None:
                self.timers[op.id] = end
        elif op.type is OpTypes.STEP and op.step_details is not None:
            if op.status is Statuses.PENDING and op.step_details.next_attempt_timestamp is not None:
                self.timers[op.id] = op.step_details.next_attempt_timestamp
            elif op.status is Statuses.READY:
                self.ready.add(op.id)


class Tx:
    """Changes of one transition, staged until written; positions/EventIds pre-assigned."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.ops: dict[str, tuple[int, Operation]] = {}
        self.events: list[PendingEvent] = []
        self._next_event_id = len(live.events) + 1
        """The history does not grow while a transition is staged (the service's lock)."""
        self.record: ExecutionRecord | None = None
        self.invocation: InvocationRecord | None = None
        self.token_seq: int | None = None
        self.callbacks: dict[str, CallbackRecord] = {}
        self.chained: dict[str, ChainedRecord] = {}
        self._new_ops = 0
        self.updated_ids: list[str] = []
        """Ops finished without the handler: the next invocation's ``UpdatedOperationIds``."""
        self.reinvoke = False
        """The execution wants another invocation (not before ``retry_at``, if set)."""
        self.retry_at: datetime | None = None
        self.ends_invocation = False
        self.creates = False
        """This transition creates its execution (``Live`` joins the service's once written)."""
        self.ends_execution = False
        """A terminal status: timers, ready steps and wanted invocations are dropped."""

    def op(self, op_id: str) -> Operation | None:
        staged = self.ops.get(op_id)
        return staged[1] if staged is not None else self.live.ops.get(op_id)

    def put(self, op: Operation) -> None:
        staged = self.ops.get(op.id)
        if staged is not None:
            position = staged[0]
        elif op.id in self.live.positions:
            position = self.live.positions[op.id]
        else:
            position = len(self.live.order) + self._new_ops
            self._new_ops += 1
        self.ops[op.id] = (position, op)

    def event(
        self,
        event_type: EventType,
        at: datetime,
        details: EventDetails | ResultDetails,
        op: Operation | None = None,
    ) -> None:
        event_id = self._next_event_id + len(self.events)
        if op is None:  # by position: keywords cost a third more on the checkpoint path
            staged = PendingEvent(event_type, event_id, at, details, None, None, None, None)
        else:
            staged = PendingEvent(event_type, event_id, at, details, op.id, op.name, op.parent_id, op.sub_type)
        self.events.append(staged)

    @property
    def current_record(self) -> ExecutionRecord:
        return self.record if self.record is not None else self.live.record

    @property
    def ends_running(self) -> bool:
        """This transition takes a RUNNING execution to a terminal status."""
        return self.record is not None and self.record.status is not ExecutionStatus.RUNNING and self.live.running

    def merge(self) -> None:
        """Apply the staged changes to ``Live``: only once the store has written them."""
        live = self.live
        live.callbacks.update(self.callbacks)
        live.chained.update(self.chained)
        for op_id in self.callbacks.keys() - self.ops.keys():
            if op_id in live.ops:
                live.index(live.ops[op_id])
        for position, op in self.ops.values():
            if op.id not in live.positions:
                live.positions[op.id] = position
                live.order.append(op.id)
            live.ops[op.id] = op
            live.index(op)
            live.dirty.add(op.id)
        if self.record is not None:
            live.record = self.record
        if self.token_seq is not None:
            live.token_seq = self.token_seq
        live.events.extend(self.events)
        if self.ends_invocation:
            live.invocation = None
        if self.updated_ids:
            live.updated_ids.update(dict.fromkeys(self.updated_ids))
        if self.reinvoke:
            live.reinvoke = True
            if self.retry_at is not None:
                live.retry_at = self.retry_at
        if self.ends_execution:
            live.timers.clear()
            live.ready.clear()
            live.reinvoke = False
            live.retry_at = None
            live.completion = None

    def change_set(self) -> ChangeSet:
        return ChangeSet(
            arn=self.live.record.arn,
            operations=tuple(self.ops.values()),
            events=tuple(self.events),
            execution=self.record,
            invocation=self.invocation,
            token_seq=self.token_seq,
            callbacks=tuple(self.callbacks.values()),
            chained=tuple(self.chained.values()),
        )
