"""The checkpointer under several threads: branches of a batch checkpoint at once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from collections.abc import Iterable, Sequence

from returns.result import Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.wire import (
    CheckpointOutput,
    ExecutionStatePage,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
)


class EchoingService:
    """Answers every update with the operation it creates, slowly enough for calls from
    several threads to overlap, and records how many calls were ever in flight at once."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def checkpoint(
        self, durable_execution_arn: str, checkpoint_token: str, updates: Sequence[OperationUpdate]
    ) -> Result[CheckpointOutput, ServiceError]:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.002)
        self.received.extend(u.id for u in updates)
        now = datetime.now(UTC)
        ops = [Operation(id=u.id, type=u.type, status=OperationStatus.SUCCEEDED, start_timestamp=now) for u in updates]
        with self._lock:
            self.in_flight -= 1
        page = ExecutionStatePage(operations=ops)
        return Success(CheckpointOutput(new_execution_state=page, checkpoint_token=f"t{len(self.received)}"))

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Result[ExecutionStatePage, ServiceError]:
        return Success(ExecutionStatePage())


def update(thread: int, i: int) -> OperationUpdate:
    return OperationUpdate(id=f"t{thread}-{i}", type=OperationType.STEP, action=OperationAction.SUCCEED)


def test_concurrent_senders_each_see_their_own_update_merged_and_nothing_is_lost() -> None:
    service = EchoingService()
    merged: dict[str, Operation] = {}

    def merge(ops: Iterable[Operation]) -> None:
        for op in ops:
            merged[op.id] = op

    checkpointer = Checkpointer(service, "arn", "t0", merge)
    missing: list[str] = []
    threads_count, per_thread = 8, 25

    def sender(thread: int) -> None:
        for i in range(per_thread):
            if i % 3 == 0:
                checkpointer.defer(update(thread, i))
                continue
            checkpointer.send(update(thread, i))
            if f"t{thread}-{i}" not in merged:
                missing.append(f"t{thread}-{i}")

    threads = [threading.Thread(target=sender, args=(t,)) for t in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checkpointer.flush()

    assert missing == []  # send returned only once its own update was in the log
    expected = {f"t{t}-{i}" for t in range(threads_count) for i in range(per_thread)}
    assert sorted(service.received) == sorted(expected)  # none lost, none sent twice
    for n in range(threads_count):  # each thread's updates left in the order it made them
        mine = [u for u in service.received if u.startswith(f"t{n}-")]
        assert mine == [f"t{n}-{i}" for i in range(per_thread)]
    assert service.most_in_flight == 1  # one checkpoint call at a time per execution
    assert service.received and len(merged) == len(expected)
