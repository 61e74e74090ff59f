"""A stand-in for the Lambda Python runtime, for the deployment-package test.

Run as ``python -I -S lambda_runtime.py REPLY_FILE`` with ``{"event", "context"}`` on
stdin. Like Lambda it puts ``LAMBDA_TASK_ROOT`` first on ``sys.path``, imports the
module ``_HANDLER`` names, calls the function with the event and a context object, and
reports the output (or the error, in Lambda's shape). ``-I -S`` leave out
site-packages and ``PYTHON*`` variables, so only the standard library and the
deployment package can be imported. The reply also says where each dependency was
imported from. Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

DEPENDENCIES = ("lambda_durable", "boto3", "botocore", "returns", "attrs", "cattrs")


class Context:
    """The attributes of Lambda's context object a handler may use."""

    def __init__(self, aws_request_id: str, function_name: str, invoked_function_arn: str, remaining_ms: int) -> None:
        self.aws_request_id = aws_request_id
        self.function_name = function_name
        self.invoked_function_arn = invoked_function_arn
        self.function_version = "$LATEST"
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def invoke(request: dict[str, Any]) -> dict[str, Any]:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        return {"output": handler(request["event"], Context(**request["context"]))}
    except Exception as exc:  # the runtime reports every error of the handler
        return {
            "error": {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc),
            }
        }


def main(argv: list[str]) -> int:
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    reply = invoke(json.load(sys.stdin))
    reply["modules"] = {name: getattr(sys.modules.get(name), "__file__", None) for name in DEPENDENCIES}
    reply["sys_path"] = sys.path
    with open(argv[1], "w", encoding="utf-8") as out:
        json.dump(reply, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
