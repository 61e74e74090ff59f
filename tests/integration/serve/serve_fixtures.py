"""A ``serve`` started in-process on a free port, and boto3 clients that check every
answer against botocore's own model of the Lambda API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from serve_helpers import ModelCheck

from lambda_durable.local import LocalBackend
from lambda_durable.local.handlers_file import register_handler_file
from lambda_durable.local.http.server import DurableServer
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS
from lambda_durable.local.invoke.pool import WorkerPool

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

HERE = Path(__file__).parent
WORKERS = 2


def start_server(handlers: Path, *, isolated: bool = False, in_process: bool = False, db: str | None = None,
                 real_time: bool = False, handler_endpoint: str | None = None,
                 timeout: float = INVOCATION_TIMEOUT_SECONDS, memory_mb: int | None = None) -> DurableServer:
    """As ``lambda-durable serve`` starts: handlers in a worker pool unless ``in_process``
    or ``isolated``."""
    backend = LocalBackend(db, real_time=real_time)
    pool = None if in_process or isolated else WorkerPool(WORKERS, memory_mb=memory_mb)
    server = DurableServer(backend, port=0, handler_endpoint=handler_endpoint, workers=pool)
    refs = register_handler_file(backend, handlers, endpoint=server.url, isolated=isolated, pool=pool, timeout=timeout)
    server.api.refs.update(refs.unwrap().refs)
    return server.start()


def stop_server(server: DurableServer) -> None:
    server.close()
    server.backend.close()


@pytest.fixture
def server() -> Iterator[DurableServer]:
    started = start_server(HERE / "ours_handlers.py")
    yield started
    stop_server(started)


def make_client(url: str, check: ModelCheck | None = None) -> LambdaClient:
    client: LambdaClient = boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(read_timeout=120, retries={"max_attempts": 2}),
    )
    if check is not None:
        check.attach(client)
    return client


@pytest.fixture
def model_check() -> Iterator[ModelCheck]:
    check = ModelCheck()
    yield check
    assert check.problems == [], check.problems
    assert check.checked > 0


@pytest.fixture
def client(server: DurableServer, model_check: ModelCheck) -> Any:
    return make_client(server.url, model_check)
