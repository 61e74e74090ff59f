"""Handlers that break their process on their first invocation of each execution (the
tests of ``serve``'s worker pool), and one that always behaves."""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from returns.result import Result

from lambda_durable import DurableContext, DurableError, DurableHandler, durable_handler

HUNG_SECONDS = 1.0
"""The invocation timeout of ``hangs`` (short, so the test is quick)."""
TOO_MUCH = 64 * 1024**3
"""More address space than any worker of the tests may have."""


def _first_time(ctx: DurableContext) -> bool:
    """True on the first invocation of this execution (a marker file survives the crash)."""
    digest = hashlib.sha256(ctx.durable_execution_arn.encode()).hexdigest()[:32]
    marker = Path(tempfile.gettempdir()) / "lambda-durable-crash-tests" / digest
    marker.parent.mkdir(parents=True, exist_ok=True)
    if marker.exists():
        return False
    marker.touch()
    return True


def _breaks_first_time(breaking: Callable[[], object]) -> DurableHandler[Any, str]:
    """A handler whose first invocation of each execution runs ``breaking``, then greets."""

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        if _first_time(ctx):
            breaking()
        return ctx.step(lambda _: f"survived {event}", name="greet")

    return handler


@durable_handler
def always_crashes(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    os._exit(1)


@durable_handler
def greet(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: f"hello {event}", name="greet")


HANDLERS = {
    "exits": _breaks_first_time(lambda: os._exit(3)),
    "segfaults": _breaks_first_time(lambda: os.kill(os.getpid(), signal.SIGSEGV)),
    "hangs": _breaks_first_time(lambda: time.sleep(3600)),
    "hogs": _breaks_first_time(lambda: bytearray(TOO_MUCH)),
    "always_crashes": always_crashes,
    "greet": greet,
}
TIMEOUTS = {"hangs": HUNG_SECONDS}
