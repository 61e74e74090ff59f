"""Warm worker processes for ``serve``, so a handler that crashes never takes the server down.

Like Lambda's execution environments: a pool of at most ``size`` worker processes
(``worker``), started on demand and reused, one invocation at a time each. A worker
that exits, is killed, segfaults, runs out of memory or outlives its invocation's
timeout is dropped, its invocation ends as a failed invocation (``Runtime.ExitError``,
``Runtime.OutOfMemory``, ``Sandbox.Timedout``) that the service re-invokes, and the
next invocation that needs a worker starts a new one. An invocation waits while all
workers are busy.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
from typing import IO, Any

from attrs import frozen
from returns.result import Failure, Result

from lambda_durable.client import DurableServiceClient
from lambda_durable.local.engine.service import InvocationTicket
from lambda_durable.local.engine.tokens import function_arn
from lambda_durable.local.invoke.handler_ref import HandlerRef
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS
from lambda_durable.local.invoke.isolated import Watchdog, converse, endpoint_variables, exit_error, timed_out
from lambda_durable.local.invoke.logs import LogSink
from lambda_durable.wire import INVOCATION, ErrorObject, InvocationOutput

CLOSE_SECONDS = 5.0
"""How long a closing pool lets an idle worker exit by itself before killing it."""


PIPE_BYTES = 1024 * 1024
"""Pipe capacity asked for: a checkpoint of many operations then fits in the pipe, so
neither side blocks mid-message waiting for the other to be scheduled."""


def _widen(fd: int) -> None:
    """Ask Linux for a larger pipe; elsewhere, or over the system's limit, keep it."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        try:
            fcntl.fcntl(fd, set_size, PIPE_BYTES)
        except OSError:
            pass


class _Process:
    """One worker process and the parent's ends of its pipes."""

    def __init__(self, python: str, hello: dict[str, Any]) -> None:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [python, "-m", "lambda_durable.local.invoke.worker", str(to_worker_r), str(from_worker_w)],
                pass_fds=(to_worker_r, from_worker_w),
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            for fd in (to_worker_r, to_worker_w, from_worker_r, from_worker_w):
                os.close(fd)
            raise
        os.close(to_worker_r)
        os.close(from_worker_w)
        for fd in (to_worker_w, from_worker_r):
            _widen(fd)
        self.to_worker: IO[str] = os.fdopen(to_worker_w, "w")
        self.from_worker: IO[str] = os.fdopen(from_worker_r, "r")
        self.to_worker.write(json.dumps(hello) + "\n")
        self.to_worker.flush()

    def finish(self, wait: float) -> int:
        """Close the pipes (an idle worker then exits), kill it after ``wait``; its status."""
        for stream in (self.to_worker, self.from_worker):
            try:
                stream.close()
            except OSError:
                pass
        try:
            return self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class WorkerPool:
    """At most ``size`` warm workers (default: the CPU count); ``memory_mb`` caps each
    worker's address space. Thread-safe; ``close`` ends every worker, busy ones too."""

    def __init__(self, size: int | None = None, *, memory_mb: int | None = None, python: str = sys.executable) -> None:
        self.size = size if size is not None else (os.cpu_count() or 1)
        if self.size < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {self.size}")
        if memory_mb is not None and memory_mb < 1:
            raise ValueError(f"memory_mb must be positive, not {memory_mb}")
        self._hello = {"sys_path": list(sys.path), "memory_mb": memory_mb}
        self._python = python
        self._cond = threading.Condition()
        self._idle: list[_Process] = []
        self._busy: set[_Process] = set()
        self._starting = 0
        self._closed = False
        self.started = 0
        """Workers started so far (a crashed worker's replacement counts)."""

    def invoker(
        self,
        ref: HandlerRef,
        *,
        timeout: float = INVOCATION_TIMEOUT_SECONDS,
        endpoint: str | None = None,
        keep_stdout: bool = False,
    ) -> PooledInvoker:
        """An invoker running ``ref`` in this pool; ``endpoint``: the handler gets no client
        and reaches the service there over HTTP (handlers of other SDKs)."""
        if timeout <= 0:
            raise ValueError(f"an invocation timeout must be positive, not {timeout}")
        return PooledInvoker(self, ref, timeout, endpoint, keep_stdout)

    def run(
        self,
        request: dict[str, Any],
        client: DurableServiceClient | None,
        sink: LogSink,
        timeout: float,
    ) -> Result[InvocationOutput, ErrorObject]:
        """Run one invocation in a worker (``request``: the worker's ``invoke`` message)."""
        request_id = str(request["context"]["request_id"])
        acquired = self._acquire()
        if isinstance(acquired, str):
            return Failure(ErrorObject(error_type="Runtime.StartError", error_message=acquired))
        watchdog = Watchdog(acquired.process, timeout)
        final = converse({"invoke": request}, client, acquired.to_worker, acquired.from_worker, sink, watchdog)
        watchdog.stop()
        healthy = final is not None and not final.retire and not watchdog.fired.is_set()
        returncode = self._release(acquired, healthy)
        if final is not None:
            return final.result
        if watchdog.fired.is_set():
            return Failure(timed_out(request_id, timeout))
        return Failure(exit_error(request_id, returncode or 0))  # dropped: its status is known

    def _acquire(self) -> _Process | str:
        with self._cond:
            while not self._idle and self._count() >= self.size and not self._closed:
                self._cond.wait()
            if self._closed:
                return "the worker pool is closed"
            if self._idle:
                found = self._idle.pop()
                self._busy.add(found)
                return found
            self._starting += 1
        return self._spawn(busy=True)

    def _count(self) -> int:
        return len(self._idle) + len(self._busy) + self._starting

    def _spawn(self, *, busy: bool) -> _Process | str:
        """Start the worker counted in ``_starting``, as busy or idle."""
        try:
            started = _Process(self._python, self._hello)
        except OSError as exc:
            with self._cond:
                self._starting -= 1
                self._cond.notify()
            return f"cannot start a worker: {exc}"
        with self._cond:
            self._starting -= 1
            self.started += 1
            late = self._closed and not busy  # warmed while closing: nobody will use it
            if not late:
                (self._busy.add if busy else self._idle.append)(started)
            self._cond.notify()
        if late:
            started.finish(CLOSE_SECONDS)
        return started

    def warm(self) -> None:
        """Start the missing workers now, in the background, so the first invocations
        find them ready (their imports take a good fraction of a second)."""
        threading.Thread(target=self._fill, name="lambda-durable-warm", daemon=True).start()

    def _fill(self) -> None:
        while True:
            with self._cond:
                if self._closed or self._count() >= self.size:
                    return
                self._starting += 1
            if isinstance(self._spawn(busy=False), str):
                return

    def _release(self, process: _Process, healthy: bool) -> int | None:
        """Back to the idle workers, or dropped (its exit status)."""
        with self._cond:
            self._busy.discard(process)
            keep = healthy and not self._closed
            if keep:
                self._idle.append(process)
            self._cond.notify()
        return None if keep else process.finish(CLOSE_SECONDS)

    def close(self) -> None:
        """End every worker: idle ones exit, busy ones are killed (their invocations fail)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            self._cond.notify_all()
        for process in busy:
            process.process.kill()
        for process in idle:
            process.finish(CLOSE_SECONDS)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@frozen
class PooledInvoker:
    """Runs one function's invocations in a ``WorkerPool`` (see ``WorkerPool.invoker``)."""

    pool: WorkerPool
    ref: HandlerRef
    timeout: float
    endpoint: str | None
    keep_stdout: bool

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        request: dict[str, Any] = {
            "ref": {"target": self.ref.target, "attribute": self.ref.attribute, "key": self.ref.key},
            "event": INVOCATION.encode(ticket.event),
            "context": {
                "request_id": ticket.request_id,
                "function_name": ticket.function_name,
                "function_arn": function_arn(ticket.function_name),
            },
            "timeout": self.timeout,
            "keep_stdout": self.keep_stdout,
        }
        if self.endpoint is not None:
            request["environment"] = endpoint_variables(self.endpoint)
            return self.pool.run(request, None, sink, self.timeout)
        return self.pool.run(request, client, sink, self.timeout)
