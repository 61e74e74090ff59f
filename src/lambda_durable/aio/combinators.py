"""Combinators of the asynchronous API: ``all``, ``all_settled``, ``any`` and ``race`` over
operations already started (each took its id when it was called).

``all_settled`` records nothing: it waits for every operation, and on replay each answers
as it did. ``race``, ``any`` and ``all`` end at the first operation (in real time) whose
result decides them: the first to finish, to succeed, to fail. A replay cannot reproduce
timing, so each takes an id of its own when called: a STEP (subtype ``Race`` / ``Any`` /
``All``) whose result is the deciding operation's index, checkpointed when it is known. A
replay reads the index and answers with that operation's result. ``all`` records only
when a failure decided it (every success is the same list on every replay).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, NamedTuple, TypeVar

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.aio.driver import Arrivals, Tasks, conclude, perform
from lambda_durable.batch import BatchItem, BatchItemStatus, BatchResult, CompletionReason
from lambda_durable.decisions.step import FailAttempt, Returned, RunAttempt, settle_step
from lambda_durable.decisions.verdict import Replayed, Verdict
from lambda_durable.errors import BatchFailed, DurableError, InvalidArgument
from lambda_durable.operations.driver import answer
from lambda_durable.operations.step import prepare_step
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.signals import Suspend
from lambda_durable.wire import OperationType

T = TypeVar("T")

Operation = Awaitable[Result[T, DurableError]]


class Watched(NamedTuple):
    """What the operations ended with so far, by index; ``decided`` is the index whose
    result settled the question (None: all ended without one); ``suspended`` is True when
    an operation waits on the service."""

    results: dict[int, Result[Any, DurableError]]
    decided: int | None
    suspended: bool


async def watch(
    tasks: Tasks, ops: Sequence[Operation[Any]], decides: Callable[[Result[Any, DurableError]], bool]
) -> Watched:
    """Await the operations as they finish, until one's result ``decides``."""
    arrivals: Arrivals[Result[Any, DurableError]] = Arrivals()
    futures = {arrivals.add(_future(tasks, op)): index for index, op in enumerate(ops)}
    results: dict[int, Result[Any, DurableError]] = {}
    suspended = False
    for _ in range(len(futures)):
        future = await arrivals.next()
        error = future.exception()
        if isinstance(error, Suspend):
            suspended = True
            continue
        if error is not None:
            raise error
        index = futures[future]
        results[index] = future.result()
        if decides(results[index]):
            tasks.abandon(futures)  # the rest no longer decide anything: the invocation does not wait for them
            return Watched(results, index, suspended)
    return Watched(results, None, suspended)


def _future(tasks: Tasks, op: Operation[Any]) -> asyncio.Future[Result[Any, DurableError]]:
    """An operation as a future of this invocation (a ``Ready`` or a user's awaitable
    becomes a task, so it ends with the invocation like any other)."""
    if isinstance(op, asyncio.Future):
        return op
    return tasks.start(_awaited(op))


async def _awaited(op: Operation[T]) -> Result[T, DurableError]:
    return await op


def start_all(scope: Scope, tasks: Tasks, ops: Sequence[Operation[T]]) -> Awaitable[Result[list[T], DurableError]]:
    """``all``: every result in order, or the first failure to finish as ``BatchFailed``
    (recorded, so a replay names the same failure)."""
    if not ops:
        return tasks.ready(Success([]))
    return start_recorded(scope, tasks, "All", ops, _failed, _every_result, _batch_failure)


def _failed(result: Result[Any, DurableError]) -> bool:
    return not is_successful(result)


def _batch_failure(result: Result[Any, DurableError]) -> Result[Any, DurableError]:
    return result.alt(lambda error: BatchFailed(error.error))


def _every_result(watched: Watched) -> Result[Any, DurableError]:
    if watched.suspended:
        raise Suspend()
    return Success([watched.results[index].unwrap() for index in sorted(watched.results)])


async def all_settled_of(tasks: Tasks, ops: Sequence[Operation[T]]) -> Result[BatchResult[T], DurableError]:
    """Every operation's outcome, once all have one."""
    watched = await watch(tasks, ops, lambda _: False)
    if watched.suspended:
        raise Suspend()
    items = [_item(index, watched.results[index]) for index in range(len(ops))]
    return Success(BatchResult(items, CompletionReason.ALL_COMPLETED))


def _item(index: int, result: Result[T, DurableError]) -> BatchItem[T]:
    match result:
        case Success(value):
            return BatchItem(index, BatchItemStatus.SUCCEEDED, value)
        case _:
            return BatchItem(index, BatchItemStatus.FAILED, error=result.failure().error)


def start_recorded(
    scope: Scope,
    tasks: Tasks,
    sub_type: str,
    ops: Sequence[Operation[Any]],
    decides: Callable[[Result[Any, DurableError]], bool],
    undecided: Callable[[Watched], Result[T, DurableError]],
    decided: Callable[[Result[Any, DurableError]], Result[T, DurableError]] = lambda result: result,
) -> Awaitable[Result[T, DurableError]]:
    """``race`` / ``any`` / ``all``: take the record's id now; on replay answer with the
    recorded operation, else watch the operations and record the first that ``decides``.
    ``decided`` turns the deciding operation's result into the combinator's answer."""
    if not ops:
        return tasks.ready(Failure(InvalidArgument.of("InvalidArgument", f"{sub_type.lower()} needs at least one operation")))
    taken = scope.take(OperationType.STEP, sub_type, None)
    if not is_successful(taken):
        return tasks.ready(taken)
    slot = taken.unwrap()
    codec, semantics, plan = prepare_step(scope.state, slot, None)
    if isinstance(plan, Replayed):
        return tasks.start(_replayed_winner(tasks, ops, plan, decided))
    record = partial(settle_step, slot, config=None, codec=codec, semantics=semantics)
    return tasks.start(_first(scope.state.checkpointer, tasks, plan, record, ops, decides, undecided, decided))


async def _replayed_winner(
    tasks: Tasks,
    ops: Sequence[Operation[Any]],
    plan: Replayed,
    decided: Callable[[Result[Any, DurableError]], Result[T, DurableError]],
) -> Result[T, DurableError]:
    winner: Result[int, DurableError] = answer(plan.answer)
    match winner:
        case Success(index) if 0 <= index < len(ops):
            tasks.abandon(op for position, op in enumerate(ops) if position != index and isinstance(op, asyncio.Future))
            return decided(await ops[index])
        case Success(index):
            return Failure(InvalidArgument.of("InvalidArgument", f"recorded winner {index} is not among {len(ops)} operations"))
        case _:
            return Failure(winner.failure())


async def _first(
    checkpointer: Checkpointer,
    tasks: Tasks,
    plan: RunAttempt | FailAttempt,
    record: Callable[..., Verdict],
    ops: Sequence[Operation[Any]],
    decides: Callable[[Result[Any, DurableError]], bool],
    undecided: Callable[[Watched], Result[T, DurableError]],
    decided: Callable[[Result[Any, DurableError]], Result[T, DurableError]],
) -> Result[T, DurableError]:
    """Watch until one decides, then record its index as the step's result (its START
    and SUCCEED are queued: the winner is durable with the next checkpoint call)."""
    watched = await watch(tasks, ops, decides)
    winner = watched.decided
    if winner is None:
        return undecided(watched)
    if isinstance(plan, RunAttempt):
        await perform(checkpointer, plan.start)
    recorded = await conclude(checkpointer, record(Returned(winner), plan.number))
    return recorded.bind(lambda _: decided(watched.results[winner]))


def no_winner(first_success: Callable[[BatchResult[Any]], Result[T, DurableError]]) -> Callable[[Watched], Result[T, DurableError]]:
    """What ``any`` answers when no operation succeeded: suspend while one still waits,
    else the failure the synchronous ``any`` gives."""

    def undecided(watched: Watched) -> Result[T, DurableError]:
        if watched.suspended:
            raise Suspend()
        items = [_item(index, watched.results[index]) for index in sorted(watched.results)]
        return first_success(BatchResult(items, CompletionReason.ALL_COMPLETED))

    return undecided


def unsettled(watched: Watched) -> Result[Any, DurableError]:
    """What ``race`` answers when no operation finished: every one waits on the service."""
    raise Suspend()
