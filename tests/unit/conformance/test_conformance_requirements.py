"""Requirement loading, and the result check of docs/protocol.md §10.3."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from returns.maybe import Nothing, Some
from returns.pipeline import is_successful

from lambda_durable.conformance.requirements import (
    CallbackOperation,
    ExpectedResult,
    load_requirements,
    loaded_id,
    parse_requirement,
    requirement_sort_key,
)
from lambda_durable.conformance.results import check_result, decoded_result
from lambda_durable.conformance.runner import simulates_crash
from lambda_durable.conformance.variables import Bindings
from lambda_durable.wire import ErrorObject

SHARED = Path(os.environ.get("CONFORMANCE_REQUIREMENTS", "/work/shared/conformance/requirements"))

FULL = """\
---
description: Wait-for-callback
optional: true
AsyncInvoke: true
Variables:
  CB_NAME: ${GEN_STR:10}
Input: ${CB_NAME}
ExpectedResult:
  ExecutionStatus: SUCCEEDED
  Result: null
CallbackActions:
  - CallbackName: '*'
    Operation: heartbeat
  - CallbackName: ${CB_NAME}
    Operation: success
    Payload: ${CB_NAME}
    Delay: 1
ExpectedExecutionHistory:
  - EventType: StepStarted
    EventId: 2
ExpectedLogs:
  - match:
      message: '/${CB_NAME}/'
    count: 1
    after:
      - hook: x
"""


def test_every_field_is_read() -> None:
    result = parse_requirement("7-13", Path("7-13.yaml"), FULL)
    assert is_successful(result)
    req = result.unwrap()
    assert req.id == "7-13" and req.optional and req.async_invoke
    assert req.input == "${CB_NAME}"
    assert req.variables == {"CB_NAME": "${GEN_STR:10}"}
    assert req.expected_result == ExpectedResult("SUCCEEDED", Some(None))
    assert [a.operation for a in req.callback_actions] == [CallbackOperation.HEARTBEAT, CallbackOperation.SUCCESS]
    assert req.callback_actions[0].payload == Nothing
    assert req.callback_actions[1].delay_seconds == 1.0
    action = req.callback_actions[1].substituted(Bindings({"CB_NAME": "abc"}))
    assert action.callback_name == "abc" and action.payload == Some("abc")
    assert req.expected_logs[0].count == 1 and req.expected_logs[0].after == ({"hook": "x"},)
    assert req.expected_history == ({"EventType": "StepStarted", "EventId": 2},)


def test_absent_input_is_null_and_absent_result_is_history_only() -> None:
    req = parse_requirement("1-1", Path("1-1.yaml"), "ExpectedExecutionHistory: []\n").unwrap()
    assert req.input is None and req.expected_result is None and not req.optional


def test_malformed_yaml_is_a_typed_error() -> None:
    result = parse_requirement("1-9", Path("1-9.yaml"), "ExpectedExecutionHistory: [\n  - a: b: c\n")
    assert not is_successful(result)
    error = result.failure()
    assert error.id == "1-9" and "malformed YAML" in error.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n", "top level must be a mapping"),
        ("Input: 1\n", "ExpectedExecutionHistory"),
        ("ExpectedExecutionHistory: [1]\n", "must be a mapping"),
        ("ExpectedExecutionHistory: []\nExpectedResult: 1\n", "ExpectedResult must be a mapping"),
        ("ExpectedExecutionHistory: []\nCallbackActions: [{CallbackName: a, Operation: poke}]\n", "Operation"),
        ("ExpectedExecutionHistory: []\nExpectedLogs: [{count: 1}]\n", "ExpectedLogs[0]"),
        ("ExpectedExecutionHistory: []\nVariables: [a]\n", "Variables must be a mapping"),
        ("a: 1\n---\nb: 2\n", "one YAML document"),
    ],
)
def test_wrong_shapes_are_typed_errors(text: str, message: str) -> None:
    result = parse_requirement("x", Path("x.yaml"), text)
    assert not is_successful(result)
    assert message in result.failure().message


def test_directory_loading_is_recursive_sorted_and_flags_duplicates(tmp_path: Path) -> None:
    (tmp_path / "step").mkdir()
    (tmp_path / "other").mkdir()
    for rid in ("1-10", "1-2", "2-1"):
        (tmp_path / "step" / f"{rid}.yaml").write_text("ExpectedExecutionHistory: []\n")
    (tmp_path / "other" / "1-2.yaml").write_text("ExpectedExecutionHistory: []\n")
    (tmp_path / "other" / "bad.yaml").write_text(": : :\n")
    loaded = load_requirements([tmp_path])
    assert [loaded_id(r) for r in loaded] == ["1-2", "1-2", "1-10", "2-1", "bad"]
    failures = [r.failure() for r in loaded if not is_successful(r)]
    assert sorted(f.id for f in failures) == ["1-2", "bad"]


def test_sort_key_is_numeric() -> None:
    ids = ["10-2", "1-10", "1-2", "9-1"]
    assert sorted(ids, key=requirement_sort_key) == ["1-2", "1-10", "9-1", "10-2"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared requirements not available")
def test_every_shared_requirement_loads() -> None:
    loaded = load_requirements([SHARED])
    assert len(loaded) > 100
    assert [str(r.failure()) for r in loaded if not is_successful(r)] == []
    crashing = sorted(r.unwrap().id for r in loaded if simulates_crash(r.unwrap()))
    assert crashing == ["1-17", "3-12"]


# --- result check ---------------------------------------------------------------


def test_status_must_match_and_the_error_is_shown() -> None:
    result = check_result(
        ExpectedResult("SUCCEEDED"), "FAILED", None, ErrorObject("Boom", "bad"), Bindings()
    )
    assert result.failure() == "ExecutionStatus: expected SUCCEEDED, got FAILED (Boom: bad)"


def test_result_is_json_decoded_and_compared_after_substitution() -> None:
    expected = ExpectedResult("SUCCEEDED", Some("Hello, ${INPUT_1}!"))
    bindings = Bindings({"INPUT_1": "abc"})
    assert is_successful(check_result(expected, "SUCCEEDED", '"Hello, abc!"', None, bindings))
    failed = check_result(expected, "SUCCEEDED", '"Hello, abd!"', None, bindings)
    assert failed.failure() == "Result: expected 'Hello, abc!', got 'Hello, abd!'"


def test_result_not_json_is_compared_raw() -> None:
    assert decoded_result("wrapped:X") == "wrapped:X"
    assert decoded_result('{"a": 1}') == {"a": 1}
    assert decoded_result(None) is None
    assert is_successful(check_result(ExpectedResult(None, Some("wrapped:X")), "SUCCEEDED", "wrapped:X", None, Bindings()))


def test_result_is_ignored_unless_succeeded_or_listed() -> None:
    assert is_successful(check_result(ExpectedResult("FAILED", Some("x")), "FAILED", None, None, Bindings()))
    assert is_successful(check_result(ExpectedResult("SUCCEEDED"), "SUCCEEDED", '"x"', None, Bindings()))
    assert is_successful(check_result(ExpectedResult(None, Some(42)), "SUCCEEDED", "42", None, Bindings()))
