"""What every context offers besides its operations: the input, early completion,
logging and introspection. ``DurableContext`` and ``AsyncDurableContext`` share it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import frozen
from returns.maybe import Maybe
from returns.result import Result, Success

from lambda_durable.errors import DurableError
from lambda_durable.runtime.codec import from_json, to_json
from lambda_durable.runtime.logger import LogInfo, Logger, ReplayAwareLogger
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import ErrorObject, OperationAction, OperationType

T = TypeVar("T")


@frozen
class OperationIdentifier:
    """The id, parent and name the next operation of a context will be recorded under."""

    operation_id: str
    parent_id: str | None
    name: str | None


class ContextBasics:
    """The part of a context that is the same in both APIs (nothing here is awaited)."""

    def __init__(self, scope: Scope, logger: Logger | None = None) -> None:
        self._scope = scope
        self._user_logger = logger

    # --- input and completion ---------------------------------------------------

    def get_original_input(self, as_type: type[T]) -> Result[T, DurableError]:
        """The execution's input, structured as ``as_type`` with the handler's converter."""
        return from_json(self.state.input_payload(), as_type, self.state.converter)

    def get_original_input_raw(self) -> Maybe[str]:
        """The execution's input exactly as the service stored it, if there is one."""
        return Maybe.from_optional(self.state.input_payload())

    def complete_execution_success(self, result: object) -> Result[None, DurableError]:
        """Checkpoint the execution's result now (any size up to the payload limit): the
        execution ends SUCCEEDED with it, whatever the handler returns afterwards."""
        return to_json(result, self.state.converter).map(
            lambda payload: self.state.complete(OperationAction.SUCCEED, payload=payload)
        )

    def complete_execution_failure(self, error: ErrorObject) -> Result[None, DurableError]:
        """Checkpoint the execution's failure now: it ends FAILED with ``error``."""
        self.state.complete(OperationAction.FAIL, error=error)
        return Success(None)

    def complete_execution_if_large(self, result: object) -> Result[bool, DurableError]:
        """Checkpoint ``result`` only if it is too large for the invocation response."""
        return to_json(result, self.state.converter).map(self.state.complete_if_large)

    # --- logging --------------------------------------------------------------

    @property
    def logger(self) -> Logger:
        """A logger that stays silent while this context replays."""
        return ReplayAwareLogger(self._user_logger or self._scope.state.base_logger, self.create_log_info)

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

    def _child_scope(self, parent_operation_id: str) -> Scope:
        """The scope of ``create_child_context``: ``parent_operation_id`` must be a CONTEXT
        of this execution (one started in this invocation may still be queued: the queue
        is flushed once to look it up); any other id is a ``ValueError``."""
        state = self.state
        op = state.operation(parent_operation_id)
        if op is None:
            state.checkpointer.flush()
            op = state.operation(parent_operation_id)
        if op is None or op.type is not OperationType.CONTEXT:
            found = "no operation" if op is None else f"a {op.type.value}"
            raise ValueError(
                f"create_child_context: {parent_operation_id!r} is {found}, not a CONTEXT of this execution"
            )
        return self._scope.child(parent_operation_id)
