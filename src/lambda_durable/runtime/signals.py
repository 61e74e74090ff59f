"""Control-flow signals. They derive from ``BaseException`` on purpose.

A pending operation is not a value the user may handle: ``except Exception`` and
``.lash`` must not swallow it. The handler wrapper turns each signal into the
invocation outcome it stands for.
"""

from __future__ import annotations

from lambda_durable.client import ServiceError
from lambda_durable.wire import ErrorObject


class Suspend(BaseException):
    """Something is pending on the service side: end this invocation as PENDING."""


class AbortInvocation(BaseException):
    """The checkpoint service failed; retryable errors become a Lambda invocation error."""

    def __init__(self, error: ServiceError, operation: str) -> None:
        super().__init__(f"{operation} failed: {error}")
        self.error = error
        self.operation = operation


class ExecutionEnded(BaseException):
    """The service ended the execution (e.g. an EXECUTION completion was checkpointed)."""


class FailExecution(BaseException):
    """Stop user code and fail the execution with this error (e.g. non-determinism)."""

    def __init__(self, error: ErrorObject) -> None:
        super().__init__(error.error_message)
        self.error = error
