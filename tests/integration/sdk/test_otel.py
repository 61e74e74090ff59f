"""``OpenTelemetryPlugin`` into the OpenTelemetry SDK's in-memory exporter: the span tree
of a workflow with a child context, a map, a retry and a wait across three invocations."""

from __future__ import annotations

from collections import Counter
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    MapConfig,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)
from lambda_durable.local import run_local
from lambda_durable.otel import OpenTelemetryPlugin, execution_root
from lambda_durable.wire import ExecutionStatus

RETRY_ONCE = StepConfig(retry_strategy=RetryStrategy(max_attempts=2, initial_delay=Duration.seconds(1), jitter=JitterStrategy.NONE))
NO_RETRY = StepConfig(retry_strategy=RetryStrategy.none())


def _exporter() -> tuple[InMemorySpanExporter, TracerProvider]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, provider


def _flaky(step: StepContext) -> str:
    if step.attempt == 1:
        raise ValueError("not yet")
    return "ok"


def _workflow(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
    return (
        ctx.step(lambda _: "a", name="fetch")
        .bind(lambda _: ctx.run_in_child_context(lambda c: c.step(lambda _: 1, name="inner"), name="prepare"))
        .bind(
            lambda _: ctx.map(
                [1, 2],
                lambda c, item, i: c.step(lambda _: item * 2, name="double"),
                name="fan",
                config=MapConfig(max_concurrency=1),
            )
        )
        .bind(lambda _: ctx.step(_flaky, name="flaky", config=RETRY_ONCE))
        .bind(lambda _: ctx.wait(Duration.seconds(5), name="pause"))
        .bind(lambda _: ctx.step(lambda _: "done", name="finish"))
    )


def _by_id(spans: tuple[ReadableSpan, ...]) -> dict[int, ReadableSpan]:
    return {span.context.span_id: span for span in spans if span.context is not None}


def _parent_name(span: ReadableSpan, spans: dict[int, ReadableSpan]) -> str | None:
    if span.parent is None:
        return None
    parent = spans.get(span.parent.span_id)
    return parent.name if parent is not None else "<execution>"


def test_three_invocations_make_one_trace_with_each_operation_once() -> None:
    exporter, provider = _exporter()
    handler = durable_handler(plugins=[OpenTelemetryPlugin(tracer_provider=provider)])(_workflow)

    outcome = run_local(handler, {})
    assert outcome.status is ExecutionStatus.SUCCEEDED

    spans = exporter.get_finished_spans()
    assert {span.context.trace_id for span in spans if span.context} == {
        execution_root(outcome.arn).get_span_context().trace_id
    }
    names = Counter(span.name for span in spans)
    assert names == Counter(
        {
            "durable.invocation": 3,
            "Step fetch": 1,
            "RunInChildContext prepare": 1,
            "Step inner": 1,
            "Map fan": 1,
            "MapIteration map-item-0": 1,
            "MapIteration map-item-1": 1,
            "Step double": 2,
            "Step flaky": 1,
            "Wait pause": 1,
            "Step finish": 1,
        }
    )

    by_id = _by_id(spans)
    invocations = sorted((s for s in spans if s.name == "durable.invocation"), key=lambda s: s.start_time or 0)
    first, second, third = (s.context.span_id for s in invocations if s.context)
    parent_of = {span.name: span.parent.span_id if span.parent else None for span in spans if span.name != "Step double"}
    assert parent_of["Step fetch"] == first
    assert parent_of["RunInChildContext prepare"] == first
    assert _parent_name(next(s for s in spans if s.name == "Step inner"), by_id) == "RunInChildContext prepare"
    assert parent_of["Map fan"] == first
    assert _parent_name(next(s for s in spans if s.name == "MapIteration map-item-0"), by_id) == "Map fan"
    assert {_parent_name(s, by_id) for s in spans if s.name == "Step double"} == {
        "MapIteration map-item-0",
        "MapIteration map-item-1",
    }
    assert parent_of["Step flaky"] == second  # emitted where it ended, after its retry
    assert parent_of["Wait pause"] == third  # the timer fired between the invocations
    assert parent_of["Step finish"] == third
    assert all(_parent_name(s, by_id) == "<execution>" for s in invocations)

    first_span = invocations[0]
    assert first_span.attributes is not None
    assert first_span.attributes["durable.invocation.first"] is True
    assert [s.attributes["durable.invocation.status"] for s in invocations if s.attributes] == [
        "PENDING",
        "PENDING",
        "SUCCEEDED",
    ]

    flaky = next(s for s in spans if s.name == "Step flaky")
    assert flaky.attributes is not None
    assert flaky.attributes["durable.operation.attempt"] == 2
    assert flaky.attributes["durable.operation.status"] == "SUCCEEDED"
    assert flaky.attributes["durable.operation.replayed"] is True
    assert flaky.attributes["durable.execution.arn"] == outcome.arn
    assert [(e.name, dict(e.attributes or {})) for e in flaky.events] == [
        ("durable.retry", {"durable.operation.attempt": 1, "error.type": "ValueError", "error.message": "not yet"})
    ]
    assert flaky.status.status_code is StatusCode.UNSET

    pause = next(s for s in spans if s.name == "Wait pause")
    assert pause.start_time is not None and pause.end_time is not None
    assert pause.end_time - pause.start_time >= 5 * 1_000_000_000  # its recorded start and end


def test_a_failed_step_is_an_error_span_and_fails_the_invocation_span() -> None:
    exporter, provider = _exporter()

    def boom(_: StepContext) -> str:
        raise RuntimeError("boom")

    @durable_handler(plugins=[OpenTelemetryPlugin(tracer_provider=provider)])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.step(boom, name="boom", config=NO_RETRY)

    assert run_local(handler, {}).status is ExecutionStatus.FAILED
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert spans["Step boom"].status.status_code is StatusCode.ERROR
    assert spans["Step boom"].status.description == "boom"
    assert spans["Step boom"].events == ()  # the failing attempt is the status, not a retry
    assert spans["durable.invocation"].status.status_code is StatusCode.ERROR


def test_a_context_left_running_is_closed_as_suspended() -> None:
    exporter, provider = _exporter()

    @durable_handler(plugins=[OpenTelemetryPlugin(tracer_provider=provider)])
    def handler(event: Any, ctx: DurableContext) -> Result[str, DurableError]:
        return ctx.run_in_child_context(
            lambda c: c.wait(Duration.seconds(1), name="nap").bind(lambda _: c.step(lambda _: "x", name="after")),
            name="outer",
        )

    assert run_local(handler, {}).status is ExecutionStatus.SUCCEEDED
    outer = [s for s in exporter.get_finished_spans() if s.name == "RunInChildContext outer"]
    assert [bool((s.attributes or {}).get("durable.operation.suspended")) for s in outer] == [True, False]
    by_id = _by_id(exporter.get_finished_spans())
    after = next(s for s in exporter.get_finished_spans() if s.name == "Step after")
    assert after.parent is not None and after.parent.span_id == outer[1].context.span_id
    assert _parent_name(after, by_id) == "RunInChildContext outer"
