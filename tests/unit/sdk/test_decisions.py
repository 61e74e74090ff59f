"""The pure decisions, without a backend: what each operation does for a given log entry
and attempt outcome. The drivers only perform these answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from returns.io import IOFailure, IOSuccess
from returns.result import Failure, Success

from lambda_durable import (
    BatchFailed,
    BatchItem,
    BatchItemStatus,
    BatchResult,
    CallbackFailed,
    CallbackTimedOut,
    ChildContextFailed,
    CompletionConfig,
    CompletionReason,
    Duration,
    InvokeTimedOut,
    RetryStrategy,
    SerdesFailed,
    StepConfig,
    StepFailed,
    StepSemantics,
    WaitDecision,
)
from lambda_durable.decisions.batch import BatchPlanner, settle_batch
from lambda_durable.decisions.batch_payload import BatchSerDes, BatchSummary
from lambda_durable.decisions.callback import callback_answer, callback_start
from lambda_durable.decisions.condition import Checked, RunCheck, plan_condition, settle_check
from lambda_durable.decisions.context import REBUILD, RunBody, plan_context, settle_context
from lambda_durable.decisions.invoke import invoke_answer
from lambda_durable.decisions.step import (
    FailAttempt,
    Raised,
    Returned,
    RunAttempt,
    StepInterruptedError,
    opened,
    plan_step,
    settle_step,
)
from lambda_durable.decisions.verdict import SUSPENDED, Replayed
from lambda_durable.decisions.wait import wait_answer, wait_start
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.scope import Slot
from lambda_durable.serdes import TaggedSerDes, default_converter
from lambda_durable.wire import (
    CallbackDetails,
    ContextDetails,
    ErrorObject,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    StepDetails,
)

NOW = datetime(2026, 12, 2, tzinfo=UTC)
CODEC: Codec[Any] = Codec(TaggedSerDes(default_converter()))
NO_RETRY: StepConfig[Any] = StepConfig(retry_strategy=RetryStrategy.none())


def op(op_type: OperationType, status: OperationStatus, **details: Any) -> Operation:
    return Operation(id="op", type=op_type, status=status, start_timestamp=NOW, **details)


def slot(existing: Operation | None = None, op_type: OperationType = OperationType.STEP) -> Slot:
    return Slot("op", existing, None, "name", op_type, "Step")


# --- step ---------------------------------------------------------------------------


def test_a_new_step_runs_attempt_one_after_a_start_that_at_most_once_waits_for() -> None:
    plan = plan_step(slot(), StepSemantics.AT_LEAST_ONCE_PER_RETRY, CODEC)
    assert isinstance(plan, RunAttempt) and plan.number == 1
    assert plan.start is not None and plan.start.update.action is OperationAction.START
    assert not plan.start.wait
    strict = plan_step(slot(), StepSemantics.AT_MOST_ONCE_PER_RETRY, CODEC)
    assert isinstance(strict, RunAttempt) and strict.start is not None and strict.start.wait


@pytest.mark.parametrize(
    ("status", "details", "expected"),
    [
        (OperationStatus.SUCCEEDED, StepDetails(attempt=1, result='"done"'), Success("done")),
        (OperationStatus.FAILED, StepDetails(error=ErrorObject("E", "m")), Failure(StepFailed(ErrorObject("E", "m")))),
        (OperationStatus.PENDING, StepDetails(attempt=1), SUSPENDED),
    ],
)
def test_a_finished_or_pending_step_answers_from_the_log(
    status: OperationStatus, details: StepDetails, expected: object
) -> None:
    plan = plan_step(slot(op(OperationType.STEP, status, step_details=details)), StepSemantics.AT_LEAST_ONCE_PER_RETRY, CODEC)
    assert plan == Replayed(expected)  # type: ignore[arg-type]


def test_a_started_step_resumes_at_the_next_attempt_or_fails_when_at_most_once() -> None:
    started = slot(op(OperationType.STEP, OperationStatus.STARTED, step_details=StepDetails(attempt=2)))
    assert plan_step(started, StepSemantics.AT_LEAST_ONCE_PER_RETRY, CODEC) == RunAttempt(3, None)
    interrupted = plan_step(started, StepSemantics.AT_MOST_ONCE_PER_RETRY, CODEC)
    assert isinstance(interrupted, FailAttempt) and interrupted.number == 3
    assert isinstance(interrupted.error, StepInterruptedError)


def test_an_attempt_that_returned_succeeds_and_returns_what_replay_will_read() -> None:
    verdict = settle_step(slot(), Returned({"b": 1}), 1, None, CODEC, StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    assert verdict.send is not None and verdict.send.update.action is OperationAction.SUCCEED
    assert verdict.send.update.payload == '{"b":1}' and not verdict.send.wait
    assert verdict.answer == Success({"b": 1})


def test_an_attempt_whose_value_cannot_be_written_is_a_serdes_failure_and_sends_nothing() -> None:
    verdict = settle_step(slot(), Returned(object()), 1, None, CODEC, StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    assert verdict.send is None
    assert isinstance(verdict.answer, Failure) and isinstance(verdict.answer.failure(), SerdesFailed)


def test_a_failed_attempt_retries_by_suspending_or_fails_the_step() -> None:
    retried = settle_step(slot(), Raised(ValueError("x")), 1, None, CODEC, StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    assert retried.answer is SUSPENDED
    assert retried.send is not None and retried.send.update.action is OperationAction.RETRY and retried.send.wait
    failed = settle_step(slot(), Raised(ValueError("x")), 1, NO_RETRY, CODEC, StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    assert failed.send is not None and failed.send.update.action is OperationAction.FAIL
    assert isinstance(failed.answer, Failure) and failed.answer.failure().error_message == "x"


def test_a_raising_retry_strategy_fails_the_step_with_its_own_error() -> None:
    def broken(error: BaseException, attempt: int) -> Any:
        raise RuntimeError("strategy broke")

    verdict = settle_step(slot(), Raised(ValueError("x")), 1, StepConfig(retry_strategy=broken), CODEC,
                          StepSemantics.AT_LEAST_ONCE_PER_RETRY)
    assert isinstance(verdict.answer, Failure) and verdict.answer.failure().error_message == "strategy broke"


def test_containers_a_body_returns_are_opened() -> None:
    assert opened(Success(1)) == Returned(1)
    assert opened(IOSuccess(2)) == Returned(2)
    error = ValueError("no")
    assert opened(IOFailure(error)) == Raised(error)
    assert isinstance(opened(Failure("text")), Raised)


# --- contexts and batches --------------------------------------------------------------


def test_context_plans() -> None:
    assert isinstance(plan_context(slot(op_type=OperationType.CONTEXT), CODEC, ChildContextFailed), RunBody)
    done = op(OperationType.CONTEXT, OperationStatus.SUCCEEDED, context_details=ContextDetails(result="3"))
    assert plan_context(slot(done), CODEC, ChildContextFailed) == Replayed(Success(3))
    large = op(OperationType.CONTEXT, OperationStatus.SUCCEEDED, context_details=ContextDetails(replay_children=True))
    assert plan_context(slot(large), CODEC, ChildContextFailed) is REBUILD
    failed = op(OperationType.CONTEXT, OperationStatus.FAILED, context_details=ContextDetails(error=ErrorObject("E", "m")))
    assert plan_context(slot(failed), CODEC, BatchFailed) == Replayed(Failure(BatchFailed(ErrorObject("E", "m"))))
    resumed = op(OperationType.CONTEXT, OperationStatus.STARTED)
    assert plan_context(slot(resumed), CODEC, ChildContextFailed) == RunBody(None)


def test_a_large_context_result_is_not_stored_but_rebuilt() -> None:
    verdict = settle_context(slot(), Success("x" * 300_000), CODEC)
    assert verdict.send is not None and verdict.send.update.payload == ""
    assert verdict.send.update.context_options is not None and verdict.send.update.context_options.replay_children
    assert verdict.answer == Success("x" * 300_000)


def test_the_planner_admits_in_index_order_and_a_suspended_branch_keeps_its_slot() -> None:
    planner = BatchPlanner(4, 2, CompletionConfig.all_completed())
    assert planner.admit() == [0, 1]
    assert planner.admit() == []
    planner.suspended(0)
    assert planner.admit() == []  # still two in flight
    planner.finished(BatchItem(1, BatchItemStatus.SUCCEEDED, "b"))
    assert planner.admit() == [2]
    assert planner.resume() == [0]
    reasons = []
    for index in (0, 2):
        planner.finished(BatchItem(index, BatchItemStatus.FAILED, error=ErrorObject("E", "m")))
        reasons.append(planner.reason)
    assert planner.admit() == [3]
    planner.finished(BatchItem(3, BatchItemStatus.SUCCEEDED, "d"))
    reasons.append(planner.reason)
    assert reasons == [None, None, CompletionReason.ALL_COMPLETED]
    assert [i.index for i in planner.result().items] == [0, 1, 2, 3]


def test_the_planner_completes_at_the_first_rule_met_and_keeps_unfinished_branches_started() -> None:
    planner = BatchPlanner(3, 3, CompletionConfig.first_successful())
    assert planner.admit() == [0, 1, 2]
    planner.finished(BatchItem(2, BatchItemStatus.SUCCEEDED, "c"))
    assert planner.reason is CompletionReason.MIN_SUCCESSFUL_REACHED
    assert planner.admit() == []
    # branches 0 and 1 are abandoned: the batch records them as started
    planner.suspended(0)
    planner.suspended(1)
    statuses = [i.status for i in planner.result().items]
    assert statuses == [BatchItemStatus.STARTED, BatchItemStatus.STARTED, BatchItemStatus.SUCCEEDED]


def test_an_empty_batch_is_complete_at_once() -> None:
    assert BatchPlanner(0, 1, CompletionConfig()).reason is CompletionReason.ALL_COMPLETED


def test_an_item_serdes_that_raises_fails_the_container_with_its_own_error() -> None:
    class Refuses:
        def serialize(self, value: object, /) -> str:
            raise OverflowError("too big to write")

        def deserialize(self, data: str, /) -> object:
            return data

    batch_codec = Codec(BatchSerDes(Codec(Refuses())))
    batch = BatchResult([BatchItem(0, BatchItemStatus.SUCCEEDED, 1)], CompletionReason.ALL_COMPLETED)
    verdict = settle_batch(slot(op_type=OperationType.CONTEXT), batch, batch_codec, "Map")
    assert verdict.send is not None and verdict.send.update.action is OperationAction.FAIL
    assert isinstance(verdict.answer, Failure)
    assert verdict.answer.failure().error_type == "OverflowError"


def test_a_summary_round_trips_and_garbage_is_no_summary() -> None:
    batch = BatchResult(
        [BatchItem(0, BatchItemStatus.SUCCEEDED, 1), BatchItem(1, BatchItemStatus.STARTED)],
        CompletionReason.MIN_SUCCESSFUL_REACHED,
    )
    summary = BatchSummary.of(batch, "Map")
    assert BatchSummary.parse(summary.text()) == summary
    assert BatchSummary.parse("not json") is None


# --- waits, callbacks, invokes, conditions -----------------------------------------------


def test_waits() -> None:
    start = wait_start(slot(op_type=OperationType.WAIT), 5)
    assert start is not None and start.wait and start.update.wait_options is not None
    assert wait_start(slot(op(OperationType.WAIT, OperationStatus.STARTED)), 5) is None
    assert wait_answer(op(OperationType.WAIT, OperationStatus.STARTED)) is SUSPENDED
    assert wait_answer(op(OperationType.WAIT, OperationStatus.CANCELLED)) == Success(None)


def test_callbacks() -> None:
    start = callback_start(slot(op_type=OperationType.CALLBACK), Duration.minutes(1), None)
    assert start is not None and start.update.callback_options is not None
    assert start.update.callback_options.timeout_seconds == 60
    waiting = op(OperationType.CALLBACK, OperationStatus.STARTED, callback_details=CallbackDetails("cb"))
    assert callback_answer("op", waiting) is SUSPENDED
    answered = op(OperationType.CALLBACK, OperationStatus.SUCCEEDED, callback_details=CallbackDetails("cb", '"ok"'))
    assert callback_answer("op", answered) == Success('"ok"')
    timed_out = op(OperationType.CALLBACK, OperationStatus.TIMED_OUT, callback_details=CallbackDetails("cb"))
    assert isinstance(callback_answer("op", timed_out), Failure)
    assert isinstance(callback_answer("op", timed_out).failure(), CallbackTimedOut)  # type: ignore[union-attr]
    assert isinstance(callback_answer("op", None).failure(), CallbackFailed)  # type: ignore[union-attr]


def test_an_invoke_times_out_when_its_timer_fired_first() -> None:
    converter = default_converter()
    running = op(OperationType.CHAINED_INVOKE, OperationStatus.STARTED)
    fired = Operation(id="t", type=OperationType.WAIT, status=OperationStatus.SUCCEEDED, start_timestamp=NOW,
                      end_timestamp=NOW + timedelta(seconds=5))
    answer = invoke_answer(running, fired, "target", 5, int, converter, None)
    assert isinstance(answer, Failure) and isinstance(answer.failure(), InvokeTimedOut)
    assert invoke_answer(running, None, "target", 0, int, converter, None) is SUSPENDED


def test_a_condition_carries_its_state_between_checks_and_stops_when_told() -> None:
    retrying = op(OperationType.STEP, OperationStatus.READY, step_details=StepDetails(attempt=2, result="7"))
    plan = plan_condition(slot(retrying), CODEC, 0)
    assert isinstance(plan, RunCheck) and plan.number == 3 and plan.state == Success(7)
    again = settle_check(slot(), Checked(8, WaitDecision.continue_after(Duration.seconds(3))), CODEC)
    assert again.answer is SUSPENDED
    assert again.send is not None and again.send.update.action is OperationAction.RETRY
    assert again.send.update.payload == "8"
    done = settle_check(slot(), Checked(9, WaitDecision.stop()), CODEC)
    assert done.answer == Success(9)
