"""Validate and plan a whole checkpoint batch (EMULATOR.md §3.2) before anything changes.

Each update is checked against the operation as the earlier updates of the same batch
left it (START then SUCCEED of one step is legal), on a private overlay; the first
violation rejects the whole batch with its exact message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.engine.members import OT, A
from lambda_durable.local.engine.transitions import Transition, apply_update
from lambda_durable.wire import Operation, OperationUpdate

Lookup = Callable[[str], Operation | None]


def _batch_level(updates: Sequence[OperationUpdate]) -> str | None:
    executions = [i for i, u in enumerate(updates) if u.type is OT.EXECUTION]
    if len(executions) > 1:
        return "Cannot checkpoint multiple EXECUTION updates."
    if executions and executions[0] != len(updates) - 1:
        return "EXECUTION checkpoint must be the last update."
    return None


def _duplicate_allowed(earlier: list[OperationUpdate], update: OperationUpdate) -> bool:
    """Only a STEP/CONTEXT START followed by one non-START of the same op is legal."""
    return (
        len(earlier) == 1
        and earlier[0].action is A.START
        and update.action is not A.START
        and update.type is earlier[0].type
        and update.type in (OT.STEP, OT.CONTEXT)
    )


def plan_batch(
    updates: Sequence[OperationUpdate], lookup: Lookup, now: datetime
) -> Result[list[Transition], str]:
    """The transitions of every update in order, or the first rejection message."""
    problem = _batch_level(updates)
    if problem is not None:
        return Failure(problem)
    overlay: dict[str, Operation] = {}
    seen: dict[str, list[OperationUpdate]] = {}
    planned: list[Transition] = []

    def current(op_id: str) -> Operation | None:
        return overlay[op_id] if op_id in overlay else lookup(op_id)

    for update in updates:
        earlier = seen.setdefault(update.id, [])
        if earlier and not _duplicate_allowed(earlier, update):
            return Failure("Cannot checkpoint multiple operations with the same ID.")
        earlier.append(update)
        if update.parent_id is not None:
            parent = current(update.parent_id)
            if parent is None or parent.type is not OT.CONTEXT:
                return Failure("Invalid parent operation id.")
        existing = None if update.type is OT.EXECUTION else current(update.id)
        outcome = apply_update(update, existing, now)
        if not is_successful(outcome):
            return Failure(outcome.failure())
        transition = outcome.unwrap()
        if transition.op is not None:
            overlay[update.id] = transition.op
        planned.append(transition)
    return Success(planned)
