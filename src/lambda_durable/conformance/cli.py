"""``lambda-durable conformance``: run requirement YAML files against local handlers.

Exit status: 0 all passed, 1 some requirement failed, 2 bad usage or unusable input
(each reported as one line on stderr).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

PROG = "lambda-durable conformance"


class UsageError(Exception):
    """Raised instead of argparse's print-and-exit, so main() owns the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or "", status)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Run language-neutral conformance requirements against handlers "
        "on the embedded local backend.",
    )
    parser.add_argument(
        "--requirements",
        nargs="+",
        required=True,
        type=Path,
        metavar="DIR",
        help="directories searched recursively for requirement *.yaml files",
    )
    parser.add_argument(
        "--handlers",
        required=True,
        type=Path,
        metavar="FILE",
        help="Python file defining HANDLERS (and optionally FUNCTIONS)",
    )
    parser.add_argument(
        "--only", nargs="+", default=None, metavar="ID", help="run only these requirement ids"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed for ${GEN_STR:N} values (reproducible runs)"
    )
    return parser


def _fail(message: str) -> int:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)
    return 2


def main(argv: Sequence[str]) -> int:
    """Parse, check the inputs, run, and return the exit status."""
    try:
        args = build_parser().parse_args(list(argv))
    except UsageError as usage:
        if usage.status == 0:
            return 0
        return _fail(str(usage))
    if importlib.util.find_spec("yaml") is None:
        return _fail("PyYAML is not installed; install the 'dev' extra: pip install 'lambda-durable[dev]'")
    directories: list[Path] = args.requirements
    for directory in directories:
        if not directory.is_dir():
            return _fail(f"requirements directory not found: {directory}")
    if not args.handlers.is_file():
        return _fail(f"handlers file not found: {args.handlers}")
    return _run(directories, args.handlers, args.only, args.seed)


def _run(directories: list[Path], handlers: Path, only: list[str] | None, seed: int | None) -> int:
    from returns.pipeline import is_successful

    from lambda_durable.conformance.handler_file import load_handler_file
    from lambda_durable.conformance.requirements import load_requirements, loaded_id
    from lambda_durable.conformance.runner import Runner

    handler_file = load_handler_file(handlers)
    if not is_successful(handler_file):
        return _fail(handler_file.failure())
    loaded = load_requirements(directories)
    if not loaded:
        return _fail(f"no requirement files (*.yaml) under {', '.join(map(str, directories))}")
    if only is not None:
        ids = {loaded_id(r) for r in loaded}
        unknown = [i for i in only if i not in ids]
        if unknown:
            return _fail(f"unknown requirement id(s): {', '.join(unknown)}")
        wanted = set(only)
        loaded = [r for r in loaded if loaded_id(r) in wanted]
    runner = Runner(handler_file.unwrap(), rng=random.Random(seed))

    def emit(line: str) -> None:
        print(line, flush=True)

    return runner.run(loaded, emit).exit_status
