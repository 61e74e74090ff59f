"""A handlers file for ``lambda-durable serve`` whose durable functions are JavaScript.

Each entry of ``HANDLERS`` named after an export of ``handlers.cjs`` is a small Python
adapter: ``serve`` runs it in its own process (it is not a lambda-durable handler), with
``AWS_ENDPOINT_URL_LAMBDA`` and credentials in the environment, and the adapter runs that
export once in a node process (``run_handler.cjs``): the invocation event on stdin, the
output back as JSON. The JavaScript SDK then talks to ``serve`` itself, over HTTP, as on
Lambda. Node finds the SDK through ``NODE_PATH`` (see ``js_sdk.py``). ``py_double`` is a
Python durable function the JavaScript handlers invoke.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from returns.result import Result

from lambda_durable import DurableContext, DurableError, durable_handler

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_handler.cjs"
NODE_SECONDS = 300
"""Longer than any of these handlers runs: a node process that hangs is a failed invocation."""

JS_EXPORTS = (
    "steps",
    "wait",
    "create_callback",
    "wait_for_callback",
    "callback_failed",
    "invoke_python",
    "map",
    "parallel",
    "child",
    "wait_for_condition",
    "promises",
    "retried_step",
    "failing",
)


class NodeHandlerError(Exception):
    """The node process ended without an output (a crash or an uncaught throw)."""


def node_handler(export: str) -> Callable[[dict[str, Any], Any], Any]:
    """The adapter that runs ``export`` of handlers.cjs for one invocation."""

    def handler(event: dict[str, Any], context: Any) -> Any:
        node = shutil.which("node")
        if node is None:
            raise NodeHandlerError("node is not on PATH")
        env = {
            **os.environ,
            "AWS_LAMBDA_FUNCTION_NAME": str(context.function_name),
            "LAMBDA_DURABLE_REQUEST_ID": str(context.aws_request_id),
        }
        with tempfile.TemporaryDirectory(prefix="lambda-durable-js-") as folder:
            output = Path(folder) / "output.json"
            done = subprocess.run(
                [node, str(RUNNER), export, str(output)],
                input=json.dumps(event), text=True, env=env, timeout=NODE_SECONDS, check=False,
            )  # fmt: skip
            if done.returncode != 0 or not output.exists():
                raise NodeHandlerError(f"node exited with status {done.returncode} running {export}")
            return json.loads(output.read_text(encoding="utf-8"))

    handler.__name__ = export
    return handler


@durable_handler
def py_double(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
    """Invoked by the JavaScript ``invoke_python`` handler."""
    n = int(event["n"])
    return ctx.step(lambda _: n * 2, name="double")


HANDLERS: dict[str, Callable[[dict[str, Any], Any], Any]] = {name: node_handler(name) for name in JS_EXPORTS}
HANDLERS["py_double"] = py_double
