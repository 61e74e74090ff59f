"""The SDK talking to the local service through a real boto3 ``lambda`` client.

In-process runs hand the SDK the local service directly; here every checkpoint and
state page instead goes SDK -> ``Boto3ServiceClient`` -> botocore (parameter validation
against the service model, REST-JSON serialisation) -> an HTTP request that a
``before-send`` hook answers by decoding it with ``API_JSON``, calling the local service,
and encoding the answer with ``API_JSON`` -> botocore's response parser -> the SDK.
So whatever the SDK emits must be valid for the real Lambda API, and whatever the local
service answers must survive botocore. The outcome must equal the in-process run's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import pytest
from attrs import frozen
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from returns.pipeline import is_successful
from returns.result import Result, Success

from lambda_durable import (
    ChildConfig,
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    RetryStrategy,
    StepConfig,
    StepContext,
    StepSemantics,
    durable_handler,
)
from lambda_durable.client import Boto3ServiceClient, DurableServiceClient
from lambda_durable.local import ExecutionOutcome, LocalBackend, run_local
from lambda_durable.wire import API_JSON, ExecutionStatus, OperationUpdate

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

Workflow = Callable[[Any, DurableContext], Any]
ENDPOINT = "http://lambda.local.invalid"


class _Raw:
    """The bit of urllib3's response botocore reads a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: object, **__: object) -> Iterator[bytes]:
        yield self._body


def _response(request: AWSPreparedRequest, status: int, body: object) -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/json"
    if status >= 400 and isinstance(body, dict):
        headers["x-amzn-ErrorType"] = str(body.get("Type", "ServiceException"))
    return AWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode("utf-8")))


class Wire:
    """A boto3 client whose HTTP layer is the local service, plus a log of calls."""

    def __init__(self, service: DurableServiceClient) -> None:
        self.service = service
        self.updates: list[OperationUpdate] = []
        self.calls: list[str] = []
        self.client: LambdaClient = boto3.client(
            "lambda",
            region_name="us-east-1",
            endpoint_url=ENDPOINT,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        # botocore uses the first non-None answer of a before-send handler as the response
        answer = cast("Callable[..., None]", self._answer)
        self.client.meta.events.register("before-send.lambda", answer)

    def _answer(self, request: AWSPreparedRequest, **_: object) -> AWSResponse:
        url = urlparse(request.url)
        parts = url.path.split("/")
        # /2025-12-01/durable-executions/{DurableExecutionArn}/{checkpoint|state}
        assert parts[1:3] == ["2025-12-01", "durable-executions"], url.path
        arn, action = unquote(parts[3]), parts[4]
        self.calls.append(f"{request.method} {action}")
        if action == "checkpoint":
            assert request.method == "POST"
            raw = request.body
            assert isinstance(raw, (bytes, str)), type(raw)
            body = json.loads(raw or b"{}")
            decoded = [API_JSON.decode(OperationUpdate, raw) for raw in body.get("Updates", [])]
            assert all(is_successful(d) for d in decoded), decoded
            updates = [d.unwrap() for d in decoded]
            self.updates.extend(updates)
            result: Result[Any, Any] = self.service.checkpoint(arn, body["CheckpointToken"], updates)
        else:
            assert (request.method, action) == ("GET", "state")
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            result = self.service.get_execution_state(
                arn, query["CheckpointToken"], query.get("Marker", ""), int(query.get("MaxItems", "1000"))
            )
        if is_successful(result):
            return _response(request, 200, API_JSON.encode(result.unwrap()))
        error = result.failure()
        return _response(request, error.http_status or 500, {"Type": error.code, "message": error.message})


def via_boto3(workflow: Workflow, wires: list[Wire]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler that runs ``workflow`` with its service calls going through boto3."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        wire = Wire(context.durable_service_client)
        wires.append(wire)
        durable = durable_handler(client=Boto3ServiceClient(wire.client))(workflow)
        # hide the injected in-process client so the SDK uses the boto3 one
        plain_context = SimpleNamespace(aws_request_id=context.aws_request_id)
        return durable(event, plain_context)

    handler.__name__ = getattr(workflow, "__name__", "handler")
    return handler


# --- workflows ---------------------------------------------------------------------------------


class Uppercase:
    def serialize(self, value: str, /) -> str:
        return value.upper()

    def deserialize(self, data: str, /) -> str:
        return data


@frozen
class Order:
    order_id: str
    items: list[str]


def _boom(step: StepContext) -> str:
    raise ValueError("notification service down")


def order_flow(event: Order, ctx: DurableContext) -> Result[str, DurableError]:
    """Steps (named, retried, at-most-once, failing and caught, custom serdes), a wait,
    a child context with its own wait."""

    def flaky(step: StepContext) -> str:
        if step.attempt < 2:
            raise RuntimeError("warehouse busy")
        return f"reserved {len(event.items)}"

    retry = StepConfig(
        retry_strategy=RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(2), jitter=JitterStrategy.NONE)
    )
    once = StepConfig(semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)

    def reserve(child: DurableContext) -> Result[str, DurableError]:
        return child.step(flaky, name="reserve", config=retry).bind(
            lambda r: child.wait(Duration.seconds(3), name="settle").map(lambda _: r)
        )

    return (
        ctx.step(lambda _: event.order_id.lower(), name="normalise", config=once)
        .bind(lambda oid: ctx.run_in_child_context(reserve, name="reservation").map(lambda r: f"{oid}: {r}"))
        .bind(
            lambda s: ctx.step(_boom, name="notify", config=StepConfig(retry_strategy=RetryStrategy.none()))
            .lash(lambda e: Success(f"{s} (notify failed: {e.error.error_type})"))
        )
        .bind(lambda s: ctx.wait(Duration.minutes(1), name="cool-off").map(lambda _: s))
        .bind(lambda s: ctx.step(lambda _: s, name="shout", config=StepConfig(serdes=Uppercase())))
    )


def large_child(event: str, ctx: DurableContext) -> Result[int, DurableError]:
    """A child result over 256 KiB: SUCCEED with an empty Payload and ReplayChildren."""
    return (
        ctx.run_in_child_context(
            lambda child: child.step(lambda _: event).map(lambda s: s * 300_000),
            name="big",
            config=ChildConfig(sub_type="RunInChildContext"),
        )
        .bind(lambda big: ctx.wait(Duration.seconds(1)).map(lambda _: len(big)))
    )


def failing(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    """A failure that escapes a child context: CONTEXT FAIL with an ErrorObject."""
    return ctx.run_in_child_context(
        lambda child: child.step(_boom, config=StepConfig(retry_strategy=RetryStrategy.none())),
        name="doomed",
    )


def _add(ctx: DurableContext, i: int, acc: int) -> Result[int, DurableError]:
    return ctx.step(lambda _: acc + i, name=f"add-{i}")


def many_steps(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    """Enough operations that the next invocation's state arrives in several pages."""
    total: Result[int, DurableError] = Success(0)
    for i in range(event):
        total = total.bind(partial(_add, ctx, i))
    return total.bind(lambda acc: ctx.wait(Duration.seconds(1)).map(lambda _: acc))


CASES: dict[str, tuple[Workflow, object]] = {
    "order": (order_flow, {"order_id": "O-42", "items": ["book", "lamp"]}),
    "large-child": (large_child, "x"),
    "failing": (failing, None),
}


def _summary(outcome: ExecutionOutcome) -> list[tuple[str, str | None, str | None]]:
    """Event types, names and subtypes (execution events are named after the run: skipped)."""
    return [
        (e.event_type.value, e.name, e.sub_type)
        for e in outcome.events
        if not e.event_type.value.startswith("Execution")
    ]


@pytest.mark.parametrize(("workflow", "payload"), list(CASES.values()), ids=list(CASES))
def test_boto3_path_gives_the_same_execution_as_in_process(workflow: Workflow, payload: object) -> None:
    wires: list[Wire] = []
    through_boto3 = run_local(via_boto3(workflow, wires), payload)
    direct = run_local(durable_handler(workflow), payload)

    assert wires, "the boto3 path was never used"
    assert any(w.updates for w in wires), "no checkpoint went through boto3"
    assert through_boto3.status == direct.status
    assert through_boto3.result == direct.result
    assert through_boto3.error == direct.error
    assert _summary(through_boto3) == _summary(direct)


def test_order_flow_result_and_wire_traffic() -> None:
    wires: list[Wire] = []
    outcome = run_local(via_boto3(order_flow, wires), CASES["order"][1])
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert json.loads(outcome.result or "null") == "O-42: RESERVED 2 (NOTIFY FAILED: VALUEERROR)"
    actions = {(u.type.value, u.action.value) for w in wires for u in w.updates}
    assert {("STEP", "START"), ("STEP", "SUCCEED"), ("STEP", "RETRY"), ("STEP", "FAIL")} <= actions
    assert {("WAIT", "START"), ("CONTEXT", "START"), ("CONTEXT", "SUCCEED")} <= actions


def test_failing_child_carries_its_error_through_botocore() -> None:
    wires: list[Wire] = []
    outcome = run_local(via_boto3(failing, wires), None)
    assert outcome.status is ExecutionStatus.FAILED
    fails = [u for w in wires for u in w.updates if u.action.value == "FAIL"]
    assert [u.type.value for u in fails] == ["STEP", "CONTEXT"]
    assert all(u.error is not None and u.error.error_type for u in fails)


def test_paged_state_is_fetched_through_botocore() -> None:
    wires: list[Wire] = []
    steps = 12
    with LocalBackend(page_bytes=600) as backend:
        handler = via_boto3(many_steps, wires)
        backend.register("many_steps", handler)
        arn = backend.start("many_steps", json.dumps(steps)).unwrap()
        outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert json.loads(outcome.result or "null") == sum(range(steps))
    assert any(call == "GET state" for w in wires for call in w.calls), [w.calls for w in wires]


def test_service_errors_survive_botocore_error_parsing() -> None:
    with LocalBackend() as backend:
        backend.register("failing", durable_handler(failing))
        arn = backend.start("failing", "null").unwrap()
        wire = Wire(backend.service)
        through_boto3 = Boto3ServiceClient(wire.client).checkpoint(arn, "c3RhbGU=", [])
        direct = backend.service.checkpoint(arn, "c3RhbGU=", [])
    assert not is_successful(direct), "a made-up token must be rejected"
    assert not is_successful(through_boto3)
    got, expected = through_boto3.failure(), direct.failure()
    assert (got.code, got.message, got.http_status) == (expected.code, expected.message, expected.http_status)
    assert got.retryable == expected.retryable
