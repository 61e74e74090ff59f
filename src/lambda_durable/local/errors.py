"""The local backend's one harness exception, low enough for the scheduler to raise it."""

from __future__ import annotations

from typing import TypeVar

from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.client import ServiceError

T = TypeVar("T")


class LocalBackendError(ValueError):
    """The harness cannot do what the program asked: a function not registered, an
    execution this backend does not know, a handler that cannot be loaded, a run that
    cannot start or go on (the service's answer, e.g. a store that cannot be written, in
    the message)."""


def expect_service(answer: Result[T, ServiceError]) -> T:
    """A harness method's value from a service answer, or the answer as ``LocalBackendError``."""
    if not is_successful(answer):
        raise LocalBackendError(str(answer.failure()))
    return answer.unwrap()
