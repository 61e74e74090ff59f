"""Overlapping log captures (invocations in different threads) each keep their records."""

from __future__ import annotations

import logging
from typing import Any

from lambda_durable.local.invoke.logs import SDK_LOGGER, capture_logs


def test_a_capture_that_ends_first_does_not_drop_the_records_of_one_still_running() -> None:
    sdk = logging.getLogger(SDK_LOGGER)
    assert sdk.level == logging.NOTSET
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    with capture_logs("arn:first", first.append):
        outer = capture_logs("arn:second", second.append)
        outer.__enter__()  # the second invocation starts while the first runs ...
    try:
        # ... and logs after the first has ended
        sdk.info("still here", extra={"executionArn": "arn:second"})
    finally:
        outer.__exit__(None, None, None)
    assert [r["message"] for r in second] == ["still here"]
    assert first == []
    assert sdk.level == logging.NOTSET  # the last capture to end restores it
