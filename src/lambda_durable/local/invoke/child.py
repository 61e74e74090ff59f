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
from typing import Any

from returns.pipeline import is_successful

from lambda_durable.local.invoke.handler_ref import HandlerRef, resolve_handler
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS
from lambda_durable.local.invoke.logs import SDK_LOGGER, JsonLinesHandler
from lambda_durable.local.invoke.rpc import RpcClient, send
from lambda_durable.local.invoke.worker import lambda_context, raised_body


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
        send(outbox, {"started": True})
        client = RpcClient(lambda message: send(outbox, message), inbox) if init.get("client", "rpc") == "rpc" else None
        context = lambda_context(init["context"], client, INVOCATION_TIMEOUT_SECONDS)
        try:
            output = handler(init["event"], context)
            message: dict[str, Any] = {"output": output}
            text = json.dumps(message)
        except BaseException as exc:  # the whole point: report anything the handler does
            text = json.dumps({"raised": raised_body(exc)})
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
