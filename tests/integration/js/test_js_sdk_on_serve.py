"""Handlers written with the official JavaScript SDK run against ``lambda-durable serve``.

Each invocation is a node process (``js_handlers.py`` registers each export of
``handlers.cjs`` as a ``Command``) whose SDK reaches ``serve`` only through
``AWS_ENDPOINT_URL_LAMBDA``, as on Lambda; boto3 starts the executions, answers their
callbacks and reads their outcome.
The SDK is installed with npm into a cache folder (``js_sdk.py``); without node or npm,
or when the install fails, the module is skipped with the reason.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "serve"))  # the serve tests' fixtures and helpers

from js_sdk import ensure_installed  # noqa: E402

_PROBLEM = ensure_installed()
if _PROBLEM is not None:
    pytest.skip(_PROBLEM, allow_module_level=True)

from serve_fixtures import make_client, start_server, stop_server  # noqa: E402
from serve_helpers import ModelCheck, history, wait_callback_id, wait_terminal  # noqa: E402

from js_handlers import JS_EXPORTS  # noqa: E402

from lambda_durable.local.http.server import DurableServer  # noqa: E402

TIMEOUT = 300.0
"""Generous: every invocation starts a node process, on a machine that may be busy."""


@pytest.fixture(scope="module")
def js_server() -> Iterator[DurableServer]:
    started = start_server(HERE / "js_handlers.py")
    yield started
    stop_server(started)


@pytest.fixture
def client(js_server: DurableServer) -> Iterator[Any]:
    check = ModelCheck()
    yield make_client(js_server.url, check)
    assert check.problems == []


@pytest.fixture(scope="module")
def arns(js_server: DurableServer) -> dict[str, str]:
    """Every handler started at once: the executions run side by side (each invocation
    is a node process), and each test waits for its own."""
    client: Any = make_client(js_server.url)
    return {
        name: client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
        for name in JS_EXPORTS
    }


def _run(client: Any, arn: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return wait_terminal(client, arn, timeout=TIMEOUT), history(client, arn)


def _result(done: dict[str, Any]) -> Any:
    assert done["Status"] == "SUCCEEDED", done.get("Error")
    return json.loads(done["Result"])


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["EventType"] for e in events]


def _no_failed_invocation(events: list[dict[str, Any]]) -> None:
    failed = [e for e in events if "Error" in e.get("InvocationCompletedDetails", {})]
    assert failed == []


def test_steps(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["steps"])
    assert _result(done) == 6
    assert [e["Name"] for e in events if e["EventType"] == "StepSucceeded"] == ["add-1", "add-2", "add-3"]
    _no_failed_invocation(events)


def test_wait(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["wait"])
    assert _result(done) == "woke"
    (started,) = [e for e in events if e["EventType"] == "WaitStarted"]
    assert started["Name"] == "pause" and started["WaitStartedDetails"]["Duration"] == 30
    assert _kinds(events).count("InvocationCompleted") == 2  # suspended, then resumed
    _no_failed_invocation(events)


def test_create_callback_answered_through_boto3(client: Any, arns: dict[str, str]) -> None:
    arn = arns["create_callback"]
    client.send_durable_execution_callback_heartbeat(CallbackId=wait_callback_id(client, arn, TIMEOUT))
    client.send_durable_execution_callback_success(
        CallbackId=wait_callback_id(client, arn, TIMEOUT), Result=b'{"approved": true}'
    )
    done = wait_terminal(client, arn, timeout=TIMEOUT)
    # the SDK hands back the Result text as sent (its default serdes for callbacks)
    assert _result(done) == {"callbackIdSeen": True, "value": '{"approved": true}'}
    (started,) = [e for e in history(client, arn) if e["EventType"] == "CallbackStarted"]
    assert started["CallbackStartedDetails"]["Timeout"] == 3600
    assert started["CallbackStartedDetails"]["HeartbeatTimeout"] == 1800


def test_wait_for_callback_with_only_a_timeout(client: Any, arns: dict[str, str]) -> None:
    """The SDK sends CallbackOptions without HeartbeatTimeoutSeconds (issue 21)."""
    arn = arns["wait_for_callback"]
    client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn, TIMEOUT), Result=b'"yes"')
    done = wait_terminal(client, arn, timeout=TIMEOUT)
    assert _result(done) == {"value": '"yes"'}
    events = history(client, arn)
    (started,) = [e for e in events if e["EventType"] == "CallbackStarted"]
    assert started["CallbackStartedDetails"]["Timeout"] == 3600
    assert "HeartbeatTimeout" not in started["CallbackStartedDetails"]
    _no_failed_invocation(events)


def test_a_callback_failure_sent_through_boto3_reaches_the_handler(client: Any, arns: dict[str, str]) -> None:
    arn = arns["callback_failed"]
    client.send_durable_execution_callback_failure(
        CallbackId=wait_callback_id(client, arn, TIMEOUT),
        Error={"ErrorType": "Rejected", "ErrorMessage": "the approver said no"},
    )
    done = wait_terminal(client, arn, timeout=TIMEOUT)
    assert _result(done) == {"failedWith": "the approver said no"}


def test_invoke_of_a_python_durable_function(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["invoke_python"])
    assert _result(done) == {"doubled": 42}
    (started,) = [e for e in events if e["EventType"] == "ChainedInvokeStarted"]
    assert started["Name"] == "double" and started["ChainedInvokeStartedDetails"]["FunctionName"] == "py_double"
    assert "ChainedInvokeSucceeded" in _kinds(events)


def test_map(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["map"])
    assert _result(done) == [10, 20, 30]
    assert _kinds(events).count("StepSucceeded") == 3


def test_parallel_with_named_branches(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["parallel"])
    assert _result(done) == ["L", "R"]
    contexts = {e["Name"] for e in events if e["EventType"] == "ContextSucceeded" and "Name" in e}
    assert {"left", "right"} <= contexts


def test_child_context(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["child"])
    assert _result(done) == 42
    (context,) = [e for e in events if e["EventType"] == "ContextStarted"]
    children = [e for e in events if e.get("ParentId") == context["Id"] and e["EventType"] == "StepStarted"]
    assert len(children) == 2


def test_wait_for_condition(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["wait_for_condition"])
    assert _result(done) == 3
    polls = [e for e in events if e["EventType"] == "StepSucceeded"]
    assert [e["StepSucceededDetails"].get("RetryDetails", {}).get("NextAttemptDelaySeconds") for e in polls] == [2, 2, None]


def test_promise_combinators(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["promises"])
    assert _result(done) == {"all": [1, 2], "race": 3, "any": 5, "settled": ["fulfilled", "rejected"]}
    # each named combinator is checkpointed as a child context holding its outcome
    combined = [e["Name"] for e in events if e["EventType"] == "ContextSucceeded"]
    assert combined == ["all", "race", "any", "settled"]


def test_a_retried_step(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["retried_step"])
    assert _result(done) == "succeeded on attempt 3"
    failed = [e["StepFailedDetails"] for e in events if e["EventType"] == "StepFailed"]
    assert [f["RetryDetails"] for f in failed] == [
        {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2},
        {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 2},
    ]
    assert failed[0]["Error"]["Payload"]["ErrorMessage"] == "attempt 1 failed"


def test_a_failing_execution(client: Any, arns: dict[str, str]) -> None:
    done, events = _run(client, arns["failing"])
    assert done["Status"] == "FAILED"
    assert done["Error"]["ErrorMessage"] == "the order cannot be shipped"
    assert _kinds(events)[-1] == "ExecutionFailed"
    _no_failed_invocation(events)  # the handler reported the failure; the invocation did not crash

