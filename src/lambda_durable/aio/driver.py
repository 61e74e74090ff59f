"""The asynchronous driver's primitives, the twins of ``operations.driver``.

An operation takes its id when it is called and starts at once (``Tasks``, ``Started``),
so ids never depend on when, or whether, the caller awaits. An operation the log answers
at call time needs no task (``Ready``). Checkpoint calls that wait for the service run
in a worker thread (the ``Checkpointer`` is thread-safe) so the event loop keeps going;
queued updates stay inline (they only append to a list). The worker threads belong to
the process (``off_loop``), not to an invocation's loop: a warm Lambda reuses them, so
no invocation pays for starting or joining a thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar

from returns.result import Result

from lambda_durable.aio.started import Started
from lambda_durable.decisions.step import PLAIN
from lambda_durable.decisions.verdict import Answer, Send, Verdict
from lambda_durable.errors import DurableError
from lambda_durable.operations.driver import answer
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.signals import AbortInvocation, ExecutionEnded, FailExecution, Suspend

T = TypeVar("T")


class Ready(Generic[T]):
    """An operation the log answered at call time: awaiting it returns that answer (or
    suspends), as often as it is awaited, without a task."""

    __slots__ = ("_answer", "_tasks")

    def __init__(self, outcome: Answer, tasks: Tasks) -> None:
        self._answer = outcome
        self._tasks = tasks

    def __await__(self) -> Generator[Any, None, Result[T, DurableError]]:
        return _answered(self._answer, self._tasks).__await__()


async def _answered(outcome: Answer, tasks: Tasks) -> Result[Any, DurableError]:
    try:
        return answer(outcome)
    except Suspend as suspended:
        tasks.reached(suspended)
        raise


class Tasks:
    """The tasks the operations of one invocation started, and how they end with it.

    When the handler returns or suspends, every operation still running is run to its
    end or to its next durable pause (``drain``): a step started and never awaited still
    runs and is recorded, and a suspended invocation never cuts a running body short.
    Then nothing is left pending. Branches a batch abandoned (a completion rule was met
    without them) and everything left when the handler failed are cancelled instead
    (``closing`` tells them not to record the cancellation: the next invocation, if any,
    replays them). Every outcome is collected, so no exception goes unretrieved.

    Once a suspension has reached code awaiting an operation (``suspending``), the
    invocation is on its way out: a cancellation that follows (a task group cancelling
    the siblings of the task that suspended) is not a failed attempt either."""

    __slots__ = ("_tasks", "_unbegun", "_abandoned", "closing", "suspending")

    def __init__(self) -> None:
        self._tasks: list[asyncio.Future[Any]] = []
        self._unbegun: list[Started[Any]] = []
        """Started in this turn of the loop; those still not awaited at the next become tasks."""
        self._abandoned: set[asyncio.Future[Any]] = set()
        self.closing = False
        self.suspending = False

    def start(self, work: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Begin ``work`` now: its first awaiter runs it, else it runs as a task from the
        loop's next turn (one callback per turn, not one per operation)."""
        loop = asyncio.get_running_loop()
        started = Started(work, loop, self.reached)
        self._tasks.append(started)
        if not self._unbegun:
            loop.call_soon(self._begin_unawaited)
        self._unbegun.append(started)
        return started

    def _begin_unawaited(self) -> None:
        """A new turn of the loop: every operation nobody awaited yet runs as a task, in
        the order they were started."""
        unbegun, self._unbegun = self._unbegun, []
        for started in unbegun:
            started.begin_as_task()

    def ready(self, outcome: Answer) -> Ready[Any]:
        """An operation the log answered when it was called."""
        return Ready(outcome, self)

    def reached(self, error: BaseException) -> None:
        """``error`` came out of an operation into the code awaiting it."""
        if isinstance(error, Suspend):
            self.suspending = True

    def cancellation_fails_attempts(self) -> bool:
        """Whether a cancellation now comes from user code (a failed attempt), not from
        the invocation ending or suspending (the next invocation runs the work again)."""
        return not (self.closing or self.suspending)

    def abandon(self, tasks: Iterable[asyncio.Future[Any]]) -> None:
        """``tasks`` no longer matter to anyone: the invocation does not wait for them."""
        self._abandoned.update(task for task in tasks if not task.done())

    async def drain(self) -> BaseException | None:
        """Cancel the abandoned tasks, then wait until every other task has ended (tasks
        they start included). The first signal of the whole execution one of them raised
        (failing or ending it), if any: the invocation ends with it. A suspension of an
        operation nobody awaited does not suspend the invocation (its pause is durable;
        the execution does not wait for it)."""
        await self._cancel([task for task in self._tasks if task in self._abandoned])
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.wait(pending)
        ended, self._tasks = self._tasks, []
        outcomes = [task.exception() for task in ended if not task.cancelled()]
        return next((error for error in outcomes if isinstance(error, EXECUTION_SIGNALS)), None)

    async def close(self) -> None:
        """Cancel whatever still runs (the handler failed, or nothing is left)."""
        while self._tasks:
            tasks, self._tasks = self._tasks, []
            await self._cancel(tasks)

    async def _cancel(self, tasks: list[asyncio.Future[Any]]) -> None:
        if not tasks:
            return
        self.closing = True
        try:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.closing = False


EXECUTION_SIGNALS = (FailExecution, ExecutionEnded, AbortInvocation)
"""The signals that end the whole execution (or the invocation) whoever raises them."""


def uncancel() -> None:
    """The current task handled its cancellation (it became a failed attempt): it goes on
    as if it had not been cancelled, so ``asyncio.timeout`` and task groups see it right."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


class Arrivals(Generic[T]):
    """Futures in the order they finish (``asyncio.wait`` hands back an unordered set):
    the first to finish in real time is the first taken, as with the sync driver's
    report queue."""

    __slots__ = ("_finished", "_waiter")

    def __init__(self) -> None:
        self._finished: deque[asyncio.Future[T]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        """What ``next_within`` awaits while no future has finished."""

    def add(self, future: asyncio.Future[T]) -> asyncio.Future[T]:
        future.add_done_callback(self._arrived)
        return future

    def _arrived(self, future: asyncio.Future[T]) -> None:
        self._finished.append(future)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self) -> asyncio.Future[T]:
        while True:
            arrived = await self.next_within(None)
            if arrived is not None:
                return arrived

    async def next_within(self, seconds: float | None) -> asyncio.Future[T] | None:
        """The next future to finish, or None if none does within ``seconds``."""
        if not self._finished:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = None if seconds is None else loop.call_later(seconds, _expire, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
            if not self._finished:
                return None
        return self._finished.popleft()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def queued_at_once(checkpointer: Checkpointer, send: Send | None) -> Send | None:
    """Queue ``send`` right here when that needs no await (nobody waits on it and the
    queue has room): None, done; else ``send``, for ``perform``."""
    if send is None:
        return None
    if send.wait or not checkpointer.defer_unless_full(send.update):
        return send
    return None


async def perform(checkpointer: Checkpointer, send: Send | None) -> None:
    """Checkpoint ``send``: off the loop when its caller waits on the answer (or the queue is
    full and must be sent first), else queued."""
    if send is None:
        return
    if send.wait:
        await off_loop(checkpointer.send, send.update)
        return
    while not checkpointer.defer_unless_full(send.update):
        making_room = _making_room.get(checkpointer)
        if making_room is None or making_room.done():
            making_room = asyncio.ensure_future(off_loop(checkpointer.defer, send.update))
            making_room.add_done_callback(_retrieved)
            _making_room[checkpointer] = making_room
            await asyncio.shield(making_room)  # a cancelled caller leaves the call to the others
            return
        await asyncio.shield(making_room)  # one call makes room for every update that waits


def _retrieved(call: asyncio.Future[None]) -> None:
    """Its failure reached whoever waited; this only keeps asyncio from reporting it
    as never retrieved when every waiter was cancelled."""
    if not call.cancelled():
        call.exception()


_making_room: weakref.WeakKeyDictionary[Checkpointer, asyncio.Future[None]] = weakref.WeakKeyDictionary()
"""Per checkpointer, the call in flight that empties its full queue: updates that find
the queue full meanwhile wait for it, instead of each taking a checkpoint thread."""


async def conclude(checkpointer: Checkpointer, verdict: Verdict) -> Result[Any, DurableError]:
    """Perform a verdict: its update first, then its answer."""
    await perform(checkpointer, verdict.send)
    return answer(verdict.answer)


async def before_body(checkpointer: Checkpointer) -> None:
    """``Checkpointer.before_user_code``, off the loop when it has a call to make."""
    if checkpointer.due_before_user_code():
        await off_loop(checkpointer.before_user_code)


async def flush(checkpointer: Checkpointer) -> None:
    await off_loop(checkpointer.flush)


_IO_WORKERS = 4
_io_lock = threading.Lock()
_io: tuple[int, ThreadPoolExecutor] | None = None


def _io_pool() -> ThreadPoolExecutor:
    """This process's checkpoint threads (a forked child makes its own: the parent's
    threads do not exist there)."""
    global _io
    with _io_lock:
        if _io is None or _io[0] != os.getpid():
            _io = (os.getpid(), ThreadPoolExecutor(_IO_WORKERS, thread_name_prefix="lambda-durable-checkpoint"))
        return _io[1]


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` on a checkpoint thread (in this task's context variables), awaited."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_io_pool(), partial(context.run, fn, *args))


async def settled(value: object) -> object:
    """What user code produced once awaited: a coroutine, a ``FutureResult`` (awaits to an
    ``IOResult``) or a coroutine of one are awaited until a plain value remains."""
    while type(value) not in PLAIN and inspect.isawaitable(value):
        value = await value
    return value
