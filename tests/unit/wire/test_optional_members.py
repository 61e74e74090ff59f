"""Every optional member of every request ``serve`` receives, omitted in turn (issue 21).

Generated from botocore's Lambda service model: the optional members of each durable API
that ``serve`` routes are found by walking its input shape, down into OperationUpdate, its
option blocks and ErrorObject. A scenario sends a request carrying every member the model
allows (those the local service ignores too), then the same request with one optional
member left out. Each request goes through botocore's validator and serialiser and
``serve``'s REST code into a local backend, so what is checked is the path a non-Python
SDK takes. Leaving a member out must be decoded and must do what the service does without
it: its documented default, a refusal, or simply its absence from what is stored. An
optional member that no scenario sends (one the model gains later) fails the coverage test.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from attrs import frozen
from botocore.model import ListShape, ServiceModel, Shape, StructureShape
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator
from returns.pipeline import is_successful
from returns.result import Success

from lambda_durable.local import LocalBackend
from lambda_durable.local.http.endpoints import DurableApi
from lambda_durable.local.http.pump import Pump
from lambda_durable.local.http.rest import DURABLE_VERSION, Request, route
from lambda_durable.wire import (
    API_JSON,
    InvocationOutput,
    InvocationStatus,
    OperationUpdate,
    TimestampFormat,
    WireConverter,
)

MODEL: ServiceModel = botocore.session.get_session().get_service_model("lambda")
SERIALIZER = create_serializer("rest-json")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NAME = "exec-1"

Path = tuple[str, ...]
"""Member names from the request's top; ``*`` is the first element of a list."""


def _served(operation: str) -> bool:
    http = MODEL.operation_model(operation).http
    path = re.sub(r"\{[^}]+\}", "label", http["requestUri"])
    durable = path.startswith(f"/{DURABLE_VERSION}/") or operation == "Invoke"  # Invoke starts them
    return durable and route(http["method"], path) is not None


SERVED = sorted(name for name in MODEL.operation_names if _served(name))


def input_shape(operation: str) -> StructureShape:
    shape = MODEL.operation_model(operation).input_shape
    assert shape is not None
    return shape


def optional_members(shape: Shape, prefix: Path = ()) -> Iterator[Path]:
    """Every member path under ``shape`` that the model does not require (URI labels are)."""
    if isinstance(shape, ListShape):
        yield from optional_members(shape.member, (*prefix, "*"))
        return
    if not isinstance(shape, StructureShape):
        return
    for name, member in shape.members.items():
        if member.serialization.get("location") == "uri":
            continue
        path = (*prefix, name)
        if name not in shape.required_members:
            yield path
        yield from optional_members(member, path)


# --- what leaving a member out does -------------------------------------------------------


@frozen
class Default:
    """Leaving it out does what sending ``value`` does (the service's documented default)."""

    value: object


@frozen
class Ignored:
    """Leaving it out changes nothing: the local service does not use the member."""


@frozen
class Dropped:
    """Accepted; what it carried (marker strings) and the service kept is absent from the outcome."""


@frozen
class Refused:
    """The service refuses the request without it (a rule of the service, not the model)."""

    message: str


Behaviour = Default | Ignored | Dropped | Refused


# --- the backend behind serve's REST code -------------------------------------------------


class FixedClock:
    """Every run sees the same time, so two runs' outcomes compare equal."""

    def now(self) -> datetime:
        return T0

    def sleep_until(self, moment: datetime) -> None:
        pass


@frozen
class Answer:
    status: int
    body: Any


class Env:
    """A backend with one running execution in an open invocation, reached through the
    REST handler ``serve`` runs (no socket: ``DurableApi.handle``)."""

    def __init__(self) -> None:
        self.backend = LocalBackend(clock=FixedClock())
        for name in ("orders", "payments"):
            self.backend.register(name, _never_run, durable=True)
        self.backend.register("echo", _echo, durable=False)
        self.api = DurableApi(self.backend, Pump(self.backend))
        service = self.backend.service
        self.arn = service.start_execution("orders", '{"input": 1}', execution_name=NAME).unwrap()
        self.ticket = service.begin_invocation(self.arn).unwrap()
        self.token = self.ticket.event.checkpoint_token
        self.execution_id = self.ticket.event.initial_execution_state.operations[0].id

    def call(self, operation: str, params: Mapping[str, Any]) -> Answer:
        model = MODEL.operation_model(operation)
        report = ParamValidator().validate(dict(params), input_shape(operation)).generate_report()
        assert report == "", report  # the model accepts the request as sent
        request = SERIALIZER.serialize_to_request(dict(params), model)
        query = urlencode(request["query_string"], doseq=True)
        target = request["url_path"] + (f"?{query}" if query else "")
        body = request["body"]
        raw = body.encode() if isinstance(body, str) else bytes(body or b"")
        response = self.api.handle(Request.of(request["method"], target, dict(request["headers"]), raw))
        answer = Answer(response.status, json.loads(response.body) if response.body else {})
        token = answer.body.get("CheckpointToken") if isinstance(answer.body, dict) else None
        if isinstance(token, str):
            self.token = token
        return answer

    def checkpoint(self, *updates: Mapping[str, Any]) -> Answer:
        params = {"DurableExecutionArn": self.arn, "CheckpointToken": self.token, "Updates": list(updates)}
        return self.call("CheckpointDurableExecution", params)

    def finish(self) -> list[Any]:
        """End the invocation (a completion checkpointed in it takes effect) and read the history."""
        self.backend.service.finish_invocation(self.ticket, Success(InvocationOutput(InvocationStatus.PENDING)))
        events: list[Any] = self.call("GetDurableExecutionHistory", {"DurableExecutionArn": self.arn}).body["Events"]
        return events


def _never_run(event: Any, context: Any) -> Any:
    raise AssertionError("the test drives the execution by hand")


def _echo(event: Any, context: Any) -> Any:
    """A plain function: an Invoke of it answers at once, so no execution needs driving."""
    return event


_RANDOM_KEYS = frozenset({"CallbackId", "CheckpointToken", "RequestId", "DurableExecutionArn"})


def _normalise(value: Any, env: Env) -> Any:
    """The outcome without what differs between two runs (ids, tokens, the ARN)."""
    if isinstance(value, dict):
        return {k: _normalise(v, env) for k, v in value.items() if k not in _RANDOM_KEYS}
    if isinstance(value, list):
        return [_normalise(v, env) for v in value]
    if isinstance(value, str):
        return value.replace(env.arn, "<arn>").replace(env.execution_id, "<execution>")
    return value


# --- scenarios: a full request per situation ------------------------------------------------

ERROR = {
    "ErrorType": "kind-marker",
    "ErrorMessage": "message-marker",
    "ErrorData": "data-marker",
    "StackTrace": ["trace-marker"],
}
ERROR_DROPPED: dict[Path, Behaviour] = {("Error",): Dropped(), **{("Error", k): Dropped() for k in ERROR}}
ALL_OPTIONS = {
    "ContextOptions": {"ReplayChildren": True},
    "StepOptions": {"NextAttemptDelaySeconds": 7},
    "WaitOptions": {"WaitSeconds": 9},
    "CallbackOptions": {"TimeoutSeconds": 300, "HeartbeatTimeoutSeconds": 60},
    "ChainedInvokeOptions": {"FunctionName": "payments", "TenantId": "tenant-marker", "XAmznTraceId": "Root=1-trace"},
}
PARENT = "parent-marker"


Prepare = Callable[[Env], dict[str, Any]]


@frozen
class Scenario:
    """``full(env)`` builds the request; ``behaviours`` says what leaving out a member
    does, by path (below the update for checkpoints); a member not listed is Ignored."""

    operation: str
    full: Prepare
    behaviours: Mapping[Path, Behaviour]


def _update(kind: str, action: str, **members: Any) -> Prepare:
    """A checkpoint of one update on the operation ``op-1``, child of a started context,
    carrying every option block the model has (those of other types are ignored)."""

    def full(env: Env) -> dict[str, Any]:
        parent = {"Id": PARENT, "Type": "CONTEXT", "Action": "START", "SubType": "RunInChildContext"}
        assert env.checkpoint(parent).status == 200
        update: dict[str, Any] = {"Id": "op-1", "ParentId": PARENT, "Name": "name-marker", "SubType": "subtype-marker"}
        update |= {"Type": kind, "Action": action, **members, **ALL_OPTIONS}
        if kind == "EXECUTION":
            update |= {"Id": "execution-result-1", "ParentId": None, "Name": None, "SubType": None}
        clean = {k: v for k, v in update.items() if v is not None}
        return {"DurableExecutionArn": env.arn, "CheckpointToken": env.token, "Updates": [clean], "ClientToken": "c-1"}

    return full


IDENTITY: dict[Path, Behaviour] = {("ParentId",): Dropped(), ("Name",): Dropped(), ("SubType",): Dropped()}


def _started_wait(env: Env) -> dict[str, Any]:
    start = {"Id": "op-1", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 60}}
    assert env.checkpoint(start).status == 200
    update = {"Id": "op-1", "Type": "WAIT", "Action": "CANCEL", "Error": ERROR, **ALL_OPTIONS}
    return {"DurableExecutionArn": env.arn, "CheckpointToken": env.token, "Updates": [update]}


def _callback_id(env: Env) -> str:
    update = {"Id": "cb-1", "Type": "CALLBACK", "Action": "START"}
    answer = env.checkpoint(update)
    (op,) = [o for o in answer.body["NewExecutionState"]["Operations"] if o["Id"] == "cb-1"]
    callback_id: str = op["CallbackDetails"]["CallbackId"]
    return callback_id


def _arn_only(extra: Mapping[str, Any]) -> Prepare:
    return lambda env: {"DurableExecutionArn": env.arn, **extra}


REFUSE_RETRY = Refused("Invalid StepOptions for the given action.")
NO_DELAY: dict[Path, Behaviour] = {
    ("StepOptions",): REFUSE_RETRY,
    ("StepOptions", "NextAttemptDelaySeconds"): REFUSE_RETRY,
}
REFUSE_WAIT = Refused("Invalid WaitOptions for the given action.")

SCENARIOS: dict[str, Scenario] = {
    "step-start": Scenario(
        "CheckpointDurableExecution", _update("STEP", "START", Payload='"payload-marker"', Error=ERROR), IDENTITY
    ),
    "step-succeed": Scenario(
        "CheckpointDurableExecution",
        _update("STEP", "SUCCEED", Payload='"payload-marker"'),
        {**IDENTITY, ("Payload",): Dropped()},
    ),
    "step-fail": Scenario(
        "CheckpointDurableExecution", _update("STEP", "FAIL", Error=ERROR), {**IDENTITY, **ERROR_DROPPED}
    ),
    "step-retry": Scenario(
        "CheckpointDurableExecution",
        _update("STEP", "RETRY", Error=ERROR),
        {**IDENTITY, **ERROR_DROPPED, **NO_DELAY},
    ),
    "wait-for-condition-retry": Scenario(
        "CheckpointDurableExecution",
        _update("STEP", "RETRY", Payload='"payload-marker"'),
        {**IDENTITY, ("Payload",): Dropped(), **NO_DELAY},
    ),
    "context-start": Scenario("CheckpointDurableExecution", _update("CONTEXT", "START"), IDENTITY),
    "context-succeed": Scenario(
        "CheckpointDurableExecution",
        _update("CONTEXT", "SUCCEED", Payload='"payload-marker"'),
        {
            **IDENTITY,
            ("Payload",): Dropped(),
            ("ContextOptions",): Default({"ReplayChildren": False}),
            ("ContextOptions", "ReplayChildren"): Default(False),
        },
    ),
    "context-fail": Scenario(
        "CheckpointDurableExecution", _update("CONTEXT", "FAIL", Error=ERROR), {**IDENTITY, **ERROR_DROPPED}
    ),
    "wait-start": Scenario(
        "CheckpointDurableExecution",
        _update("WAIT", "START"),
        {**IDENTITY, ("WaitOptions",): REFUSE_WAIT, ("WaitOptions", "WaitSeconds"): REFUSE_WAIT},
    ),
    "wait-cancel": Scenario("CheckpointDurableExecution", _started_wait, ERROR_DROPPED),
    "callback-start": Scenario(
        "CheckpointDurableExecution",
        _update("CALLBACK", "START"),
        {
            **IDENTITY,
            ("CallbackOptions",): Default({"TimeoutSeconds": 0, "HeartbeatTimeoutSeconds": 0}),
            ("CallbackOptions", "TimeoutSeconds"): Default(0),
            ("CallbackOptions", "HeartbeatTimeoutSeconds"): Default(0),
        },
    ),
    "invoke-start": Scenario(
        "CheckpointDurableExecution",
        _update("CHAINED_INVOKE", "START", Payload='"payload-marker"'),
        {
            **IDENTITY,
            ("Payload",): Dropped(),
            ("ChainedInvokeOptions",): Refused("Invalid ChainedInvokeOptions for the given action."),
            ("ChainedInvokeOptions", "TenantId"): Dropped(),
        },
    ),
    "execution-succeed": Scenario(
        "CheckpointDurableExecution",
        _update("EXECUTION", "SUCCEED", Payload='"payload-marker"'),
        {("Payload",): Dropped()},
    ),
    "execution-fail": Scenario("CheckpointDurableExecution", _update("EXECUTION", "FAIL", Error=ERROR), ERROR_DROPPED),
    "invoke": Scenario(
        "Invoke",
        lambda env: {
            "FunctionName": "echo",
            "InvocationType": "RequestResponse",
            "LogType": "None",
            "ClientContext": "e30=",
            "DurableExecutionName": "exec-2",
            "Payload": b'"payload-marker"',
            "Qualifier": "$LATEST",
            "TenantId": "tenant-1",
        },
        {("InvocationType",): Default("RequestResponse"), ("Payload",): Dropped()},
    ),
    "stop": Scenario("StopDurableExecution", _arn_only({"Error": ERROR}), ERROR_DROPPED),
    "callback-success": Scenario(
        "SendDurableExecutionCallbackSuccess",
        lambda env: {"CallbackId": _callback_id(env), "Result": b'"result-marker"'},
        {("Result",): Dropped()},
    ),
    "callback-failure": Scenario(
        "SendDurableExecutionCallbackFailure",
        lambda env: {"CallbackId": _callback_id(env), "Error": ERROR},
        ERROR_DROPPED,
    ),
    "callback-heartbeat": Scenario(
        "SendDurableExecutionCallbackHeartbeat", lambda env: {"CallbackId": _callback_id(env)}, {}
    ),
    "state": Scenario(
        "GetDurableExecutionState",
        lambda env: {"DurableExecutionArn": env.arn, "CheckpointToken": env.token, "Marker": "", "MaxItems": 1000},
        {("MaxItems",): Default(0)},
    ),
    "describe": Scenario(
        "GetDurableExecution", _arn_only({"IncludeExecutionData": False}), {("IncludeExecutionData",): Default(True)}
    ),
    "history": Scenario(
        "GetDurableExecutionHistory",
        _arn_only({"IncludeExecutionData": False, "MaxItems": 1000, "Marker": "", "ReverseOrder": True}),
        {("IncludeExecutionData",): Default(True), ("ReverseOrder",): Default(False), ("MaxItems",): Default(0)},
    ),
    "list": Scenario(
        # every filter matches the one execution: leaving one out lists the same
        "ListDurableExecutionsByFunction",
        lambda env: {
            "FunctionName": "orders",
            "Qualifier": "$LATEST",
            "DurableExecutionName": NAME,
            "Statuses": ["RUNNING"],
            "StartedAfter": T0 - timedelta(hours=1),
            "StartedBefore": T0 + timedelta(hours=1),
            "ReverseOrder": True,
            "Marker": "",
            "MaxItems": 1000,
        },
        {("MaxItems",): Default(0)},
    ),
}


# --- running them -----------------------------------------------------------------------------


def _at(params: Mapping[str, Any], path: Path) -> tuple[dict[str, Any], str]:
    """The dict holding ``path``'s last member, and that member's name."""
    target: Any = params
    for key in path[:-1]:
        target = target[0] if key == "*" else target[key]
    return target, path[-1]


def _without(params: Mapping[str, Any], path: Path) -> dict[str, Any]:
    copied = copy.deepcopy(dict(params))
    holder, key = _at(copied, path)
    del holder[key]
    return copied


def _with(params: Mapping[str, Any], path: Path, value: object) -> dict[str, Any]:
    copied = copy.deepcopy(dict(params))
    holder, key = _at(copied, path)
    holder[key] = value
    return copied


def _present(params: Mapping[str, Any], prefix: Path = ()) -> Iterator[Path]:
    for key, value in params.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, dict):
            yield from _present(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _present(value[0], (*path, "*"))


def _relative(scenario: Scenario, path: Path) -> Path:
    """Checkpoint behaviours are written relative to the one update."""
    if scenario.operation == "CheckpointDurableExecution" and path[:2] == ("Updates", "*"):
        return path[2:]
    return path


@frozen
class Run:
    request: dict[str, Any]
    answer: Answer
    outcome: Any
    """The answer and the history, without what differs between two runs."""


def _run(scenario: Scenario, path: Path | None, value: object = None, *, replace: bool = False) -> Run:
    """The scenario in a fresh backend, with ``path`` left out (or set to ``value``)."""
    env = Env()
    try:
        params = scenario.full(env)
        if path is not None:
            params = _with(params, path, value) if replace else _without(params, path)
        answer = env.call(scenario.operation, params)
        outcome = _normalise({"status": answer.status, "answer": answer.body, "history": env.finish()}, env)
    finally:
        env.backend.close()
    return Run(params, answer, outcome)


def _full(scenario: Scenario) -> dict[str, Any]:
    """The scenario's full request, as built against a fresh backend."""
    env = Env()
    try:
        return scenario.full(env)
    finally:
        env.backend.close()


CHECKPOINT: dict[Path, Behaviour] = {("Updates",): Dropped()}
"""A checkpoint without its updates applies none (ClientToken is Ignored: each run calls once)."""


def _cases() -> Iterator[Any]:
    for label, scenario in SCENARIOS.items():
        optional = set(optional_members(input_shape(scenario.operation)))
        for path in _present(_full(scenario)):
            if path in optional:
                behaviour = {**CHECKPOINT, **scenario.behaviours}.get(_relative(scenario, path), Ignored())
                yield pytest.param(scenario, path, behaviour, id=f"{label}:{'.'.join(path)}")


def test_the_scenarios_cover_every_api_serve_routes() -> None:
    assert {s.operation for s in SCENARIOS.values()} == set(SERVED)


def test_every_optional_member_is_sent_by_some_scenario() -> None:
    sent: set[Path] = set()
    for scenario in SCENARIOS.values():
        sent |= set(_present(_full(scenario)))
    missing = {
        (operation, path)
        for operation in SERVED
        for path in optional_members(input_shape(operation))
        if path not in sent
    }
    assert missing == set()


def test_every_behaviour_names_a_member_a_scenario_sends() -> None:
    for label, scenario in SCENARIOS.items():
        sent = {_relative(scenario, p) for p in _present(_full(scenario))}
        assert set(scenario.behaviours) <= sent, label


@pytest.mark.parametrize("label", list(SCENARIOS))
def test_the_full_request_is_accepted(label: str) -> None:
    answer = _run(SCENARIOS[label], None).answer
    assert answer.status == 200, answer.body


_MARKER = re.compile(r"\b[a-z]+-marker\b")


def _markers(value: object) -> list[str]:
    """The marker strings a member's value carries (each member's are distinct words)."""
    text = value.decode() if isinstance(value, bytes) else json.dumps(value)
    return _MARKER.findall(text)


def _count(marker: str, outcome: Any) -> int:
    return _MARKER.findall(json.dumps(outcome)).count(marker)


@pytest.mark.parametrize(("scenario", "path", "behaviour"), list(_cases()))
def test_leaving_out_an_optional_member_does_what_the_service_does(
    scenario: Scenario, path: Path, behaviour: Behaviour
) -> None:
    omitted = _run(scenario, path)
    if isinstance(behaviour, Refused):
        assert omitted.answer.status == 400, omitted.answer.body
        assert omitted.answer.body["message"].endswith(behaviour.message), omitted.answer.body
        return
    assert omitted.answer.status == 200, omitted.answer.body
    full = _run(scenario, None)
    if isinstance(behaviour, Ignored):
        assert omitted.outcome == full.outcome
    elif isinstance(behaviour, Default):
        assert omitted.outcome == _run(scenario, path, behaviour.value, replace=True).outcome
    else:
        holder, key = _at(full.request, path)
        stored = [m for m in _markers(holder[key]) if _count(m, full.outcome) > 0]
        assert stored, f"nothing {path} carries shows in the outcome"
        for marker in stored:  # a parent's id stays on the parent: fewer, not none
            assert _count(marker, omitted.outcome) < _count(marker, full.outcome), (marker, omitted.outcome)


CATTRS_ONLY = WireConverter(TimestampFormat.EPOCH_SECONDS, planned=False)


@pytest.mark.parametrize(
    ("scenario", "path", "behaviour"), [c for c in _cases() if c.values[1][:2] == ("Updates", "*")]
)
def test_planned_decoding_of_an_update_without_the_member_is_cattrs_decoding(
    scenario: Scenario, path: Path, behaviour: Behaviour
) -> None:
    (update,) = _without(_full(scenario), path)["Updates"]
    planned = API_JSON.decode(OperationUpdate, update)
    assert is_successful(planned)
    assert planned == CATTRS_ONLY.decode(OperationUpdate, update)
