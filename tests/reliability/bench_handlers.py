"""The workloads of ``bench_serve.py``: CPU-light sequential steps, and steps that wait
on I/O (a sleep standing in for a network call)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, durable_handler

STEPS = 100
IO_STEPS = 10
IO_SECONDS = 0.02


def _chain(ctx: DurableContext, count: int, body: Callable[[int], int]) -> Result[int, DurableError]:
    """``count`` steps, each adding its index to the running total through ``body``."""

    def add(i: int) -> Callable[[int], Result[int, DurableError]]:
        return lambda acc: ctx.step(lambda _: body(acc + i), name=f"step-{i}")

    total: Result[int, DurableError] = Success(0)
    for i in range(count):
        total = total.bind(add(i))
    return total


def _fetch(value: int) -> int:
    time.sleep(IO_SECONDS)
    return value


@durable_handler
def steps(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    return _chain(ctx, STEPS, lambda value: value)


@durable_handler
def io(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    return _chain(ctx, IO_STEPS, _fetch)


HANDLERS = {"steps": steps, "io": io}
