"""An ``async def`` workflow: async steps, a fan-out as asyncio tasks, a durable race.

A quote service is asked for three currency pairs at once (``map``, at most two in
flight), the two providers of a rate race each other (the winner is recorded, so every
replay agrees), and a ``FutureResult`` pipeline formats the answer after a durable wait.

    python docs/examples/async_workflow.py
"""

from __future__ import annotations

import asyncio

from attrs import frozen
from returns.future import FutureResult
from returns.io import IOResult
from returns.result import Result

from lambda_durable import (
    AsyncDurableContext,
    DurableError,
    Duration,
    MapConfig,
    StepContext,
    durable_handler,
)


@frozen
class Report:
    rates: list[float]
    fastest: str
    summary: str


async def fetch_rate(pair: str) -> float:
    """Stands for an async HTTP call (httpx, aiohttp): it awaits, the loop runs others."""
    await asyncio.sleep(0.01)
    return {"EUR/USD": 1.08, "GBP/USD": 1.27, "USD/JPY": 151.2}[pair]


async def rate_of(ctx: AsyncDurableContext, pair: str, index: int) -> Result[float, DurableError]:
    async def call(_: StepContext) -> float:
        return await fetch_rate(pair)

    return await ctx.step(call, name=f"rate {pair}")


async def provider(name: str, turns: int) -> str:
    for _ in range(turns):
        await asyncio.sleep(0)
    return name


@durable_handler
async def handler(event: list[str], ctx: AsyncDurableContext) -> IOResult[Report, DurableError]:
    rates = await ctx.map(event, rate_of, name="rates", config=MapConfig(max_concurrency=2))
    fastest = await ctx.race(
        [
            ctx.step(lambda _: provider("ecb", 5), name="ecb"),
            ctx.step(lambda _: provider("fed", 1), name="fed"),
        ]
    )
    await ctx.wait(Duration.seconds(2), name="settle")

    async def summarise(values: list[float]) -> Result[str, DurableError]:
        return await ctx.step(lambda _: f"{len(values)} rates, max {max(values)}", name="summary")

    values = FutureResult.from_result(rates.bind(lambda batch: batch.to_result()))
    return await values.bind(
        lambda found: FutureResult(summarise(found)).bind_result(
            lambda text: fastest.map(lambda winner: Report(found, winner, text))
        )
    )

if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, ["EUR/USD", "GBP/USD", "USD/JPY"])
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(Report).value_or(None)}")
    if outcome.error is not None:
        print(f"error: {outcome.error}")
    for event in outcome.events:
        if event.sub_type in ("Map", "Race", "Wait"):
            print(f"  {event.event_id:>2} {event.event_type.value} {event.sub_type}")
