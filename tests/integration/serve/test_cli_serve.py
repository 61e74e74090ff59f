"""``lambda-durable serve`` as a command: starts, serves, persists, stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from serve_fixtures import HERE, make_client

from lambda_durable.cli import main


def serve(*args: str, handlers: Path = HERE / "ours_handlers.py") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lambda_durable.cli", "serve", "--handlers", str(handlers), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def url_of(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("serving "), line + (process.stderr.read() if process.stderr else "")
    return line.split(" at ", 1)[1].split(" ", 1)[0]


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=30)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return code


def test_serve_runs_executions_into_its_database(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    first = serve("--port", "0", "--db", str(db))
    try:
        client = make_client(url_of(first))
        arn = client.invoke(FunctionName="child", Payload=b"{}")["DurableExecutionArn"]
    finally:
        assert stop(first) == 0
    second = serve("--port", "0", "--db", str(db))  # a new server on the same store
    try:
        client = make_client(url_of(second))
        described = client.get_durable_execution(DurableExecutionArn=arn)
        assert described["Status"] == "SUCCEEDED" and json.loads(described["Result"]) == 42
    finally:
        assert stop(second) == 0


def test_serve_refuses_a_non_loopback_host_and_bad_files(tmp_path: Path, capsys: object) -> None:
    handlers = str(HERE / "ours_handlers.py")
    db = str(tmp_path / "x.db")
    assert main(["serve", "--handlers", handlers, "--host", "0.0.0.0", "--port", "0", "--db", db]) == 2
    assert main(["serve", "--handlers", str(tmp_path / "missing.py"), "--port", "0", "--db", db]) == 2
    assert main(["serve", "--port", "0"]) == 2


def test_serve_outlives_a_handler_that_kills_its_process(tmp_path: Path) -> None:
    """Default options: the handler runs in a worker, so its ``os._exit`` is one failed
    invocation; the service re-invokes it and the server goes on answering."""
    process = serve("--port", "0", "--db", str(tmp_path / "runs.db"), handlers=HERE / "crash_handlers.py")
    try:
        client = make_client(url_of(process))
        answer = client.invoke(FunctionName="exits", Payload=b'"once"')
        assert json.loads(answer["Payload"].read()) == "survived once"
        again = client.invoke(FunctionName="greet", Payload=b'"you"')
        assert json.loads(again["Payload"].read()) == "hello you"
    finally:
        assert stop(process) == 0


def test_serve_rejects_bad_pool_options_and_timeouts(tmp_path: Path) -> None:
    handlers = str(HERE / "ours_handlers.py")
    db = str(tmp_path / "x.db")
    for bad in (
        ["--workers", "0"],
        ["--invocation-timeout", "0"],
        ["--invocation-timeout", "901"],
        ["--worker-memory", "-1"],
        ["--in-process", "--workers", "2"],
        ["--in-process", "--isolated"],
        ["--in-process", "--worker-memory", "512"],
    ):
        assert main(["serve", "--handlers", handlers, "--port", "0", "--db", db, *bad]) == 2, bad
    for index, timeouts in enumerate(('{"steps": 0}', '{"steps": "soon"}', '{"nobody": 5}', '["steps"]')):
        broken = tmp_path / f"timeouts_{index}.py"  # a new module each: imports are cached by file
        broken.write_text(f"from ours_handlers import HANDLERS\nTIMEOUTS = {timeouts}\n")
        assert main(["serve", "--handlers", str(broken), "--port", "0", "--db", db]) == 2, timeouts
