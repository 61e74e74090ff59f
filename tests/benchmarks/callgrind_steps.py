"""Instructions per sequential step through ``run_local``, counted by valgrind's callgrind
(run on demand, not by pytest; needs ``valgrind``).

    python tests/benchmarks/callgrind_steps.py [--plugin] [N]

Runs this file under callgrind twice, with N steps and with none (both after the same
warm-up execution, so one-time costs such as building converters cancel out), and prints
(instructions(N) - instructions(0)) / N. Instruction counts do not depend on the
machine's load, so they can compare two versions of the code on a busy machine where
wall-clock timings cannot. The checkpointer's clock is stopped (see ``_FrozenClock``) and the measured
execution runs with the garbage collector off:
when its passes come depends on everything allocated before, which differs between two
versions of the code for reasons unrelated to the path measured. ``--plugin`` registers one plugin whose hooks do nothing
(what observing costs), otherwise none (what the hooks cost when unused).
"""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from returns.result import Result, Success

HERE = Path(__file__).resolve()
TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _handler(n: int, with_plugin: bool) -> Any:
    from lambda_durable import DurableContext, DurableError, durable_handler

    def workflow(event: object, ctx: DurableContext) -> Result[int, DurableError]:
        def add(i: int) -> Callable[[int], Result[int, DurableError]]:
            return lambda total: ctx.step(lambda _: total + i)

        total: Result[int, DurableError] = Success(0)
        for i in range(n):
            total = total.bind(add(i))
        return total

    if not with_plugin:  # the plain decorator: also runs on versions without plugins
        return durable_handler(workflow)
    from lambda_durable import DurablePlugin

    return durable_handler(plugins=[DurablePlugin()])(workflow)


def _run(n: int, with_plugin: bool) -> None:
    """The measured program: a warm-up execution, then one of ``n`` steps."""
    from lambda_durable.local import run_local
    from lambda_durable.runtime import checkpointer
    from lambda_durable.wire import ExecutionStatus

    setattr(checkpointer, "time", _FrozenClock)  # the module reads time.monotonic() through its name

    for steps in (2, n):
        if steps == n:  # the collector's passes depend on every allocation before: keep them out
            gc.collect()
            gc.disable()
        outcome = run_local(_handler(steps, with_plugin), {})
        if outcome.status is not ExecutionStatus.SUCCEEDED or outcome.result != str(sum(range(steps))):
            raise SystemExit(f"wrong result for N={steps}: {outcome.status} {outcome.result}")


class _FrozenClock:
    """The checkpointer's clock, stopped: whether queued updates are old enough to flush
    before a body must not depend on how slowly the program runs (callgrind slows it
    down by tens of times, more on a loaded machine)."""

    @staticmethod
    def monotonic() -> float:
        return 0.0


def _instructions(n: int, with_plugin: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(HERE), "--child", str(n)]
        if with_plugin:
            command.append("--plugin")
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, capture_output=True, env=env)
        found = TOTALS.search(out.read_text())
        if found is None:
            raise SystemExit("no totals in the callgrind output")
        return int(found.group(1))


def main(argv: list[str]) -> None:
    with_plugin = "--plugin" in argv
    numbers = [int(a) for a in argv if a.isdigit()]
    if "--child" in argv:
        _run(numbers[0], with_plugin)
        return
    n = numbers[0] if numbers else 300
    base = _instructions(0, with_plugin)
    loaded = _instructions(n, with_plugin)
    print(f"N={n} plugin={'one no-op' if with_plugin else 'none'}: {(loaded - base) / n:,.0f} instructions per step")


if __name__ == "__main__":
    main(sys.argv[1:])
