"""The benchmark's workloads: what each one runs, what its result must be, how it is timed.

Shared by the orchestrator (``run.py``) and both workers (``bench_ours.py``,
``bench_official.py``); standard library only, so it imports in any venv.

Every workload is written twice, once per SDK, with the same shape: the same
operations (type and count), the same step bodies, the same result. A run whose
result or operation count differs from the expectation here is an error, never a time.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Literal

Kind = Literal["steps", "replay", "map", "parallel", "wait", "child", "io-map", "io-parallel", "race"]
Metric = Literal["per_step", "per_replayed_op", "total"]


@dataclass(frozen=True)
class Workload:
    """One row of the table."""

    key: str
    """Stable id, used on the command line (``--only``) and in the JSON."""
    label: str
    kind: Kind
    n: int
    """Steps, items or branches."""
    metric: Metric
    """``per_step``: execution time / n; ``per_replayed_op``: in the second invocation,
    the time from the handler's call to the end of its n replayed steps, / n;
    ``total``: the execution's time."""
    max_concurrency: int | None = None
    wait_seconds: int = 5
    sleep_ms: int = 0
    """I/O rows: how long each step body sleeps (an HTTP call, a query); in a race, the
    first branch sleeps ten times as long as the second, which wins."""
    asynchronous: bool = False
    """Ours through the async API (``async def`` handler, branches and step bodies, I/O
    as ``await asyncio.sleep``); the official SDK has no async API and runs the same
    shape with its sync one."""

    def sleep_of(self, index: int) -> float:
        """Seconds the step body of item or branch ``index`` sleeps."""
        if self.kind == "race" and index == 0:
            return self.sleep_ms * 10 / 1000
        return self.sleep_ms / 1000

    @property
    def floor_seconds(self) -> float | None:
        """I/O rows: the least time the work can take, ``sleep × ceil(n / concurrency)``."""
        if self.kind not in ("io-map", "io-parallel", "race"):
            return None
        if self.kind == "race":
            return self.sleep_ms / 1000
        concurrency = self.max_concurrency or self.n
        return self.sleep_ms / 1000 * -(-self.n // concurrency)

    @property
    def expected_result(self) -> int:
        """Every workload adds up the values its steps return."""
        if self.kind in ("steps", "replay", "child"):
            return sum(range(self.n))  # step i returns total + i
        if self.kind in ("map", "io-map"):
            return 2 * sum(range(self.n))  # item i's step returns 2 * i
        if self.kind == "parallel" or self.kind == "io-parallel":
            return sum(range(self.n))  # branch i's step returns i
        if self.kind == "race":
            return 1  # branch 1 (the short sleep) wins
        return 0  # wait: the handler returns 0 after the wait

    @property
    def accepted_operations(self) -> range:
        """Operations the final state may hold: exactly ``expected_operations``, but for a
        race, whose abandoned loser may or may not have recorded its step's start."""
        if self.kind == "race":
            return range(4, 6)  # the race, two branch contexts, the winner's step (+ the loser's)
        return range(self.expected_operations, self.expected_operations + 1)

    @property
    def accepted_step_runs(self) -> range:
        """Step bodies run: each once; a race's loser may still be sleeping at the end."""
        if self.kind == "race":
            return range(1, 3)
        return range(self.expected_step_runs, self.expected_step_runs + 1)

    @property
    def expected_operations(self) -> int:
        """Operations in the final state, not counting the EXECUTION operation."""
        if self.kind == "steps":
            return self.n  # n steps
        if self.kind == "replay":
            return self.n + 1  # n steps, one wait
        if self.kind in ("map", "parallel", "io-map", "io-parallel", "race"):
            return 1 + 2 * self.n  # the batch context, one context per item, one step in each
        if self.kind == "child":
            return 2 * self.n  # one child context per step
        return 1  # one wait

    @property
    def expected_step_runs(self) -> int:
        return 0 if self.kind == "wait" else self.n

    @property
    def expected_invocations(self) -> int:
        return 2 if self.kind in ("replay", "wait") else 1

    @property
    def divisor(self) -> int:
        """What the measured time is divided by for the reported figure."""
        if self.metric in ("per_step", "per_replayed_op"):
            return self.n
        return 1


WORKLOADS: tuple[Workload, ...] = (
    Workload("steps-100", "100 sequential steps (per step)", "steps", 100, "per_step"),
    Workload("steps-1000", "1 000 sequential steps (per step)", "steps", 1000, "per_step"),
    Workload("steps-10000", "10 000 sequential steps (per step)", "steps", 10000, "per_step"),
    Workload("replay-1000", "replay of 1 000 finished steps (per op)", "replay", 1000, "per_replayed_op"),
    Workload("map-1000", "map of 1 000 items, default", "map", 1000, "total"),
    Workload("map-1000-c10", "map of 1 000 items, max_concurrency 10", "map", 1000, "total", max_concurrency=10),
    Workload("parallel-100", "parallel of 100 branches", "parallel", 100, "total"),
    Workload("wait-5s", "a 5 s wait, skipped", "wait", 1, "total"),
    Workload("child-1000", "1 000 steps, a child context each (per step)", "child", 1000, "per_step"),
    Workload("io-map-100", "I/O map of 100 items, 50 ms each", "io-map", 100, "total", sleep_ms=50),
    Workload(
        "io-map-100-c10", "I/O map of 100 items, 50 ms each, max_concurrency 10", "io-map", 100, "total",
        max_concurrency=10, sleep_ms=50,
    ),
    Workload("io-parallel-20", "I/O parallel of 20 branches, 100 ms each", "io-parallel", 20, "total", sleep_ms=100),
    Workload("race-50-500", "race of a 50 ms and a 500 ms branch", "race", 2, "total", sleep_ms=50),
    Workload(
        "async-steps-1000", "1 000 sequential async steps (per step; official: sync)", "steps", 1000, "per_step",
        asynchronous=True,
    ),
    Workload(
        "async-io-map-100", "async map of 100 items, 50 ms each (official: sync)", "io-map", 100, "total",
        sleep_ms=50, asynchronous=True,
    ),
)

BY_KEY = {w.key: w for w in WORKLOADS}

PLAIN = "plain"
"""The I/O rows' third runner (``bench_plain.py``): the same bodies on plain threads, no SDK."""


@dataclass(frozen=True)
class Measurement:
    """What a worker reports for one run of one workload (one JSON object)."""

    sdk: str
    workload: str
    seconds: float
    """The timed span: the whole execution, or for ``replay`` the second invocation
    from the handler's call to the end of the replayed steps."""
    execution_seconds: float
    """Start of the execution to its terminal state (both invocations for waits)."""
    execution_cpu_seconds: float
    """CPU time of the whole process (all threads) over ``execution_seconds``: a figure
    less disturbed than wall time when other work shares the machine."""
    invocation_seconds: tuple[float, ...]
    """Each handler invocation, as the handler wrapper timed it."""
    result: int
    status: str
    operations: int
    step_runs: int
    """How many times a step body ran (each runs once: a replay runs none again)."""
    checkpoint_calls: int
    state_calls: int
    """``GetDurableExecutionState`` calls (paging the operation log)."""
    peak_rss_kib: int
    probe_seconds: float = 0.0
    """The machine-speed probe (``speed_probe``) in this process, before and after the
    timed run, averaged: how fast the machine ran when this run was timed."""
    full_collections: int = 0
    """Full (generation 2) garbage collections during the timed run: each walks every
    tracked object of the process (10-20 ms here), and whether one lands in a given run
    depends on the process's allocation history."""
    full_collection_seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Measurement:
        raw = json.loads(text)
        raw["invocation_seconds"] = tuple(raw["invocation_seconds"])
        return cls(**raw)


class WrongResult(Exception):
    """A run whose result, status, operation count or invocation count is not the expected one."""


def verify(workload: Workload, m: Measurement) -> None:
    """Raise ``WrongResult`` unless the run did exactly what the workload says."""
    problems = []
    if m.status != "SUCCEEDED":
        problems.append(f"status {m.status}")
    if m.result != workload.expected_result:
        problems.append(f"result {m.result}, expected {workload.expected_result}")
    if m.step_runs not in workload.accepted_step_runs:
        problems.append(f"step bodies ran {m.step_runs} times, expected {workload.expected_step_runs}")
    if m.sdk != PLAIN:  # the plain row has no operation and no invocation, only the bodies
        if m.operations not in workload.accepted_operations:
            problems.append(f"{m.operations} operations, expected {workload.expected_operations}")
        if len(m.invocation_seconds) != workload.expected_invocations:
            problems.append(f"{len(m.invocation_seconds)} invocations, expected {workload.expected_invocations}")
    if not m.seconds > 0:
        problems.append(f"timed span {m.seconds} s")
    if workload.kind == "wait" and m.execution_seconds >= workload.wait_seconds:
        problems.append(f"the {workload.wait_seconds} s wait was not skipped ({m.execution_seconds:.2f} s)")
    if problems:
        raise WrongResult(f"{m.sdk} {workload.key}: " + "; ".join(problems))


_STEP_RUNS = [0]


def ran(value: int) -> int:
    """Count one run of a step body (every step body of both workers goes through here)."""
    _STEP_RUNS[0] += 1
    return value


def step_runs(reset: bool = False) -> int:
    if reset:
        _STEP_RUNS[0] = 0
    return _STEP_RUNS[0]


def peak_rss_kib() -> int:
    """This process's peak resident set size so far (Linux reports KiB)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def measured(
    sdk: str,
    w: Workload,
    *,
    elapsed: float,
    cpu: float,
    starts: list[float],
    replayed: list[float],
    invocations: list[float],
    result_text: str | None,
    status: str,
    operations: int,
    calls: dict[str, int],
) -> Measurement:
    """One run's figures, the same way for both SDKs. For the replay workload the timed
    span is the second invocation up to the end of its replayed steps."""
    timed_span = elapsed
    if w.kind == "replay":
        timed_span = replayed[-1] - starts[-1] if len(replayed) == len(starts) == 2 else -1.0
    try:
        result = int(result_text or "")
    except ValueError:
        result = -1
    return Measurement(
        sdk=sdk,
        workload=w.key,
        seconds=timed_span,
        execution_seconds=elapsed,
        execution_cpu_seconds=cpu,
        invocation_seconds=tuple(invocations),
        result=result,
        status=status,
        operations=operations,
        step_runs=step_runs(),
        checkpoint_calls=calls["checkpoint"],
        state_calls=calls["state"],
        peak_rss_kib=peak_rss_kib(),
    )


def speed_probe() -> float:
    """Seconds a fixed pure-Python loop takes now (best of 3, a few ms each). The
    machine's speed drifts between phases; a run timed next to a slow probe ran slow."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for i in range(50_000):
            total += i * i
        best = min(best, time.perf_counter() - began)
    return best


class FullCollections:
    """Counts and times the full garbage collections while it observes (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._began = 0.0

    def observe(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._began


def worker_main(argv: list[str], run: Callable[[Workload], Measurement]) -> int:
    """``WORKER KEY OUT [--cold]``: run one workload once and write its ``Measurement`` to OUT.

    Unless ``--cold``, a small execution of the same kind (n = 2) runs first and is thrown
    away, so the timed run measures a warm process (imports done, codecs built), as in a
    warm Lambda; the cold first execution is what ``run.py --cold`` measures."""
    cold = "--cold" in argv
    args = [a for a in argv if a != "--cold"]
    if len(args) != 2 or args[0] not in BY_KEY:
        print(f"usage: WORKER {{{','.join(BY_KEY)}}} OUT_JSON [--cold]", file=sys.stderr)
        return 2
    workload = BY_KEY[args[0]]
    if not cold:
        run(replace(workload, n=min(workload.n, 2)))
    before = speed_probe()
    full = FullCollections()
    gc.callbacks.append(full.observe)
    measurement = run(workload)
    gc.callbacks.remove(full.observe)
    measurement = replace(
        measurement,
        probe_seconds=(before + speed_probe()) / 2,
        full_collections=full.count,
        full_collection_seconds=full.seconds,
    )
    with open(args[1], "w", encoding="utf-8") as out:
        out.write(measurement.to_json())
    return 0
