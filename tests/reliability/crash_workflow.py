"""The crash harness's workflow (run in worker processes, so it lives in its own file).

One execution goes through a step that fails its first attempt and is retried, an
at-most-once step with a side effect, a child context, a map, a wait and a callback. At
one or two points chosen per execution (seeded by its ARN), the process kills itself
with SIGKILL the first time the execution gets there, mid-invocation, the way a host
dies. The result is ``12 * (event + 1)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

from returns.result import Result

from lambda_durable import (
    BatchResult,
    DurableContext,
    DurableError,
    Duration,
    StepConfig,
    StepContext,
    StepSemantics,
    durable_handler,
)

FOLDER_VAR = "LAMBDA_DURABLE_CRASH_DIR"
"""Where kill markers and the at-most-once side effects go."""
POINTS = 7


def kill_points(arn: str) -> set[int]:
    """Where this execution's process dies: one or two of the ``POINTS``."""
    digest = int(hashlib.sha256(arn.encode()).hexdigest(), 16)
    return {digest % POINTS, (digest // POINTS) % POINTS} if digest % 2 else {digest % POINTS}


def _folder() -> Path:
    return Path(os.environ[FOLDER_VAR])


def _die_at(arn: str, point: int) -> None:
    """SIGKILL this process the first time the execution reaches a point of its own."""
    if point not in kill_points(arn):
        return
    marker = _folder() / f"{hashlib.sha256(arn.encode()).hexdigest()[:24]}-{point}"
    if marker.exists():
        return
    marker.touch()
    os.kill(os.getpid(), signal.SIGKILL)


def _first(arn: str, event: int) -> Callable[[StepContext], int]:
    def body(step: StepContext) -> int:
        _die_at(arn, 1)
        if step.attempt == 1:
            raise ValueError("transient: the first attempt always fails")
        return event + 1

    return body


def _charge(arn: str, amount: int) -> Callable[[StepContext], int]:
    def body(step: StepContext) -> int:
        with open(_folder() / "side-effects.jsonl", "a") as effects:
            effects.write(json.dumps([arn, step.attempt]) + "\n")
        _die_at(arn, 2)  # after the side effect: the next attempt must not repeat this one
        return amount

    return body


def _double(arn: str, value: int) -> Callable[[StepContext], int]:
    def body(_: StepContext) -> int:
        _die_at(arn, 3)
        return 2 * value

    return body


def _item(arn: str, factor: int) -> Callable[[DurableContext, int, int], Result[int, DurableError]]:
    def step(item_ctx: DurableContext, item: int, _index: int) -> Result[int, DurableError]:
        def body(_: StepContext) -> int:
            _die_at(arn, 4)
            return item * factor

        return item_ctx.step(body, name="times")

    return step


def _sum(batch: BatchResult[int]) -> Result[int, DurableError]:
    return batch.to_result().map(sum)


def _last(arn: str, total: int) -> Callable[[StepContext], int]:
    def body(_: StepContext) -> int:
        _die_at(arn, 6)
        return total

    return body


AT_MOST_ONCE = StepConfig(semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)


@durable_handler
def workflow(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    arn = ctx.durable_execution_arn
    _die_at(arn, 0)

    def approved(total: int) -> Result[int, DurableError]:
        return ctx.create_callback(str, name="approval").bind(lambda cb: cb.result()).map(lambda _: total)

    def last(total: int) -> Result[int, DurableError]:
        _die_at(arn, 5)
        return ctx.step(_last(arn, total), name="last")

    return (
        ctx.step(_first(arn, event), name="first")
        .bind(lambda a: ctx.step(_charge(arn, a), name="charge", config=AT_MOST_ONCE))
        .bind(lambda b: ctx.run_in_child_context(lambda child: child.step(_double(arn, b), name="double"), name="inner"))
        .bind(lambda c: ctx.map([1, 2, 3], _item(arn, c), name="fan"))
        .bind(_sum)
        .bind(lambda total: ctx.wait(Duration.seconds(10), name="pause").map(lambda _: total))
        .bind(approved)
        .bind(last)
    )


HANDLERS = {"workflow": workflow}
