"""Worker threads of batches: kept between batches, given back as soon as no branch waits,
and never a task lost to a worker that was leaving."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

import pytest

from lambda_durable.operations.branch_pool import BranchPool
from lambda_durable.operations.thread_reserve import RESERVE, ThreadReserve


def eventually(condition: Callable[[], bool], within: float = 10.0) -> bool:
    """Whether ``condition`` holds within ``within`` seconds (a bound for a hang, not a timing)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def run_and_wait(reserve: ThreadReserve, job: Callable[[], None]) -> None:
    done = threading.Event()

    def wrapped() -> None:
        job()
        done.set()

    reserve.run(wrapped)
    assert done.wait(10)


def crashed(key: int, exc: BaseException) -> str:
    return f"{key} crashed: {exc}"


def test_a_job_after_another_runs_on_the_kept_thread() -> None:
    reserve = ThreadReserve()
    idents: list[int] = []
    run_and_wait(reserve, lambda: idents.append(threading.get_ident()))
    assert eventually(lambda: reserve.idle() == 1)
    run_and_wait(reserve, lambda: idents.append(threading.get_ident()))
    assert idents[0] == idents[1]


def test_an_idle_thread_exits_after_its_idle_time() -> None:
    reserve = ThreadReserve(idle_seconds=0.01)
    run_and_wait(reserve, lambda: None)
    assert eventually(lambda: reserve.idle() == 0)
    idents: list[int] = []
    run_and_wait(reserve, lambda: idents.append(threading.get_ident()))  # a new thread, not a lost job
    assert idents


def test_at_most_keep_threads_wait() -> None:
    reserve = ThreadReserve(keep=2)
    release = threading.Event()
    started = threading.Semaphore(0)

    def job() -> None:
        started.release()
        release.wait(10)

    for _ in range(5):
        reserve.run(job)
    for _ in range(5):
        assert started.acquire(timeout=10)
    release.set()
    assert eventually(lambda: reserve.idle() == 2)
    time.sleep(0.05)  # the three others had time to stay too, had they been allowed
    assert reserve.idle() == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_starts_its_own_threads() -> None:
    run_and_wait(RESERVE, lambda: None)
    assert eventually(lambda: RESERVE.idle() >= 1)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's idle threads do not exist here
        ran = threading.Event()
        RESERVE.run(ran.set)
        os.write(write, b"1" if ran.wait(5) else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"


def test_workers_go_back_to_the_reserve_once_no_task_is_queued() -> None:
    reserve = ThreadReserve()
    pool: BranchPool[int] = BranchPool(8, lambda key, exc: -1, reserve=reserve)
    for key in range(3):
        pool.submit(key, lambda key=key: key)  # type: ignore[misc]
    assert sorted(pool.next_report() for _ in range(3)) == [0, 1, 2]
    assert eventually(lambda: reserve.idle() >= 1)  # before close: nothing left to wake at close
    pool.close()


class RacingQueue:
    """The pool's task queue, with a submit slipped in just after a worker found it empty
    (the moment a leaving worker and a new task cross)."""

    def __init__(self, inner: SimpleQueue[Any], slip: Callable[[], None]) -> None:
        self._inner = inner
        self._slip: Callable[[], None] | None = slip

    def put(self, item: Any) -> None:
        self._inner.put(item)

    def qsize(self) -> int:
        return self._inner.qsize()

    def get_nowait(self) -> Any:
        try:
            return self._inner.get_nowait()
        except Empty:
            slip, self._slip = self._slip, None
            if slip is not None:
                slip()
            raise


def test_a_task_submitted_while_the_last_worker_leaves_still_runs() -> None:
    pool: BranchPool[int] = BranchPool(1, lambda key, exc: -1, reserve=ThreadReserve())
    pool._tasks = RacingQueue(pool._tasks, lambda: pool.submit(2, lambda: 2))  # type: ignore[assignment]
    pool.submit(1, lambda: 1)
    reports: list[int] = []
    coordinator = threading.Thread(target=lambda: reports.extend(pool.next_report() for _ in range(2)), daemon=True)
    coordinator.start()
    coordinator.join(10)
    assert reports == [1, 2]
    pool.close()


def test_a_closed_pool_starts_no_queued_task() -> None:
    reserve = ThreadReserve()
    pool: BranchPool[str] = BranchPool(1, crashed, reserve=reserve)
    gate = threading.Event()
    ran: list[int] = []

    def blocked() -> str:
        gate.wait(10)
        return "first"

    pool.submit(0, blocked)
    def second() -> str:
        ran.append(1)
        return "second"

    pool.submit(1, second)
    pool.close()
    gate.set()
    assert eventually(lambda: reserve.idle() == 1)  # the worker left without the queued task
    assert ran == []


def test_a_task_that_raises_is_reported_through_crashed() -> None:
    pool: BranchPool[str] = BranchPool(2, crashed, reserve=ThreadReserve())

    def boom() -> str:
        raise RuntimeError("boom")

    pool.submit(7, boom)
    assert pool.next_report() == "7 crashed: boom"
    pool.close()
