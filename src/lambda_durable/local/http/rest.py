"""The Lambda REST wire, as ``serve`` speaks it (docs/protocol.md §9): routes, bodies, errors.

Pure functions over plain ``Request``/``Response`` values, so the HTTP server stays a
thin shell and the routing can be tested without sockets. Path labels are split on
``/`` first and URL-decoded per segment, because botocore percent-encodes ``/`` inside
an ARN. Errors carry ``x-amzn-ErrorType`` (botocore reads the code only from there) and
a JSON body with the message key botocore expects for that error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from attrs import frozen

from lambda_durable.client import ServiceError

INVOKE_VERSION = "2015-03-31"
DURABLE_VERSION = "2025-12-01"
_LOWERCASE_MESSAGE = frozenset({"InvalidParameterValueException", "TooManyRequestsException"})


@frozen
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    """Header names lower-cased."""
    body: bytes

    @classmethod
    def of(cls, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        lowered = {k.lower(): v for k, v in headers.items()}
        return cls(method, path, parse_qs(query, keep_blank_values=True), lowered, body)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@frozen
class Response:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@frozen
class Route:
    """Which API a request is for and the (decoded) path label it names."""

    api: str
    label: str


_ROUTES: dict[tuple[str, str, str, str], str] = {
    # (method, version, collection, action) -> API; action "" = the resource itself
    ("POST", INVOKE_VERSION, "functions", "invocations"): "Invoke",
    ("GET", DURABLE_VERSION, "durable-executions", ""): "GetDurableExecution",
    ("POST", DURABLE_VERSION, "durable-executions", "checkpoint"): "CheckpointDurableExecution",
    ("GET", DURABLE_VERSION, "durable-executions", "state"): "GetDurableExecutionState",
    ("GET", DURABLE_VERSION, "durable-executions", "history"): "GetDurableExecutionHistory",
    ("POST", DURABLE_VERSION, "durable-executions", "stop"): "StopDurableExecution",
    ("GET", DURABLE_VERSION, "functions", "durable-executions"): "ListDurableExecutionsByFunction",
    ("POST", DURABLE_VERSION, "durable-execution-callbacks", "succeed"): "SendDurableExecutionCallbackSuccess",
    ("POST", DURABLE_VERSION, "durable-execution-callbacks", "fail"): "SendDurableExecutionCallbackFailure",
    ("POST", DURABLE_VERSION, "durable-execution-callbacks", "heartbeat"): "SendDurableExecutionCallbackHeartbeat",
}


def route(method: str, path: str) -> Route | None:
    """``/{version}/{collection}/{label}[/{action}]`` -> the API, or None."""
    parts = path.split("/")
    if len(parts) not in (4, 5) or parts[0] != "" or not parts[3]:
        return None
    action = parts[4] if len(parts) == 5 else ""
    api = _ROUTES.get((method, parts[1], parts[2], action))
    return Route(api, unquote(parts[3])) if api is not None else None


def json_response(status: int, body: object, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    data = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return Response(status, data, (("Content-Type", "application/json"), *headers))


def error_response(error: ServiceError) -> Response:
    """botocore's rest-json error shape: the code in ``x-amzn-ErrorType``."""
    status = error.http_status or 500
    key = "message" if error.code in _LOWERCASE_MESSAGE else "Message"
    body = {"Type": "User" if status < 500 else "Service", key: error.message}
    return json_response(status, body, (("x-amzn-ErrorType", error.code),))


def bad_request(message: str, code: str = "InvalidParameterValueException") -> ServiceError:
    return ServiceError(code, message, 400)


def json_body(request: Request) -> Any:
    """The body as JSON (empty: ``{}``); raises ``ValueError`` when it is not JSON."""
    if not request.body.strip():
        return {}
    return json.loads(request.body.decode("utf-8"))


def flag(request: Request, name: str, default: bool) -> bool:
    """A boolean query parameter (botocore writes ``true``/``false``)."""
    value = request.param(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return value.lower() == "true"


def count(request: Request, name: str) -> int:
    value = request.param(name)
    if value is None or value == "":
        return 0
    number = int(value)
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


def timestamp(request: Request, name: str) -> datetime | None:
    """A timestamp query parameter: ISO-8601 (botocore's default) or epoch seconds."""
    value = request.param(name)
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch(value: datetime) -> float:
    """Timestamps in API JSON are fractional epoch seconds."""
    return value.timestamp()
