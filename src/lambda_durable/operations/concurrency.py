"""Fan-out, synchronous driver: map, parallel and the combinators, as a container CONTEXT
with one branch CONTEXT per item (none with FLAT nesting).

Branches run at once on worker threads (``BranchPool``), at most ``max_concurrency`` in
flight; the calling thread coordinates: it alone admits branches, reads their reports
in the order they finish and asks the ``BatchPlanner`` whether the batch is complete.
When it is, the batch returns at once: branches still running are abandoned and what
they do later is not the batch's. A branch that suspends (a wait, a callback, a retry)
keeps its slot; when nothing runs and a branch finished since the suspended ones last
ran, they run again after a flush (a finished branch may have released what one waits
on), else the whole batch suspends and a later invocation resumes it, replaying finished
branches from their own checkpoints.

Operation ids do not depend on timing (each branch owns its child scope); the order of
events across branches does, except with ``max_concurrency=1`` (index order, no thread).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple, TypeVar

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable.batch import BatchItem, BatchItemStatus, BatchResult, CompletionConfig
from lambda_durable.decisions.batch import BatchPlanner, fail_batch, settle_batch
from lambda_durable.decisions.batch_payload import BatchSerDes, BatchSummary
from lambda_durable.decisions.context import RunBody, plan_context
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import (
    BatchFailed,
    DurableError,
    InvalidArgument,
    NonDeterministicExecution,
    error_object_from_exception,
)
from lambda_durable.operations.branch_pool import BranchPool
from lambda_durable.operations.child import run_in_slot, run_virtual
from lambda_durable.operations.driver import answer, conclude, perform
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Scope, Slot
from lambda_durable.runtime.signals import AbortInvocation, ExecutionEnded, FailExecution, Suspend
from lambda_durable.serdes import SerDes
from lambda_durable.wire import OperationType

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


class Diverged(NamedTuple):
    """A branch no longer follows the recorded path: the batch fails with this."""

    error: NonDeterministicExecution


class Fatal(NamedTuple):
    """A control signal from a branch (the execution fails or ends, checkpointing broke):
    the coordinator raises it in the calling thread."""

    signal: BaseException


Report = tuple[int, BatchItem[Any] | Diverged | Fatal]


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
    return take_container(scope, spec, count, name).bind(
        lambda slot: Container(scope, slot, spec, make_context).run(branches)
    )


def take_container(scope: Scope, spec: BatchSpec, count: int, name: str | None) -> Result[Slot, DurableError]:
    """Claim the container's id, unless the completion rule cannot be met by ``count``
    branches (refused before an id is taken)."""
    minimum = spec.completion.min_successful
    if minimum is not None and minimum > count:
        return Failure(
            InvalidArgument.of(
                "InvalidArgument", f"min_successful is {minimum} but there are only {count} branches"
            )
        )
    return scope.take(OperationType.CONTEXT, spec.sub_type, name)


class Container:
    """One batch's container: its slot, codecs and the branches' child scope. The
    coordination here runs branches on threads; ``aio.batch`` reuses the rest."""

    def __init__(
        self, scope: Scope, slot: Slot, spec: BatchSpec, make_context: Callable[[Scope], Any]
    ) -> None:
        self.scope = scope
        self.slot = slot
        self.spec = spec
        self.make_context = make_context
        self.inner = scope.child(slot.op_id)
        self.checkpointer = scope.state.checkpointer
        self.item_codec: Codec[Any] = Codec(spec.item_serdes) if spec.item_serdes else scope.state.default_codec
        self.batch_codec: Codec[BatchResult[Any]] = Codec(spec.serdes or BatchSerDes(self.item_codec))

    def run(self, make_branches: Callable[[], Sequence[Branch]]) -> Result[BatchResult[Any], DurableError]:
        plan = plan_context(self.slot, self.batch_codec, BatchFailed)
        if isinstance(plan, Replayed):
            return answer(plan.answer)
        if isinstance(plan, RunBody):
            perform(self.checkpointer, plan.start)
            return self.branches(make_branches).bind(self._coordinate)
        summary = self.summary()
        return self.branches(make_branches).bind(lambda branches: self._rebuild(branches, summary))

    def summary(self) -> BatchSummary | None:
        """The stored summary of a too-large finished batch (None: the batch re-runs)."""
        existing = self.slot.existing
        details = existing.context_details if existing else None
        return BatchSummary.parse(details.result if details else None)

    def branches(self, make_branches: Callable[[], Sequence[Branch]]) -> Result[Sequence[Branch], DurableError]:
        try:
            return Success(make_branches())
        except Exception as exc:  # an item namer is user code
            return conclude(self.checkpointer, fail_batch(self.slot, error_object_from_exception(exc)))

    def _coordinate(self, branches: Sequence[Branch]) -> Result[BatchResult[Any], DurableError]:
        """Run branches until the batch is complete, or suspend it."""
        total = len(branches)
        limit = self.spec.max_concurrency or max(total, 1)
        planner = BatchPlanner(total, limit, self.spec.completion)
        if limit == 1 or total <= 1:
            runner: _Runner = _Inline(self)
        else:
            runner = _Threads(self, limit)
        try:
            running = 0
            progressed = False
            while planner.reason is None:
                for index in planner.admit():
                    runner.start(index, branches[index])
                    running += 1
                if running == 0:
                    if not (progressed and planner.has_suspended()):
                        break
                    self.checkpointer.flush()
                    progressed = False
                    for index in planner.resume():
                        runner.start(index, branches[index])
                        running += 1
                    continue
                index, report = runner.next_report()
                running -= 1
                noted = note_report(planner, index, report)
                if isinstance(noted, Diverged):
                    return Failure(noted.error)
                progressed = progressed or noted
        finally:
            runner.close()
        if planner.reason is None:
            raise Suspend()
        return self.complete(planner.result())

    def branch_report(self, index: int, branch: Branch) -> Report:
        """Run one branch to its end or its suspension (in whatever thread runs it)."""
        try:
            outcome = self._branch_outcome(index, branch)
        except BaseException as exc:  # noqa: BLE001 - classified: signals, suspension, death
            return index, raised_report(index, exc)
        return index, outcome_report(index, outcome)

    def _branch_outcome(self, index: int, branch: Branch) -> Result[Any, DurableError]:
        if self.spec.flat:
            return run_virtual(self.inner.virtual_child(index), branch.body, self.item_codec, self.make_context)
        return self.inner.take_branch(index, OperationType.CONTEXT, self.spec.branch_sub_type, branch.name).bind(
            lambda slot: run_in_slot(self.inner, slot, branch.body, self.item_codec, self.make_context)
        )

    def _rebuild(self, branches: Sequence[Branch], summary: BatchSummary | None) -> Result[BatchResult[Any], DurableError]:
        """Replay of a large batch: re-run exactly the branches that had finished."""
        if summary is None:
            return self._coordinate(branches)
        reports = (self.branch_report(index, branches[index]) for index in rebuilt_indexes(summary, branches))
        return self.rebuilt(summary, reports)

    def rebuilt(self, summary: BatchSummary, reports: Iterable[Report]) -> Result[BatchResult[Any], DurableError]:
        """The batch a summary and its re-run finished branches make (read lazily: the
        first divergence stops it)."""
        items: dict[int, BatchItem[Any]] = {
            index: BatchItem(index, BatchItemStatus.STARTED) for index in summary.started
        }
        for index, report in reports:
            if isinstance(report, Diverged):
                return Failure(report.error)
            if isinstance(report, Fatal):
                raise report.signal
            items[index] = report
        batch = BatchResult([items[index] for index in sorted(items)], summary.reason)
        return self.batch_codec.encode(batch).bind(lambda payload: self.batch_codec.replayed(batch, payload))

    def complete(self, batch: BatchResult[Any]) -> Result[BatchResult[Any], DurableError]:
        return conclude(self.checkpointer, settle_batch(self.slot, batch, self.batch_codec, self.spec.sub_type))


_EXECUTION_SIGNALS = (FailExecution, AbortInvocation, ExecutionEnded)


def rebuilt_indexes(summary: BatchSummary, branches: Sequence[Branch]) -> list[int]:
    """The branches a large batch's replay re-runs: those that had finished."""
    return [index for index in summary.completed if index < len(branches)]


def raised_report(index: int, exc: BaseException) -> BatchItem[Any] | Fatal:
    """What a branch that raised did: suspended (it keeps its slot), passed on a signal
    of the whole execution, or died alone."""
    if isinstance(exc, Suspend):
        return BatchItem(index, BatchItemStatus.STARTED)
    if isinstance(exc, _EXECUTION_SIGNALS):  # the execution fails or ends: not this branch's call
        return Fatal(exc)
    return _died(index, exc)


def outcome_report(index: int, outcome: Result[Any, DurableError]) -> BatchItem[Any] | Diverged:
    """What a branch that returned did: succeeded, failed, or left the recorded path."""
    match outcome:
        case Success(value):
            return BatchItem(index, BatchItemStatus.SUCCEEDED, value)
        case Failure(NonDeterministicExecution() as diverged):
            return Diverged(diverged)
        case failed:
            return BatchItem(index, BatchItemStatus.FAILED, error=failed.failure().error)


def note_report(planner: BatchPlanner, index: int, report: BatchItem[Any] | Diverged | Fatal) -> Diverged | bool:
    """Tell the planner what branch ``index`` did; True when it finished. A divergence is
    handed back (the batch fails with it), a control signal raised in the caller."""
    if isinstance(report, Diverged):
        return report
    if isinstance(report, Fatal):
        raise report.signal
    if report.status is BatchItemStatus.STARTED:
        planner.suspended(index)
        return False
    planner.finished(report)
    return True


def _died(index: int, exc: BaseException) -> BatchItem[Any]:
    """A branch that raised past its own error handling (the driver failed, or the thread
    was told to exit): the branch failed, the batch and the other branches go on."""
    return BatchItem(index, BatchItemStatus.FAILED, error=error_object_from_exception(exc))


class _Runner:
    """Where branches run: in the calling thread, or on a pool."""

    def start(self, index: int, branch: Branch) -> None:
        raise NotImplementedError

    def next_report(self) -> Report:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing left to run for this batch."""


class _Inline(_Runner):
    """One branch at a time in the calling thread: index order, no thread (a limit of 1,
    or a single branch)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._reports: list[Report] = []

    def start(self, index: int, branch: Branch) -> None:
        self._reports.append(self._container.branch_report(index, branch))

    def next_report(self) -> Report:
        return self._reports.pop(0)


class _Threads(_Runner):
    """Branches on a ``BranchPool``; reports in the order branches finish."""

    def __init__(self, container: Container, limit: int) -> None:
        self._container = container
        self._pool: BranchPool[Report] = BranchPool(limit, _crashed)

    def start(self, index: int, branch: Branch) -> None:
        self._pool.submit(index, partial(self._container.branch_report, index, branch))

    def next_report(self) -> Report:
        # waiting on I/O-bound branches: send their queued updates now, off the critical path
        return self._pool.next_report(self._container.checkpointer.flush_queued)

    def close(self) -> None:
        self._pool.close()


def _crashed(index: int, exc: BaseException) -> Report:
    """``branch_report`` catches everything; should a task still raise, its branch fails
    rather than being waited for forever."""
    return index, _died(index, exc)
