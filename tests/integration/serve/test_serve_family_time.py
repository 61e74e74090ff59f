"""Through ``serve``'s HTTP API: one execution skipping its wait does not move another's
callback timeout or deadline (skipped time is per family of executions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from returns.result import Result
from serve_fixtures import make_client
from serve_helpers import ModelCheck, history, wait_callback_id, wait_terminal

from lambda_durable import CallbackConfig, DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import LocalBackend
from lambda_durable.local.http.server import DurableServer


@durable_handler
def hour_wait(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait(Duration.hours(1), name="hour").map(lambda _: "waited")


@durable_handler
def approval(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    config = CallbackConfig(timeout=Duration.minutes(5))
    return ctx.create_callback(str, name="approval", config=config).bind(lambda cb: cb.result())


@pytest.fixture
def family_server() -> Iterator[DurableServer]:
    backend = LocalBackend()  # skipped time: ``serve`` without --real-time
    backend.register("hour_wait", hour_wait)
    backend.register("approval", approval, execution_timeout=600)
    server = DurableServer(backend, port=0).start()
    yield server
    server.close()
    backend.close()


def test_a_skipped_hour_elsewhere_leaves_a_5_minute_callback_open(family_server: DurableServer) -> None:
    check = ModelCheck()
    client: Any = make_client(family_server.url, check)
    waiting = client.invoke(FunctionName="approval", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    callback_id = wait_callback_id(client, waiting)
    assert json.loads(client.invoke(FunctionName="hour_wait", Payload=b"{}")["Payload"].read()) == "waited"

    assert client.get_durable_execution(DurableExecutionArn=waiting)["Status"] == "RUNNING"
    assert [e["EventType"] for e in history(client, waiting)][-1] == "InvocationCompleted"  # no timeout
    client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"yes"')
    done = wait_terminal(client, waiting, timeout=10)
    assert done["Status"] == "SUCCEEDED" and json.loads(done["Result"]) == "yes"
    assert check.problems == []
