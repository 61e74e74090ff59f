"""The SDK on the embedded backend: replay, determinism, failures, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from lambda_durable import (
    ChildConfig,
    DurableContext,
    DurableError,
    Duration,
    InvalidInvocationEvent,
    RetryStrategy,
    StepConfig,
    StepFailed,
    durable_handler,
)
from lambda_durable.local import LocalBackend, run_local
from lambda_durable.wire import EventType, ExecutionStatus, OperationStatus

NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())


def event_types(outcome: Any) -> list[str]:
    return [e.event_type.value for e in outcome.events]


def test_finished_steps_are_not_run_again_on_replay() -> None:
    runs: list[str] = []

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        def work(_: object) -> str:
            runs.append("work")
            return "done"

        return ctx.step(work, name="work").bind(
            lambda v: ctx.wait(Duration.seconds(30)).map(lambda _: v)
        )

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"done"'
    assert runs == ["work"]
    assert event_types(outcome).count("InvocationCompleted") == 2


def test_changed_code_on_replay_fails_with_non_determinism() -> None:
    invocations: list[int] = []

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        invocations.append(1)
        name = "charge" if len(invocations) == 1 else "refund"  # the code "changed"
        first = ctx.step(lambda _: "x", name=name)
        if isinstance(first, Failure):
            # even a handler that swallows the failure cannot make the execution succeed
            return Success("ignored the divergence")
        return ctx.wait(Duration.seconds(5)).map(lambda _: "unreachable on replay")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.error_type == "NonDeterministicExecution"
    assert "'charge'" in (outcome.error.error_message or "")
    assert "'refund'" in (outcome.error.error_message or "")


def test_operation_type_change_is_detected() -> None:
    invocations: list[int] = []

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[None, DurableError]:
        invocations.append(1)
        if len(invocations) == 1:
            return ctx.wait(Duration.seconds(5), name="w")
        return ctx.step(lambda _: None, name="w")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_a_replayed_failure_is_the_same_failure() -> None:
    seen: list[Result[str, DurableError]] = []

    def boom(_: object) -> str:
        raise KeyError("missing sku")

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        failed = ctx.step(boom, name="lookup", config=NO_RETRY)
        seen.append(failed)
        return ctx.wait(Duration.seconds(1)).bind(
            lambda _: failed.lash(lambda err: Success(f"recovered from {err.error_type}"))
        )

    outcome = run_local(handler, {})
    assert outcome.result == '"recovered from KeyError"'
    assert len(seen) == 2 and seen[0] == seen[1]
    match seen[0]:
        case Failure(StepFailed() as err):
            assert err.error_message == "'missing sku'"
        case _:
            pytest.fail("expected a StepFailed")


def test_retries_then_success_records_attempts() -> None:
    attempts: list[int] = []

    def flaky(step: Any) -> str:
        attempts.append(step.attempt)
        if step.attempt < 3:
            raise ConnectionError("try again")
        return "ok"

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(flaky, name="flaky", config=StepConfig(retry_strategy=RetryStrategy.fixed(Duration(2))))

    outcome = run_local(handler, {})
    assert outcome.result == '"ok"'
    assert attempts == [1, 2, 3]
    kinds = [e.event_type for e in outcome.events if e.name == "flaky"]
    assert kinds == [EventType.STEP_STARTED, EventType.STEP_FAILED] * 2 + [
        EventType.STEP_STARTED,
        EventType.STEP_SUCCEEDED,
    ]


def test_user_exception_fails_the_execution_with_its_type() -> None:
    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> str:
        raise PermissionError("no access")

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None
    assert (outcome.error.error_type, outcome.error.error_message) == ("PermissionError", "no access")


def test_input_that_does_not_fit_the_annotation_is_a_clear_failure() -> None:
    @durable_handler
    def handler(event: int, ctx: DurableContext) -> int:
        return event

    outcome = run_local(handler, {"not": "an int"})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "SerdesFailed"


def test_a_malformed_invocation_event_is_refused_at_the_boundary() -> None:
    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> str:
        return "never"

    with pytest.raises(InvalidInvocationEvent, match="durable execution configured"):
        handler({"hello": "world"}, None)
    with pytest.raises(InvalidInvocationEvent, match="ExecutionStatePage @ attribute operations"):
        handler(
            {"DurableExecutionArn": "a", "CheckpointToken": "t", "InitialExecutionState": {"Operations": 3}},
            None,
        )


class Upper:
    """A codec that fails to read back anything but upper-case text."""

    def serialize(self, value: str, /) -> str:
        return value.upper()

    def deserialize(self, data: str, /) -> str:
        if data != data.upper():
            raise ValueError(f"not upper-case: {data!r}")
        return data


def test_custom_serdes_payload_is_stored_verbatim() -> None:
    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "hello", config=StepConfig(serdes=Upper()))

    outcome = run_local(handler, {})
    assert outcome.result == '"HELLO"'
    step = next(e for e in outcome.events if e.event_type is EventType.STEP_SUCCEEDED)
    assert step.details.result is not None and step.details.result.payload == "HELLO"


def test_undecodable_payload_is_a_serdes_failure() -> None:
    class Broken:
        def serialize(self, value: str, /) -> str:
            return value

        def deserialize(self, data: str, /) -> str:
            raise ValueError("cannot read")

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "x", config=StepConfig(serdes=Broken()))

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "ValueError"


def test_large_child_result_is_rebuilt_by_replaying_children() -> None:
    big = "x" * 300_000
    bodies: list[int] = []

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[int, DurableError]:
        def child(c: DurableContext) -> Result[str, DurableError]:
            bodies.append(1)
            return c.step(lambda _: big, name="big")

        return (
            ctx.run_in_child_context(child, name="child")
            .bind(lambda v: ctx.wait(Duration.seconds(1)).map(lambda _: len(v)))
        )

    outcome = run_local(handler, {})
    assert outcome.result == "300000"
    assert len(bodies) == 2  # the replay re-ran the body to rebuild the value
    ctx_done = [e for e in outcome.events if e.event_type is EventType.CONTEXT_SUCCEEDED]
    assert len(ctx_done) == 1
    assert ctx_done[0].details.result is not None and ctx_done[0].details.result.payload == ""
    child_op = next(o for o in outcome.operations if o.name == "child")
    assert child_op.context_details is not None and child_op.context_details.replay_children


def test_large_execution_result_is_checkpointed() -> None:
    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> str:
        return "y" * (6 * 1024 * 1024)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result is not None and len(outcome.result) == 6 * 1024 * 1024 + 2


def test_child_context_failure_and_custom_subtype() -> None:
    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        def child(c: DurableContext) -> Result[str, DurableError]:
            return c.step(lambda _: (_ for _ in ()).throw(ValueError("bad")), name="inner", config=NO_RETRY)

        return ctx.run_in_child_context(child, name="grp", config=ChildConfig(sub_type="Custom"))

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.FAILED
    failed = next(e for e in outcome.events if e.event_type is EventType.CONTEXT_FAILED)
    assert failed.sub_type == "Custom"
    assert failed.details.error is not None and failed.details.error.payload is not None
    assert failed.details.error.payload.error_type == "ValueError"
    inner = next(o for o in outcome.operations if o.name == "inner")
    assert inner.parent_id == failed.id and inner.status is OperationStatus.FAILED


def test_many_fast_steps_share_checkpoint_calls() -> None:
    calls: list[int] = []

    @durable_handler
    def handler(event: dict[str, str], ctx: DurableContext) -> Result[int, DurableError]:
        def add(i: int) -> Callable[[int], Result[int, DurableError]]:
            return lambda t: ctx.step(lambda _: t + i)

        total: Result[int, DurableError] = Success(0)
        for i in range(600):
            total = total.bind(add(i))
        calls.append(ctx.state.checkpointer.calls)
        return total

    outcome = run_local(handler, {})
    assert outcome.result == str(sum(range(600)))
    # 1200 updates: the first START goes out alone, then batches of at most 250 updates
    assert calls[0] <= 7


def test_a_rejected_checkpoint_token_is_retried_without_losing_or_duplicating_work() -> None:
    invocations: list[int] = []

    @durable_handler
    def inner(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "stored", name="only")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        invocations.append(1)
        if len(invocations) == 1:
            event = {**event, "CheckpointToken": "AAAA" + str(event["CheckpointToken"])}
        return inner(event, context)

    with LocalBackend() as backend:
        backend.register("fn", handler)
        outcome = backend.run_until_settled(backend.start("fn", "{}").unwrap())
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(invocations) == 2
    completed = [e for e in outcome.events if e.event_type is EventType.INVOCATION_COMPLETED]
    assert completed[0].details.error is not None
    assert [e.event_type for e in outcome.events].count(EventType.STEP_SUCCEEDED) == 1


def test_a_checkpoint_the_service_refuses_for_good_fails_the_execution() -> None:
    @durable_handler
    def inner(event: dict[str, str], ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(lambda _: "never stored", name="only")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        arn = str(event["DurableExecutionArn"])
        return inner({**event, "DurableExecutionArn": arn.replace("durable-execution/", "durable-execution/x")}, context)

    with LocalBackend() as backend:
        backend.register("fn", handler)
        outcome = backend.run_until_settled(backend.start("fn", "{}").unwrap())
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "CheckpointError"
    assert not any(e.event_type is EventType.STEP_SUCCEEDED for e in outcome.events)


def test_original_input_and_raw_input() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[str, DurableError]:
        raw = ctx.get_original_input_raw().value_or("")
        return ctx.get_original_input(dict).map(lambda d: f"{raw}|{sorted(d)}")

    outcome = run_local(handler, {"b": 1, "a": 2})
    assert outcome.result == '"{\\"b\\": 1, \\"a\\": 2}|[\'a\', \'b\']"'


def test_complete_execution_early() -> None:
    @durable_handler
    def handler(event: dict[str, Any], ctx: DurableContext) -> Result[bool, DurableError]:
        return ctx.complete_execution_if_large("z" * 7_000_000)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result is not None and len(outcome.result) == 7_000_002


def test_object_and_any_annotations_pass_the_json_input_through() -> None:
    @durable_handler
    def handler(event: object, ctx: DurableContext) -> object:
        return event

    assert run_local(handler, {"k": [1, 2]}).result == '{"k": [1, 2]}'
