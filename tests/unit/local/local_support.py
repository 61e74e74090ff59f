"""Helpers for the local-backend tests: hand-written handlers speak the wire protocol
through ``context.durable_service_client`` directly (no SDK involved)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from returns.result import Result, Success

from lambda_durable.client import DurableServiceClient, ServiceError
from lambda_durable.local.engine.clock import Clock
from lambda_durable.local.engine.service import InvocationTicket, LocalService
from lambda_durable.local.engine.store import Store
from lambda_durable.wire import (
    INVOCATION,
    CallbackOptions,
    ChainedInvokeOptions,
    CheckpointOutput,
    ErrorObject,
    Event,
    InvocationOutput,
    InvocationStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
    StepOptions,
    WaitOptions,
)

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
A = OperationAction
OT = OperationType


class ManualClock:
    """Time that moves only when told to (``sleep_until`` jumps, ``advance`` steps)."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def sleep_until(self, moment: datetime) -> None:
        self.current = max(self.current, moment)

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Session:
    """One invocation's view: the client, the ARN and the current token."""

    def __init__(self, event: dict[str, Any], context: Any) -> None:
        self.client: DurableServiceClient = context.durable_service_client
        self.arn: str = event["DurableExecutionArn"]
        self.token: str = event["CheckpointToken"]
        self.ops: dict[str, dict[str, Any]] = {
            op["Id"]: op for op in event["InitialExecutionState"]["Operations"]
        }
        self.updated: list[str] = list(event.get("UpdatedOperationIds", []))
        self.ticket: InvocationTicket | None = None

    def try_checkpoint(self, *updates: OperationUpdate) -> Result[CheckpointOutput, ServiceError]:
        answer = self.client.checkpoint(self.arn, self.token, list(updates))
        out = answer.value_or(None)
        if out is not None and out.checkpoint_token is not None:
            self.token = out.checkpoint_token
        return answer

    def checkpoint(self, *updates: OperationUpdate) -> CheckpointOutput:
        return self.try_checkpoint(*updates).unwrap()

    def status(self, op_id: str) -> str | None:
        op = self.ops.get(op_id)
        return None if op is None else str(op["Status"])


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def step(op_id: str, action: OperationAction, **kw: Any) -> OperationUpdate:
    kw.setdefault("sub_type", "Step")
    return OperationUpdate(id=op_id, type=OT.STEP, action=action, **kw)


def retry(op_id: str, delay: int, error: ErrorObject | None = None, payload: str | None = None) -> OperationUpdate:
    return step(op_id, A.RETRY, step_options=StepOptions(delay), error=error, payload=payload)


def wait(op_id: str, seconds: int, **kw: Any) -> OperationUpdate:
    kw.setdefault("sub_type", "Wait")
    return OperationUpdate(id=op_id, type=OT.WAIT, action=A.START, wait_options=WaitOptions(seconds), **kw)


def context_op(op_id: str, action: OperationAction, **kw: Any) -> OperationUpdate:
    kw.setdefault("sub_type", "RunInChildContext")
    return OperationUpdate(id=op_id, type=OT.CONTEXT, action=action, **kw)


def succeeded(result: str = '"ok"') -> dict[str, Any]:
    return {"Status": "SUCCEEDED", "Result": result}


PENDING: dict[str, Any] = {"Status": "PENDING"}


def kinds(events: tuple[Event, ...] | list[Event]) -> list[str]:
    """``EventType`` values in order: what most assertions compare."""
    return [e.event_type.value for e in events]


def open_invocation(service: LocalService, arn: str) -> InvocationTicket:
    return service.begin_invocation(arn).unwrap()


def new_service(clock: Clock | None = None, **kw: Any) -> tuple[LocalService, ManualClock | Clock]:
    used: Clock = clock if clock is not None else ManualClock()
    return LocalService(Store(":memory:"), used, **kw), used


def callback(op_id: str, timeout: int = 0, heartbeat: int = 0, **kw: Any) -> OperationUpdate:
    kw.setdefault("sub_type", "Callback")
    options = CallbackOptions(timeout_seconds=timeout, heartbeat_timeout_seconds=heartbeat)
    return OperationUpdate(id=op_id, type=OT.CALLBACK, action=A.START, callback_options=options, **kw)


def invoke(op_id: str, function_name: str, payload: str | None = "null", **kw: Any) -> OperationUpdate:
    tenant = kw.pop("tenant_id", None)
    kw.setdefault("sub_type", "ChainedInvoke")
    options = ChainedInvokeOptions(function_name=function_name, tenant_id=tenant)
    return OperationUpdate(
        id=op_id, type=OT.CHAINED_INVOKE, action=A.START, payload=payload, chained_invoke_options=options, **kw
    )


def open_session(service: LocalService, arn: str) -> Session:
    """Begin an invocation by hand and view it as a handler would."""
    ticket = service.begin_invocation(arn).unwrap()
    session = Session(INVOCATION.encode(ticket.event), SimpleNamespace(durable_service_client=service))
    session.ticket = ticket
    return session


def end_session(service: LocalService, session: Session, output: InvocationOutput | None = None) -> None:
    assert session.ticket is not None
    service.finish_invocation(session.ticket, Success(output or InvocationOutput(InvocationStatus.PENDING)))


def callback_id_of(out: CheckpointOutput, op_id: str) -> str:
    op = next(o for o in out.new_execution_state.operations if o.id == op_id)
    assert op.callback_details is not None
    return op.callback_details.callback_id
