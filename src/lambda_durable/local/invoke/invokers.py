"""Running one handler invocation in this process (docs/protocol.md §6.3).

An invoker turns a ticket into the handler's validated output, or the ``ErrorObject``
of a failed invocation (raised, crashed, or returned something that is not an output).
The handler reaches the service through ``context.durable_service_client``.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
import traceback
from typing import Any, Protocol

from attrs import field, frozen
from returns.result import Failure, Result

from lambda_durable.client import DurableServiceClient
from lambda_durable.local.engine.service import InvocationTicket
from lambda_durable.local.engine.tokens import function_arn
from lambda_durable.local.invoke.handler_ref import Handler
from lambda_durable.local.invoke.logs import LogSink, capture_logs, capture_stdout
from lambda_durable.wire import INVOCATION, ErrorObject, InvocationOutput

INVOCATION_TIMEOUT_SECONDS = 900


class Invoker(Protocol):
    """Runs one invocation; never raises for anything the handler does."""

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]: ...


@frozen
class LambdaContext:
    """Lambda's context object as a handler on Lambda sees it: no service client (a
    child process reaching ``serve`` through ``AWS_ENDPOINT_URL_LAMBDA`` gets this)."""

    aws_request_id: str
    function_name: str
    invoked_function_arn: str
    deadline: float = field(factory=lambda: time.monotonic() + INVOCATION_TIMEOUT_SECONDS)
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@frozen
class LocalLambdaContext(LambdaContext):
    """The same, carrying the local service's client (in-process and pipe invocations)."""

    durable_service_client: DurableServiceClient = field(kw_only=True)

    @classmethod
    def for_ticket(cls, ticket: InvocationTicket, client: DurableServiceClient) -> LocalLambdaContext:
        return cls(
            aws_request_id=ticket.request_id,
            function_name=ticket.function_name,
            invoked_function_arn=function_arn(ticket.function_name),
            durable_service_client=client,
        )


def exception_error(exc: BaseException) -> ErrorObject:
    """How a handler's uncaught exception is recorded on ``InvocationCompleted``."""
    return ErrorObject(
        error_type=type(exc).__name__,
        error_message=str(exc),
        stack_trace=tuple(traceback.format_exception(exc)),
    )


def validate_output(output: object) -> Result[InvocationOutput, ErrorObject]:
    """The handler's return value as an ``InvocationOutput``, or why it is not one."""
    return INVOCATION.decode(InvocationOutput, output).alt(
        lambda err: ErrorObject(error_type="Runtime.InvalidOutput", error_message=str(err))
    )


@frozen
class InProcessInvoker:
    """Calls the handler directly with the JSON event and a local Lambda context."""

    handler: Handler
    keep_stdout: bool = False

    def invoke(
        self, ticket: InvocationTicket, client: DurableServiceClient, sink: LogSink
    ) -> Result[InvocationOutput, ErrorObject]:
        event: dict[str, Any] = INVOCATION.encode(ticket.event)
        context = LocalLambdaContext.for_ticket(ticket, client)
        printed = capture_stdout(ticket.arn, sink) if self.keep_stdout else nullcontext()
        with capture_logs(ticket.arn, sink), printed:
            try:
                output: object = self.handler(event, context)
            except (Exception, SystemExit) as exc:
                return Failure(exception_error(exc))
        return validate_output(output)
