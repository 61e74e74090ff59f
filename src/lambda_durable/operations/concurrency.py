"""Fan-out: map, parallel and the combinators, as a container CONTEXT with branch CONTEXTs.

Branches run one after another in index order, inside this invocation. A branch that
suspends (a wait, a callback, a retry) keeps its slot, and the next branch starts while
``max_concurrency`` allows; when no branch can progress the whole batch suspends and a
later invocation resumes it, replaying finished branches from their own checkpoints.
Running branches in order keeps every invocation deterministic: the same log always
yields the same admissions, the same completion point and the same ``BatchResult``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable.batch import (
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    CompletionReason,
)
from lambda_durable.errors import (
    BatchFailed,
    DurableError,
    InvalidArgument,
    NonDeterministicExecution,
    error_object_from_exception,
)
from lambda_durable.operations.child import (
    REPLAY_CHILDREN_THRESHOLD,
    context_options,
    run_in_slot,
    run_virtual,
)
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import Suspend
from lambda_durable.serdes import KnowsRoundTrip, SerDes, dumps
from lambda_durable.wire import (
    PYTHON,
    ErrorObject,
    OperationAction,
    OperationStatus,
    OperationType,
)

C = TypeVar("C")


@frozen
class Branch:
    """One unit of a batch: its wire name and its body (run in its own child context)."""

    name: str | None
    body: Callable[[Any], object]


@frozen
class BatchSpec:
    """How one kind of batch is recorded and when it is complete."""

    sub_type: str
    branch_sub_type: str
    completion: CompletionConfig
    max_concurrency: int | None = None
    serdes: SerDes[BatchResult[Any]] | None = None
    item_serdes: SerDes[Any] | None = None
    flat: bool = False


def run_batch(
    scope: Scope,
    spec: BatchSpec,
    branches: Callable[[], Sequence[Branch]],
    count: int,
    name: str | None,
    make_context: Callable[[Scope], C],
) -> Result[BatchResult[Any], DurableError]:
    """The container operation. ``branches`` is called once the id is claimed (item
    namers are user code: if one raises, the container fails rather than the process)."""
    minimum = spec.completion.min_successful
    if minimum is not None and minimum > count:
        return Failure(
            InvalidArgument.of(
                "InvalidArgument", f"min_successful is {minimum} but there are only {count} branches"
            )
        )
    slot = scope.take(OperationType.CONTEXT, spec.sub_type, name)
    if isinstance(slot, NonDeterministicExecution):
        return Failure(slot)
    return _Container(scope, slot, spec, make_context).run(branches)


class _Container:
    def __init__(
        self, scope: Scope, slot: Slot, spec: BatchSpec, make_context: Callable[[Scope], Any]
    ) -> None:
        self.scope = scope
        self.slot = slot
        self.spec = spec
        self.make_context = make_context
        self.inner = scope.child(slot.op_id)
        state = scope.state
        self.item_codec: Codec[Any] = Codec(spec.item_serdes) if spec.item_serdes else state.default_codec
        self.batch_codec: Codec[BatchResult[Any]] = Codec(
            spec.serdes or _DefaultBatchSerDes(self.item_codec)
        )

    def run(self, make_branches: Callable[[], Sequence[Branch]]) -> Result[BatchResult[Any], DurableError]:
        existing = self.slot.existing
        details = existing.context_details if existing else None
        if existing is not None and existing.status is OperationStatus.SUCCEEDED:
            payload = details.result if details else None
            if not (details and details.replay_children):
                return self.batch_codec.decode(payload)
            self.inner.replaying = True
            return self._branches(make_branches).bind(
                lambda branches: self._rebuild(branches, _Summary.parse(payload))
            )
        if existing is not None and existing.status.is_terminal:
            error = details.error if details and details.error else ErrorObject()
            return Failure(BatchFailed(error))
        if existing is None:
            self.scope.state.checkpointer.defer(self.slot.update(OperationAction.START))
        return self._branches(make_branches).bind(self._coordinate)

    def _branches(self, make_branches: Callable[[], Sequence[Branch]]) -> Result[Sequence[Branch], DurableError]:
        try:
            return Success(make_branches())
        except Exception as exc:  # an item namer is user code
            return self._fail(error_object_from_exception(exc))

    def _coordinate(self, branches: Sequence[Branch]) -> Result[BatchResult[Any], DurableError]:
        """Admit branches in index order while slots are free, until the batch is complete.

        When a pass finished some branch while others stayed suspended, the suspended ones
        get another pass after a flush: a later branch may have released what an earlier
        one waits on (e.g. cancelled its wait). Passes stop when one makes no progress.
        """
        total = len(branches)
        limit = self.spec.max_concurrency or max(total, 1)
        outcomes: dict[int, BatchItem[Any]] = {}
        tally = _Tally()
        reason: CompletionReason | None = None if total else CompletionReason.ALL_COMPLETED
        while reason is None:
            progressed = False
            for index, branch in enumerate(branches):
                previous = outcomes.get(index)
                if previous is not None and previous.status is not BatchItemStatus.STARTED:
                    continue
                if previous is None and tally.in_flight >= limit:
                    break
                outcome = self._run_branch(index, branch, again=previous is not None)
                if isinstance(outcome, NonDeterministicExecution):
                    return Failure(outcome)
                outcomes[index] = outcome
                tally.record(previous, outcome)
                if outcome.status is BatchItemStatus.STARTED:
                    continue
                progressed = True
                reason = _reason(self.spec.completion, tally.succeeded, tally.failed, total)
                if reason is not None:
                    break
            if reason is not None or not progressed or tally.in_flight == 0:
                break
            self.scope.state.checkpointer.flush()
        if reason is None:
            raise Suspend()
        return self._complete(BatchResult(_items(outcomes), reason))

    def _run_branch(
        self, index: int, branch: Branch, *, again: bool = False
    ) -> BatchItem[Any] | NonDeterministicExecution:
        """Run (or, with ``again``, re-run after a flush) one branch to its end or
        suspension; its item, or the divergence that kept it from claiming its id.
        Plain values, not ``Result``s: this runs once per item."""
        replaying = self.inner.replaying
        if again:
            self.inner.replaying = True  # its earlier log lines were already written
        try:
            outcome = self._branch_outcome(index, branch)
        except Suspend:
            return BatchItem(index, BatchItemStatus.STARTED)
        finally:
            self.inner.replaying = replaying
        if isinstance(outcome, NonDeterministicExecution):
            return outcome
        if isinstance(outcome, Success):
            return BatchItem(index, BatchItemStatus.SUCCEEDED, outcome.unwrap())
        return BatchItem(index, BatchItemStatus.FAILED, error=outcome.failure().error)

    def _branch_outcome(
        self, index: int, branch: Branch
    ) -> Result[Any, DurableError] | NonDeterministicExecution:
        if self.spec.flat:
            scope = self.inner.virtual_child(index)
            return run_virtual(scope, branch.body, self.item_codec, self.make_context)
        sub_type = self.spec.branch_sub_type
        slot = self.inner.take_branch(index, OperationType.CONTEXT, sub_type, branch.name)
        if isinstance(slot, NonDeterministicExecution):
            return slot
        return run_in_slot(self.inner, slot, branch.body, self.item_codec, self.make_context)

    def _rebuild(self, branches: Sequence[Branch], summary: _Summary | None) -> Result[BatchResult[Any], DurableError]:
        """Replay of a large batch: re-run exactly the branches that had finished."""
        if summary is None:
            return self._coordinate(branches)
        outcomes: dict[int, BatchItem[Any]] = {}
        for index in summary.started:
            outcomes[index] = BatchItem(index, BatchItemStatus.STARTED)
        for index in summary.completed:
            if index >= len(branches):
                continue
            outcome = self._run_branch(index, branches[index])
            if isinstance(outcome, NonDeterministicExecution):
                return Failure(outcome)
            outcomes[index] = outcome
        batch = BatchResult(_items(outcomes), summary.reason)
        return self.batch_codec.encode(batch).bind(lambda payload: self.batch_codec.replayed(batch, payload))

    def _complete(self, batch: BatchResult[Any]) -> Result[BatchResult[Any], DurableError]:
        encoded = self.batch_codec.encode(batch)
        if isinstance(encoded, Failure):
            return self._fail(encoded.failure().error)
        payload = encoded.unwrap()
        large = len(payload) > REPLAY_CHILDREN_THRESHOLD
        stored = _Summary.of(batch, self.spec.sub_type).text() if large else payload
        self.scope.state.checkpointer.defer(
            self.slot.update(OperationAction.SUCCEED, stored, context_options=context_options(large))
        )
        return self.batch_codec.replayed(batch, payload)

    def _fail(self, error: ErrorObject) -> Result[Any, DurableError]:
        self.scope.state.checkpointer.defer(self.slot.update(OperationAction.FAIL, error=error))
        return Failure(BatchFailed(error))


class _Tally:
    """Branch counts, kept up to date as outcomes change (O(1) per branch)."""

    def __init__(self) -> None:
        self.in_flight = self.succeeded = self.failed = 0

    def record(self, previous: BatchItem[Any] | None, outcome: BatchItem[Any]) -> None:
        if previous is not None:  # only a STARTED branch is ever run again
            self.in_flight -= 1
        if outcome.status is BatchItemStatus.STARTED:
            self.in_flight += 1
        elif outcome.status is BatchItemStatus.SUCCEEDED:
            self.succeeded += 1
        else:
            self.failed += 1


def _reason(
    completion: CompletionConfig, succeeded: int, failed: int, total: int
) -> CompletionReason | None:
    """Why the batch is complete now, or None (PROTOCOL.md §5.8 precedence)."""
    if completion.tolerance_exceeded(failed, total):
        return CompletionReason.FAILURE_TOLERANCE_EXCEEDED
    if succeeded + failed >= total:
        return CompletionReason.ALL_COMPLETED
    if completion.min_reached(succeeded):
        return CompletionReason.MIN_SUCCESSFUL_REACHED
    return None


def _items(outcomes: dict[int, BatchItem[Any]]) -> list[BatchItem[Any]]:
    return [outcomes[index] for index in sorted(outcomes)]


@frozen
class _Summary:
    """What a too-large batch stores instead of its items (ReplayChildren)."""

    kind: str
    reason: CompletionReason
    completed: tuple[int, ...]
    started: tuple[int, ...]
    success_count: int
    failure_count: int

    @classmethod
    def of(cls, batch: BatchResult[Any], sub_type: str) -> _Summary:
        finished = tuple(i.index for i in batch.items if i.status is not BatchItemStatus.STARTED)
        started = tuple(i.index for i in batch.items if i.status is BatchItemStatus.STARTED)
        return cls(
            f"{sub_type}Result",
            batch.completion_reason,
            finished,
            started,
            batch.success_count,
            batch.failure_count,
        )

    def text(self) -> str:
        return dumps(
            {
                "type": self.kind,
                "totalCount": len(self.completed) + len(self.started),
                "completionReason": self.reason.value,
                "completedIndexes": list(self.completed),
                "startedIndexes": list(self.started),
                "successCount": self.success_count,
                "failureCount": self.failure_count,
            }
        )

    @classmethod
    def parse(cls, text: str | None) -> _Summary | None:
        try:
            data = json.loads(text or "")
            return cls(
                str(data["type"]),
                CompletionReason(data["completionReason"]),
                tuple(int(i) for i in data["completedIndexes"]),
                tuple(int(i) for i in data["startedIndexes"]),
                int(data["successCount"]),
                int(data["failureCount"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


@frozen
class _DefaultBatchSerDes(SerDes[BatchResult[Any]], KnowsRoundTrip):
    """A BatchResult as JSON; each item's result is stored with the item codec's text, so
    custom item codecs and rich result types survive the round trip."""

    item_codec: Codec[Any]

    def serialize(self, value: BatchResult[Any], /) -> str:
        items = []
        for item in value.items:
            entry: dict[str, Any] = {"index": item.index, "status": item.status.value}
            if item.status is BatchItemStatus.SUCCEEDED:
                entry["result"] = self.item_codec.encode(item.result).unwrap()
            if item.error is not None:
                entry["error"] = _error_json(item.error)
            items.append(entry)
        return dumps({"items": items, "completionReason": value.completion_reason.value})

    def reads_back_unchanged(self, value: BatchResult[Any], /) -> bool:
        """Items without errors whose results the item codec reads back unchanged."""
        codec = self.item_codec
        return all(
            item.error is None
            and (item.status is not BatchItemStatus.SUCCEEDED or codec.reads_back_unchanged(item.result))
            for item in value.items
        )

    def deserialize(self, data: str, /) -> BatchResult[Any]:
        raw = json.loads(data)
        items = []
        for entry in raw["items"]:
            status = BatchItemStatus(entry["status"])
            result = (
                self.item_codec.decode(entry.get("result")).unwrap()
                if status is BatchItemStatus.SUCCEEDED
                else None
            )
            error = _error_from_json(entry["error"]) if entry.get("error") else None
            items.append(BatchItem(int(entry["index"]), status, result, error))
        return BatchResult(items, CompletionReason(raw["completionReason"]))


def _error_json(error: ErrorObject) -> Any:
    return PYTHON.encode(error)


def _error_from_json(data: object) -> ErrorObject:
    decoded = PYTHON.decode(ErrorObject, data)
    return decoded.unwrap() if isinstance(decoded, Success) else ErrorObject(error_message=str(data))
