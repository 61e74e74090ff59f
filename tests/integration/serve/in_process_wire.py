"""A boto3 ``lambda`` client whose HTTP layer is ``serve``'s REST code, in process.

botocore validates and serialises each request as for AWS; a ``before-send`` hook hands
it to ``DurableApi`` (the same code ``serve`` runs behind its socket) and botocore parses
the answer. So a handler written with any boto3-based SDK runs on the embedded backend
without a server: the official SDK's cell of the matrix on the embedded backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

from lambda_durable.local import LocalBackend
from lambda_durable.local.http.endpoints import DurableApi
from lambda_durable.local.http.pump import Pump
from lambda_durable.local.http.rest import Request


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: object, **__: object) -> Iterator[bytes]:
        yield self._body


def in_process_client(backend: LocalBackend) -> Any:
    api = DurableApi(backend, Pump(backend))  # the pump is never started: the test drives

    def answer(request: AWSPreparedRequest, **_: object) -> AWSResponse:
        path = request.url.split("://", 1)[1]
        target = path[path.index("/"):]
        raw = request.body
        body = bytes(raw) if isinstance(raw, (bytes, bytearray)) else raw.encode() if isinstance(raw, str) else b""
        response = api.handle(Request.of(str(request.method), target, dict(request.headers.items()), body))
        headers = HTTPHeaders()
        for name, value in response.headers:
            headers[name] = value
        return AWSResponse(request.url, response.status, headers, _Raw(response.body))

    client = boto3.client(
        "lambda", endpoint_url="http://embedded.invalid", region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )
    client.meta.events.register("before-send.lambda", cast(Any, answer))
    return client
