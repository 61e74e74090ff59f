"""Wait-for-condition decisions (docs/protocol.md §5.6): poll a check with durable pauses,
carrying a state.

One STEP operation (SubType ``WaitForCondition``) holds the whole poll: each check is an
attempt; "poll again" is a RETRY that stores the new state as the step's Result, so the
next attempt starts from it; "stop" is a SUCCEED with the final state. A check or a
strategy that raises is a FAIL (no retry of check failures): ``WaitForConditionFailed``.
"""

from __future__ import annotations

from typing import Any

from attrs import define
from returns.result import Failure, Result, Success

from lambda_durable.config import MAX_WAIT_SECONDS, WaitDecision
from lambda_durable.decisions.step import Raised
from lambda_durable.decisions.verdict import SUSPENDED, Replayed, Send, Verdict
from lambda_durable.errors import DurableError, WaitForConditionFailed, error_object_from_exception
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Slot
from lambda_durable.wire import ErrorObject, OperationAction, OperationStatus, StepOptions

_RESUMABLE = frozenset({OperationStatus.STARTED, OperationStatus.READY})


@define(weakref_slot=False)
class RunCheck:
    """Run check ``number`` on ``state`` (decoded from the last RETRY, or the initial
    state), after checkpointing ``start`` (if any)."""

    number: int
    start: Send | None
    state: Result[Any, DurableError]


def plan_condition(slot: Slot, codec: Codec[Any], initial_state: object) -> Replayed | RunCheck:
    """What a wait-for-condition call does, from what the log holds at its id."""
    existing = slot.existing
    details = existing.step_details if existing else None
    if existing is not None:
        match existing.status:
            case OperationStatus.SUCCEEDED:
                return Replayed(codec.decode(details.result if details else None))
            case OperationStatus.PENDING:
                return Replayed(SUSPENDED)
            case status if status.is_terminal:
                error = details.error if details and details.error else ErrorObject()
                return Replayed(Failure(WaitForConditionFailed(error)))
            case _:
                pass
    start = None
    if existing is None or existing.status is not OperationStatus.STARTED:
        start = Send(slot.update(OperationAction.START), False)
    number = (details.attempt or 0) + 1 if details else 1
    carried = details.result if details and existing and existing.status in _RESUMABLE else None
    state: Result[Any, DurableError] = codec.decode(carried) if carried else Success(initial_state)
    return RunCheck(number, start, state)


def checked_decision(decision: object) -> WaitDecision:
    """A strategy's answer, refused (as the strategy's failure) when it is not a decision."""
    if not isinstance(decision, WaitDecision):
        raise TypeError(f"a wait strategy must return a WaitDecision, got {decision!r}")
    return decision


@define(weakref_slot=False)
class Checked:
    """A check returned ``state`` and the strategy decided ``decision`` on it."""

    state: Any
    decision: WaitDecision


def settle_check(slot: Slot, outcome: Checked | Raised, codec: Codec[Any]) -> Verdict:
    """A finished check: FAIL when it (or the strategy) raised; else RETRY with the new
    state and suspend, or SUCCEED with it, as the strategy decided."""
    if isinstance(outcome, Raised):
        error = error_object_from_exception(outcome.error)
        fail = slot.update(OperationAction.FAIL, error=error)
        return Verdict(Send(fail, True), Failure(WaitForConditionFailed(error)))
    match codec.encode(outcome.state):
        case Success(payload):
            pass
        case failed:
            return Verdict(None, failed)
    decision = outcome.decision
    if decision.should_continue:
        delay = min(MAX_WAIT_SECONDS, max(1, decision.delay.total_seconds))
        options = StepOptions(next_attempt_delay_seconds=delay)
        return Verdict(Send(slot.update(OperationAction.RETRY, payload, step_options=options), True), SUSPENDED)
    succeed = slot.update(OperationAction.SUCCEED, payload)
    return Verdict(Send(succeed, True), codec.decode(payload))
