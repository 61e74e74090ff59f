"""``lambda-durable resume ARN [--advance DURATION | --to-next-timer] [--db PATH]``.

Continues a RUNNING execution that ``lambda-durable run`` started: after a callback
answer recorded with ``callback --no-resume``, after a crash, or to test a timeout path.
It runs what is ready, then (``--advance``) lives through DURATION of the execution's own
time, firing every timer due on the way (waits, retries, callback and heartbeat
timeouts, the execution timeout) at its moment, or (``--to-next-timer``) moves the
execution's time to its next timer, then runs on until the execution ends or waits for
a callback answer again, printing progress like ``run``. Only this execution's time moves
(and that of the executions its chained invokes started); it is kept in the database.
``ARN`` may be the ARN, the execution id or its name.

Exit status as ``run``: 0 SUCCEEDED or waiting for a callback, 1 any other outcome;
2 bad usage, an unknown or finished execution, or a handler that cannot be loaded
(moved, renamed): one line on stderr and the database left as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence

from returns.pipeline import is_successful

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.cli.args import Parser, duration_seconds, parse, usage_error
from lambda_durable.local.cli.cli_run import DEFAULT_DB, add_output_options, exit_status, outcome_json, report
from lambda_durable.local.cli.progress import watch
from lambda_durable.local.cli.remembered import load_remembered
from lambda_durable.local.cli.stored import find_execution
from lambda_durable.wire import ExecutionStatus

_PROG = "lambda-durable resume"


def _parser() -> Parser:
    parser = Parser(prog=_PROG, description="Continue a RUNNING execution started by 'lambda-durable run'.")
    parser.add_argument("arn", metavar="ARN", help="the execution's ARN (or its id, or its name)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--advance", metavar="DURATION", help="live through this much of the execution's time (30s, 5m, 1h30m, 2d)")
    when.add_argument("--to-next-timer", action="store_true", help="move the execution's time to its next timer")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--real-time", action="store_true", help="really sleep through waits and --advance")
    add_output_options(parser)
    return parser


def main(argv: Sequence[str]) -> int:
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    seconds: float | None = None
    if args.advance is not None:
        parsed = duration_seconds(args.advance)
        if not is_successful(parsed):
            return usage_error(_PROG, f"--advance: {parsed.failure()}")
        seconds = parsed.unwrap()
    if not os.path.isfile(args.db):
        return usage_error(_PROG, f"no database at {args.db}")
    try:
        backend = LocalBackend(args.db, real_time=args.real_time)
    except (OSError, ValueError, sqlite3.Error) as exc:
        return usage_error(_PROG, f"cannot open {args.db}: {exc}")
    with backend:
        found = find_execution(backend.store, args.arn, args.db)
        if not is_successful(found):
            return usage_error(_PROG, found.failure())
        record = backend.store.execution(found.unwrap())
        if record is None or record.status is not ExecutionStatus.RUNNING:
            status = record.status.value if record is not None else "gone"
            return usage_error(_PROG, f"execution {found.unwrap()} has already finished ({status}): nothing to resume")
        loaded = load_remembered(backend, found.unwrap())
        if not is_successful(loaded):
            return usage_error(_PROG, loaded.failure().message)
        root = loaded.unwrap()
        progress = None if args.json else watch(backend, verbose=args.verbose, quiet=args.quiet)
        if progress is not None:
            progress.follow(root)
            progress.line(f"execution {root}", clip=False)
        backend.run_until_idle(root)
        if seconds is not None:
            backend.advance_clock(root, seconds)
        elif args.to_next_timer and not backend.advance_clock(root) and progress is not None:
            progress.line("no timer to move to")
        outcome = backend.run_until_suspended(root)
        if progress is None:
            print(json.dumps(outcome_json(backend, outcome)))
            return exit_status(outcome)
        return report(backend, outcome, args.db, progress)
