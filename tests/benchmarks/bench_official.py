"""The benchmark workloads on the official SDK and its local test runner (one run per process).

    .bench-venv/bin/python tests/benchmarks/bench_official.py WORKLOAD OUT_JSON

Run by ``run.py`` inside the bench venv, where ``aws-durable-execution-sdk-python`` 3.x
and ``aws-durable-execution-sdk-python-testing`` are installed (the ``bench`` extra).
The packages are imported dynamically so that this file type-checks in the dev venv,
which does not have them. Checkpoint calls are counted on the runner's in-memory
service client, the one client the runner hands every invocation.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_workloads import Measurement, Workload, measured, ran, step_runs, worker_main

sdk: Any = importlib.import_module("aws_durable_execution_sdk_python")
sdk_config: Any = importlib.import_module("aws_durable_execution_sdk_python.config")
testing: Any = importlib.import_module("aws_durable_execution_sdk_python_testing")

Body = Callable[[Any, Any], int]


def add_step(ctx: Any, total: int, i: int) -> int:
    return int(ctx.step(lambda _: ran(total + i)))


def add_child(ctx: Any, total: int, i: int) -> int:
    return int(ctx.run_in_child_context(lambda child: child.step(lambda _: ran(total + i))))


def chain(ctx: Any, n: int, link: Callable[[Any, int, int], int]) -> int:
    total = 0
    for i in range(n):
        total = link(ctx, total, i)
    return total


def slept(seconds: float, value: int) -> int:
    """An I/O-bound step body: waits ``seconds`` (a call to another service), then answers."""
    time.sleep(seconds)
    return ran(value)


def summed(batch: Any) -> int:
    batch.throw_if_error()
    return sum(batch.get_results())


def body_for(w: Workload, replayed: list[float]) -> Body:
    """The handler body; ``replayed`` gets the time at which the replay workload's
    body is done with its steps (before the wait)."""
    n = w.n
    five = sdk_config.Duration.from_seconds(w.wait_seconds)
    if w.kind == "steps":
        return lambda event, ctx: chain(ctx, n, add_step)
    if w.kind == "replay":

        def steps_then_wait(event: Any, ctx: Any) -> int:
            total = chain(ctx, n, add_step)
            replayed.append(time.perf_counter())
            ctx.wait(five)
            return total

        return steps_then_wait
    if w.kind == "child":
        return lambda event, ctx: chain(ctx, n, add_child)
    if w.kind == "map":
        config = sdk_config.MapConfig(max_concurrency=w.max_concurrency) if w.max_concurrency else None

        def double(ctx: Any, item: int, index: int, items: Any) -> int:
            return int(ctx.step(lambda _: ran(item * 2)))

        return lambda event, ctx: summed(ctx.map(list(range(n)), double, config=config))
    if w.kind == "parallel":

        def branch(i: int) -> Callable[[Any], int]:
            return lambda ctx: int(ctx.step(lambda _: ran(i)))

        branches = [branch(i) for i in range(n)]
        return lambda event, ctx: summed(ctx.parallel(branches))

    if w.kind == "io-map":
        io_config = sdk_config.MapConfig(max_concurrency=w.max_concurrency) if w.max_concurrency else None

        def fetch_double(ctx: Any, item: int, index: int, items: Any) -> int:
            return int(ctx.step(lambda _: slept(w.sleep_of(index), item * 2)))

        return lambda event, ctx: summed(ctx.map(list(range(n)), fetch_double, config=io_config))
    if w.kind in ("io-parallel", "race"):

        def fetch(i: int) -> Callable[[Any], int]:
            return lambda ctx: int(ctx.step(lambda _: slept(w.sleep_of(i), i)))

        fetches = [fetch(i) for i in range(n)]
        if w.kind == "race":  # the official SDK has no race: a parallel done at the first finish
            first = sdk_config.ParallelConfig(
                completion_config=sdk_config.CompletionConfig(min_successful=1, tolerated_failure_count=0)
            )
            return lambda event, ctx: sum(ctx.parallel(fetches, config=first).get_results())
        return lambda event, ctx: summed(ctx.parallel(fetches))

    def wait_only(event: Any, ctx: Any) -> int:
        ctx.wait(five)
        return 0

    return wait_only


def run(w: Workload) -> Measurement:
    step_runs(reset=True)
    replayed: list[float] = []
    handler = sdk.durable_execution(body_for(w, replayed))
    invocations: list[float] = []
    starts: list[float] = []

    def timed(event: Any, context: Any) -> Any:
        started = time.perf_counter()
        starts.append(started)
        try:
            return handler(event, context)
        finally:
            invocations.append(time.perf_counter() - started)

    runner = testing.DurableFunctionTestRunner(handler=timed)
    calls = {"checkpoint": 0, "state": 0}
    client = runner._service_client  # the InMemoryServiceClient every invocation is given
    checkpoint, get_state = client.checkpoint, client.get_execution_state

    def counted_checkpoint(*args: Any, **kwargs: Any) -> Any:
        calls["checkpoint"] += 1
        return checkpoint(*args, **kwargs)

    def counted_state(*args: Any, **kwargs: Any) -> Any:
        calls["state"] += 1
        return get_state(*args, **kwargs)

    client.checkpoint = counted_checkpoint
    client.get_execution_state = counted_state
    with runner:
        started, cpu_started = time.perf_counter(), time.process_time()
        arn = runner.run_async(input=json.dumps({}), execution_timeout=3600)
        outcome = runner.wait_for_result(execution_arn=arn, timeout=3600)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        execution = runner._store.load(arn)
        operations = sum(1 for op in execution.operations if op.operation_type.value != "EXECUTION")

    return measured(
        "official",
        w,
        elapsed=elapsed,
        cpu=cpu,
        starts=starts,
        replayed=replayed,
        invocations=invocations,
        result_text=outcome.result,
        status=str(outcome.status.value),
        operations=operations,
        calls=calls,
    )


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:], run))
