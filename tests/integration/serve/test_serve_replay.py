"""Histories fetched with boto3 from ``lambda-durable serve`` replay cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ours_handlers
import pytest
from serve_fixtures import client, model_check, server  # noqa: F401
from serve_helpers import history, wait_callback_id
from test_awscli import aws

from lambda_durable.cli import main
from lambda_durable.local.http.server import DurableServer
from lambda_durable.testing import ReplayEnd, replay
from lambda_durable.wire import InvocationStatus


@pytest.mark.parametrize("name", ["steps", "child", "map", "chain"])
def test_a_finished_execution_replays_to_its_end(client: Any, name: str) -> None:
    arn = client.invoke(FunctionName=name, Qualifier="$LATEST", Payload=b"{}")["DurableExecutionArn"]
    document = {"Events": history(client, arn)}  # botocore's parse: datetimes, bytes-free
    handler = ours_handlers.HANDLERS[name]
    report = replay(handler, document).unwrap()
    assert (report.end, report.status) == (ReplayEnd.COMPLETED, InvocationStatus.SUCCEEDED)


def test_an_execution_waiting_for_a_callback_replays_to_its_suspension(client: Any) -> None:
    arn = client.invoke(FunctionName="callback", InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
    wait_callback_id(client, arn)
    report = replay(ours_handlers.callback, {"Events": history(client, arn)}).unwrap()
    assert (report.end, report.operations) == (ReplayEnd.SUSPENDED, 1)


def test_the_aws_cli_history_replays_through_the_replay_command(
    server: DurableServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    answer = aws(server, tmp_path, "invoke", "--function-name", "child", "--payload", "{}", str(out))
    history = aws(server, tmp_path, "get-durable-execution-history", "--durable-execution-arn",
                  answer["DurableExecutionArn"], "--include-execution-data")
    saved = tmp_path / "history.json"
    saved.write_text(json.dumps(history))  # ISO-8601 timestamps, as the CLI prints them
    assert main(["replay", f"{ours_handlers.__file__}:child", "--history", str(saved)]) == 0
    assert capsys.readouterr().out.startswith("OK replayed 1 recorded operation; the handler completes")
