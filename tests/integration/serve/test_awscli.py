"""The AWS CLI (``awscli`` from PyPI) drives an execution through ``serve``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("awscli", reason="the AWS CLI is not installed (pip install -e '.[dev]')")

from serve_fixtures import server  # noqa: F401 - fixture
from serve_helpers import wait_until

from lambda_durable.local.http.server import DurableServer


def aws(server: DurableServer, tmp_path: Path, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_PAGER": "",
    }
    command = [sys.executable, "-m", "awscli", "lambda", *args, "--endpoint-url", server.url, "--output", "json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_aws_cli_invoke_poll_callback_history(server: DurableServer, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    answer = aws(server, tmp_path, "invoke", "--function-name", "steps", "--payload", "{}", str(out))
    assert answer["StatusCode"] == 200 and json.loads(out.read_text()) == 6
    started = aws(server, tmp_path, "invoke", "--function-name", "callback", "--invocation-type", "Event",
                  "--durable-execution-name", "from-the-cli", "--payload", "{}", str(out))
    arn = started["DurableExecutionArn"]
    assert started["StatusCode"] == 202 and "/from-the-cli/" in arn

    def callback_id() -> str | None:
        events = aws(server, tmp_path, "get-durable-execution-history", "--durable-execution-arn", arn)["Events"]
        return next((e["CallbackStartedDetails"]["CallbackId"] for e in events if e["EventType"] == "CallbackStarted"), None)

    found = wait_until(callback_id, timeout=60, interval=0.2)
    aws(server, tmp_path, "send-durable-execution-callback-success", "--callback-id", found,
         "--result", '"yes"')

    def finished() -> Any:
        described = aws(server, tmp_path, "get-durable-execution", "--durable-execution-arn", arn)
        return described if described["Status"] != "RUNNING" else None

    described = wait_until(finished, timeout=60, interval=0.2)
    assert described["Status"] == "SUCCEEDED" and json.loads(described["Result"]) == "approved: yes"
    events = aws(server, tmp_path, "get-durable-execution-history", "--durable-execution-arn", arn)["Events"]
    assert events[-1]["EventType"] == "ExecutionSucceeded"
