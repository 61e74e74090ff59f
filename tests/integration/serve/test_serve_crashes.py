"""``serve``'s default worker pool: a handler that exits, segfaults, hangs or runs out of
memory costs one failed invocation, never the server.

Each breaking handler breaks only its first invocation of an execution; the service
then re-invokes (as after a crashed or timed-out Lambda), the handler succeeds, and the
history shows the failed invocation with the error Lambda reports. Afterwards the
server still answers, on a new worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from crash_handlers import HUNG_SECONDS
from serve_fixtures import HERE, make_client, start_server, stop_server
from serve_helpers import history

from lambda_durable.local.http.server import DurableServer

MEMORY_MB = 2048
"""The workers' address-space cap: room for Python and the SDK, not for ``hogs``."""


@pytest.fixture(scope="module")
def pooled() -> Iterator[DurableServer]:
    started = start_server(HERE / "crash_handlers.py", memory_mb=MEMORY_MB)
    yield started
    stop_server(started)


def _invoke(client: Any, name: str, payload: str) -> tuple[str, Any]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return answer["DurableExecutionArn"], json.loads(answer["Payload"].read())


def _failed_invocations(client: Any, arn: str) -> list[dict[str, Any]]:
    completed = [e["InvocationCompletedDetails"] for e in history(client, arn) if e["EventType"] == "InvocationCompleted"]
    return [details["Error"]["Payload"] for details in completed if "Error" in details]


def _still_serves(client: Any) -> None:
    assert _invoke(client, "greet", "again")[1] == "hello again"


@pytest.mark.parametrize(
    ("name", "error_type", "message"),
    [
        ("exits", "Runtime.ExitError", "Runtime exited with error: exit status 3"),
        ("segfaults", "Runtime.ExitError", "Runtime exited with error: signal 11"),
        ("hangs", "Sandbox.Timedout", f"Task timed out after {HUNG_SECONDS:.2f} seconds"),
        ("hogs", "Runtime.OutOfMemory", "out of memory"),
    ],
)
def test_a_broken_invocation_is_retried_on_a_new_worker(
    pooled: DurableServer, name: str, error_type: str, message: str
) -> None:
    client = make_client(pooled.url)
    assert pooled.workers is not None
    started = pooled.workers.started
    arn, result = _invoke(client, name, name)
    assert result == f"survived {name}"
    failed = _failed_invocations(client, arn)
    assert [f["ErrorType"] for f in failed] == [error_type]
    assert message in failed[0]["ErrorMessage"]
    _still_serves(client)
    assert pooled.workers.started > started  # the broken worker was replaced


def test_a_handler_that_always_crashes_fails_its_execution_after_the_service_retries(pooled: DurableServer) -> None:
    client = make_client(pooled.url)
    answer = client.invoke(FunctionName="always_crashes", Payload=b"{}")
    assert answer.get("FunctionError") == "Unhandled"
    arn = answer["DurableExecutionArn"]
    assert client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "FAILED"
    failed = _failed_invocations(client, arn)
    assert len(failed) > 1 and {f["ErrorType"] for f in failed} == {"Runtime.ExitError"}
    _still_serves(client)
