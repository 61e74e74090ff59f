"""Where lambda-durable's time goes: the split behind the benchmark table's floor.

    python tests/benchmarks/floor.py [--n 1000] [--runs 9]

Runs in the dev venv (lambda-durable only). For N sequential steps on the embedded
backend it reports, per step (best of ``--runs`` runs in one warm process):

* the whole execution, the part spent inside the local service's ``checkpoint`` (the
  emulator: validation, transitions, events, the SQLite write) and the rest (the SDK
  and the invocation around it);
* the same with the garbage collector off (what GC passes over the growing heap cost);
* a profile of one run, its own time grouped by room: SQLite, JSON encoding (the
  store's text), wire decoding, wire model objects, the emulator's transition code, the
  service, the SDK, ``returns`` containers. cProfile inflates Python-level calls more
  than C calls, so read the groups as shares, not as absolute times.

And for the replay of N finished steps (the second invocation of ``replay-N``), how the
per-operation time splits between decoding the invocation event and replaying.
Every run checks its result, as the benchmark does.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from typing import Any

from returns.result import Result, Success

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.handler import DurableHandler
from lambda_durable.local import LocalBackend
from lambda_durable.wire import INVOCATION, InvocationInput


def steps_handler(n: int, *, wait_after: bool = False, marks: list[float] | None = None) -> DurableHandler[Any, Any]:
    """n sequential steps (step i adds i), optionally a 5 s wait after them; ``marks``
    gets the time at which the steps are done (in every invocation)."""

    @durable_handler
    def handler(event: object, ctx: DurableContext) -> Result[int, DurableError]:
        total: Result[int, DurableError] = Success(0)
        for i in range(n):
            total = total.bind(_add(ctx, i))
        if marks is not None:
            marks.append(time.perf_counter())
        if wait_after:
            return total.bind(lambda t: ctx.wait(Duration.seconds(5)).map(lambda _: t))
        return total

    return handler


def _add(ctx: DurableContext, i: int) -> Callable[[int], Result[int, DurableError]]:
    return lambda total: ctx.step(lambda _: total + i)


def run_once(n: int, profile: cProfile.Profile | None = None) -> tuple[float, float]:
    """(whole execution, inside ``checkpoint``) in seconds, for n sequential steps."""
    with LocalBackend() as backend:
        service = backend.service
        checkpoint = service.checkpoint
        inside = [0.0]

        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return checkpoint(*args, **kwargs)
            finally:
                inside[0] += time.perf_counter() - began

        setattr(service, "checkpoint", timed)
        backend.register("steps", steps_handler(n))
        if profile is not None:
            profile.enable()
        began = time.perf_counter()
        outcome = backend.run_until_settled(backend.start("steps", "{}").unwrap())
        whole = time.perf_counter() - began
        if profile is not None:
            profile.disable()
    if outcome.result != str(sum(range(n))):
        raise SystemExit(f"wrong result: {outcome.result!r} ({outcome.status.value})")
    return whole, inside[0]


def best(runs: int, measure: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    measure()  # warm-up
    return min((measure() for _ in range(runs)), key=lambda r: r[0])


ROOMS = (
    ("SQLite", lambda f, fn: "sqlite3" in fn or "execute" in fn),
    ("JSON encoding", lambda f, fn: "json" in f or f.endswith("engine/codec.py") or fn.startswith("text_")),
    ("wire decoding", lambda f, fn: fn.startswith("decode_") or f.endswith("wire/converter.py")),
    ("wire model objects", lambda f, fn: f.startswith("<attrs generated")),
    ("emulator: transitions, batch plan", lambda f, fn: f.endswith(("transitions.py", "batch.py", "members.py"))),
    ("emulator: service, events, store", lambda f, fn: "/local/" in f),
    ("returns containers", lambda f, fn: "/returns/" in f),
    ("SDK", lambda f, fn: "/lambda_durable/" in f),
)


def rooms(profile: cProfile.Profile) -> list[tuple[str, float]]:
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        room = next((name for name, match in ROOMS if match(filename, function)), "other (interpreter, builtins)")
        totals[room] = totals.get(room, 0.0) + tottime
    whole = sum(totals.values())
    return sorted(((room, t / whole) for room, t in totals.items()), key=lambda r: -r[1])


def replay_split(n: int, runs: int) -> tuple[float, float]:
    """(decoding the event, the rest of the replay) per operation, for n finished steps:
    the second invocation of "n steps, then a wait", timed from its start to the end of
    its steps, as the benchmark's replay row is."""
    _replay_once(n)  # warm-up
    spans, decodes = zip(*(_replay_once(n) for _ in range(runs)), strict=True)
    whole, decode = min(spans), min(decodes)
    return decode / n, (whole - decode) / n


def _replay_once(n: int) -> tuple[float, float]:
    """(the second invocation's span up to the end of its steps, decoding its event)."""
    marks: list[float] = []
    starts: list[float] = []
    events: list[dict[str, Any]] = []
    handler = steps_handler(n, wait_after=True, marks=marks)

    def timed(event: Any, context: Any) -> Any:
        events.append(event)
        starts.append(time.perf_counter())
        return handler(event, context)

    with LocalBackend() as backend:
        backend.register("replay", timed)
        outcome = backend.run_until_settled(backend.start("replay", "{}").unwrap())
    if outcome.result != str(sum(range(n))) or len(starts) != 2:
        raise SystemExit(f"wrong replay run: {outcome.result!r}, {len(starts)} invocations")
    second = events[1]
    return marks[1] - starts[1], _timed(lambda: INVOCATION.decode(InvocationInput, second))


def _timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    n, runs = args.n, args.runs
    whole, inside = best(runs, lambda: run_once(n))
    gc.disable()
    whole_nogc, inside_nogc = best(runs, lambda: run_once(n))
    gc.enable()
    us = 1e6 / n
    print(f"{n} sequential steps, per step (best of {runs}):")
    print(f"  whole {whole * us:6.1f} µs   in the emulator's checkpoint {inside * us:6.1f} µs   rest (SDK, invocation) {(whole - inside) * us:6.1f} µs")
    print(f"  without GC {whole_nogc * us:6.1f} µs (emulator {inside_nogc * us:.1f}, rest {(whole_nogc - inside_nogc) * us:.1f})")
    profile = cProfile.Profile()
    run_once(n, profile)
    print("  profile of one run, own time by room:")
    for room, share in rooms(profile):
        print(f"    {share:6.1%}  {room}")
    decode, replay = replay_split(n, runs)
    print(f"replay of {n} finished steps, per operation: decoding the event {decode * 1e6:.1f} µs, replaying {replay * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
