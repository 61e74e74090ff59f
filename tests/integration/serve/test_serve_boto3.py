"""boto3's ``lambda`` client drives executions through ``lambda-durable serve``."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from serve_fixtures import (  # noqa: F401
    HERE,
    client,
    make_client,
    model_check,
    server,
    start_server,
    stop_server,
)
from serve_helpers import history, wait_callback_id, wait_terminal
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local.http.server import DurableServer

WORKLOADS = {
    "steps": 6,
    "wait": "woke",
    "child": 42,
    "map": [10, 20, 30],
}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_request_response_invoke_runs_to_the_end(client: Any, name: str) -> None:
    answer = client.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b"{}")
    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == WORKLOADS[name]
    arn = answer["DurableExecutionArn"]
    assert answer["ExecutedVersion"] == "$LATEST"
    described = client.get_durable_execution(DurableExecutionArn=arn)
    assert described["Status"] == "SUCCEEDED"
    assert json.loads(described["Result"]) == WORKLOADS[name]
    events = history(client, arn)
    assert [e["EventId"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["EventType"] == "ExecutionStarted"
    assert events[-1]["EventType"] == "ExecutionSucceeded"


def test_event_invoke_callback_history_and_stop(client: Any, server: DurableServer) -> None:
    started = client.invoke(
        FunctionName="callback", InvocationType="Event", Payload=b"{}", DurableExecutionName="approve-1"
    )
    assert started["StatusCode"] == 202
    arn = started["DurableExecutionArn"]
    assert "/durable-execution/approve-1/" in arn
    callback_id = wait_callback_id(client, arn)
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"yes"')
    done = wait_terminal(client, arn)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "approved: yes"
    kinds = [e["EventType"] for e in history(client, arn)]
    assert kinds == [
        "ExecutionStarted", "CallbackStarted", "InvocationCompleted", "CallbackSucceeded",
        "InvocationCompleted", "ExecutionSucceeded",
    ]
    # the same name again is refused; an answered callback cannot be answered twice
    with pytest.raises(client.exceptions.DurableExecutionAlreadyStartedException):
        client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}", DurableExecutionName="approve-1")
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"again"')

    other = client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    other_callback = wait_callback_id(client, other)
    stopped = client.stop_durable_execution(
        DurableExecutionArn=other, Error={"ErrorType": "Cancelled", "ErrorMessage": "no longer needed"}
    )
    assert stopped["StopTimestamp"]
    final = client.get_durable_execution(DurableExecutionArn=other)
    assert final["Status"] == "STOPPED" and final["Error"] == {"ErrorType": "Cancelled", "ErrorMessage": "no longer needed"}
    stopped_kinds = [e["EventType"] for e in history(client, other)]
    assert stopped_kinds.count("ExecutionStopped") == 1
    # the stop may land while the invocation that started the callback is still ending:
    # its InvocationCompleted then follows ExecutionStopped (EMULATOR.md 4.7), nothing else
    assert stopped_kinds[stopped_kinds.index("ExecutionStopped") + 1 :] in ([], ["InvocationCompleted"])
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.send_durable_execution_callback_failure(CallbackId=other_callback, Error={"ErrorMessage": "late"})

    listed = client.list_durable_executions_by_function(FunctionName="callback")["DurableExecutions"]
    assert [e["DurableExecutionArn"] for e in listed] == [arn, other]
    only_stopped = client.list_durable_executions_by_function(FunctionName="callback", Statuses=["STOPPED"])
    assert [e["DurableExecutionArn"] for e in only_stopped["DurableExecutions"]] == [other]
    named = client.list_durable_executions_by_function(FunctionName="callback", DurableExecutionName="approve-1")
    assert [e["DurableExecutionArn"] for e in named["DurableExecutions"]] == [arn]


def test_callback_failure_fails_the_execution(client: Any) -> None:
    arn = client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    client.send_durable_execution_callback_failure(
        CallbackId=wait_callback_id(client, arn), Error={"ErrorType": "Rejected", "ErrorMessage": "not approved"}
    )
    done = wait_terminal(client, arn)
    assert done["Status"] == "FAILED"
    failed = [e for e in history(client, arn) if e["EventType"] == "CallbackFailed"]
    assert failed[0]["CallbackFailedDetails"]["Error"]["Payload"] == {"ErrorType": "Rejected", "ErrorMessage": "not approved"}


def test_failed_execution_is_a_function_error(client: Any) -> None:
    answer = client.invoke(FunctionName="callback", Payload=b"{}", InvocationType="Event")
    arn = answer["DurableExecutionArn"]
    client.stop_durable_execution(DurableExecutionArn=arn)
    assert wait_terminal(client, arn)["Error"]["ErrorMessage"] == "Execution stopped by user request"


def test_history_pages_and_reverse_order(client: Any) -> None:
    arn = client.invoke(FunctionName="steps", Payload=b"{}")["DurableExecutionArn"]
    everything = history(client, arn)
    first = client.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=3)
    assert [e["EventId"] for e in first["Events"]] == [1, 2, 3] and first["NextMarker"]
    rest = client.get_durable_execution_history(DurableExecutionArn=arn, Marker=first["NextMarker"], MaxItems=100)
    assert first["Events"] + rest["Events"] == everything and "NextMarker" not in rest
    backwards = client.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True)
    assert backwards["Events"] == everything[::-1]
    bare = client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)["Events"]
    assert bare[0]["ExecutionStartedDetails"]["Input"] == {"Truncated": True}


def test_plain_function_is_called_once(client: Any) -> None:
    answer = client.invoke(FunctionName="plain", Payload=b'{"a": 1}')
    assert json.loads(answer["Payload"].read()) == {"echo": {"a": 1}}
    assert "DurableExecutionArn" not in answer


def test_function_arn_and_qualifier_are_accepted(client: Any) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:steps"
    answer = client.invoke(FunctionName=arn, Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(answer["Payload"].read()) == 6


@pytest.mark.parametrize("name", NAMES)
def test_shared_workloads(client: Any, name: str) -> None:
    arn = client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    if name == "callback":
        client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=CALLBACK_ANSWER)
    done = wait_terminal(client, arn)
    assert done["Status"] == "SUCCEEDED" and result_of(done["Result"]) == EXPECTED[name]


def test_chained_invokes_run_their_targets(client: Any) -> None:
    answer = client.invoke(FunctionName="chain", Payload=b"{}")
    assert json.loads(answer["Payload"].read()) == "42 42"
    kinds = [e["EventType"] for e in history(client, answer["DurableExecutionArn"])]
    assert kinds.count("ChainedInvokeStarted") == 2 and kinds.count("ChainedInvokeSucceeded") == 2
    children = client.list_durable_executions_by_function(FunctionName="child")["DurableExecutions"]
    assert [c["Status"] for c in children] == ["SUCCEEDED"]


def test_real_time_waits_really_wait() -> None:
    real = start_server(HERE / "ours_handlers.py", real_time=True)
    try:
        client: Any = make_client(real.url)
        began = time.monotonic()
        answer = client.invoke(FunctionName="short_wait", Payload=b"{}")
        assert json.loads(answer["Payload"].read()) == "later"
        assert time.monotonic() - began >= 1.0
    finally:
        stop_server(real)
