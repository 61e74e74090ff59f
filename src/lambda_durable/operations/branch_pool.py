"""Worker threads for the branches of one batch, started only when the work needs them.

Branch bodies are mostly I/O (an HTTP call, a query), sometimes a few microseconds of
Python. Threads pay off only for the first kind (the GIL runs one Python thread at a
time), so the pool starts small and grows when the work stalls: when branches wait for a
worker and every worker has been on its current branch for ``stall`` seconds (so none is
making progress: they wait on I/O), the pool quadruples, up to ``limit``. A batch of
quick branches keeps running on a few threads (one of them always has just started a
branch), a batch of sleeping ones has a hundred threads after three stalls. (Doubling
took five; adding every waiting branch at once let a slow machine, where quick branches
look stuck, start a thread per branch.)
While the coordinator waits with no branch left to start, it hands the idle time to the
caller (``next_report(idle)``): a batch sends the updates its branches queued, off the
critical path.
Threads come from the process's ``ThreadReserve`` and go back to it as soon as no branch
waits for them: a worker that finds the queue empty leaves (the pool keeps its size and
takes a thread again for the next branch), so closing the pool wakes nobody while the
batch completes. The coordinator (the calling thread) is the only one that submits, reads
reports and closes the pool; workers only run tasks.

Every task runs in a copy of the coordinator's ``contextvars`` context, so what is
context-local there (log capture, a tracer's current span) holds in the branch too.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Generic, TypeVar

from lambda_durable.operations.thread_reserve import RESERVE, ThreadReserve

R = TypeVar("R")

INITIAL_WORKERS = 4
GROWTH = 3
"""Workers added per stall, per worker running: the pool quadruples (4, 16, 64, 256)."""
STALL_SECONDS = 0.00025
"""A few times a quick branch's own cost: longer only delays I/O-bound batches."""
MAX_IDLE_SECONDS = 0.05
"""How long a coordinator with nothing to do sleeps at most between two looks."""


class BranchPool(Generic[R]):
    """Runs submitted tasks on worker threads; their reports come back in arrival order."""

    def __init__(
        self,
        limit: int,
        crashed: Callable[[int, BaseException], R],
        *,
        stall: float = STALL_SECONDS,
        reserve: ThreadReserve = RESERVE,
    ) -> None:
        """``crashed(key, error)`` turns whatever escapes the task submitted under ``key``
        into its report: a worker never dies silently, so the coordinator never waits for
        a report that cannot come."""
        self._limit = max(1, limit)
        self._reserve = reserve
        self._crashed = crashed
        self._stall = stall
        self._context = contextvars.copy_context()
        self._tasks: SimpleQueue[tuple[int, Callable[[], R]]] = SimpleQueue()
        self._reports: SimpleQueue[R] = SimpleQueue()
        self._lock = threading.Lock()
        self._size = min(INITIAL_WORKERS, self._limit)
        """Workers the pool may run at once; grows on stalls, never shrinks."""
        self._workers = 0
        """Workers running now (a worker with no task left has left)."""
        self._numbered = 0
        self._since: dict[int, float] = {}
        """When each worker (by its number) took its current task; absent between tasks."""
        self._closed = False

    def submit(self, key: int, task: Callable[[], R]) -> None:
        """Queue ``task``; a worker runs it and its return value becomes a report."""
        self._tasks.put((key, task))
        with self._lock:
            if self._workers < self._size:
                self._start_worker()

    def next_report(self, idle: Callable[[], bool] | None = None) -> R:
        """The next report; while waiting, add workers if queued tasks stall, and call
        ``idle`` when no report came for a while: after ``stall`` seconds, then after
        twice as long each time it had nothing to do (it answers False), up to
        ``MAX_IDLE_SECONDS``."""
        pause = self._stall
        while True:
            stalled = self._tasks.qsize() > 0 and self._size < self._limit
            timeout = self._until_stuck() if stalled else (pause if idle is not None else None)
            try:
                return self._reports.get(timeout=timeout)
            except Empty:
                if stalled and self._all_stuck():
                    self._grow()
                elif idle is not None and not stalled and self._settled():  # branches starting come first
                    pause = self._stall if idle() else min(pause * 2, MAX_IDLE_SECONDS)

    def _grow(self) -> None:
        with self._lock:
            self._size = min(self._limit, self._size + GROWTH * self._workers)
            for _ in range(min(self._tasks.qsize(), self._size - self._workers)):
                self._start_worker()

    def _until_stuck(self) -> float:
        """How long until the latest task taken has run ``stall`` seconds (at least a
        tenth of that: a worker that has not taken its first task yet counts as busy)."""
        return max(self._stall / 10, self._latest_start() + self._stall - time.perf_counter())

    def _all_stuck(self) -> bool:
        """Every worker is busy and none took its task within the last ``stall`` seconds."""
        return len(self._since) == self._workers and self._settled()

    def _settled(self) -> bool:
        """No worker took a task within the last ``stall`` seconds (branches still
        starting would pay for the idle work with their own start)."""
        return time.perf_counter() - self._latest_start() >= self._stall

    def _latest_start(self) -> float:
        """When the most recent running task was taken (0: none runs)."""
        return max(list(self._since.values()), default=0.0)

    def close(self) -> None:
        """Stop taking tasks: queued ones never start, running ones finish in their own
        time and their reports are dropped (abandoned on purpose)."""
        self._closed = True

    def _start_worker(self) -> None:
        """One more worker (the caller holds the lock)."""
        self._workers += 1
        self._numbered += 1
        number = self._numbered
        self._reserve.run(lambda: self._work(number))

    def _work(self, number: int) -> None:
        """One worker's loop: tasks until none is queued, then its thread goes back."""
        since, tasks = self._since, self._tasks
        while True:
            try:
                key, task = tasks.get_nowait()
            except Empty:
                with self._lock:  # a task submitted now sees this worker gone, and starts one
                    if tasks.qsize() == 0:
                        self._workers -= 1
                        return
                continue
            if self._closed:  # queued tasks never start once the pool is closed
                break
            since[number] = time.perf_counter()
            try:
                report = self._context.copy().run(task)
            except BaseException as exc:  # noqa: BLE001 - reported, never lost
                report = self._crashed(key, exc)
            del since[number]
            self._reports.put(report)
        with self._lock:
            self._workers -= 1
