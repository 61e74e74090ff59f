"""``lambda-durable``: the command line. A thin dispatcher over the subcommands' modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = """usage: lambda-durable <command> [options]

commands:
  run           run one durable execution on the embedded local backend
  callback      answer a callback (succeed | fail | heartbeat) and resume its execution
  resume        continue a RUNNING execution, optionally moving its time on (timeouts)
  conformance   run conformance requirements against handlers on the local backend
  serve         serve the durable-execution REST API (boto3, AWS CLI, any SDK) locally
  list          list the executions in a local store
  history       show an execution's timeline (terminal, --json, --html)
  replay        replay a saved history against the current code (no side effects)

'lambda-durable <command> --help' describes a command's options."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (2 = bad usage)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "run":
        from lambda_durable.local.cli.cli_run import main as run_main

        return run_main(rest)
    if command == "callback":
        from lambda_durable.local.cli.cli_callback import main as callback_main

        return callback_main(rest)
    if command == "resume":
        from lambda_durable.local.cli.cli_resume import main as resume_main

        return resume_main(rest)
    if command == "conformance":
        from lambda_durable.conformance.cli import main as conformance_main

        return conformance_main(rest)
    if command == "serve":
        from lambda_durable.local.cli.cli_serve import main as serve_main

        return serve_main(rest)
    if command == "list":
        from lambda_durable.local.cli.cli_list import main as list_main

        return list_main(rest)
    if command == "history":
        from lambda_durable.local.cli.cli_history import main as history_main

        return history_main(rest)
    if command == "replay":
        from lambda_durable.testing.cli_replay import main as replay_main

        return replay_main(rest)
    print(f"lambda-durable: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


def run() -> int:
    """The console script: ``main``, and a reader that stopped reading (``| head``)
    ends the command quietly instead of with a traceback."""
    try:
        return main()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout at exit: let it
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run())
