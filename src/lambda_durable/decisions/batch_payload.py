"""How a batch is stored as its container's payload: the whole ``BatchResult`` as JSON,
or, when that is too large, a summary from which replay rebuilds the items."""

from __future__ import annotations

import json
from typing import Any

from attrs import frozen

from lambda_durable.batch import BatchItem, BatchItemStatus, BatchResult, CompletionReason
from lambda_durable.runtime.codec import Codec
from lambda_durable.serdes import KnowsRoundTrip, SerDes, dumps
from lambda_durable.wire import PYTHON, ErrorObject


@frozen
class BatchSummary:
    """What a too-large batch stores instead of its items (ReplayChildren)."""

    kind: str
    reason: CompletionReason
    completed: tuple[int, ...]
    started: tuple[int, ...]
    success_count: int
    failure_count: int

    @classmethod
    def of(cls, batch: BatchResult[Any], sub_type: str) -> BatchSummary:
        finished = tuple(i.index for i in batch.items if i.status is not BatchItemStatus.STARTED)
        started = tuple(i.index for i in batch.items if i.status is BatchItemStatus.STARTED)
        return cls(
            f"{sub_type}Result",
            batch.completion_reason,
            finished,
            started,
            batch.success_count,
            batch.failure_count,
        )

    def text(self) -> str:
        return dumps(
            {
                "type": self.kind,
                "totalCount": len(self.completed) + len(self.started),
                "completionReason": self.reason.value,
                "completedIndexes": list(self.completed),
                "startedIndexes": list(self.started),
                "successCount": self.success_count,
                "failureCount": self.failure_count,
            }
        )

    @classmethod
    def parse(cls, text: str | None) -> BatchSummary | None:
        """The summary in ``text``; None when it is not one (replay then re-runs the batch)."""
        try:
            data = json.loads(text or "")
            return cls(
                str(data["type"]),
                CompletionReason(data["completionReason"]),
                tuple(int(i) for i in data["completedIndexes"]),
                tuple(int(i) for i in data["startedIndexes"]),
                int(data["successCount"]),
                int(data["failureCount"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


@frozen
class BatchSerDes(SerDes[BatchResult[Any]], KnowsRoundTrip):
    """A BatchResult as JSON; each item's result is stored with the item codec's text, so
    custom item codecs and rich result types survive the round trip. An item serdes that
    raises raises here, so ``Codec`` reports it as ``SerdesFailed`` with its own error."""

    item_codec: Codec[Any]

    def serialize(self, value: BatchResult[Any], /) -> str:
        items = []
        item_serdes = self.item_codec.serdes
        for item in value.items:
            entry: dict[str, Any] = {"index": item.index, "status": item.status.value}
            if item.status is BatchItemStatus.SUCCEEDED:
                entry["result"] = item_serdes.serialize(item.result)
            if item.error is not None:
                entry["error"] = PYTHON.encode(item.error)
            items.append(entry)
        return dumps({"items": items, "completionReason": value.completion_reason.value})

    def reads_back_unchanged(self, value: BatchResult[Any], /) -> bool:
        """Items without errors whose results the item codec reads back unchanged."""
        codec = self.item_codec
        return all(
            item.error is None
            and (item.status is not BatchItemStatus.SUCCEEDED or codec.reads_back_unchanged(item.result))
            for item in value.items
        )

    def deserialize(self, data: str, /) -> BatchResult[Any]:
        raw = json.loads(data)
        items = []
        item_serdes = self.item_codec.serdes
        for entry in raw["items"]:
            status = BatchItemStatus(entry["status"])
            text = entry.get("result")
            result = (
                item_serdes.deserialize(text if text is not None else "null")
                if status is BatchItemStatus.SUCCEEDED
                else None
            )
            error = _error_from_json(entry["error"]) if entry.get("error") else None
            items.append(BatchItem(int(entry["index"]), status, result, error))
        return BatchResult(items, CompletionReason(raw["completionReason"]))


def _error_from_json(data: object) -> ErrorObject:
    return PYTHON.decode(ErrorObject, data).value_or(ErrorObject(error_message=str(data)))
