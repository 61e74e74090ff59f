"""The REST layer without sockets: routing, error shape, the loopback guard."""

from __future__ import annotations

import json

import pytest

from lambda_durable.client import ServiceError
from lambda_durable.local.http.rest import Request, error_response, route
from lambda_durable.local.http.server import is_loopback

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/id"
ENCODED = "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST%2Fdurable-execution%2Fn%2Fid"


@pytest.mark.parametrize(("method", "path", "api"), [
    ("POST", "/2015-03-31/functions/f/invocations", "Invoke"),
    ("GET", f"/2025-12-01/durable-executions/{ENCODED}", "GetDurableExecution"),
    ("POST", f"/2025-12-01/durable-executions/{ENCODED}/checkpoint", "CheckpointDurableExecution"),
    ("GET", f"/2025-12-01/durable-executions/{ENCODED}/state", "GetDurableExecutionState"),
    ("GET", f"/2025-12-01/durable-executions/{ENCODED}/history", "GetDurableExecutionHistory"),
    ("POST", f"/2025-12-01/durable-executions/{ENCODED}/stop", "StopDurableExecution"),
    ("GET", "/2025-12-01/functions/f/durable-executions", "ListDurableExecutionsByFunction"),
    ("POST", "/2025-12-01/durable-execution-callbacks/a%2Bb%2F%3D/succeed", "SendDurableExecutionCallbackSuccess"),
    ("POST", "/2025-12-01/durable-execution-callbacks/x/fail", "SendDurableExecutionCallbackFailure"),
    ("POST", "/2025-12-01/durable-execution-callbacks/x/heartbeat", "SendDurableExecutionCallbackHeartbeat"),
])
def test_every_api_is_routed_and_labels_are_decoded_per_segment(method: str, path: str, api: str) -> None:
    found = route(method, path)
    assert found is not None and found.api == api
    if "durable-executions/arn" in path:
        assert found.label == ARN
    if "a%2Bb" in path:
        assert found.label == "a+b/="


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/2015-03-31/functions/f/invocations"),
    ("POST", "/2025-12-01/durable-executions//checkpoint"),
    ("GET", "/2025-12-01/durable-executions/x/y/z"),
    ("GET", "/health"),
])
def test_anything_else_is_not_routed(method: str, path: str) -> None:
    assert route(method, path) is None


def test_errors_carry_the_code_in_the_header_and_the_message_key_botocore_reads() -> None:
    invalid = error_response(ServiceError("InvalidParameterValueException", "bad", 400))
    assert invalid.status == 400 and ("x-amzn-ErrorType", "InvalidParameterValueException") in invalid.headers
    assert json.loads(invalid.body) == {"Type": "User", "message": "bad"}
    missing = error_response(ServiceError("ResourceNotFoundException", "gone", 404))
    assert json.loads(missing.body) == {"Type": "User", "Message": "gone"}
    broken = error_response(ServiceError("ServiceException", "oops"))
    assert broken.status == 500 and json.loads(broken.body)["Type"] == "Service"


def test_requests_keep_repeated_query_values_and_lowercase_headers() -> None:
    request = Request.of("GET", "/p?Statuses=A&Statuses=B&Marker=", {"X-Amz-Thing": "v"}, b"")
    assert request.query["Statuses"] == ["A", "B"] and request.param("Marker") == ""
    assert request.header("x-amz-thing") == "v"


@pytest.mark.parametrize(("host", "ok"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("0.0.0.0", False), ("192.168.1.1", False), ("example.com", False), ("::", False),
])
def test_loopback_guard(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok
