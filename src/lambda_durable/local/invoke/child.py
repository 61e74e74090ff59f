"""Entry point of a process-isolated invocation: ``python -m lambda_durable.local.invoke.child IN OUT``.

``IN``/``OUT`` are inherited pipe descriptors (see ``rpc``). The child imports the
handler by reference, runs one invocation with an RPC-backed service client, reports
the output (or the exception) and exits. Log records go to stderr as JSON lines.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from typing import Any

from returns.pipeline import is_successful

from lambda_durable.local.invoke.handler_ref import HandlerRef, resolve_handler
from lambda_durable.local.invoke.invokers import LambdaContext, LocalLambdaContext
from lambda_durable.local.invoke.logs import SDK_LOGGER, JsonLinesHandler
from lambda_durable.local.invoke.rpc import RpcClient, send


def _raised(exc: BaseException) -> dict[str, Any]:
    return {
        "ErrorType": type(exc).__name__,
        "ErrorMessage": str(exc),
        "StackTrace": traceback.format_exception(exc),
    }


def _setup_logging() -> None:
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(JsonLinesHandler(sys.stderr))
    sdk = logging.getLogger(SDK_LOGGER)
    if not sdk.propagate:
        sdk.addHandler(JsonLinesHandler(sys.stderr))


def run(inbox_fd: int, outbox_fd: int) -> int:
    with os.fdopen(inbox_fd, "r") as inbox, os.fdopen(outbox_fd, "w") as outbox:
        init: dict[str, Any] = json.loads(inbox.readline())
        for entry in reversed(init.get("sys_path", [])):
            if entry not in sys.path:
                sys.path.insert(0, entry)
        ref_data: dict[str, Any] = init["ref"]
        ref = HandlerRef(ref_data["target"], ref_data["attribute"], ref_data.get("key"))
        _setup_logging()
        loaded = resolve_handler(ref)
        if not is_successful(loaded):
            send(outbox, {"raised": {"ErrorType": "Runtime.ImportModuleError", "ErrorMessage": loaded.failure()}})
            return 0
        handler = loaded.unwrap()
        ctx_data: dict[str, Any] = init["context"]
        # without the pipe client, the handler's SDK finds the service through
        # AWS_ENDPOINT_URL_LAMBDA, as on Lambda
        identity = {
            "aws_request_id": ctx_data["request_id"],
            "function_name": ctx_data["function_name"],
            "invoked_function_arn": ctx_data["function_arn"],
        }
        context = (
            LocalLambdaContext(**identity, durable_service_client=RpcClient(outbox, inbox))
            if init.get("client", "rpc") == "rpc"
            else LambdaContext(**identity)
        )
        try:
            output = handler(init["event"], context)
            message: dict[str, Any] = {"output": output}
            text = json.dumps(message)
        except BaseException as exc:  # the whole point: report anything the handler does
            text = json.dumps({"raised": _raised(exc)})
        outbox.write(text + "\n")
        outbox.flush()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m lambda_durable.local.invoke.child INBOX_FD OUTBOX_FD", file=sys.stderr)
        return 2
    return run(int(argv[0]), int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
