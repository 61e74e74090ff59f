"""``ServeBackend``: the conformance runner's ``Backend`` (and ``CallbackBackend``) driven
through ``lambda-durable serve`` by a real boto3 ``lambda`` client.

Each instance owns a fresh in-memory ``LocalBackend`` (skipping clock, as ``serve``
runs by default, or real time) behind a ``DurableServer`` on a free port, whose ``Pump``
runs every invocation in the background. Everything the runner reads or causes goes over
HTTP:

* start: ``Invoke`` with ``InvocationType=Event`` (the execution ARN comes back in
  ``X-Amz-Durable-Execution-Arn``); the runner then settles it itself;
* outcome: ``GetDurableExecution`` (Status, Result, Error);
* history: ``GetDurableExecutionHistory`` with ``IncludeExecutionData``, every page.
  The boto3 events are decoded into ``wire.Event`` only because the ``Backend``
  Protocol asks for them; the decode must round-trip to exactly the dict boto3 parsed,
  so the matcher sees what a client read over the wire, and a lossy decode is an error;
* callbacks: ``SendDurableExecutionCallbackSuccess``/``Failure``/``Heartbeat``.

Every response is checked against botocore's Lambda model (``ModelCheck``); a problem
fails the requirement. Two things do not go over HTTP, because the API has no way to:

* ``logs``: there is no logs API, so ``ExpectedLogs`` are read from the in-process
  backend behind the server (the same store ``serve`` writes them to);
* knowing when the server has gone idle (``run_until_idle``). The validator sleeps and
  polls; to make the "one re-invocation per answer" histories deterministic, this
  adapter asks the backend behind the server whether anything is left to run (no
  invocation in flight or wanted, no pending plain invoke, no wait or retry the pump
  is about to skip to). It only observes scheduling state, never reads results.

Time: the skipping pump skips waits and retries, but callback and heartbeat timeouts run
in real time on ``serve`` (an answer may still come), so a requirement that lets a
callback time out takes that many real seconds. A callback action's ``Delay`` is slept in
real time, as the validator does; the server's clock (real time plus skipped gaps) moves
with it. The stepwise ``CallbackBackend`` maps as: ``run_until_idle`` waits for the
quiescence above; ``advance_clock(seconds)`` sleeps; ``advance_clock(None)`` waits for the
execution to move by itself (the pump already skipped what it may).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from attrs import frozen
from botocore.exceptions import ClientError
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success
from serve_fixtures import make_client
from serve_helpers import TERMINAL, ModelCheck

from lambda_durable.client import ServiceError
from lambda_durable.conformance.handler_file import FUNCTIONS_ATTRIBUTE, HANDLERS_ATTRIBUTE, HandlerFile
from lambda_durable.local import HandlerRef, LocalBackend
from lambda_durable.local.invoke.pool import WorkerPool
from lambda_durable.local.http.server import DurableServer
from lambda_durable.wire import PYTHON, ErrorObject, Event

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import ErrorObjectTypeDef

POLL_SECONDS = 0.01
SETTLE_TIMEOUT = 120.0
"""Longest a requirement may take to settle (callback timeouts run in real time)."""
CHANGE_TIMEOUT = 30.0
"""How long ``advance_clock(None)`` waits for the execution to move by itself."""


class WireMismatch(AssertionError):
    """What the server sent does not survive the client's model or our decode intact."""


@frozen
class ServeOutcome:
    """``GetDurableExecution``'s answer, as the runner's ``Outcome`` reads it."""

    arn: str
    status: str
    result: str | None
    error: ErrorObject | None


class _ObservedBackend(LocalBackend):
    """A ``LocalBackend`` that counts the pump's ``step`` calls in flight, so the adapter
    can tell when the server has nothing left to run for an execution's family."""

    def __init__(self, real_time: bool) -> None:
        super().__init__(db=None, real_time=real_time, keep_stdout=True)
        self._skips = not real_time
        self._lock = threading.Lock()
        self._stepping: Counter[str] = Counter()

    def step(self, arn: str) -> bool:
        with self._lock:
            self._stepping[arn] += 1
        try:
            return super().step(arn)
        finally:
            with self._lock:
                self._stepping[arn] -= 1

    def _family(self, arn: str) -> list[str]:
        found = [arn]
        for member in found:  # grows while walking: children of children
            found += [c for c in self.service.children(member) if c not in found]
        return found

    def quiescent(self, arn: str) -> bool:
        """Nothing to run for ``arn``'s family until time or the outside world moves it:
        no step in flight, no invocation or plain invoke wanted, and on the skipping
        clock no wait or retry the pump is about to skip to (callback timeouts and the
        deadline always run in real time)."""
        family = self._family(arn)
        with self._lock:
            if any(self._stepping[member] for member in family):
                return False
        service = self.service
        return not any(
            service.wants_invocation(member)
            or service.pending_calls(member)
            or (self._skips and service.next_timer(member) is not None)
            for member in family
        )


def _references(handler_file: HandlerFile) -> dict[int, HandlerRef]:
    """Each handler of the file by identity -> how a worker process finds it."""
    found: dict[int, HandlerRef] = {}
    for attribute, entries in ((HANDLERS_ATTRIBUTE, handler_file.handlers), (FUNCTIONS_ATTRIBUTE, handler_file.functions)):
        for key, handler in entries.items():
            found[id(handler)] = HandlerRef(str(handler_file.path), attribute, key)
    return found


def _poll(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:.0f}s")
        time.sleep(POLL_SECONDS)


def _answer(call: Callable[[], object]) -> Result[None, str]:
    """A send's answer as the ``CallbackBackend`` Protocol has it: None or a Failure."""
    try:
        call()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return Failure(f"{error.get('Code')}: {error.get('Message')}")
    return Success(None)


class ServeBackend:
    """The conformance ``Backend`` and ``CallbackBackend`` over ``serve`` + boto3.

    ``real_time``: the server's clock is real time (``serve --real-time``), so waits take
    as long as on Lambda; else it skips waits and retries (``serve``'s default).
    ``pool``: the worker pool durable handlers run in (shared by many servers; the
    caller closes it), found by reference in ``handler_file``; None: in process."""

    def __init__(
        self, *, real_time: bool = False, pool: WorkerPool | None = None, handler_file: HandlerFile | None = None
    ) -> None:
        self.pool = pool
        self._refs = _references(handler_file) if handler_file is not None else {}
        self.backend = _ObservedBackend(real_time)
        self.server = DurableServer(self.backend, port=0).start()
        self.model_check = ModelCheck()
        self.client: LambdaClient = make_client(self.server.url, self.model_check)

    # --- Backend ------------------------------------------------------------------------

    def register(self, name: str, handler: Any, isolated: bool = False) -> None:
        """Functions are deployed, not created over the API: register them on the backend
        behind the server, as ``lambda-durable serve --handlers FILE`` does. With a
        worker pool (``serve``'s default) every durable handler, crashing or not, runs
        in a warm worker; else in this process, except an ``isolated`` one, whose
        subprocess checkpoints to the server over HTTP (``AWS_ENDPOINT_URL_LAMBDA``), as
        it would on Lambda. Plain invoke targets run in this process."""
        ref = handler if isinstance(handler, HandlerRef) else self._refs.get(id(handler))
        if ref is not None:
            self.server.api.refs[name] = ref
        durable = isinstance(handler, HandlerRef) or getattr(handler, "__durable_handler__", False) is True
        if self.pool is not None and durable and ref is not None:
            invoker = self.pool.invoker(ref, keep_stdout=True)
            self.backend.register(name, ref, durable=True, invoker=invoker)
        elif isolated:
            self.backend.register(name, handler, isolated=True, endpoint=self.server.url)
        else:
            self.backend.register(name, handler)

    def start(
        self, function_name: str, payload: str | None, execution_name: str | None = None
    ) -> Result[str, ServiceError]:
        kwargs: dict[str, Any] = {}
        if execution_name is not None:
            kwargs["DurableExecutionName"] = execution_name
        answer = self.client.invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=(payload or "").encode("utf-8"),
            **kwargs,
        )
        self._checked()
        arn = answer.get("DurableExecutionArn")
        if answer["StatusCode"] != 202 or not arn:
            raise WireMismatch(f"Invoke(Event) answered {answer['StatusCode']} without a durable execution ARN")
        return Success(arn)

    def describe(self, arn: str) -> ServeOutcome:
        found = self.client.get_durable_execution(DurableExecutionArn=arn)
        self._checked()
        error: ErrorObject | None = None
        if "Error" in found:
            decoded = PYTHON.decode(ErrorObject, dict(found["Error"]))
            if not is_successful(decoded):
                raise WireMismatch(f"GetDurableExecution Error: {decoded.failure()}")
            error = decoded.unwrap()
        return ServeOutcome(arn, found["Status"], found.get("Result"), error)

    def run_until_settled(self, arn: str) -> ServeOutcome:
        """The pump drives it; poll GetDurableExecution until it is terminal."""
        _poll(lambda: self.describe(arn).status in TERMINAL, SETTLE_TIMEOUT, f"{arn} did not settle")
        return self.describe(arn)

    def wire_history(self, arn: str) -> list[dict[str, Any]]:
        """Every event as boto3 parsed it, following NextMarker."""
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
        while True:
            page = self.client.get_durable_execution_history(**kwargs)
            self._checked()
            events += [dict(e) for e in page["Events"]]
            if not page.get("NextMarker"):
                return events
            kwargs["Marker"] = page["NextMarker"]

    def history(self, arn: str) -> Sequence[Event]:
        decoded: list[Event] = []
        for raw in self.wire_history(arn):
            event = PYTHON.decode(Event, raw)
            if not is_successful(event):
                raise WireMismatch(f"event {raw.get('EventId')}: {event.failure()}")
            again = PYTHON.encode(event.unwrap())
            if again != raw:
                raise WireMismatch(f"event {raw.get('EventId')} does not round-trip: read {raw}, decoded {again}")
            decoded.append(event.unwrap())
        return decoded

    def logs(self, arn: str) -> Sequence[Mapping[str, object]]:
        """Not over HTTP (there is no logs API): the records ``serve``'s backend kept."""
        return self.backend.logs(arn)

    def close(self) -> None:
        self.server.close()
        self.backend.close()

    # --- CallbackBackend -------------------------------------------------------------------

    def run_until_idle(self, arn: str) -> ServeOutcome:
        """Wait until the execution is terminal or the server has nothing to run for it."""
        _poll(
            lambda: self.describe(arn).status in TERMINAL or self.backend.quiescent(arn),
            SETTLE_TIMEOUT,
            f"{arn} did not go idle",
        )
        return self.describe(arn)

    def advance_clock(self, arn: str, seconds: float | None) -> bool:
        """There is no clock API over HTTP. ``seconds``: sleep them in real time (the
        server's clock moves with real time, and the pump skips what falls due). ``None``:
        wait for the execution to move by itself (a callback or heartbeat timeout, which
        runs in real time); False if it does not within ``CHANGE_TIMEOUT``."""
        if seconds is not None:
            time.sleep(seconds)
            return True
        before = (self.describe(arn).status, len(self.wire_history(arn)))
        try:
            _poll(
                lambda: (self.describe(arn).status, len(self.wire_history(arn))) != before,
                CHANGE_TIMEOUT,
                "nothing happened",
            )
        except TimeoutError:
            return False
        return True

    def send_callback_success(self, callback_id: str, result: str | None) -> object:
        kwargs: dict[str, Any] = {} if result is None else {"Result": result.encode("utf-8")}
        return self._send(lambda: self.client.send_durable_execution_callback_success(CallbackId=callback_id, **kwargs))

    def send_callback_failure(self, callback_id: str, error: ErrorObject) -> object:
        wire_error: ErrorObjectTypeDef = PYTHON.encode(error)
        return self._send(
            lambda: self.client.send_durable_execution_callback_failure(CallbackId=callback_id, Error=wire_error)
        )

    def send_callback_heartbeat(self, callback_id: str) -> object:
        return self._send(lambda: self.client.send_durable_execution_callback_heartbeat(CallbackId=callback_id))

    # --- helpers -----------------------------------------------------------------------------

    def _send(self, call: Callable[[], object]) -> Result[None, str]:
        answer = _answer(call)
        self._checked()
        return answer

    def _checked(self) -> None:
        if self.model_check.problems:
            raise WireMismatch("; ".join(self.model_check.problems))
