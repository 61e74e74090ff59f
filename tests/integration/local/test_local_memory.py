"""Memory: a finished invocation and a closed backend free their operations at once."""

from __future__ import annotations

import gc
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, durable_handler
from lambda_durable.local import LocalBackend


def _add(ctx: DurableContext, i: int) -> Any:
    return lambda total: ctx.step(lambda _: total + i)


@durable_handler
def steps(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    total: Result[int, DurableError] = Success(0)
    for i in range(event):
        total = total.bind(_add(ctx, i))
    return total


def _run(n: int) -> None:
    with LocalBackend() as backend:
        backend.register("steps", steps)
        outcome = backend.run_until_settled(backend.start("steps", str(n)).unwrap())
        assert outcome.result == str(sum(range(n)))


def _cyclic_garbage_after(n: int) -> int:
    """Objects only the cycle collector can free, left once a backend that ran an
    execution of n steps is closed and gone."""
    _run(n)
    return gc.collect()


def test_operations_and_events_are_not_left_in_reference_cycles() -> None:
    """No cycle (state and checkpointer, backend and its service's listeners) holds the
    log: what is left for the collector does not grow with the number of operations."""
    gc.collect()
    gc.disable()
    try:
        _cyclic_garbage_after(5)  # warm: first-use caches
        small, large = _cyclic_garbage_after(10), _cyclic_garbage_after(400)
    finally:
        gc.enable()
    assert large - small < 40, (small, large)
