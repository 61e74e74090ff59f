"""ExpectedLogs: field matching, cardinality, anchors, record selection."""

from __future__ import annotations

from collections.abc import Mapping

from returns.pipeline import is_successful

from lambda_durable.conformance.logs import (
    LogExpectation,
    check_logs,
    execution_records,
    field_matches,
    parse_log_expectation,
)
from lambda_durable.conformance.variables import Bindings

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/id"


def rec(ts: int, **fields: object) -> dict[str, object]:
    return {"timestamp": ts, "executionArn": ARN, **fields}


RECORDS: list[Mapping[str, object]] = [
    rec(1, message="  Greeting step started for: abc  ", level="INFO"),
    rec(2, plugin="P", hook="start", op="op-1", first=True, attempt=1),
    rec(3, plugin="P", hook="end", op="op-1", first=False, attempt="2"),
    rec(4, message="Greeting step completed with: Hello, abc!", level="INFO"),
]


def expectation(raw: object) -> LogExpectation:
    result = parse_log_expectation(raw)
    assert is_successful(result), result
    return result.unwrap()


def check(raw: list[object], records: list[Mapping[str, object]] | None = None, bindings: Bindings | None = None) -> str | None:
    parsed = [expectation(r) for r in raw]
    result = check_logs(parsed, RECORDS if records is None else records, ARN, bindings or Bindings())
    return None if is_successful(result) else result.failure()


def test_field_rules() -> None:
    assert field_matches("abc", "  abc ")
    assert field_matches(" abc ", "abc")
    assert field_matches("/^Hello, [a-z]+!$/", "Hello, abc!")
    assert not field_matches("/^x/", "y")
    assert field_matches(True, True)
    assert not field_matches(True, 1)
    assert not field_matches(False, 0)
    assert field_matches(1, 1)
    assert field_matches(1, 1.0)
    assert field_matches(2, "2")
    assert not field_matches(1, True)
    assert field_matches("/^[1-9]\\d*$/", 12)
    assert field_matches("/.*/", False)


def test_default_cardinality_is_at_least_one() -> None:
    assert check([{"match": {"message": "/Greeting step/"}}]) is None
    assert check([{"match": {"message": "/nothing/"}}]) == (
        "ExpectedLogs[0] {message: '/nothing/'}: expected at least 1 matching log records, got 0"
    )


def test_exact_count() -> None:
    assert check([{"match": {"plugin": "P"}, "count": 2}]) is None
    assert check([{"match": {"plugin": "P"}, "count": 1}]) == (
        "ExpectedLogs[0] {plugin: 'P'}: expected exactly 1 matching log records, got 2"
    )
    assert check([{"match": {"message": "/\\[ERROR\\]/"}, "count": 0}]) is None


def test_min_and_max_count() -> None:
    assert check([{"match": {"plugin": "P"}, "min_count": 2, "max_count": 3}]) is None
    assert "at least 3" in str(check([{"match": {"plugin": "P"}, "min_count": 3}]))
    assert "at most 1" in str(check([{"match": {"plugin": "P"}, "max_count": 1}]))
    assert check([{"match": {"plugin": "Q"}, "max_count": 1}]) is None


def test_fields_are_anded_and_must_exist() -> None:
    assert check([{"match": {"plugin": "P", "hook": "start", "first": True}, "count": 1}]) is None
    assert check([{"match": {"plugin": "P", "missing": "/.*/"}, "count": 0}]) is None


def test_bindings_are_substituted_into_matches() -> None:
    bindings = Bindings({"ID1": "op-1", "INPUT_1": "abc"})
    assert check([{"match": {"op": "${ID1}"}, "count": 2}], bindings=bindings) is None
    assert check([{"match": {"message": "/Hello, ${INPUT_1}!/"}, "count": 1}], bindings=bindings) is None


def test_after_anchor_holds_and_fails() -> None:
    ok = {"match": {"hook": "end"}, "after": [{"plugin": "P", "hook": "start"}]}
    assert check([ok]) is None
    wrong = {"match": {"hook": "start"}, "after": [{"hook": "end"}]}
    assert "precedes after anchor {hook: 'end'}" in str(check([wrong]))


def test_before_anchor_holds_and_fails() -> None:
    ok = {"match": {"hook": "start"}, "before": {"hook": "end"}}
    assert check([ok]) is None
    wrong = {"match": {"hook": "end"}, "before": [{"hook": "start"}]}
    assert "follows before anchor" in str(check([wrong]))


def test_anchor_matching_nothing_is_an_error() -> None:
    raw = {"match": {"hook": "end"}, "after": [{"hook": "never"}]}
    assert str(check([raw])).endswith("after anchor {hook: 'never'} matched no record")


def test_only_this_executions_records_count_in_time_order() -> None:
    records: list[Mapping[str, object]] = [
        {"timestamp": 5, "durableExecutionArn": ARN, "message": "late"},
        {"timestamp": 1, "executionArn": "arn:other", "message": "foreign"},
        {"timestamp": 2, "message": "no arn"},
        {"timestamp": 3, "executionArn": ARN, "message": "early"},
    ]
    assert [r["message"] for r in execution_records(records, ARN)] == ["early", "late"]


def test_iso_timestamps_sort_and_ties_keep_order() -> None:
    records: list[Mapping[str, object]] = [
        {"timestamp": "2026-01-01T00:00:02Z", "executionArn": ARN, "message": "b"},
        {"timestamp": "2026-01-01T00:00:01Z", "executionArn": ARN, "message": "a"},
        {"timestamp": "2026-01-01T00:00:02Z", "executionArn": ARN, "message": "c"},
    ]
    assert [r["message"] for r in execution_records(records, ARN)] == ["a", "b", "c"]


def test_malformed_entries_are_rejected() -> None:
    assert not is_successful(parse_log_expectation("text"))
    assert not is_successful(parse_log_expectation({"count": 1}))
    assert not is_successful(parse_log_expectation({"match": {"a": 1}, "count": -1}))
    assert not is_successful(parse_log_expectation({"match": {"a": 1}, "count": True}))
    assert not is_successful(parse_log_expectation({"match": {"a": 1}, "after": "x"}))
    assert not is_successful(parse_log_expectation({"match": {"a": 1}, "cuont": 1}))


# --- upstream "pattern" entries ---------------------------------------------------

PRINTED: list[Mapping[str, object]] = [
    rec(1, message="abc123", stream="stdout"),
    rec(2, message="Greeting step started for: abc123", level="INFO"),
    rec(3, message="abc123", stream="stdout"),
]


def test_pattern_contains_counts_printed_and_logged_lines() -> None:
    assert check([{"pattern": "abc123", "count": 3}], PRINTED) is None
    assert check([{"pattern": "abc123", "count": 2}], PRINTED) is not None


def test_pattern_exact_and_regex_modes() -> None:
    assert check([{"pattern": "abc123", "match": "exact", "count": 2}], PRINTED) is None
    assert check([{"pattern": r"started for: \w+", "match": "regex", "count": 1}], PRINTED) is None
    assert check([{"pattern": r"^abc\d+$", "match": "regex", "count": 2}], PRINTED) is None


def test_pattern_entries_are_validated() -> None:
    assert not is_successful(parse_log_expectation({"pattern": ""}))
    assert not is_successful(parse_log_expectation({"pattern": "x", "match": "fuzzy"}))
