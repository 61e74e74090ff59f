"""What every subcommand's command line shares: usage errors as one line, exit 2.

argparse prints usage and exits on a bad option; the subcommands instead report one
line on stderr and return 2, and never show a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.engine.store import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS
from lambda_durable.local.invoke.handler_ref import Handler, HandlerRef, resolve_handler

USAGE_ERROR = 2


class _UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors ``parse`` turns into one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def add_retention_days(parser: argparse.ArgumentParser) -> None:
    """``--retention-days N``: closed executions older than this are deleted from the store."""
    parser.add_argument(
        "--retention-days",
        type=_retention_days,
        default=DEFAULT_RETENTION_DAYS,
        metavar="DAYS",
        help=f"delete executions closed longer ago (1-{MAX_RETENTION_DAYS}, default: {DEFAULT_RETENTION_DAYS})",
    )


def _retention_days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_RETENTION_DAYS:
        raise ValueError(text)
    return value


def parse(parser: Parser, argv: Sequence[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status (2 after a usage error, 0 after --help)."""
    try:
        return parser.parse_args(list(argv))
    except _UsageError as exc:
        return usage_error(parser.prog, str(exc))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0


def usage_error(prog: str, message: str) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return USAGE_ERROR


def durable_handler_at(text: str) -> Result[tuple[HandlerRef, Handler], str]:
    """The ``@durable_handler`` a ``FILE_OR_MODULE:HANDLER`` reference names, loaded."""
    parsed = HandlerRef.parse(text)
    if not is_successful(parsed):
        return Failure(parsed.failure())
    ref = parsed.unwrap()
    loaded = resolve_handler(ref)
    if not is_successful(loaded):
        return Failure(loaded.failure())
    handler = loaded.unwrap()
    if getattr(handler, "__durable_handler__", False) is not True:
        return Failure(f"{ref} is not a durable handler (decorate it with @durable_handler)")
    return Success((ref, handler))


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?")
_UNITS = (86400, 3600, 60, 1)


def duration_seconds(text: str) -> Result[float, str]:
    """``90``, ``90s``, ``5m``, ``2h``, ``1d``, ``1h30m``: seconds, or why not."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        return Failure(f"{text!r} is not a duration (e.g. 30s, 5m, 2h, 1d, 1h30m)")
    return Success(sum(float(part) * unit for part, unit in zip(match.groups(), _UNITS) if part))
