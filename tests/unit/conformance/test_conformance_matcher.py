"""The history matcher, rule by rule, on hand-built boto3-shaped events."""

from __future__ import annotations

from datetime import UTC, datetime

from returns.pipeline import is_successful

from lambda_durable.conformance.matcher import (
    copy_wait_for_callback_names,
    match_history,
    match_value,
)
from lambda_durable.conformance.variables import Bindings

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def step_events(result: str = '"42"') -> list[dict[str, object]]:
    return [
        {
            "EventType": "ExecutionStarted",
            "EventId": 1,
            "EventTimestamp": T0,
            "Id": "exec",
            "ExecutionStartedDetails": {"Input": {"Payload": '"x"', "Truncated": False}},
        },
        {
            "EventType": "StepStarted",
            "EventId": 2,
            "EventTimestamp": T0,
            "Id": "op-1",
            "Name": "greet",
            "SubType": "Step",
            "StepStartedDetails": {},
        },
        {
            "EventType": "StepSucceeded",
            "EventId": 3,
            "EventTimestamp": T0,
            "Id": "op-1",
            "Name": "greet",
            "SubType": "Step",
            "StepSucceededDetails": {
                "Result": {"Payload": result, "Truncated": False},
                "RetryDetails": {"CurrentAttempt": 1},
            },
        },
        {
            "EventType": "InvocationCompleted",
            "EventId": 4,
            "EventTimestamp": T0,
            "InvocationCompletedDetails": {"StartTimestamp": T0, "EndTimestamp": T0, "RequestId": "r"},
        },
    ]


def expected_step(payload: str = '"42"') -> list[object]:
    return [
        {"EventType": "StepStarted", "EventId": 2, "Id": "${ID1}", "EventTimestamp": "*", "StepStartedDetails": {}},
        {
            "EventType": "StepSucceeded",
            "EventId": 3,
            "Id": "${ID1}",
            "EventTimestamp": "*",
            "StepSucceededDetails": {"Result": {"Payload": payload}},
        },
    ]


def failure_text(expected: list[object], actual: list[dict[str, object]], bindings: Bindings | None = None) -> str:
    result = match_history(expected, actual, bindings or Bindings())
    assert not is_successful(result), "expected a mismatch"
    return str(result.failure())


def test_matching_history_binds_placeholders() -> None:
    result = match_history(expected_step(), step_events(), Bindings())
    assert is_successful(result)
    assert result.unwrap()["ID1"] == "op-1"


def test_wrong_value_reports_path_and_both_values() -> None:
    text = failure_text(expected_step('"42"'), step_events('"41"'))
    assert text == (
        "event 3 StepSucceeded: StepSucceededDetails.Result.Payload: expected '\"42\"', got '\"41\"'"
    )


def test_extra_actual_events_and_keys_are_ignored() -> None:
    expected: list[object] = [{"EventId": 4, "EventType": "InvocationCompleted"}]
    assert is_successful(match_history(expected, step_events(), Bindings()))


def test_missing_key_fails_even_for_wildcards() -> None:
    expected: list[object] = [{"EventId": 4, "EventType": "InvocationCompleted", "Id": "*"}]
    assert failure_text(expected, step_events()).startswith("event 4 InvocationCompleted: Id: missing")


def test_missing_key_fails_for_empty_mapping_too() -> None:
    expected: list[object] = [{"EventId": 2, "StepSucceededDetails": {}}]
    assert "StepSucceededDetails: missing" in failure_text(expected, step_events())


def test_empty_mapping_and_star_accept_anything() -> None:
    assert is_successful(match_value({}, 17, Bindings()))
    assert is_successful(match_value({}, "text", Bindings()))
    assert is_successful(match_value("*", {"a": 1}, Bindings()))
    assert is_successful(match_value("*", None, Bindings()))


def test_inconsistent_binding_fails() -> None:
    expected = expected_step()
    events = step_events()
    events[2]["Id"] = "op-2"
    text = failure_text(expected, events)
    assert text == "event 3 StepSucceeded: Id: ${ID1} is 'op-1', got 'op-2'"


def test_variables_are_prebound_so_placeholders_check_equality() -> None:
    expected: list[object] = [{"EventId": 2, "Name": "${NAME}"}]
    assert is_successful(match_history(expected, step_events(), Bindings({"NAME": "greet"})))
    text = failure_text(expected, step_events(), Bindings({"NAME": "other"}))
    assert text == "event 2: Name: ${NAME} is 'other', got 'greet'"


def test_binding_keeps_non_string_values() -> None:
    bound = match_value("${X}", {"a": [1]}, Bindings()).unwrap()
    assert bound["X"] == {"a": [1]}
    assert is_successful(match_value("${X}", {"a": [1]}, bound))
    assert not is_successful(match_value("${X}", {"a": [2]}, bound))


def test_regex_searches_the_string_form() -> None:
    assert is_successful(match_value("${/^[0-5]$/}", 3, Bindings()))
    assert is_successful(match_value("${/.*TransientError$/}", "x.TransientError", Bindings()))
    assert is_successful(match_value("${/wrapped/}", "wrapped:X", Bindings()))


def test_regex_mismatch_fails() -> None:
    result = match_value("${/^[0-5]$/}", 7, Bindings(), "RetryDetails.NextAttemptDelaySeconds")
    assert not is_successful(result)
    assert str(result.failure()) == "RetryDetails.NextAttemptDelaySeconds: 7 does not match /^[0-5]$/"


def test_invalid_regex_is_a_mismatch_not_a_crash() -> None:
    assert not is_successful(match_value("${/(/}", "x", Bindings()))


def test_lists_need_equal_length() -> None:
    result = match_value(["a", "b"], ["a", "b", "c"], Bindings(), "StackTrace")
    assert not is_successful(result)
    assert str(result.failure()).startswith("StackTrace: expected 2 elements, got 3")
    assert is_successful(match_value(["a", "${B}"], ["a", "b"], Bindings()))


def test_list_elements_match_with_index_in_path() -> None:
    result = match_value(["a", "x"], ["a", "b"], Bindings(), "L")
    assert str(result.failure()) == "L[1]: expected 'x', got 'b'"


def test_list_expected_but_not_a_list() -> None:
    assert not is_successful(match_value(["a"], "a", Bindings()))


def test_mapping_expected_but_not_a_mapping() -> None:
    result = match_value({"Payload": "x"}, "x", Bindings(), "Result")
    assert str(result.failure()) == "Result: expected an object, got 'x'"


def test_embedded_placeholders_are_substituted_then_compared() -> None:
    bindings = Bindings({"CB_PAYLOAD": "abc"})
    assert is_successful(match_value('"${CB_PAYLOAD}"', '"abc"', bindings))
    result = match_value('"${CB_PAYLOAD}"', '"abd"', bindings)
    assert str(result.failure()) == "expected '\"abc\"', got '\"abd\"'"


def test_embedded_unbound_placeholder_stays_literal() -> None:
    assert not is_successful(match_value("x-${NOPE}", "x-1", Bindings()))
    assert is_successful(match_value("x-${NOPE}", "x-${NOPE}", Bindings()))


def test_other_values_compare_with_python_equality() -> None:
    assert is_successful(match_value(2, 2, Bindings()))
    assert is_successful(match_value(2, 2.0, Bindings()))
    assert is_successful(match_value(False, False, Bindings()))
    assert not is_successful(match_value(2, "2", Bindings()))
    assert not is_successful(match_value(None, "x", Bindings()))


def test_missing_event_id_in_actual_history() -> None:
    expected: list[object] = [{"EventType": "ExecutionSucceeded", "EventId": 9}]
    text = failure_text(expected, step_events())
    assert text == "event 9 ExecutionSucceeded: no such event (the history has 4 events, last EventId 4)"


def test_expected_event_without_event_id() -> None:
    expected: list[object] = [{"EventType": "StepStarted"}]
    assert failure_text(expected, step_events()) == "event #1 StepStarted: expected event #1 has no EventId"


def test_wrong_event_type_is_reported() -> None:
    expected: list[object] = [{"EventType": "StepFailed", "EventId": 3}]
    text = failure_text(expected, step_events())
    assert text == "event 3 StepFailed: EventType: expected 'StepFailed', got 'StepSucceeded'"


def test_first_difference_wins_and_bindings_carry_across_events() -> None:
    expected: list[object] = [
        {"EventId": 2, "Id": "${A}"},
        {"EventId": 3, "Id": "${A}", "Name": "nope"},
        {"EventId": 4, "EventType": "Wrong"},
    ]
    assert failure_text(expected, step_events()) == "event 3: Name: expected 'nope', got 'greet'"


def test_datetimes_are_shown_readably() -> None:
    result = match_value("2020", T0, Bindings(), "EventTimestamp")
    assert str(result.failure()) == "EventTimestamp: expected '2020', got 2026-01-01T00:00:00+00:00"


def test_wait_for_callback_children_borrow_the_parent_name() -> None:
    events: list[dict[str, object]] = [
        {"EventType": "ContextStarted", "EventId": 2, "Id": "ctx", "Name": "cb", "SubType": "WaitForCallback"},
        {"EventType": "CallbackStarted", "EventId": 3, "Id": "c1", "ParentId": "ctx"},
        {"EventType": "StepStarted", "EventId": 4, "Id": "s1", "ParentId": "ctx"},
        {"EventType": "StepSucceeded", "EventId": 5, "Id": "s1", "ParentId": "ctx", "Name": "own"},
        {"EventType": "CallbackSucceeded", "EventId": 6, "Id": "c1", "ParentId": "ctx"},
        {"EventType": "StepStarted", "EventId": 7, "Id": "s2", "ParentId": "other"},
    ]
    fixed = copy_wait_for_callback_names(events)
    assert [e.get("Name") for e in fixed] == ["cb", "cb", "cb", "own", None, None]
    assert "Name" not in events[1]


def test_plain_contexts_lend_no_name() -> None:
    events: list[dict[str, object]] = [
        {"EventType": "ContextStarted", "EventId": 2, "Id": "ctx", "Name": "n", "SubType": "RunInChildContext"},
        {"EventType": "StepStarted", "EventId": 3, "Id": "s", "ParentId": "ctx"},
    ]
    assert "Name" not in copy_wait_for_callback_names(events)[1]
