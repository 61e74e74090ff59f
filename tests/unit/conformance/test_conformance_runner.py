"""The runner's verdicts and the CLI's behaviour, on a fake backend.

The fake stands in for ``lambda_durable.local``: its "handlers" are functions from the
payload to a canned execution, so these tests pin the runner's own logic (Input
encoding, check order, FAIL/OPTIONAL_FAIL/no handler, tally, exit status).
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Result, Success

from lambda_durable.client import ServiceError
from lambda_durable.conformance import cli
from lambda_durable.conformance.backend import Backend
from lambda_durable.conformance.handler_file import HandlerFile, load_handler_file
from lambda_durable.conformance.report import VerdictKind
from lambda_durable.conformance.requirements import Requirement, RequirementError, parse_requirement
from lambda_durable.conformance.runner import Runner, function_name
from lambda_durable.wire import ErrorObject, Event, EventDetails, EventResult, EventType

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/id"


@frozen
class FakeOutcome:
    arn: str
    status: str
    result: str | None = None
    error: ErrorObject | None = None


@frozen
class Canned:
    status: str
    result: str | None
    events: tuple[Event, ...]
    logs: tuple[Mapping[str, object], ...] = ()


FakeHandler = Callable[[str | None], Canned]


class FakeBackend:
    def __init__(self) -> None:
        self.registered: dict[str, Any] = {}
        self.canned: Canned | None = None
        self.payloads: list[str | None] = []
        self.closed = False

    def register(self, name: str, handler: Any, isolated: bool = False) -> None:
        self.registered[name] = handler

    def start(
        self, function_name: str, payload: str | None, execution_name: str | None = None
    ) -> Result[str, ServiceError]:
        self.payloads.append(payload)
        self.canned = self.registered[function_name](payload)
        return Success(ARN)

    def run_until_settled(self, arn: str) -> FakeOutcome:
        assert self.canned is not None
        return FakeOutcome(arn, self.canned.status, self.canned.result)

    def history(self, arn: str) -> Sequence[Event]:
        assert self.canned is not None
        return self.canned.events

    def logs(self, arn: str) -> Sequence[Mapping[str, object]]:
        assert self.canned is not None
        return self.canned.logs

    def close(self) -> None:
        self.closed = True


def greeting(payload: str | None) -> Canned:
    """A fake execution: one step whose result greets the decoded input."""
    name = json.loads(payload or "null")
    result = json.dumps(f"Hello, {name}!")
    events = (
        Event(EventType.EXECUTION_STARTED, 1, T0, id="id"),
        Event(EventType.STEP_STARTED, 2, T0, id="op-1", sub_type="Step", name="greet"),
        Event(
            EventType.STEP_SUCCEEDED,
            3,
            T0,
            EventDetails(result=EventResult(result)),
            id="op-1",
            sub_type="Step",
            name="greet",
        ),
        Event(EventType.INVOCATION_COMPLETED, 4, T0),
        Event(EventType.EXECUTION_SUCCEEDED, 5, T0, EventDetails(result=EventResult(result)), id="id"),
    )
    logs = ({"timestamp": 1, "executionArn": ARN, "message": f"greeting {name}"},)
    return Canned("SUCCEEDED", result, events, logs)


REQUIREMENT = """\
Variables:
  INPUT_1: ${GEN_STR:8}
Input: ${INPUT_1}
ExpectedResult:
  ExecutionStatus: SUCCEEDED
  Result: Hello, ${INPUT_1}!
ExpectedExecutionHistory:
  - EventType: StepStarted
    SubType: Step
    EventId: 2
    Id: ${ID1}
    Name: greet
    EventTimestamp: '*'
    StepStartedDetails: {}
  - EventType: StepSucceeded
    EventId: 3
    Id: ${ID1}
    StepSucceededDetails:
      Result:
        Payload: '"Hello, ${INPUT_1}!"'
ExpectedLogs:
  - match:
      message: /greeting ${INPUT_1}/
    count: 1
"""


def requirement(text: str = REQUIREMENT, rid: str = "1-1") -> Result[Requirement, RequirementError]:
    return parse_requirement(rid, Path(f"{rid}.yaml"), text)


def runner(handlers: Mapping[str, FakeHandler], backends: list[FakeBackend] | None = None) -> Runner:
    made = backends if backends is not None else []

    def factory() -> Backend:
        backend = FakeBackend()
        made.append(backend)
        return backend

    as_handlers: dict[str, Any] = dict(handlers)
    return Runner(HandlerFile(Path("handlers.py"), as_handlers, {}), factory, random.Random(3))


def test_passing_requirement() -> None:
    backends: list[FakeBackend] = []
    verdict = runner({"1-1": greeting}, backends).verdict(requirement())
    assert verdict.line() == "PASS 1-1"
    (backend,) = backends
    assert backend.closed
    assert function_name("1-1") in backend.registered
    (payload,) = backend.payloads
    assert payload is not None and json.loads(payload).isalnum()


def test_history_difference_is_the_reason() -> None:
    def wrong_name(payload: str | None) -> Canned:
        canned = greeting(payload)
        events = list(canned.events)
        events[1] = Event(EventType.STEP_STARTED, 2, T0, id="op-1", sub_type="Step", name="other")
        return Canned(canned.status, canned.result, tuple(events), canned.logs)

    verdict = runner({"1-1": wrong_name}).verdict(requirement())
    assert verdict.line() == "FAIL 1-1: event 2 StepStarted: Name: expected 'greet', got 'other'"


def test_result_difference_after_history_passes() -> None:
    def wrong_result(payload: str | None) -> Canned:
        canned = greeting(payload)
        return Canned("SUCCEEDED", '"nope"', canned.events, canned.logs)

    verdict = runner({"1-1": wrong_result}).verdict(requirement())
    assert verdict.kind is VerdictKind.FAIL
    assert verdict.reason is not None and verdict.reason.startswith("Result: expected 'Hello, ")


def test_log_difference_after_result_passes() -> None:
    def silent(payload: str | None) -> Canned:
        canned = greeting(payload)
        return Canned(canned.status, canned.result, canned.events, ())

    verdict = runner({"1-1": silent}).verdict(requirement())
    assert verdict.reason is not None and verdict.reason.startswith("ExpectedLogs[0]")


def test_absent_input_is_sent_as_null() -> None:
    backends: list[FakeBackend] = []
    text = "ExpectedExecutionHistory: []\n"
    assert runner({"1-1": greeting}, backends).verdict(requirement(text)).kind is VerdictKind.PASS
    assert backends[0].payloads == ["null"]


def test_missing_handler() -> None:
    verdict = runner({}).verdict(requirement())
    assert verdict.line() == "FAIL 1-1: no handler (add '1-1' to HANDLERS)"


def test_optional_failure_is_not_counted() -> None:
    text = "optional: true\nExpectedExecutionHistory: [{EventId: 99}]\n"
    lines: list[str] = []
    tally = runner({"1-7": greeting}).run([requirement(text, "1-7"), requirement()], lines.append)
    assert lines[0].startswith("OPTIONAL_FAIL 1-7: event 99: no such event")
    assert lines[1:] == ["FAIL 1-1: no handler (add '1-1' to HANDLERS)", "0 passed, 1 failed"]
    assert tally.exit_status == 1


def test_bad_file_and_internal_errors_are_failures_not_crashes() -> None:
    def explode(payload: str | None) -> Canned:
        raise RuntimeError("backend bug")

    lines: list[str] = []
    bad = parse_requirement("1-2", Path("1-2.yaml"), "[")
    tally = runner({"1-1": explode}).run([bad, requirement()], lines.append)
    assert lines[0].startswith("FAIL 1-2: bad requirement file: 1-2.yaml: malformed YAML")
    assert lines[1] == "FAIL 1-1: internal error: RuntimeError: backend bug"
    assert lines[2] == "0 passed, 2 failed"
    assert tally.exit_status == 1


def test_callback_actions_are_reported_unsupported() -> None:
    text = "CallbackActions: [{CallbackName: '*', Operation: success}]\nExpectedExecutionHistory: []\n"
    verdict = runner({"4-1": greeting}).verdict(requirement(text, "4-1"))
    assert verdict.line() == "FAIL 4-1: callbacks not supported yet (requirement has CallbackActions)"


def test_all_pass_exits_zero() -> None:
    lines: list[str] = []
    assert runner({"1-1": greeting}).run([requirement()], lines.append).exit_status == 0
    assert lines == ["PASS 1-1", "1 passed, 0 failed"]


# --- handlers file -----------------------------------------------------------------


def test_handler_file_loading(tmp_path: Path) -> None:
    (tmp_path / "helper_mod_for_conformance.py").write_text("VALUE = 1\n")
    good = tmp_path / "handlers.py"
    good.write_text(
        "from helper_mod_for_conformance import VALUE\n"
        "def h(event, context):\n    return VALUE\n"
        "HANDLERS = {'1-1': h}\nFUNCTIONS = {'target': h}\n"
    )
    loaded = load_handler_file(good)
    assert is_successful(loaded)
    assert set(loaded.unwrap().handlers) == {"1-1"} and set(loaded.unwrap().functions) == {"target"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("X = 1\n", "defines no HANDLERS"),
        ("HANDLERS = [1]\n", "HANDLERS must be a dict"),
        ("HANDLERS = {'1-1': 3}\n", "must map str to a callable: 1-1"),
        ("raise ValueError('nope')\n", "ValueError: nope"),
        ("def broken(:\n", "SyntaxError"),
    ],
)
def test_bad_handler_files(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "handlers.py"
    path.write_text(source)
    loaded = load_handler_file(path)
    assert not is_successful(loaded)
    assert message in loaded.failure()


# --- CLI --------------------------------------------------------------------------


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli([], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("lambda-durable conformance: ")
    status, _, err = run_cli(["--requirements", "x", "--handlers", "y", "--bogus"], capsys)
    assert status == 2 and "unrecognized arguments: --bogus" in err and err.count("\n") == 1


def test_cli_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["--help"], capsys)
    assert status == 0 and "--requirements" in out


def test_cli_missing_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handlers = tmp_path / "handlers.py"
    handlers.write_text("HANDLERS = {}\n")
    status, _, err = run_cli(["--requirements", str(tmp_path / "nope"), "--handlers", str(handlers)], capsys)
    assert (status, err) == (2, f"lambda-durable conformance: requirements directory not found: {tmp_path / 'nope'}\n")
    status, _, err = run_cli(["--requirements", str(tmp_path), "--handlers", str(tmp_path / "h.py")], capsys)
    assert (status, err) == (2, f"lambda-durable conformance: handlers file not found: {tmp_path / 'h.py'}\n")
    status, _, err = run_cli(["--requirements", str(tmp_path), "--handlers", str(handlers)], capsys)
    assert status == 2 and "no requirement files" in err


def test_cli_bad_handlers_file_and_unknown_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "1-1.yaml").write_text("ExpectedExecutionHistory: []\n")
    handlers = tmp_path / "handlers.py"
    handlers.write_text("NOTHING = 1\n")
    status, _, err = run_cli(["--requirements", str(tmp_path), "--handlers", str(handlers)], capsys)
    assert status == 2 and "defines no HANDLERS" in err and err.count("\n") == 1
    handlers.write_text("HANDLERS = {}\n")
    argv = ["--requirements", str(tmp_path), "--handlers", str(handlers), "--only", "1-1", "9-9"]
    status, _, err = run_cli(argv, capsys)
    assert (status, err) == (2, "lambda-durable conformance: unknown requirement id(s): 9-9\n")


def test_cli_without_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "yaml" else real(name))
    status, _, err = run_cli(["--requirements", str(tmp_path), "--handlers", "h.py"], capsys)
    assert status == 2 and "install the 'dev' extra" in err and err.count("\n") == 1


def test_cli_reports_missing_handlers_as_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "1-1.yaml").write_text("ExpectedExecutionHistory: []\n")
    (tmp_path / "1-2.yaml").write_text("ExpectedExecutionHistory: []\n")
    handlers = tmp_path / "handlers.py"
    handlers.write_text("HANDLERS = {}\n")
    argv = ["--requirements", str(tmp_path), "--handlers", str(handlers), "--only", "1-2"]
    status, out, _ = run_cli(argv, capsys)
    assert status == 1
    assert out == "FAIL 1-2: no handler (add '1-2' to HANDLERS)\n0 passed, 1 failed\n"
