"""The runnable examples under docs/examples run to SUCCEEDED on the local backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def test_examples_exist() -> None:
    assert {p.stem for p in SCRIPTS} >= {
        "order_workflow",
        "retries",
        "child_contexts",
        "custom_serdes",
        "callbacks",
        "wait_for_callback",
        "invoke",
        "wait_for_condition",
        "map",
        "parallel",
        "combinators",
        "cancel_wait",
        "async_workflow",
    }


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_to_success(script: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("status: SUCCEEDED"), completed.stdout + completed.stderr
