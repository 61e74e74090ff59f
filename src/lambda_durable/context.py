"""``DurableContext``: the typed facade user code talks to. The work lives in operations/."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar, overload

from returns.io import IO, IOResult
from returns.result import Failure, Result, Success

from lambda_durable.batch import (
    BatchItemStatus,
    BatchResult,
    CompletionConfig,
    MapConfig,
    NestingType,
    ParallelConfig,
)
from lambda_durable.config import (
    CallbackConfig,
    ChildConfig,
    Duration,
    InvokeConfig,
    NoSerdes,
    StepConfig,
    WaitForCallbackConfig,
    WaitForConditionConfig,
)
from lambda_durable.errors import BatchFailed, DurableError
from lambda_durable.operations.child import run_child
from lambda_durable.operations.concurrency import BatchSpec, Branch, run_batch
from lambda_durable.decisions.step import StepContext, StepFn
from lambda_durable.operations.step import run_step
from lambda_durable.operations.callback import Callback, run_create_callback
from lambda_durable.operations.invoke import run_invoke
from lambda_durable.operations.wait import run_cancel_wait, run_wait
from lambda_durable.operations.wait_for_callback import run_wait_for_callback
from lambda_durable.operations.wait_for_condition import run_wait_for_condition
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope
from lambda_durable.context_basics import ContextBasics
from lambda_durable.values import DurableOutput
from lambda_durable.wire import OperationSubType

A = TypeVar("A")
I = TypeVar("I")
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")
S = TypeVar("S")

class DurableContext(ContextBasics):
    """Durable operations for one context (the root, or a child/branch)."""

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
        return run_step(self._scope, fn, name, config, self._user_logger or self._scope.state.base_logger)

    # --- waits ----------------------------------------------------------------

    def wait(self, duration: Duration, *, name: str | None = None) -> Result[None, DurableError]:
        """Pause the execution for ``duration`` without holding a Lambda invocation."""
        return run_wait(self._scope, duration, name)

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
        return run_child(self._scope, fn, name, config, self._context_for)

    def create_child_context(self, parent_operation_id: str) -> DurableContext:
        """A context whose operations are recorded under ``parent_operation_id``, a CONTEXT
        operation of this execution; its ids start where that context's own start, so use
        it instead of that context's body, not beside it.

        Raises ``ValueError`` for any other id (before, the execution failed at its next
        checkpoint with "Invalid parent operation id"). A context started in this
        invocation may still be queued: the queue is flushed once to look it up."""
        return self._context_for(self._child_scope(parent_operation_id))

    # --- callbacks, invokes, polling, wait cancellation --------------------------

    def cancel_wait(self, operation_id: str) -> Result[None, DurableError]:
        """Cancel a ``wait`` of this execution that has not fired yet (``Action: CANCEL``);
        the ``wait`` then resumes with ``Success(None)``. Useful for a timer started in one
        branch that another branch makes unnecessary. Get the id with
        ``next_operation_id()`` before calling ``wait``. A wait already cancelled is a
        no-op success; an unknown id, a non-WAIT operation or a fired wait is
        ``InvalidArgument``, and nothing is checkpointed."""
        return run_cancel_wait(self._scope, operation_id)

    def create_callback(
        self,
        result_type: type[T],
        *,
        name: str | None = None,
        config: CallbackConfig[T] | CallbackConfig[NoSerdes] | None = None,
    ) -> Result[Callback[T], DurableError]:
        """Create a callback for an external system to answer; ``.result()`` awaits it.

        The answer is decoded as JSON into ``result_type`` with the handler's converter
        (for ``str``: a JSON string unquoted, any other text as sent), or with
        ``config.serdes``.
        """
        return run_create_callback(self._scope, result_type, name, config)

    def wait_for_callback(
        self,
        submitter: Callable[[str, StepContext], object],
        result_type: type[T],
        *,
        name: str | None = None,
        config: WaitForCallbackConfig[T] | WaitForCallbackConfig[NoSerdes] | None = None,
    ) -> Result[T, DurableError]:
        """Create a callback, run ``submitter(callback_id, step_ctx)`` as a step (retried
        per ``config.retry_strategy``), and await the answer.

        Failures: ``CallbackFailed`` / ``CallbackTimedOut`` for the answer, ``StepFailed``
        when the submitter exhausted its retries, ``SerdesFailed`` for an answer that does
        not fit ``result_type``.
        """
        return run_wait_for_callback(
            self._scope, submitter, result_type, name, config, self._user_logger or self._scope.state.base_logger
        )

    @overload
    def invoke(
        self,
        function_name: str,
        payload: DurableOutput,
        result_type: type[R],
        *,
        name: str | None = None,
        config: InvokeConfig[NoSerdes, R] | InvokeConfig[NoSerdes, NoSerdes] | None = None,
    ) -> Result[R, DurableError]: ...

    @overload
    def invoke(
        self,
        function_name: str,
        payload: P,
        result_type: type[R],
        *,
        name: str | None = None,
        config: InvokeConfig[P, R] | InvokeConfig[P, NoSerdes],
    ) -> Result[R, DurableError]: ...

    def invoke(
        self,
        function_name: str,
        payload: Any,
        result_type: type[R],
        *,
        name: str | None = None,
        config: InvokeConfig[Any, Any] | None = None,
    ) -> Result[R, DurableError]:
        """Run durable function ``function_name`` with ``payload`` and return its result.

        Payload and result travel as plain JSON (the converter's unstructured form), or
        through ``config.payload_serdes`` / ``config.result_serdes``. Failures:
        ``InvokeFailed`` (the target failed or was stopped), ``InvokeTimedOut`` (the
        service timed it out, or ``config.timeout`` expired first: see ``InvokeConfig``).
        """
        return run_invoke(self._scope, function_name, payload, result_type, name, config)

    def wait_for_condition(
        self,
        check: Callable[[S, StepContext], S],
        config: WaitForConditionConfig[S],
        *,
        name: str | None = None,
    ) -> Result[S, DurableError]:
        """Poll ``check(state, step_ctx) -> new_state`` with durable pauses until
        ``config.wait_strategy`` says stop; returns the final state.

        A check or strategy that raises, and a strategy out of attempts, are
        ``WaitForConditionFailed`` (check failures are not retried).
        """
        return run_wait_for_condition(
            self._scope, check, config, name, self._user_logger or self._scope.state.base_logger
        )

    # --- fan-out: map, parallel, combinators --------------------------------------

    @overload
    def map(
        self,
        items: Sequence[I],
        fn: Callable[[DurableContext, I, int], Result[DurableOutput, DurableError]],
        *,
        name: str | None = None,
        config: MapConfig[I, NoSerdes] | None = None,
    ) -> Result[BatchResult[DurableOutput], DurableError]: ...

    @overload
    def map(
        self,
        items: Sequence[I],
        fn: Callable[[DurableContext, I, int], Result[A, DurableError]],
        *,
        name: str | None = None,
        config: MapConfig[I, A],
    ) -> Result[BatchResult[A], DurableError]: ...

    def map(
        self,
        items: Sequence[Any],
        fn: Callable[[DurableContext, Any, int], Result[Any, DurableError]],
        *,
        name: str | None = None,
        config: MapConfig[Any, Any] | None = None,
    ) -> Result[BatchResult[Any], DurableError]:
        """Run ``fn(ctx, item, index)`` for every item, each in its own child context.

        The result is a ``BatchResult`` even when items failed: the batch itself only
        fails if it cannot run (e.g. an ``item_namer`` raises). ``to_result()`` turns it
        into fail-fast form.
        """
        cfg: MapConfig[Any, Any] = config or MapConfig()
        values = list(items)
        spec = batch_spec(OperationSubType.MAP, OperationSubType.MAP_ITERATION, cfg)
        return run_batch(self._scope, spec, map_branches(values, fn, cfg), len(values), name, self._context_for)

    @overload
    def parallel(
        self,
        branches: Sequence[Callable[[DurableContext], Result[DurableOutput, DurableError]]],
        *,
        name: str | None = None,
        config: ParallelConfig[NoSerdes] | None = None,
    ) -> Result[BatchResult[DurableOutput], DurableError]: ...

    @overload
    def parallel(
        self,
        branches: Sequence[Callable[[DurableContext], Result[A, DurableError]]],
        *,
        name: str | None = None,
        config: ParallelConfig[A],
    ) -> Result[BatchResult[A], DurableError]: ...

    def parallel(
        self,
        branches: Sequence[Callable[[DurableContext], Result[Any, DurableError]]],
        *,
        name: str | None = None,
        config: ParallelConfig[Any] | None = None,
    ) -> Result[BatchResult[Any], DurableError]:
        """Run each branch in its own child context; same rules as ``map``. The default
        completion is all-successful: the first failure ends the batch."""
        cfg: ParallelConfig[Any] = config or ParallelConfig()
        spec = batch_spec(OperationSubType.PARALLEL, OperationSubType.PARALLEL_BRANCH, cfg)
        return self._fan_out(spec, branches, name, cfg.item_namer)

    def all(
        self, branches: Sequence[Callable[[DurableContext], Result[DurableOutput, DurableError]]]
    ) -> Result[list[DurableOutput], DurableError]:
        """Every branch's result, in order; the first failure short-circuits (like
        ``Promise.all``) as ``BatchFailed`` carrying that branch's error."""
        spec = _combinator("All", CompletionConfig.all_successful())
        return self._fan_out(spec, branches, None).bind(lambda batch: batch.to_result())

    def any(
        self, branches: Sequence[Callable[[DurableContext], Result[DurableOutput, DurableError]]]
    ) -> Result[DurableOutput, DurableError]:
        """The first branch to succeed (like ``Promise.any``); ``BatchFailed`` when all fail."""
        spec = _combinator("Any", CompletionConfig.first_successful())
        return self._fan_out(spec, branches, None).bind(first_success)

    def race(
        self, branches: Sequence[Callable[[DurableContext], Result[DurableOutput, DurableError]]]
    ) -> Result[DurableOutput, DurableError]:
        """The first branch to finish, success or failure (like ``Promise.race``)."""
        spec = _combinator("Race", CompletionConfig(min_successful=1, tolerated_failure_count=0))
        return self._fan_out(spec, branches, None).bind(_first_settled)

    def all_settled(
        self, branches: Sequence[Callable[[DurableContext], Result[DurableOutput, DurableError]]]
    ) -> Result[BatchResult[DurableOutput], DurableError]:
        """Every branch runs to its end, whatever fails (like ``Promise.allSettled``)."""
        spec = _combinator("AllSettled", CompletionConfig.all_completed())
        return self._fan_out(spec, branches, None)

    def _fan_out(
        self,
        spec: BatchSpec,
        branches: Sequence[Callable[[DurableContext], Result[Any, DurableError]]],
        name: str | None,
        namer: Callable[[Callable[..., Any], int], str] | None = None,
    ) -> Result[BatchResult[Any], DurableError]:
        bodies = list(branches)
        return run_batch(self._scope, spec, parallel_branches(bodies, namer), len(bodies), name, self._context_for)

    def with_logger(self, logger: Logger) -> DurableContext:
        """The same context, logging through ``logger``."""
        return DurableContext(self._scope, logger)

    # --- internals ------------------------------------------------------------

    def _context_for(self, scope: Scope) -> DurableContext:
        return DurableContext(scope, self._user_logger)



def map_branches(
    values: Sequence[Any], fn: Callable[[Any, Any, int], Any], cfg: MapConfig[Any, Any]
) -> Callable[[], list[Branch]]:
    """The branches of a map, named when the batch runs (an item namer is user code)."""
    namer = cfg.item_namer

    def branches() -> list[Branch]:
        return [
            Branch(namer(item, index) if namer else f"map-item-{index}", partial(_map_body, fn, item, index))
            for index, item in enumerate(values)
        ]

    return branches


def parallel_branches(
    bodies: Sequence[Callable[[Any], Any]], namer: Callable[[Callable[..., Any], int], str] | None = None
) -> Callable[[], list[Branch]]:
    """The branches of a parallel (and of the combinators), named when the batch runs."""
    if namer is None:
        return lambda: [Branch(f"parallel-branch-{i}", body) for i, body in enumerate(bodies)]
    return lambda: [Branch(namer(body, i), body) for i, body in enumerate(bodies)]


def _map_body(fn: Callable[[Any, Any, int], Any], item: Any, index: int, ctx: Any) -> Any:
    return fn(ctx, item, index)


def batch_spec(
    sub_type: OperationSubType, branch_sub_type: OperationSubType, cfg: MapConfig[Any, Any] | ParallelConfig[Any]
) -> BatchSpec:
    """How a map or a parallel is recorded: their configs share every field that matters."""
    return BatchSpec(
        sub_type=sub_type.value,
        branch_sub_type=branch_sub_type.value,
        completion=cfg.completion,
        max_concurrency=cfg.max_concurrency,
        serdes=cfg.serdes,
        item_serdes=cfg.item_serdes,
        flat=cfg.nesting is NestingType.FLAT,
    )


def _combinator(sub_type: str, completion: CompletionConfig) -> BatchSpec:
    return BatchSpec(
        sub_type=sub_type,
        branch_sub_type=OperationSubType.PARALLEL_BRANCH.value,
        completion=completion,
    )


def first_success(batch: BatchResult[T]) -> Result[T, DurableError]:
    wins = batch.successes()
    if wins:
        return Success(wins[0].result)  # type: ignore[arg-type]
    messages = "; ".join(
        f"branch {i.index}: {i.error.error_message if i.error else 'failed'}" for i in batch.failures()
    )
    return Failure(BatchFailed.of("AllBranchesFailed", f"every branch failed ({messages})"))


def _first_settled(batch: BatchResult[T]) -> Result[T, DurableError]:
    """The branch that finished first. A race completes at its first finished branch, so
    the recorded batch holds exactly one finished item (the others are STARTED): the
    winner in real time, the same on every replay."""
    finished = [i for i in batch.items if i.status is not BatchItemStatus.STARTED]
    if len(finished) == 1 and finished[0].status is BatchItemStatus.SUCCEEDED:
        return Success(finished[0].result)  # type: ignore[arg-type]
    if len(finished) == 1 and finished[0].error is not None:
        return Failure(BatchFailed(finished[0].error))
    return Failure(BatchFailed.of("RaceUnsettled", f"race recorded {len(finished)} finished branches, not 1"))
