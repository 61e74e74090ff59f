"""What reaches an execution from outside its handler (docs/protocol.md §8.3, §8.4).

The callback APIs (answers, heartbeats, the timers they race with) and chained invokes
(resolving the target, the child execution or plain call, the outcome flowing back),
as a mixin of ``LocalService``: every method runs under the service lock and changes
state only through ``Tx``/``_commit``, like the rest of the service: a write that fails
changes nothing and is answered as a ``ServiceError``. Each completion
adds its op to ``UpdatedOperationIds`` and asks for a re-invocation, also while an
invocation runs (the event is appended at once and delivered in the next checkpoint
response; the re-invocation follows the running invocation's PENDING).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime
from typing import Protocol

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.local.engine.callbacks import CallbackRecord, callback_result
from lambda_durable.local.engine.live import Live, Tx
from lambda_durable.local.engine.service_errors import callback_timed_out, invalid, unknown_callback
from lambda_durable.local.engine.store import ExecutionRecord, Store
from lambda_durable.local.engine.targets import ChainedRecord, Resolver, synthetic_arn
from lambda_durable.local.engine.transitions import (
    Completion,
    Transition,
    callback_timing,
    complete_callback,
    complete_chained,
)
from lambda_durable.wire import (
    ErrorObject,
    EventDetails,
    ExecutionStatus,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

_CANCELLED = ErrorObject(error_message="The invoking operation was cancelled.")
"""The error of a child execution stopped because its invoke was cancelled."""

_CHILD_OUTCOME = {
    ExecutionStatus.SUCCEEDED: OperationStatus.SUCCEEDED,
    ExecutionStatus.FAILED: OperationStatus.FAILED,
    ExecutionStatus.TIMED_OUT: OperationStatus.TIMED_OUT,
    ExecutionStatus.STOPPED: OperationStatus.STOPPED,
}


class ServiceCore(Protocol):
    """The parts of ``LocalService`` the mixin builds on."""

    store: Store
    resolver: Resolver
    _lock: threading.RLock

    def _load(self, arn: str) -> Result[Live, ServiceError]: ...

    def _running(self, arn: str) -> Live | None: ...

    def _commit(self, tx: Tx, *linked: Tx) -> Result[None, ServiceError]: ...

    def _time_out(self, live: Live) -> Result[None, ServiceError]: ...

    def _terminate(self, tx: Tx, completion: Completion, now: datetime) -> None: ...

    def _now(self, live: Live) -> datetime: ...

    def _stage_start(
        self, function_name: str, payload: str | None, name: str | None, timeout: int | None, parent: str | None
    ) -> Result[Tx, ServiceError]: ...

    def _external_change(self, tx: Tx, transition: Transition, now: datetime) -> None: ...

    def _open_callback(self, callback_id: str) -> Result[tuple[Live, CallbackRecord, Operation], ServiceError]: ...

    def _answer(
        self, callback_id: str, status: OperationStatus, result: str | None, error: ErrorObject | None
    ) -> Result[None, ServiceError]: ...

    def _start_target(
        self, tx: Tx, update: OperationUpdate, transition: Transition, now: datetime, linked: list[Tx]
    ) -> list[Transition]: ...


class ExternalOps:
    """Callbacks and chained invokes: the service's outside-world half."""

    # --- checkpoint side: what START/CANCEL of these types add ---------------------------

    def _service_side(
        self: ServiceCore, tx: Tx, update: OperationUpdate, transition: Transition, now: datetime, linked: list[Tx]
    ) -> list[Transition]:
        """What the service adds to an accepted update: callback timers, chained targets.
        A child execution started or stopped goes to ``linked``, to be written with ``tx``."""
        op = transition.op
        if op is None or update.action not in (OperationAction.START, OperationAction.CANCEL):
            return [transition]
        arn = tx.live.record.arn
        if op.type is OperationType.CALLBACK and op.callback_details is not None:
            timeout, heartbeat = callback_timing(update)
            callback_id = op.callback_details.callback_id
            tx.callbacks[op.id] = CallbackRecord.started(callback_id, arn, op.id, now, timeout, heartbeat)
            return [transition]
        if op.type is not OperationType.CHAINED_INVOKE:
            return [transition]
        if update.action is OperationAction.CANCEL:
            record = tx.live.chained.get(op.id)
            child = self._running(record.child_arn) if record is not None and record.durable else None
            if child is not None:
                stop = Tx(child)
                self._terminate(stop, Completion(ExecutionStatus.STOPPED, error=_CANCELLED), now)
                linked.append(stop)
            return [transition]
        return self._start_target(tx, update, transition, now, linked)

    def _start_target(
        self: ServiceCore, tx: Tx, update: OperationUpdate, transition: Transition, now: datetime, linked: list[Tx]
    ) -> list[Transition]:
        """Resolve ``FunctionName``: a durable target becomes a child execution, a plain
        one waits to be called; an unknown one fails the invoke at once (docs/protocol.md §8.4)."""
        op = transition.op
        assert op is not None and update.chained_invoke_options is not None
        reference = update.chained_invoke_options.function_name
        target = self.resolver(reference)
        error: ErrorObject | None = None
        child_arn = synthetic_arn(reference)
        if target is None:
            error = ErrorObject(
                error_type="ResourceNotFoundException",
                error_message=f"Function not found: {reference} (register it with the local backend)",
            )
        elif target.durable:
            started = self._stage_start(target.name, update.payload, None, target.execution_timeout, tx.live.record.arn)
            if is_successful(started):
                child = started.unwrap()
                linked.append(child)
                child_arn = child.live.record.arn
            else:
                failure = started.failure()
                error = ErrorObject(error_type=failure.code, error_message=failure.message)
        assert isinstance(transition.details, EventDetails)  # a start's details are never a result
        details = attrs.evolve(transition.details, durable_execution_arn=child_arn)
        started_event = transition._replace(details=details)
        if error is not None:
            return [started_event, complete_chained(op, OperationStatus.FAILED, now, error=error)]
        assert target is not None
        tx.chained[op.id] = ChainedRecord(
            arn=tx.live.record.arn,
            op_id=op.id,
            function_name=target.name,
            child_arn=child_arn,
            durable=target.durable,
            payload=update.payload,
        )
        return [started_event]

    # --- completions from outside -----------------------------------------------------------

    def _external_change(self: ServiceCore, tx: Tx, transition: Transition, now: datetime) -> None:
        """An op finished without the handler: record it, list it in the next invocation's
        ``UpdatedOperationIds`` and re-invoke (after the running invocation, if any)."""
        assert transition.op is not None and transition.event_type is not None
        tx.put(transition.op)
        tx.event(transition.event_type, now, transition.details, transition.op)
        tx.updated_ids.append(transition.op.id)
        tx.reinvoke = True

    def _open_callback(
        self: ServiceCore, callback_id: str
    ) -> Result[tuple[Live, CallbackRecord, Operation], ServiceError]:
        """The STARTED callback behind an id, after firing its timers if they are due."""
        record = self.store.callback(callback_id)
        if record is None:
            return Failure(unknown_callback(callback_id))
        loaded = self._load(record.arn)
        if not is_successful(loaded):
            return Failure(loaded.failure())
        live = loaded.unwrap()
        now = self._now(live)
        if live.running and live.completion is None and now >= live.deadline:
            timed_out = self._time_out(live)
            if not is_successful(timed_out):
                return Failure(timed_out.failure())
        if not live.running or live.completion is not None:
            return Failure(invalid(f"Callback {callback_id[:64]} belongs to an execution that has ended."))
        op = live.ops.get(record.op_id)
        record = live.callbacks.get(record.op_id, record)
        if op is not None and op.status is OperationStatus.STARTED and record.expiry(now) is not None:
            tx = Tx(live)
            expired = complete_callback(op, OperationStatus.TIMED_OUT, now, error=record.expiry(now))
            self._external_change(tx, expired, now)
            committed = self._commit(tx)
            if not is_successful(committed):
                return Failure(committed.failure())
            op = live.ops.get(record.op_id)
        if op is None:
            return Failure(unknown_callback(callback_id))
        if op.status is OperationStatus.TIMED_OUT:
            return Failure(callback_timed_out(callback_id[:64]))
        if op.status is not OperationStatus.STARTED:
            return Failure(invalid(f"Callback {callback_id[:64]} has already completed ({op.status.value})."))
        return Success((live, record, op))

    def _answer(
        self: ServiceCore, callback_id: str, status: OperationStatus, result: str | None, error: ErrorObject | None
    ) -> Result[None, ServiceError]:
        with self._lock:
            found = self._open_callback(callback_id)
            if not is_successful(found):
                return Failure(found.failure())
            live, _, op = found.unwrap()
            now = self._now(live)
            tx = Tx(live)
            self._external_change(tx, complete_callback(op, status, now, result=result, error=error), now)
            return self._commit(tx)

    def send_callback_success(
        self: ServiceCore, callback_id: str, result: bytes | str | None = None
    ) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackSuccess: the Result blob (UTF-8, ≤ 256 KiB) verbatim."""
        text = callback_result(result)
        if not is_successful(text):
            return Failure(invalid(text.failure()))
        return self._answer(callback_id, OperationStatus.SUCCEEDED, text.unwrap(), None)

    def send_callback_failure(
        self: ServiceCore, callback_id: str, error: ErrorObject | None = None
    ) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackFailure: the ErrorObject verbatim (absent: empty)."""
        return self._answer(callback_id, OperationStatus.FAILED, None, error if error is not None else ErrorObject())

    def send_callback_heartbeat(self: ServiceCore, callback_id: str) -> Result[None, ServiceError]:
        """SendDurableExecutionCallbackHeartbeat: restart the heartbeat timer; no event."""
        with self._lock:
            found = self._open_callback(callback_id)
            if not is_successful(found):
                return Failure(found.failure())
            live, record, _ = found.unwrap()
            tx = Tx(live)
            tx.callbacks[record.op_id] = record.heartbeat(self._now(live))
            return self._commit(tx)

    def callback_execution(self: ServiceCore, callback_id: str) -> str | None:
        """The ARN of the execution a CallbackId belongs to."""
        with self._lock:
            record = self.store.callback(callback_id)
            return record.arn if record is not None else None

    def open_callbacks(self: ServiceCore, arn: str) -> list[CallbackRecord]:
        """The callbacks of a running execution still waiting for an answer."""
        with self._lock:
            live = self._running(arn)
            if live is None:
                return []
            waiting = sorted(live.waiting, key=live.positions.__getitem__)
            return [live.callbacks[i] for i in waiting if i in live.callbacks]

    def pending_calls(self: ServiceCore, arn: str) -> list[ChainedRecord]:
        """Chained invokes of plain (non-durable) targets that still have to be called."""
        with self._lock:
            live = self._running(arn)
            if live is None:
                return []
            return [
                live.chained[i]
                for i in sorted(live.waiting, key=live.positions.__getitem__)
                if i in live.chained and not live.chained[i].durable
            ]

    def children(self: ServiceCore, arn: str) -> list[str]:
        """ARNs of the child executions this running execution is waiting on."""
        with self._lock:
            live = self._running(arn)
            if live is None:
                return []
            return [
                live.chained[i].child_arn
                for i in sorted(live.waiting, key=live.positions.__getitem__)
                if i in live.chained and live.chained[i].durable
            ]

    def complete_call(
        self: ServiceCore, arn: str, op_id: str, outcome: Result[str | None, ErrorObject]
    ) -> Result[None, ServiceError]:
        """A plain target returned (its JSON result) or raised (its error)."""
        with self._lock:
            live = self._running(arn)
            op = live.ops.get(op_id) if live is not None else None
            if live is None or op is None or op.status is not OperationStatus.STARTED or op_id not in live.chained:
                return Failure(invalid(f"No chained invoke {op_id} is waiting in {arn}"))
            now = self._now(live)
            if is_successful(outcome):
                done = complete_chained(op, OperationStatus.SUCCEEDED, now, result=outcome.unwrap())
            else:
                done = complete_chained(op, OperationStatus.FAILED, now, error=outcome.failure())
            tx = Tx(live)
            self._external_change(tx, done, now)
            return self._commit(tx)

    def _child_ended(self: ServiceCore, record: ExecutionRecord, involved: Collection[str]) -> Tx | None:
        """A child execution reaches a terminal status (``record``): the parent's invoke
        takes that outcome, staged to be written with the child's end. None if no
        running parent waits on it, or the parent's own transition (in ``involved``)
        already settles the invoke."""
        link = self.store.chained_by_child(record.arn)
        if link is None or link.arn in involved:
            return None
        parent = self._running(link.arn)
        op = parent.ops.get(link.op_id) if parent is not None else None
        if parent is None or op is None or op.status is not OperationStatus.STARTED:
            return None
        now = self._now(parent)
        status = _CHILD_OUTCOME[record.status]
        done = complete_chained(op, status, now, result=record.result, error=record.error)
        tx = Tx(parent)
        self._external_change(tx, done, now)
        return tx
