"""The state of one execution as this invocation sees it: the operation log and its owner.

One ``ExecutionState`` per invocation; nothing global, so several executions can run
in one process (tests, the local backend) without interfering.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from cattrs import Converter

from lambda_durable.client import DurableServiceClient
from lambda_durable.plugins import DurablePlugin
from lambda_durable.runtime.checkpointer import Checkpointer
from lambda_durable.runtime.codec import Codec
from lambda_durable.runtime.hooks import Hooks
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.signals import ExecutionEnded
from lambda_durable.serdes import TaggedSerDes
from lambda_durable.wire import (
    ErrorObject,
    InvocationStatus,
    Operation,
    OperationAction,
    OperationType,
    OperationUpdate,
)


MAX_RESPONSE_CHARS = 6 * 1024 * 1024 - 50
"""The Lambda response budget the SDK leaves for a result (docs/protocol.md §2)."""


class ExecutionState:
    """Operations by id, the checkpointer that extends the log, and execution facts."""

    def __init__(
        self,
        *,
        arn: str,
        token: str,
        client: DurableServiceClient,
        operations: Iterable[Operation],
        converter: Converter,
        logger: Logger,
        lambda_context: Any = None,
        plugins: Sequence[DurablePlugin] = (),
    ) -> None:
        self.arn = arn
        self.converter = converter
        self.default_codec: Codec[Any] = Codec(TaggedSerDes(converter))
        """The payload codec of operations without their own serdes (built once: every
        step without a config uses it)."""
        self.base_logger = logger
        self.lambda_context = lambda_context
        self._ops: dict[str, Operation] = {}
        self.merge = _merger(self._ops)
        """Newer copies of operations replace older ones (the service is the authority)."""
        self.merge(operations)
        self.execution_id = arn.rsplit("/", 1)[-1]
        self.hooks: Hooks | None = Hooks(plugins, arn, self.operations) if plugins else None
        """The plugins' hooks; None (the one check an operation pays) when there are none."""
        hooks = self.hooks
        self.checkpointer = Checkpointer(
            client,
            arn,
            token,
            hooks.observing(self.merge) if hooks else self.merge,
            on_start=hooks.operation_starting if hooks else None,
        )
        self.poisoned: ErrorObject | None = None
        self.completed_with: InvocationStatus | None = None
        """Set when user code checkpointed the execution's own completion."""

    def complete(self, action: OperationAction, **fields: Any) -> None:
        """Checkpoint the execution's own completion (EXECUTION SUCCEED/FAIL) right now.

        The update gets a fresh synthetic id: the service treats any EXECUTION update as
        "complete the execution" (docs/protocol.md §2.5)."""
        if self.checkpointer.ended:
            raise ExecutionEnded()
        failed = action is OperationAction.FAIL
        self.completed_with = InvocationStatus.FAILED if failed else InvocationStatus.SUCCEEDED
        self.checkpointer.send(
            OperationUpdate(
                id=f"execution-result-{int(time.time() * 1000)}",
                type=OperationType.EXECUTION,
                action=action,
                **fields,
            )
        )

    def complete_if_large(self, payload: str) -> bool:
        """Checkpoint ``payload`` as the execution's result if the invocation response
        cannot carry it; True when it did."""
        if len(payload) <= MAX_RESPONSE_CHARS:
            return False
        self.complete(OperationAction.SUCCEED, payload=payload)
        return True

    def operation(self, op_id: str) -> Operation | None:
        return self._ops.get(op_id)

    def claim(self, op_id: str) -> Operation | None:
        """What the log holds at ``op_id`` as an operation call takes that id (the same
        lookup as ``operation``; a replay check overrides it to see the ids code reaches)."""
        return self._ops.get(op_id)

    @property
    def operations(self) -> Mapping[str, Operation]:
        """A read-only view of every operation known to this invocation."""
        return MappingProxyType(self._ops)

    @property
    def execution_operation(self) -> Operation | None:
        op = self._ops.get(self.execution_id)
        return op if op is not None and op.type is OperationType.EXECUTION else None

    def input_payload(self) -> str | None:
        op = self.execution_operation
        return op.execution_details.input_payload if op and op.execution_details else None


def _merger(ops: dict[str, Operation]) -> Callable[[Iterable[Operation]], None]:
    """Merges operations into ``ops``. A closure over the dict, not a bound method: the
    checkpointer keeps it, and a method would tie the state and its checkpointer in a
    cycle that only the garbage collector frees (with every operation of the log)."""

    def merge(operations: Iterable[Operation]) -> None:
        for op in operations:
            ops[op.id] = op

    return merge
