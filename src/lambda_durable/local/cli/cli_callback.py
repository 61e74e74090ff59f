"""``lambda-durable callback succeed|fail|heartbeat CALLBACK_ID [...] [--db PATH]``.

Answers a callback of an execution in a database written by ``lambda-durable run`` (the
SendDurableExecutionCallback* APIs of docs/protocol.md §8.3). After ``succeed`` or ``fail``
it resumes the execution, as the service would: it loads the handler ``run`` recorded
for the execution's function and drives the execution to its next callback suspension
or its end, printing progress like ``run`` (``--no-resume`` only records the answer; a
later ``callback`` or a program on the same database drives it then). ``heartbeat``
only restarts the heartbeat timer. An answer that came after the callback's timeout is
rejected (``CallbackTimeoutException``, exit 1); the timeout is then recorded and the
execution resumed as after any answer, so its timeout path runs.

Time: each execution's time is the real time plus what that execution skipped (the
database keeps the skipped total), so real time between commands counts towards its
callback timeouts; waits are skipped as in ``run`` (``--real-time`` sleeps instead).
Run it while no other process is driving the same execution.

Exit status: 0 the answer was accepted, 1 it was rejected (the service's error, one
line), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.client import ServiceError
from lambda_durable.local.api import LocalBackend
from lambda_durable.local.cli.cli_run import DEFAULT_DB, report
from lambda_durable.local.cli.progress import watch
from lambda_durable.local.cli.remembered import load_remembered
from lambda_durable.wire import ErrorObject

_PROG = "lambda-durable callback"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_PROG, description="Answer a callback of an execution started by 'lambda-durable run'.")
    parser.add_argument("action", choices=("succeed", "fail", "heartbeat"))
    parser.add_argument("callback_id", metavar="CALLBACK_ID")
    parser.add_argument("--result", metavar="JSON", help="succeed: the result, as JSON text (default: none)")
    parser.add_argument("--error-type", metavar="TYPE", help="fail: ErrorType")
    parser.add_argument("--error-message", metavar="MESSAGE", help="fail: ErrorMessage")
    parser.add_argument("--error-data", metavar="DATA", help="fail: ErrorData")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--no-resume", action="store_true", help="record the answer without resuming the execution")
    parser.add_argument("--real-time", action="store_true", help="really sleep through waits while resuming")
    parser.add_argument("--verbose", "-v", action="store_true", help="resuming: show every operation start and item")
    parser.add_argument("--quiet", "-q", action="store_true", help="resuming: hide the handler's log output")
    return parser


def _check(args: argparse.Namespace) -> str | None:
    """A usage problem the parser cannot see, or None."""
    error_flags = (args.error_type, args.error_message, args.error_data)
    if args.action != "succeed" and args.result is not None:
        return "--result is only for 'succeed'"
    if args.action != "fail" and any(flag is not None for flag in error_flags):
        return "--error-type/--error-message/--error-data are only for 'fail'"
    if args.result is not None:
        try:
            json.loads(args.result)
        except ValueError as exc:
            return f"--result is not valid JSON: {exc}"
    if not os.path.isfile(args.db):
        return f"no database at {args.db} (start the execution with 'lambda-durable run --db {args.db}')"
    return None


def _send(backend: LocalBackend, args: argparse.Namespace) -> Result[None, ServiceError]:
    if args.action == "succeed":
        return backend.send_callback_success(args.callback_id, args.result)
    if args.action == "fail":
        error = ErrorObject(error_type=args.error_type, error_message=args.error_message, error_data=args.error_data)
        return backend.send_callback_failure(args.callback_id, error)
    return backend.send_callback_heartbeat(args.callback_id)


def _resume(backend: LocalBackend, args: argparse.Namespace) -> int:
    """Drive the (root) execution the callback belongs to with its recorded handler."""
    arn = backend.service.callback_execution(args.callback_id)
    if arn is None:
        return 0
    loaded = load_remembered(backend, arn)
    if not is_successful(loaded):
        problem = loaded.failure()
        print(f"{_PROG}: {problem.message}", file=sys.stderr)
        return 0 if problem.foreign else 1
    root = loaded.unwrap()
    progress = watch(backend, verbose=args.verbose, quiet=args.quiet)
    progress.follow(root)
    progress.line(f"execution {root}", clip=False)
    report(backend, backend.run_until_suspended(root), args.db, progress)
    return 0


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    problem = _check(args)
    if problem is not None:
        print(f"{_PROG}: {problem}", file=sys.stderr)
        return 2
    try:
        backend = LocalBackend(args.db, real_time=args.real_time)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"{_PROG}: cannot open {args.db}: {exc}", file=sys.stderr)
        return 2
    with backend:
        sent = _send(backend, args)
        if not is_successful(sent):
            print(f"{_PROG}: {sent.failure()}", file=sys.stderr)
            if sent.failure().code == "CallbackTimeoutException" and not args.no_resume:
                _resume(backend, args)  # the timeout was recorded: go on, as the service does
            return 1
        print(f"callback {args.action} accepted", flush=True)
        if args.action == "heartbeat" or args.no_resume:
            return 0
        return _resume(backend, args)
