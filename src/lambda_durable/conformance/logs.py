"""``ExpectedLogs`` (docs/protocol.md §10.5): field matches, cardinality, before/after anchors.

A log record is one JSON object the handler logged during the execution (or one line it
printed to stdout, kept as ``{"message": line, "stream": "stdout"}``; a printed JSON
object also offers its own fields). Two entry forms
exist: ``match: {field: value}`` (every listed field present and matching: strings
compare after stripping, ``/…/`` is a regex search, booleans by identity, numbers
numerically), and the upstream ``pattern: TEXT`` with ``match: contains|exact|regex``
against the whole log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.conformance.variables import Bindings, substitute

Fields = Mapping[str, object]


@frozen
class LogExpectation:
    """One ``ExpectedLogs`` entry; no cardinality given means "at least one"."""

    match: Fields
    count: int | None = None
    min_count: int | None = None
    max_count: int | None = None
    before: tuple[Fields, ...] = ()
    after: tuple[Fields, ...] = ()
    pattern: str | None = None
    mode: str = "contains"

    def substituted(self, bindings: Bindings) -> LogExpectation:
        pattern = substitute(self.pattern, bindings) if self.pattern is not None else None
        return LogExpectation(
            pattern=str(pattern) if pattern is not None else None,
            mode=self.mode,
            match=_fields(substitute(self.match, bindings)),
            count=self.count,
            min_count=self.min_count,
            max_count=self.max_count,
            before=tuple(_fields(substitute(a, bindings)) for a in self.before),
            after=tuple(_fields(substitute(a, bindings)) for a in self.after),
        )

    def describe(self) -> str:
        if self.pattern is not None:
            return f"pattern={self.pattern!r} ({self.mode})"
        return "{" + ", ".join(f"{k}: {v!r}" for k, v in self.match.items()) + "}"

    def matches(self, record: Mapping[str, object]) -> bool:
        if self.pattern is None:
            return record_matches(self.match, record)
        return line_matches(self.pattern, self.mode, record)


def _fields(value: object) -> Fields:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def parse_log_expectation(raw: object) -> Result[LogExpectation, str]:
    """Read one YAML entry, rejecting shapes the validator would not understand."""
    if not isinstance(raw, Mapping):
        return Failure(f"entry is not a mapping: {raw!r}")
    pattern = raw.get("pattern")
    match = raw.get("match")
    mode = "contains"
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            return Failure(f"'pattern' must be a non-empty string, got {pattern!r}")
        mode = "contains" if match is None else str(match)
        if mode not in LINE_MODES:
            return Failure(f"'match' with 'pattern' must be one of {sorted(LINE_MODES)}, got {match!r}")
        match = {}
    elif not isinstance(match, Mapping) or not match:
        return Failure("entry needs a non-empty 'match' mapping or a 'pattern'")
    counts: dict[str, int | None] = {}
    for key in ("count", "min_count", "max_count"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            return Failure(f"'{key}' must be a non-negative integer, got {value!r}")
        counts[key] = value
    anchors: dict[str, tuple[Fields, ...]] = {}
    for key in ("before", "after"):
        value = raw.get(key, [])
        items = [value] if isinstance(value, Mapping) else value
        if not isinstance(items, list) or not all(isinstance(a, Mapping) and a for a in items):
            return Failure(f"'{key}' must be a field mapping or a list of them, got {value!r}")
        anchors[key] = tuple(_fields(a) for a in items)
    unknown = set(raw) - {"match", "pattern", "count", "min_count", "max_count", "before", "after"}
    if unknown:
        return Failure(f"unknown keys {sorted(map(str, unknown))}")
    return Success(
        LogExpectation(
            pattern=pattern,
            mode=mode,
            match=_fields(match),
            count=counts["count"],
            min_count=counts["min_count"],
            max_count=counts["max_count"],
            before=anchors["before"],
            after=anchors["after"],
        )
    )


# --- field matching -------------------------------------------------------------

LINE_MODES = frozenset({"contains", "exact", "regex"})


def line_matches(pattern: str, mode: str, record: Mapping[str, object]) -> bool:
    """A ``pattern`` entry against one record as the log line it would be."""
    message = _text(record.get("message", ""))
    line = message if record.get("stream") == "stdout" else json.dumps(record, default=str)
    if mode == "exact":
        return message.strip() == pattern.strip()
    if mode == "regex":
        try:
            return re.search(pattern, line) is not None
        except re.error:
            return False
    return pattern in line


def field_matches(expected: object, actual: object) -> bool:
    """One field: regex for ``/…/``, stripped text, bool identity, numeric equality."""
    if isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, (int, float)):
        return _numeric_equal(expected, actual)
    if isinstance(expected, str):
        pattern = expected.strip()
        if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
            try:
                return re.search(pattern[1:-1], _text(actual)) is not None
            except re.error:
                return False
        return _text(actual).strip() == pattern
    return bool(expected == actual)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _numeric_equal(expected: float, actual: object) -> bool:
    if isinstance(actual, bool):
        return False
    if isinstance(actual, (int, float)):
        return actual == expected
    if isinstance(actual, str):
        try:
            return float(actual.strip()) == expected
        except ValueError:
            return False
    return False


def record_matches(fields: Fields, record: Mapping[str, object]) -> bool:
    """Every listed field is present in the record and matches (AND)."""
    return all(key in record and field_matches(value, record[key]) for key, value in fields.items())


# --- records ----------------------------------------------------------------------


def execution_records(
    records: Sequence[Mapping[str, object]], execution_arn: str
) -> list[Mapping[str, object]]:
    """The records the validator would fetch: this execution's, in time order.

    Only records whose ``durableExecutionArn`` or ``executionArn`` is the ARN count
    (that is the log-group filter of the real validator). Sorting is stable, so
    records with equal timestamps keep the order they were written in.
    """
    own = [
        r
        for r in map(_printed_fields, records)
        if r.get("durableExecutionArn") == execution_arn or r.get("executionArn") == execution_arn
    ]
    return sorted(own, key=lambda r: _timestamp_key(r.get("timestamp")))


def _printed_fields(record: Mapping[str, object]) -> Mapping[str, object]:
    """A printed line that is a JSON object is matched by its fields, as CloudWatch reads
    a JSON log line (the plugin suite's records are printed that way); the capture's own
    fields (time, execution) stay unless the line sets them."""
    message = record.get("message")
    if record.get("stream") != "stdout" or not isinstance(message, str) or not message.lstrip().startswith("{"):
        return record
    try:
        fields = json.loads(message)
    except ValueError:
        return record
    return {**record, **fields} if isinstance(fields, dict) else record


def _timestamp_key(value: object) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value) / 1000 if value > 1e11 else float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


# --- assertions -------------------------------------------------------------------


def _cardinality_error(expectation: LogExpectation, found: int) -> str | None:
    if expectation.count is not None:
        return None if found == expectation.count else f"expected exactly {expectation.count}"
    low = expectation.min_count
    high = expectation.max_count
    if low is None and high is None:
        low = 1
    if low is not None and found < low:
        return f"expected at least {low}"
    if high is not None and found > high:
        return f"expected at most {high}"
    return None


def _anchor_error(
    expectation: LogExpectation,
    own: list[int],
    records: Sequence[Mapping[str, object]],
) -> str | None:
    for kind, anchors in (("after", expectation.after), ("before", expectation.before)):
        for anchor in anchors:
            hits = [i for i, r in enumerate(records) if record_matches(anchor, r)]
            shown = "{" + ", ".join(f"{k}: {v!r}" for k, v in anchor.items()) + "}"
            if not hits:
                return f"{kind} anchor {shown} matched no record"
            if kind == "after" and own and min(own) < max(hits):
                return f"a match at position {min(own)} precedes {kind} anchor {shown} at {max(hits)}"
            if kind == "before" and own and max(own) > min(hits):
                return f"a match at position {max(own)} follows {kind} anchor {shown} at {min(hits)}"
    return None


def check_log_expectation(
    index: int, expectation: LogExpectation, records: Sequence[Mapping[str, object]]
) -> Result[None, str]:
    """One entry against the execution's sorted records."""
    own = [i for i, r in enumerate(records) if expectation.matches(r)]
    label = f"ExpectedLogs[{index}] {expectation.describe()}"
    wrong_count = _cardinality_error(expectation, len(own))
    if wrong_count is not None:
        return Failure(f"{label}: {wrong_count} matching log records, got {len(own)}")
    wrong_order = _anchor_error(expectation, own, records)
    if wrong_order is not None:
        return Failure(f"{label}: {wrong_order}")
    return Success(None)


def check_logs(
    expectations: Sequence[LogExpectation],
    records: Sequence[Mapping[str, object]],
    execution_arn: str,
    bindings: Bindings,
) -> Result[None, str]:
    """Every entry, after substituting the final bindings; the first failure wins."""
    own = execution_records(records, execution_arn)
    for index, expectation in enumerate(expectations):
        result = check_log_expectation(index, expectation.substituted(bindings), own)
        if not is_successful(result):
            return result
    return Success(None)
