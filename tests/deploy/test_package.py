"""The deployment package of docs/deploy.md works on its own, the way Lambda runs it.

Builds the package as the docs say (``pip install --target`` of the function's
requirements and the SDK, then the function's code), serves it with
``lambda-durable serve``, and drives one order through it as a user would on AWS: an
Event invoke, the approval callback answered by its id from the history, the execution
read back. Every invocation runs in a fresh interpreter that sees only the standard
library and the package (``packaged_handlers.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
import pytest
from packaged_handlers import CHARGE, WORKFLOW

if TYPE_CHECKING:
    from mypy_boto3_lambda.type_defs import EventTypeDef, GetDurableExecutionResponseTypeDef

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = ROOT / "docs" / "examples" / "deploy" / "function"
HERE = Path(__file__).parent
UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Network is unreachable|ConnectTimeoutError|Read timed out|ProxyError"
)
T = TypeVar("T")


def pip(*args: str) -> None:
    """Run pip; skip the module if the package index cannot be reached at all."""
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--no-input", "--timeout", "30", "--retries", "2"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        if unreachable := UNREACHABLE.search(done.stderr):
            pytest.skip(f"the package index is unreachable ({unreachable.group(0)})")
        pytest.fail(f"pip {' '.join(args)} failed:\n{done.stderr}")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/deploy.md's packaging step, with a copy of this repository as the SDK (pip
    builds a local project in place, so the worktree stays clean)."""
    work = tmp_path_factory.mktemp("deploy")
    sdk = work / "lambda-durable"
    shutil.copytree(ROOT / "src", sdk / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, sdk / name)
    target = work / "package"
    pip("install", "--target", str(target), "-r", str(FUNCTION / "requirements.txt"), str(sdk))
    shutil.copy(FUNCTION / "orders.py", target)
    return target


@pytest.fixture
def served(package: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``lambda-durable serve`` on the package; its URL and the invocation record."""
    record = tmp_path / "invocations.jsonl"
    record.touch()
    env = {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(package),
        "CHARGE_FUNCTION": "charge",
        "DEPLOY_TEST_RECORD": str(record),
    }
    log = tmp_path / "serve.out"
    command = [sys.executable, "-m", "lambda_durable.cli", "serve", "--handlers", str(HERE / "packaged_handlers.py"),
               "--port", "0", "--db", str(tmp_path / "runs.db")]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

    def first_line() -> str | None:
        if process.poll() is not None:
            return "-"  # it exited: the assertion shows why
        text = log.read_text(encoding="utf-8")
        return text.partition("\n")[0] if "\n" in text else None

    try:
        first = poll(first_line)
        assert first.startswith("serving "), log.read_text(encoding="utf-8")
        yield first.split(" at ", 1)[1].split(" ", 1)[0], record
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def poll(probe: Callable[[], T | None], timeout: float = 300.0) -> T:
    """``probe()`` once it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, f"nothing after {timeout}s from {probe}"
        time.sleep(0.1)
    return found


def replies(record: Path) -> list[dict[str, Any]]:
    """What the runtime reported for each invocation so far; fails at the first error
    (a package that cannot import its handler fails here, not after a timeout)."""
    complete = record.read_text(encoding="utf-8").split("\n")[:-1]  # not a line still being written
    found = [json.loads(line) for line in complete]
    for reply in found:
        assert "error" not in reply, f"{reply['handler']}: {reply['error']}"
    return found


def test_the_package_runs_an_order_through_serve(served: tuple[str, Path], package: Path) -> None:
    url, record = served
    client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    started = client.invoke(FunctionName="orders", InvocationType="Event",
                            Payload=json.dumps({"order_id": "o-1", "amount": 42.5}).encode())
    arn = started["DurableExecutionArn"]

    def events() -> list[EventTypeDef]:
        replies(record)
        return client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)["Events"]

    def callback_id() -> str | None:
        opened = [e for e in events() if e["EventType"] == "CallbackStarted"]
        return opened[0]["CallbackStartedDetails"]["CallbackId"] if opened else None

    client.send_durable_execution_callback_success(
        CallbackId=poll(callback_id), Result=json.dumps({"approved": True, "by": "ada"}).encode()
    )

    def ended() -> GetDurableExecutionResponseTypeDef | None:
        replies(record)
        described = client.get_durable_execution(DurableExecutionArn=arn)
        return described if described["Status"] != "RUNNING" else None

    described = poll(ended)
    assert described["Status"] == "SUCCEEDED", described
    assert json.loads(described["Result"]) == "o-1 charged 42.50, approved by ada"
    kinds = [e["EventType"] for e in events()]
    for kind in ("CallbackSucceeded", "ChainedInvokeSucceeded", "WaitSucceeded", "ExecutionSucceeded"):
        assert kind in kinds

    reported = replies(record)
    assert {r["handler"] for r in reported} == {WORKFLOW, CHARGE}
    assert len([r for r in reported if r["handler"] == WORKFLOW]) >= 3  # suspended at the callback and the invoke
    for reply in reported:
        imported = {name: origin for name, origin in reply["modules"].items() if origin is not None}
        if reply["handler"] == WORKFLOW:  # checkpoints through the packaged boto3
            assert {"lambda_durable", "boto3", "botocore", "returns", "attrs", "cattrs"} <= imported.keys()
        for name, origin in imported.items():
            assert Path(origin).is_relative_to(package), f"{name} from {origin}"
        assert not any("site-packages" in entry for entry in reply["sys_path"]), reply["sys_path"]
