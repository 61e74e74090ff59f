"""The read-only APIs of ``serve``: describe, history and list (docs/protocol.md §9.2).

Built from the service's records and history; nothing here changes state. Payloads are
left out when ``IncludeExecutionData`` is false (the model's default is true).
"""

from __future__ import annotations

from typing import Any

from returns.pipeline import is_successful

from lambda_durable.client import ServiceError
from lambda_durable.local.api import LocalBackend
from lambda_durable.local.engine.service import LocalService
from lambda_durable.local.engine.service_errors import invalid
from lambda_durable.local.engine.store import ExecutionRecord
from lambda_durable.local.engine.targets import function_name_of
from lambda_durable.local.engine.tokens import QUALIFIER, function_arn
from lambda_durable.local.http.rest import (
    Request,
    Response,
    count,
    epoch,
    error_response,
    flag,
    json_response,
    timestamp,
)
from lambda_durable.wire import API_JSON, ErrorObject, Event, ExecutionStatus

DEFAULT_ITEMS = 100
MAX_ITEMS = 1000


def describe(service: LocalService, request: Request, arn: str) -> Response:
    """GetDurableExecution."""
    found = service.execution(arn)
    if not is_successful(found):
        return error_response(found.failure())
    record = found.unwrap()
    body: dict[str, Any] = {
        **_summary(record),
        "Version": QUALIFIER,
    }
    if flag(request, "IncludeExecutionData", True):
        if record.input_payload is not None:
            body["InputPayload"] = record.input_payload
        if record.status is ExecutionStatus.SUCCEEDED and record.result is not None:
            body["Result"] = record.result
    if record.status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.STOPPED):
        body["Error"] = API_JSON.encode(record.error or ErrorObject())
    return json_response(200, body)


def history(service: LocalService, request: Request, arn: str) -> Response:
    """GetDurableExecutionHistory: pages by EventId (the marker is the next EventId)."""
    found = service.history(arn)
    if not is_successful(found):
        return error_response(found.failure())
    include = flag(request, "IncludeExecutionData", True)
    events = list(found.unwrap())
    if flag(request, "ReverseOrder", False):
        events.reverse()
    start = 0
    marker = request.param("Marker")
    if marker:
        ids = [str(e.event_id) for e in events]
        if marker not in ids:
            return error_response(invalid("Invalid marker"))
        start = ids.index(marker)
    size = count(request, "MaxItems") or DEFAULT_ITEMS
    page = events[start : start + min(size, MAX_ITEMS)]
    body: dict[str, Any] = {"Events": [_event(e, include) for e in page]}
    if start + len(page) < len(events):
        body["NextMarker"] = str(events[start + len(page)].event_id)
    return json_response(200, body)


def list_by_function(backend: LocalBackend, request: Request, label: str) -> Response:
    """ListDurableExecutionsByFunction: in start order, filtered; the marker is an offset."""
    service = backend.service
    name = function_name_of(label)
    if name is None or not backend.registered(name):
        return error_response(ServiceError("ResourceNotFoundException", f"Function not found: {label}", 404))
    wanted_name = request.param("DurableExecutionName")
    statuses = set(request.query.get("Statuses", []))
    after, before = timestamp(request, "StartedAfter"), timestamp(request, "StartedBefore")
    records: list[ExecutionRecord] = []
    for arn in service.execution_arns():
        record = service.execution(arn).value_or(None)
        if record is None or record.function_name != name:
            continue
        if wanted_name is not None and record.name != wanted_name:
            continue
        if statuses and record.status.value not in statuses:
            continue
        if (after is not None and record.start < after) or (before is not None and record.start > before):
            continue
        records.append(record)
    if flag(request, "ReverseOrder", False):
        records.reverse()
    marker = request.param("Marker")
    start = int(marker) if marker else 0
    size = min(count(request, "MaxItems") or DEFAULT_ITEMS, MAX_ITEMS)
    body: dict[str, Any] = {"DurableExecutions": [_summary(r) for r in records[start : start + size]]}
    if start + size < len(records):
        body["NextMarker"] = str(start + size)
    return json_response(200, body)


def _summary(record: ExecutionRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "DurableExecutionArn": record.arn,
        "DurableExecutionName": record.name,
        "FunctionArn": function_arn(record.function_name),
        "Status": record.status.value,
        "StartTimestamp": epoch(record.start),
    }
    if record.end is not None:
        body["EndTimestamp"] = epoch(record.end)
    return body


def _event(event: Event, include: bool) -> dict[str, Any]:
    encoded: dict[str, Any] = API_JSON.encode(event)
    if include:
        return encoded
    details = encoded.get(f"{event.event_type.value}Details")
    if isinstance(details, dict):
        for key in ("Input", "Result"):
            if key in details:
                details[key] = {"Truncated": True}
    return encoded

