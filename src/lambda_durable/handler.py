"""``durable_handler``: turns a workflow function into a Lambda handler that speaks the
durable-execution invocation protocol (docs/protocol.md §2)."""

from __future__ import annotations

import inspect
import json
import logging
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

from cattrs import Converter
from returns.io import IOResult, IOSuccess
from returns.result import Failure, Result, Success
from returns.unsafe import unsafe_perform_io

from lambda_durable.aio.context import AsyncDurableContext
from lambda_durable.aio.runner import run_async_handler
from lambda_durable.client import Boto3ServiceClient, DurableServiceClient, ServiceError, injected_client
from lambda_durable.context import DurableContext
from lambda_durable.errors import DurableError, error_object_from_exception
from lambda_durable.plugins import DurablePlugin
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.signals import AbortInvocation, ExecutionEnded, FailExecution, Suspend
from lambda_durable.runtime.codec import to_json
from lambda_durable.runtime.state import MAX_RESPONSE_CHARS, ExecutionState
from lambda_durable.serdes import default_converter, structure_error_text
from lambda_durable.wire import (
    INVOCATION,
    ErrorObject,
    InvocationInput,
    InvocationOutput,
    InvocationStatus,
    Operation,
    OperationAction,
)

E = TypeVar("E")
R = TypeVar("R")

DEFAULT_LOGGER_NAME = "lambda_durable.user"


class InvalidInvocationEvent(ValueError):
    """The event is not a durable-execution invocation (is durability configured?)."""


class ServiceUnavailable(RuntimeError):
    """A retryable checkpoint-service failure: Lambda retries the invocation."""


class DurableHandler(Generic[E, R]):
    """A Lambda handler ``(event, context) -> dict`` wrapping a durable workflow."""

    __durable_handler__ = True

    def __init__(
        self,
        fn: Callable[[E, DurableContext], Any] | Callable[[E, AsyncDurableContext], Awaitable[Any]],
        *,
        converter: Converter | None = None,
        client: DurableServiceClient | None = None,
        logger: Logger | None = None,
        plugins: Sequence[DurablePlugin] = (),
    ) -> None:
        self.fn = fn
        self.converter = converter or default_converter()
        self._client = client
        self._logger = logger
        self._plugins = _checked_plugins(plugins)
        self._input_type = _input_type(fn)
        self._is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
        self.__name__ = getattr(fn, "__name__", "durable_handler")
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, event: Any, context: Any = None) -> dict[str, Any]:
        invocation = _parse_event(event)
        client = injected_client(context) or self._client or self._default_client()
        loaded = _load_operations(client, invocation)
        if isinstance(loaded, InvocationOutput):
            return _encode(loaded)
        state = ExecutionState(
            arn=invocation.durable_execution_arn,
            token=invocation.checkpoint_token,
            client=client,
            operations=loaded,
            converter=self.converter,
            logger=self._logger or _default_logger(),
            lambda_context=context,
            plugins=self._plugins,
        )
        hooks = state.hooks
        if hooks is None:
            return _encode(_oversized_failure(state, self._invoke(state)))
        hooks.invocation_started(getattr(context, "aws_request_id", None), invocation.updated_operation_ids)
        try:
            output = _oversized_failure(state, self._invoke(state))
        except Exception as exc:  # Lambda retries the invocation: the execution goes on
            hooks.invocation_ended(InvocationStatus.PENDING, error_object_from_exception(exc))
            raise
        hooks.invocation_ended(output.status, output.error)
        return _encode(output)

    def _default_client(self) -> DurableServiceClient:
        if self._client is None:
            self._client = Boto3ServiceClient.default()
        return self._client

    def _invoke(self, state: ExecutionState) -> InvocationOutput:
        try:
            match self._user_input(state):
                case Failure(error):
                    outcome: InvocationOutput = _failed(error)
                case Success(user_input):
                    outcome = self._outcome(state, self._run(user_input, state))
            if state.poisoned is not None:
                outcome = InvocationOutput(InvocationStatus.FAILED, error=state.poisoned)
            state.checkpointer.flush()
            return outcome
        except Suspend:
            return _settle(state, InvocationOutput(InvocationStatus.PENDING))
        except FailExecution as stop:
            return _settle(state, InvocationOutput(InvocationStatus.FAILED, error=stop.error))
        except ExecutionEnded:
            return _ended(state)
        except AbortInvocation as abort:
            return _aborted(abort)
        except Exception as exc:
            return _settle(state, _failed_exc(exc))

    def _run(self, user_input: Any, state: ExecutionState) -> object:
        """Call the workflow: an ``async def`` one on an event loop of its own."""
        if self._is_async:
            return run_async_handler(self.fn, user_input, state)  # type: ignore[arg-type]
        return self.fn(user_input, DurableContext(Scope(state, prefix=None, parent_id=None)))  # type: ignore[arg-type]

    def _user_input(self, state: ExecutionState) -> Result[Any, DurableError]:
        raw = state.input_payload()
        text = raw if raw and raw.strip() else "{}"
        try:
            data = json.loads(text)
        except ValueError as exc:
            return Failure(DurableError(_input_error(f"the execution input is not JSON: {exc}")))
        if self._input_type is None:
            return Success(data)
        try:
            return Success(self.converter.structure(data, self._input_type))
        except Exception as exc:
            shown = getattr(self._input_type, "__name__", None) or repr(self._input_type)
            message = f"the execution input does not fit {shown}: {structure_error_text(exc)}"
            return Failure(DurableError(_input_error(message)))

    def _outcome(self, state: ExecutionState, returned: object) -> InvocationOutput:
        if isinstance(returned, IOResult):  # the end of a returns.future pipeline
            returned = _performed(returned)
        match returned:
            case Success(value):
                returned = value
            case Failure(DurableError() as error):
                return _failed(error)
            case Failure(other):
                error_object = ErrorObject(error_type=type(other).__name__, error_message=str(other))
                return InvocationOutput(InvocationStatus.FAILED, error=error_object)
        match to_json(returned, self.converter):
            case Success(payload):
                if state.complete_if_large(payload):
                    return InvocationOutput(InvocationStatus.SUCCEEDED, result="")
                return InvocationOutput(InvocationStatus.SUCCEEDED, result=payload)
            case unwritable:
                return _failed(unwritable.failure())


class HandlerDecorator(Protocol):
    """``durable_handler(...)`` with options: it then decorates a sync or async workflow."""

    @overload
    def __call__(self, fn: Callable[[E, AsyncDurableContext], Awaitable[Any]], /) -> DurableHandler[E, Any]: ...

    @overload
    def __call__(self, fn: Callable[[E, DurableContext], Any], /) -> DurableHandler[E, Any]: ...


@overload
def durable_handler(fn: Callable[[E, AsyncDurableContext], Awaitable[Any]], /) -> DurableHandler[E, Any]: ...


@overload
def durable_handler(fn: Callable[[E, DurableContext], Any], /) -> DurableHandler[E, Any]: ...


@overload
def durable_handler(
    *,
    converter: Converter | None = None,
    client: DurableServiceClient | None = None,
    logger: Logger | None = None,
    plugins: Sequence[DurablePlugin] = (),
) -> HandlerDecorator: ...


def durable_handler(
    fn: Callable[[Any, Any], Any] | None = None,
    /,
    *,
    converter: Converter | None = None,
    client: DurableServiceClient | None = None,
    logger: Logger | None = None,
    plugins: Sequence[DurablePlugin] = (),
) -> DurableHandler[Any, Any] | HandlerDecorator:
    """Make ``fn(event, ctx)`` a Lambda handler for a durable function.

    ``fn`` is a plain function taking a ``DurableContext``, or an ``async def`` taking an
    ``AsyncDurableContext`` (it then runs on an event loop of its own per invocation).
    ``converter`` structures the input and serializes results (default:
    ``serdes.default_converter()``); ``client`` replaces the boto3 checkpoint client;
    ``logger`` is what ``ctx.logger`` writes through; ``plugins`` (``DurablePlugin``
    instances, called in this order) observe every invocation (docs/observability.md).
    """

    checked = _checked_plugins(plugins)

    def wrap(inner: Callable[[Any, Any], Any]) -> DurableHandler[Any, Any]:
        return DurableHandler(inner, converter=converter, client=client, logger=logger, plugins=checked)

    return wrap(fn) if fn is not None else wrap


# --- helpers -------------------------------------------------------------------


def _parse_event(event: Any) -> InvocationInput:
    if not isinstance(event, Mapping) or "DurableExecutionArn" not in event or "CheckpointToken" not in event:
        raise InvalidInvocationEvent(
            "unexpected invocation payload: a durable handler needs DurableExecutionArn and "
            "CheckpointToken (is durable execution configured for this function?)"
        )
    decoded = INVOCATION.decode(InvocationInput, event)
    invocation = decoded.value_or(None)
    if invocation is None:
        raise InvalidInvocationEvent(f"unexpected invocation payload: {decoded.failure()}")
    return invocation


def _load_operations(
    client: DurableServiceClient, invocation: InvocationInput
) -> list[Operation] | InvocationOutput:
    """The initial state plus every further page (docs/protocol.md §2.2)."""
    page = invocation.initial_execution_state
    operations = list(page.operations)
    marker = page.next_marker
    while marker:
        result = client.get_execution_state(
            invocation.durable_execution_arn, invocation.checkpoint_token, marker
        )
        match result:
            case Success(next_page):
                operations.extend(next_page.operations)
                marker = next_page.next_marker
            case Failure(error):
                return _aborted(AbortInvocation(error, "GetDurableExecutionState"))
    return operations


def _input_type(fn: Callable[..., Any]) -> Any:
    """The first parameter's annotation; None means 'pass the JSON through'."""
    try:
        params = list(inspect.signature(fn).parameters.values())
        hints = typing.get_type_hints(fn)
    except (TypeError, ValueError, NameError):
        return None
    if not params:
        return None
    annotation = hints.get(params[0].name)
    if annotation is None or annotation is Any or annotation is object:
        return None
    origin = typing.get_origin(annotation) or annotation
    if origin in (dict, Mapping, typing.Mapping):
        return None
    return annotation


def _checked_plugins(plugins: Sequence[DurablePlugin]) -> tuple[DurablePlugin, ...]:
    """The plugins as given, refused at decoration time if one is not a ``DurablePlugin``
    (a hook that cannot be called would only show up as a logged warning later)."""
    if isinstance(plugins, DurablePlugin):
        raise TypeError("plugins takes a list of DurablePlugin instances, got a single plugin")
    checked = tuple(plugins)
    wrong = [p for p in checked if not isinstance(p, DurablePlugin)]
    if wrong:
        raise TypeError(f"plugins must be DurablePlugin instances, got {wrong[0]!r}")
    return checked


def _default_logger() -> logging.Logger:
    logger = logging.getLogger(DEFAULT_LOGGER_NAME)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def _input_error(message: str) -> ErrorObject:
    return ErrorObject(error_type="SerdesFailed", error_message=message)


def _failed(error: DurableError) -> InvocationOutput:
    return InvocationOutput(InvocationStatus.FAILED, error=error.error)


def _failed_exc(exc: BaseException) -> InvocationOutput:
    return InvocationOutput(InvocationStatus.FAILED, error=error_object_from_exception(exc))


def _settle(state: ExecutionState, outcome: InvocationOutput) -> InvocationOutput:
    """Flush what is queued, then report ``outcome`` (or the flush's own failure)."""
    try:
        state.checkpointer.flush()
    except AbortInvocation as abort:
        return _aborted(abort)
    except ExecutionEnded:
        return _ended(state)
    return outcome


def _ended(state: ExecutionState) -> InvocationOutput:
    """The execution was completed through a checkpoint; the response only confirms it."""
    if state.completed_with is InvocationStatus.FAILED:
        return InvocationOutput(InvocationStatus.FAILED)
    return InvocationOutput(InvocationStatus.SUCCEEDED, result="")


def _aborted(abort: AbortInvocation) -> InvocationOutput:
    error: ServiceError = abort.error
    if error.retryable:
        raise ServiceUnavailable(str(abort)) from None
    error_type = "GetExecutionStateError" if abort.operation == "GetDurableExecutionState" else "CheckpointError"
    return InvocationOutput(
        InvocationStatus.FAILED,
        error=ErrorObject(error_type=error_type, error_message=str(error)),
    )


def _oversized_failure(state: ExecutionState, output: InvocationOutput) -> InvocationOutput:
    """A failure too large for the response is checkpointed instead (docs/protocol.md §2.5)."""
    if output.status is not InvocationStatus.FAILED or output.error is None:
        return output
    if len(json.dumps(INVOCATION.encode(output))) <= MAX_RESPONSE_CHARS or state.checkpointer.ended:
        return output
    try:
        state.complete(OperationAction.FAIL, error=output.error)
    except AbortInvocation as abort:
        return _aborted(abort)
    except ExecutionEnded:
        pass
    return InvocationOutput(InvocationStatus.FAILED)


def _performed(returned: IOResult[Any, Any]) -> Result[Any, Any]:
    """An ``IOResult`` as the ``Result`` it holds."""
    if isinstance(returned, IOSuccess):
        return Success(unsafe_perform_io(returned.unwrap()))
    return Failure(unsafe_perform_io(returned.failure()))


def _encode(output: InvocationOutput) -> dict[str, Any]:
    encoded: dict[str, Any] = INVOCATION.encode(output)
    return encoded
