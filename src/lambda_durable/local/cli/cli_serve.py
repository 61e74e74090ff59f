"""``lambda-durable serve --handlers FILE [--host H] [--port P] [--db PATH] [--real-time] ...``.

Serves the Lambda REST API of the durable executions (Invoke, checkpoint, state,
history, list, stop, callbacks) over the same SQLite store as ``run``, so boto3, the
AWS CLI and handlers of any SDK can talk to the local backend. Binds loopback unless
``--allow-remote``. ``--handler-endpoint URL`` is where handlers run for an
``X-Dex-Handler-Invoke`` request (the official testing server) send their checkpoints.
Handlers run in a pool of warm worker processes (``--workers``), so a crashing or hung
handler costs a failed invocation, never the server; ``--in-process`` runs them in the
server's own process (fastest; a handler that crashes takes the server with it).
Exit status: 0 after Ctrl-C, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence

from returns.pipeline import is_successful

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.cli.args import add_retention_days
from lambda_durable.local.cli.cli_run import DEFAULT_DB
from lambda_durable.local.handlers_file import MAX_TIMEOUT, register_handler_file
from lambda_durable.local.http.server import DEFAULT_HOST, DEFAULT_PORT, DurableServer
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS
from lambda_durable.local.invoke.pool import WorkerPool

_PROG = "lambda-durable serve"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _timeout(text: str) -> float:
    value = float(text)
    if not 0 < value <= MAX_TIMEOUT:
        raise ValueError(text)
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_PROG, description="Serve the durable-execution REST API on the local backend.")
    parser.add_argument("--handlers", required=True, metavar="FILE", help="file defining HANDLERS (and FUNCTIONS)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0: any)")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--real-time", action="store_true", help="really sleep through waits and retries")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=_positive_int, metavar="N", help="worker processes for the handlers (default: CPU count)"
    )
    where.add_argument(
        "--in-process", action="store_true", help="run handlers in the server process (unsafe for crashing handlers)"
    )
    where.add_argument("--isolated", action="store_true", help="run every handler in a new subprocess, over HTTP")
    parser.add_argument(
        "--invocation-timeout",
        type=_timeout,
        default=INVOCATION_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"kill an invocation running longer (default: {INVOCATION_TIMEOUT_SECONDS}; TIMEOUTS in FILE per function)",
    )
    parser.add_argument(
        "--worker-memory", type=_positive_int, metavar="MB", help="cap each worker's address space (default: none)"
    )
    parser.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address")
    parser.add_argument(
        "--handler-endpoint",
        metavar="URL",
        default=os.environ.get("AWS_ENDPOINT_URL_LAMBDA"),
        help="service endpoint for handlers run by X-Dex-Handler-Invoke (default: $AWS_ENDPOINT_URL_LAMBDA)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    add_retention_days(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    if args.worker_memory is not None and (args.in_process or args.isolated):
        print(f"{_PROG}: --worker-memory needs the worker pool (not --in-process or --isolated)", file=sys.stderr)
        return 2
    try:
        backend = LocalBackend(args.db, real_time=args.real_time, retention_days=args.retention_days)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"{_PROG}: cannot open {args.db}: {exc}", file=sys.stderr)
        return 2
    pool = None if args.in_process or args.isolated else WorkerPool(args.workers, memory_mb=args.worker_memory)
    try:
        server = DurableServer(
            backend,
            args.host,
            args.port,
            allow_remote=args.allow_remote,
            handler_endpoint=args.handler_endpoint,
            verbose=args.verbose,
            workers=pool,
        )
    except (OSError, ValueError) as exc:
        backend.close()
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2
    registered = register_handler_file(
        backend, args.handlers, endpoint=server.url, isolated=args.isolated, pool=pool, timeout=args.invocation_timeout
    )
    if not is_successful(registered):
        server.close()
        backend.close()
        print(f"{_PROG}: {registered.failure()}", file=sys.stderr)
        return 2
    server.api.refs.update(registered.unwrap().refs)
    if pool is not None:
        pool.warm()
    print(f"serving {', '.join(registered.unwrap().names)} at {server.url} (store: {args.db})", flush=True)
    _stop_on_signals()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        backend.close()
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server cleanly, even when it was started in the
    background of a script (where SIGINT arrives ignored and Python keeps it so)."""
    if threading.current_thread() is threading.main_thread():  # (signals are the main thread's)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
