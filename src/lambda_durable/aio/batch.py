"""Fan-out, asynchronous driver: map and parallel with branches as asyncio tasks.

The container, its codecs, the reports and the completion rules are those of the
synchronous driver (``operations.concurrency.Container``, ``decisions.batch.BatchPlanner``);
only how branches run differs: each admitted branch is a task, the coordinator awaits
the first to finish. A suspended branch keeps its slot; a met completion rule ends the
batch at once, branches still running are abandoned (recorded STARTED) and end with
the invocation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from returns.pipeline import is_successful
from returns.result import Failure, Result

from lambda_durable.aio.child import run_in_slot, run_virtual
from lambda_durable.aio.driver import Arrivals, Tasks, flush, off_loop, perform, uncancel
from lambda_durable.batch import BatchResult
from lambda_durable.decisions.batch import BatchPlanner
from lambda_durable.decisions.context import RunBody, plan_context
from lambda_durable.decisions.verdict import Replayed
from lambda_durable.errors import BatchFailed, DurableError
from lambda_durable.operations.branch_pool import MAX_IDLE_SECONDS, STALL_SECONDS
from lambda_durable.operations.concurrency import (
    BatchSpec,
    Branch,
    Container,
    Diverged,
    Report,
    note_report,
    outcome_report,
    raised_report,
    rebuilt_indexes,
    take_container,
)
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.signals import Suspend
from lambda_durable.wire import OperationType


def start_batch(
    scope: Scope,
    tasks: Tasks,
    spec: BatchSpec,
    branches: Callable[[], Sequence[Branch]],
    count: int,
    name: str | None,
    make_context: Callable[[Scope], Any],
) -> Awaitable[Result[BatchResult[Any], DurableError]]:
    """Take the container's id now; replay the batch at once or coordinate it as a task."""
    taken = take_container(scope, spec, count, name)
    if not is_successful(taken):
        return tasks.ready(taken)
    container = Container(scope, taken.unwrap(), spec, make_context)
    plan = plan_context(container.slot, container.batch_codec, BatchFailed)
    if isinstance(plan, Replayed):
        return tasks.ready(plan.answer)
    return tasks.start(_AsyncContainer(container, tasks).run(branches))


class _AsyncContainer:
    def __init__(self, container: Container, tasks: Tasks) -> None:
        self.container = container
        self.tasks = tasks
        self._latest_start = 0.0
        """When the most recent branch began (``perf_counter``)."""

    async def run(self, make_branches: Callable[[], Sequence[Branch]]) -> Result[BatchResult[Any], DurableError]:
        container = self.container
        plan = plan_context(container.slot, container.batch_codec, BatchFailed)
        if isinstance(plan, Replayed):
            return answer(plan.answer)
        if isinstance(plan, RunBody):
            await perform(container.checkpointer, plan.start)
        summary = None if isinstance(plan, RunBody) else container.summary()
        made = container.branches(make_branches)
        if not is_successful(made):
            return Failure(made.failure())
        branches = made.unwrap()
        if summary is None:
            return await self._coordinate(branches)
        reports = [await self._report(index, branches[index]) for index in rebuilt_indexes(summary, branches)]
        return container.rebuilt(summary, reports)

    async def _coordinate(self, branches: Sequence[Branch]) -> Result[BatchResult[Any], DurableError]:
        """Run branches until the batch is complete, or suspend it."""
        container = self.container
        total = len(branches)
        planner = BatchPlanner(total, container.spec.max_concurrency or max(total, 1), container.spec.completion)
        arrivals: Arrivals[Report] = Arrivals()
        running: set[asyncio.Future[Report]] = set()
        progressed = False
        while planner.reason is None:
            for index in planner.admit():
                running.add(arrivals.add(self._start(index, branches[index])))
            if not running:
                if not (progressed and planner.has_suspended()):
                    break
                await flush(container.checkpointer)  # a finished branch may release a waiting one
                progressed = False
                for index in planner.resume():
                    running.add(arrivals.add(self._start(index, branches[index])))
                continue
            arrived = await self._next_arrival(arrivals)
            running.discard(arrived)
            index, report = arrived.result()
            noted = note_report(planner, index, report)
            if isinstance(noted, Diverged):
                self.tasks.abandon(running)
                return Failure(noted.error)
            progressed = progressed or noted
        if planner.reason is None:
            raise Suspend()
        self.tasks.abandon(running)  # a completion rule was met: the rest no longer count
        return container.complete(planner.result())  # a queued update: nothing to wait for

    async def _next_arrival(self, arrivals: Arrivals[Report]) -> asyncio.Future[Report]:
        """The next branch to finish. While none does and none has just started (their
        set-up comes first), the updates branches queued go out, off the loop: the batch's
        last call then carries less, as with the sync driver's pool. After a look with
        nothing to send, the next comes twice as late (up to ``MAX_IDLE_SECONDS``)."""
        pause = STALL_SECONDS
        while True:
            quiet_for = time.perf_counter() - self._latest_start
            wait = pause if quiet_for >= STALL_SECONDS else STALL_SECONDS - quiet_for
            arrived = await arrivals.next_within(wait)
            if arrived is not None:
                return arrived
            if time.perf_counter() - self._latest_start >= STALL_SECONDS:
                sent = await off_loop(self.container.checkpointer.flush_queued)
                pause = STALL_SECONDS if sent else min(pause * 2, MAX_IDLE_SECONDS)

    def _start(self, index: int, branch: Branch) -> asyncio.Future[Report]:
        return self.tasks.start(self._report(index, branch))

    async def _report(self, index: int, branch: Branch) -> Report:
        """Run one branch to its end or its suspension."""
        self._latest_start = time.perf_counter()
        try:
            outcome = await self._outcome(index, branch)
        except asyncio.CancelledError:
            if not self.tasks.cancellation_fails_attempts():
                raise
            uncancel()
            return index, raised_report(index, asyncio.CancelledError(f"branch {index} was cancelled"))
        except BaseException as exc:  # noqa: BLE001 - classified: signals, suspension, death
            return index, raised_report(index, exc)
        return index, outcome_report(index, outcome)

    async def _outcome(self, index: int, branch: Branch) -> Result[Any, DurableError]:
        container = self.container
        inner = container.inner
        if container.spec.flat:
            return await run_virtual(inner.virtual_child(index), branch.body, container.item_codec, container.make_context)
        taken = inner.take_branch(index, OperationType.CONTEXT, container.spec.branch_sub_type, branch.name)
        if not is_successful(taken):
            return taken
        return await run_in_slot(inner, taken.unwrap(), branch.body, container.item_codec, container.make_context)

