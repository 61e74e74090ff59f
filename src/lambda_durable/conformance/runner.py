"""Evaluates requirements on a fresh in-memory local backend each (docs/protocol.md §10.6).

Per requirement: resolve Variables, start the handler with ``json.dumps(Input)``,
settle the execution, then check history (§10.2), result (§10.3) and logs (§10.5), in that
order, reporting the first difference. A handler that simulates a crash
(``os._exit``) is registered isolated, so each invocation runs in its own process.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence

from attrs import field, frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.conformance.backend import Backend, Outcome, status_text
from lambda_durable.conformance.driver import drive
from lambda_durable.conformance.handler_file import HANDLERS_ATTRIBUTE, HandlerFile
from lambda_durable.conformance.logs import check_logs
from lambda_durable.conformance.matcher import copy_wait_for_callback_names, match_history
from lambda_durable.conformance.report import Tally, Verdict, VerdictKind
from lambda_durable.conformance.requirements import Requirement, RequirementError
from lambda_durable.conformance.results import check_result
from lambda_durable.conformance.variables import Bindings, resolve_variables, substitute
from lambda_durable.local import HandlerRef, LocalBackend
from lambda_durable.wire import PYTHON

BackendFactory = Callable[[], Backend]

_CRASH_WORDS = ("runtime.exiterror", "process.exit", "os._exit", "crash")


def local_backend() -> Backend:
    """A fresh in-memory backend on a virtual clock (waits are skipped)."""
    return LocalBackend(db=None, real_time=False, keep_stdout=True)


def function_name(requirement_id: str) -> str:
    return f"conformance-{requirement_id}"


def _mentions(value: object, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, Mapping):
        return any(_mentions(v, needle) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(v, needle) for v in value)
    return False


def simulates_crash(requirement: Requirement) -> bool:
    """Whether the handler kills its process: the history expects ``Runtime.ExitError``
    or the prose says so. Such handlers must run isolated, or they kill the runner."""
    if _mentions(requirement.expected_history, "Runtime.ExitError"):
        return True
    prose = requirement.prose.lower()
    return any(word in prose for word in _CRASH_WORDS)


@frozen
class Runner:
    """Everything a run shares: the handlers, how to make a backend, the randomness."""

    handler_file: HandlerFile
    backend_factory: BackendFactory = local_backend
    rng: random.Random = field(factory=random.Random)

    def register(self, backend: Backend, requirement: Requirement) -> str:
        """Register ``FUNCTIONS`` as invoke targets (a handler marked
        ``__durable_handler__`` runs as a child durable execution, any other is called
        once with the JSON payload), then the requirement's handler; returns its name."""
        for name, target in self.handler_file.functions.items():
            backend.register(name, target)
        name = function_name(requirement.id)
        if simulates_crash(requirement):
            ref = HandlerRef(str(self.handler_file.path), HANDLERS_ATTRIBUTE, requirement.id)
            backend.register(name, ref, isolated=True)
        else:
            backend.register(name, self.handler_file.handlers[requirement.id])
        return name

    def execute(self, requirement: Requirement, bindings: Bindings) -> Result[Evidence, str]:
        """Run the handler on a fresh backend and collect what the checks read."""
        payload = json.dumps(substitute(requirement.input, bindings))
        actions = [a.substituted(bindings) for a in requirement.callback_actions]
        backend = self.backend_factory()
        try:
            name = self.register(backend, requirement)
            started = backend.start(name, payload)
            if not is_successful(started):
                return Failure(f"the execution did not start: {started.failure()}")
            arn = started.unwrap()
            return drive(backend, arn, actions).map(
                lambda outcome: Evidence(
                    outcome=outcome,
                    events=tuple(PYTHON.encode(e) for e in backend.history(arn)),
                    logs=tuple(backend.logs(arn)),
                )
            )
        finally:
            backend.close()

    def evaluate(self, requirement: Requirement) -> Result[None, str]:
        """The checks in the validator's order; the first failure is the answer."""
        if requirement.id not in self.handler_file.handlers:
            return Failure(f"no handler (add {requirement.id!r} to {HANDLERS_ATTRIBUTE})")
        bindings = resolve_variables(requirement.variables, self.rng)
        return self.execute(requirement, bindings).bind(
            lambda evidence: check_evidence(requirement, evidence, bindings)
        )

    def verdict(self, loaded: Result[Requirement, RequirementError]) -> Verdict:
        if not is_successful(loaded):
            error = loaded.failure()
            return Verdict.failed(error.id, f"bad requirement file: {error}")
        requirement = loaded.unwrap()
        try:
            result = self.evaluate(requirement)
        except Exception as exc:  # a backend or handler bug must not stop the other requirements
            result = Failure(f"internal error: {type(exc).__name__}: {exc}")
        if is_successful(result):
            return Verdict(requirement.id, VerdictKind.PASS)
        return Verdict.failed(requirement.id, result.failure(), requirement.optional)

    def run(
        self,
        loaded: Iterable[Result[Requirement, RequirementError]],
        emit: Callable[[str], None],
    ) -> Tally:
        """Evaluate in order, emitting each verdict line as soon as it is known."""
        verdicts: list[Verdict] = []
        for item in loaded:
            verdict = self.verdict(item)
            emit(verdict.line())
            verdicts.append(verdict)
        tally = Tally.of(verdicts)
        emit(tally.line())
        return tally


@frozen
class Evidence:
    """What one execution left behind: its outcome, history (boto3-shaped) and logs."""

    outcome: Outcome
    events: tuple[dict[str, object], ...]
    logs: tuple[Mapping[str, object], ...]


def check_evidence(requirement: Requirement, evidence: Evidence, bindings: Bindings) -> Result[None, str]:
    """History, then result, then logs, sharing the bindings the history produced."""
    events: Sequence[Mapping[str, object]] = evidence.events
    if requirement.async_invoke:
        events = copy_wait_for_callback_names(events)
    matched = match_history(requirement.expected_history, events, bindings).alt(str)
    return matched.bind(lambda final: _after_history(requirement, evidence, final))


def _after_history(requirement: Requirement, evidence: Evidence, bindings: Bindings) -> Result[None, str]:
    outcome = evidence.outcome
    checked: Result[None, str] = Success(None)
    if requirement.expected_result is not None:
        expected = requirement.expected_result
        checked = check_result(
            expected, status_text(outcome.status), outcome.result, outcome.error, bindings
        )
    if requirement.expected_logs:
        logs = requirement.expected_logs
        checked = checked.bind(lambda _: check_logs(logs, evidence.logs, outcome.arn, bindings))
    return checked
