"""Batch decisions (docs/protocol.md §5.8): which branches start, when the batch is
complete and why, and what the container checkpoints at the end.

``BatchPlanner`` is the coordinator's bookkeeping, free of threads and I/O: the driver
tells it what each branch did (finished, or suspended) and asks it which branches to
start next and whether a completion rule is met. Admission is in index order while fewer
than ``limit`` branches are in flight; a suspended branch stays in flight (it keeps its
slot), so ``limit`` bounds started-and-unfinished work, waits and callbacks included.
"""

from __future__ import annotations

from typing import Any

from returns.result import Failure, Success

from lambda_durable.batch import BatchItem, BatchItemStatus, BatchResult, CompletionConfig, CompletionReason
from lambda_durable.decisions.batch_payload import BatchSummary
from lambda_durable.decisions.context import REPLAY_CHILDREN_THRESHOLD, context_options
from lambda_durable.decisions.verdict import Send, Verdict
from lambda_durable.errors import BatchFailed
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import ErrorObject, OperationAction


class BatchPlanner:
    """Admissions, outcomes and the completion rule of one batch run."""

    __slots__ = ("_completion", "_limit", "_next", "_outcomes", "_suspended", "_total", "failed", "in_flight", "reason", "succeeded")

    def __init__(self, total: int, limit: int, completion: CompletionConfig) -> None:
        self._total = total
        self._limit = limit
        self._completion = completion
        self._next = 0
        self._outcomes: dict[int, BatchItem[Any]] = {}
        self._suspended: set[int] = set()
        self.in_flight = self.succeeded = self.failed = 0
        self.reason: CompletionReason | None = None if total else CompletionReason.ALL_COMPLETED

    def admit(self) -> list[int]:
        """The branches to start now, in index order: none once the batch is complete."""
        admitted: list[int] = []
        while self.reason is None and self._next < self._total and self.in_flight < self._limit:
            admitted.append(self._next)
            self._next += 1
            self.in_flight += 1
        return admitted

    def suspended(self, index: int) -> None:
        """Branch ``index`` waits on the service; it keeps its slot."""
        self._outcomes[index] = BatchItem(index, BatchItemStatus.STARTED)
        self._suspended.add(index)

    def resume(self) -> list[int]:
        """The suspended branches, to run again (they still hold their slots)."""
        again = sorted(self._suspended)
        self._suspended.clear()
        return again

    def finished(self, item: BatchItem[Any]) -> None:
        """Branch ``item.index`` ended; the batch may be complete now."""
        self._outcomes[item.index] = item
        self.in_flight -= 1
        if item.status is BatchItemStatus.SUCCEEDED:
            self.succeeded += 1
        else:
            self.failed += 1
        self.reason = completion_reason(self._completion, self.succeeded, self.failed, self._total)

    def has_suspended(self) -> bool:
        return bool(self._suspended)

    def result(self) -> BatchResult[Any]:
        """The batch as it stands: one item per started branch, in index order; a branch
        still running (abandoned when a rule completed the batch) is STARTED."""
        reason = self.reason or CompletionReason.ALL_COMPLETED
        items = [self._outcomes.get(index) or BatchItem(index, BatchItemStatus.STARTED) for index in range(self._next)]
        return BatchResult(items, reason)


def completion_reason(
    completion: CompletionConfig, succeeded: int, failed: int, total: int
) -> CompletionReason | None:
    """Why the batch is complete now, or None (docs/protocol.md §5.8 precedence)."""
    if completion.tolerance_exceeded(failed, total):
        return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
    if succeeded + failed >= total:
        return CompletionReason.ALL_COMPLETED
    if completion.min_reached(succeeded):
        return CompletionReason.MIN_SUCCESSFUL_REACHED
    return None


def settle_batch(slot: Slot, batch: BatchResult[Any], codec: Codec[BatchResult[Any]], sub_type: str) -> Verdict:
    """The container's SUCCEED with the batch as its payload (a summary when too large:
    replay then rebuilds the items from the branches); FAIL if the batch cannot be
    written. The container never fails because branches failed."""
    match codec.encode(batch):
        case Success(payload):
            pass
        case Failure(error):
            return fail_batch(slot, error.error)
    large = len(payload) > REPLAY_CHILDREN_THRESHOLD
    stored = BatchSummary.of(batch, sub_type).text() if large else payload
    succeed = slot.update(OperationAction.SUCCEED, stored, context_options=context_options(large))
    return Verdict(Send(succeed, False), codec.replayed(batch, payload))


def fail_batch(slot: Slot, error: ErrorObject) -> Verdict:
    """The container fails: the batch itself could not run or be recorded."""
    return Verdict(Send(slot.update(OperationAction.FAIL, error=error), False), Failure(BatchFailed(error)))
