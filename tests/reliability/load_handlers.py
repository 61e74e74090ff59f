"""The load test's workflow, served by ``lambda-durable serve``: ``{"steps": n}`` runs n
sequential steps, each adding its index, and returns the sum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, durable_handler


@durable_handler
def chain(event: dict[str, Any], ctx: DurableContext) -> Result[int, DurableError]:
    def add(i: int) -> Callable[[int], Result[int, DurableError]]:
        return lambda total: ctx.step(lambda _: total + i, name=f"step-{i}")

    result: Result[int, DurableError] = Success(0)
    for i in range(int(event["steps"])):
        result = result.bind(add(i))
    return result


HANDLERS = {"chain": chain}
