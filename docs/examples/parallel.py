"""Parallel: run different durable branches side by side and collect their results.

``parallel(branches, config=ParallelConfig(...))`` runs each branch
``(DurableContext) -> Result[T, DurableError]`` in its own child context and returns a
``BatchResult`` in branch order. A branch that waits (a timer, a retry, a callback)
suspends only itself; the others go on, and when nothing else can progress the
invocation ends and the service re-invokes the function later: finished branches then
answer from their checkpoints, waiting ones resume. The default completion is
all-successful: the first failed branch ends the batch.

    python docs/examples/parallel.py
"""

from __future__ import annotations

from collections.abc import Callable

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    CompletionConfig,
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    ParallelConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)


@frozen
class Trip:
    traveller: str
    city: str


Branch = Callable[[DurableContext], Result[str, DurableError]]


def book_flight(trip: Trip) -> Branch:
    def branch(ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: f"flight to {trip.city}", name="book flight")

    return branch


def book_hotel(trip: Trip) -> Branch:
    """The hotel API is flaky: the first attempt fails and is retried 3 s later."""

    def reserve(step: StepContext) -> str:
        if step.attempt == 1:
            raise ConnectionError("hotel API timed out")
        return f"hotel in {trip.city}"

    retry = RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(3), jitter=JitterStrategy.NONE)

    def branch(ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(reserve, name="book hotel", config=StepConfig(retry_strategy=retry))

    return branch


def rent_car(trip: Trip) -> Branch:
    """The car is confirmed after a 10 s hold."""

    def branch(ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.wait(Duration.seconds(10), name="hold car").bind(
            lambda _: ctx.step(lambda _: f"car in {trip.city}", name="rent car")
        )

    return branch


@durable_handler
def handler(event: Trip, ctx: DurableContext) -> Result[list[str], DurableError]:
    """Book all three at once; every booking must succeed."""
    config = ParallelConfig(max_concurrency=3, completion=CompletionConfig.all_successful())
    return ctx.parallel(
        [book_flight(event), book_hotel(event), rent_car(event)], name="book trip", config=config
    ).bind(lambda batch: batch.to_result())


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, {"traveller": "ada", "city": "Lisbon"})
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(list[str]).value_or(None)}")
    names = {op.id: op.name for op in outcome.operations}
    for event in outcome.events:
        parent = f"  (in {names.get(event.parent_id)})" if event.parent_id else ""
        print(f"  {event.event_id:>2} {event.event_type.value} {event.name or ''}{parent}".rstrip())
