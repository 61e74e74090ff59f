"""``AsyncDurableContext``: the typed facade of the async API. Every operation takes its
id when it is called and returns an awaitable of ``Result[T, DurableError]``; the work
lives in the asynchronous drivers of this package, over the shared decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

from returns.io import IO, IOResult
from returns.pipeline import is_successful
from returns.result import Result

from lambda_durable.aio.batch import start_batch
from lambda_durable.aio.callback import AsyncCallback, start_create_callback
from lambda_durable.aio.child import start_child
from lambda_durable.aio.combinators import all_settled_of, no_winner, start_all, start_recorded, unsettled
from lambda_durable.aio.condition import start_wait_for_condition
from lambda_durable.aio.driver import Tasks, off_loop
from lambda_durable.aio.invoke import start_invoke
from lambda_durable.aio.step import start_step
from lambda_durable.aio.wait import start_wait
from lambda_durable.aio.wait_for_callback import start_wait_for_callback
from lambda_durable.batch import BatchResult, MapConfig, ParallelConfig
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
from lambda_durable.context import batch_spec, first_success, map_branches, parallel_branches
from lambda_durable.context_basics import ContextBasics
from lambda_durable.decisions.step import StepContext, StepFn
from lambda_durable.errors import DurableError
from lambda_durable.operations.wait import run_cancel_wait
from lambda_durable.runtime.logger import Logger
from lambda_durable.runtime.scope import Scope
from lambda_durable.values import DurableOutput
from lambda_durable.wire import OperationSubType

A = TypeVar("A")
I = TypeVar("I")
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")
S = TypeVar("S")

Op = Awaitable[Result[T, DurableError]]
"""An operation of the async API, started when it was called."""


class AsyncDurableContext(ContextBasics):
    """Durable operations for one context of an ``async def`` handler (the root, a child
    or a branch). Start operations by calling them; await them (alone, with
    ``asyncio.gather`` or with ``all``/``any``/``race``/``all_settled``) for their results."""

    def __init__(self, scope: Scope, tasks: Tasks, logger: Logger | None = None) -> None:
        super().__init__(scope, logger)
        self._tasks = tasks

    # --- steps ----------------------------------------------------------------

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Awaitable[IOResult[DurableOutput, Exception]]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Awaitable[Awaitable[IOResult[DurableOutput, Exception]]]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Awaitable[IO[DurableOutput]]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Awaitable[Result[DurableOutput, Exception]]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Awaitable[DurableOutput]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], IOResult[DurableOutput, Exception]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], IO[DurableOutput]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[[StepContext], Result[DurableOutput, Exception]],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: StepFn[DurableOutput],
        *,
        name: str | None = None,
        config: StepConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def step(
        self,
        fn: Callable[
            [StepContext],
            Awaitable[IOResult[A, Exception] | IO[A] | Result[A, Exception] | A]
            | IOResult[A, Exception]
            | IO[A]
            | Result[A, Exception]
            | A,
        ],
        *,
        name: str | None = None,
        config: StepConfig[A],
    ) -> Op[A]: ...

    def step(
        self,
        fn: Callable[[StepContext], Any],
        *,
        name: str | None = None,
        config: StepConfig[Any] | None = None,
    ) -> Op[Any]:
        """Start ``fn`` as a checkpointed step: once per attempt, replayed from the log after.

        ``fn`` may be ``async def`` or plain (a plain body runs on the event loop: give
        blocking calls to ``asyncio.to_thread``); it may return a value, a ``Result``,
        an ``IO``, an ``IOResult`` or a ``FutureResult``. A raise or a failure is a
        failed attempt, retried per ``config.retry_strategy``.
        """
        return start_step(self._scope, self._tasks, fn, name, config, self._body_logger)

    # --- waits ----------------------------------------------------------------

    def wait(self, duration: Duration, *, name: str | None = None) -> Op[None]:
        """Pause the execution for ``duration`` without holding a Lambda invocation."""
        return start_wait(self._scope, self._tasks, duration, name)

    def cancel_wait(self, operation_id: str) -> Op[None]:
        """Cancel a ``wait`` of this execution that has not fired yet (see
        ``DurableContext.cancel_wait``); the checkpoint call runs off the loop."""
        return self._tasks.start(off_loop(run_cancel_wait, self._scope, operation_id))

    # --- child contexts -------------------------------------------------------

    @overload
    def run_in_child_context(
        self,
        fn: Callable[[AsyncDurableContext], Awaitable[Result[DurableOutput, DurableError]]],
        *,
        name: str | None = None,
        config: ChildConfig[NoSerdes] | None = None,
    ) -> Op[DurableOutput]: ...

    @overload
    def run_in_child_context(
        self,
        fn: Callable[[AsyncDurableContext], Awaitable[Result[A, DurableError]]],
        *,
        name: str | None = None,
        config: ChildConfig[A],
    ) -> Op[A]: ...

    def run_in_child_context(
        self,
        fn: Callable[[AsyncDurableContext], Awaitable[Result[Any, DurableError]]],
        *,
        name: str | None = None,
        config: ChildConfig[Any] | None = None,
    ) -> Op[Any]:
        """Run ``fn`` with its own context; once it succeeded, replay returns its result
        without running it again."""
        return start_child(self._scope, self._tasks, fn, name, config, self._context_for)

    def create_child_context(self, parent_operation_id: str) -> AsyncDurableContext:
        """A context whose operations are recorded under ``parent_operation_id``, a CONTEXT
        of this execution (see ``DurableContext.create_child_context``)."""
        return self._context_for(self._child_scope(parent_operation_id))

    # --- callbacks, invokes, polling --------------------------------------------

    def create_callback(
        self,
        result_type: type[T],
        *,
        name: str | None = None,
        config: CallbackConfig[T] | CallbackConfig[NoSerdes] | None = None,
    ) -> Op[AsyncCallback[T]]:
        """Create a callback for an external system to answer; ``await handle.result()``
        for the answer (decoded as in ``DurableContext.create_callback``)."""
        return start_create_callback(self._scope, self._tasks, result_type, name, config)

    def wait_for_callback(
        self,
        submitter: Callable[[str, StepContext], object],
        result_type: type[T],
        *,
        name: str | None = None,
        config: WaitForCallbackConfig[T] | WaitForCallbackConfig[NoSerdes] | None = None,
    ) -> Op[T]:
        """Create a callback, run ``submitter(callback_id, step_ctx)`` (plain or ``async
        def``) as a step, and await the answer; failures as in the sync API."""
        return start_wait_for_callback(
            self._scope, self._tasks, submitter, result_type, name, config, self._body_logger
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
    ) -> Op[R]: ...

    @overload
    def invoke(
        self,
        function_name: str,
        payload: P,
        result_type: type[R],
        *,
        name: str | None = None,
        config: InvokeConfig[P, R] | InvokeConfig[P, NoSerdes],
    ) -> Op[R]: ...

    def invoke(
        self,
        function_name: str,
        payload: Any,
        result_type: type[R],
        *,
        name: str | None = None,
        config: InvokeConfig[Any, Any] | None = None,
    ) -> Op[R]:
        """Run durable function ``function_name`` with ``payload``; its result when awaited."""
        return start_invoke(self._scope, self._tasks, function_name, payload, result_type, name, config)

    def wait_for_condition(
        self,
        check: Callable[[S, StepContext], S | Awaitable[S]],
        config: WaitForConditionConfig[S],
        *,
        name: str | None = None,
    ) -> Op[S]:
        """Poll ``check(state, step_ctx) -> new_state`` (plain or ``async def``) with
        durable pauses until ``config.wait_strategy`` says stop; the final state."""
        return start_wait_for_condition(self._scope, self._tasks, check, config, name, self._body_logger)

    # --- fan-out: map, parallel, combinators --------------------------------------

    @overload
    def map(
        self,
        items: Sequence[I],
        fn: Callable[[AsyncDurableContext, I, int], Awaitable[Result[DurableOutput, DurableError]]],
        *,
        name: str | None = None,
        config: MapConfig[I, NoSerdes] | None = None,
    ) -> Op[BatchResult[DurableOutput]]: ...

    @overload
    def map(
        self,
        items: Sequence[I],
        fn: Callable[[AsyncDurableContext, I, int], Awaitable[Result[A, DurableError]]],
        *,
        name: str | None = None,
        config: MapConfig[I, A],
    ) -> Op[BatchResult[A]]: ...

    def map(
        self,
        items: Sequence[Any],
        fn: Callable[[AsyncDurableContext, Any, int], Awaitable[Result[Any, DurableError]]],
        *,
        name: str | None = None,
        config: MapConfig[Any, Any] | None = None,
    ) -> Op[BatchResult[Any]]:
        """Run ``await fn(ctx, item, index)`` for every item, each in its own child context,
        as asyncio tasks (at most ``max_concurrency`` at once); a ``BatchResult``."""
        cfg: MapConfig[Any, Any] = config or MapConfig()
        values = list(items)
        spec = batch_spec(OperationSubType.MAP, OperationSubType.MAP_ITERATION, cfg)
        branches = map_branches(values, fn, cfg)
        return start_batch(self._scope, self._tasks, spec, branches, len(values), name, self._context_for)

    @overload
    def parallel(
        self,
        branches: Sequence[Callable[[AsyncDurableContext], Awaitable[Result[DurableOutput, DurableError]]]],
        *,
        name: str | None = None,
        config: ParallelConfig[NoSerdes] | None = None,
    ) -> Op[BatchResult[DurableOutput]]: ...

    @overload
    def parallel(
        self,
        branches: Sequence[Callable[[AsyncDurableContext], Awaitable[Result[A, DurableError]]]],
        *,
        name: str | None = None,
        config: ParallelConfig[A],
    ) -> Op[BatchResult[A]]: ...

    def parallel(
        self,
        branches: Sequence[Callable[[AsyncDurableContext], Awaitable[Result[Any, DurableError]]]],
        *,
        name: str | None = None,
        config: ParallelConfig[Any] | None = None,
    ) -> Op[BatchResult[Any]]:
        """Run each branch in its own child context, as asyncio tasks; same rules as ``map``."""
        cfg: ParallelConfig[Any] = config or ParallelConfig()
        bodies = list(branches)
        spec = batch_spec(OperationSubType.PARALLEL, OperationSubType.PARALLEL_BRANCH, cfg)
        return start_batch(
            self._scope, self._tasks, spec, parallel_branches(bodies, cfg.item_namer), len(bodies), name, self._context_for
        )

    def all(self, operations: Sequence[Op[T]]) -> Op[list[T]]:
        """Every result, in order; the first failure to finish ends it as ``BatchFailed``
        (like ``Promise.all``). That failure is recorded (a STEP, subtype ``All``), so
        every replay names the same one."""
        return start_all(self._scope, self._tasks, list(operations))

    def all_settled(self, operations: Sequence[Op[T]]) -> Op[BatchResult[T]]:
        """Every operation's outcome once all have one (like ``Promise.allSettled``)."""
        return self._tasks.start(all_settled_of(self._tasks, list(operations)))

    def any(self, operations: Sequence[Op[T]]) -> Op[T]:
        """The first operation to succeed (like ``Promise.any``); ``BatchFailed`` when all
        fail. The winner is recorded (a STEP, subtype ``Any``): replays return the same."""
        return start_recorded(self._scope, self._tasks, "Any", list(operations), is_successful, no_winner(first_success))

    def race(self, operations: Sequence[Op[T]]) -> Op[T]:
        """The first operation to finish, success or failure (like ``Promise.race``);
        recorded (a STEP, subtype ``Race``) so every replay returns the same one."""
        return start_recorded(self._scope, self._tasks, "Race", list(operations), _finished, unsettled)

    # --- internals ------------------------------------------------------------

    def with_logger(self, logger: Logger) -> AsyncDurableContext:
        """The same context, logging through ``logger``."""
        return AsyncDurableContext(self._scope, self._tasks, logger)

    @property
    def _body_logger(self) -> Logger:
        """What the bodies' ``StepContext.logger`` writes through: this context's logger."""
        return self._user_logger or self.state.base_logger

    def _context_for(self, scope: Scope) -> AsyncDurableContext:
        return AsyncDurableContext(scope, self._tasks, self._user_logger)


def _finished(_: Result[Any, DurableError]) -> bool:
    return True
