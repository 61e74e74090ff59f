"""invoke on the embedded backend: chained durable functions, failures, timeouts, coding."""

from __future__ import annotations

import json
from typing import Any

import pytest
from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    InvokeConfig,
    InvokeFailed,
    InvokeTimedOut,
    SerdesFailed,
    StepConfig,
    RetryStrategy,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.wire import EventType, ExecutionStatus, OperationStatus


@frozen
class Quote:
    sku: str
    price: float


received: list[Any] = []


@durable_handler
def pricing(event: dict[str, Any], ctx: DurableContext) -> Result[dict[str, Any], DurableError]:
    received.append(event)
    return ctx.step(lambda _: {"sku": str(event["sku"]), "price": 9.5}, name="price")


@durable_handler
def broken(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    def boom(_: object) -> str:
        raise LookupError("no such sku")

    return ctx.step(boom, name="lookup", config=StepConfig(retry_strategy=RetryStrategy.none()))


@durable_handler
def slow(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait(Duration.hours(1)).map(lambda _: "late")


@durable_handler
def echo(event: Any, ctx: DurableContext) -> Any:
    return event


def invoke_events(outcome: Any) -> list[Any]:
    return [e for e in outcome.events if e.sub_type == "ChainedInvoke"]


def test_result_is_structured_and_nothing_reruns_on_replay() -> None:
    received.clear()
    steps: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        def note(label: str, value: str) -> str:
            steps.append(label)
            return value

        return (
            ctx.step(lambda _: note("before", "a-1"), name="before")
            .bind(lambda sku: ctx.invoke("pricing", {"sku": sku}, Quote, name="quote"))
            .bind(lambda q: ctx.step(lambda _: note("after", f"{q.sku}={q.price}"), name="after"))
        )

    outcome = run_local(handler, None, functions={"pricing": pricing})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"a-1=9.5"'
    assert steps == ["before", "after"]
    assert received == [{"sku": "a-1"}]
    started, succeeded = invoke_events(outcome)
    assert (started.event_type, succeeded.event_type) == (
        EventType.CHAINED_INVOKE_STARTED,
        EventType.CHAINED_INVOKE_SUCCEEDED,
    )
    assert started.name == "quote"
    assert started.details.function_name == "pricing"
    assert started.details.input is not None and started.details.input.payload == '{"sku": "a-1"}'
    assert started.details.tenant_id is None


def test_a_plain_string_payload_is_json() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.invoke("echo", "hello", str)

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.result == '"hello"'
    started = invoke_events(outcome)[0]
    assert started.details.input is not None and started.details.input.payload == '"hello"'


def test_tenant_id_is_sent() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        return ctx.invoke("echo", 7, int, config=InvokeConfig(tenant_id="tenant-a"))

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.result == "7"
    assert invoke_events(outcome)[0].details.tenant_id == "tenant-a"


def test_target_failure_is_invoke_failed_also_on_replay() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.invoke("broken", None, str)
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).bind(lambda _: out)

    outcome = run_local(handler, None, functions={"broken": broken})
    assert outcome.status is ExecutionStatus.FAILED
    assert len(seen) == 2 and seen[0] == seen[1]
    match seen[0]:
        case Failure(InvokeFailed() as err):
            assert err.error_type == "LookupError"
            assert "no such sku" in (err.error_message or "")
        case other:
            pytest.fail(f"expected InvokeFailed, got {other}")
    assert invoke_events(outcome)[-1].event_type is EventType.CHAINED_INVOKE_FAILED


def test_unknown_target_fails() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.invoke("nobody", None, str)
        seen.append(out)
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert isinstance(seen[-1], Failure) and isinstance(seen[-1].failure(), InvokeFailed)


def test_sdk_timeout_wins_over_a_slow_target() -> None:
    seen: list[Result[str, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.invoke("slow", None, str, name="call", config=InvokeConfig(timeout=Duration.seconds(10)))
        seen.append(out)
        return ctx.wait(Duration.hours(2)).bind(lambda _: out.lash(lambda e: Success(f"gave up: {e.error_type}")))

    outcome = run_local(handler, None, functions={"slow": slow})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"gave up: InvokeTimedOut"'
    # after the wait the target finished too, but the recorded order still says "timed out"
    assert len(seen) >= 2 and all(s == seen[0] for s in seen)
    assert isinstance(seen[0], Failure) and isinstance(seen[0].failure(), InvokeTimedOut)
    timer = next(o for o in outcome.operations if o.name == "call timeout")
    assert timer.status is OperationStatus.SUCCEEDED
    invoke = next(o for o in outcome.operations if o.name == "call")
    assert invoke.status is OperationStatus.SUCCEEDED


def test_sdk_timeout_not_reached() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.invoke("echo", "fast", str, config=InvokeConfig(timeout=Duration.minutes(5)))

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == '"fast"'
    names = [(e.event_type, e.name) for e in outcome.events if e.sub_type in ("ChainedInvoke", "Wait")]
    assert names[:2] == [
        (EventType.CHAINED_INVOKE_STARTED, None),
        (EventType.WAIT_STARTED, "invoke timeout"),
    ]


def test_invoke_timeout_validation() -> None:
    with pytest.raises(ValueError):
        InvokeConfig(timeout=Duration(0))
    with pytest.raises(ValueError):
        InvokeConfig(tenant_id="")


class Tagged:
    def serialize(self, value: str, /) -> str:
        return json.dumps({"tag": value})

    def deserialize(self, data: str, /) -> str:
        return "got " + str(json.loads(data)["tag"])


def test_custom_payload_and_result_serdes() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        cfg = InvokeConfig(payload_serdes=Tagged(), result_serdes=Tagged())
        return ctx.invoke("echo", "x", str, config=cfg)

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.result == '"got x"'
    assert invoke_events(outcome)[0].details.input.payload == '{"tag": "x"}'


def test_a_payload_that_cannot_be_encoded_is_a_serdes_failure_without_a_checkpoint() -> None:
    seen: list[Result[str, DurableError]] = []

    class Refuse:
        def serialize(self, value: str, /) -> str:
            raise ValueError("cannot encode")

        def deserialize(self, data: str, /) -> str:
            return data

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.invoke("echo", "x", str, config=InvokeConfig(payload_serdes=Refuse()))
        seen.append(out)
        return out.lash(lambda e: Success("handled"))

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.result == '"handled"'
    assert isinstance(seen[0], Failure) and isinstance(seen[0].failure(), SerdesFailed)
    assert invoke_events(outcome) == []


def test_a_result_that_does_not_fit_is_a_serdes_failure() -> None:
    seen: list[Result[Quote, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        out = ctx.invoke("echo", "just text", Quote)
        seen.append(out)
        return ctx.wait(Duration.seconds(1)).map(lambda _: "handled")

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert len(seen) == 2 and seen[0] == seen[1]
    assert isinstance(seen[0], Failure) and isinstance(seen[0].failure(), SerdesFailed)


def test_empty_function_name_is_refused_before_an_id_is_taken() -> None:
    ids: list[str] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        before = ctx.next_operation_id()
        out = ctx.invoke("", None, str)
        ids.extend([before, ctx.next_operation_id()])
        return out

    outcome = run_local(handler, None)
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "InvalidArgument"
    assert ids[0] == ids[1]


def test_changed_name_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        runs.append(1)
        return ctx.invoke("echo", "x", str, name="a" if len(runs) == 1 else "b")

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_changed_type_on_replay_is_non_deterministic() -> None:
    runs: list[int] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[Any, DurableError]:
        runs.append(1)
        if len(runs) == 1:
            return ctx.invoke("echo", "x", str)
        return ctx.step(lambda _: "x")

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.FAILED
    assert outcome.error is not None and outcome.error.error_type == "NonDeterministicExecution"


def test_a_null_result_into_none() -> None:
    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
        return ctx.invoke("echo", None, type(None))

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "null"


def test_a_non_null_result_does_not_fit_none() -> None:
    seen: list[Result[None, DurableError]] = []

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> str:
        seen.append(ctx.invoke("echo", 1, type(None)))
        return "ok"

    outcome = run_local(handler, None, functions={"echo": echo})
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert isinstance(seen[-1], Failure) and isinstance(seen[-1].failure(), SerdesFailed)
