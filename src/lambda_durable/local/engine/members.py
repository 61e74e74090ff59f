"""Wire enum members as plain class attributes, for the checkpoint path.

Looking a member up on an ``Enum`` class (``OperationStatus.STARTED``) is a descriptor
call; on a plain class it is a dictionary hit. Every checkpointed update makes several
such lookups, so the hot code reads them from here. Same objects: compare with ``is``.
"""

from __future__ import annotations

from typing import Final

from lambda_durable.wire import OperationAction, OperationStatus, OperationType


class Actions:
    """``OperationAction`` members."""

    START: Final = OperationAction.START
    SUCCEED: Final = OperationAction.SUCCEED
    FAIL: Final = OperationAction.FAIL
    RETRY: Final = OperationAction.RETRY
    CANCEL: Final = OperationAction.CANCEL


class Statuses:
    """``OperationStatus`` members."""

    STARTED: Final = OperationStatus.STARTED
    PENDING: Final = OperationStatus.PENDING
    READY: Final = OperationStatus.READY
    SUCCEEDED: Final = OperationStatus.SUCCEEDED
    FAILED: Final = OperationStatus.FAILED
    CANCELLED: Final = OperationStatus.CANCELLED
    TIMED_OUT: Final = OperationStatus.TIMED_OUT
    STOPPED: Final = OperationStatus.STOPPED


class OpTypes:
    """``OperationType`` members."""

    EXECUTION: Final = OperationType.EXECUTION
    CONTEXT: Final = OperationType.CONTEXT
    STEP: Final = OperationType.STEP
    WAIT: Final = OperationType.WAIT
    CALLBACK: Final = OperationType.CALLBACK
    CHAINED_INVOKE: Final = OperationType.CHAINED_INVOKE
