"""``lambda-durable history ARN [--db PATH] [--json] [--html FILE]``.

Prints an execution's timeline (operations nested under their contexts and branches,
status, attempts, elapsed and active time); ``--json`` prints the history in the shape
of ``GetDurableExecutionHistory`` instead (``{"Events": [...]}``, every payload
included: what ``lambda-durable replay`` reads); ``--html FILE`` also writes the
timeline as one self-contained page. ``ARN`` may be the execution's ARN, its id or its
name. Reads only. Exit status 0, or 2 for bad usage, an unknown execution or a file
that is not a current store (one line on stderr, the file left as it was).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from returns.pipeline import is_successful

from lambda_durable.local.cli.args import Parser, parse, usage_error
from lambda_durable.local.cli.cli_run import DEFAULT_DB
from lambda_durable.local.cli.html_page import render_html
from lambda_durable.local.cli.stored import find_execution, reading
from lambda_durable.local.cli.timeline import build_timeline, render_text
from lambda_durable.local.engine.store import Store
from lambda_durable.wire import API_JSON

_PROG = "lambda-durable history"


def _parser() -> Parser:
    parser = Parser(prog=_PROG, description="Show an execution's timeline, or its history as JSON.")
    parser.add_argument("arn", metavar="ARN", help="the execution's ARN (or its id, or its name)")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"SQLite file (default: {DEFAULT_DB})")
    parser.add_argument("--json", action="store_true", help="print the GetDurableExecutionHistory JSON instead")
    parser.add_argument("--html", metavar="FILE", help="also write the timeline as a self-contained HTML page")
    return parser


def main(argv: Sequence[str]) -> int:
    args = parse(_parser(), argv)
    if isinstance(args, int):
        return args
    return reading(_PROG, args.db, lambda store: _show(store, args.arn, args.db, as_json=args.json, html=args.html))


def _show(store: Store, wanted: str, db: str, *, as_json: bool, html: str | None) -> int:
    found = find_execution(store, wanted, db)
    if not is_successful(found):
        return usage_error(_PROG, found.failure())
    arn = found.unwrap()
    record = store.execution(arn)
    assert record is not None  # listed just above, by this reader
    events = store.events(arn)
    if as_json:
        print(json.dumps({"Events": [API_JSON.encode(e) for e in events]}, indent=1))
    timeline = build_timeline(record, store.operations(arn), events)
    if html is not None:
        try:
            with open(html, "w", encoding="utf-8") as page:
                page.write(render_html(timeline))
        except OSError as exc:
            return usage_error(_PROG, f"cannot write {html}: {exc.strerror or exc}")
    if not as_json:
        print(render_text(timeline))
    return 0
