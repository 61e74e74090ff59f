"""Cancel a wait: end a durable timer early because something else made it moot.

``cancel_wait(operation_id)`` cancels a ``wait`` of the same execution that has not
fired yet (``WaitCancelled`` in the history); that ``wait`` then returns ``Success(None)``
at once. Get the id with ``next_operation_id()`` right before calling ``wait``.

Here an order has a 14-day cooling-off period, run as one branch of a ``parallel``;
the other branch waits for the customer to confirm the order (a callback) and, when
they do, cancels the cooling-off timer, so the order ships at once instead of two
weeks later.

    python docs/examples/cancel_wait.py
"""

from __future__ import annotations

import json

from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    ParallelConfig,
    StepContext,
    durable_handler,
)

CONFIRMATION_LINKS: list[str] = []
"""Stand-in for the e-mail carrying the customer's "confirm now" link."""


@durable_handler
def handler(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    timers: dict[str, str] = {}

    def cooling_off(branch: DurableContext) -> Result[str, DurableError]:
        timers["cooling-off"] = branch.next_operation_id()
        return branch.wait(Duration.days(14), name="cooling-off").map(lambda _: "cooling-off ended")

    def confirmation(branch: DurableContext) -> Result[str, DurableError]:
        def send_link(callback_id: str, step: StepContext) -> None:
            CONFIRMATION_LINKS.append(callback_id)

        return branch.wait_for_callback(send_link, str, name="customer confirms").bind(
            lambda answer: branch.cancel_wait(timers["cooling-off"]).map(lambda _: f"customer: {answer}")
        )

    return (
        ctx.parallel(
            [cooling_off, confirmation], name="before shipping", config=ParallelConfig(max_concurrency=2)
        )
        .bind(lambda batch: batch.to_result())
        .bind(lambda reasons: ctx.step(lambda _: f"shipped {event} ({'; '.join(reasons)})", name="ship"))
    )


if __name__ == "__main__":
    from lambda_durable.local import LocalBackend

    with LocalBackend() as backend:
        backend.register("orders", handler)
        arn = backend.start("orders", json.dumps("order-42")).unwrap()
        backend.run_until_suspended(arn)  # both branches wait now
        for callback_id in CONFIRMATION_LINKS:
            backend.send_callback_success(callback_id, json.dumps("confirmed"))
        outcome = backend.run_until_settled(arn)

    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(str).value_or('<none>')}")
    elapsed = outcome.events[-1].event_timestamp - outcome.events[0].event_timestamp
    print(f"took {elapsed} instead of 14 days")
    for event in outcome.events:
        label = f" {event.name}" if event.name else ""
        print(f"  {event.event_id:>2} {event.event_type.value}{label}")
