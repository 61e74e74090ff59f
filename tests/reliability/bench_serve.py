"""What running handlers in ``serve``'s worker pool costs against running them in process.

``python tests/reliability/bench_serve.py --mode pool|in-process --workload steps|io``
starts a server on a free port (as ``lambda-durable serve`` does, with or without
``--in-process``; the pool's workers started before the clock runs, as ``serve`` warms
them at start), runs one warm-up round, then ``--executions`` executions through
boto3's synchronous Invoke from ``--clients`` threads, checks every result and prints
the measured round's wall and CPU milliseconds per execution (CPU: the server and its
workers, read from ``/proc``). Time the whole process too, the two
modes in turn (``/usr/bin/time -v``, ``hyperfine``); the figures of the last
measurement are in ``docs/reliability.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

from lambda_durable.local import LocalBackend
from lambda_durable.local.handlers_file import register_handler_file
from lambda_durable.local.http.server import DurableServer
from lambda_durable.local.invoke.pool import WorkerPool

HANDLERS = Path(__file__).with_name("bench_handlers.py")
EXPECTED = {"steps": sum(range(100)), "io": sum(range(10))}


def _cpu_seconds() -> float:
    """CPU time of this process and of its live children (the pool's workers), Linux."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for listing in Path("/proc/self/task").glob("*/children"):
        for pid in listing.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it just ended
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=("pool", "in-process"), required=True)
    parser.add_argument("--workload", choices=sorted(EXPECTED), required=True)
    parser.add_argument("--executions", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    backend = LocalBackend()
    pool = WorkerPool(args.workers) if args.mode == "pool" else None
    server = DurableServer(backend, port=0, workers=pool)
    register_handler_file(backend, HANDLERS, endpoint=server.url, pool=pool).unwrap()
    server.start()
    if pool is not None:
        pool.warm()
    client = boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )

    def one(index: int) -> object:
        answer = client.invoke(FunctionName=args.workload, Payload=json.dumps(index).encode())
        return json.loads(answer["Payload"].read())

    try:
        with ThreadPoolExecutor(max_workers=args.clients) as threads:
            results = list(threads.map(one, range(args.clients)))  # warm-up: every worker has run once
            began, cpu = time.perf_counter(), _cpu_seconds()
            results += threads.map(one, range(args.executions))
            elapsed, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    finally:
        server.close()
        backend.close()
    wrong = [r for r in results if r != EXPECTED[args.workload]]
    if wrong:
        print(f"wrong results: {wrong[:3]}", file=sys.stderr)
        return 1
    wall, spent = 1000 * elapsed / args.executions, 1000 * cpu / args.executions
    print(f"{args.mode} {args.workload}: {wall:.1f} ms wall, {spent:.1f} ms CPU per execution")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
