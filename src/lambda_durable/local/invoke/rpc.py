"""JSON-lines RPC between a child process and the parent's service.

Runs on dedicated pipes, never the child's stdout (user code may print). One message
per line. Child -> parent: ``{"id", "method", "params"}`` requests, then one final
``{"output": ...}`` or ``{"raised": ErrorObject}``. Parent -> child: the ``init``
message, then ``{"id", "ok"}`` / ``{"id", "error"}`` responses.

Both ends are this package in the same interpreter, so the wire models (the updates,
the checkpoint's answer, a state page) cross as base64 pickles inside the JSON: about
ten times cheaper than JSON through the converters, which made a checkpoint from a
worker cost several times one made in process. The pipe is private to the two
processes and the handler already runs trusted (in process it shares the server), so
unpickling what the worker sends opens nothing new.
"""

from __future__ import annotations

import base64
import io
import json
import operator
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

import attrs
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.client import DurableServiceClient, ServiceError
from lambda_durable.wire import CheckpointOutput, ExecutionStatePage, OperationUpdate, models

T = TypeVar("T")


def send(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, separators=(",", ":")) + "\n")
    stream.flush()


def error_body(error: ServiceError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "http_status": error.http_status}


def serve_request(client: DurableServiceClient, message: dict[str, Any]) -> dict[str, Any]:
    """Answer one child request against the real client (the parent's service)."""
    params: dict[str, Any] = message.get("params", {})
    method = message.get("method")
    answer: Result[Any, ServiceError]
    try:
        if method == "checkpoint":
            answer = client.checkpoint(params["arn"], params["token"], _updates(params["updates"]))
        elif method == "get_execution_state":
            answer = client.get_execution_state(params["arn"], params["token"], params["marker"], params["max_items"])
        else:
            answer = Failure(ServiceError("InvalidRequest", f"unknown method {method!r}", 400))
    except (KeyError, TypeError, ValueError) as exc:
        answer = Failure(ServiceError("InvalidRequest", f"malformed request: {exc}", 400))
    if is_successful(answer):
        return {"id": message.get("id"), "ok": pack(answer.unwrap())}
    return {"id": message.get("id"), "error": error_body(answer.failure())}


def _by_fields(cls: type[Any]) -> Callable[[Any], tuple[type[Any], tuple[Any, ...]]]:
    """Pickle an attrs model as its class and its field values, in ``__init__`` order:
    several times cheaper than the ``__getstate__`` dict attrs gives slotted classes."""
    names = [field.name for field in attrs.fields(cls)]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda model: (cls, (values(model),))
    return lambda model: (cls, values(model))


_REDUCERS: dict[type[Any], Any] = {
    cls: _by_fields(cls) for cls in vars(models).values() if isinstance(cls, type) and attrs.has(cls)
}


def pack(model: object) -> str:
    """A model (or list of models) as text that fits in a JSON line."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(model)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack(text: object, cls: type[T]) -> T:
    """What ``pack`` wrote; ``ValueError`` unless it is a ``cls``."""
    if not isinstance(text, str):
        raise ValueError(f"expected a packed {cls.__name__}")
    try:
        value: object = pickle.loads(base64.b64decode(text))
    except Exception as exc:  # unpickling raises anything a broken payload makes it
        raise ValueError(f"cannot unpack a {cls.__name__}: {exc}") from exc
    if not isinstance(value, cls):
        raise ValueError(f"expected a {cls.__name__}, got {type(value).__name__}")
    return value


def _updates(text: object) -> list[OperationUpdate]:
    updates = unpack(text, list)
    if not all(isinstance(u, OperationUpdate) for u in updates):
        raise ValueError("updates must be OperationUpdates")
    return updates


class RpcClient:
    """The child's ``DurableServiceClient``: each call is one request/response round trip."""

    def __init__(self, post: Callable[[dict[str, Any]], None], responses: IO[str]) -> None:
        self._post = post
        """Writes one whole message (a worker shares its pipe with its log records)."""
        self._responses = responses
        self._lock = threading.Lock()
        self._next_id = 0

    def _call(self, method: str, params: dict[str, Any]) -> Result[object, ServiceError]:
        with self._lock:
            self._next_id += 1
            try:
                self._post({"id": self._next_id, "method": method, "params": params})
                line = self._responses.readline()
            except (OSError, ValueError) as exc:
                return Failure(ServiceError("ServiceUnavailable", f"local backend pipe: {exc}"))
        if not line:
            return Failure(ServiceError("ServiceUnavailable", "local backend closed the pipe"))
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            err = reply["error"]
            return Failure(ServiceError(str(err["code"]), str(err["message"]), err.get("http_status")))
        body: object = reply["ok"]
        return Success(body)

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
    ) -> Result[CheckpointOutput, ServiceError]:
        params = {
            "arn": durable_execution_arn,
            "token": checkpoint_token,
            "updates": pack(list(updates)),
        }
        return self._call("checkpoint", params).bind(lambda body: _decoded(CheckpointOutput, body))

    def get_execution_state(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        marker: str,
        max_items: int = 1000,
    ) -> Result[ExecutionStatePage, ServiceError]:
        params = {"arn": durable_execution_arn, "token": checkpoint_token, "marker": marker, "max_items": max_items}
        return self._call("get_execution_state", params).bind(lambda body: _decoded(ExecutionStatePage, body))


def _decoded(cls: type[T], body: object) -> Result[T, ServiceError]:
    try:
        return Success(unpack(body, cls))
    except ValueError as exc:
        return Failure(ServiceError("MalformedResponse", str(exc)))
