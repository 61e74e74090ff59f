"""The I/O workloads with no SDK at all: what the machine's threads alone take.

    python tests/benchmarks/bench_plain.py WORKLOAD OUT_JSON

Run by ``run.py`` for the rows with an I/O floor, next to both SDKs. The same step bodies
(``time.sleep``, or ``asyncio.sleep`` for the async row) run on a plain
``ThreadPoolExecutor`` with as many workers as the row's concurrency (``asyncio.gather``
for the async row; for the race, the first body to finish wins and the pool is not
waited for), with no checkpoint, no operation and no durability. The floor
(``sleep × ceil(n / concurrency)``) counts only the sleeps; this row shows how close to
it this machine lets any Python program come: thread starts, GIL hand-overs and wake-ups
are paid here too. A fresh process with the same 2-item warm-up as the SDK rows.
"""

from __future__ import annotations

import asyncio
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from bench_workloads import PLAIN, Measurement, Workload, measured, ran, step_runs, worker_main


def body(w: Workload, index: int) -> int:
    """The step body of item or branch ``index``: sleeps, then answers as the SDK rows do."""
    time.sleep(w.sleep_of(index))
    if w.kind == "io-map":
        return ran(2 * index)
    return ran(index)


async def async_body(w: Workload, index: int) -> int:
    await asyncio.sleep(w.sleep_of(index))
    return ran(2 * index)


def threaded(w: Workload) -> int:
    """The bodies on a pool as wide as the row's concurrency; the sum, or the race's winner."""
    pool = ThreadPoolExecutor(max_workers=w.max_concurrency or w.n)
    futures = [pool.submit(body, w, i) for i in range(w.n)]
    if w.kind == "race":
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        pool.shutdown(wait=False)  # the loser sleeps on; a race does not wait for it
        return next(iter(done)).result()
    pool.shutdown(wait=True)
    return sum(f.result() for f in futures)


async def gathered(w: Workload) -> int:
    return sum(await asyncio.gather(*(async_body(w, i) for i in range(w.n))))


def run(w: Workload) -> Measurement:
    if w.floor_seconds is None:
        raise SystemExit(f"{w.key} has no I/O floor: the plain row is only for I/O workloads")
    step_runs(reset=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = asyncio.run(gathered(w)) if w.asynchronous else threaded(w)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return measured(
        PLAIN,
        w,
        elapsed=elapsed,
        cpu=cpu,
        starts=[started],
        replayed=[],
        invocations=[elapsed],
        result_text=str(result),
        status="SUCCEEDED",
        operations=0,
        calls={"checkpoint": 0, "state": 0},
    )


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:], run))
