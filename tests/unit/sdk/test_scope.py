"""Scopes: deterministic ids, identity checks, replay status derived from the log."""

from __future__ import annotations

from datetime import UTC, datetime

import logging

import attrs
import pytest
from returns.result import Failure, Success

from lambda_durable import NonDeterministicExecution
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import FailExecution
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.serdes import default_converter
from lambda_durable.wire import Operation, OperationAction, OperationStatus, OperationType, OperationUpdate


class NoService:
    def checkpoint(self, *args: object) -> object:
        raise AssertionError("a scope never checkpoints")

    def get_execution_state(self, *args: object) -> object:
        raise AssertionError("a scope never reads state")


def state_with(*ops: Operation) -> ExecutionState:
    return ExecutionState(
        arn="arn:x/durable-execution/e",
        token="t",
        client=NoService(),  # type: ignore[arg-type]
        operations=ops,
        converter=default_converter(),
        logger=logging.getLogger("test"),
    )


def recorded(scope: Scope, counter: int, op_type: OperationType = OperationType.STEP, name: str | None = None) -> Operation:
    return Operation(
        id=scope.id_at(counter), type=op_type, status=OperationStatus.SUCCEEDED,
        start_timestamp=datetime(2026, 1, 1, tzinfo=UTC), sub_type="Step", name=name,
    )


def test_slot_update_puts_identity_fields_where_the_model_has_them() -> None:
    """``Slot.update`` passes them positionally (for speed): this pins the model's order."""
    names = [f.name for f in attrs.fields(OperationUpdate)][:7]
    assert names == ["id", "type", "action", "parent_id", "name", "sub_type", "payload"]
    update = Slot("op", None, "parent", "nm", OperationType.STEP, "Step").update(OperationAction.SUCCEED, "1")
    assert (update.id, update.type, update.action, update.parent_id, update.name, update.sub_type, update.payload) == (
        "op", OperationType.STEP, OperationAction.SUCCEED, "parent", "nm", "Step", "1")


def test_a_context_replays_while_the_log_holds_its_next_operation() -> None:
    probe = Scope(state_with(), prefix=None, parent_id=None)
    state = state_with(recorded(probe, 1), recorded(probe, 2))
    scope = Scope(state, prefix=None, parent_id=None)
    seen = [scope.replaying]
    for _ in range(2):
        scope.take(OperationType.STEP, "Step", None)
        seen.append(scope.replaying)
    assert seen == [True, True, False]  # False: past the end of the recorded log
    fresh = Scope(state_with(), prefix=None, parent_id=None)
    assert not fresh.replaying


def test_a_divergence_is_a_failure_and_poisons_every_later_operation() -> None:
    probe = Scope(state_with(), prefix=None, parent_id=None)
    scope = Scope(state_with(recorded(probe, 1, name="a")), prefix=None, parent_id=None)
    taken = scope.take(OperationType.STEP, "Step", "b")
    assert isinstance(taken, Failure) and isinstance(taken.failure(), NonDeterministicExecution)
    assert "was named 'a' in the log, now 'b'" in (taken.failure().error_message or "")
    with pytest.raises(FailExecution):
        scope.take(OperationType.STEP, "Step", None)


def test_branch_ids_depend_on_the_index_not_on_the_order_taken() -> None:
    container = Scope(state_with(), prefix="c", parent_id="c")
    second = container.take_branch(1, OperationType.CONTEXT, "MapIteration", None)
    first = container.take_branch(0, OperationType.CONTEXT, "MapIteration", None)
    assert isinstance(first, Success) and isinstance(second, Success)
    assert first.unwrap().op_id == container.id_at(0) and second.unwrap().op_id == container.id_at(1)
    assert container.counter == 0  # branches take no id from the container's counter
