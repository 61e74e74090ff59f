"""Wait for a callback: send a callback id somewhere, then wait for the answer.

``wait_for_callback(submitter, result_type)`` creates the callback, runs
``submitter(callback_id, step_ctx)`` as a step (retried by ``retry_strategy`` if it
raises; it is not re-run on replay), and waits for the answer. The whole exchange is
one child context (``SubType WaitForCallback``) holding the callback and the submitter
step. Here the "external system" is a queue of review tasks this script works through,
with a heartbeat first (the reviewer is still on it) and then the verdict.

    python docs/examples/wait_for_callback.py
"""

from __future__ import annotations

import json

from attrs import frozen
from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    RetryStrategy,
    StepContext,
    WaitForCallbackConfig,
    durable_handler,
)


@frozen
class Verdict:
    approved: bool
    comment: str


@frozen
class Task:
    callback_id: str
    document: str


REVIEW_QUEUE: list[Task] = []
"""Stand-in for SQS, a ticketing system, an e-mail..."""


@durable_handler
def handler(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    """Queue a review of ``event`` and publish it once a reviewer approved it."""

    def submit(callback_id: str, step: StepContext) -> None:
        step.logger.info("queueing review", extra={"document": event, "attempt": step.attempt})
        REVIEW_QUEUE.append(Task(callback_id, event))

    config = WaitForCallbackConfig(
        timeout=Duration.days(7),
        heartbeat_timeout=Duration.days(1),
        retry_strategy=RetryStrategy(
            max_attempts=3, initial_delay=Duration.seconds(2), jitter=JitterStrategy.NONE
        ),
    )
    return (
        ctx.wait_for_callback(submit, Verdict, name="review", config=config)
        .bind(
            lambda verdict: ctx.step(lambda _: f"published {event}", name="publish")
            if verdict.approved
            else ctx.step(lambda _: f"sent {event} back: {verdict.comment}", name="return")
        )
    )


if __name__ == "__main__":
    from lambda_durable.local import LocalBackend

    with LocalBackend() as backend:
        backend.register("reviews", handler)
        arn = backend.start("reviews", json.dumps("design-doc.md")).unwrap()
        backend.run_until_suspended(arn)  # waiting for the reviewer now
        for task in REVIEW_QUEUE:
            backend.send_callback_heartbeat(task.callback_id)
            verdict = {"approved": True, "comment": "ship it"}
            backend.send_callback_success(task.callback_id, json.dumps(verdict))
        outcome = backend.run_until_settled(arn)

    print(f"status: {outcome.status.value}")
    print(f"result: {outcome.result_as(str).value_or('<none>')}")
    print(f"submitter ran {len(REVIEW_QUEUE)} time(s)")
    names = {op.id: op.name for op in outcome.operations}
    for event in outcome.events:
        parent = f"  (in {names.get(event.parent_id)})" if event.parent_id else ""
        print(f"  {event.event_id:>2} {event.event_type.value} {event.name or ''}{parent}".rstrip())
