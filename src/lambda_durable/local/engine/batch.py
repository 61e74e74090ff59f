"""Validate and plan a whole checkpoint batch (docs/protocol.md §7.2) before anything changes.

Each update is checked against the operation as the earlier updates of the same batch
left it (START then SUCCEED of one step is legal), on a private overlay; the first
violation rejects the whole batch with its exact message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from returns.result import Failure, Result, Success

from lambda_durable.local.engine.members import Actions, OpTypes
from lambda_durable.local.engine.transitions import Transition, apply_update
from lambda_durable.wire import Operation, OperationUpdate

Lookup = Callable[[str], Operation | None]


def _batch_level(updates: Sequence[OperationUpdate]) -> str | None:
    executions = [i for i, u in enumerate(updates) if u.type is OpTypes.EXECUTION]
    if len(executions) > 1:
        return "Cannot checkpoint multiple EXECUTION updates."
    if executions and executions[0] != len(updates) - 1:
        return "EXECUTION checkpoint must be the last update."
    return None


def _duplicate_allowed(first: OperationUpdate, update: OperationUpdate) -> bool:
    """Only a STEP/CONTEXT START followed by one non-START of the same op is legal."""
    return (
        first.action is Actions.START
        and update.action is not Actions.START
        and update.type is first.type
        and update.type in (OpTypes.STEP, OpTypes.CONTEXT)
    )


def plan_batch(
    updates: Sequence[OperationUpdate], lookup: Lookup, now: datetime
) -> Result[list[Transition], str]:
    """The transitions of every update in order, or the first rejection message."""
    problem = _batch_level(updates)
    if problem is not None:
        return Failure(problem)
    overlay: dict[str, Operation] = {}
    seen: dict[str, OperationUpdate | None] = {}  # first update per op; None once a second came
    planned: list[Transition] = []
    for update in updates:
        op_id = update.id
        if op_id in seen:
            first = seen[op_id]
            if first is None or not _duplicate_allowed(first, update):
                return Failure("Cannot checkpoint multiple operations with the same ID.")
            seen[op_id] = None
        else:
            seen[op_id] = update
        parent_id = update.parent_id
        if parent_id is not None:
            parent = overlay.get(parent_id) or lookup(parent_id)
            if parent is None or parent.type is not OpTypes.CONTEXT:
                return Failure("Invalid parent operation id.")
        existing = None
        if update.type is not OpTypes.EXECUTION:
            existing = overlay.get(op_id) or lookup(op_id)  # an Operation is never falsy
        transition = apply_update(update, existing, now)
        if isinstance(transition, str):
            return Failure(transition)
        if transition.op is not None:
            overlay[op_id] = transition.op
        planned.append(transition)
    return Success(planned)
