"""Handlers written with the official aws-durable-execution-sdk-python 3.x run on our
backend through ``serve``: each invocation in its own process, checkpointing over HTTP
with the official SDK's own boto3 client (AWS_ENDPOINT_URL_LAMBDA)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("aws_durable_execution_sdk_python", reason="the official SDK is not installed (pip install -e '.[dev]')")

from serve_fixtures import HERE, make_client, start_server, stop_server
from serve_helpers import ModelCheck, history, wait_callback_id, wait_terminal
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local.http.server import DurableServer


@pytest.fixture(scope="module")
def official() -> Iterator[DurableServer]:
    started = start_server(HERE / "official_handlers.py")
    yield started
    stop_server(started)


@pytest.mark.parametrize("name", NAMES)
def test_official_handler_runs_to_completion(official: DurableServer, name: str) -> None:
    check = ModelCheck()
    client: Any = make_client(official.url, check)
    arn = client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    if name == "callback":
        client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=CALLBACK_ANSWER)
    done = wait_terminal(client, arn, timeout=60)
    assert done["Status"] == "SUCCEEDED", done.get("Error")
    assert result_of(done["Result"]) == EXPECTED[name]
    events = history(client, arn)
    assert all("Error" not in e.get("InvocationCompletedDetails", {}) for e in events)
    assert check.problems == []
