"""One context's view of the log: its id counter, replay status and identity checks.

A scope is owned by the code of one context (the root, a child, a branch): only that
code takes ids from it, so taking an id needs no lock even when branches run on several
threads. What it shares with other scopes is the execution state, which guards itself.
"""

from __future__ import annotations

from typing import Any

from returns.result import Failure, Result, Success

from lambda_durable.errors import DurableError, NonDeterministicExecution
from lambda_durable.runtime.ids import operation_id
from lambda_durable.runtime.signals import ExecutionEnded, FailExecution
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import (
    ErrorObject,
    Operation,
    OperationAction,
    OperationType,
    OperationUpdate,
)


class Slot:
    """The id an operation call got, and what the log already holds there (if anything).

    A plain slotted class rather than a frozen attrs one: every operation makes one, and
    the frozen ``__init__`` costs several times as much. Nothing assigns to it after
    construction."""

    __slots__ = ("diverged", "existing", "name", "op_id", "op_type", "parent_id", "sub_type")

    def __init__(
        self,
        op_id: str,
        existing: Operation | None,
        parent_id: str | None,
        name: str | None,
        op_type: OperationType,
        sub_type: str,
        diverged: NonDeterministicExecution | None = None,
    ) -> None:
        self.op_id = op_id
        self.existing = existing
        self.parent_id = parent_id
        self.name = name
        self.op_type = op_type
        self.sub_type = sub_type
        self.diverged = diverged
        """Set when the log holds another kind of operation at this id: the call must
        answer ``Failure(diverged)`` and do nothing else."""

    def checked(self) -> Result[Slot, DurableError]:
        """The slot, or its divergence as a ``Failure``."""
        return Success(self) if self.diverged is None else Failure(self.diverged)

    def update(self, action: OperationAction, payload: str | None = None, **options: Any) -> OperationUpdate:
        """An update of this operation: its identity fields, ``payload`` and ``options``
        (the other ``OperationUpdate`` fields). The identity and payload go positionally,
        in the model's field order (a test pins that order): keyword arguments cost the
        attrs ``__init__`` more, and every operation builds at least one update."""
        return OperationUpdate(
            self.op_id, self.op_type, action, self.parent_id, self.name, self.sub_type, payload, **options
        )


class Scope:
    """Allocates deterministic ids for one context and checks replays against the log."""

    __slots__ = ("_peeked", "counter", "parent_id", "prefix", "state")

    def __init__(self, state: ExecutionState, *, prefix: str | None, parent_id: str | None) -> None:
        self.state = state
        self.prefix = prefix
        self.parent_id = parent_id
        self.counter = 0
        self._peeked: tuple[int, str] | None = None

    @property
    def replaying(self) -> bool:
        """True while the log already holds the operation this context will take next.

        Derived from the log, never set: code before the first operation this invocation
        has not seen already ran (and logged) in an earlier invocation. A re-run branch or
        a child rebuilt from its children replays for the same reason, by itself."""
        return self.state.operation(self.peek_id()) is not None

    def peek_id(self) -> str:
        """The id the next operation will get (computed once: replay peeks at every step)."""
        peeked = self._peeked
        if peeked is None or peeked[0] != self.counter + 1:
            peeked = self._peeked = (self.counter + 1, operation_id(self.prefix, self.counter + 1))
        return peeked[1]

    def id_at(self, counter: int) -> str:
        """The id of this context's ``counter``-th operation (1-based)."""
        return operation_id(self.prefix, counter)

    def virtual_child(self, index: int) -> Scope:
        """The scope of branch ``index`` when the branch records no operation (FLAT):
        ids still come from the branch's own id, parents are this scope's parent."""
        return Scope(self.state, prefix=operation_id(self.prefix, index), parent_id=self.parent_id)

    def child(self, op_id: str) -> Scope:
        """The scope of a child context whose container operation is ``op_id``."""
        return Scope(self.state, prefix=op_id, parent_id=op_id)

    def take(self, op_type: OperationType, sub_type: str, name: str | None) -> Result[Slot, DurableError]:
        """Take the next id; on replay, require the log to hold the same kind of operation."""
        return self.claim(op_type, sub_type, name).checked()

    def claim(self, op_type: OperationType, sub_type: str, name: str | None) -> Slot:
        """``take`` without the container, for the operations called most (step, child):
        the caller answers ``Failure(slot.diverged)`` itself when it is set."""
        self._check_open()
        op_id = self.peek_id()
        self.counter += 1
        return self._claim(op_id, op_type, sub_type, name)

    def take_branch(
        self, index: int, op_type: OperationType, sub_type: str, name: str | None
    ) -> Result[Slot, DurableError]:
        """The id of branch ``index`` (0-based) of this container: it depends on the
        index, not on the order in which branches run (docs/protocol.md §3)."""
        self._check_open()
        return self._claim(operation_id(self.prefix, index), op_type, sub_type, name).checked()

    def _check_open(self) -> None:
        """No operation runs once the execution failed (a divergence) or was completed
        early (``complete_execution_*``): the body after it must not run."""
        state = self.state
        if state.poisoned is not None:
            raise FailExecution(state.poisoned)
        if state.checkpointer.ended:
            raise ExecutionEnded()

    def _claim(self, op_id: str, op_type: OperationType, sub_type: str, name: str | None) -> Slot:
        name = name or None
        existing = self.state.claim(op_id)
        if existing is not None:
            mismatch = _mismatch(existing, op_type, sub_type, name, self.parent_id)
            if mismatch:
                error = ErrorObject(
                    error_type="NonDeterministicExecution",
                    error_message=f"operation {op_id} {mismatch}; the handler code no longer "
                    "follows the path recorded in the checkpoint log",
                )
                self.state.poisoned = error
                diverged = NonDeterministicExecution(error)
                return Slot(op_id, existing, self.parent_id, name, op_type, sub_type, diverged)
        return Slot(op_id, existing, self.parent_id, name, op_type, sub_type)


def _mismatch(
    existing: Operation,
    op_type: OperationType,
    sub_type: str,
    name: str | None,
    parent_id: str | None,
) -> str | None:
    if existing.type is not op_type:
        return f"was a {existing.type.value} in the log, now a {op_type.value}"
    if (existing.sub_type or None) != sub_type:
        return f"had subtype {existing.sub_type!r} in the log, now {sub_type!r}"
    if (existing.name or None) != name:
        return f"was named {existing.name!r} in the log, now {name!r}"
    if (existing.parent_id or None) != parent_id:
        return f"had parent {existing.parent_id!r} in the log, now {parent_id!r}"
    return None
