"""Firing the plugin hooks of one invocation (docs/protocol.md and docs/observability.md).

A ``Hooks`` exists only when plugins are registered: the state holds ``None`` otherwise,
so an operation pays one ``is None`` check and nothing else. The rules:

* invocation start: after the log is loaded; then, once per operation, the replay
  observations: an operation the service completed outside the handler since the last
  invocation ends (``on_operation_end``, replayed); one still waiting (not terminal, not
  READY, not changed) is announced again (``on_operation_start``, replayed);
* operation start: just before a START update is queued;
* operation end and change: when a checkpoint answer is merged, for the operations
  whose status it changed;
* user function start and end: around each body the drivers run;
* invocation end: once the output is known.

Each plugin call is isolated: an exception is logged and the next plugin still runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from attrs import evolve

from lambda_durable.errors import error_object_from_exception
from lambda_durable.plugins import (
    DurablePlugin,
    InvocationInfo,
    OperationChangeInfo,
    OperationInfo,
    UserFunctionInfo,
    UserFunctionOutcome,
)
from lambda_durable.wire import (
    ErrorObject,
    InvocationStatus,
    Operation,
    OperationStatus,
    OperationType,
    OperationUpdate,
)

_LOG = logging.getLogger("lambda_durable.plugins")
_EXECUTION = OperationType.EXECUTION
_STEP = OperationType.STEP

Merge = Callable[[Iterable[Operation]], None]


class OperationSlot(Protocol):
    """What a driver knows of the operation whose body runs (``runtime.scope.Slot``)."""

    @property
    def op_id(self) -> str: ...
    @property
    def op_type(self) -> OperationType: ...
    @property
    def sub_type(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def existing(self) -> Operation | None: ...


class Hooks:
    """The registered plugins of one invocation and the log they describe."""

    def __init__(self, plugins: Sequence[DurablePlugin], arn: str, operations: Mapping[str, Operation]) -> None:
        self._plugins = tuple(plugins)
        self._arn = arn
        self._ops = operations
        """The live log (a read-only view of the state's operations)."""
        self._initial = frozenset(operations)
        """What the log held when the invocation began: those operations are replayed."""
        self._invocation: InvocationInfo | None = None

    # --- invocation ------------------------------------------------------------------

    def invocation_started(self, request_id: str | None, updated_ids: Sequence[str]) -> None:
        ops = self._ops
        execution = next((op for op in ops.values() if op.type is _EXECUTION), None)
        info = InvocationInfo(
            execution_arn=self._arn,
            request_id=request_id,
            is_first_invocation=all(op.type is _EXECUTION for op in ops.values()),
            execution_start_time=execution.start_timestamp if execution else None,
            operations_count=len(ops),
            updated_operations_count=len(updated_ids),
        )
        self._invocation = info
        self._each("on_invocation_start", info)
        updated = frozenset(updated_ids)
        for op in list(ops.values()):
            if op.type is _EXECUTION:
                continue
            if op.id in updated:
                if op.status.is_terminal:
                    self._each("on_operation_end", operation_info(op, True))
            elif not op.status.is_terminal and op.status is not OperationStatus.READY:
                self._each("on_operation_start", operation_info(op, True))

    def invocation_ended(self, status: InvocationStatus, error: ErrorObject | None) -> None:
        started = self._invocation
        if started is None:
            return
        info = evolve(started, operations_count=len(self._ops), status=status, error=error)
        self._each("on_invocation_end", info)

    # --- operations ------------------------------------------------------------------

    def operation_starting(self, update: OperationUpdate) -> None:
        """A START is about to be queued (the checkpointer calls this). A retry's START
        describes the operation as the log holds it (status READY, the failed attempt's
        error), with the attempt about to run."""
        existing = self._ops.get(update.id)
        attempt = None
        if update.type is _STEP:
            done = existing.step_details.attempt if existing and existing.step_details else None
            attempt = (done or 0) + 1
        if existing is not None:  # a retry starts again: what the log holds, the attempt to run
            self._each("on_operation_start", evolve(operation_info(existing, True), attempt=attempt))
            return
        info = OperationInfo(
            operation_id=update.id,
            operation_type=update.type,
            sub_type=update.sub_type,
            name=update.name,
            parent_id=update.parent_id,
            status=None,
            start_time=None,
            end_time=None,
            is_replayed=False,
            attempt=attempt,
        )
        self._each("on_operation_start", info)

    def observing(self, merge: Merge) -> Merge:
        """``merge`` that also fires the end and change hooks for what a checkpoint
        answer changed."""
        ops = self._ops

        def merge_and_tell(operations: Iterable[Operation]) -> None:
            answered = list(operations)
            changed = [
                op
                for op in answered
                if op.type is not _EXECUTION and ((old := ops.get(op.id)) is None or old.status is not op.status)
            ]
            merge(answered)
            for op in changed:
                if op.status.is_terminal:
                    self._each("on_operation_end", operation_info(op, op.id in self._initial))
            if changed:
                info = OperationChangeInfo(
                    execution_arn=self._arn,
                    updated_operations={op.id: operation_info(op, op.id in self._initial) for op in changed},
                    operations=_Infos(dict(ops), self._initial),
                )
                self._each("on_operation_change", info)

        return merge_and_tell

    # --- user code -------------------------------------------------------------------

    def function_started(
        self, slot: OperationSlot, attempt: int | None, *, replay_children: bool = False
    ) -> UserFunctionInfo:
        """Fire the start hook of a body about to run in ``slot``'s operation; the info
        goes back to ``function_ended``."""
        info = UserFunctionInfo(
            operation_id=slot.op_id,
            operation_type=slot.op_type,
            sub_type=slot.sub_type,
            name=slot.name,
            parent_id=slot.parent_id,
            start_time=datetime.now(UTC),
            attempt=attempt,
            is_replayed=slot.existing is not None,
            is_replay_children=replay_children,
        )
        self._each("on_user_function_start", info)
        return info

    def context_started(self, slot: OperationSlot, *, rebuilding: bool) -> UserFunctionInfo:
        """``function_started`` for a context body: attempt 1 on its first run, None when
        the context was in the log (resumed, or rebuilt from its children)."""
        attempt = 1 if slot.existing is None else None
        return self.function_started(slot, attempt, replay_children=rebuilding)

    def function_ended(self, started: UserFunctionInfo, error: ErrorObject | Exception | None) -> None:
        """The body returned (``error`` None) or failed with ``error``."""
        if isinstance(error, Exception):
            error = error_object_from_exception(error)
        outcome = UserFunctionOutcome.SUCCEEDED if error is None else UserFunctionOutcome.FAILED
        info = evolve(started, end_time=datetime.now(UTC), outcome=outcome, error=error)
        self._each("on_user_function_end", info)

    # --- dispatch --------------------------------------------------------------------

    def _each(self, hook: str, info: object) -> None:
        for plugin in self._plugins:
            try:
                getattr(plugin, hook)(info)
            except Exception:  # a plugin may raise anything: log it, never let it through
                _LOG.warning("plugin %s raised in %s; ignored", type(plugin).__name__, hook, exc_info=True)


def operation_info(op: Operation, replayed: bool) -> OperationInfo:
    """An operation of the log as the hooks describe it."""
    details = op.step_details or op.context_details or op.callback_details or op.chained_invoke_details
    return OperationInfo(
        operation_id=op.id,
        operation_type=op.type,
        sub_type=op.sub_type,
        name=op.name,
        parent_id=op.parent_id,
        status=op.status,
        start_time=op.start_timestamp,
        end_time=op.end_timestamp,
        is_replayed=replayed,
        attempt=op.step_details.attempt if op.step_details else None,
        result=details.result if details else None,
        error=details.error if details else None,
    )


class _Infos(Mapping[str, OperationInfo]):
    """Every operation of a copy of the log (the execution's own left out) as an
    ``OperationInfo``, built when a plugin reads it: a change hook gets the full map after
    every checkpoint, and most plugins never look, so the copy is all it costs."""

    def __init__(self, ops: dict[str, Operation], initial: frozenset[str]) -> None:
        self._ops = ops
        self._initial = initial

    def __getitem__(self, op_id: str) -> OperationInfo:
        op = self._ops[op_id]
        if op.type is _EXECUTION:
            raise KeyError(op_id)
        return operation_info(op, op_id in self._initial)

    def __iter__(self) -> Iterator[str]:
        return (op_id for op_id, op in self._ops.items() if op.type is not _EXECUTION)

    def __len__(self) -> int:
        return sum(1 for op in self._ops.values() if op.type is not _EXECUTION)

    def __contains__(self, op_id: object) -> bool:
        op = self._ops.get(op_id) if isinstance(op_id, str) else None
        return op is not None and op.type is not _EXECUTION
