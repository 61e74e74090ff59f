"""What a process per invocation costs: ``Command`` handlers against the warm worker pool.

``python tests/reliability/bench_commands.py [--executions N]`` starts a server on a free
port and runs N executions of each function one after another through boto3's synchronous
Invoke, after one warm-up execution each, and prints the wall milliseconds per execution:

- ``pool``: a lambda-durable handler with one step, in a warm worker of the pool;
- ``sh``: a shell ``Command`` that answers at once (the cost of a process and its pipes);
- ``node``: ``docs/examples/external/run.cjs`` running a JavaScript handler with one step
  written with the official SDK (skipped without node and the SDK's npm cache, ``js_sdk.py``).

The figures of the last measurement are in docs/local.md, "Handlers in any language".
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from returns.result import Result

from lambda_durable import DurableContext, DurableError, durable_handler
from lambda_durable.local import Command, HandlerRef, LocalBackend
from lambda_durable.local.http.server import DurableServer
from lambda_durable.local.invoke.pool import WorkerPool

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "js"))

from js_sdk import ensure_installed, node_modules  # noqa: E402

ONE_STEP_JS = """"use strict";
const { withDurableExecution } = require("@aws/durable-execution-sdk-js");
exports.handler = withDurableExecution(async (event, ctx) => ctx.step("one", async () => event.n));
"""
ANSWER = """cat > /dev/null; echo '{"Status": "SUCCEEDED", "Result": "1"}'"""


@durable_handler
def one_step(event: dict[str, int], ctx: DurableContext) -> Result[int, DurableError]:
    return ctx.step(lambda _: event["n"], name="one")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--executions", type=int, default=20)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="lambda-durable-bench-"))
    (folder / "one_step.cjs").write_text(ONE_STEP_JS, encoding="utf-8")
    backend = LocalBackend()
    pool = WorkerPool(1)
    server = DurableServer(backend, port=0, workers=pool)
    runner = str(ROOT / "docs" / "examples" / "external" / "run.cjs")
    functions = {"pool": 1, "sh": 1}
    backend.register("pool", HandlerRef(__file__, "one_step"), invoker=pool.invoker(HandlerRef(__file__, "one_step")))
    backend.register("sh", Command(["sh", "-c", ANSWER]), endpoint=server.url)
    problem = ensure_installed()
    if problem is None:
        node = Command(["node", runner, "one_step.cjs"], cwd=folder, env={"NODE_PATH": str(node_modules())})
        backend.register("node", node, endpoint=server.url)
        functions["node"] = 1
    else:
        print(f"node: skipped ({problem})")
    server.start()
    client: Any = boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    try:
        for name, expected in functions.items():
            runs = []
            for index in range(args.executions + 1):
                began = time.perf_counter()
                answer = client.invoke(FunctionName=name, Payload=json.dumps({"n": 1}).encode())
                runs.append(time.perf_counter() - began)
                if json.loads(answer["Payload"].read()) != expected:
                    print(f"{name}: wrong result", file=sys.stderr)
                    return 1
            measured = sorted(runs[1:])
            print(f"{name}: {1000 * measured[len(measured) // 2]:.0f} ms median wall per execution")
    finally:
        server.close()
        backend.close()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
