"""Printed lines of in-process invocations: each execution keeps its own, even at once."""

from __future__ import annotations

import sys
import threading
from typing import Any

from lambda_durable.local.invoke.logs import capture_stdout


def test_lines_printed_from_two_threads_at_once_stay_with_their_execution() -> None:
    kept: dict[str, list[dict[str, Any]]] = {"arn-a": [], "arn-b": []}
    both_capturing = threading.Barrier(2)
    turns = [threading.Event() for _ in range(6)]
    turns[0].set()

    def invocation(arn: str, my_turns: range) -> None:
        with capture_stdout(arn, kept[arn].append):
            both_capturing.wait()
            for turn in my_turns:  # a and b print in alternation, half lines included
                turns[turn].wait()
                print(f"{arn} line {turn}", end="" if turn == 4 else "\n")
                if turn + 1 < len(turns):
                    turns[turn + 1].set()

    original = sys.stdout
    threads = [
        threading.Thread(target=invocation, args=("arn-a", range(0, 6, 2))),
        threading.Thread(target=invocation, args=("arn-b", range(1, 6, 2))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert [r["message"] for r in kept["arn-a"]] == ["arn-a line 0", "arn-a line 2", "arn-a line 4"]
    assert [r["message"] for r in kept["arn-b"]] == ["arn-b line 1", "arn-b line 3", "arn-b line 5"]
    assert all(r["executionArn"] == arn for arn, records in kept.items() for r in records)
    assert sys.stdout is original


def test_printing_outside_any_capture_is_not_kept() -> None:
    kept: list[dict[str, Any]] = []
    outside_done = threading.Event()

    def neighbour() -> None:
        print("not an invocation's line")
        outside_done.set()

    with capture_stdout("arn-a", kept.append):
        thread = threading.Thread(target=neighbour)
        thread.start()
        outside_done.wait(timeout=10)
        thread.join(timeout=10)
        print("mine")
    assert [r["message"] for r in kept] == ["mine"]
