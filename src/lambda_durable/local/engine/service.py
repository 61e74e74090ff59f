"""The durable-execution service state machine (docs/protocol.md §6-§8), over the store.

All calls are serialised by one lock. Each transition is computed first, written to the
store in one transaction, and only then merged into the in-memory view of the live
execution (operations by id, timers, the checkpoint delta), so per-update work stays
proportional to the update and a rejected or failed write changes nothing: every
``_commit`` is checked, and a failed one reaches the caller as its ``ServiceError``
(``ServiceException``, 500). A transition that ends a chained invoke's child execution
writes the parent's invoke completion in the same transaction, so the two never disagree.
Errors are returned as ``ServiceError`` values, never raised. What reaches an execution
from outside its handler (callback APIs, chained invokes) is the ``ExternalOps`` mixin.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections import deque
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta

import attrs
from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.local.engine import codec
from lambda_durable.local.engine.batch import plan_batch
from lambda_durable.local.engine.callbacks import LONGEST_SECONDS
from lambda_durable.local.engine.clock import Clock, family_clock
from lambda_durable.local.engine.external import ExternalOps
from lambda_durable.local.engine.history import History
from lambda_durable.local.engine.live import Live, Tx
from lambda_durable.local.engine.service_errors import bad_token, invalid, not_found
from lambda_durable.local.engine.store import ExecutionRecord, InvocationRecord, Store
from lambda_durable.local.engine.targets import Resolver
from lambda_durable.local.engine.tokens import (
    TokenClaims,
    decode_marker,
    decode_token,
    encode_marker,
    encode_token,
    execution_arn,
)
from lambda_durable.local.engine.transitions import Completion, complete_callback, wait_seconds
from lambda_durable.wire import (
    CheckpointOutput,
    ErrorObject,
    Event,
    EventDetails,
    EventError,
    EventInput,
    EventResult,
    EventType,
    ExecutionDetails,
    ExecutionStatePage,
    ExecutionStatus,
    InvocationInput,
    InvocationOutput,
    InvocationStatus,
    Operation,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

DEFAULT_EXECUTION_TIMEOUT = LONGEST_SECONDS
"""Seconds of modelled time: the service maximum (366 days), so day-long waits run on the
skipping clock; an execution that can never progress reaches it instantly there."""
INVOCATION_RETRY_DELAY = timedelta(seconds=5)
MAX_FAILED_INVOCATIONS = 5
DEFAULT_PAGE_BYTES = 5 * 1024 * 1024
DEFAULT_STATE_ITEMS = 100
MAX_STATE_ITEMS = 1000
KEEP_FINISHED = 16
_OUTSIDE = frozenset({OperationType.CALLBACK, OperationType.CHAINED_INVOKE})
"""Types whose accepted updates the service completes (``_service_side``); the rest are
staged as the rules planned them."""
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_FUNCTION = re.compile(r"[a-zA-Z0-9_-]{1,64}")

_TERMINAL_EVENT = {
    ExecutionStatus.SUCCEEDED: EventType.EXECUTION_SUCCEEDED,
    ExecutionStatus.FAILED: EventType.EXECUTION_FAILED,
    ExecutionStatus.TIMED_OUT: EventType.EXECUTION_TIMED_OUT,
    ExecutionStatus.STOPPED: EventType.EXECUTION_STOPPED,
}

EventListener = Callable[[str, Event], None]


STOPPED_BY_USER = ErrorObject(error_message="Execution stopped by user request")


@frozen
class InvocationTicket:
    """What an invoker needs to run one handler invocation."""

    arn: str
    function_name: str
    number: int
    request_id: str
    event: InvocationInput


class LocalService(ExternalOps):
    """The service: start, invoke bookkeeping, checkpoint, state, timers, history; the
    callback APIs and chained invokes come from ``ExternalOps``."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        execution_timeout: int = DEFAULT_EXECUTION_TIMEOUT,
        page_bytes: int = DEFAULT_PAGE_BYTES,
        resolver: Resolver | None = None,
    ) -> None:
        self.resolver: Resolver = resolver if resolver is not None else (lambda _name: None)
        """Chained-invoke target lookup; the backend installs its function registry."""
        self.store = store
        self.clock = clock
        self.execution_timeout = execution_timeout
        self.page_bytes = page_bytes
        self._lock = threading.RLock()
        self._live: dict[str, Live] = {}
        self._finished: deque[str] = deque()
        self._listeners: list[tuple[EventListener, frozenset[EventType] | None]] = []
        self._listeners_of: dict[EventType, tuple[EventListener, ...]] = {}
        """Per event type, the listeners that want it, in registration order: most events
        of a run have none, and finding that out must cost one dictionary lookup."""
        self._roots: dict[str, str] = {}
        """Execution ARN -> its family's root ARN (``family_root``), as learnt."""

    def add_listener(self, listener: EventListener, kinds: Collection[EventType] | None = None) -> None:
        """Call ``listener(arn, event)`` for each event appended (only those of ``kinds``)."""
        with self._lock:
            self._listeners.append((listener, None if kinds is None else frozenset(kinds)))
            self._listeners_of = {
                kind: tuple(each for each, wanted in self._listeners if wanted is None or kind in wanted)
                for kind in EventType
            }

    def close(self) -> None:
        """Drop the working state and the listeners (the backend is closing): a listener
        that points back at its backend would otherwise keep every execution's state
        alive until the garbage collector's next full pass."""
        with self._lock:
            self._live.clear()
            self._finished.clear()
            self._listeners.clear()
            self._listeners_of = {}
            self._roots.clear()

    # --- time -------------------------------------------------------------------------

    def family_root(self, arn: str) -> str:
        """The execution that (through chained invokes) started ``arn``, or ``arn``: the
        key of the family whose time ``arn`` lives in."""
        with self._lock:
            known = self._roots.get(arn)
            if known is not None:
                return known
            seen = {arn}
            root = arn
            link = self.store.chained_by_child(root)
            while link is not None and link.arn not in seen:
                root = link.arn
                seen.add(root)
                link = self.store.chained_by_child(root)
            self._roots[arn] = root
            return root

    def clock_of(self, arn: str) -> Clock:
        """The clock of ``arn``'s family: every timestamp written for ``arn`` and every
        due-check of its timers, callback timeouts and deadline use it, so time skipped
        for one family does not move another's timers."""
        return family_clock(self.clock, self.family_root(arn))

    def skip_to(self, arn: str, moment: datetime) -> Result[None, ServiceError]:
        """Move ``arn``'s family's time on to ``moment`` (a skipping clock jumps, a real
        one sleeps). The jump is recorded in the store first: when it cannot be, the
        time stays and the answer is a ``ServiceException``, as for any failed write."""
        try:
            self.clock_of(arn).sleep_until(moment)
        except sqlite3.Error as exc:
            return Failure(ServiceError("ServiceException", f"store write failed: {exc}", 500))
        return Success(None)

    def _now(self, live: Live) -> datetime:
        """The current time of ``live``'s family."""
        return self.clock_of(live.record.arn).now()

    # --- loading and committing ---------------------------------------------------

    def _load(self, arn: str) -> Result[Live, ServiceError]:
        """The working state of ``arn``, read from the store the first time. An
        invocation a previous process left open is closed as failed; if that write
        fails, nothing is kept and the next call tries again."""
        live = self._live.get(arn)
        if live is not None:
            return Success(live)
        record = self.store.execution(arn)
        if record is None:
            return Failure(not_found(arn))
        ops = self.store.operations(arn)
        live = Live(
            record=record,
            ops={op.id: op for op in ops},
            positions={op.id: i for i, op in enumerate(ops)},
            order=[op.id for op in ops],
            events=History(self.store.events(arn)),
            token_seq=self.store.token_seq(arn),
            callbacks={c.op_id: c for c in self.store.callbacks(arn)},
            chained={c.op_id: c for c in self.store.chained(arn)},
        )
        for op in ops:
            live.index(op)
        live.reinvoke = live.running
        if live.running:
            invocations = self.store.invocations(arn)
            if invocations and invocations[-1].end is None:
                closed = self._close_abandoned_invocation(live, invocations[-1])
                if not is_successful(closed):
                    return Failure(closed.failure())
        self._live[arn] = live
        return Success(live)

    def _running(self, arn: str) -> Live | None:
        """The live state of a RUNNING execution, without loading finished ones. None
        also while loading fails (see ``_load``): these callers have no error to answer."""
        live = self._live.get(arn)
        if live is not None:
            return live if live.running else None
        record = self.store.execution(arn)
        if record is None or record.status is not ExecutionStatus.RUNNING:
            return None
        return self._load(arn).value_or(None)

    def _close_abandoned_invocation(self, live: Live, invocation: InvocationRecord) -> Result[None, ServiceError]:
        """An invocation left open by a previous process failed when that process ended."""
        live.invocation = invocation
        error = ErrorObject(error_type="Runtime.ExitError", error_message="The local backend stopped.")
        return self._finish(live, invocation.number, Failure(error))

    def _commit(self, tx: Tx, *linked: Tx) -> Result[None, ServiceError]:
        """Write ``tx`` (and ``linked``: other executions' side of the same change) in one
        store transaction, then merge them into the working state; a failed write
        changes nothing and is answered as a ``ServiceException``."""
        txs = [tx, *linked]
        self._stage_parent_completions(txs)
        try:
            self.store.apply(*[each.change_set() for each in txs])
        except sqlite3.Error as exc:
            for each in txs:
                if each.creates:  # a start that did not happen
                    self._roots.pop(each.live.record.arn, None)
            return Failure(ServiceError("ServiceException", f"store write failed: {exc}", 500))
        for each in txs:
            self._merge(each)
        return Success(None)

    def _stage_parent_completions(self, txs: list[Tx]) -> None:
        """For each transition that ends a chained invoke's child execution, stage the
        parent's invoke completion (unless the parent's own transition is among them)."""
        for each in txs:
            if each.ends_running:
                involved = {t.live.record.arn for t in txs}
                parent = self._child_ended(each.current_record, involved)
                if parent is not None:
                    txs.append(parent)

    def _merge(self, tx: Tx) -> None:
        live = tx.live
        tx.merge()
        if tx.creates:
            self._live[live.record.arn] = live
            live.dirty.clear()
        listeners_of = self._listeners_of
        if listeners_of:
            for staged in tx.events:
                listeners = listeners_of[staged.event_type]
                if listeners:
                    event = staged.event()
                    for listener in listeners:
                        listener(live.record.arn, event)
        if not live.running and live.invocation is None:
            self._retire(live.record.arn)

    def _retire(self, arn: str) -> None:
        """Keep a few finished executions warm for ``describe``; forget older ones."""
        if arn in self._finished:
            return
        self._finished.append(arn)
        while len(self._finished) > KEEP_FINISHED:
            forgotten = self._finished.popleft()
            self._live.pop(forgotten, None)
            self._roots.pop(forgotten, None)  # the store still knows it (``family_root``)

    def maintain(self, retention_days: int) -> Result[list[str], ServiceError]:
        """Delete the executions closed more than ``retention_days`` ago and compact the
        other finished ones; the ARNs deleted. Age is measured on the earlier of the
        backend's clock and the wall clock, so time a skipping clock jumped over never
        ages an execution out early."""
        with self._lock:
            now = min(self.clock.now(), datetime.now(UTC))
            try:
                gone = self.store.expire(now - timedelta(days=retention_days))
                self.store.compact_finished()
            except sqlite3.Error as exc:
                return Failure(ServiceError("ServiceException", f"store maintenance failed: {exc}", 500))
            for arn in gone:
                self._live.pop(arn, None)
                self._roots.pop(arn, None)
                if arn in self._finished:
                    self._finished.remove(arn)
            return Success(gone)

    # --- start ------------------------------------------------------------------------

    def start_execution(
        self,
        function_name: str,
        payload: str | None,
        *,
        execution_name: str | None = None,
        timeout_seconds: int | None = None,
    ) -> Result[str, ServiceError]:
        """Create the execution, its EXECUTION op and ``ExecutionStarted`` (EventId 1)."""
        with self._lock:
            staged = self._stage_start(function_name, payload, execution_name, timeout_seconds, None)
            if not is_successful(staged):
                return Failure(staged.failure())
            tx = staged.unwrap()
            return self._commit(tx).map(lambda _: tx.live.record.arn)

    def _stage_start(
        self, function_name: str, payload: str | None, name: str | None, timeout: int | None, parent: str | None
    ) -> Result[Tx, ServiceError]:
        """The transition that creates an execution, for ``_commit`` (which also makes it
        live). ``parent``: the execution whose chained invoke starts this one; the child
        joins the parent's family and so starts at the parent's current time."""
        execution_id = str(uuid.uuid4())
        name = name if name is not None else execution_id
        if not _NAME.fullmatch(name):
            return Failure(invalid(f"Invalid execution name {name!r}: 1-64 characters of [a-zA-Z0-9-_]"))
        if not _FUNCTION.fullmatch(function_name):
            return Failure(invalid(f"Invalid function name {function_name!r}: 1-64 characters of [a-zA-Z0-9-_]"))
        if self.store.execution_named(function_name, name) is not None:
            return Failure(
                ServiceError(
                    "DurableExecutionAlreadyStartedException",
                    f"Durable execution with name {name} already exists",
                    409,
                )
            )
        arn = execution_arn(function_name, name, execution_id)
        self._roots[arn] = self.family_root(parent) if parent is not None else arn  # dropped if not written
        now = self.clock_of(arn).now()
        timeout = timeout if timeout is not None else self.execution_timeout
        record = ExecutionRecord(
            arn=arn,
            execution_id=execution_id,
            name=name,
            function_name=function_name,
            input_payload=payload,
            timeout_seconds=timeout,
            start=now,
        )
        live = Live(record=record, ops={}, positions={}, order=[], events=History(), token_seq=0, reinvoke=True)
        tx = Tx(live)
        tx.creates = True
        tx.record = record
        op = Operation(
            id=execution_id,
            type=OperationType.EXECUTION,
            status=OperationStatus.STARTED,
            start_timestamp=now,
            name=name,
            execution_details=ExecutionDetails(input_payload=payload),
        )
        tx.put(op)
        details = EventDetails(input=EventInput(payload=payload, truncated=False), execution_timeout=timeout)
        tx.event(EventType.EXECUTION_STARTED, now, details, op)
        return Success(tx)

    # --- invocations ------------------------------------------------------------------

    def begin_invocation(self, arn: str) -> Result[InvocationTicket, ServiceError]:
        """Open the next invocation: a fresh token (older ones die) and the state snapshot."""
        with self._lock:
            loaded = self._load(arn)
            if not is_successful(loaded):
                return Failure(loaded.failure())
            live = loaded.unwrap()
            if not live.running:
                return Failure(invalid(f"Execution is {live.record.status.value}"))
            if live.invocation is not None:
                return Failure(invalid("An invocation is already running"))
            now = self._now(live)
            number = live.record.invocation_count + 1
            invocation = InvocationRecord(arn=arn, number=number, request_id=str(uuid.uuid4()), start=now)
            tx = Tx(live)
            tx.record = attrs.evolve(live.record, invocation_count=number)
            tx.invocation = invocation
            tx.token_seq = live.token_seq + 1
            committed = self._commit(tx)
            if not is_successful(committed):
                return Failure(committed.failure())
            live.invocation = invocation
            live.ready_seen = frozenset(live.ready)
            token = encode_token(TokenClaims(live.record.execution_id, invocation=number, sequence=live.token_seq))
            event = InvocationInput(
                durable_execution_arn=arn,
                checkpoint_token=token,
                initial_execution_state=self._initial_page(live),
                updated_operation_ids=tuple(live.updated_ids),
            )
            live.updated_ids.clear()
            live.dirty.clear()
            live.reinvoke = False
            live.retry_at = None
            return Success(
                InvocationTicket(
                    arn=arn,
                    function_name=live.record.function_name,
                    number=number,
                    request_id=invocation.request_id,
                    event=event,
                )
            )

    @staticmethod
    def _invocation_number(live: Live) -> int:
        """Markers are good for the whole invocation that received them."""
        return live.invocation.number if live.invocation is not None else 0

    def _initial_page(self, live: Live) -> ExecutionStatePage:
        ops: list[Operation] = []
        budget = self.page_bytes
        for op_id in live.order:
            op = live.ops[op_id]
            size = codec.invocation_size(op)
            if ops and size > budget:
                marker = encode_marker(self._invocation_number(live), len(ops))
                return ExecutionStatePage(operations=tuple(ops), next_marker=marker)
            budget -= size
            ops.append(op)
        return ExecutionStatePage(operations=tuple(ops))

    def finish_invocation(
        self, ticket: InvocationTicket, outcome: Result[InvocationOutput, ErrorObject]
    ) -> Result[None, ServiceError]:
        """Record ``InvocationCompleted`` and act on the handler's output (docs/protocol.md §6.4).
        A ticket whose invocation is no longer open changes nothing."""
        with self._lock:
            return self._load(ticket.arn).bind(lambda live: self._finish(live, ticket.number, outcome))

    def _finish(
        self, live: Live, number: int, outcome: Result[InvocationOutput, ErrorObject]
    ) -> Result[None, ServiceError]:
        invocation = live.invocation
        if invocation is None or invocation.number != number:
            return Success(None)
        now = self._now(live)
        verdict = self._judge(live, outcome)
        if isinstance(verdict, ErrorObject):
            error: ErrorObject | None = verdict
        else:  # a crash after an EXECUTION checkpoint still completes, but it was a crash
            error = None if is_successful(outcome) else outcome.failure()
        tx = Tx(live)
        tx.invocation = attrs.evolve(invocation, end=now, error=error)
        details = EventDetails(
            start_timestamp=invocation.start,
            end_timestamp=now,
            request_id=invocation.request_id,
            error=EventError(payload=error, truncated=False) if error is not None else None,
        )
        tx.event(EventType.INVOCATION_COMPLETED, now, details)
        tx.ends_invocation = True
        if live.running:
            record = live.record
            if isinstance(verdict, Completion):
                self._terminate(tx, verdict, now)
            elif verdict is not None:
                failures = record.failed_invocations + 1
                tx.record = attrs.evolve(record, failed_invocations=failures)
                if failures >= MAX_FAILED_INVOCATIONS:
                    self._terminate(tx, Completion(ExecutionStatus.FAILED, error=verdict), now)
                else:
                    tx.reinvoke = True
                    tx.retry_at = now + INVOCATION_RETRY_DELAY
            else:
                tx.reinvoke = bool(live.ready - live.ready_seen)  # became startable while it ran: go again
                if record.failed_invocations:
                    tx.record = attrs.evolve(record, failed_invocations=0)
        return self._commit(tx)

    def _judge(self, live: Live, outcome: Result[InvocationOutput, ErrorObject]) -> Completion | ErrorObject | None:
        """A completion, a failed-invocation error, or None for a valid PENDING."""
        if not is_successful(outcome):
            return outcome.failure() if live.completion is None else live.completion
        if live.completion is not None:
            return live.completion
        out = outcome.unwrap()
        if out.status is InvocationStatus.SUCCEEDED and out.error is None:
            return Completion(ExecutionStatus.SUCCEEDED, result=out.result)
        if out.status is InvocationStatus.FAILED and out.result is None:
            return Completion(ExecutionStatus.FAILED, error=out.error or ErrorObject())
        if out.status is InvocationStatus.PENDING and (live.timers or live.ready or live.waiting or live.reinvoke):
            return None
        return ErrorObject(
            error_type="Runtime.InvalidOutput",
            error_message=f"Invalid {out.status.value} output: nothing for the execution to wait on"
            if out.status is InvocationStatus.PENDING
            else f"Invalid {out.status.value} output: both Result and Error given",
        )

    def _terminate(self, tx: Tx, completion: Completion, now: datetime) -> None:
        """Stage the end of the execution: its status, EXECUTION op and closing event."""
        live = tx.live
        tx.record = attrs.evolve(
            tx.current_record,
            status=completion.status,
            end=now,
            result=completion.result if completion.status is ExecutionStatus.SUCCEEDED else None,
            error=completion.error if completion.status is not ExecutionStatus.SUCCEEDED else None,
        )
        exec_op = tx.op(live.record.execution_id)
        if exec_op is not None:
            exec_op = attrs.evolve(exec_op, status=OperationStatus(completion.status.value), end_timestamp=now)
            tx.put(exec_op)
        if completion.status is ExecutionStatus.SUCCEEDED:
            details = EventDetails(result=EventResult(payload=completion.result, truncated=False))
        else:
            details = EventDetails(error=EventError(payload=completion.error, truncated=False))
        tx.event(_TERMINAL_EVENT[completion.status], now, details, exec_op)
        tx.ends_execution = True

    # --- checkpoint -------------------------------------------------------------------

    def _authorise(self, arn: str, token: str) -> Result[Live, ServiceError]:
        live = self._live.get(arn)
        if live is None:
            loaded = self._load(arn)
            if not is_successful(loaded):
                return loaded
            live = loaded.unwrap()
        claims = decode_token(token)
        if claims is None or claims.execution_id != live.record.execution_id:
            return Failure(bad_token("the token was not issued for this execution"))
        if not live.running or live.completion is not None:
            return Failure(bad_token(f"the execution is {live.record.status.value}"))
        if live.invocation is None or claims.invocation != live.invocation.number:
            return Failure(bad_token("the token belongs to an invocation that is no longer running"))
        if claims.sequence != live.token_seq:
            return Failure(bad_token("the token is stale"))
        if self._now(live) >= live.deadline:
            timed_out = self._time_out(live)
            if not is_successful(timed_out):
                return Failure(timed_out.failure())
            return Failure(bad_token(f"the execution is {live.record.status.value}"))
        return Success(live)

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
    ) -> Result[CheckpointOutput, ServiceError]:
        """Validate and apply a batch, fire due timers, rotate the token, return the delta."""
        with self._lock:
            authorised = self._authorise(durable_execution_arn, checkpoint_token)
            if not is_successful(authorised):
                return Failure(authorised.failure())
            live = authorised.unwrap()
            invocation = live.invocation
            assert invocation is not None
            now = self._now(live)
            planned = plan_batch(updates, live.ops.get, now)
            if not is_successful(planned):
                return Failure(invalid(planned.failure()))
            tx = Tx(live)
            completion: Completion | None = None
            linked: list[Tx] = []  # other executions' side of this batch: children started or stopped
            for update, transition in zip(updates, planned.unwrap(), strict=True):
                op = transition.op
                if op is None:
                    if transition.completion is not None:
                        completion = transition.completion
                    continue
                staged = (
                    self._service_side(tx, update, transition, now, linked) if op.type in _OUTSIDE else (transition,)
                )
                for extra in staged:
                    if extra.op is not None:
                        tx.put(extra.op)
                        if extra.event_type is not None:
                            tx.event(extra.event_type, now, extra.details, extra.op)
            self._fire_due(tx, now, during_invocation=True)
            committed = self._commit(tx, *linked)
            if not is_successful(committed):
                return Failure(committed.failure())
            live.token_seq += 1  # durable only per invocation: tokens also name the invocation
            delta = sorted(live.dirty, key=live.positions.__getitem__)
            live.dirty.clear()
            page = ExecutionStatePage(operations=tuple(live.ops[i] for i in delta))
            if completion is not None:
                live.completion = completion
                return Success(CheckpointOutput(new_execution_state=page))
            claims = TokenClaims(live.record.execution_id, invocation=invocation.number, sequence=live.token_seq)
            new_token = encode_token(claims)
            return Success(CheckpointOutput(new_execution_state=page, checkpoint_token=new_token))

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> Result[ExecutionStatePage, ServiceError]:
        """A page of the operation list in creation order; never rotates the token."""
        with self._lock:
            authorised = self._authorise(durable_execution_arn, checkpoint_token)
            if not is_successful(authorised):
                return Failure(authorised.failure())
            live = authorised.unwrap()
            start = 0
            if marker:
                decoded = decode_marker(marker)
                if decoded is None or decoded[0] != self._invocation_number(live) or not 0 <= decoded[1] <= len(live.order):
                    return Failure(invalid("Invalid marker"))
                start = decoded[1]
            size = DEFAULT_STATE_ITEMS if max_items <= 0 else min(max_items, MAX_STATE_ITEMS)
            end = min(start + size, len(live.order))
            ops = tuple(live.ops[i] for i in live.order[start:end])
            next_marker = encode_marker(self._invocation_number(live), end) if end < len(live.order) else None
            return Success(ExecutionStatePage(operations=ops, next_marker=next_marker))

    # --- timers and scheduling ----------------------------------------------------------

    def _fire_due(self, tx: Tx, now: datetime, *, during_invocation: bool) -> None:
        live = tx.live
        due = sorted((t, live.positions[i], i) for i, t in live.timers.items() if t <= now)
        for _, _, op_id in due:
            op = tx.op(op_id)
            if op is None:
                continue
            if op.type is OperationType.WAIT and op.status is OperationStatus.STARTED:
                done = attrs.evolve(op, status=OperationStatus.SUCCEEDED, end_timestamp=now)
                tx.put(done)
                tx.event(EventType.WAIT_SUCCEEDED, now, EventDetails(duration=wait_seconds(op)), done)
            elif op.type is OperationType.STEP and op.status is OperationStatus.PENDING and op.step_details:
                details = attrs.evolve(op.step_details, next_attempt_timestamp=None)
                tx.put(attrs.evolve(op, status=OperationStatus.READY, step_details=details))
            elif op.type is OperationType.CALLBACK and op.status is OperationStatus.STARTED:
                record = live.callbacks.get(op_id)
                error = record.expiry(now) if record is not None else None
                if error is None:
                    continue
                timed_out = complete_callback(op, OperationStatus.TIMED_OUT, now, error=error)
                assert timed_out.op is not None and timed_out.event_type is not None
                tx.put(timed_out.op)
                tx.event(timed_out.event_type, now, timed_out.details, timed_out.op)
            else:
                continue
            if not during_invocation:
                tx.updated_ids.append(op_id)
                tx.reinvoke = True

    def _time_out(self, live: Live) -> Result[None, ServiceError]:
        now = self._now(live)
        tx = Tx(live)
        message = f"Execution timed out after {live.record.timeout_seconds} seconds."
        self._terminate(tx, Completion(ExecutionStatus.TIMED_OUT, error=ErrorObject(error_message=message)), now)
        return self._commit(tx)

    def advance(self, arn: str) -> Result[None, ServiceError]:
        """Fire every due timer (or the execution deadline) at the family's current time.
        Nothing to do (an unknown or finished execution included) is a success."""
        with self._lock:
            live = self._running(arn)
            if live is None or not live.running:
                return Success(None)
            now = self._now(live)
            if now >= live.deadline:
                return self._time_out(live)
            if live.invocation is None and any(t <= now for t in live.timers.values()):
                tx = Tx(live)
                self._fire_due(tx, now, during_invocation=False)
                return self._commit(tx)
            return Success(None)

    def wants_invocation(self, arn: str) -> bool:
        with self._lock:
            live = self._running(arn)
            if live is None or not live.running or live.invocation is not None or not live.reinvoke:
                return False
            return live.retry_at is None or self._now(live) >= live.retry_at

    def next_wakeup(self, arn: str) -> datetime | None:
        """The next moment something can happen without a handler: a timer, a retry, the deadline."""
        with self._lock:
            live = self._running(arn)
            if live is None or not live.running:
                return None
            moments = [live.deadline, *live.timers.values()]
            if live.reinvoke and live.retry_at is not None:
                moments.append(live.retry_at)
            return min(moments)

    def next_timer(self, arn: str) -> datetime | None:
        """The next wait end, retry time or invocation retry: what a skipping clock may
        jump to. Callback timeouts and the deadline are left out (they run in real time
        while the outside world may still answer)."""
        with self._lock:
            live = self._running(arn)
            if live is None or not live.running:
                return None
            moments = [t for i, t in live.timers.items() if i not in live.waiting]
            if live.reinvoke and live.retry_at is not None:
                moments.append(live.retry_at)
            return min(moments) if moments else None

    def next_callback_timeout(self, arn: str) -> datetime | None:
        """The next callback (or heartbeat) timeout. A skipping clock never jumps to one
        for its own sake (an answer may still come), but a jump to a later wait end stops
        there first, so the timeout fires at its own moment, before what follows."""
        with self._lock:
            live = self._running(arn)
            if live is None or not live.running:
                return None
            moments = [t for i, t in live.timers.items() if i in live.waiting]
            return min(moments) if moments else None

    def stop_execution(self, arn: str, error: ErrorObject | None = None) -> Result[datetime, ServiceError]:
        """StopDurableExecution: STOPPED + ``ExecutionStopped``; idempotent once terminal."""
        with self._lock:
            loaded = self._load(arn)
            if not is_successful(loaded):
                return Failure(loaded.failure())
            live = loaded.unwrap()
            if not live.running:
                return Success(live.record.end or self._now(live))
            now = self._now(live)
            tx = Tx(live)
            stopped = error if error is not None else STOPPED_BY_USER
            self._terminate(tx, Completion(ExecutionStatus.STOPPED, error=stopped), now)
            committed = self._commit(tx)
            return committed.map(lambda _: now)

    # --- reads ------------------------------------------------------------------------

    def execution(self, arn: str) -> Result[ExecutionRecord, ServiceError]:
        with self._lock:
            live = self._live.get(arn)
            record = live.record if live is not None else self.store.execution(arn)
            return Success(record) if record is not None else Failure(not_found(arn))

    def operations(self, arn: str) -> Result[tuple[Operation, ...], ServiceError]:
        with self._lock:
            return self._load(arn).map(lambda live: tuple(live.ops[i] for i in live.order))

    def history(self, arn: str) -> Result[tuple[Event, ...], ServiceError]:
        with self._lock:
            return self._load(arn).map(lambda live: live.events.first(len(live.events)))

    def history_view(self, arn: str) -> Result[Callable[[], tuple[Event, ...]], ServiceError]:
        """The history as it stands now, built when first called (later events not included)."""
        with self._lock:
            loaded = self._load(arn)
            if not is_successful(loaded):
                return Failure(loaded.failure())
            live = loaded.unwrap()
            history, count, lock = live.events, len(live.events), self._lock

            def view() -> tuple[Event, ...]:
                with lock:
                    return history.first(count)

            return Success(view)

    def execution_arns(self) -> list[str]:
        with self._lock:
            return self.store.execution_arns()
