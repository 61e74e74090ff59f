"""Map: run the same durable work for every item, with a concurrency limit and a
completion policy.

``map(items, fn, config=MapConfig(...))`` runs ``fn(ctx, item, index)`` for each item in
its own child context (its steps, waits and retries are its own) and returns a
``BatchResult``: one ``BatchItem`` per started item, in item order, and the reason the
batch completed. Failed items do not fail the map; ``to_result()`` does that for you if
you want fail-fast, ``successes()`` / ``failures()`` / ``results()`` read the rest.

    python docs/examples/map.py
"""

from __future__ import annotations

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    BatchResult,
    CompletionConfig,
    DurableContext,
    DurableError,
    Duration,
    MapConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)


@frozen
class Recipient:
    email: str
    name: str


@frozen
class Report:
    sent: list[str]
    bounced: list[int]
    completion: str


class Bounce(Exception):
    pass


def send_newsletter(ctx: DurableContext, recipient: Recipient, index: int) -> Result[str, DurableError]:
    """One item: render, then send (no retries: a bounce is final), then a pause so the
    mail provider's rate limit is respected."""

    def send(step: StepContext) -> str:
        if recipient.email.endswith(".invalid"):
            raise Bounce(f"{recipient.email} bounced")
        return f"sent to {recipient.email}"

    once = StepConfig(retry_strategy=RetryStrategy.none())
    return (
        ctx.step(lambda _: f"Hello {recipient.name}!", name="render")
        .bind(lambda _: ctx.step(send, name="send", config=once))
        .bind(lambda sent: ctx.wait(Duration.seconds(1), name="rate limit").map(lambda _: sent))
    )


def mail_name(recipient: Recipient, index: int) -> str:
    """Each iteration's name in the history (default: ``map-item-<index>``)."""
    return f"mail {recipient.email}"


def report(batch: BatchResult[str]) -> Report:
    return Report(batch.results(), [item.index for item in batch.failures()], batch.completion_reason.value)


@durable_handler
def handler(event: list[Recipient], ctx: DurableContext) -> Result[Report, DurableError]:
    """Two sends at a time; stop the campaign once more than a quarter of them bounced."""
    config = MapConfig(
        max_concurrency=2,
        completion=CompletionConfig(tolerated_failure_percentage=25),
        item_namer=mail_name,
    )
    return ctx.map(event, send_newsletter, name="newsletter", config=config).map(report)


if __name__ == "__main__":
    from lambda_durable.local import run_local

    recipients = [
        {"email": "ada@example.com", "name": "Ada"},
        {"email": "bob@example.invalid", "name": "Bob"},
        {"email": "cy@example.com", "name": "Cy"},
        {"email": "dee@example.com", "name": "Dee"},
    ]
    outcome = run_local(handler, recipients)
    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(Report).value_or(None)}")
    names = {op.id: op.name for op in outcome.operations}
    for event in outcome.events:
        parent = f"  (in {names.get(event.parent_id)})" if event.parent_id else ""
        print(f"  {event.event_id:>2} {event.event_type.value} {event.name or ''}{parent}".rstrip())
