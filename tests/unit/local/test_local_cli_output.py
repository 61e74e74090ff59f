"""What ``lambda-durable run`` prints: retries as retries, logs inline, a map as one line,
the outcome last; checked piped and on a terminal of 100 columns (colour, live bar)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from lambda_durable.cli import main as cli_main

APP = """\
from lambda_durable import CompletionConfig, Duration, JitterStrategy, MapConfig, RetryStrategy, StepConfig, durable_handler

RETRY = StepConfig(retry_strategy=RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(5), jitter=JitterStrategy.NONE))
ONCE = StepConfig(retry_strategy=RetryStrategy.none())
EVERY = MapConfig(completion=CompletionConfig.all_completed())


def charge(step):
    step.logger.info("charging the card")
    if step.attempt < 3:
        raise ValueError("card declined")
    return "charged"


def item(ctx, value, index):
    if value == 7:
        return ctx.step(lambda _: int("seven"), name="check", config=ONCE)
    return ctx.step(lambda _: value * 2, name="double")


@durable_handler
def handler(event, ctx):
    ctx.logger.info("order received")
    return (
        ctx.step(charge, name="charge", config=RETRY)
        .bind(lambda _: ctx.wait(Duration.hours(1), name="cool-off"))
        .bind(lambda _: ctx.map(list(range(50)), item, name="items", config=EVERY))
        .map(lambda batch: batch.success_count)
    )


def logged_item(ctx, value, index):
    ctx.logger.info("item %s", value)
    def body(step):
        step.logger.info("doubling %s", value)
        return value * 2
    return ctx.step(body, name="double")


@durable_handler
def logs_in_contexts(event, ctx):
    def inner(c):
        c.logger.info("inside")
        return c.step(lambda _: 20, name="twenty")

    return (
        ctx.run_in_child_context(inner, name="child")
        .bind(lambda _: ctx.map(list(range(5)), logged_item, name="items"))
        .map(lambda batch: batch.success_count)
    )


@durable_handler
def long_name(event, ctx):
    return ctx.step(lambda _: 1, name="x" * 120)


@durable_handler
def fail_fast(event, ctx):
    return ctx.map([1, 2], lambda c, v, i: c.step(lambda _: int("x"), name="bad", config=ONCE), name="fast",
                   config=MapConfig(max_concurrency=1))


@durable_handler
def fails(event, ctx):
    return ctx.step(lambda _: int("nope"), name="parse", config=ONCE)
"""

EXPECTED = [
    "  log  INFO order received",
    "  step charge  INFO charging the card",
    "  step charge  attempt 1 failed (ValueError: card declined), retrying in 5 s",
    "  step charge  INFO charging the card",
    "  step charge  attempt 2 failed (ValueError: card declined), retrying in 10 s",
    "  step charge  INFO charging the card",
    "  step charge  succeeded on attempt 3",
    "  wait cool-off  waiting 1h00m00s",
    "  wait cool-off  done",
    "  map items  50 items: 49 done, 1 failed"
    " (first: map-item-7: ValueError: invalid literal for int() with base 10: 'seven')",
    "SUCCEEDED",
    "49",
]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Terminal(io.StringIO):
    """What a terminal shows is not tested here, only what is written to one."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    path = tmp_path / "shop.py"
    path.write_text(APP)
    return path


def _piped(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    cli_main(argv)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("execution arn:aws:lambda:")
    return lines[1:]


def _on_terminal(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    terminal = Terminal()
    monkeypatch.setenv("COLUMNS", "100")
    shown = sys.stdout
    monkeypatch.setattr(sys, "stdout", terminal)
    try:
        cli_main(argv)
    finally:
        monkeypatch.setattr(sys, "stdout", shown)
    return terminal.getvalue()


def _cut(line: str) -> str:
    """``line`` as a terminal of 100 columns gets it."""
    return line if len(line) <= 100 else line[:99] + "…"


def _shown(written: str) -> list[str]:
    """The lines a terminal ends up showing: colour removed, a redrawn line as last drawn."""
    return [ANSI.sub("", line.split("\r")[-1]) for line in written.split("\n") if line.split("\r")[-1]]


def test_piped_output_reads_as_what_happened(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _piped(["run", "shop.py:handler", "--db", "x.db"], capsys)
    assert lines == EXPECTED
    assert "\x1b" not in "".join(lines)


def test_quiet_hides_the_log_output(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _piped(["run", "shop.py:handler", "--db", "x.db", "--quiet"], capsys)
    assert lines == [line for line in EXPECTED if " INFO " not in line]


def test_verbose_expands_the_map_and_shows_starts(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _piped(["run", "shop.py:handler", "--db", "x.db", "--verbose"], capsys)
    assert "  step charge  started" in lines
    items = [line for line in lines if line.startswith("    item map-item-")]
    assert len([line for line in items if line.endswith("  succeeded")]) == 49
    assert any(line.startswith("    item map-item-7  failed (ValueError") for line in items)
    assert sum(line.startswith("      step double  succeeded") for line in lines) == 49
    assert lines[-2:] == ["SUCCEEDED", "49"]


def test_on_a_terminal_lines_are_coloured_and_the_map_is_one_live_line(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _on_terminal(["run", "shop.py:handler", "--db", "x.db"], monkeypatch)
    assert "\x1b[32mSUCCEEDED\x1b[0m" in written
    assert "\x1b[33m  step charge  attempt 1 failed" in written
    assert "\r\x1b[K" in written and "[" + "#" * 5 in written  # the bar, redrawn in place
    shown = _shown(written)
    assert shown[1:] == [_cut(line) for line in EXPECTED]
    assert all(len(line) <= 100 for line in shown[1:])


def test_no_color_is_respected_on_a_terminal(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    written = _on_terminal(["run", "shop.py:handler", "--db", "x.db"], monkeypatch)
    assert not re.search(r"\x1b\[\d+m", written)
    assert _shown(written)[1:] == [_cut(line) for line in EXPECTED]


def test_long_lines_are_cut_to_the_terminal_but_not_when_piped(
    app: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _shown(_on_terminal(["run", "shop.py:long_name", "--db", "x.db"], monkeypatch))
    [step] = [line for line in shown if line.startswith("  step x")]
    assert len(step) == 100 and step.endswith("…")
    assert shown[-2:] == ["SUCCEEDED", "1"]
    [piped] = [line for line in _piped(["run", "shop.py:long_name", "--db", "y.db"], capsys) if "step x" in line]
    assert piped == f"  step {'x' * 120}  succeeded"


def test_the_error_is_last(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _piped(["run", "shop.py:fails", "--db", "x.db"], capsys)
    assert lines[-3].startswith("  step parse  failed (ValueError: invalid literal")
    assert lines[-2] == "FAILED"
    assert lines[-1].startswith("ValueError: invalid literal")


def test_a_batch_that_ended_early_says_why(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _piped(["run", "shop.py:fail_fast", "--db", "x.db"], capsys)
    [summary] = [line for line in lines if line.startswith("  map fast")]
    assert summary.startswith("  map fast  1 items: 0 done, 1 failed (first: map-item-0: ValueError")
    assert summary.endswith("; ended FAILURE_TOLERANCE_EXCEEDED")


def test_logs_come_under_their_context_and_hide_with_a_maps_items(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _piped(["run", "shop.py:logs_in_contexts", "--db", "x.db"], capsys)
    assert lines == [
        "  child child  started",
        "    log  INFO inside",
        "    step twenty  succeeded",
        "  child child  succeeded",
        "  map items  5 items: 5 done, 0 failed",
        "SUCCEEDED",
        "5",
    ]
    verbose = _piped(["run", "shop.py:logs_in_contexts", "--db", "y.db", "--verbose"], capsys)
    assert sum(line == f"      log  INFO item {i}" for i in range(5) for line in verbose) == 5
    assert sum(line == f"      step double  INFO doubling {i}" for i in range(5) for line in verbose) == 5
    for i in range(5):  # each item's log line comes after the item's header
        header = verbose.index(f"    item map-item-{i}  started")
        assert verbose.index(f"      log  INFO item {i}") > header
