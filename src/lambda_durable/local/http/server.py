"""``serve``'s HTTP shell: a stdlib ``ThreadingHTTPServer`` in front of ``DurableApi``.

One thread per connection (HTTP/1.1 keep-alive, as botocore pools connections); every
request is read whole, answered by ``DurableApi``, and written with a Content-Length.
Nothing a request does can stop the server: an unexpected exception is answered with
``ServiceException`` (500). It binds loopback unless told otherwise, because it runs
handlers and accepts any credentials.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from lambda_durable.client import ServiceError
from lambda_durable.local.api import LocalBackend
from lambda_durable.local.http.endpoints import MAX_BODY, DurableApi
from lambda_durable.local.http.pump import Pump
from lambda_durable.local.http.rest import Request, Response, error_response
from lambda_durable.local.invoke.handler_ref import HandlerRef
from lambda_durable.local.invoke.pool import WorkerPool

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9014


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = _content_length(self.headers.get("Content-Length"))
        if length is None:  # the body's end is unknown: answer and drop the connection
            self.close_connection = True
            unread = Request.of(self.command, self.path, {}, b"")
            self._send(self.server.api.unreadable(unread, "Content-Length must be a non-negative integer"))
            return
        if length > 2 * MAX_BODY:  # too large even to read: answer and drop the connection
            self.close_connection = True
            self._send(error_response(ServiceError("RequestTooLargeException", "Request body too large", 413)))
            return
        body = self.rfile.read(length) if length > 0 else b""
        request = Request.of(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = self.server.api.handle(request)
        except Exception as exc:  # the server must stay up whatever a request does
            response = error_response(ServiceError("ServiceException", f"{type(exc).__name__}: {exc}", 500))
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("x-amzn-RequestId", self.headers.get("amz-sdk-invocation-id") or "local")
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_HEAD = _serve  # any other method is answered as no API there (404), never 501
    do_PATCH = _serve
    do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def _content_length(value: str | None) -> int | None:
    """The header's byte count (absent: 0), or None when it is not one."""
    if value is None:
        return 0
    text = value.strip()
    return int(text) if text.isascii() and text.isdigit() else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    """Connections waiting to be accepted (socketserver's default, 5, drops some of a
    burst: 16 clients connecting at once while the accepting thread waits for a core)."""
    api: DurableApi
    verbose: bool = False

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that hung up (a pooled connection dropped at exit) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class DurableServer:
    """The backend, its pump and the HTTP server, started and stopped together.

    ``port=0`` picks a free port (``url`` tells which). Functions must be registered on
    ``backend`` before ``start``; ``refs`` are their handler references, needed to run a
    handler for an ``X-Dex-Handler-Invoke`` request, whose checkpoints go to
    ``handler_endpoint``. ``workers``: the pool the registered handlers run in, closed
    with the server."""

    def __init__(
        self,
        backend: LocalBackend,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        allow_remote: bool = False,
        refs: Mapping[str, HandlerRef] | None = None,
        handler_endpoint: str | None = None,
        verbose: bool = False,
        workers: WorkerPool | None = None,
    ) -> None:
        if not allow_remote and not is_loopback(host):
            raise ValueError(f"refusing to listen on {host}: not a loopback address (allow it explicitly)")
        self.backend = backend
        self.workers = workers
        """The worker pool the handlers run in, closed with the server (None: in process)."""
        self.pump = Pump(backend)
        server_class = _Server6 if ":" in host else _Server
        self._http = server_class((host, port), _Handler, bind_and_activate=True)
        self._http.api = DurableApi(backend, self.pump, dict(refs or {}), handler_endpoint)
        self._http.verbose = verbose
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), name="lambda-durable-serve", daemon=True)

    @property
    def api(self) -> DurableApi:
        return self._http.api

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._http.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def start(self) -> DurableServer:
        self.pump.start()
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (the CLI)."""
        self.pump.start()
        try:
            self._http.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            self._http.shutdown()
            self._thread.join(timeout=10)
        self._http.server_close()
        if self.workers is not None:
            self.workers.close()  # first: a hung invocation must not hold the pump's stop
        self.pump.stop()

    def __enter__(self) -> DurableServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
