"""``lambda-durable list`` and ``history``: the timeline, the JSON botocore reads, bad input."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from botocore.parsers import RestJSONParser
from botocore.session import get_session
from botocore.validate import ParamValidator
from returns.result import Result

from lambda_durable import DurableContext, DurableError, Duration, RetryStrategy, StepConfig, durable_handler
from lambda_durable.cli import main
from lambda_durable.local import LocalBackend

ATTEMPTS: list[int] = []


def _flaky(attempt: int) -> str:
    if attempt < 2:
        raise RuntimeError("courier busy")
    return "booked"


@durable_handler
def shipping(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    retry = StepConfig[str](retry_strategy=RetryStrategy(max_attempts=3, initial_delay=Duration.seconds(5)))

    def pack(c: DurableContext) -> Result[str, DurableError]:
        return c.step(lambda _: "boxed", name="box").bind(
            lambda _: c.wait(Duration.hours(2), name="glue dries").map(lambda _: "packed")
        )

    return ctx.run_in_child_context(pack, name="packing").bind(
        lambda _: ctx.step(lambda s: _flaky(s.attempt), name="book courier", config=retry)
    )


@durable_handler
def approval(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.create_callback(str, name="approval").bind(lambda cb: cb.result())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "runs.db"
    with LocalBackend(str(path)) as backend:
        backend.register("shipping", shipping)
        backend.register("approval", approval)
        backend.run_until_settled(backend.start("shipping", '"o-1"', execution_name="ship-o-1").unwrap())
        backend.run_until_idle(backend.start("approval", '"o-2"', execution_name="approve-o-2").unwrap())
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_shows_every_execution_and_filters_by_status(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _digest(db)
    status, out, _ = _run(capsys, "list", "--db", str(db))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["STATUS", "STARTED", "(UTC)", "ELAPSED", "FUNCTION", "EXECUTION", "ID"]
    assert [(line.split()[0], line.split()[4]) for line in lines[1:]] == [("SUCCEEDED", "shipping"), ("RUNNING", "approval")]
    assert all(len(line) <= 100 for line in lines)
    status, out, _ = _run(capsys, "list", "--db", str(db), "--status", "RUNNING")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["RUNNING"]
    _run(capsys, "history", "ship-o-1", "--db", str(db), "--json")
    assert _digest(db) == before  # the read-only commands write nothing


def test_the_timeline_nests_operations_with_status_attempts_and_durations(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capsys, "history", "ship-o-1", "--db", str(db))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("execution arn:aws:lambda:") and lines[0].endswith("/ship-o-1/" + lines[0].rsplit("/", 1)[-1])
    assert lines[1].split()[:3] == ["SUCCEEDED", "function", "shipping"]
    assert all(len(line) <= 100 for line in lines[1:])
    table = {line.split("  ")[-1].strip(): line for line in lines[4:] if not line.strip().startswith("!")}
    assert set(table) == {"child packing", "step box", "wait glue dries", "step book courier"}
    indent = {label: len(line) - len(line.rstrip().split("  ")[-1]) for label, line in table.items()}
    assert indent["step box"] == indent["wait glue dries"] == indent["child packing"] + 2
    assert indent["step book courier"] == indent["child packing"]
    assert table["wait glue dries"].split()[1] == "2h00m00s"  # elapsed: the virtual wait
    assert table["step book courier"].split()[3:5] == ["SUCCEEDED", "2"]  # two attempts


def test_an_open_execution_shows_its_open_operation(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "history", "approve-o-2", "--db", str(db))
    assert status == 0
    row = out.splitlines()[-1].split()
    assert (row[1], row[3], row[-2:]) == ("-", "STARTED", ["callback", "approval"])


def _output_shape() -> Any:
    return get_session().get_service_model("lambda").operation_model("GetDurableExecutionHistory").output_shape


def test_json_is_what_botocore_parses_for_get_durable_execution_history(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capsys, "history", "ship-o-1", "--db", str(db), "--json")
    assert status == 0
    raw = json.loads(out)
    shape = _output_shape()
    parsed = RestJSONParser().parse({"body": out.encode(), "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    report = ParamValidator().validate(parsed, shape)
    assert not report.has_errors(), report.generate_report()
    assert len(parsed["Events"]) == len(raw["Events"])
    for mine, theirs in zip(raw["Events"], parsed["Events"], strict=True):
        assert set(mine) == set(theirs)  # no key botocore does not model
        details = next(k for k in mine if k.endswith("Details"))
        assert set(mine[details]) == set(theirs[details])
    assert [e["EventType"] for e in raw["Events"]][:2] == ["ExecutionStarted", "ContextStarted"]


def test_json_replays_cleanly(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "history", "ship-o-1", "--db", str(db), "--json")
    saved = tmp_path / "ship.json"
    saved.write_text(out)
    status, out, err = _run(capsys, "replay", f"{__file__}:shipping", "--history", str(saved))
    assert (status, err) == (0, "")
    # the finished child context's result is replayed without running its body again
    assert out.startswith("OK replayed 2 recorded operations; the handler completes (SUCCEEDED)")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: str | None = None
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_data = tag == "script" and dict(attrs).get("id") == "data"

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data = data
            self._in_data = False


def test_html_is_one_self_contained_page_with_one_row_per_operation(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "ship.html"
    status, out, _ = _run(capsys, "history", "ship-o-1", "--db", str(db), "--html", str(page))
    assert status == 0 and out.startswith("execution ")
    text = page.read_text(encoding="utf-8")
    parser = _Page()
    parser.feed(text)
    assert not [t for t, attrs in parser.tags if "src" in attrs or "href" in attrs or t in ("link", "img", "iframe")]
    assert "http://" not in text and "https://" not in text and "url(" not in text
    assert parser.data is not None
    data = json.loads(parser.data)
    assert [(r["kind"], r["label"], r["depth"]) for r in data["rows"]] == [
        ("child", "packing", 0), ("step", "box", 1), ("wait", "glue dries", 1), ("step", "book courier", 0)
    ]
    assert data["rows"][3]["result"] == '"booked"'


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _older_store(path: Path) -> None:
    with LocalBackend(str(path)) as backend:
        backend.register("approval", approval)
        backend.start("approval", '"o-3"').unwrap()
    conn = sqlite3.connect(path)  # one row per operation, as a version before operation runs wrote
    conn.execute("DROP TABLE operation_runs")
    conn.execute("CREATE TABLE operations (execution INTEGER, position INTEGER, data TEXT)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("argv", "make", "says"),
    [
        (["history", "nope"], None, "no execution 'nope'"),
        (["history", "ship-o-1", "--db", "{missing}"], None, "no database at"),
        (["list", "--db", "{text}"], "text", "is not a lambda-durable store"),
        (["history", "x", "--db", "{other}"], "other", "is not a lambda-durable store (no executions table)"),
        (["list", "--db", "{older}"], "older", "written by an older lambda-durable"),
        (["history", "x", "--db", "{older}"], "older", "written by an older lambda-durable"),
        (["list", "--status", "DONE"], None, "invalid choice: 'DONE'"),
        (["history"], None, "required: ARN"),
    ],
    ids=["unknown-arn", "no-db", "not-sqlite", "other-sqlite", "older-list", "older-history", "bad-status", "no-arn"],
)
def test_bad_input_is_one_line_exit_2_and_leaves_the_store_alone(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], make: str | None, says: str
) -> None:
    files = {"missing": tmp_path / "missing.db", "text": tmp_path / "text.db", "other": tmp_path / "other.db",
             "older": tmp_path / "older.db"}
    files["text"].write_text("not a database at all, just some text " * 20)
    sqlite3.connect(files["other"]).execute("CREATE TABLE t (x)").connection.close()
    _older_store(files["older"])
    before = {name: _digest(path) for name, path in files.items() if path.exists()}
    before["db"] = _digest(db)
    args = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    if "--db" not in args:
        args += ["--db", str(db)]
    status, out, err = _run(capsys, *args)
    assert status == 2
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert says in err
    after = {name: _digest(path) for name, path in files.items() if path.exists()}
    after["db"] = _digest(db)
    assert after == before


@durable_handler
def markup(event: str, ctx: DurableContext) -> Result[str, DurableError]:
    return ctx.step(lambda _: event, name="<b>echo</b>")


def test_html_puts_payloads_in_as_data_never_as_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nasty = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)>"
    db = tmp_path / "runs.db"
    with LocalBackend(str(db)) as backend:
        backend.register("markup", markup)
        backend.run_until_settled(backend.start("markup", json.dumps(nasty), execution_name="m-1").unwrap())
    page = tmp_path / "m.html"
    assert _run(capsys, "history", "m-1", "--db", str(db), "--html", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert text.count("</script>") == 2 and "<!-- " not in text and "<img" not in text
    parser = _Page()
    parser.feed(text)
    assert parser.data is not None
    [row] = json.loads(parser.data)["rows"]
    assert (row["label"], json.loads(row["result"])) == ("<b>echo</b>", nasty)
