"""A store that cannot be written stops the harness with a clear error instead of a
hang, and ``serve``'s pump waits out an outage and then finishes the execution."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, durable_handler
from lambda_durable.local import LocalBackend, LocalBackendError
from lambda_durable.local.engine.store import ChangeSet, Store
from lambda_durable.local.http.pump import Pump
from lambda_durable.wire import ExecutionStatus


class Outage:
    """Makes every store write fail while ``on`` is set, as a full disk would."""

    def __init__(self) -> None:
        self.on = threading.Event()
        self.started = 0

    def install(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        real = store.apply

        def apply(*changes: ChangeSet) -> None:
            if self.on.is_set():
                raise sqlite3.OperationalError("database or disk is full")
            real(*changes)

        monkeypatch.setattr(store, "apply", apply)


OUTAGE = Outage()


def _disk_fills(_: object) -> int:
    OUTAGE.started += 1
    if OUTAGE.started == 1:  # the first attempt fills the disk; its checkpoint is lost
        OUTAGE.on.set()
    return 1


@durable_handler
def fills_the_disk(event: object, ctx: DurableContext) -> Result[int, DurableError]:
    return ctx.step(_disk_fills, name="fill").bind(lambda v: ctx.wait(Duration.seconds(5)).map(lambda _: v))


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalBackend]:
    OUTAGE.on.clear()
    OUTAGE.started = 0
    with LocalBackend() as backend:
        OUTAGE.install(backend.store, monkeypatch)
        backend.register("fills", fills_the_disk)
        yield backend
    OUTAGE.on.clear()


def test_a_store_that_stays_unwritable_ends_the_run_with_a_clear_error(backend: LocalBackend) -> None:
    arn = backend.start("fills", "null").unwrap()
    with pytest.raises(LocalBackendError, match="store write failed: database or disk is full"):
        backend.run_until_settled(arn)
    OUTAGE.on.clear()  # the disk has room again: the stored state is intact and goes on
    outcome = backend.run_until_settled(arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "1"


def test_the_pump_waits_out_an_outage_and_then_finishes_the_execution(backend: LocalBackend) -> None:
    pump = Pump(backend)
    pump.start()
    try:
        arn = backend.start("fills", "null").unwrap()
        pump.watch(arn)
        assert not pump.wait_until_done(arn, timeout=1.5)  # stuck while the disk is full
        assert backend.describe(arn).status is ExecutionStatus.RUNNING
        OUTAGE.on.clear()
        pump.poke()
        assert pump.wait_until_done(arn, timeout=30)
    finally:
        pump.stop()
    outcome = backend.describe(arn)
    assert outcome.status is ExecutionStatus.SUCCEEDED
    assert outcome.result == "1"
