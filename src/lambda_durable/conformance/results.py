"""The result check of docs/protocol.md §10.3, run after the history matched.

The status must equal ``ExecutionStatus`` when given. The result is compared only
for a SUCCEEDED execution whose requirement lists ``Result``: the stored result
string is JSON-decoded (kept raw when it is not JSON) and must equal the expected
value after substitution.
"""

from __future__ import annotations

import json

from returns.maybe import Some
from returns.result import Failure, Result, Success

from lambda_durable.conformance.matcher import show
from lambda_durable.conformance.requirements import ExpectedResult
from lambda_durable.conformance.variables import Bindings, substitute
from lambda_durable.wire import ErrorObject


def decoded_result(result: str | None) -> object:
    """What the validator compares: the JSON value, or the raw text if not JSON."""
    if result is None:
        return None
    try:
        return json.loads(result)
    except ValueError:
        return result


def _error_note(error: ErrorObject | None) -> str:
    if error is None:
        return ""
    parts = [p for p in (error.error_type, error.error_message) if p]
    return f" ({': '.join(parts)})" if parts else ""


def check_result(
    expected: ExpectedResult,
    status: str,
    result: str | None,
    error: ErrorObject | None,
    bindings: Bindings,
) -> Result[None, str]:
    """Compare the settled execution with ``ExpectedResult``."""
    if expected.execution_status is not None and expected.execution_status != status:
        return Failure(
            f"ExecutionStatus: expected {expected.execution_status}, got {status}{_error_note(error)}"
        )
    match expected.result:
        case Some(wanted) if status == "SUCCEEDED":
            want = substitute(wanted, bindings)
            got = decoded_result(result)
            if want != got:
                return Failure(f"Result: expected {show(want)}, got {show(got)}")
    return Success(None)
