"""Running one invocation in its own process, so a crashing handler cannot take us down.

The child (``python -m lambda_durable.local.invoke.child``) imports the handler by reference
and talks to this process's service over JSON-lines pipes (``rpc``). Its stderr carries
the handler's JSON log records; other stderr text is passed through. A child that exits
without a final answer is a failed invocation with ``Runtime.ExitError`` (docs/protocol.md §6.6).

With ``endpoint`` set the child gets no client at all: like a handler on Lambda it
reaches the service over HTTP, through ``AWS_ENDPOINT_URL_LAMBDA`` (``lambda-durable
serve``, or any Lambda-compatible endpoint), so handlers written with any SDK run.

What the worker pool (``pool``) shares with it lives here too: ``converse``, the parent's
side of one invocation over the pipes, and the ``Watchdog`` that kills a process past
its invocation timeout (``Sandbox.Timedout``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import IO, Any

from attrs import frozen
from returns.result import Failure, Result

from lambda_durable.client import DurableServiceClient
from lambda_durable.local.engine.service import InvocationTicket
from lambda_durable.local.engine.tokens import function_arn
from lambda_durable.local.invoke.handler_ref import HandlerRef
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS, validate_output
from lambda_durable.local.invoke.logs import LogSink, parse_log_line, stdout_record
from lambda_durable.local.invoke.rpc import send, serve_request
from lambda_durable.wire import INVOCATION, ErrorObject, InvocationOutput


def _pump_stderr(stream: IO[str], sink: LogSink) -> None:
    for line in stream:
        record = parse_log_line(line)
        if record is not None:
            sink(record)
        else:
            sys.stderr.write(line)
    stream.close()


def _pump_stdout(stream: IO[str], arn: str, sink: LogSink, keep: bool) -> None:
    for line in stream:
        sys.stdout.write(line)
        if keep:
            sink(stdout_record(arn, line))
    stream.close()


def exit_error(request_id: str, returncode: int) -> ErrorObject:
    reason = f"signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
    return ErrorObject(
        error_type="Runtime.ExitError",
        error_message=f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
    )


def timed_out(request_id: str, seconds: float) -> ErrorObject:
    """A killed hung invocation, as Lambda reports it; the service re-invokes."""
    return ErrorObject(
        error_type="Sandbox.Timedout",
        error_message=f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
    )


def endpoint_variables(endpoint: str, region: str = "us-east-1") -> dict[str, str]:
    """What a process needs so the default boto3 ``lambda`` client talks to ``endpoint``."""
    return {
        "AWS_ENDPOINT_URL_LAMBDA": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def endpoint_environment(endpoint: str, region: str = "us-east-1") -> dict[str, str]:
    """This process's environment with ``endpoint_variables`` (and no AWS profile)."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
    env.update(endpoint_variables(endpoint, region))
    return env


INIT_SECONDS = 30.0
"""How long a process may take to import the handler before its invocation's clock
starts (Lambda allows 10 s of init; a loaded machine needs more)."""


class Watchdog:
    """Kills a process that runs past its time: ``INIT_SECONDS`` to load the handler,
    then, from ``started``, the invocation's timeout. ``fired`` says it did."""

    def __init__(self, process: subprocess.Popen[str], seconds: float) -> None:
        self.process = process
        self.seconds = seconds
        self.fired = threading.Event()
        self._timer: threading.Timer | None = None
        self._arm(INIT_SECONDS)

    def _arm(self, seconds: float) -> None:
        self.stop()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.fired.set()
        self.process.kill()

    def started(self) -> None:
        """The handler is loaded: its invocation's clock starts now."""
        self._arm(self.seconds)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


@frozen
class Final:
    """A process's answer for one invocation; ``retire``: the process cannot go on."""

    result: Result[InvocationOutput, ErrorObject]
    retire: bool = False


def converse(
    first: dict[str, Any],
    client: DurableServiceClient | None,
    to_child: IO[str],
    from_child: IO[str],
    sink: LogSink,
    watchdog: Watchdog,
) -> Final | None:
    """Send ``first``, answer the process's service calls and keep its log records until
    its final answer; None if it went away without one."""
    try:
        send(to_child, first)
    except OSError:
        return None
    for line in from_child:
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if "log" in message:
            sink(message["log"])
        elif "started" in message:
            watchdog.started()
        elif "method" in message and client is not None:
            try:
                send(to_child, serve_request(client, message))
            except OSError:
                return None
        elif "output" in message:
            return Final(validate_output(message["output"]))
        elif "raised" in message:
            return Final(_raised_error(message["raised"]), bool(message.get("retire")))
    return None


@frozen
class ProcessInvoker:
    """One subprocess per invocation; ``endpoint``: the child reaches the service by HTTP."""

    ref: HandlerRef
    python: str = sys.executable
    keep_stdout: bool = False
    endpoint: str | None = None
    timeout: float = INVOCATION_TIMEOUT_SECONDS
    """Seconds before a hung invocation is killed (``Sandbox.Timedout``)."""

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        event: dict[str, Any] = INVOCATION.encode(ticket.event)
        piped = client if self.endpoint is None else None  # by endpoint: HTTP only, like Lambda
        return self.run_event(event, ticket.arn, ticket.function_name, ticket.request_id, piped, sink)

    def run_event(
        self,
        event: Mapping[str, Any],
        arn: str,
        function_name: str,
        request_id: str,
        client: DurableServiceClient | None,
        sink: LogSink,
    ) -> Result[InvocationOutput, ErrorObject]:
        """Run the handler once on a raw invocation event (``client`` None: by endpoint only)."""
        env = endpoint_environment(self.endpoint) if self.endpoint is not None else None
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            proc = subprocess.Popen(
                [self.python, "-m", "lambda_durable.local.invoke.child", str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        except OSError as exc:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            return Failure(ErrorObject(error_type="Runtime.StartError", error_message=str(exc)))
        os.close(to_child_r)
        os.close(from_child_w)
        assert proc.stderr is not None and proc.stdout is not None
        pump = threading.Thread(target=_pump_stderr, args=(proc.stderr, sink), daemon=True)
        pump.start()
        printed = threading.Thread(
            target=_pump_stdout, args=(proc.stdout, arn, sink, self.keep_stdout), daemon=True
        )
        printed.start()
        init = {
            "ref": {"target": self.ref.target, "attribute": self.ref.attribute, "key": self.ref.key},
            "sys_path": list(sys.path),
            "event": dict(event),
            "context": {
                "request_id": request_id,
                "function_name": function_name,
                "function_arn": function_arn(function_name),
            },
            "client": "rpc" if client is not None else "endpoint",
        }
        watchdog = Watchdog(proc, self.timeout)
        with os.fdopen(to_child_w, "w") as to_child, os.fdopen(from_child_r, "r") as from_child:
            final = converse(init, client, to_child, from_child, sink, watchdog)
            returncode = proc.wait()
        watchdog.stop()
        pump.join(timeout=5)
        printed.join(timeout=5)
        if final is not None:
            return final.result
        if watchdog.fired.is_set():
            return Failure(timed_out(request_id, self.timeout))
        return Failure(exit_error(request_id, returncode))


def _raised_error(raised: dict[str, Any]) -> Result[InvocationOutput, ErrorObject]:
    stack = raised.get("StackTrace")
    return Failure(
        ErrorObject(
            error_type=str(raised.get("ErrorType", "Exception")),
            error_message=str(raised.get("ErrorMessage", "")),
            stack_trace=tuple(str(s) for s in stack) if isinstance(stack, list) else None,
        )
    )
