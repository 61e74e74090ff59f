"""Per-step cost of sequential steps through ``run_local`` (run on demand, not by pytest).

    python tests/benchmarks/bench_sequential_steps.py [N ...]

Each run checks the result and the operation count before it reports a time: a wrong
result is an error, never a fast number.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, DurableHandler, durable_handler
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus


def chain(n: int) -> DurableHandler[object, Any]:
    def add(i: int) -> Callable[[int], Result[int, DurableError]]:
        return lambda total: ctx_holder[0].step(lambda _: total + i)

    ctx_holder: list[DurableContext] = []

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[int, DurableError]:
        ctx_holder[:] = [ctx]
        total: Result[int, DurableError] = Success(0)
        for i in range(n):
            total = total.bind(add(i))
        return total

    return handler


def measure(n: int, runs: int = 5) -> float:
    handler = chain(n)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        outcome = run_local(handler, {})
        elapsed = time.perf_counter() - started
        succeeded = sum(1 for e in outcome.events if e.event_type is EventType.STEP_SUCCEEDED)
        if outcome.status is not ExecutionStatus.SUCCEEDED or outcome.result != str(sum(range(n))):
            raise SystemExit(f"wrong result for N={n}: {outcome.status} {outcome.result}")
        if succeeded != n:
            raise SystemExit(f"wrong operation count for N={n}: {succeeded}")
        times.append(elapsed)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [100, 1000, 10000]
    print(f"{'N':>7} {'median total':>13} {'per step':>10}")
    for n in sizes:
        total = measure(n)
        print(f"{n:>7} {total * 1000:>10.1f} ms {total / n * 1e3:>7.3f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
