"""Checkpoint faults on the HTTP path: botocore retries, ``serve`` applies once.

Handlers written for Lambda reach ``serve`` over HTTP. Here they reach it through a
proxy that spoils one checkpoint call in ten: a 429 or a 500 without forwarding, a
connection dropped before forwarding, or the worst case, forwarded and applied but the
answer dropped. botocore retries each with the same ``ClientToken``; ``serve`` must
answer a retry of an applied checkpoint with the answer it lost, not apply it twice
(which would cost a failed invocation: the retried token is spent). So every execution
ends right, and no invocation failed although calls did.
"""

from __future__ import annotations

import http.client
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from serve_fixtures import HERE, make_client
from serve_helpers import history, wait_callback_id, wait_terminal
from workloads import CALLBACK_ANSWER, EXPECTED, NAMES, result_of

from lambda_durable.client import ServiceError
from lambda_durable.local import HandlerRef, LocalBackend
from lambda_durable.local.http.rest import error_response
from lambda_durable.local.http.server import DurableServer
from lambda_durable.local.invoke.pool import WorkerPool

RATE = 0.1
ROUNDS = 6
"""Executions of each shared workload."""
SEED = 15


class _Spoiler(ThreadingHTTPServer):
    daemon_threads = True
    target: tuple[str, int]
    faults: dict[str, int]
    lock: threading.Lock
    draws: Any


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Spoiler

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault = self._fault() if self.path.endswith("/checkpoint") else None
        if fault in ("TooManyRequestsException", "ServiceException"):
            status = 429 if fault == "TooManyRequestsException" else 500
            refused = error_response(ServiceError(fault, "injected", status))
            self._answer(refused.status, refused.headers, refused.body)
            return
        if fault == "dropped":
            self.close_connection = True
            return  # no answer: botocore sees the connection closed
        upstream = http.client.HTTPConnection(*self.server.target, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body, headers)
        reply = upstream.getresponse()
        status, headers_back, answer = reply.status, tuple(reply.getheaders()), reply.read()
        upstream.close()
        if fault == "lost":
            self.close_connection = True
            return  # applied, and the answer never arrives
        self._answer(status, headers_back, answer)

    def _fault(self) -> str | None:
        with self.server.lock:
            drawn: str | None = self.server.draws()
            if drawn is not None:
                self.server.faults[drawn] = self.server.faults.get(drawn, 0) + 1
            return drawn

    def _answer(self, status: int, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _relay
    do_POST = _relay

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def spoiled() -> Iterator[tuple[DurableServer, _Spoiler]]:
    rng = random.Random(SEED)
    kinds = ("TooManyRequestsException", "ServiceException", "dropped", "lost")
    backend = LocalBackend()
    pool = WorkerPool(2)
    server = DurableServer(backend, port=0, workers=pool)
    proxy = _Spoiler(("127.0.0.1", 0), _Forward)
    proxy.target = ("127.0.0.1", server.port)
    proxy.faults = {}
    proxy.lock = threading.Lock()
    proxy.draws = lambda: rng.choice(kinds) if rng.random() < RATE else None
    threading.Thread(target=proxy.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    for name in NAMES:  # in warm workers, reaching the service through the proxy, over HTTP
        ref = HandlerRef(str(HERE / "ours_handlers.py"), "HANDLERS", name)
        backend.register(name, ref, durable=True, invoker=pool.invoker(ref, endpoint=url))
    server.start()
    yield server, proxy
    proxy.shutdown()
    proxy.server_close()
    server.close()
    backend.close()


def test_spoiled_checkpoints_cost_no_invocation(spoiled: tuple[DurableServer, _Spoiler]) -> None:
    server, proxy = spoiled
    client: Any = make_client(server.url)
    for name in NAMES * ROUNDS:
        arn = client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["DurableExecutionArn"]
        if name == "callback":
            client.send_durable_execution_callback_success(CallbackId=wait_callback_id(client, arn), Result=CALLBACK_ANSWER)
        done = wait_terminal(client, arn, timeout=120)
        assert done["Status"] == "SUCCEEDED" and result_of(done["Result"]) == EXPECTED[name], (name, done)
        completed = [e["InvocationCompletedDetails"] for e in history(client, arn) if e["EventType"] == "InvocationCompleted"]
        assert all("Error" not in details for details in completed), (name, completed)
    assert proxy.faults.get("lost", 0) > 0, proxy.faults  # the case ClientToken exists for was met
