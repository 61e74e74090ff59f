"""``DurableContext``: the typed facade user code talks to. The work lives in operations/."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from attrs import frozen
from returns.io import IO, IOResult
from returns.maybe import Maybe
from returns.result import Failure, Result, Success

from lambda_durable.config import ChildConfig, Duration, NoSerdes, StepConfig
from lambda_durable.errors import DurableError, SerdesFailed, error_object_from_exception
from lambda_durable.operations.child import run_child
from lambda_durable.operations.step import StepContext, StepFn, run_step
from lambda_durable.operations.wait import run_wait
from lambda_durable.runtime.logger import LogInfo, Logger, ReplayAwareLogger
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.signals import ExecutionEnded
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.values import DurableOutput
from lambda_durable.wire import (
    ErrorObject,
    InvocationStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
)

A = TypeVar("A")
T = TypeVar("T")

MAX_RESPONSE_CHARS = 6 * 1024 * 1024 - 50
"""The Lambda response budget the SDK leaves for a result (PROTOCOL.md §2.5)."""


@frozen
class OperationIdentifier:
    """The id, parent and name the next operation of a context will be recorded under."""

    operation_id: str
    parent_id: str | None
    name: str | None


class DurableContext:
    """Durable operations for one context (the root, or a child/branch)."""

    def __init__(self, scope: Scope, logger: Logger | None = None) -> None:
        self._scope = scope
        self._user_logger = logger

    # --- steps ----------------------------------------------------------------

    @overload
    def step(
        self,
        fn: StepFn[DurableOutput],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Result[DurableOutput, DurableError]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], IOResult[DurableOutput, Exception]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Result[DurableOutput, DurableError]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], IO[DurableOutput]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Result[DurableOutput, DurableError]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Result[DurableOutput, Exception]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Result[DurableOutput, DurableError]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], IOResult[A, Exception] | IO[A] | Result[A, Exception] | A],
        *,
        name: str | None = None,
        config: StepConfig[A],
    ) -> Result[A, DurableError]: ...

    def step(
        self,
        fn: Callable[[StepContext], Any],
        *,
        name: str | None = None,
        config: StepConfig[Any] | None = None,
    ) -> Result[Any, DurableError]:
        """Run ``fn`` as a checkpointed step: once per attempt, replayed from the log after.

        The body may return a value, a ``Result``, an ``IO`` or an ``IOResult``; a raise or
        a ``Failure`` is a failed attempt, retried per ``config.retry_strategy``.
        """
        return self._call(lambda: run_step(self._scope, fn, name, config))

    # --- waits ----------------------------------------------------------------

    def wait(self, duration: Duration, *, name: str | None = None) -> Result[None, DurableError]:
        """Pause the execution for ``duration`` without holding a Lambda invocation."""
        return self._call(lambda: run_wait(self._scope, duration, name))

    # --- child contexts -------------------------------------------------------

    @overload
    def run_in_child_context(
        self,
        fn: Callable[[DurableContext], Result[DurableOutput, DurableError]],
        *,
        name: str | None = None,
        config: ChildConfig[NoSerdes] | None = None,
    ) -> Result[DurableOutput, DurableError]: ...

    @overload
    def run_in_child_context(
        self,
        fn: Callable[[DurableContext], Result[A, DurableError]],
        *,
        name: str | None = None,
        config: ChildConfig[A],
    ) -> Result[A, DurableError]: ...

    def run_in_child_context(
        self,
        fn: Callable[[DurableContext], Result[Any, DurableError]],
        *,
        name: str | None = None,
        config: ChildConfig[Any] | None = None,
    ) -> Result[Any, DurableError]:
        """Run ``fn`` with its own context; once it succeeded, replay returns its result
        without running it again."""
        return self._call(
            lambda: run_child(self._scope, fn, name, config, self._context_for)
        )

    def create_child_context(self, parent_operation_id: str) -> DurableContext:
        """A context whose operations are recorded under ``parent_operation_id``."""
        return self._context_for(self._scope.child(parent_operation_id))

    # --- input and completion ---------------------------------------------------

    def get_original_input(self, as_type: type[T]) -> Result[T, DurableError]:
        """The execution's input, structured as ``as_type`` with the handler's converter."""
        raw = self.get_original_input_raw().value_or("null")
        try:
            return Success(self.state.converter.structure(json.loads(raw), as_type))
        except Exception as exc:
            return Failure(SerdesFailed(error_object_from_exception(exc)))

    def get_original_input_raw(self) -> Maybe[str]:
        """The execution's input exactly as the service stored it, if there is one."""
        return Maybe.from_optional(self.state.input_payload())

    def complete_execution_success(self, result: object) -> Result[None, DurableError]:
        """Checkpoint the execution's result now (any size up to the payload limit)."""
        try:
            payload = json.dumps(self.state.converter.unstructure(result))
        except Exception as exc:
            return Failure(SerdesFailed(error_object_from_exception(exc)))
        self._complete(OperationAction.SUCCEED, payload=payload)
        return Success(None)

    def complete_execution_failure(self, error: ErrorObject) -> Result[None, DurableError]:
        """Checkpoint the execution's failure now."""
        self._complete(OperationAction.FAIL, error=error)
        return Success(None)

    def complete_execution_if_large(self, result: object) -> Result[bool, DurableError]:
        """Checkpoint ``result`` only if it is too large for the invocation response."""
        try:
            payload = json.dumps(self.state.converter.unstructure(result))
        except Exception as exc:
            return Failure(SerdesFailed(error_object_from_exception(exc)))
        if len(payload) <= MAX_RESPONSE_CHARS:
            return Success(False)
        self._complete(OperationAction.SUCCEED, payload=payload)
        return Success(True)

    def _complete(self, action: OperationAction, **kwargs: Any) -> None:
        checkpointer = self.state.checkpointer
        if checkpointer.ended:
            raise ExecutionEnded()
        failed = action is OperationAction.FAIL
        self.state.completed_with = InvocationStatus.FAILED if failed else InvocationStatus.SUCCEEDED
        checkpointer.send(
            OperationUpdate(
                id=f"execution-result-{_millis()}",
                type=OperationType.EXECUTION,
                action=action,
                **kwargs,
            )
        )

    # --- logging --------------------------------------------------------------

    @property
    def logger(self) -> Logger:
        """A logger that stays silent while this context replays."""
        return ReplayAwareLogger(self._user_logger or self.state.base_logger, self.create_log_info)

    def with_logger(self, logger: Logger) -> DurableContext:
        """The same context, logging through ``logger``."""
        return DurableContext(self._scope, logger)

    def set_logger(self, logger: Logger) -> None:
        """Log through ``logger`` from now on (this context only)."""
        self._user_logger = logger

    configure_logger = set_logger

    def log_info_with(self, message: str, fields: Mapping[str, object]) -> None:
        self.logger.info(message, extra=fields)

    def log_debug_with(self, message: str, fields: Mapping[str, object]) -> None:
        self.logger.debug(message, extra=fields)

    def log_warn_with(self, message: str, fields: Mapping[str, object]) -> None:
        self.logger.warning(message, extra=fields)

    def log_error_with(self, message: str, fields: Mapping[str, object]) -> None:
        self.logger.error(message, extra=fields)

    def create_log_info(self, operation_id: str | None = None) -> LogInfo:
        return LogInfo(
            execution_arn=self.state.arn,
            operation_id=operation_id,
            parent_id=self._scope.parent_id,
            is_replaying=self._scope.replaying,
        )

    # --- introspection --------------------------------------------------------

    @property
    def durable_execution_arn(self) -> str:
        return self.state.arn

    @property
    def lambda_context(self) -> Maybe[Any]:
        return Maybe.from_optional(self.state.lambda_context)

    @property
    def is_replaying(self) -> bool:
        return self._scope.replaying

    @property
    def state(self) -> ExecutionState:
        return self._scope.state

    def next_operation_id(self) -> str:
        """The id the next operation of this context will get (does not consume it)."""
        return self._scope.peek_id()

    def next_operation_identifier(self, name: str | None = None) -> OperationIdentifier:
        return OperationIdentifier(self._scope.peek_id(), self._scope.parent_id, name or None)

    def current_step_counter(self) -> int:
        return self._scope.counter

    # --- internals ------------------------------------------------------------

    def _context_for(self, scope: Scope) -> DurableContext:
        return DurableContext(scope, self._user_logger)

    def _call(self, operation: Callable[[], Result[T, DurableError]]) -> Result[T, DurableError]:
        try:
            return operation()
        finally:
            self._scope.after_call()


def _millis() -> int:
    import time

    return int(time.time() * 1000)

