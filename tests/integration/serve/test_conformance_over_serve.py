"""The conformance requirements, end to end through ``lambda-durable serve`` and boto3.

The same requirement files, handlers (``tests/conformance/handlers.py`` and its async twin
``async_handlers.py``) and runner as ``tests/conformance/test_conformance.py``, but each
requirement runs on a fresh ``DurableServer`` with ``serve``'s default options (durable
handlers in warm worker processes, so the crash requirements 1-17 and 3-12 need no
special treatment); the async twin also runs with handlers in the server's process
(``serve --in-process``; a crashing handler then runs isolated in a child process that
checkpoints over HTTP). Each goes through
``ServeBackend`` (see ``serve_conformance``): started with
``Invoke``, read with ``GetDurableExecution``/``GetDurableExecutionHistory``, answered
with the ``SendDurableExecutionCallback*`` APIs, every response checked against
botocore's model. The histories a client reads over the wire must match the same
expected histories.

Requirements are found as the in-process test finds them: ``$LAMBDA_DURABLE_CONFORMANCE``
if set (it must exist), else ``<repo>/../shared/conformance/requirements`` (skipped if
absent). Callback timeouts and action delays run in real time on ``serve``, so every
requirement runs at once on its own server (one module-scoped pass in a thread pool);
each test then reports its own verdict.

Most requirements run on ``serve``'s default skipping clock. One whose callback is
answered after a real delay while the execution also waits runs on a real-time server
(its test id says ``real-time``): there the answer must land while the wait is still
running, as on Lambda, but a skipping server skips a wait as soon as nothing runs, even
with a callback open, and no client can hold it back (see ``needs_real_time``).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from returns.pipeline import is_successful
from returns.result import Result
from serve_conformance import ServeBackend

from lambda_durable.conformance.handler_file import load_handler_file
from lambda_durable.conformance.report import Verdict, VerdictKind
from lambda_durable.conformance.requirements import Requirement, RequirementError, load_requirements, loaded_id
from lambda_durable.conformance.runner import Runner
from lambda_durable.local.invoke.pool import WorkerPool

REPO = Path(__file__).resolve().parents[3]
HANDLERS_FILE = REPO / "tests" / "conformance" / "handlers.py"
ASYNC_HANDLERS_FILE = REPO / "tests" / "conformance" / "async_handlers.py"
ENV_VAR = "LAMBDA_DURABLE_CONFORMANCE"
SUITES = (
    "step", "wait", "child", "callback", "invoke", "wait_for_condition", "wait_for_callback", "map", "parallel",
    "plugin",
)
"""The suites ``tests/conformance/test_conformance.py`` runs in process."""
ASYNC_SUITES = tuple(suite for suite in SUITES if suite != "plugin")
"""The suites the async twin covers: the plugin hooks fire alike for both APIs, so the
plugin suite's handlers are written once, for the sync API."""
WORKERS = 24
"""Requirements in flight at once: most of a run is real-time callback timeouts and
action delays, so they overlap well even on two cores."""
POOL_WORKERS = 4
"""Warm worker processes shared by every server, as ``serve`` runs handlers by default
(one pool for all, so the run starts a handful of processes, not one per server)."""

Loaded = Result[Requirement, RequirementError]


def needs_real_time(requirement: Requirement) -> bool:
    """Whether a callback is answered after a real ``Delay`` (docs/protocol.md §10.4) while the
    execution also waits. On the skipping clock the pump ends the wait at once, before
    the answer lands (4-9, 4-10): a history Lambda would not write, and no client can
    hold the pump back. (A callback *timeout* due before a wait end is fine: the jump
    stops at the timeout first, 4-11.)"""
    kinds = {e.get("EventType") for e in requirement.expected_history if isinstance(e, Mapping)}
    answered_later = any(action.delay_seconds > 0 for action in requirement.callback_actions)
    return answered_later and {"WaitStarted", "CallbackStarted"} <= kinds


def _real_time(item: Loaded) -> bool:
    return is_successful(item) and needs_real_time(item.unwrap())


def _requirements_root() -> Path | None:
    """As ``tests/conformance/test_conformance.py`` finds it; None: not available here."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)  # a bad path fails below, as in the in-process test
    root = REPO.parent / "shared" / "conformance" / "requirements"
    return root if root.is_dir() else None


def _load(suites: tuple[str, ...]) -> list[Loaded]:
    root = _requirements_root()
    if root is None or not root.is_dir():
        return []
    return load_requirements([root / suite for suite in suites if (root / suite).is_dir()])


def _params(loaded: list[Loaded]) -> list[Any]:
    return [
        pytest.param(loaded_id(item), id=f"{loaded_id(item)}-real-time" if _real_time(item) else loaded_id(item))
        for item in loaded
    ]


LOADED = _load(SUITES)
PARAMS = _params(LOADED)
ASYNC_LOADED = _load(ASYNC_SUITES)
ASYNC_PARAMS = _params(ASYNC_LOADED)


def _verdicts(handlers: Path, in_workers: bool, requirements: list[Loaded]) -> Iterator[dict[str, Verdict]]:
    """Every requirement's verdict for ``handlers``, durable handlers in a pool of warm
    workers or (``in_workers`` False) in the server's process."""
    loaded = load_handler_file(handlers)
    assert is_successful(loaded), loaded.failure()
    handler_file = loaded.unwrap()
    rng = random.Random(20261201)
    pool = WorkerPool(POOL_WORKERS)
    used = pool if in_workers else None
    skipping = Runner(handler_file, backend_factory=lambda: ServeBackend(pool=used, handler_file=handler_file), rng=rng)
    real_time = Runner(
        handler_file, backend_factory=lambda: ServeBackend(real_time=True, pool=used, handler_file=handler_file), rng=rng
    )

    def verdict(item: Loaded) -> Verdict:
        return (real_time if _real_time(item) else skipping).verdict(item)

    wanted = list(requirements)
    # the slow (real-time) ones first, so they overlap with everything else
    wanted.sort(key=lambda item: not _real_time(item))
    with pool, ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="conformance-over-serve") as threads:
        yield {v.requirement_id: v for v in threads.map(verdict, wanted)}


@pytest.fixture(scope="module")
def verdicts() -> Iterator[dict[str, Verdict]]:
    yield from _verdicts(HANDLERS_FILE, in_workers=True, requirements=LOADED)


@pytest.fixture(scope="module", params=["workers", "in-process"])
def async_verdicts(request: pytest.FixtureRequest) -> Iterator[dict[str, Verdict]]:
    yield from _verdicts(ASYNC_HANDLERS_FILE, in_workers=request.param == "workers", requirements=ASYNC_LOADED)


def test_requirements_are_available() -> None:
    configured = os.environ.get(ENV_VAR)
    if configured and not Path(configured).is_dir():
        pytest.fail(f"{ENV_VAR}={configured!r} is not a directory")
    if not LOADED:
        pytest.skip(f"conformance requirements not found (set {ENV_VAR} to run them over serve)")
    missing = [suite for suite in SUITES if not (_requirements_root() or Path()).joinpath(suite).is_dir()]
    assert not missing, f"requirement suites missing: {missing}"


@pytest.mark.parametrize("requirement_id", PARAMS)
def test_requirement_passes_over_serve(requirement_id: str, verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts[requirement_id]
    assert verdict.kind is VerdictKind.PASS, verdict.line()


@pytest.mark.parametrize("requirement_id", ASYNC_PARAMS)
def test_the_async_twin_passes_over_serve(requirement_id: str, async_verdicts: dict[str, Verdict]) -> None:
    verdict = async_verdicts[requirement_id]
    assert verdict.kind is VerdictKind.PASS, verdict.line()
