"""The ``DurableError`` family: what a durable operation's ``Failure`` carries.

Each error is a frozen value holding the wire ``ErrorObject`` exactly as the service
stores it, so a failure replayed from the checkpoint log equals the failure the first
run saw. The class says *which operation* failed; ``error.error_type`` keeps the
original cause (e.g. the user exception's class name).
"""

from __future__ import annotations

import traceback

from attrs import frozen

from lambda_durable.wire import ErrorObject

MAX_STACK_LINES = 50


@frozen
class DurableError:
    """Base of the family. Pattern-match on the subclass, read details from ``error``."""

    error: ErrorObject

    @property
    def error_type(self) -> str | None:
        return self.error.error_type

    @property
    def error_message(self) -> str | None:
        return self.error.error_message

    @property
    def error_data(self) -> str | None:
        return self.error.error_data

    @property
    def stack_trace(self) -> tuple[str, ...] | None:
        return self.error.stack_trace

    @classmethod
    def of(cls, error_type: str, message: str) -> DurableError:
        """Build one from a type name and message (for errors the SDK itself raises)."""
        return cls(ErrorObject(error_type=error_type, error_message=message))

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.error_type}: {self.error_message})"


@frozen
class StepFailed(DurableError):
    """A step exhausted its retries (or was interrupted with at-most-once semantics)."""


@frozen
class CallbackFailed(DurableError):
    """The external system reported failure for a callback."""


@frozen
class CallbackTimedOut(DurableError):
    """A callback's timeout or heartbeat timeout expired."""


@frozen
class InvokeFailed(DurableError):
    """A chained invoke's target failed."""


@frozen
class InvokeTimedOut(DurableError):
    """A chained invoke's target did not finish in time."""


@frozen
class ChildContextFailed(DurableError):
    """A child context's body returned a ``Failure`` or raised."""

    @classmethod
    def from_child(cls, inner: DurableError) -> DurableError:
        """Wrap what a child's body failed with, keeping the original ErrorObject."""
        return cls(inner.error)


@frozen
class WaitForConditionFailed(DurableError):
    """A wait-for-condition check raised, or its strategy gave up."""


@frozen
class BatchFailed(DurableError):
    """A map/parallel batch did not meet its completion criteria."""


@frozen
class SerdesFailed(DurableError):
    """A payload could not be serialized or deserialized."""


@frozen
class InvalidArgument(DurableError):
    """An operation was called with arguments it cannot accept."""


@frozen
class NonDeterministicExecution(DurableError):
    """Replayed code asked for a different operation than the log holds at that id.

    Returning it is not enough to continue safely: the execution is marked failed and
    ends FAILED whatever the handler does next.
    """


@frozen
class ExecutionFailed(DurableError):
    """The execution as a whole failed (e.g. the checkpoint service refused the work)."""


def error_object_from_exception(exc: BaseException) -> ErrorObject:
    """ErrorObject for a raised exception: class name, message, and a bounded stack trace."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    trace = [line.rstrip("\n") for chunk in lines for line in chunk.splitlines()]
    return ErrorObject(
        error_type=type(exc).__name__,
        error_message=str(exc),
        stack_trace=tuple(trace[-MAX_STACK_LINES:]) or None,
    )
