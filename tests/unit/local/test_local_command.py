"""``Command``: a durable function in any language, its checks, its environment, and how a
handlers file registers it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from returns.pipeline import is_successful

from lambda_durable.local import Command, LocalBackend, LocalBackendError
from lambda_durable.local.handlers_file import register_handler_file
from lambda_durable.local.invoke.command import CommandInvoker, prepare

ENDPOINT = "http://127.0.0.1:9"


def test_argv_is_a_non_empty_list_of_strings() -> None:
    assert Command(["node", "run.cjs"]).argv == ("node", "run.cjs")
    with pytest.raises(TypeError, match="not the string 'node run.cjs'"):
        Command("node run.cjs")
    with pytest.raises(ValueError, match="must name the program"):
        Command([])
    with pytest.raises(TypeError, match="strings only"):
        Command(["node", 3])  # type: ignore[list-item]


def test_env_may_not_set_what_serve_sets() -> None:
    assert Command(["sh"], env={"NODE_PATH": "/x"}).env == {"NODE_PATH": "/x"}
    for reserved in ("AWS_ENDPOINT_URL_LAMBDA", "AWS_ACCESS_KEY_ID", "LAMBDA_DURABLE_REQUEST_ID"):
        with pytest.raises(ValueError, match=f"may not set {reserved}"):
            Command(["sh"], env={reserved: "x"})
    with pytest.raises(TypeError, match="variable names to strings"):
        Command(["sh"], env={"N": 1})  # type: ignore[dict-item]


def test_prepare_resolves_the_folder_and_finds_the_program(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    script = tmp_path / "sub" / "handler.sh"
    script.write_text("#!/bin/sh\n")
    assert prepare(Command(["sh"]), tmp_path).unwrap().cwd == str(tmp_path)
    assert prepare(Command(["sh"], cwd="sub"), tmp_path).unwrap().cwd == str(tmp_path / "sub")
    assert prepare(Command(["sh"], cwd=tmp_path / "sub"), Path("/")).unwrap().cwd == str(tmp_path / "sub")
    assert "no such folder" in prepare(Command(["sh"], cwd="missing"), tmp_path).failure()
    assert "no-such-program-here is not on PATH" in prepare(Command(["no-such-program-here"]), tmp_path).failure()
    assert "is not an executable file" in prepare(Command(["./handler.sh"], cwd="sub"), tmp_path).failure()
    script.chmod(0o755)
    assert is_successful(prepare(Command(["./handler.sh"], cwd="sub"), tmp_path))


def _run(command: Command, event: dict[str, Any], base: Path | None = None) -> tuple[Any, list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    invoker = CommandInvoker(prepare(command, base or Path.cwd()).unwrap(), ENDPOINT, timeout=30)
    outcome = invoker.run_event(event, "arn:x", "orders", "req-1", records.append)
    return outcome, records


def test_the_program_gets_the_event_on_stdin_and_its_invocation_in_its_environment() -> None:
    script = """
import json, os, sys
event = json.load(sys.stdin)
names = ["AWS_ENDPOINT_URL_LAMBDA", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_DURABLE_REQUEST_ID",
         "LAMBDA_DURABLE_FUNCTION_ARN", "EXTRA"]
seen = {"event": event, **{n: os.environ.get(n) for n in names}, "deadline": os.environ["LAMBDA_DURABLE_DEADLINE_MS"]}
print(json.dumps({"Status": "SUCCEEDED", "Result": json.dumps(seen)}))
"""
    outcome, _ = _run(Command([sys.executable, "-c", script], env={"EXTRA": "yes"}), {"DurableExecutionArn": "arn:x"})
    seen = json.loads(outcome.unwrap().result)
    assert seen["event"] == {"DurableExecutionArn": "arn:x"}
    assert seen["AWS_ENDPOINT_URL_LAMBDA"] == ENDPOINT and seen["AWS_REGION"] == "us-east-1"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "orders" and seen["LAMBDA_DURABLE_REQUEST_ID"] == "req-1"
    assert seen["LAMBDA_DURABLE_FUNCTION_ARN"] == "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST"
    assert seen["EXTRA"] == "yes" and int(seen["deadline"]) > 0


def test_a_program_named_by_a_relative_path_runs_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "handler.sh"
    script.write_text("""#!/bin/sh
cat > /dev/null
pwd -P > where.txt
echo '{"Status": "SUCCEEDED"}'
""")
    script.chmod(0o755)
    outcome, _ = _run(Command(["./handler.sh"], cwd="bin"), {}, tmp_path)
    assert is_successful(outcome)
    assert (tmp_path / "bin" / "where.txt").read_text().strip() == str((tmp_path / "bin").resolve())


def test_stderr_lines_are_records_and_json_records_stay_as_they_are() -> None:
    record = json.dumps({"executionArn": "arn:x", "message": "structured", "level": "INFO"})
    script = f"""cat > /dev/null; echo 'plain words' >&2; echo '{record}' >&2; echo '{{"Status": "PENDING"}}'"""
    outcome, records = _run(Command(["sh", "-c", script]), {})
    assert is_successful(outcome)
    assert [(r.get("stream"), r["message"]) for r in records] == [("stderr", "plain words"), (None, "structured")]
    assert all(r["executionArn"] == "arn:x" for r in records)


def test_a_program_that_cannot_start_is_a_failed_invocation(tmp_path: Path) -> None:
    """``prepare`` checks at registration; a program removed since fails its invocation."""
    outcome = CommandInvoker(Command([str(tmp_path / "removed")]), ENDPOINT).run_event({}, "arn:x", "f", "r", print)
    assert outcome.failure().error_type == "Runtime.StartError"
    assert "removed" in str(outcome.failure().error_message)


def _handlers_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "external_handlers.py"
    path.write_text("from lambda_durable.local import Command\n" + body)
    return path


def test_a_handlers_file_registers_commands_beside_python_handlers(tmp_path: Path) -> None:
    path = _handlers_file(
        tmp_path,
        "def plain(event, context):\n    return event\n"
        "HANDLERS = {'shell': Command(['sh', '-c', 'true'])}\n"
        "FUNCTIONS = {'plain': plain}\nTIMEOUTS = {'shell': 5}\n",
    )
    with LocalBackend() as backend:
        registered = register_handler_file(backend, path, endpoint=ENDPOINT).unwrap()
        assert registered.names == ["plain", "shell"]
        assert list(registered.refs) == ["plain"]
        assert registered.commands["shell"].cwd == str(tmp_path)  # the file's folder
        assert backend.is_durable("shell") and not backend.is_durable("plain")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("FUNCTIONS = {'f': Command(['sh'])}\n", "FUNCTIONS['f'] is a Command: commands are durable functions"),
        ("HANDLERS = {'f': 3}\n", "HANDLERS['f'] is not a handler or a Command: 3"),
        ("HANDLERS = {'f': Command(['no-such-program-here'])}\n", "HANDLERS['f']: no-such-program-here is not on PATH"),
        ("HANDLERS = {'f': Command(['sh'], cwd='nowhere')}\n", "HANDLERS['f']: no such folder"),
    ],
)
def test_a_handlers_file_with_a_bad_command_is_refused(tmp_path: Path, body: str, message: str) -> None:
    with LocalBackend() as backend:
        refused = register_handler_file(backend, _handlers_file(tmp_path, body), endpoint=ENDPOINT)
    assert message in refused.failure()


def test_registering_a_command_needs_an_endpoint() -> None:
    with LocalBackend() as backend:
        with pytest.raises(LocalBackendError, match="pass endpoint="):
            backend.register("shell", Command(["sh"]))
        with pytest.raises(LocalBackendError, match="durable=False is not supported"):
            backend.register("shell", Command(["sh"]), durable=False, endpoint=ENDPOINT)
        backend.register("shell", Command(["sh"]), endpoint=ENDPOINT)
        assert backend.is_durable("shell")
