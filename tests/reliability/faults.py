"""Checkpoint fault injection: a service client that fails some calls the ways a network
and a busy service do, and an invoker that hands it to the handler.

The faults are those a handler on Lambda meets calling the durable-execution APIs:
throttling (429), a server error (500), a connection reset, a read timeout, and the
worst one, a response lost after the service applied the call. Each is what
``Boto3ServiceClient`` returns for it, so the SDK sees exactly what it would: a
retryable ``ServiceError``, which ends the invocation with an error the service retries.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TypeVar

from attrs import frozen
from returns.result import Failure, Result

from lambda_durable.client import DurableServiceClient, ServiceError
from lambda_durable.local.engine.service import InvocationTicket
from lambda_durable.local.invoke.invokers import Invoker
from lambda_durable.local.invoke.logs import LogSink
from lambda_durable.wire import CheckpointOutput, ErrorObject, ExecutionStatePage, InvocationOutput, OperationUpdate

R = TypeVar("R")


class Fault(Enum):
    THROTTLED = ServiceError("TooManyRequestsException", "Rate exceeded", 429)
    SERVER_ERROR = ServiceError("ServiceException", "Internal failure", 500)
    CONNECTION_RESET = ServiceError("ConnectionClosedError", "Connection was closed before we received a valid response")
    READ_TIMEOUT = ServiceError("ReadTimeoutError", "Read timeout on endpoint URL")
    LOST_RESPONSE = ServiceError("ConnectionClosedError", "Connection was closed after the request was sent")
    """The service applied the call; its answer never arrived."""


class FaultPlan:
    """Which calls fail: a seeded draw per call, ``rate`` of them, kinds in turn at random.
    Counts what it injected (thread-safe)."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: Counter[Fault] = Counter()
        self.calls = 0

    def draw(self) -> Fault | None:
        with self._lock:
            self.calls += 1
            if self._rng.random() >= self.rate:
                return None
            fault = self._rng.choice(list(Fault))
            self.injected[fault] += 1
            return fault


@frozen
class FaultyClient:
    """``inner`` with the faults of ``plan``."""

    inner: DurableServiceClient
    plan: FaultPlan

    def checkpoint(
        self, durable_execution_arn: str, checkpoint_token: str, updates: Sequence[OperationUpdate]
    ) -> Result[CheckpointOutput, ServiceError]:
        return self._call(lambda: self.inner.checkpoint(durable_execution_arn, checkpoint_token, updates))

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> Result[ExecutionStatePage, ServiceError]:
        return self._call(
            lambda: self.inner.get_execution_state(durable_execution_arn, checkpoint_token, marker, max_items)
        )

    def _call(self, call: Callable[[], Result[R, ServiceError]]) -> Result[R, ServiceError]:
        fault = self.plan.draw()
        if fault is None:
            return call()
        if fault is Fault.LOST_RESPONSE:
            call()  # applied by the service; the answer is lost on the way back
        return Failure(fault.value)


@frozen
class FaultyInvoker:
    """Runs ``inner`` with the service behind a ``FaultyClient``."""

    inner: Invoker
    plan: FaultPlan

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        return self.inner.invoke(ticket, FaultyClient(client, self.plan), sink)
