"""``lambda-durable run FILE_OR_MODULE:HANDLER --input JSON [--db PATH] [--real-time]``.

Runs one execution on the embedded backend, printing what happens as it happens
(``progress``: retries, waits, callbacks, the handler's logs, a map as one line;
``--verbose`` shows everything, ``--quiet`` hides the logs), then the outcome, last. Waits and retries are skipped (unless ``--real-time``); a
callback is not: when the execution waits for a callback answer, ``run`` prints the
CallbackId and the ``lambda-durable callback`` command that answers it, and stops with
the execution RUNNING in the database (that command resumes it, and ``lambda-durable
resume`` moves its time on). ``--advance-through-timeouts`` does not stop there: the
execution's time goes on to each callback's timeout (or the execution timeout for a
callback without one), so a timeout path runs in one command. The execution belongs to
the function ``<file>-<attribute>`` (``remembered``). ``--json`` prints only
the outcome, as one JSON object (``arn``, ``status``, ``result``, ``error``, and the
``callbacks`` a RUNNING execution waits for), for scripts. Exit status:
0 SUCCEEDED or waiting for a callback, 1 any other outcome, 2 bad usage (every usage
problem is one line on stderr, never a traceback).
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any
from collections.abc import Sequence

from returns.pipeline import is_successful

from lambda_durable.local.api import ExecutionOutcome, LocalBackend
from lambda_durable.local.cli.args import Parser, add_retention_days, durable_handler_at, parse, usage_error
from lambda_durable.local.cli.progress import Progress, error_text, watch
from lambda_durable.local.cli.remembered import run_function_name
from lambda_durable.wire import API_JSON, ExecutionStatus

DEFAULT_DB = os.path.join(".lambda-durable", "executions.db")
_PROG = "lambda-durable run"


def _parser() -> Parser:
    parser = Parser(
        prog=_PROG,
        description="Run one durable execution on the embedded local backend.",
    )
    parser.add_argument("handler", metavar="FILE_OR_MODULE:HANDLER", help="e.g. app.py:handler or my_pkg.app:handler")
    parser.add_argument("--input", default="null", metavar="JSON", help="the execution input as JSON (default: null)")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--real-time", action="store_true", help="really sleep through waits and retries")
    parser.add_argument(
        "--advance-through-timeouts",
        action="store_true",
        help="do not stop at a callback: move the execution's time on until callbacks (or the execution) time out",
    )
    add_output_options(parser)
    add_retention_days(parser)
    return parser


def add_output_options(parser: Parser) -> None:
    """``--json``, ``--verbose``, ``--quiet``: what ``run``, ``resume`` and ``callback`` print."""
    parser.add_argument("--json", action="store_true", help="print only the outcome, as one JSON object")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="show every operation start and every map/parallel item"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="hide the handler's log output")


def main(argv: Sequence[str]) -> int:
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        payload_value = json.loads(args.input)
    except ValueError as exc:
        return usage_error(_PROG, f"--input is not valid JSON: {exc}")
    loaded = durable_handler_at(args.handler)
    if not is_successful(loaded):
        return usage_error(_PROG, loaded.failure())
    ref = loaded.unwrap()[0]
    try:
        backend = LocalBackend(args.db, real_time=args.real_time, retention_days=args.retention_days)
    except (OSError, ValueError, sqlite3.Error) as exc:
        return usage_error(_PROG, f"cannot open {args.db}: {exc}")
    with backend:
        name = run_function_name(ref, backend)
        backend.register(name, ref)  # a reference: remembered, so ``callback`` can resume
        progress = None if args.json else watch(backend, verbose=args.verbose, quiet=args.quiet)
        started = backend.start(name, json.dumps(payload_value))
        if not is_successful(started):
            return usage_error(_PROG, f"the execution did not start: {started.failure()}")
        arn = started.unwrap()
        if progress is not None:
            progress.follow(arn)
            progress.line(f"execution {arn}", clip=False)
        if args.advance_through_timeouts:
            outcome = backend.run_until_settled(arn)
        else:
            outcome = backend.run_until_suspended(arn)
        backend.maintain()  # retention and compaction, once the execution has stopped
        if progress is None:
            print(json.dumps(outcome_json(backend, outcome)))
            return exit_status(outcome)
        return report(backend, outcome, args.db, progress)


def report(backend: LocalBackend, outcome: ExecutionOutcome, db: str, progress: Progress) -> int:
    """Print the outcome, last (or the callbacks it waits for); the exit status of ``run``."""
    if outcome.status is ExecutionStatus.RUNNING:
        progress.outcome(outcome.status.value)
        for waiting in backend.open_callbacks(outcome.arn):
            label = waiting.name or waiting.op_id[:12]
            progress.line(f"waiting for callback {label}: {waiting.callback_id}", clip=False)
            progress.line(
                f"  answer: lambda-durable callback succeed {waiting.callback_id} --result JSON --db {db}", clip=False
            )
        execution_id = outcome.arn.rsplit("/", 1)[-1]
        progress.line(f"  or let time pass: lambda-durable resume {execution_id} --to-next-timer --db {db}", clip=False)
        return 0
    if outcome.result is not None:
        progress.outcome(outcome.status.value, outcome.result)
    else:
        progress.outcome(outcome.status.value, error_text(outcome.error) if outcome.error is not None else None)
    return exit_status(outcome)


def exit_status(outcome: ExecutionOutcome) -> int:
    """0 SUCCEEDED or waiting for a callback answer, 1 any other outcome."""
    return 0 if outcome.status in (ExecutionStatus.SUCCEEDED, ExecutionStatus.RUNNING) else 1


def outcome_json(backend: LocalBackend, outcome: ExecutionOutcome) -> dict[str, Any]:
    """``run --json``: the result as JSON data (its text when it is not JSON), the error
    in the service's shape, and the callbacks a RUNNING execution waits for."""
    body: dict[str, Any] = {"arn": outcome.arn, "status": outcome.status.value, "result": None, "error": None}
    if outcome.result is not None:
        try:
            body["result"] = json.loads(outcome.result)
        except ValueError:
            body["result"] = outcome.result
    if outcome.error is not None:
        body["error"] = API_JSON.encode(outcome.error)
    if outcome.status is ExecutionStatus.RUNNING:
        body["callbacks"] = [
            {"callback_id": w.callback_id, "name": w.name} for w in backend.open_callbacks(outcome.arn)
        ]
    return body
