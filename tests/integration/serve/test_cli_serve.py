"""``lambda-durable serve`` as a command: starts, serves, persists, stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from serve_fixtures import HERE, make_client

from lambda_durable.cli import main


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lambda_durable.cli", "serve", "--handlers", str(HERE / "ours_handlers.py"), *args],
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
