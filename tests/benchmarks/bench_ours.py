"""The benchmark workloads on lambda-durable's embedded backend (one run per process).

    python tests/benchmarks/bench_ours.py WORKLOAD OUT_JSON

Run by ``run.py``; see ``bench_workloads.py`` for what each workload does. Checkpoint
calls are counted where they reach the local service (``LocalBackend.service``), which
is the service client the handler is given, so every call the SDK makes is seen.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from returns.result import Failure, Result, Success

from bench_workloads import Measurement, Workload, measured, ran, step_runs, worker_main
from lambda_durable import (
    AsyncDurableContext,
    BatchResult,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    durable_handler,
)
from lambda_durable.local import LocalBackend
from lambda_durable.wire import OperationType

Body = Callable[[object, DurableContext], Result[int, DurableError]]
AsyncBody = Callable[[object, AsyncDurableContext], Awaitable[Result[int, DurableError]]]


def add_step(ctx: DurableContext, i: int) -> Callable[[int], Result[int, DurableError]]:
    """``total -> step(total + i)``: step i of a sequential chain."""
    return lambda total: ctx.step(lambda _: ran(total + i))


def add_child(ctx: DurableContext, i: int) -> Callable[[int], Result[int, DurableError]]:
    """``total -> child context { step(total + i) }``."""
    return lambda total: ctx.run_in_child_context(lambda child: child.step(lambda _: ran(total + i)))


def chain(ctx: DurableContext, n: int, link: Callable[[DurableContext, int], Callable[[int], Result[int, DurableError]]]) -> Result[int, DurableError]:
    total: Result[int, DurableError] = Success(0)
    for i in range(n):
        total = total.bind(link(ctx, i))
    return total


def slept(seconds: float, value: int) -> int:
    """An I/O-bound step body: waits ``seconds`` (a call to another service), then answers."""
    time.sleep(seconds)
    return ran(value)


def summed(batch: BatchResult[int]) -> Result[int, DurableError]:
    return batch.to_result().map(sum)


def body_for(w: Workload, replayed: list[float]) -> Body:
    """The handler body; ``replayed`` gets the time at which the replay workload's
    body is done with its steps (before the wait)."""
    n = w.n
    if w.kind == "steps":
        return lambda event, ctx: chain(ctx, n, add_step)
    if w.kind == "replay":

        def steps_then_wait(event: object, ctx: DurableContext) -> Result[int, DurableError]:
            steps = chain(ctx, n, add_step)
            replayed.append(time.perf_counter())
            return steps.bind(lambda total: ctx.wait(Duration.seconds(w.wait_seconds)).map(lambda _: total))

        return steps_then_wait
    if w.kind == "child":
        return lambda event, ctx: chain(ctx, n, add_child)
    if w.kind == "map":
        config: MapConfig[int, Any] | None = MapConfig(max_concurrency=w.max_concurrency) if w.max_concurrency else None

        def double(ctx: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            return ctx.step(lambda _: ran(item * 2))

        return lambda event, ctx: ctx.map(list(range(n)), double, config=config).bind(summed)
    if w.kind == "parallel":

        def branch(i: int) -> Callable[[DurableContext], Result[int, DurableError]]:
            return lambda ctx: ctx.step(lambda _: ran(i))

        branches: Sequence[Callable[[DurableContext], Result[int, DurableError]]] = [branch(i) for i in range(n)]
        return lambda event, ctx: ctx.parallel(branches).bind(summed)
    if w.kind == "io-map":
        io_config: MapConfig[int, Any] | None = MapConfig(max_concurrency=w.max_concurrency) if w.max_concurrency else None

        def fetch_double(ctx: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            return ctx.step(lambda _: slept(w.sleep_of(index), item * 2))

        return lambda event, ctx: ctx.map(list(range(n)), fetch_double, config=io_config).bind(summed)
    if w.kind in ("io-parallel", "race"):

        def fetch(i: int) -> Callable[[DurableContext], Result[int, DurableError]]:
            return lambda ctx: ctx.step(lambda _: slept(w.sleep_of(i), i))

        fetches = [fetch(i) for i in range(n)]
        if w.kind == "race":
            return lambda event, ctx: ctx.race(fetches)
        return lambda event, ctx: ctx.parallel(fetches).bind(summed)
    return lambda event, ctx: ctx.wait(Duration.seconds(w.wait_seconds)).map(lambda _: 0)


def async_body_for(w: Workload) -> AsyncBody:
    """The async API's rows: sequential steps and the I/O map, ``async def`` throughout."""
    n = w.n
    if w.kind == "steps":

        def add(total: int, i: int) -> Callable[[object], Awaitable[int]]:
            async def body(_: object) -> int:
                return ran(total + i)

            return body

        async def steps(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
            total = 0
            for i in range(n):
                stepped = await ctx.step(add(total, i))
                if isinstance(stepped, Failure):
                    return stepped
                total = stepped.unwrap()
            return Success(total)

        return steps
    if w.kind == "io-map":

        async def fetch_double(ctx: AsyncDurableContext, item: int, index: int) -> Result[int, DurableError]:
            async def fetch(_: object) -> int:
                await asyncio.sleep(w.sleep_of(index))  # a call to another service
                return ran(item * 2)

            return await ctx.step(fetch)

        config: MapConfig[int, Any] | None = MapConfig(max_concurrency=w.max_concurrency) if w.max_concurrency else None

        async def io_map(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
            return (await ctx.map(list(range(n)), fetch_double, config=config)).bind(summed)

        return io_map
    raise ValueError(f"no async form of the {w.kind} workload")


def run(w: Workload) -> Measurement:
    step_runs(reset=True)
    replayed: list[float] = []
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    if w.asynchronous:
        async_body = async_body_for(w)

        @durable_handler
        async def async_handler(event: object, ctx: AsyncDurableContext) -> Result[int, DurableError]:
            return await async_body(event, ctx)

        handler = async_handler
    else:
        body = body_for(w, replayed)

        @durable_handler
        def sync_handler(event: object, ctx: DurableContext) -> Result[int, DurableError]:
            return body(event, ctx)

        handler = sync_handler

    invocations: list[float] = []
    starts: list[float] = []

    def timed(event: Any, context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        starts.append(started)
        try:
            return handler(event, context)
        finally:
            invocations.append(time.perf_counter() - started)

    with LocalBackend() as backend:  # in-memory SQLite, skipping clock: the run_local defaults
        calls = {"checkpoint": 0, "state": 0}
        service = backend.service
        checkpoint, get_state = service.checkpoint, service.get_execution_state

        def counted_checkpoint(*args: Any, **kwargs: Any) -> Any:
            calls["checkpoint"] += 1
            return checkpoint(*args, **kwargs)

        def counted_state(*args: Any, **kwargs: Any) -> Any:
            calls["state"] += 1
            return get_state(*args, **kwargs)

        setattr(service, "checkpoint", counted_checkpoint)
        setattr(service, "get_execution_state", counted_state)
        backend.register("bench", timed)

        started, cpu_started = time.perf_counter(), time.process_time()
        arn = backend.start("bench", "{}").unwrap()
        outcome = backend.run_until_settled(arn)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    operations = sum(1 for op in outcome.operations if op.type is not OperationType.EXECUTION)
    return measured(
        "ours",
        w,
        elapsed=elapsed,
        cpu=cpu,
        starts=starts,
        replayed=replayed,
        invocations=invocations,
        result_text=outcome.result,
        status=outcome.status.value,
        operations=operations,
        calls=calls,
    )


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:], run))
