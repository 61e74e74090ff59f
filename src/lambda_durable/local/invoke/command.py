"""Durable functions written in any language: a program run once per invocation.

A ``Command`` names the program (``argv``, ``cwd``, extra ``env``). ``CommandInvoker``
starts it for each invocation with the invocation event (docs/protocol.md §2.1) as JSON
on stdin and, in its environment, ``AWS_ENDPOINT_URL_LAMBDA`` pointing at ``serve`` with
dummy credentials and a region, so any SDK's default Lambda client reaches the local
service as it would reach Lambda. The invocation output (§2.4) is the last non-empty
line the program prints on stdout; the lines before it, and everything on stderr, are
its log. A program that exits non-zero or is killed (``Runtime.ExitError``), runs past
its invocation timeout (killed with its whole process group: ``Sandbox.Timedout``) or
prints no output of the right shape (``Runtime.InvalidOutput``) is a failed invocation,
which the service retries as Lambda does.

No process is kept warm: taking a second invocation would need the program to speak a
runtime loop of its own, and a per-invocation start is cheap beside a durable
invocation's checkpoints (docs/local.md, "Handlers in any language").
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from attrs import field, frozen
from returns.result import Failure, Result, Success

from lambda_durable.client import DurableServiceClient
from lambda_durable.local.engine.service import InvocationTicket
from lambda_durable.local.engine.tokens import function_arn
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS, validate_output
from lambda_durable.local.invoke.isolated import Watchdog, endpoint_environment, endpoint_variables, exit_error, timed_out
from lambda_durable.local.invoke.logs import LogSink, parse_log_line, stream_record
from lambda_durable.wire import INVOCATION, ErrorObject, InvocationOutput

INVALID_OUTPUT = "Runtime.InvalidOutput"

INVOCATION_VARIABLES = (
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "LAMBDA_DURABLE_FUNCTION_ARN",
    "LAMBDA_DURABLE_REQUEST_ID",
    "LAMBDA_DURABLE_DEADLINE_MS",
)
"""What each invocation's process finds in its environment about its invocation, as
Lambda's runtime API would tell it (request id, function ARN, deadline in epoch ms)."""

RESERVED = frozenset(endpoint_variables("")) | frozenset(INVOCATION_VARIABLES)
"""Variables ``serve`` sets itself; a ``Command`` may not set them (Lambda refuses
reserved variables in a function's configuration the same way)."""

STREAM_SECONDS = 5.0
"""How long the pipes may take to drain once the program has exited."""


def _argv(value: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise TypeError(f"argv is a list of strings such as ['node', 'handler.cjs'], not the string {value!r}")
    items = tuple(value)
    if not items:
        raise ValueError("argv must name the program to run")
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"argv holds strings only, not {item!r}")
    return items


def _cwd(value: str | os.PathLike[str] | None) -> str | None:
    return None if value is None else os.fspath(value)


def _env(value: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"env maps variable names to strings, not {value!r}")
    for key, text in value.items():
        if not isinstance(key, str) or not isinstance(text, str):
            raise TypeError(f"env maps variable names to strings, not {key!r}: {text!r}")
        if key in RESERVED:
            raise ValueError(f"env may not set {key}: serve sets it for every invocation")
    return dict(value)


@frozen
class Command:
    """A durable function as a program in any language, run once per invocation.

    ``argv``: the program and its arguments (``["node", "run.cjs", "orders.cjs"]``),
    found on ``PATH`` or, with a slash, relative to ``cwd``. ``cwd``: where it runs
    (in a handlers file a relative folder, and the default, are the file's own folder).
    ``env``: variables added to the environment it inherits from ``serve``. Raises
    ``TypeError``/``ValueError`` for an empty ``argv``, a non-string or a reserved
    variable."""

    argv: tuple[str, ...] = field(converter=_argv)
    cwd: str | None = field(default=None, converter=_cwd, kw_only=True)
    env: dict[str, str] = field(factory=dict, converter=_env, kw_only=True)

    def __str__(self) -> str:
        return " ".join(self.argv)


def prepare(command: Command, base: Path) -> Result[Command, str]:
    """``command`` running in an absolute folder (a relative or absent ``cwd`` taken
    from ``base``), or why it cannot run there: the folder or the program is missing."""
    folder = (base / command.cwd) if command.cwd is not None else base
    folder = folder.resolve()
    if not folder.is_dir():
        return Failure(f"no such folder: {folder}")
    program = command.argv[0]
    if os.sep in program or "/" in program:
        found = folder / program
        if not found.is_file() or not os.access(found, os.X_OK):
            return Failure(f"{found} is not an executable file")
    else:
        search = command.env.get("PATH", os.environ.get("PATH", os.defpath))
        if shutil.which(program, path=search) is None:
            return Failure(f"{program} is not on PATH")
    return Success(Command(command.argv, cwd=str(folder), env=command.env))


class _Live:
    """The programs running now, killed if ``serve`` exits first (they run in process
    groups of their own, which a Ctrl-C at the terminal does not reach)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        atexit.register(self.kill_all)

    def add(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running.add(process)

    def discard(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running.discard(process)

    def kill_all(self) -> None:
        with self._lock:
            running = list(self._running)
        for process in running:
            kill_group(process)


_LIVE = _Live()


def kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the program and whatever it started (its process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # nothing left of the group


class _GroupWatchdog(Watchdog):
    """A ``Watchdog`` that kills the whole group: a shell's ``sleep`` must die with it,
    or it would keep the pipes open."""

    def _expire(self) -> None:
        self.fired.set()
        kill_group(self.process)


def _feed(stream: IO[str], text: str) -> None:
    """Write the event and close stdin; a program need not read it."""
    try:
        stream.write(text)
        stream.close()
    except (OSError, ValueError):
        pass


def _pump_stderr(stream: IO[str], arn: str, sink: LogSink) -> None:
    """Every line is a log record of the execution (a JSON record carrying an
    ``executionArn`` as it is); plain lines also go to ``serve``'s stderr."""
    for line in stream:
        record = parse_log_line(line)
        if record is None:
            record = stream_record(arn, line, "stderr")
            sys.stderr.write(line)
        sink(record)
    stream.close()


class _Stdout:
    """Reads the program's stdout: the last non-empty line is the output, the lines
    before it are printed lines (to ``serve``'s stdout, and kept when ``keep``)."""

    def __init__(self, arn: str, sink: LogSink, keep: bool) -> None:
        self.arn = arn
        self.sink = sink
        self.keep = keep
        self.last: str | None = None

    def read(self, stream: IO[str]) -> None:
        for line in stream:
            if not line.strip():
                continue
            if self.last is not None:
                self._printed(self.last)
            self.last = line
        stream.close()

    def _printed(self, line: str) -> None:
        sys.stdout.write(line)
        if self.keep:
            self.sink(stream_record(self.arn, line, "stdout"))

    def output(self) -> Result[InvocationOutput, ErrorObject]:
        if self.last is None:
            return Failure(_invalid("the program printed nothing on stdout; its last line must be the output"))
        try:
            data: object = json.loads(self.last)
        except ValueError:
            return Failure(_invalid(f"the last line on stdout is not JSON: {self.last.strip()[:200]!r}"))
        return validate_output(data)


def _invalid(message: str) -> ErrorObject:
    return ErrorObject(error_type=INVALID_OUTPUT, error_message=message)


def _thread(target: Any, *args: object) -> threading.Thread:
    started = threading.Thread(target=target, args=args, daemon=True)
    started.start()
    return started


@frozen
class CommandInvoker:
    """Runs a ``Command`` once per invocation; it reaches the service at ``endpoint``."""

    command: Command
    endpoint: str
    timeout: float = INVOCATION_TIMEOUT_SECONDS
    """Seconds from the program's start before it is killed (``Sandbox.Timedout``)."""
    keep_stdout: bool = False

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        event: dict[str, Any] = INVOCATION.encode(ticket.event)
        return self.run_event(event, ticket.arn, ticket.function_name, ticket.request_id, sink)

    def environment(self, function_name: str, request_id: str) -> dict[str, str]:
        """``serve``'s environment, the command's ``env``, the endpoint and the invocation."""
        env = endpoint_environment(self.endpoint)
        env.update(self.command.env)
        env.update(endpoint_variables(self.endpoint))
        deadline_ms = int((time.time() + self.timeout) * 1000)
        env.update(
            zip(
                INVOCATION_VARIABLES,
                (function_name, "$LATEST", "128", function_arn(function_name), request_id, str(deadline_ms)),
                strict=True,
            )
        )
        return env

    def run_event(
        self, event: Mapping[str, Any], arn: str, function_name: str, request_id: str, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        """Run the program once on a raw invocation event."""
        try:
            process = subprocess.Popen(
                list(self.command.argv),
                cwd=self.command.cwd,
                env=self.environment(function_name, request_id),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                process_group=0,
            )
        except OSError as exc:
            return Failure(ErrorObject(error_type="Runtime.StartError", error_message=f"cannot run {self.command}: {exc}"))
        _LIVE.add(process)
        watchdog = _GroupWatchdog(process, self.timeout)
        watchdog.started()  # a program has no separate init: its clock runs from its start
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        stdout = _Stdout(arn, sink, self.keep_stdout)
        pipes = (
            _thread(_feed, process.stdin, json.dumps(dict(event))),
            _thread(_pump_stderr, process.stderr, arn, sink),
            _thread(stdout.read, process.stdout),
        )
        returncode = process.wait()
        watchdog.stop()
        kill_group(process)  # what it left running would hold the pipes open
        _LIVE.discard(process)
        for pipe in pipes:
            pipe.join(STREAM_SECONDS)
        if watchdog.fired.is_set():
            return Failure(timed_out(request_id, self.timeout))
        if returncode != 0:
            return Failure(exit_error(request_id, returncode))
        return stdout.output()
