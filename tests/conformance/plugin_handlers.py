"""Conformance handlers for the plugin suite (10-x): instrumentation hooks.

Every requirement of the suite describes a plugin that prints one JSON object per hook
event to stdout, stamped with the execution ARN it captured at invocation start (the
validator finds records by that field, as CloudWatch's JSON filter does). The plugins
here are written against the public API only: ``DurablePlugin`` and its info types.
``handlers.py`` merges ``PLUGIN_HANDLERS`` into its ``HANDLERS``.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from returns.result import Result, Success

from lambda_durable import (
    BatchResult,
    DurableContext,
    DurableError,
    DurablePlugin,
    Duration,
    InvocationInfo,
    InvocationStatus,
    JitterStrategy,
    OperationChangeInfo,
    OperationInfo,
    OperationStatus,
    OperationType,
    ParallelConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    UserFunctionInfo,
    durable_handler,
)

CONFPLUGIN = "CONFPLUGIN"
ONE_SECOND_RETRY = RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE)
NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())
TERMINAL = (InvocationStatus.SUCCEEDED, InvocationStatus.FAILED)
_PRINTING = threading.Lock()


class Printing(DurablePlugin):
    """Prints records tagged with its label and the execution ARN of the invocation."""

    def __init__(self, label: str = CONFPLUGIN) -> None:
        self.label = label
        self.arn = ""
        self.first: bool | None = None

    def on_invocation_start(self, info: InvocationInfo) -> None:
        self.arn = info.execution_arn
        self.first = info.is_first_invocation

    def emit(self, hook: str, **fields: Any) -> None:
        """One line, written at once: branch threads may print at the same time."""
        record = {"plugin": self.label, "hook": hook, **fields, "durableExecutionArn": self.arn}
        line = json.dumps(record) + "\n"
        with _PRINTING:
            sys.stdout.write(line)
            sys.stdout.flush()


def _parent(parent_id: str | None) -> str:
    return parent_id if parent_id is not None else "NONE"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """A canonical dump omits what the info leaves unset."""
    return {key: value for key, value in fields.items() if value is not None}


def dump_operation(info: OperationInfo) -> dict[str, Any]:
    """An ``OperationInfo`` under the canonical camelCase names (10-20, 10-22)."""
    return _present(
        {
            "id": info.operation_id,
            "name": info.name,
            "type": info.operation_type.value,
            "subType": info.sub_type,
            "parentId": info.parent_id,
            "status": info.status.value if info.status is not None else None,
            "startTimestamp": _iso(info.start_time),
            "endTimestamp": _iso(info.end_time),
            "result": info.result,
            "error": info.error.error_message if info.error is not None else None,
            "attempt": info.attempt,
            "isReplay": info.is_replayed,
        }
    )


def dump_invocation(info: InvocationInfo) -> dict[str, Any]:
    """An ``InvocationInfo`` under the canonical camelCase names (10-19)."""
    fields = {
        "isFirstInvocation": info.is_first_invocation,
        "requestId": info.request_id,
        "operationsCount": info.operations_count,
        "updatedOperationsCount": info.updated_operations_count,
        "executionStartTimestamp": _iso(info.execution_start_time),
    }
    if info.status is not None:
        fields["status"] = info.status.value
        fields["terminal"] = info.status in TERMINAL
        fields["executionError"] = info.error.error_message if info.error is not None else None
    return _present(fields)


def _greet(event: str) -> Any:
    return lambda _: f"Hello, {event}!"


def _fails_first_attempt(step: StepContext) -> str:
    if step.attempt == 1:
        raise RuntimeError("first attempt fails")
    return "Operation succeeded"


def _boom(step: StepContext) -> str:
    raise RuntimeError("boom")


# --- 10-2: operation start and end ----------------------------------------------------------


class StepLifecycle(Printing):
    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP and info.status is not None:
            self.emit("operation-end", op=info.operation_id, status=info.status.value)


@durable_handler(plugins=[StepLifecycle()])
def plugin_operation_lifecycle(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_greet(event))


# --- 10-3: attempt hooks under retry --------------------------------------------------------


class Attempts(Printing):
    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP and info.outcome is not None:
            self.emit("attempt-end", n=info.attempt, outcome=info.outcome.value, op=info.operation_id)


@durable_handler(plugins=[Attempts()])
def plugin_attempts(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_fails_first_attempt, config=StepConfig(retry_strategy=ONE_SECOND_RETRY))


# --- 10-4, 10-17: a faulty plugin -----------------------------------------------------------


class PluginFault(RuntimeError):
    """What the faulty plugin raises from every hook."""


class Faulty(Printing):
    """Logs every hook it gets, then raises."""

    def __init__(self) -> None:
        super().__init__("CONFPLUGIN-FAULTY")

    def _fail(self, hook: str) -> None:
        self.emit(hook)
        raise PluginFault(f"faulty plugin: {hook}")

    def on_invocation_start(self, info: InvocationInfo) -> None:
        super().on_invocation_start(info)
        self._fail("invocation-start")

    def on_invocation_end(self, info: InvocationInfo) -> None:
        self._fail("invocation-end")

    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self._fail("operation-start")

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self._fail("operation-end")

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        raise PluginFault("faulty plugin: operation-change")

    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self._fail("attempt-start")

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self._fail("attempt-end")


@durable_handler(plugins=[Faulty()])
def plugin_faulty(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_greet(event))


class Healthy(Printing):
    """The lifecycle records of 10-17, from a plugin registered after a faulty one."""

    def __init__(self) -> None:
        super().__init__("CONFPLUGIN-HEALTHY")

    def on_invocation_start(self, info: InvocationInfo) -> None:
        super().on_invocation_start(info)
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationInfo) -> None:
        self.emit("invocation-end", status=info.status.value if info.status else None)

    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP and info.status is not None:
            self.emit("operation-end", op=info.operation_id, status=info.status.value)

    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("attempt-start", op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        if info.operation_type is OperationType.STEP and info.outcome is not None:
            self.emit("attempt-end", op=info.operation_id, outcome=info.outcome.value)


@durable_handler(plugins=[Faulty(), Healthy()])
def plugin_faulty_then_healthy(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_greet(event))


# --- 10-5, 10-6, 10-7, 10-16: invocation hooks ---------------------------------------------


class InvocationFlags(Printing):
    """invocation-start with the first flag; invocation-end with the status, the end
    info's own first flag and whether the status is terminal."""

    def on_invocation_start(self, info: InvocationInfo) -> None:
        super().on_invocation_start(info)
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationInfo) -> None:
        status = info.status
        self.emit(
            "invocation-end",
            first=info.is_first_invocation,
            terminal=status in TERMINAL,
            status=status.value if status is not None else None,
        )


@durable_handler(plugins=[InvocationFlags("CONFPLUGIN-A"), InvocationFlags("CONFPLUGIN-B")])
def plugin_two_plugins(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_greet(event))


@durable_handler(plugins=[InvocationFlags()])
def plugin_wait_invocations(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    return ctx.wait(Duration.seconds(2))


@durable_handler(plugins=[InvocationFlags()])
def plugin_wait_invocation_ends(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    return ctx.wait(Duration.seconds(2))


@durable_handler(plugins=[InvocationFlags()])
def plugin_terminal_failure(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_boom, config=NO_RETRY)


# --- 10-8, 10-22: operation change ----------------------------------------------------------


class Changes(Printing):
    def on_operation_change(self, info: OperationChangeInfo) -> None:
        for op_id, item in info.updated_operations.items():
            if item.operation_type is OperationType.STEP and item.status is not None:
                self.emit("operation-change", op=op_id, status=item.status.value, in_full_map=op_id in info.operations)


@durable_handler(plugins=[Changes()])
def plugin_operation_change(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(_greet(event))


class ChangeDump(Printing):
    def on_operation_change(self, info: OperationChangeInfo) -> None:
        for op_id, item in info.updated_operations.items():
            if item.operation_type is OperationType.STEP:
                self.emit(
                    "operation-change",
                    executionArn=info.execution_arn,
                    updatedOperationsCount=len(info.updated_operations),
                    operationsCount=len(info.operations),
                    inFullMap=op_id in info.operations,
                    **dump_operation(item),
                )


@durable_handler(plugins=[ChangeDump()])
def plugin_change_fields(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: "task-a", name="greet")


# --- 10-9: an operation completed outside the handler ---------------------------------------


class UpdatedOnInvoke(Printing):
    """A replayed end is an operation that finished outside the handler (the wait's timer)."""

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.WAIT and info.is_replayed and info.status is not None:
            self.emit("updated-on-invoke", op=info.operation_id, status=info.status.value, first=self.first)


@durable_handler(plugins=[UpdatedOnInvoke()])
def plugin_updated_on_invoke(event: Any, ctx: DurableContext) -> Result[None, DurableError]:
    return ctx.wait(Duration.seconds(2))


# --- 10-11: parent linkage ------------------------------------------------------------------


class Ends(Printing):
    def on_operation_end(self, info: OperationInfo) -> None:
        if info.status is not None:
            self.emit("operation-end", op=info.operation_id, parent=_parent(info.parent_id), status=info.status.value)


@durable_handler(plugins=[Ends()])
def plugin_parent_linkage(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.run_in_child_context(lambda child: child.step(_greet(event)))


# --- 10-12: branch user functions -----------------------------------------------------------


class BranchFunctions(Printing):
    def on_user_function_start(self, info: UserFunctionInfo) -> None:
        if info.sub_type == "ParallelBranch":
            self.emit("fn-start", op=info.operation_id, parent=_parent(info.parent_id))

    def on_user_function_end(self, info: UserFunctionInfo) -> None:
        if info.sub_type == "ParallelBranch" and info.outcome is not None:
            self.emit("fn-end", op=info.operation_id, parent=_parent(info.parent_id), outcome=info.outcome.value)


def _constant(value: str) -> Callable[[DurableContext], Result[str, DurableError]]:
    return lambda _: Success(value)


def _results(batch: BatchResult[str]) -> Result[list[str], DurableError]:
    return batch.to_result()


@durable_handler(plugins=[BranchFunctions()])
def plugin_branch_functions(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    branches = [_constant("task-1"), _constant("task-2")]
    return ctx.parallel(branches, name="parallel", config=ParallelConfig(max_concurrency=1)).bind(_results)


# --- 10-13: replay flag on operation start --------------------------------------------------


class ReplayFlags(Printing):
    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-start", op=info.operation_id, replay=info.is_replayed)

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP and info.status is not None:
            self.emit("operation-end", op=info.operation_id, status=info.status.value)


@durable_handler(plugins=[ReplayFlags()])
def plugin_replay_flags(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    config = StepConfig(retry_strategy=ONE_SECOND_RETRY)
    return ctx.step(lambda _: "A done").bind(lambda _: ctx.step(_fails_first_attempt, config=config))


# --- 10-14: end payloads --------------------------------------------------------------------


class EndPayloads(Printing):
    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP and info.status is not None:
            self.emit(
                "operation-end",
                op=info.operation_id,
                status=info.status.value,
                result=info.result if info.result is not None else "NONE",
                error=info.error.error_message if info.error is not None and info.error.error_message else "NONE",
            )


@durable_handler(plugins=[EndPayloads()])
def plugin_end_payloads(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: "task-a").bind(lambda _: ctx.step(_boom, config=NO_RETRY))


# --- 10-18: a pending wait seen again on replay ---------------------------------------------


class WaitReplays(Printing):
    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.WAIT:
            pending = info.status is None or not info.status.is_terminal
            self.emit("operation-start", type="WAIT", name=info.name, replay=info.is_replayed, pending=pending)

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.WAIT and info.status is not None:
            self.emit("operation-end", type="WAIT", name=info.name, status=info.status.value)


def _wait_then(seconds: int, name: str, value: str) -> Callable[[DurableContext], Result[str, DurableError]]:
    return lambda branch: branch.wait(Duration.seconds(seconds), name=name).map(lambda _: value)


@durable_handler(plugins=[WaitReplays()])
def plugin_pending_wait_replay(event: Any, ctx: DurableContext) -> Result[list[str], DurableError]:
    branches = [_wait_then(2, "short", "short-done"), _wait_then(8, "long", "long-done")]
    return ctx.parallel(branches, name="waits", config=ParallelConfig(max_concurrency=2)).bind(_results)


# --- 10-19, 10-20: canonical info dumps -----------------------------------------------------


class InvocationDump(Printing):
    def on_invocation_start(self, info: InvocationInfo) -> None:
        super().on_invocation_start(info)
        self.emit("invocation-start", **dump_invocation(info))

    def on_invocation_end(self, info: InvocationInfo) -> None:
        self.emit("invocation-end", **dump_invocation(info))


@durable_handler(plugins=[InvocationDump()])
def plugin_invocation_fields(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.wait(Duration.seconds(2)).map(lambda _: f"done-{event}")


class OperationDump(Printing):
    def on_operation_start(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-start", **dump_operation(info))

    def on_operation_end(self, info: OperationInfo) -> None:
        if info.operation_type is OperationType.STEP:
            self.emit("operation-end", **dump_operation(info))


@durable_handler(plugins=[OperationDump()])
def plugin_operation_fields(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: "task-a", name="greet")


PLUGIN_HANDLERS = {
    "10-2": plugin_operation_lifecycle,
    "10-3": plugin_attempts,
    "10-4": plugin_faulty,
    "10-5": plugin_two_plugins,
    "10-6": plugin_wait_invocations,
    "10-7": plugin_terminal_failure,
    "10-8": plugin_operation_change,
    "10-9": plugin_updated_on_invoke,
    "10-11": plugin_parent_linkage,
    "10-12": plugin_branch_functions,
    "10-13": plugin_replay_flags,
    "10-14": plugin_end_payloads,
    "10-16": plugin_wait_invocation_ends,
    "10-17": plugin_faulty_then_healthy,
    "10-18": plugin_pending_wait_replay,
    "10-19": plugin_invocation_fields,
    "10-20": plugin_operation_fields,
    "10-22": plugin_change_fields,
}
"""Handlers of the plugin suite by requirement id."""
