"""The examples of docs/local.md, "Handlers in any language", run under ``serve``:
``docs/examples/external/external_handlers.py`` registers a JavaScript handler written
with the official SDK and a shell script, each as a ``Command``; boto3 drives them.

Skipped, with the reason, without node and the npm cache of the SDK (``js_sdk.py``: the
file registers ``node``); the shell example also needs jq and the AWS CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "serve"))  # the serve tests' fixtures and helpers

from js_sdk import ensure_installed, node_modules  # noqa: E402

_PROBLEM = ensure_installed()
if _PROBLEM is not None:
    pytest.skip(_PROBLEM, allow_module_level=True)

from serve_fixtures import make_client, start_server, stop_server  # noqa: E402
from serve_helpers import ModelCheck, history, wait_terminal  # noqa: E402

from lambda_durable.local.http.server import DurableServer  # noqa: E402

EXAMPLES = HERE.parents[2] / "docs" / "examples" / "external"
TIMEOUT = 300.0


@pytest.fixture(scope="module")
def examples_server() -> Iterator[DurableServer]:
    with pytest.MonkeyPatch.context() as patch:
        # as a user who ran npm install in the folder: node finds the SDK; and the AWS CLI
        # installed beside this Python is on PATH for the shell example
        patch.setenv("NODE_PATH", str(node_modules()))
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        started = start_server(EXAMPLES / "external_handlers.py")
        yield started
        stop_server(started)


@pytest.fixture
def client(examples_server: DurableServer) -> Iterator[Any]:
    check = ModelCheck()
    yield make_client(examples_server.url, check)
    assert check.problems == []


def test_the_javascript_example(client: Any) -> None:
    answer = client.invoke(FunctionName="orders", Payload=json.dumps({"orderId": "o-1", "items": ["a", "b"]}))
    assert json.loads(answer["Payload"].read()) == "order o-1 shipped with 2 items"
    events = history(client, answer["DurableExecutionArn"])
    assert [e["Name"] for e in events if e["EventType"] in ("StepSucceeded", "WaitSucceeded")] == [
        "reserve", "cool-off", "ship",
    ]  # fmt: skip
    assert all("Error" not in e.get("InvocationCompletedDetails", {}) for e in events)


def test_the_shell_example(client: Any, examples_server: DurableServer) -> None:
    search = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    missing = [tool for tool in ("jq", "aws") if shutil.which(tool, path=search) is None]
    if missing:
        pytest.skip(f"the shell example needs {' and '.join(missing)}")
    arn = client.invoke(FunctionName="greeter", InvocationType="Event", Payload=b'{"name": "Ada"}')["DurableExecutionArn"]
    done = wait_terminal(client, arn, timeout=TIMEOUT)
    assert done["Status"] == "SUCCEEDED", done.get("Error")
    assert json.loads(done["Result"]) == "Hello, Ada!"
    (step,) = [e for e in history(client, arn) if e["EventType"] == "StepSucceeded"]
    assert step["Name"] == "greet"
    assert [r["message"] for r in examples_server.backend.logs(arn)] == ["greeting Ada"]
