"""Where an I/O-bound map spends the time its floor does not count.

    python tests/benchmarks/io_timeline.py [--n 100] [--sleep-ms 50] [--runs 5] [--fresh]

Runs in the dev venv (lambda-durable only). A map of N items whose step sleeps runs on
the embedded backend, as the benchmark's ``io-map-100`` row does, and each run is split
at its bodies' first and last start and first and last end, with the wall time and the
process's CPU time (every thread) of each phase:

* head: from the execution's start to the first body;
* starts: first to last body start (thread starts, each branch's set-up, hand-overs);
* sleep: the last start to the first end (idle but for the batch's idle-time checkpoint);
* ends: first to last body end;
* tail: the last end to the execution's end (the batch's and the invocation's last
  checkpoint, the execution's end).

A phase whose CPU is close to its wall time is CPU-bound. The first run of a process
starts its threads; later runs reuse them (``--fresh`` runs each in a new process, after
a two-item warm-up, as the benchmark does). Every run checks its result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from returns.result import Result

from lambda_durable import BatchResult, DurableContext, DurableError, durable_handler
from lambda_durable.local import LocalBackend

Mark = tuple[str, float, float]
"""(what, wall clock, process CPU clock)."""


def run_once(n: int, sleep_s: float) -> list[Mark]:
    marks: list[Mark] = []

    def mark(what: str) -> None:
        marks.append((what, time.perf_counter(), time.process_time()))

    def fetch(_: object, item: int) -> int:
        mark("start")
        time.sleep(sleep_s)
        mark("end")
        return 2 * item

    @durable_handler
    def handler(event: Any, ctx: DurableContext) -> Result[int, DurableError]:
        def item_body(child: DurableContext, item: int, index: int) -> Result[int, DurableError]:
            return child.step(lambda step_ctx: fetch(step_ctx, item), name="fetch")

        def total(batch: BatchResult[int]) -> int:
            return sum(batch.results())

        return ctx.map(list(range(n)), item_body, name="items").map(total)

    with LocalBackend() as backend:
        backend.register("io", handler)
        mark("begin")
        arn = backend.start("io", "{}").unwrap()
        outcome = backend.run_until_settled(arn)
        mark("done")
    if outcome.result != str(n * (n - 1)):
        raise SystemExit(f"wrong result: {outcome.status.value} {outcome.result!r}")
    return marks


def phases(marks: list[Mark]) -> list[tuple[str, float, float]]:
    """(phase, wall ms, CPU ms) for head, starts, sleep, ends and tail."""
    starts = [m for m in marks if m[0] == "start"]
    ends = [m for m in marks if m[0] == "end"]
    begin, done = marks[0], marks[-1]
    first_start = min(starts, key=lambda m: m[1])
    last_start = max(starts, key=lambda m: m[1])
    first_end = min(ends, key=lambda m: m[1])
    last_end = max(ends, key=lambda m: m[1])
    bounds = [("head", begin, first_start), ("starts", first_start, last_start), ("sleep", last_start, first_end),
              ("ends", first_end, last_end), ("tail", last_end, done)]
    return [(name, 1000 * (b[1] - a[1]), 1000 * (b[2] - a[2])) for name, a, b in bounds]


def report(marks: list[Mark]) -> str:
    total = 1000 * (marks[-1][1] - marks[0][1])
    parts = "  ".join(f"{name} {wall:5.1f}/{cpu:4.1f}" for name, wall, cpu in phases(marks))
    return f"{total:6.1f} ms   {parts}   (phase wall/CPU ms)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="items (default 100)")
    parser.add_argument("--sleep-ms", type=float, default=50.0, help="each step's sleep (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="runs (default 5)")
    parser.add_argument("--fresh", action="store_true", help="each run in a new process, after a 2-item warm-up")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a --fresh child
    args = parser.parse_args()
    if args.fresh:
        for _ in range(args.runs):
            child = [sys.executable, __file__, "--one", "--n", str(args.n), "--sleep-ms", str(args.sleep_ms)]
            print(subprocess.run(child, check=True, capture_output=True, text=True).stdout.strip())
        return 0
    run_once(min(args.n, 2), args.sleep_ms / 1000)  # imports and codecs warm, as in the benchmark
    for _ in range(1 if args.one else args.runs):
        print(report(run_once(args.n, args.sleep_ms / 1000)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
