"""Bad input: the modelled error code and status, nothing changed in the store, and the
server still answers afterwards."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from serve_fixtures import client, model_check, server  # noqa: F401 - fixtures
from serve_helpers import history, wait_callback_id, wait_until

from lambda_durable.local.engine.tokens import TokenClaims, encode_token
from lambda_durable.local.http.server import DurableServer

UNKNOWN_ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:steps:$LATEST/durable-execution/nobody/"
    "00000000-0000-0000-0000-000000000000"
)


@pytest.fixture
def suspended(client: Any) -> Iterator[str]:
    """An execution waiting on a callback: nothing moves it but an answer."""
    arn: str = client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    wait_until(lambda: [e["EventType"] for e in history(client, arn)][-1] == "InvocationCompleted")
    yield arn


def raw(server: DurableServer, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        data = answer.read()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, json.loads(data) if data else None
    finally:
        conn.close()


def unchanged(server: DurableServer, client: Any, act: Callable[[], None]) -> None:
    before = server.backend.store.dump()
    act()
    assert server.backend.store.dump() == before
    assert client.invoke(FunctionName="plain", Payload=b"1")["StatusCode"] == 200  # still up


def error_of(call: Callable[[], object]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    response: Any = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def test_malformed_json(server: DurableServer, client: Any, suspended: str) -> None:
    path = f"/2025-12-01/durable-executions/{quote(suspended, safe='')}/checkpoint"

    def act() -> None:
        status, headers, body = raw(server, "POST", path, b"{not json")
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
        assert body["Type"] == "User" and "message" in body
        status, headers, _ = raw(server, "POST", "/2015-03-31/functions/steps/invocations", b"{not json")
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidRequestContentException")
        assert error_of(lambda: client.invoke(FunctionName="steps", Payload=b"[1,"))[:2] == (
            "InvalidRequestContentException", 400)
        status, headers, _ = raw(server, "POST", path, b'{"CheckpointToken": "x", "Updates": [{"Id": 1}]}')
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")
        status, headers, _ = raw(server, "GET", f"/2025-12-01/durable-executions/{quote(suspended, safe='')}/history?MaxItems=lots")
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")

    unchanged(server, client, act)


def test_unknown_arn_function_and_callback(server: DurableServer, client: Any) -> None:
    def act() -> None:
        not_found = ("ResourceNotFoundException", 404)
        assert error_of(lambda: client.get_durable_execution(DurableExecutionArn=UNKNOWN_ARN))[:2] == not_found
        assert error_of(lambda: client.get_durable_execution_history(DurableExecutionArn=UNKNOWN_ARN))[:2] == not_found
        assert error_of(lambda: client.stop_durable_execution(DurableExecutionArn=UNKNOWN_ARN))[:2] == not_found
        assert error_of(lambda: client.checkpoint_durable_execution(
            DurableExecutionArn=UNKNOWN_ARN, CheckpointToken="AAAA", Updates=[]))[:2] == not_found
        assert error_of(lambda: client.invoke(FunctionName="nope", Payload=b"{}"))[:2] == not_found
        assert error_of(lambda: client.invoke(FunctionName="steps", Qualifier="7", Payload=b"{}"))[:2] == not_found
        assert error_of(lambda: client.list_durable_executions_by_function(FunctionName="nope"))[:2] == not_found
        code, status, _ = error_of(lambda: client.send_durable_execution_callback_success(CallbackId="QUJD", Result=b"1"))
        assert (code, status) == ("InvalidParameterValueException", 400)
        status, headers, _ = raw(server, "GET", "/2025-12-01/no-such-thing/x")
        assert status == 404 and headers["x-amzn-errortype"] == "UnknownOperationException"

    unchanged(server, client, act)


def test_wrong_or_stale_checkpoint_token(server: DurableServer, client: Any, suspended: str) -> None:
    execution_id = suspended.rsplit("/", 1)[1]
    stale = encode_token(TokenClaims(execution_id, 1, 1))  # the first invocation's, long gone

    def act() -> None:
        def checkpoint(token: str) -> Callable[[], object]:
            return lambda: client.checkpoint_durable_execution(
                DurableExecutionArn=suspended, CheckpointToken=token,
                Updates=[{"Id": "s", "Type": "STEP", "Action": "START"}])

        for token in (stale, "bm90IGEgdG9rZW4=", encode_token(TokenClaims("other", 1, 1))):
            code, status, message = error_of(checkpoint(token))
            assert (code, status) == ("InvalidParameterValueException", 400)
            assert message.startswith("Invalid Checkpoint Token")
        code, _, message = error_of(lambda: client.get_durable_execution_state(
            DurableExecutionArn=suspended, CheckpointToken=stale))
        assert code == "InvalidParameterValueException" and message.startswith("Invalid Checkpoint Token")

    unchanged(server, client, act)


def test_oversized_payloads(server: DurableServer, client: Any, suspended: str) -> None:
    callback_id = wait_callback_id(client, suspended)
    big = b'"' + b"x" * (6 * 1024 * 1024) + b'"'

    def act() -> None:
        assert error_of(lambda: client.invoke(FunctionName="steps", Payload=big))[:2] == ("RequestTooLargeException", 413)
        event = b'"' + b"x" * (1024 * 1024) + b'"'
        assert error_of(lambda: client.invoke(FunctionName="steps", InvocationType="Event", Payload=event))[:2] == (
            "RequestTooLargeException", 413)
        code, status, _ = error_of(lambda: client.send_durable_execution_callback_success(
            CallbackId=callback_id, Result=b"x" * (256 * 1024 + 1)))
        assert (code, status) == ("InvalidParameterValueException", 400)
        status, headers, _ = raw(server, "POST", f"/2025-12-01/durable-executions/{quote(suspended, safe='')}/checkpoint",
                                 b'{"CheckpointToken": "' + b"A" * (7 * 1024 * 1024) + b'"}')
        assert (status, headers["x-amzn-errortype"]) == (400, "InvalidParameterValueException")

    unchanged(server, client, act)
