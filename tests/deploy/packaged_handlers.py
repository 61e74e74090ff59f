"""``lambda-durable serve --handlers`` file of the deployment test: each function runs
the way Lambda runs it, from the deployment package alone.

Every invocation starts a fresh interpreter on ``lambda_runtime.py`` (``-I -S``: no
site-packages) with ``LAMBDA_TASK_ROOT`` (the package, from the environment) and
``_HANDLER`` set; the workflow reaches ``serve`` only through
``AWS_ENDPOINT_URL_LAMBDA``, as on Lambda. Each reply is appended to the JSON-lines file
``DEPLOY_TEST_RECORD`` so the test can see where the dependencies came from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

RUNTIME = Path(__file__).with_name("lambda_runtime.py")
WORKFLOW = "orders.handler"
CHARGE = "orders.charge"


class HandlerError(Exception):
    """The packaged handler raised (or the runtime could not load it)."""


def packaged(handler: str) -> Callable[[Any, Any], Any]:
    def run(event: Any, context: Any) -> Any:
        request = {
            "event": event,
            "context": {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "invoked_function_arn": context.invoked_function_arn,
                "remaining_ms": context.get_remaining_time_in_millis(),
            },
        }
        with tempfile.TemporaryDirectory() as scratch:
            reply_file = Path(scratch) / "reply.json"
            done = subprocess.run(
                [sys.executable, "-I", "-S", str(RUNTIME), str(reply_file)],
                input=json.dumps(request),
                text=True,
                env={**os.environ, "_HANDLER": handler},
                check=False,
                timeout=600,
            )
            if done.returncode != 0 or not reply_file.exists():
                raise HandlerError(f"the runtime exited with status {done.returncode}")
            reply: dict[str, Any] = json.loads(reply_file.read_text(encoding="utf-8"))
        with open(os.environ["DEPLOY_TEST_RECORD"], "a", encoding="utf-8") as record:
            record.write(json.dumps({"handler": handler, **reply}) + "\n")
        if "error" in reply:
            raise HandlerError(f"{reply['error']['errorType']}: {reply['error']['errorMessage']}")
        return reply["output"]

    return run


HANDLERS = {"orders": packaged(WORKFLOW)}
FUNCTIONS = {"charge": packaged(CHARGE)}
