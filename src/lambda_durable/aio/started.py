"""``Started``: an operation that began when it was called, as an ``asyncio.Future``.

An operation must run whether or not anything awaits it, so it cannot be a bare
coroutine; but a task per operation costs two turns of the event loop each time it is
awaited at once (``await ctx.step(fetch)``, the common case), several times the cost of
the step itself. A ``Started`` future gives both: its work becomes a task at the loop's
next turn (``begin_as_task``, which whoever starts it schedules: ``Tasks`` does it once
per turn for every operation started in that turn), and a caller that awaits it before
then runs the work itself, inside its own task, with no loop turn at all. Either way the
future ends with the work's outcome, so it can be awaited again, gathered, waited on,
cancelled or given a done callback like any task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


class Started(asyncio.Future[T]):
    """The outcome of ``work``, run by its first awaiter or else as a task;
    ``reached(error)`` hears of each error raised into an awaiter."""

    def __init__(
        self,
        work: Coroutine[Any, Any, T],
        loop: asyncio.AbstractEventLoop,
        reached: Callable[[BaseException], None],
    ) -> None:
        super().__init__(loop=loop)
        self._reached = reached
        self._work: Coroutine[Any, Any, T] | None = work
        self._task: asyncio.Task[T] | None = None
        self._runner: asyncio.Task[Any] | None = None
        """The task that runs the work itself (it awaited the future first)."""

    def begin_as_task(self) -> None:
        """Unless an awaiter runs the work already, it runs as a task (from now on)."""
        work, self._work = self._work, None
        if work is None:
            return
        self._task = self.get_loop().create_task(work)
        self._task.add_done_callback(self._copy)

    def _copy(self, task: asyncio.Task[T]) -> None:
        if self.done():
            return
        if task.cancelled():
            asyncio.Future.cancel(self)
            return
        error = task.exception()
        if error is not None:
            self.set_exception(error)
        else:
            self.set_result(task.result())

    def __await__(self) -> Generator[Any, None, T]:
        work, self._work = self._work, None
        if work is None:  # running as a task, or run by another awaiter
            try:
                return (yield from super().__await__())
            except BaseException as error:
                self._reached(error)
                raise
        self._runner = asyncio.current_task()
        try:
            result = yield from work.__await__()
        except asyncio.CancelledError:
            asyncio.Future.cancel(self)
            raise
        except BaseException as error:  # a failure or a control signal: the awaiter sees it raised
            self.set_exception(error)
            self.exception()  # retrieved: it reached the awaiter
            self._reached(error)
            raise
        self.set_result(result)
        return result

    __iter__ = __await__

    def cancel(self, msg: Any | None = None) -> bool:
        """Cancel the work, wherever it runs (as ``Task.cancel``: the work may handle it)."""
        if self.done():
            return False
        if self._work is not None:  # not begun: it begins cancelled, as a task cancelled before its first step
            self.begin_as_task()
        if self._task is not None:
            return self._task.cancel(msg)
        if self._runner is not None:
            return self._runner.cancel(msg)
        return asyncio.Future.cancel(self, msg)
