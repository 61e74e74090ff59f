"""Results and settings of fan-out operations (map, parallel and the combinators)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from attrs import field, frozen
from returns.result import Failure, Result, Success

from lambda_durable.config import NoSerdes
from lambda_durable.errors import BatchFailed, DurableError
from lambda_durable.serdes import SerDes
from lambda_durable.wire import ErrorObject

T = TypeVar("T")
U = TypeVar("U")


class BatchItemStatus(str, Enum):
    """Where a branch stands: finished either way, or started and not finished."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STARTED = "STARTED"


class NestingType(str, Enum):
    """NESTED records a CONTEXT per branch; FLAT records none (the branch's operations
    hang directly off the batch), which halves the operations of a large fan-out."""

    NESTED = "NESTED"
    FLAT = "FLAT"


class CompletionReason(str, Enum):
    ALL_COMPLETED = "ALL_COMPLETED"
    MIN_SUCCESSFUL_REACHED = "MIN_SUCCESSFUL_REACHED"
    FAILURE_TOLERANCE_EXCEEDED = "FAILURE_TOLERANCE_EXCEEDED"


@frozen
class BatchItem(Generic[T]):
    """One branch's outcome; ``index`` is its position in the input."""

    index: int
    status: BatchItemStatus
    result: T | None = None
    error: ErrorObject | None = None


def _items(value: Iterable[BatchItem[T]]) -> tuple[BatchItem[T], ...]:
    return tuple(value)


@frozen
class BatchResult(Generic[T]):
    """The outcome of a batch: one item per *started* branch, in index order.

    Branches never started (the batch completed early) have no item, so ``total_count``
    may be smaller than the input.
    """

    items: tuple[BatchItem[T], ...] = field(converter=_items)
    completion_reason: CompletionReason

    def successes(self) -> list[BatchItem[T]]:
        return [i for i in self.items if i.status is BatchItemStatus.SUCCEEDED]

    def failures(self) -> list[BatchItem[T]]:
        return [i for i in self.items if i.status is BatchItemStatus.FAILED]

    @property
    def success_count(self) -> int:
        return len(self.successes())

    @property
    def failure_count(self) -> int:
        return len(self.failures())

    @property
    def started_count(self) -> int:
        return sum(1 for i in self.items if i.status is BatchItemStatus.STARTED)

    @property
    def total_count(self) -> int:
        return len(self.items)

    @property
    def has_failure(self) -> bool:
        return self.failure_count > 0

    def results(self) -> list[T]:
        """The results of the succeeded branches, in index order."""
        return [i.result for i in self.successes()]  # type: ignore[misc]

    def to_result(self) -> Result[list[T], DurableError]:
        """All results, or the first failure as ``BatchFailed`` (fail-fast view)."""
        failed = self.failures()
        if failed:
            first = failed[0].error or ErrorObject(error_message="a branch failed")
            return Failure(BatchFailed(first))
        return Success(self.results())


def _min_successful(_: object, __: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"min_successful must be at least 1, got {value}")


def _tolerated_count(_: object, __: object, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"tolerated_failure_count cannot be negative, got {value}")


def _tolerated_percentage(_: object, __: object, value: float | None) -> None:
    if value is not None and not 0 <= value <= 100:
        raise ValueError(f"tolerated_failure_percentage must be within 0-100, got {value}")


@frozen
class CompletionConfig:
    """When a batch is done before every branch ran.

    With neither tolerance set and no ``min_successful``, the first failure ends the
    batch (fail-fast). ``min_successful`` alone never ends it on failures.
    """

    min_successful: int | None = field(default=None, validator=_min_successful)
    tolerated_failure_count: int | None = field(default=None, validator=_tolerated_count)
    tolerated_failure_percentage: float | None = field(default=None, validator=_tolerated_percentage)

    @classmethod
    def all_successful(cls) -> CompletionConfig:
        """Every branch must succeed; stop at the first failure."""
        return cls(tolerated_failure_count=0)

    @classmethod
    def first_successful(cls) -> CompletionConfig:
        """Done as soon as one branch succeeded."""
        return cls(min_successful=1)

    @classmethod
    def all_completed(cls) -> CompletionConfig:
        """Run every branch whatever fails."""
        return cls(tolerated_failure_percentage=100)

    def tolerance_exceeded(self, failed: int, total: int) -> bool:
        if self.tolerated_failure_count is None and self.tolerated_failure_percentage is None:
            return self.min_successful is None and failed > 0
        if self.tolerated_failure_count is not None and failed > self.tolerated_failure_count:
            return True
        pct = self.tolerated_failure_percentage
        return pct is not None and total > 0 and failed / total * 100 > pct

    def min_reached(self, succeeded: int) -> bool:
        return self.min_successful is not None and succeeded >= self.min_successful


def _max_concurrency(_: object, __: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"max_concurrency must be at least 1, got {value}")


@frozen(init=False)
class MapConfig(Generic[T, U]):
    """Settings of ``map`` over items ``T`` producing ``U``.

    ``item_namer(item, index)`` names each iteration (default ``map-item-<i>``);
    ``item_serdes`` stores each iteration's result (without it ``U`` must be a durable
    value); ``serdes`` stores the whole ``BatchResult`` as the map's own payload.
    """

    max_concurrency: int | None
    completion: CompletionConfig
    item_namer: Callable[[T, int], str] | None
    serdes: SerDes[BatchResult[Any]] | None
    item_serdes: SerDes[U] | None
    nesting: NestingType

    @overload
    def __init__(
        self: MapConfig[T, NoSerdes],
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[T, int], str] | None = None,
        serdes: SerDes[BatchResult[Any]] | None = None,
        nesting: NestingType = NestingType.NESTED,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[T, int], str] | None = None,
        serdes: SerDes[BatchResult[U]] | None = None,
        item_serdes: SerDes[U],
        nesting: NestingType = NestingType.NESTED,
    ) -> None: ...

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[T, int], str] | None = None,
        serdes: SerDes[BatchResult[Any]] | None = None,
        item_serdes: SerDes[U] | None = None,
        nesting: NestingType = NestingType.NESTED,
    ) -> None:
        _max_concurrency(None, None, max_concurrency)
        self.__attrs_init__(
            max_concurrency, completion or CompletionConfig(), item_namer, serdes, item_serdes, nesting
        )


@frozen(init=False)
class ParallelConfig(Generic[U]):
    """Settings of ``parallel``; the default completion is all-successful (fail-fast).

    ``item_namer(branch, index)`` names each branch (default ``parallel-branch-<i>``), as
    ``MapConfig.item_namer`` names iterations: the name is in the history and in what
    plugins see, so a branch can be told apart by what it does."""

    max_concurrency: int | None
    completion: CompletionConfig
    item_namer: Callable[[Callable[..., Any], int], str] | None
    serdes: SerDes[BatchResult[Any]] | None
    item_serdes: SerDes[U] | None
    nesting: NestingType

    @overload
    def __init__(
        self: ParallelConfig[NoSerdes],
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[Callable[..., Any], int], str] | None = None,
        serdes: SerDes[BatchResult[Any]] | None = None,
        nesting: NestingType = NestingType.NESTED,
    ) -> None: ...

    @overload
    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[Callable[..., Any], int], str] | None = None,
        serdes: SerDes[BatchResult[U]] | None = None,
        item_serdes: SerDes[U],
        nesting: NestingType = NestingType.NESTED,
    ) -> None: ...

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        completion: CompletionConfig | None = None,
        item_namer: Callable[[Callable[..., Any], int], str] | None = None,
        serdes: SerDes[BatchResult[Any]] | None = None,
        item_serdes: SerDes[U] | None = None,
        nesting: NestingType = NestingType.NESTED,
    ) -> None:
        _max_concurrency(None, None, max_concurrency)
        self.__attrs_init__(
            max_concurrency,
            completion or CompletionConfig.all_successful(),
            item_namer,
            serdes,
            item_serdes,
            nesting,
        )
