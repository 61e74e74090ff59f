"""Log capture is exact per invocation however many run at once in one process.

Fifty in-process invocations run in fifty threads, held together by a barrier so they
all log while the others do: each execution's kept records must be exactly its own
markers, none lost, none borrowed from another execution.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, durable_handler
from lambda_durable.local import LocalBackend

INVOCATIONS = 50
RECORDS = 40

_together = threading.Barrier(INVOCATIONS, timeout=60)


@durable_handler
def chatty(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    _together.wait()  # every invocation is running before any logs
    for index in range(RECORDS):
        ctx.logger.info(f"{event}/{index}")
    return Success(event)


def test_fifty_concurrent_invocations_each_keep_exactly_their_own_records() -> None:
    with LocalBackend() as backend:
        backend.register("chatty", chatty)
        arns = {backend.start("chatty", f'"marker-{n}"').unwrap(): f"marker-{n}" for n in range(INVOCATIONS)}
        with ThreadPoolExecutor(max_workers=INVOCATIONS) as pool:
            assert all(pool.map(backend.step, arns))
        for arn, marker in arns.items():
            assert backend.describe(arn).result == f'"{marker}"'
            kept = [record["message"] for record in backend.logs(arn)]
            assert kept == [f"{marker}/{index}" for index in range(RECORDS)]
