"""Wire models cross the worker's pipe packed (pickled by field values): what comes out
is equal to what went in, for every kind of operation a real execution records."""

from __future__ import annotations

import pytest
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import run_local
from lambda_durable.local.invoke.rpc import pack, unpack
from lambda_durable.wire import CheckpointOutput, ErrorObject, ExecutionStatePage, Operation


@durable_handler
def everything(event: int, ctx: DurableContext) -> Result[int, DurableError]:
    return (
        ctx.step(lambda _: event + 1, name="one")
        .bind(lambda a: ctx.run_in_child_context(lambda child: child.step(lambda _: a * 2), name="inner"))
        .bind(lambda b: ctx.wait(Duration.seconds(3), name="pause").map(lambda _: b))
    )


def test_operations_and_answers_round_trip() -> None:
    outcome = run_local(everything, 1)
    operations = list(outcome.operations)
    assert len(operations) >= 4
    answer = CheckpointOutput(ExecutionStatePage(tuple(operations), "marker"), checkpoint_token="token-2")
    assert unpack(pack(answer), CheckpointOutput) == answer
    assert unpack(pack(operations), list) == operations
    single = ErrorObject(error_message="only one field set")
    assert unpack(pack(single), ErrorObject) == single
    assert all(isinstance(op, Operation) for op in unpack(pack(operations), list))


def test_unpacking_something_else_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="expected a CheckpointOutput"):
        unpack(pack([1, 2]), CheckpointOutput)
    with pytest.raises(ValueError, match="cannot unpack"):
        unpack("not base64 pickle", list)
    with pytest.raises(ValueError, match="expected a packed"):
        unpack(42, list)
