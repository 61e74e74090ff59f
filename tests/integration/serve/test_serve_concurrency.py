"""Many executions at once through one ``serve``: one writer at a time, no lost update."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from serve_fixtures import server  # noqa: F401 - fixture
from serve_helpers import (
    ModelCheck,
    history,
    wait_callback_id,
    wait_terminal,
    wait_until,
)
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local.http.server import DurableServer


def _client(url: str, check: ModelCheck) -> Any:
    client = boto3.client(
        "lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="local",
        aws_secret_access_key="local", config=Config(max_pool_connections=64, read_timeout=120),
    )
    check.attach(client)
    return client


def test_fifty_concurrent_executions_each_with_a_sound_history(server: DurableServer) -> None:
    check = ModelCheck()
    client = _client(server.url, check)
    # reference histories (event types) of the deterministic workloads, run one at a time
    reference = {
        name: [e["EventType"] for e in history(client, client.invoke(FunctionName=name, Payload=b"{}")["DurableExecutionArn"])]
        for name in NAMES if name != "callback"
    }
    plan = [NAMES[i % len(NAMES)] for i in range(50)]

    def one(name: str) -> tuple[str, str]:
        arn: str = client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
        if name == "callback":
            client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=CALLBACK_ANSWER)
        return name, arn

    with ThreadPoolExecutor(max_workers=25) as pool:
        started = list(pool.map(one, plan))
    for name, arn in started:
        done = wait_terminal(client, arn, timeout=60)
        assert done["Status"] == "SUCCEEDED", (name, done.get("Error"))
        assert result_of(done["Result"]) == EXPECTED[name]
        events = history(client, arn)
        assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
        stamps = [e["EventTimestamp"] for e in events]
        assert stamps == sorted(stamps)
        kinds = [e["EventType"] for e in events]
        if name in reference:
            assert kinds == reference[name], name
        else:
            assert kinds[:2] == ["ExecutionStarted", "CallbackStarted"] and "CallbackSucceeded" in kinds
            assert kinds[-2:] == ["InvocationCompleted", "ExecutionSucceeded"]
    listed = client.list_durable_executions_by_function(FunctionName="steps", MaxItems=1000)["DurableExecutions"]
    assert len(listed) == 1 + plan.count("steps")
    assert check.problems == []


def test_a_callback_answered_during_the_invocation_is_delivered_to_it(server: DurableServer) -> None:
    check = ModelCheck()
    client = _client(server.url, check)
    arn = client.invoke(FunctionName="callback_during", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    callback_id = wait_callback_id(client, arn)
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"early"')
    done = wait_terminal(client, arn)
    assert json.loads(done["Result"]) == "early"
    kinds = [e["EventType"] for e in history(client, arn)]
    # the answer landed while the first invocation ran: its event comes before that
    # invocation's InvocationCompleted, and the next invocation finishes the execution
    assert kinds.index("CallbackSucceeded") < kinds.index("InvocationCompleted")
    assert kinds[-2:] == ["InvocationCompleted", "ExecutionSucceeded"]
    wait_until(lambda: check.checked > 0)
    assert check.problems == []
