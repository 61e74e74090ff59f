"""Histories fetched with boto3 from ``lambda-durable serve`` replay cleanly."""

from __future__ import annotations

from typing import Any

import ours_handlers
import pytest
from serve_fixtures import client, model_check, server  # noqa: F401
from serve_helpers import history, wait_callback_id

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
