"""The shared workloads on the embedded backend (no server): our handlers in process,
the official SDK's handlers through a boto3 client wired to ``serve``'s REST code."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import ours_handlers
import pytest
from in_process_wire import in_process_client
from serve_helpers import ModelCheck
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.local import CallbackSender, CallbackStartedInfo, LocalBackend
from lambda_durable.wire import ExecutionStatus


def answer(info: CallbackStartedInfo, sender: CallbackSender) -> None:
    sender.send_callback_success(info.callback_id, CALLBACK_ANSWER).unwrap()


def run(name: str, handler: Callable[..., Any], backend: LocalBackend) -> Any:
    backend.on_callback_started(answer)
    backend.register(name, handler, durable=True)
    outcome = backend.run_until_settled(backend.start(name, "{}").unwrap())
    assert outcome.status is ExecutionStatus.SUCCEEDED, outcome.error
    return result_of(outcome.result)


@pytest.mark.parametrize("name", NAMES)
def test_our_handlers_on_the_embedded_backend(name: str) -> None:
    with LocalBackend() as backend:
        assert run(name, ours_handlers.HANDLERS[name], backend) == EXPECTED[name]


@pytest.mark.skipif(importlib.util.find_spec("aws_durable_execution_sdk_python") is None,
                    reason="the official SDK is not installed (pip install -e '.[dev]')")
@pytest.mark.parametrize("name", NAMES)
def test_official_handlers_on_the_embedded_backend(name: str) -> None:
    import official_handlers
    from aws_durable_execution_sdk_python import durable_execution

    check = ModelCheck()
    with LocalBackend() as backend:
        client = in_process_client(backend)
        check.attach(client)
        workflow = official_handlers.HANDLERS[name].__wrapped__  # type: ignore[attr-defined]
        durable = durable_execution(workflow, boto3_client=client)

        def handler(event: dict[str, Any], context: Any) -> Any:
            # a Lambda context without the injected client: the SDK uses boto3
            return durable(event, SimpleNamespace(aws_request_id=context.aws_request_id,
                                                  get_remaining_time_in_millis=context.get_remaining_time_in_millis))

        assert run(name, handler, backend) == EXPECTED[name]
    assert check.checked > 0 and check.problems == []  # every checkpoint answer fits the model
