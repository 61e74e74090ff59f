"""Hooks that answer callbacks from inside a local run (``run_local(callbacks=...)``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_durable.wire import ErrorObject

Answer = Callable[[Any, Any], None]


def succeed_with(text: str | None) -> Answer:
    """Answer every callback with ``text`` as its raw result."""

    def answer(info: Any, sender: Any) -> None:
        sender.send_callback_success(info.callback_id, text)

    return answer


def fail_with(error: ErrorObject) -> Answer:
    """Fail every callback with ``error``."""

    def answer(info: Any, sender: Any) -> None:
        sender.send_callback_failure(info.callback_id, error)

    return answer
