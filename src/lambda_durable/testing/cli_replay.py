"""``lambda-durable replay FILE_OR_MODULE:HANDLER --history FILE``.

Replays a saved history (``lambda-durable history ARN --json``, or ``aws lambda
get-durable-execution-history ... --include-execution-data``) against the current
code, with no side effects. Exit status: 0 the code reproduces every recorded
operation, 1 it diverges (the first divergence on stdout), 2 bad usage or a file that
is not a whole history (one line on stderr).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from returns.pipeline import is_successful
from returns.result import Failure, Success

from lambda_durable.handler import DurableHandler
from lambda_durable.local.cli.args import Parser, durable_handler_at, parse, usage_error
from lambda_durable.testing.history_doc import InvalidHistory
from lambda_durable.testing.replay import ReplayEnd, ReplayReport, replay

_PROG = "lambda-durable replay"


def _parser() -> Parser:
    parser = Parser(prog=_PROG, description="Replay a saved execution history against the current code.")
    parser.add_argument("handler", metavar="FILE_OR_MODULE:HANDLER", help="e.g. app.py:handler")
    parser.add_argument("--history", required=True, metavar="FILE", help="GetDurableExecutionHistory JSON")
    return parser


def main(argv: Sequence[str]) -> int:
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        with open(args.history, encoding="utf-8") as file:
            document: Any = json.load(file)
    except OSError as exc:
        return usage_error(_PROG, f"cannot read {args.history}: {exc.strerror or exc}")
    except ValueError as exc:
        return usage_error(_PROG, f"{args.history} is not JSON: {exc}")
    if not isinstance(document, dict):
        return usage_error(_PROG, f'{args.history}: not a GetDurableExecutionHistory document (no "Events")')
    loaded = durable_handler_at(args.handler)
    if not is_successful(loaded):
        return usage_error(_PROG, loaded.failure())
    handler = loaded.unwrap()[1]
    if not isinstance(handler, DurableHandler):
        return usage_error(_PROG, f"{args.handler} cannot be replayed in process")
    try:
        outcome = replay(handler, document)
    except InvalidHistory as exc:
        return usage_error(_PROG, f"{args.history}: {exc}")
    match outcome:
        case Success(report):
            print(_describe(report))
            return 0
        case Failure(divergence):
            print(f"DIVERGED {divergence}")
            return 1
    return 1  # pragma: no cover - Result has no third case


def _describe(report: ReplayReport) -> str:
    what = {
        ReplayEnd.COMPLETED: f"the handler completes ({report.status.value})",
        ReplayEnd.SUSPENDED: "the handler waits on an operation the history shows open",
        ReplayEnd.CONTINUES: f"the execution goes on with a new {report.next_operation}",
    }[report.end]
    plural = "" if report.operations == 1 else "s"
    return f"OK replayed {report.operations} recorded operation{plural}; {what}"
