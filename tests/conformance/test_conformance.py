"""Runs the language-neutral conformance requirements against ``handlers.py`` and its
async twin ``async_handlers.py``.

The requirements live outside the repository: ``$LAMBDA_DURABLE_CONFORMANCE`` if set
(it must exist), else ``<repo>/../shared/conformance/requirements`` (skipped if absent).
Each suite directory is run through ``lambda-durable conformance`` in a subprocess, as a
user would run it; every requirement file must pass, and the PASS lines must name exactly
the suite's requirement files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
HANDLERS_FILE = HERE / "handlers.py"
ASYNC_HANDLERS_FILE = HERE / "async_handlers.py"
SUITES = ("step", "wait", "child")
OPERATION_SUITES = ("callback", "invoke", "wait_for_condition", "wait_for_callback", "map", "parallel", "plugin")
"""Run one subprocess per suite, so a failure points at the suite and its pass count."""
ASYNC_SUITES = tuple(suite for suite in SUITES + OPERATION_SUITES if suite != "plugin")
"""The async twin (``async_handlers.py``) covers every suite but plugin: the plugin hooks
fire alike for both APIs, so the plugin suite's handlers are written once, for the sync API."""
EXPECTED_COUNTS = {
    "step": 16,
    "wait": 4,
    "child": 14,
    "callback": 15,
    "invoke": 13,
    "wait_for_condition": 10,
    "wait_for_callback": 12,
    "map": 16,
    "parallel": 18,
    "plugin": 18,
}
"""Requirement files per suite when this was written; a new file needs a handler."""
ENV_VAR = "LAMBDA_DURABLE_CONFORMANCE"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def _requirements_root() -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        root = Path(configured)
        if not root.is_dir():
            pytest.fail(f"{ENV_VAR}={configured!r} is not a directory")
        return root
    root = REPO.parent / "shared" / "conformance" / "requirements"
    if not root.is_dir():
        pytest.skip(f"conformance requirements not found at {root} (set {ENV_VAR} to run them)")
    return root


@pytest.fixture(scope="module")
def suite_dirs() -> list[Path]:
    root = _requirements_root()
    dirs = [root / suite for suite in SUITES]
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        pytest.fail(f"requirement suites missing under {root}: {', '.join(missing)}")
    return dirs


def _run_conformance(dirs: list[Path], handlers: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "lambda_durable.cli",
        "conformance",
        "--requirements",
        *map(str, dirs),
        "--handlers",
        str(handlers),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO, check=False)


def _assert_all_pass(dirs: list[Path], handlers: Path = HANDLERS_FILE) -> None:
    expected_ids = sorted(p.stem for d in dirs for p in d.glob("*.yaml"))
    assert expected_ids, f"no requirement files under {dirs}"

    completed = _run_conformance(dirs, handlers)
    output = completed.stdout
    report = f"exit {completed.returncode}\n--- stdout\n{output}\n--- stderr\n{completed.stderr}"

    lines = [line.strip() for line in output.splitlines() if line.strip()]
    summaries = [m for m in (SUMMARY.match(line) for line in lines) if m]
    assert summaries, f"no 'N passed, M failed' line\n{report}"
    passed, failed = (int(n) for n in summaries[-1].groups())
    assert completed.returncode == 0, report
    assert failed == 0, report
    assert passed == len(expected_ids), report
    passed_ids = sorted(line.removeprefix("PASS ").strip() for line in lines if line.startswith("PASS "))
    assert passed_ids == expected_ids, report


def test_every_step_wait_and_child_requirement_passes(suite_dirs: list[Path]) -> None:
    _assert_all_pass(suite_dirs)


@pytest.mark.parametrize("suite", OPERATION_SUITES)
def test_every_requirement_of_the_suite_passes(suite: str) -> None:
    directory = _requirements_root() / suite
    if not directory.is_dir():
        pytest.fail(f"requirement suite missing: {directory}")
    _assert_all_pass([directory])


@pytest.mark.parametrize("suite", ASYNC_SUITES)
def test_the_async_twin_passes_every_requirement_of_the_suite(suite: str) -> None:
    directory = _requirements_root() / suite
    if not directory.is_dir():
        pytest.fail(f"requirement suite missing: {directory}")
    _assert_all_pass([directory], ASYNC_HANDLERS_FILE)


def test_the_requirement_set_is_the_expected_one(suite_dirs: list[Path]) -> None:
    """34 requirements when this was written; a new file needs a handler in handlers.py."""
    count = sum(1 for d in suite_dirs for _ in d.glob("*.yaml"))
    assert count == 34


def test_every_suite_has_the_expected_number_of_requirements() -> None:
    root = _requirements_root()
    counts = {suite: sum(1 for _ in (root / suite).glob("*.yaml")) for suite in EXPECTED_COUNTS}
    assert counts == EXPECTED_COUNTS
