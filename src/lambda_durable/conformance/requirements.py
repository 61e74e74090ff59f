"""Requirement YAML files -> frozen values (docs/protocol.md §10.1).

A file that cannot be read or does not have the expected shape becomes a
``RequirementError`` carrying the requirement id, so the runner reports it as one
FAIL line instead of stopping the whole run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path

import yaml
from attrs import field, frozen
from returns.maybe import Maybe, Nothing, Some
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.conformance.logs import LogExpectation, parse_log_expectation
from lambda_durable.conformance.variables import Bindings, substitute

_PROSE_KEYS = ("description", "handler", "invocations")


class CallbackOperation(str, Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    HEARTBEAT = "heartbeat"


@frozen
class CallbackAction:
    """What the validator does to a callback it sees start (docs/protocol.md §10.4)."""

    callback_name: str
    operation: CallbackOperation
    payload: Maybe[object] = Nothing
    delay_seconds: float = 0.0

    def substituted(self, bindings: Bindings) -> CallbackAction:
        name = substitute(self.callback_name, bindings)
        return CallbackAction(
            callback_name=name if isinstance(name, str) else str(name),
            operation=self.operation,
            payload=self.payload.map(lambda p: substitute(p, bindings)),
            delay_seconds=self.delay_seconds,
        )


@frozen
class ExpectedResult:
    """``ExpectedResult``: the status to reach and, optionally, the decoded result."""

    execution_status: str | None = None
    result: Maybe[object] = Nothing


@frozen
class Requirement:
    """One requirement file, Variables still unresolved (each run draws fresh values)."""

    id: str
    path: Path
    expected_history: tuple[object, ...]
    description: str = ""
    prose: str = ""
    input: object = None
    variables: Mapping[str, object] = field(factory=dict)
    expected_result: ExpectedResult | None = None
    async_invoke: bool = False
    callback_actions: tuple[CallbackAction, ...] = ()
    expected_logs: tuple[LogExpectation, ...] = ()
    optional: bool = False


@frozen
class RequirementError:
    """A requirement file that could not be turned into a ``Requirement``."""

    id: str
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def requirement_sort_key(requirement_id: str) -> tuple[tuple[int, int | str], ...]:
    """``1-2`` before ``1-10`` before ``2-1``: numeric parts compare as numbers."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[-._]", requirement_id)
    )


def find_requirement_files(directories: Iterable[Path]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` below the directories, recursively."""
    found: list[Path] = []
    for directory in directories:
        found.extend(p for p in directory.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml"})
    return found


def load_requirements(directories: Sequence[Path]) -> list[Result[Requirement, RequirementError]]:
    """Load every requirement below the directories, sorted by id; duplicates are errors."""
    loaded: list[Result[Requirement, RequirementError]] = []
    seen: dict[str, Path] = {}
    for path in find_requirement_files(directories):
        requirement_id = path.stem
        if requirement_id in seen:
            loaded.append(
                Failure(
                    RequirementError(requirement_id, path, f"duplicate id, also {seen[requirement_id]}")
                )
            )
            continue
        seen[requirement_id] = path
        loaded.append(load_requirement(path))
    return sorted(loaded, key=lambda r: requirement_sort_key(loaded_id(r)))


def loaded_id(result: Result[Requirement, RequirementError]) -> str:
    """The id of a loaded requirement, whether or not it parsed."""
    return result.unwrap().id if is_successful(result) else result.failure().id


def load_requirement(path: Path) -> Result[Requirement, RequirementError]:
    """Read and parse one file; the id is the file stem (``1-1.yaml`` -> ``1-1``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Failure(RequirementError(path.stem, path, f"cannot read: {exc}"))
    return parse_requirement(path.stem, path, text)


def parse_requirement(requirement_id: str, path: Path, text: str) -> Result[Requirement, RequirementError]:
    """Parse YAML text into a ``Requirement``."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        summary = " ".join(str(exc).split())
        return Failure(RequirementError(requirement_id, path, f"malformed YAML: {summary}"))
    if len(documents) != 1:
        return Failure(
            RequirementError(requirement_id, path, f"expected one YAML document, found {len(documents)}")
        )
    return _build(requirement_id, path, documents[0]).alt(
        lambda message: RequirementError(requirement_id, path, message)
    )


def _build(requirement_id: str, path: Path, data: object) -> Result[Requirement, str]:
    if not isinstance(data, Mapping):
        return Failure(f"top level must be a mapping, got {type(data).__name__}")
    history = data.get("ExpectedExecutionHistory")
    if not isinstance(history, list):
        return Failure("ExpectedExecutionHistory (a list of events) is required")
    if not all(isinstance(event, Mapping) for event in history):
        return Failure("every ExpectedExecutionHistory entry must be a mapping")
    variables = data.get("Variables") or {}
    if not isinstance(variables, Mapping):
        return Failure("Variables must be a mapping")
    return _expected_result(data.get("ExpectedResult")).bind(
        lambda result: _callback_actions(data.get("CallbackActions")).bind(
            lambda actions: _expected_logs(data.get("ExpectedLogs")).map(
                lambda logs: Requirement(
                    id=requirement_id,
                    path=path,
                    expected_history=tuple(history),
                    description=str(data.get("description") or ""),
                    prose="\n".join(str(data.get(key) or "") for key in _PROSE_KEYS),
                    input=data.get("Input"),
                    variables={str(k): v for k, v in variables.items()},
                    expected_result=result,
                    async_invoke=data.get("AsyncInvoke") is True,
                    callback_actions=actions,
                    expected_logs=logs,
                    optional=data.get("optional") is True,
                )
            )
        )
    )


def _expected_result(raw: object) -> Result[ExpectedResult | None, str]:
    if raw is None:
        return Success(None)
    if not isinstance(raw, Mapping):
        return Failure("ExpectedResult must be a mapping")
    status = raw.get("ExecutionStatus")
    if status is not None and not isinstance(status, str):
        return Failure(f"ExpectedResult.ExecutionStatus must be a string, got {status!r}")
    result: Maybe[object] = Some(raw["Result"]) if "Result" in raw else Nothing
    return Success(ExpectedResult(execution_status=status, result=result))


def _callback_actions(raw: object) -> Result[tuple[CallbackAction, ...], str]:
    if raw is None:
        return Success(())
    if not isinstance(raw, list):
        return Failure("CallbackActions must be a list")
    actions: list[CallbackAction] = []
    for index, item in enumerate(raw):
        where = f"CallbackActions[{index}]"
        if not isinstance(item, Mapping):
            return Failure(f"{where} must be a mapping")
        name = item.get("CallbackName")
        if not isinstance(name, str):
            return Failure(f"{where}.CallbackName must be a string")
        try:
            operation = CallbackOperation(item.get("Operation"))
        except ValueError:
            return Failure(f"{where}.Operation must be success, failure or heartbeat")
        delay = item.get("Delay", 0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
            return Failure(f"{where}.Delay must be a non-negative number")
        payload: Maybe[object] = Some(item["Payload"]) if "Payload" in item else Nothing
        actions.append(CallbackAction(name, operation, payload, float(delay)))
    return Success(tuple(actions))


def _expected_logs(raw: object) -> Result[tuple[LogExpectation, ...], str]:
    if raw is None:
        return Success(())
    if not isinstance(raw, list):
        return Failure("ExpectedLogs must be a list")
    parsed: list[LogExpectation] = []
    for index, item in enumerate(raw):
        result = parse_log_expectation(item)
        if not is_successful(result):
            return Failure(f"ExpectedLogs[{index}]: {result.failure()}")
        parsed.append(result.unwrap())
    return Success(tuple(parsed))
