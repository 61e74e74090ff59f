"""Checkpoint batching: what goes out in which call, and what a failed call means."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.runtime.checkpointer import MAX_BYTES_PER_CALL, MAX_UPDATES_PER_CALL, Checkpointer, update_size
from lambda_durable.runtime.signals import AbortInvocation, ExecutionEnded
from lambda_durable.wire import (
    PYTHON,
    CheckpointOutput,
    ContextOptions,
    ErrorObject,
    ExecutionStatePage,
    Operation,
    OperationAction,
    OperationType,
    OperationUpdate,
)


class RecordingService:
    """Answers like the service does (a new token per call) and keeps every batch."""

    def __init__(self, *, fail_with: ServiceError | None = None, end_after: int | None = None) -> None:
        self.batches: list[list[OperationUpdate]] = []
        self.tokens: list[str] = []
        self.fail_with = fail_with
        self.end_after = end_after

    def checkpoint(
        self, durable_execution_arn: str, checkpoint_token: str, updates: Sequence[OperationUpdate]
    ) -> Result[CheckpointOutput, ServiceError]:
        if self.fail_with is not None:
            return Failure(self.fail_with)
        self.batches.append(list(updates))
        self.tokens.append(checkpoint_token)
        ended = self.end_after is not None and len(self.batches) >= self.end_after
        token = None if ended else f"token{len(self.batches)}"
        return Success(CheckpointOutput(new_execution_state=ExecutionStatePage(), checkpoint_token=token))

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Result[ExecutionStatePage, ServiceError]:
        return Success(ExecutionStatePage())


def step_update(i: int, payload: str = '"x"') -> OperationUpdate:
    return OperationUpdate(
        id=f"op{i}", type=OperationType.STEP, action=OperationAction.SUCCEED, sub_type="Step", payload=payload
    )


def checkpointer(service: RecordingService) -> Checkpointer:
    def merge(ops: object) -> None:
        return None

    return Checkpointer(service, "arn", "token0", merge)


def wire_bytes(updates: list[OperationUpdate]) -> int:
    return sum(len(json.dumps(PYTHON.encode(u), separators=(",", ":")).encode()) for u in updates)


def test_deferred_updates_go_out_in_order_in_batches_of_at_most_250() -> None:
    service = RecordingService()
    cp = checkpointer(service)
    for i in range(200):
        cp.defer(step_update(i))
    assert service.batches == []  # nobody waits on them yet
    for i in range(200, 600):
        cp.defer(step_update(i))  # a full queue goes out by itself
    assert [len(b) for b in service.batches] == [250, 250]
    cp.flush()
    assert [len(b) for b in service.batches] == [250, 250, 100]
    assert [u.id for b in service.batches for u in b] == [f"op{i}" for i in range(600)]
    assert all(len(b) <= MAX_UPDATES_PER_CALL for b in service.batches)


def test_an_update_that_would_fill_the_queue_is_refused_whole_and_never_sent_by_the_refusal() -> None:
    """The asynchronous driver queues on the loop only when that makes no call: a full
    queue refuses the update (nothing queued, nothing sent) and the driver defers it off
    the loop, where the call is made; nothing is lost or sent twice."""
    service = RecordingService()
    cp = checkpointer(service)
    assert all(cp.defer_unless_full(step_update(i)) for i in range(MAX_UPDATES_PER_CALL))
    assert not cp.defer_unless_full(step_update(MAX_UPDATES_PER_CALL))
    assert service.batches == []
    cp.defer(step_update(MAX_UPDATES_PER_CALL))  # what the driver does next, on a checkpoint thread
    cp.flush()
    assert [u.id for b in service.batches for u in b] == [f"op{i}" for i in range(MAX_UPDATES_PER_CALL + 1)]
    big = '"' + "y" * (MAX_BYTES_PER_CALL // 2) + '"'
    assert cp.defer_unless_full(step_update(1000, big))
    assert not cp.defer_unless_full(step_update(1001, big))  # over the byte limit with the first
    cp.flush()
    assert [u.id for u in service.batches[-1]] == ["op1000"]


def test_each_call_uses_the_token_the_previous_one_returned() -> None:
    service = RecordingService()
    cp = checkpointer(service)
    cp.send(step_update(1))
    cp.send(step_update(2))
    assert service.tokens == ["token0", "token1"]
    assert cp.token == "token2"


def test_large_payloads_respect_the_byte_limit_per_call() -> None:
    service = RecordingService()
    cp = checkpointer(service)
    big = '"' + "y" * 300_000 + '"'
    for i in range(5):
        cp.defer(step_update(i, big))
    cp.flush()
    assert [len(b) for b in service.batches] == [2, 2, 1]
    assert all(wire_bytes(b) <= MAX_BYTES_PER_CALL for b in service.batches)


def test_an_update_larger_than_the_limit_still_goes_out_alone() -> None:
    service = RecordingService()
    cp = checkpointer(service)
    cp.defer(step_update(0))
    cp.defer(step_update(1, '"' + "z" * 1_000_000 + '"'))
    cp.flush()
    assert [len(b) for b in service.batches] == [1, 1]


def test_the_first_body_of_an_invocation_sees_its_start_recorded() -> None:
    service = RecordingService()
    cp = checkpointer(service)
    cp.defer(step_update(0))
    cp.before_user_code()
    assert len(service.batches) == 1
    cp.defer(step_update(1))
    cp.before_user_code()  # fresh work after the first call: keep batching
    assert len(service.batches) == 1


def test_a_refused_call_aborts_the_invocation_with_the_service_error() -> None:
    error = ServiceError("InvalidParameterValueException", "Invalid Checkpoint Token: stale", 400)
    cp = checkpointer(RecordingService(fail_with=error))
    with pytest.raises(AbortInvocation) as raised:
        cp.send(step_update(0))
    assert raised.value.error == error and raised.value.error.retryable


def test_no_token_back_means_the_execution_ended() -> None:
    service = RecordingService(end_after=1)
    cp = checkpointer(service)
    cp.send(step_update(0))
    assert cp.ended
    with pytest.raises(ExecutionEnded):
        cp.send(step_update(1))
    assert len(service.batches) == 1


def test_merged_operations_reach_the_state() -> None:
    seen: list[str] = []

    class WithOps(RecordingService):
        def checkpoint(
            self, durable_execution_arn: str, checkpoint_token: str, updates: Sequence[OperationUpdate]
        ) -> Result[CheckpointOutput, ServiceError]:
            from datetime import UTC, datetime

            from lambda_durable.wire import OperationStatus

            op = Operation(id="cb", type=OperationType.CALLBACK, status=OperationStatus.STARTED,
                           start_timestamp=datetime.now(UTC))
            return Success(CheckpointOutput(ExecutionStatePage((op,)), "t"))

    cp = Checkpointer(WithOps(), "arn", "token0", lambda ops: seen.extend(o.id for o in ops))
    cp.send(step_update(0))
    assert seen == ["cb"]


TEXT = st.text(max_size=50) | st.text(min_size=4000, max_size=9000)
"""Short texts (bounded as fully escaped) and long ones (escaped as the wire writes them)."""


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    payload=st.none() | TEXT,
    name=st.none() | st.text(max_size=255),
    error=st.none()
    | st.builds(
        ErrorObject,
        error_type=st.none() | st.text(max_size=60),
        error_message=st.none() | TEXT,
        error_data=st.none() | TEXT,
        stack_trace=st.none() | st.lists(st.text(max_size=120), max_size=20).map(tuple),
    ),
)
def test_an_updates_counted_size_is_never_below_its_wire_size(
    payload: str | None, name: str | None, error: ErrorObject | None
) -> None:
    update = OperationUpdate(
        id="c" * 64,
        parent_id="p" * 64,
        name=name,
        type=OperationType.CONTEXT,
        action=OperationAction.FAIL if error else OperationAction.SUCCEED,
        sub_type="Map",
        payload=payload,
        error=error,
        context_options=ContextOptions(replay_children=True),
    )
    assert update_size(update) >= wire_bytes([update])
