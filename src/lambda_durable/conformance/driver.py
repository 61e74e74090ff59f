"""Drives one execution to its end, playing the external world's part.

Without ``CallbackActions`` that is just "run until settled" (waits and retries are
skipped on the backend's virtual clock; callbacks nobody completes time out). With
actions it is the validator's loop of docs/protocol.md §10.4, made deterministic: run until
idle, answer every newly started callback (sleeping each action's ``Delay`` on the
backend's clock first), or else let the clock jump to the next timer; repeat. After each
answer the execution runs until idle again before the next answer, as it does while the
validator sleeps the next Delay (CR 4-18: one re-invocation per answer).
"""

from __future__ import annotations

from collections.abc import Sequence

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.conformance.backend import Backend, CallbackBackend, Outcome, status_text
from lambda_durable.conformance.callbacks import CallbackPlan, Reply, started_callbacks
from lambda_durable.conformance.requirements import CallbackAction, CallbackOperation
from lambda_durable.wire import PYTHON

MAX_ROUNDS = 1000
"""A guard against a backend that never settles; real requirements need a handful."""


def drive(backend: Backend, arn: str, actions: Sequence[CallbackAction]) -> Result[Outcome, str]:
    """Settle the execution, answering callbacks as the requirement prescribes."""
    if not actions:
        return Success(backend.run_until_settled(arn))
    if not isinstance(backend, CallbackBackend):
        return Failure("callbacks not supported yet (requirement has CallbackActions)")
    return _drive_callbacks(backend, backend, arn, CallbackPlan(tuple(actions)))


def _drive_callbacks(
    backend: Backend, stepper: CallbackBackend, arn: str, plan: CallbackPlan
) -> Result[Outcome, str]:
    for _ in range(MAX_ROUNDS):
        outcome = stepper.run_until_idle(arn)
        if status_text(outcome.status) != "RUNNING":
            return Success(outcome)
        events = [PYTHON.encode(e) for e in backend.history(arn)]
        chosen = plan.next_replies(started_callbacks(events))
        if not is_successful(chosen):
            return Failure(chosen.failure())
        plan, replies = chosen.unwrap()
        for reply in replies:
            sent = _send(stepper, arn, reply)
            if not is_successful(sent):
                return Failure(sent.failure())
            outcome = stepper.run_until_idle(arn)
            if status_text(outcome.status) != "RUNNING":
                return Success(outcome)
        if not replies and not stepper.advance_clock(arn, None):
            return Failure("execution is RUNNING but waits for nothing the runner can provide")
    return Failure(f"execution did not settle within {MAX_ROUNDS} rounds")


def _send(stepper: CallbackBackend, arn: str, reply: Reply) -> Result[None, str]:
    if reply.action.delay_seconds > 0:
        stepper.advance_clock(arn, reply.action.delay_seconds)
    operation = reply.action.operation
    if operation is CallbackOperation.SUCCESS:
        answer = stepper.send_callback_success(reply.callback_id, reply.result_payload())
    elif operation is CallbackOperation.FAILURE:
        answer = stepper.send_callback_failure(reply.callback_id, reply.error_object())
    else:
        answer = stepper.send_callback_heartbeat(reply.callback_id)
    if not is_successful(answer):
        return Failure(f"callback {operation.value} for {reply.callback_id} rejected: {answer.failure()}")
    return Success(None)
