"""Handlers in their own process reach ``serve`` only through AWS_ENDPOINT_URL_LAMBDA."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from serve_fixtures import HERE, make_client, start_server, stop_server
from serve_helpers import ModelCheck, history, wait_callback_id, wait_terminal
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local.http.server import DurableServer


@pytest.fixture(scope="module")
def isolated() -> Iterator[DurableServer]:
    started = start_server(HERE / "ours_handlers.py", isolated=True)
    yield started
    stop_server(started)


def test_the_handler_runs_elsewhere_with_no_injected_client(isolated: DurableServer) -> None:
    check = ModelCheck()
    client = make_client(isolated.url, check)
    answer = client.invoke(FunctionName="where", Payload=b"{}")
    found = json.loads(answer["Payload"].read())
    assert found["pid"] != os.getpid()
    assert found["endpoint"] == isolated.url
    assert found["injected"] is False  # the Lambda context carries no client
    assert check.problems == []


def test_a_callback_workflow_runs_over_http(isolated: DurableServer) -> None:
    client: Any = make_client(isolated.url)
    arn = client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=b'"ok"')
    done = wait_terminal(client, arn)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "approved: ok"
    completed = [e for e in history(client, arn) if e["EventType"] == "InvocationCompleted"]
    assert len(completed) == 2 and all("Error" not in e["InvocationCompletedDetails"] for e in completed)


@pytest.mark.parametrize("name", NAMES)
def test_shared_workloads_run_isolated(isolated: DurableServer, name: str) -> None:
    client: Any = make_client(isolated.url)
    arn = client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    if name == "callback":
        client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=CALLBACK_ANSWER)
    done = wait_terminal(client, arn, timeout=60)
    assert done["Status"] == "SUCCEEDED" and result_of(done["Result"]) == EXPECTED[name]
