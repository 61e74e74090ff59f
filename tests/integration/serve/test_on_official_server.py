"""Handlers (ours, and the official SDK's) against the official testing server (``dex-local-runner start-server``).

The official server keeps the executions and invokes handlers with a Lambda Invoke at
its ``--lambda-endpoint`` (our ``serve``), marked ``X-Dex-Handler-Invoke: true``; ``serve``
runs the registered handler once on that invocation input, in a subprocess whose SDK
checkpoints to the official server (``--handler-endpoint``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip(
    "aws_durable_execution_sdk_python_testing",
    reason="the official testing server is not installed (pip install -e '.[dev]')",
)

from serve_fixtures import HERE, make_client, start_server, stop_server
from serve_helpers import ModelCheck, wait_until
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local.http.server import DurableServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


HANDLER_FILES = {"ours": "ours_handlers.py", "official": "official_handlers.py"}


@pytest.fixture(scope="module", params=sorted(HANDLER_FILES))
def official_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, DurableServer]]:
    """(the official server's URL, our serve acting as its Lambda endpoint), for the
    handlers written with our SDK, then with the official SDK."""
    port = _free_port()
    official_url = f"http://127.0.0.1:{port}"
    ours = start_server(HERE / HANDLER_FILES[request.param], handler_endpoint=official_url)
    command = [
        sys.executable, "-m", "aws_durable_execution_sdk_python_testing.cli", "start-server",
        "--host", "127.0.0.1", "--port", str(port), "--lambda-endpoint", ours.url, "--log-level", "WARNING", "--skip-time",
    ]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_until(lambda: _healthy(official_url) or process.poll() is not None, timeout=60, interval=0.1)
        if process.poll() is not None:
            pytest.fail(f"the official testing server did not start: {process.stderr.read() if process.stderr else ''}")
        yield official_url, ours
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
        stop_server(ours)


def start_on(official_url: str, function_name: str, execution_name: str) -> str:
    body = {
        "AccountId": "123456789012",
        "FunctionName": function_name,
        "FunctionQualifier": "$LATEST",
        "ExecutionName": execution_name,
        "ExecutionTimeoutSeconds": 120,
        "ExecutionRetentionPeriodDays": 1,
        "Input": "{}",
    }
    request = urllib.request.Request(
        f"{official_url}/start-durable-execution", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        arn: str = json.loads(answer.read())["ExecutionArn"]
    return arn


@pytest.mark.parametrize("name", NAMES)
def test_handler_runs_on_the_official_server(official_server: tuple[str, DurableServer], name: str) -> None:
    official_url, _ = official_server
    check = ModelCheck()
    client: Any = make_client(official_url, check)
    arn = start_on(official_url, name, f"ours-{name}")

    def events() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = client.get_durable_execution_history(
            DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]
        return found

    if name == "callback":
        callback_id = wait_until(lambda: next((e["CallbackStartedDetails"]["CallbackId"] for e in events()
                                               if e["EventType"] == "CallbackStarted"), None), timeout=60)
        client.send_durable_execution_callback_success(CallbackId=callback_id, Result=CALLBACK_ANSWER)

    def finished() -> dict[str, Any] | None:
        described: dict[str, Any] = client.get_durable_execution(DurableExecutionArn=arn)
        return described if described["Status"] != "RUNNING" else None

    done = wait_until(finished, timeout=60, interval=0.1)
    assert done["Status"] == "SUCCEEDED", done.get("Error")
    assert result_of(done["Result"]) == EXPECTED[name]
