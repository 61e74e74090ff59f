"""The shared workloads every cell of the compatibility matrix runs, and their answers."""

from __future__ import annotations

import json
from typing import Any

EXPECTED: dict[str, Any] = {
    "steps": 6,
    "wait": "woke",
    "callback": "approved: yes",
    "child": 42,
    "map": [10, 20, 30],
}
CALLBACK_ANSWER = b'"yes"'
NAMES = sorted(EXPECTED)


def result_of(text: str | None) -> Any:
    return json.loads(text) if text is not None else None
