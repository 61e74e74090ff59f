"""Wait for a condition: poll with durable pauses until something is true.

``wait_for_condition(check, WaitForConditionConfig(initial_state, wait_strategy))`` runs
``check(state, step_ctx) -> new_state``, asks the strategy whether to go on, and either
returns the state or checkpoints it and suspends for the strategy's delay; the next
invocation checks again from the saved state. No Lambda sleeps while it polls.

``WaitStrategy.fixed`` / ``WaitStrategy.exponential`` poll while a predicate holds, up to
``max_attempts`` checks (running out is ``Failure(WaitForConditionFailed(...))``); any
``(state, attempt) -> WaitDecision`` function is a strategy too.

    python docs/examples/wait_for_condition.py
"""

from __future__ import annotations

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    StepContext,
    WaitForConditionConfig,
    WaitStrategy,
    durable_handler,
)


@frozen
class Deployment:
    """The polled state: what the last check saw."""

    healthy_hosts: int
    checks: int


FLEET_SIZE = 4


def check_fleet(state: Deployment, step: StepContext) -> Deployment:
    """Stand-in for a call to a health endpoint: one more host comes up per check."""
    healthy = min(state.healthy_hosts + 1, FLEET_SIZE)
    step.logger.info("health check", extra={"healthy": healthy, "attempt": step.attempt})
    return Deployment(healthy, state.checks + 1)


def rolling_out(state: Deployment) -> bool:
    return state.healthy_hosts < FLEET_SIZE


@durable_handler
def handler(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """Deploy, wait until every host is healthy (checking after 10 s, 15 s, 23 s, ...,
    at most 20 times), then announce it."""
    strategy: WaitStrategy[Deployment] = WaitStrategy.exponential(
        should_continue=rolling_out,
        initial_delay=Duration.seconds(10),
        backoff_rate=1.5,
        max_delay=Duration.minutes(5),
        jitter=JitterStrategy.NONE,
        max_attempts=20,
    )
    return (
        ctx.step(lambda _: f"deployed {event}", name="deploy")
        .bind(
            lambda _: ctx.wait_for_condition(
                check_fleet, WaitForConditionConfig(Deployment(0, 0), strategy), name="fleet healthy"
            )
        )
        .bind(
            lambda fleet: ctx.step(lambda _: f"{event} live on {fleet.healthy_hosts} hosts", name="announce")
        )
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, "v2.1")
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(str).value_or('<none>')}")
    for event in outcome.events:
        label = f" {event.name}" if event.name else ""
        print(f"  {event.event_id:>2} {event.event_type.value}{label}  {event.event_timestamp:%H:%M:%S}")
