"""Wait for callback: create a callback, hand its id to a submitter step, await the answer
(docs/protocol.md §5.7).

It is a child context (SubType ``WaitForCallback``) built on ``operations.child``: inside
it, op 1 is the callback (``"<name> create callback id"``), op 2 the submitter step
(``"<name> submitter"``), then the body awaits the answer. The context's payload is the
answer's text exactly as the external system sent it; it is decoded outside the context
(as ``Callback.result()`` would), so a body that succeeded replays without running again
and a text that does not fit is a ``SerdesFailed`` on every replay alike.

Failures come back as what failed inside, also on replay (they are recognised from the
inner operations in the log, the context's own ErrorObject is the inner one, unchanged):
``CallbackFailed`` / ``CallbackTimedOut`` for the external answer, ``StepFailed`` for a
submitter that exhausted its retries, ``ChildContextFailed`` for anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from returns.io import IO, IOResult
from returns.result import Result

from lambda_durable.config import ChildConfig, StepConfig, WaitForCallbackConfig
from lambda_durable.errors import (
    CallbackFailed,
    CallbackTimedOut,
    ChildContextFailed,
    DurableError,
    StepFailed,
)
from lambda_durable.decisions.callback import decoder_for
from lambda_durable.operations.callback import create, raw_answer
from lambda_durable.operations.child import run_child
from lambda_durable.decisions.step import StepContext
from lambda_durable.operations.step import run_step
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope
from lambda_durable.runtime.state import ExecutionState
from lambda_durable.wire import OperationStatus, OperationSubType, OperationType

T = TypeVar("T")

Submitter = Callable[[str, StepContext], object]
"""``submitter(callback_id, step_ctx)``: tell the external system where to answer. It may
return nothing, or a ``Result``/``IO``/``IOResult`` (a ``Failure`` is a failed attempt)."""

_CALLBACK_FAILED = frozenset({OperationStatus.FAILED, OperationStatus.CANCELLED, OperationStatus.STOPPED})


class PassThrough:
    """The context's codec: the answer's text is stored as it came."""

    def serialize(self, value: str, /) -> str:
        return value

    def deserialize(self, data: str, /) -> str:
        return data


def run_wait_for_callback(
    scope: Scope,
    submitter: Submitter,
    result_type: type[T],
    name: str | None,
    config: WaitForCallbackConfig[Any] | None,
    logger: Logger,
) -> Result[T, DurableError]:
    state = scope.state
    inner = scope.child(scope.peek_id())  # the context's own scope, to find its operations
    decode = decoder_for(result_type, state.converter, config.serdes if config else None)
    raw: Result[str, DurableError] = run_child(
        scope,
        lambda child: _body(child, submitter, name, config, logger),
        name,
        CHILD_CONFIG,
        lambda child_scope: child_scope,
    )
    return raw.alt(lambda error: what_failed(state, inner, error)).bind(decode)


CHILD_CONFIG: ChildConfig[str] = ChildConfig(serdes=PassThrough(), sub_type=OperationSubType.WAIT_FOR_CALLBACK.value)
"""The context's config: its subtype, and its payload stored as the answer's text."""

_CALLBACK_AT = 1
"""The callback is the context's first operation, the submitter step its second."""
_SUBMITTER_AT = 2


def _body(
    scope: Scope,
    submitter: Submitter,
    name: str | None,
    config: WaitForCallbackConfig[Any] | None,
    logger: Logger,
) -> Result[str, DurableError]:
    step_config = submitter_config(config)
    names = part_names(name)

    def submit(ids: tuple[str, str]) -> Result[str, DurableError]:
        op_id, callback_id = ids
        return run_step(
            scope,
            lambda step_ctx: discard(submitter(callback_id, step_ctx)),
            names[1],
            step_config,
            logger,
        ).bind(lambda _: raw_answer(scope.state, op_id))

    return (
        scope.take(OperationType.CALLBACK, OperationSubType.CALLBACK.value, names[0])
        .bind(
            lambda slot: create(
                scope,
                slot,
                config.timeout if config else None,
                config.heartbeat_timeout if config else None,
            )
        )
        .bind(submit)
    )


def part_names(name: str | None) -> tuple[str, str]:
    """The names of the context's callback and submitter step."""
    prefix = f"{name} " if name else ""
    return f"{prefix}create callback id", f"{prefix}submitter"


def submitter_config(config: WaitForCallbackConfig[Any] | None) -> StepConfig[Any]:
    """The submitter step retries as the config says."""
    return StepConfig(retry_strategy=config.retry_strategy if config else None)


def discard(out: object) -> object:
    """The submitter's value is not kept: only success or failure counts."""
    if isinstance(out, (Result, IO, IOResult)):
        return out.map(lambda _: None)
    return None


def what_failed(state: ExecutionState, inner: Scope, error: DurableError) -> DurableError:
    """What failed inside, recognised from the context's operations in the log (the
    context's own ErrorObject is the inner one, unchanged)."""
    if not isinstance(error, ChildContextFailed):
        return error
    submitter = state.operation(inner.id_at(_SUBMITTER_AT))
    if submitter is not None and submitter.status is OperationStatus.FAILED:
        return StepFailed(error.error)
    callback = state.operation(inner.id_at(_CALLBACK_AT))
    if callback is not None and callback.status is OperationStatus.TIMED_OUT:
        return CallbackTimedOut(error.error)
    if callback is not None and callback.status in _CALLBACK_FAILED:
        return CallbackFailed(error.error)
    return error
