"""Durable functions written as programs (``Command``) run under ``serve``, driven by boto3.

Each invocation is one process of the program: the event on stdin, the output as the
last line of its stdout, ``AWS_ENDPOINT_URL_LAMBDA`` in its environment. A program that
crashes, hangs past its timeout or prints no valid output costs a failed invocation
recorded as Lambda records it, never the server.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from command_handlers import HUNG_SECONDS, MARKERS
from serve_fixtures import make_client, start_server, stop_server
from serve_helpers import ModelCheck, history, wait_terminal

from lambda_durable.local.http.server import DurableServer

HERE = Path(__file__).parent
FAILED_INVOCATIONS_ALLOWED = 5
"""Failed invocations in a row before the service fails the execution (protocol §6.6)."""


@pytest.fixture(scope="module")
def command_server() -> Iterator[DurableServer]:
    started = start_server(HERE / "command_handlers.py")
    yield started
    stop_server(started)
    shutil.rmtree(MARKERS, ignore_errors=True)


@pytest.fixture
def client(command_server: DurableServer) -> Iterator[Any]:
    check = ModelCheck()
    yield make_client(command_server.url, check)
    assert check.problems == []


def _run(client: Any, name: str, payload: bytes = b"{}") -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    arn = client.invoke(FunctionName=name, InvocationType="Event", Payload=payload)["DurableExecutionArn"]
    return arn, wait_terminal(client, arn, timeout=120), history(client, arn)


def _invocation_errors(events: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    completed = [e["InvocationCompletedDetails"] for e in events if e["EventType"] == "InvocationCompleted"]
    return [c["Error"]["Payload"] if "Error" in c else None for c in completed]


def test_a_program_speaking_the_protocol_checkpoints_through_the_endpoint(client: Any) -> None:
    """A Python one-liner with boto3's default client: a wait, then the input doubled."""
    _, done, events = _run(client, "waits", b'{"n": 21}')
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == 42
    kinds = [e["EventType"] for e in events]
    assert kinds == [
        "ExecutionStarted", "WaitStarted", "InvocationCompleted", "WaitSucceeded", "InvocationCompleted",
        "ExecutionSucceeded",
    ]  # fmt: skip
    assert _invocation_errors(events) == [None, None]


def test_lines_printed_before_the_output_are_not_the_output(client: Any) -> None:
    _, done, events = _run(client, "greets")
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "hello"


def test_a_failed_output_fails_the_execution_not_the_invocation(client: Any) -> None:
    _, done, events = _run(client, "fails")
    assert done["Status"] == "FAILED"
    assert done["Error"] == {"ErrorType": "OrderRejected", "ErrorMessage": "no stock"}
    assert _invocation_errors(events) == [None]


@pytest.mark.parametrize(("name", "reason"), [("exits", "exit status 3"), ("killed", "signal 9")])
def test_a_crash_is_a_failed_invocation_then_the_service_invokes_again(
    client: Any, command_server: DurableServer, name: str, reason: str
) -> None:
    arn, done, events = _run(client, name)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "survived"
    first, second = _invocation_errors(events)
    assert first is not None and second is None
    assert first["ErrorType"] == "Runtime.ExitError"
    assert first["ErrorMessage"].endswith(f"Runtime exited with error: {reason}")
    stderr = [r for r in command_server.backend.logs(arn) if r.get("stream") == "stderr"]
    assert [r["message"] for r in stderr] == [f"breaking {name}"]


def test_a_hang_past_the_timeout_is_killed_with_what_it_started(client: Any) -> None:
    arn, done, events = _run(client, "hangs")
    assert done["Status"] == "SUCCEEDED"
    first, second = _invocation_errors(events)
    assert first is not None and second is None
    assert first["ErrorType"] == "Sandbox.Timedout"
    assert first["ErrorMessage"].endswith(f"Task timed out after {HUNG_SECONDS:.2f} seconds")
    sleeper = next(Path(MARKERS).glob("*.sleeper")).read_text().strip()
    assert not _alive(int(sleeper)), "the program's own child outlived the timeout"


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/stat")
    if status.exists():  # a zombie is dead, waiting to be reaped by its (dead) parent's adopter
        return status.read_text().split(")")[-1].split()[0] != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_json", "the last line on stdout is not JSON: 'this is not JSON'"),
        ("wrong_shape", "'DONE' is not a valid InvocationStatus"),
        ("silent", "the program printed nothing on stdout"),
    ],
)
def test_bad_output_is_a_failed_invocation(client: Any, name: str, message: str) -> None:
    _, done, events = _run(client, name)
    errors = _invocation_errors(events)
    assert len(errors) == FAILED_INVOCATIONS_ALLOWED
    for error in errors:
        assert error is not None and error["ErrorType"] == "Runtime.InvalidOutput"
        assert message in error["ErrorMessage"]
    assert done["Status"] == "FAILED" and done["Error"]["ErrorType"] == "Runtime.InvalidOutput"


def test_serve_keeps_serving_after_every_fault(client: Any) -> None:
    for name in ("exits", "killed", "not_json", "silent"):
        _run(client, name)
    _, done, _ = _run(client, "greets")
    assert done["Status"] == "SUCCEEDED"
