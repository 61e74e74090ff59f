"""The load test's workflow, served by ``lambda-durable serve``: ``{"steps": n}`` runs n
sequential steps, each adding its index, and returns the sum; ``"pause"`` (seconds) makes
each step wait that long, as on I/O."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, durable_handler


@durable_handler
def chain(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
    pause = float(event.get("pause", 0))

    def body(value: int) -> int:
        if pause:
            time.sleep(pause)
        return value

    def add(i: int) -> Callable[[int], Result[int, DurableError]]:
        return lambda total: ctx.step(lambda _: body(total + i), name=f"step-{i}")

    result: Result[int, DurableError] = Success(0)
    for i in range(int(event["steps"])):
        result = result.bind(add(i))
    return result


HANDLERS = {"chain": chain}
