"""``lambda-durable replay HANDLER --history FILE``: exit 0 clean, 1 diverged, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import replay_handlers

from lambda_durable.cli import main
from lambda_durable.local import run_local
from lambda_durable.wire import API_JSON

HANDLERS = Path(replay_handlers.__file__)


@pytest.fixture
def history_file(tmp_path: Path) -> Path:
    events = run_local(replay_handlers.original, "o-1").events
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"Events": [API_JSON.encode(e) for e in events]}))
    return path


def test_the_unchanged_handler_exits_0(history_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", f"{HANDLERS}:original", "--history", str(history_file)]) == 0
    assert capsys.readouterr().out == "OK replayed 3 recorded operations; the handler completes (SUCCEEDED)\n"


def test_a_divergence_exits_1_with_the_operation(history_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", f"{HANDLERS}:renamed", "--history", str(history_file)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("DIVERGED operation c5faca15ac2f")
    assert "recorded STEP/Step 'charge' at the root, now STEP/Step 'bill' at the root" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "not a GetDurableExecutionHistory document"),
        ('{"DurableExecutions": []}', 'no "Events" list'),
        (None, "EventId 1 is missing"),
    ],
    ids=["not-json", "a-list", "another-shape", "truncated"],
)
def test_bad_history_files_are_one_line_and_exit_2(
    history_file: Path, capsys: pytest.CaptureFixture[str], content: str | None, says: str
) -> None:
    if content is None:  # the first page cut away
        document = json.loads(history_file.read_text())
        content = json.dumps({"Events": document["Events"][2:]})
    history_file.write_text(content)
    assert main(["replay", f"{HANDLERS}:original", "--history", str(history_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and says in captured.err and "Traceback" not in captured.err


def test_a_missing_file_and_a_plain_function_exit_2(
    history_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", f"{HANDLERS}:original", "--history", "nope.json"]) == 2
    assert "cannot read nope.json" in capsys.readouterr().err
    assert main(["replay", f"{HANDLERS}:body", "--history", str(history_file)]) == 2
    assert "is not a durable handler" in capsys.readouterr().err
