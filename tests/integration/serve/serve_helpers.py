"""Polling helpers and the model check shared by the serve tests."""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.model import OperationModel
from botocore.validate import ParamValidator

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}
UNMODELLED_ERRORS = {
    # an unknown ARN on the handler-only APIs: the model lists no ResourceNotFound for
    # them; the local service answers 404 as for every other API (docs/compatibility.md)
    ("CheckpointDurableExecution", "ResourceNotFoundException"),
    ("GetDurableExecutionState", "ResourceNotFoundException"),
}


class ModelCheck:
    """Checks every response a client parses against botocore's Lambda model: the
    parsed output passes botocore's validator for the output shape, and no key of the
    raw JSON body was dropped by botocore's parser (i.e. every key is modelled)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("after-call.lambda", self._after_call)

    def _after_call(self, http_response: Any, parsed: dict[str, Any], model: OperationModel, **_: Any) -> None:
        status = http_response.status_code
        if status >= 400:
            headers = {k.lower(): v for k, v in http_response.headers.items()}
            code = headers.get("x-amzn-errortype")
            modelled = {e.name: e.metadata.get("error", {}).get("httpStatusCode") for e in model.error_shapes}
            if code is None:
                self.problems.append(f"{model.name}: error without x-amzn-ErrorType")
            elif (model.name, code) in UNMODELLED_ERRORS:
                pass
            elif code not in modelled:
                self.problems.append(f"{model.name}: {code} is not a modelled error of this operation")
            elif modelled[code] != status:
                self.problems.append(f"{model.name}: {code} with status {status}, modelled {modelled[code]}")
            return
        self.checked += 1
        output = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        if model.name == "Invoke":
            return  # a blob payload and headers; the parser checks those
        assert model.output_shape is not None
        report = ParamValidator().validate(output, model.output_shape)
        if report.has_errors():
            self.problems.append(f"{model.name}: {report.generate_report()}")
        raw = json.loads(http_response.content or b"{}")
        dropped = _dropped_keys(raw, output)
        if dropped:
            self.problems.append(f"{model.name}: keys not in the model: {dropped}")


def _dropped_keys(raw: Any, parsed: Any, path: str = "") -> list[str]:
    if isinstance(raw, dict) and isinstance(parsed, dict):
        out = [f"{path}.{k}" for k in raw if k not in parsed]
        for k in raw:
            if k in parsed:
                out += _dropped_keys(raw[k], parsed[k], f"{path}.{k}")
        return out
    if isinstance(raw, list) and isinstance(parsed, list):
        return [d for r, p in zip(raw, parsed) for d in _dropped_keys(r, p, f"{path}[]")]
    return []


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.02) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


def wait_terminal(client: Any, arn: str, timeout: float = 30.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found: dict[str, Any] = client.get_durable_execution(DurableExecutionArn=arn)
        return found if found["Status"] in TERMINAL else None

    result: dict[str, Any] = wait_until(done, timeout)
    return result


def history(client: Any, arn: str) -> list[dict[str, Any]]:
    """Every event, following NextMarker."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
    while True:
        page = client.get_durable_execution_history(**kwargs)
        events += page["Events"]
        if not page.get("NextMarker"):
            return events
        kwargs["Marker"] = page["NextMarker"]


def wait_callback_id(client: Any, arn: str, timeout: float = 30.0) -> str:
    def started() -> str | None:
        for event in history(client, arn):
            if event["EventType"] == "CallbackStarted":
                return str(event["CallbackStartedDetails"]["CallbackId"])
        return None

    found: str = wait_until(started, timeout)
    return found
