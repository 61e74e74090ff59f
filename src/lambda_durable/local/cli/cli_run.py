"""``lambda-durable run FILE_OR_MODULE:HANDLER --input JSON [--db PATH] [--real-time]``.

Runs one execution on the embedded backend, printing each operation event as it is
appended, then the outcome. Waits and retries are skipped (unless ``--real-time``); a
callback is not: when the execution waits for a callback answer, ``run`` prints the
CallbackId and the ``lambda-durable callback`` command that answers it, and stops with
the execution RUNNING in the database (that command resumes it). Exit status:
0 SUCCEEDED or waiting for a callback, 1 any other outcome, 2 bad usage (every usage
problem is one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence

from returns.pipeline import is_successful

from lambda_durable.local.api import ExecutionOutcome, LocalBackend, function_name_of
from lambda_durable.local.invoke.handler_ref import HandlerRef, resolve_handler
from lambda_durable.wire import Event, EventType, ExecutionStatus

DEFAULT_DB = os.path.join(".lambda-durable", "executions.db")
_KINDS = (
    ("ChainedInvoke", "invoke"),
    ("Callback", "callback"),
    ("Context", "context"),
    ("Step", "step"),
    ("Wait", "wait"),
)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lambda-durable run",
        description="Run one durable execution on the embedded local backend.",
    )
    parser.add_argument("handler", metavar="FILE_OR_MODULE:HANDLER", help="e.g. app.py:handler or my_pkg.app:handler")
    parser.add_argument("--input", default="null", metavar="JSON", help="the execution input as JSON (default: null)")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--real-time", action="store_true", help="really sleep through waits and retries")
    return parser


def describe_event(event: Event) -> str | None:
    """The progress line for an operation event; None for execution/invocation events."""
    kind = next((k for prefix, k in _KINDS if event.event_type.value.startswith(prefix)), None)
    if kind is None:
        return None
    label = event.name or (event.id or "")[:12]
    return f"  {event.event_type.value:<22} {kind:<8} {label}"


def print_event(arn: str, event: Event) -> None:
    line = describe_event(event)
    if line is not None:
        print(line, flush=True)
    elif event.event_type is EventType.INVOCATION_COMPLETED and event.details.error is not None:
        error = event.details.error.payload
        what = f"{error.error_type}: {error.error_message}" if error is not None else "error"
        print(f"  invocation failed: {what}", flush=True)


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as exc:
        print(f"lambda-durable run: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    try:
        payload_value = json.loads(args.input)
    except ValueError as exc:
        print(f"lambda-durable run: --input is not valid JSON: {exc}", file=sys.stderr)
        return 2
    parsed = HandlerRef.parse(args.handler)
    if not is_successful(parsed):
        print(f"lambda-durable run: {parsed.failure()}", file=sys.stderr)
        return 2
    ref = parsed.unwrap()
    loaded = resolve_handler(ref)
    if not is_successful(loaded):
        print(f"lambda-durable run: {loaded.failure()}", file=sys.stderr)
        return 2
    handler = loaded.unwrap()
    if getattr(handler, "__durable_handler__", False) is not True:
        print(
            f"lambda-durable run: {ref} is not a durable handler (decorate it with @durable_handler)",
            file=sys.stderr,
        )
        return 2
    try:
        backend = LocalBackend(args.db, real_time=args.real_time)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"lambda-durable run: cannot open {args.db}: {exc}", file=sys.stderr)
        return 2
    with backend:
        name = function_name_of(ref)
        backend.register(name, ref)  # a reference: remembered, so ``callback`` can resume
        backend.add_listener(print_event)
        arn = backend.start(name, json.dumps(payload_value))
        print(f"execution {arn}", flush=True)
        outcome = backend.run_until_suspended(arn)
        return report(backend, outcome, args.db)


def report(backend: LocalBackend, outcome: ExecutionOutcome, db: str) -> int:
    """Print the outcome (or the callbacks it waits for); the exit status of ``run``."""
    print(outcome.status.value)
    if outcome.status is ExecutionStatus.RUNNING:
        for waiting in backend.open_callbacks(outcome.arn):
            label = waiting.name or waiting.op_id[:12]
            print(f"waiting for callback {label}: {waiting.callback_id}")
            print(f"  answer: lambda-durable callback succeed {waiting.callback_id} --result JSON --db {db}")
        return 0
    if outcome.result is not None:
        print(outcome.result)
    if outcome.error is not None:
        print(f"{outcome.error.error_type or 'Error'}: {outcome.error.error_message or ''}")
    return 0 if outcome.status is ExecutionStatus.SUCCEEDED else 1
