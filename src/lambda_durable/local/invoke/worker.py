"""A warm worker process: ``python -m lambda_durable.local.invoke.worker INBOX_FD OUTBOX_FD``.

Like a Lambda execution environment it runs invocations one after another and keeps
what they imported (and their module globals) in between. ``INBOX``/``OUTBOX`` are
inherited pipe descriptors speaking JSON lines (``rpc``). The parent sends a hello
(``sys_path``, ``memory_mb``), then one ``{"invoke": ...}`` per invocation; for each,
the worker sends the handler's service calls as RPC requests, its log records and
(when asked) printed lines as ``{"log": record}``, and one final ``{"output": ...}`` or
``{"raised": ...}``; ``{"started": true}`` once the handler is loaded (its timeout
runs from there, as Lambda's excludes init). All of it goes down one pipe, so a record always arrives before the
answer of its invocation and is never attributed to another.

``memory_mb`` caps the address space (``RLIMIT_AS``): an allocation past it raises
``MemoryError``. On Lambda running out of memory kills the environment, so a
``MemoryError`` that ends the invocation (raised, or reported as the handler's failure)
is answered as ``Runtime.OutOfMemory`` with ``"retire": true``, and the worker exits.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import sys
import threading
import time
import traceback
from contextlib import nullcontext
from typing import IO, Any

from returns.pipeline import is_successful

from lambda_durable.local.invoke.handler_ref import HandlerRef, resolve_handler
from lambda_durable.local.invoke.invokers import LambdaContext, LocalLambdaContext
from lambda_durable.local.invoke.logs import capture_logs, capture_stdout
from lambda_durable.local.invoke.rpc import RpcClient, send

MIB = 1024 * 1024


def raised_body(exc: BaseException) -> dict[str, Any]:
    """An exception as the ``raised`` answer carries it."""
    return {
        "ErrorType": type(exc).__name__,
        "ErrorMessage": str(exc),
        "StackTrace": traceback.format_exception(exc),
    }


def lambda_context(data: dict[str, Any], client: RpcClient | None, seconds: float) -> LambdaContext:
    """The Lambda context of one invocation (``client`` None: the handler finds the
    service through ``AWS_ENDPOINT_URL_LAMBDA``, as on Lambda)."""
    identity: dict[str, Any] = {
        "aws_request_id": data["request_id"],
        "function_name": data["function_name"],
        "invoked_function_arn": data["function_arn"],
        "deadline": time.monotonic() + seconds,
    }
    if client is None:
        return LambdaContext(**identity)
    return LocalLambdaContext(**identity, durable_service_client=client)


def _out_of_memory(request_id: str, limit: object) -> dict[str, Any]:
    return {
        "raised": {
            "ErrorType": "Runtime.OutOfMemory",
            "ErrorMessage": f"RequestId: {request_id} Error: Runtime exited with error: out of memory (limit {limit} MB)",
        },
        "retire": True,
    }


def _failed_for_memory(output: object) -> bool:
    """The handler caught the ``MemoryError`` itself and reported it as its failure."""
    if not isinstance(output, dict) or output.get("Status") != "FAILED":
        return False
    error = output.get("Error")
    return isinstance(error, dict) and error.get("ErrorType") == "MemoryError"


class _Worker:
    def __init__(self, inbox: IO[str], outbox: IO[str], memory_mb: object) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.memory_mb = memory_mb
        self._lock = threading.Lock()

    def post(self, message: dict[str, Any]) -> None:
        with self._lock:
            send(self.outbox, message)

    def invoke(self, request: dict[str, Any]) -> dict[str, Any]:
        ref = HandlerRef(**request["ref"])
        context_data: dict[str, Any] = request["context"]
        loaded = resolve_handler(ref)
        if not is_successful(loaded):
            return {"raised": {"ErrorType": "Runtime.ImportModuleError", "ErrorMessage": loaded.failure()}}
        self.post({"started": True})
        environment = request.get("environment")  # set: reach the service over HTTP, as on Lambda
        if isinstance(environment, dict):
            os.environ.update({str(k): str(v) for k, v in environment.items()})
        client = RpcClient(self.post, self.inbox) if environment is None else None
        context = lambda_context(context_data, client, float(request["timeout"]))
        event: dict[str, Any] = request["event"]
        arn = str(event.get("DurableExecutionArn", ""))

        def sink(record: dict[str, Any]) -> None:
            self.post({"log": record})

        printed = capture_stdout(arn, sink) if request.get("keep_stdout") else nullcontext()
        with capture_logs(arn, sink), printed:
            try:
                output = loaded.unwrap()(event, context)
            except MemoryError:
                return _out_of_memory(context_data["request_id"], self.memory_mb)
            except BaseException as exc:  # the whole point: report anything the handler does
                return {"raised": raised_body(exc)}
        if _failed_for_memory(output):
            return _out_of_memory(context_data["request_id"], self.memory_mb)
        return {"output": output}

    def answer(self, final: dict[str, Any]) -> None:
        try:
            text = json.dumps(final, separators=(",", ":"))
        except (TypeError, ValueError) as exc:  # an output that is not JSON
            text = json.dumps({"raised": raised_body(exc)})
        with self._lock:
            self.outbox.write(text + "\n")
            self.outbox.flush()


def run(inbox_fd: int, outbox_fd: int) -> int:
    with os.fdopen(inbox_fd, "r") as inbox, os.fdopen(outbox_fd, "w") as outbox:
        hello: dict[str, Any] = json.loads(inbox.readline() or "{}")
        for entry in reversed(hello.get("sys_path", [])):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        limit = hello.get("memory_mb")
        if isinstance(limit, int) and limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit * MIB, limit * MIB))
        logging.getLogger().setLevel(logging.INFO)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle: it ends us
        worker = _Worker(inbox, outbox, limit)
        while line := inbox.readline():
            final = worker.invoke(json.loads(line)["invoke"])
            worker.answer(final)
            if final.get("retire"):
                break
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m lambda_durable.local.invoke.worker INBOX_FD OUTBOX_FD", file=sys.stderr)
        return 2
    return run(int(argv[0]), int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
