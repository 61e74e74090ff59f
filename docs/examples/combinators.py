"""``all``, ``any``, ``race`` and ``all_settled``: the Promise combinators, durably.

Each takes branches ``(DurableContext) -> Result[T, DurableError]`` like ``parallel`` and
is recorded as a fan-out container with its own SubType (``All``, ``Any``, ``Race``,
``AllSettled``), so its outcome replays from the log:

* ``all``: every result in branch order, or the first failure (``BatchFailed``);
* ``any``: the first success, or ``BatchFailed`` when every branch failed;
* ``race``: the first branch to finish, success or failure;
* ``all_settled``: the ``BatchResult`` of every branch, whatever failed.

Here three currency-rate providers answer after different (durable) delays; one is down.

    python docs/examples/combinators.py
"""

from __future__ import annotations

from collections.abc import Callable

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)


@frozen
class Rates:
    all_quotes: list[float]
    fastest: float
    first_available: float
    provider_status: list[str]


Provider = Callable[[DurableContext], Result[float, DurableError]]


def provider(name: str, rate: float, latency: int, *, down: bool = False) -> Provider:
    """A provider answers after ``latency`` seconds (a durable wait), or fails if down."""

    def quote(step: StepContext) -> float:
        if down:
            raise ConnectionError(f"{name} is down")
        return rate

    once = StepConfig(retry_strategy=RetryStrategy.none())

    def branch(ctx: DurableContext) -> Result[float, DurableError]:
        return ctx.wait(Duration.seconds(latency), name=f"{name} latency").bind(
            lambda _: ctx.step(quote, name=f"ask {name}", config=once)
        )

    return branch


@durable_handler
def handler(event: str, ctx: DurableContext) -> Result[Rates, DurableError]:
    ecb, fed, boe = provider("ecb", 1.08, 3), provider("fed", 1.09, 1), provider("boe", 1.07, 2, down=True)
    return ctx.all([ecb, fed]).bind(
        lambda quotes: ctx.race([ecb, fed]).bind(
            lambda fastest: ctx.any([boe, ecb]).bind(
                lambda available: ctx.all_settled([ecb, fed, boe]).map(
                    lambda settled: Rates(
                        quotes, fastest, available, [item.status.value for item in settled.items]
                    )
                )
            )
        )
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, "EUR/USD")
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(Rates).value_or(None)}")
    for event in outcome.events:
        if event.sub_type in ("All", "Any", "Race", "AllSettled"):
            print(f"  {event.event_id:>2} {event.event_type.value} {event.sub_type}")
