"""Worker threads kept between batches, so a batch rarely pays for a new thread.

Starting an OS thread and letting it exit costs far more than handing work to one that
already runs: on a 2-core machine, 100 fresh threads that each sleep 50 ms take 60 ms and
17 ms of CPU, 100 kept threads 53 ms and 5 ms (creating the stack, and at exit unmapping
it, dominate). A warm Lambda sandbox runs invocation after invocation in one process, so
the threads one batch needed are there for the next. A thread whose job ends waits
``IDLE_SECONDS`` for another (at most ``KEEP`` wait at once), then exits.

A job is a worker's loop (``BranchPool._work``): it returns as soon as its pool has no
branch waiting, so a thread serves whichever batch needs one next. A forked child starts
with no idle threads (the parent's do not exist there).
"""

from __future__ import annotations

import _thread
import os
import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue

KEEP = 256
"""Idle threads kept at most; more exit when their job ends."""
IDLE_SECONDS = 60.0
"""How long an idle thread waits for a job before it exits."""

Job = Callable[[], None]


class ThreadReserve:
    """Runs each job on an idle kept thread, or a new one when none is idle."""

    def __init__(self, keep: int = KEEP, idle_seconds: float = IDLE_SECONDS) -> None:
        self._keep = keep
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._jobs: SimpleQueue[Job] = SimpleQueue()
        self._idle = 0
        """Threads waiting for a job, not counting those a job was already handed to."""

    def run(self, job: Job) -> None:
        """Start ``job`` on a thread now (never queued behind another job)."""
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                self._jobs.put(job)
                return
        _thread.start_new_thread(self._thread, (job,))

    def idle(self) -> int:
        """Threads waiting for a job now."""
        return self._idle

    def forget(self) -> None:
        """Start over with no idle thread (in a forked child, where none exists)."""
        self._lock = threading.Lock()
        self._jobs = SimpleQueue()
        self._idle = 0

    def _thread(self, job: Job) -> None:
        jobs = self._jobs
        while True:
            job()
            with self._lock:
                if self._idle >= self._keep or jobs is not self._jobs:
                    return
                self._idle += 1
            try:
                job = jobs.get(timeout=self._idle_seconds)
            except Empty:
                with self._lock:
                    try:  # a job handed over between the timeout and the lock is ours
                        job = jobs.get_nowait()
                    except Empty:
                        self._idle -= 1
                        return


RESERVE = ThreadReserve()
"""The process's reserve, shared by every batch of every invocation."""

os.register_at_fork(after_in_child=RESERVE.forget)
