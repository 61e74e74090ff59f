"""``lambda-durable list [--db PATH] [--status S]``: the executions in a store.

One line each, oldest first: status, start, elapsed time, function, and the execution
id (the last part of its ARN; ``lambda-durable history`` takes either). Reads only. Exit status 0, or 2 for bad usage or a
file that is not a current store (one line on stderr, the file left as it was).
"""

from __future__ import annotations

from collections.abc import Sequence

from lambda_durable.local.cli.args import Parser, parse
from lambda_durable.local.cli.cli_run import DEFAULT_DB
from lambda_durable.local.cli.stored import reading
from lambda_durable.local.cli.timeline import duration
from lambda_durable.local.engine.store import Store
from lambda_durable.wire import ExecutionStatus

_PROG = "lambda-durable list"


def _parser() -> Parser:
    parser = Parser(prog=_PROG, description="List the executions in a local store.")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--status", choices=[s.value for s in ExecutionStatus], help="only executions in this status")
    return parser


def main(argv: Sequence[str]) -> int:
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    return reading(_PROG, args.db, lambda store: _list(store, args.status))


def _list(store: Store, status: str | None) -> int:
    records = [r for r in map(store.execution, store.execution_arns()) if r is not None]
    shown = [r for r in records if status is None or r.status.value == status]
    if not shown:
        print("no executions" + (f" in status {status}" if status else ""))
        return 0
    print(f"{'STATUS':<9}  {'STARTED (UTC)':<19}  {'ELAPSED':>9}  {'FUNCTION':<16}  EXECUTION ID")
    for r in shown:
        elapsed = duration((r.end - r.start).total_seconds() if r.end is not None else None)
        print(f"{r.status.value:<9}  {r.start:%Y-%m-%d %H:%M:%S}  {elapsed:>9}  {r.function_name[:16]:<16}  {r.execution_id}")
    return 0
