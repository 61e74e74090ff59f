"""The durable-execution APIs of ``serve``, one method per REST operation (docs/protocol.md §9).

Each method turns a decoded ``Request`` into a ``Response`` through the backend's
service (which validates, serialises and persists) and tells the pump when something
changed. Bad input never reaches the service: a body that is not JSON or not the
modelled shape, or that is too large, is answered with the modelled error and changes
nothing. The read-only APIs (describe, history, list) live in ``reads``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.client import ServiceError
from lambda_durable.local.api import LocalBackend
from lambda_durable.local.engine.service_errors import invalid
from lambda_durable.local.engine.targets import function_name_of
from lambda_durable.local.engine.tokens import QUALIFIER, function_arn
from lambda_durable.local.http import reads
from lambda_durable.local.http.pump import Pump
from lambda_durable.local.http.rest import (
    Request,
    Response,
    bad_request,
    count,
    epoch,
    error_response,
    json_body,
    json_response,
    route,
)
from lambda_durable.local.invoke.handler_ref import HandlerRef
from lambda_durable.local.invoke.isolated import ProcessInvoker
from lambda_durable.wire import (
    API_JSON,
    INVOCATION,
    ErrorObject,
    ExecutionStatus,
    OperationUpdate,
)

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024
MAX_BODY = MAX_SYNC_PAYLOAD + 64 * 1024
"""The largest body any API accepts (a checkpoint carries payloads of up to 6 MiB)."""
SYNC_INVOKE_SECONDS = 900
HANDLER_INVOKE_HEADER = "X-Dex-Handler-Invoke"
"""Marks an Invoke whose body is a durable invocation input: run the handler once."""

_VERSION = (("X-Amz-Executed-Version", QUALIFIER),)


class DurableApi:
    """Answers requests against one backend; thread-safe (the service serialises)."""

    def __init__(
        self,
        backend: LocalBackend,
        pump: Pump,
        refs: dict[str, HandlerRef] | None = None,
        handler_endpoint: str | None = None,
    ) -> None:
        self.backend = backend
        self.service = backend.service
        self.pump = pump
        self.refs = dict(refs or {})
        """Handlers by function name, for invocations that run them in a subprocess."""
        self.handler_endpoint = handler_endpoint
        """Where a handler run for an ``X-Dex-Handler-Invoke`` sends its checkpoints."""
        self._checkpoint_lock = threading.Lock()
        self._last_checkpoint: dict[str, tuple[str, str, Response]] = {}
        self._apis: dict[str, Callable[[Request, str], Response]] = {
            "Invoke": self.invoke,
            "CheckpointDurableExecution": self.checkpoint,
            "GetDurableExecutionState": self.state,
            "GetDurableExecution": lambda request, arn: reads.describe(self.service, request, arn),
            "GetDurableExecutionHistory": lambda request, arn: reads.history(self.service, request, arn),
            "StopDurableExecution": self.stop,
            "ListDurableExecutionsByFunction": lambda request, label: reads.list_by_function(
                self.backend, request, label
            ),
            "SendDurableExecutionCallbackSuccess": self.callback_success,
            "SendDurableExecutionCallbackFailure": self.callback_failure,
            "SendDurableExecutionCallbackHeartbeat": self.callback_heartbeat,
        }

    def handle(self, request: Request) -> Response:
        found = route(request.method, request.path)
        if found is None:
            return _no_api(request)
        if len(request.body) > MAX_BODY:
            return error_response(_too_large(found.api, MAX_BODY))
        try:
            return self._apis[found.api](request, found.label)
        except (ValueError, TypeError, KeyError) as exc:  # bad query values, non-JSON bodies
            return self.unreadable(request, f"Could not parse the request: {exc}")

    def unreadable(self, request: Request, message: str) -> Response:
        """The answer to a request that cannot be read: the addressed API's bad-input error."""
        found = route(request.method, request.path)
        if found is None:
            return _no_api(request)
        code = "InvalidRequestContentException" if found.api == "Invoke" else "InvalidParameterValueException"
        return error_response(bad_request(message, code))

    # --- Invoke ---------------------------------------------------------------------------

    def invoke(self, request: Request, label: str) -> Response:
        name = function_name_of(label)
        qualifier = request.param("Qualifier")
        if name is None or not self.backend.registered(name) or qualifier not in (None, QUALIFIER):
            shown = function_arn(name or label).removesuffix(f":{QUALIFIER}")
            suffix = f":{qualifier}" if qualifier else ""
            return error_response(ServiceError("ResourceNotFoundException", f"Function not found: {shown}{suffix}", 404))
        if (request.header(HANDLER_INVOKE_HEADER) or "").lower() == "true":
            return self._handler_invoke(request, name)
        kind = request.header("X-Amz-Invocation-Type") or "RequestResponse"
        if kind not in ("RequestResponse", "Event", "DryRun"):
            return error_response(invalid(f"Invalid InvocationType {kind!r}"))
        limit = MAX_EVENT_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
        if len(request.body) > limit:
            return error_response(_too_large("Invoke", limit))
        payload = request.body.decode("utf-8") if request.body.strip() else None
        if payload is not None:
            try:
                json.loads(payload)
            except ValueError as exc:
                message = f"Could not parse request body into json: {exc}"
                return error_response(bad_request(message, "InvalidRequestContentException"))
        if kind == "DryRun":
            return Response(204, b"", _VERSION)
        if not self.backend.is_durable(name):
            return self._plain_invoke(name, payload)
        started = self.backend.start(name, payload, request.header("X-Amz-Durable-Execution-Name"))
        if not is_successful(started):
            return error_response(started.failure())
        arn = started.unwrap()
        self.pump.watch(arn)
        headers = (("X-Amz-Durable-Execution-Arn", arn), *_VERSION)
        if kind == "Event":
            return Response(202, b"", headers)
        self.pump.wait_until_done(arn, SYNC_INVOKE_SECONDS)
        record = self.service.execution(arn).unwrap()
        if record.status is ExecutionStatus.SUCCEEDED:
            return Response(200, (record.result if record.result is not None else "null").encode("utf-8"), headers)
        error = record.error or ErrorObject(error_message=f"Execution {record.status.value}")
        return _function_error(error, headers, record.status.value)

    def _plain_invoke(self, name: str, payload: str | None) -> Response:
        outcome = self.backend.call_plain(name, payload)
        if is_successful(outcome):
            return Response(200, (outcome.unwrap() or "null").encode("utf-8"), _VERSION)
        return _function_error(outcome.failure(), _VERSION)

    def _handler_invoke(self, request: Request, name: str) -> Response:
        """Run the handler once on the invocation input in the body, in a subprocess whose
        SDK checkpoints to ``handler_endpoint`` (the official testing server)."""
        ref = self.refs.get(name)
        if ref is None or self.handler_endpoint is None:
            why = "no handler file entry" if ref is None else "serve was started without --handler-endpoint"
            return error_response(invalid(f"Cannot run {name} for a handler invocation: {why}"))
        event: Any = json_body(request)
        if not isinstance(event, dict):
            return error_response(bad_request("The invocation input must be a JSON object", "InvalidRequestContentException"))
        invoker = ProcessInvoker(ref, endpoint=self.handler_endpoint)
        request_id = str(uuid.uuid4())
        arn = str(event.get("DurableExecutionArn", ""))
        outcome = invoker.run_event(event, arn, name, request_id, None, lambda _record: None)
        headers = (("x-amzn-RequestId", request_id), *_VERSION)
        if is_successful(outcome):
            return json_response(200, INVOCATION.encode(outcome.unwrap()), headers)
        return _function_error(outcome.failure(), headers)

    # --- the handler's APIs -----------------------------------------------------------------

    def checkpoint(self, request: Request, arn: str) -> Response:
        body: Any = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("CheckpointToken"), str):
            return error_response(invalid("CheckpointToken is required"))
        token: str = body["CheckpointToken"]
        raw_updates = body.get("Updates") or []
        if not isinstance(raw_updates, list):
            return error_response(invalid("Updates must be a list"))
        updates: list[OperationUpdate] = []
        for index, raw in enumerate(raw_updates):
            decoded = API_JSON.decode(OperationUpdate, raw)
            if not is_successful(decoded):
                return error_response(invalid(f"Updates[{index}]: {decoded.failure()}"))
            updates.append(decoded.unwrap())
        client_token = body.get("ClientToken")
        with self._checkpoint_lock:
            last = self._last_checkpoint.get(arn)
            if isinstance(client_token, str) and last is not None and last[:2] == (client_token, token):
                return last[2]  # botocore retried a call whose answer was lost: same answer
            answer = self.service.checkpoint(arn, token, updates)
            if not is_successful(answer):
                return error_response(answer.failure())
            response = json_response(200, API_JSON.encode(answer.unwrap()))
            if isinstance(client_token, str):
                self._last_checkpoint[arn] = (client_token, token, response)
        self.pump.poke()
        return response

    def state(self, request: Request, arn: str) -> Response:
        token = request.param("CheckpointToken")
        if not token:
            return error_response(invalid("CheckpointToken is required"))
        page = self.service.get_execution_state(arn, token, request.param("Marker") or "", count(request, "MaxItems"))
        return _answer(page.map(API_JSON.encode))

    # --- the outside world's APIs -------------------------------------------------------------

    def stop(self, request: Request, arn: str) -> Response:
        error = _error_object(json_body(request))
        if isinstance(error, Response):
            return error
        stopped = self.service.stop_execution(arn, error)
        self.pump.poke()
        return _answer(stopped.map(lambda at: {"StopTimestamp": epoch(at)}))

    def callback_success(self, request: Request, callback_id: str) -> Response:
        answer = self.service.send_callback_success(callback_id, request.body or None)
        self.pump.poke()
        return _answer(answer.map(lambda _: {}))

    def callback_failure(self, request: Request, callback_id: str) -> Response:
        error = _error_object(json_body(request))
        if isinstance(error, Response):
            return error
        answer = self.service.send_callback_failure(callback_id, error)
        self.pump.poke()
        return _answer(answer.map(lambda _: {}))

    def callback_heartbeat(self, request: Request, callback_id: str) -> Response:
        return _answer(self.service.send_callback_heartbeat(callback_id).map(lambda _: {}))


def _answer(result: Result[Any, ServiceError]) -> Response:
    if is_successful(result):
        return json_response(200, result.unwrap())
    return error_response(result.failure())


def _no_api(request: Request) -> Response:
    return error_response(ServiceError("UnknownOperationException", f"No API at {request.method} {request.path}", 404))


def _too_large(api: str, limit: int) -> ServiceError:
    if api == "Invoke":
        message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
        return ServiceError("RequestTooLargeException", message, 413)
    return invalid(f"Request body must be at most {limit} bytes")


def _function_error(error: ErrorObject, headers: tuple[tuple[str, str], ...], status: str | None = None) -> Response:
    """A failed function as Lambda reports it: 200 with ``X-Amz-Function-Error``."""
    body: dict[str, Any] = {
        "errorType": error.error_type or (f"Execution{status.title().replace('_', '')}" if status else "Error"),
        "errorMessage": error.error_message or "",
    }
    if error.stack_trace:
        body["stackTrace"] = list(error.stack_trace)
    return json_response(200, body, (("X-Amz-Function-Error", "Unhandled"), *headers))


def _error_object(body: Any) -> ErrorObject | None | Response:
    """An ErrorObject body (``{}`` or empty: none given)."""
    if body == {}:
        return None
    decoded = API_JSON.decode(ErrorObject, body)
    if not is_successful(decoded):
        return error_response(invalid(f"Invalid ErrorObject: {decoded.failure()}"))
    return decoded.unwrap()
