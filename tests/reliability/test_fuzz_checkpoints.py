"""Fuzz: random sequences of checkpoint calls to the service.

A sequence mixes batches of random updates (every type and action, ids and parents that
collide on purpose, options in and out of range, payloads), calls with a stale or
garbage token, invocations ended and begun, and time moving on. Every call answers a
``Result``, never raises. A rejected call leaves the store as it was (a dump of every
table) and the service's view with it; after an accepted one the service's view is the
store's: the same operations, the same history, its EventIds 1..n without a gap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fuzz import FUZZ
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Success

from lambda_durable.local.engine.service import InvocationTicket, LocalService
from lambda_durable.local.engine.store import Store
from lambda_durable.local.engine.tokens import TokenClaims, encode_token
from lambda_durable.wire import (
    CallbackOptions,
    ChainedInvokeOptions,
    ContextOptions,
    ErrorObject,
    InvocationOutput,
    InvocationStatus,
    OperationAction,
    OperationType,
    OperationUpdate,
    StepOptions,
    WaitOptions,
)

IDS = st.sampled_from(["a", "b", "c", "d"])
SECONDS = st.integers(min_value=-2, max_value=5) | st.integers(min_value=-(2**40), max_value=2**40) | st.none()
PAYLOADS = st.none() | st.sampled_from(['"x"', "1", "", "{"]) | st.text(max_size=8)
ERRORS = st.none() | st.builds(ErrorObject, error_type=st.none() | st.text(max_size=6), error_message=st.none() | st.text(max_size=6))

COMMON_TYPES = st.sampled_from([OperationType.STEP, OperationType.CONTEXT, OperationType.WAIT, OperationType.CALLBACK,
                                 OperationType.CHAINED_INVOKE])
COMMON_ACTIONS = st.sampled_from([OperationAction.START, OperationAction.START, OperationAction.SUCCEED,
                                  OperationAction.FAIL, OperationAction.RETRY, OperationAction.CANCEL])
UPDATES = st.builds(
    OperationUpdate,
    id=IDS,
    type=st.one_of(*[COMMON_TYPES] * 8, st.sampled_from(OperationType)),
    action=st.one_of(COMMON_ACTIONS, COMMON_ACTIONS, st.sampled_from(OperationAction)),
    parent_id=st.one_of(st.none(), st.none(), st.none(), IDS),
    name=st.none() | st.sampled_from(["n", "m"]),
    sub_type=st.none() | st.sampled_from(["Step", "Wait", "RunInChildContext", "Callback", "ChainedInvoke"]),
    payload=PAYLOADS,
    error=ERRORS,
    context_options=st.none() | st.builds(ContextOptions, replay_children=st.none() | st.booleans()),
    step_options=st.none() | st.builds(StepOptions, next_attempt_delay_seconds=SECONDS),
    wait_options=st.none() | st.builds(WaitOptions, wait_seconds=SECONDS),
    callback_options=st.none() | st.builds(CallbackOptions, timeout_seconds=SECONDS, heartbeat_timeout_seconds=SECONDS),
    chained_invoke_options=st.none() | st.builds(ChainedInvokeOptions, function_name=st.sampled_from(["nobody", "fn", ""])),
)

def _plausible(op_id: str, kind: str, delay: int, payload: str) -> OperationUpdate:
    """An update a real SDK could send (the log decides whether it is legal now)."""
    T, A = OperationType, OperationAction
    shapes: dict[str, OperationUpdate] = {
        "step": OperationUpdate(op_id, T.STEP, A.START, sub_type="Step"),
        "step-ok": OperationUpdate(op_id, T.STEP, A.SUCCEED, sub_type="Step", payload=payload),
        "step-retry": OperationUpdate(op_id, T.STEP, A.RETRY, sub_type="Step", step_options=StepOptions(delay)),
        "context": OperationUpdate(op_id, T.CONTEXT, A.START, sub_type="RunInChildContext"),
        "context-ok": OperationUpdate(op_id, T.CONTEXT, A.SUCCEED, sub_type="RunInChildContext", payload=payload),
        "child-step": OperationUpdate(op_id + "1", T.STEP, A.START, parent_id=op_id, sub_type="Step"),
        "wait": OperationUpdate(op_id, T.WAIT, A.START, sub_type="Wait", wait_options=WaitOptions(delay)),
        "wait-cancel": OperationUpdate(op_id, T.WAIT, A.CANCEL, sub_type="Wait"),
        "callback": OperationUpdate(
            op_id, T.CALLBACK, A.START, sub_type="Callback", callback_options=CallbackOptions(delay, delay)
        ),
        "invoke": OperationUpdate(
            op_id, T.CHAINED_INVOKE, A.START, sub_type="ChainedInvoke", chained_invoke_options=ChainedInvokeOptions("fn")
        ),
    }
    return shapes[kind]


PLAUSIBLE = st.builds(
    _plausible,
    IDS,
    st.sampled_from(["step", "step-ok", "step-retry", "context", "context-ok", "child-step", "wait", "wait-cancel",
                     "callback", "invoke"]),
    st.integers(min_value=1, max_value=5),
    st.sampled_from(['"x"', "1"]),
)
CHECKPOINTS = st.tuples(
    st.just("checkpoint"),
    st.sampled_from(["current", "current", "current", "stale", "garbage"]),
    st.lists(st.one_of(PLAUSIBLE, PLAUSIBLE, UPDATES), max_size=3),
)
MOVES = st.lists(
    st.one_of(
        CHECKPOINTS,
        CHECKPOINTS,
        CHECKPOINTS,
        st.tuples(st.just("end"), st.sampled_from([InvocationStatus.PENDING] * 4 + list(InvocationStatus)), PAYLOADS),
        st.tuples(st.just("begin"), st.none(), st.none()),
        st.tuples(st.just("time"), st.integers(min_value=0, max_value=3600), st.none()),
    ),
    max_size=16,
)


class ManualClock:
    """Time that moves only when the sequence says so."""

    def __init__(self) -> None:
        self.current = datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def sleep_until(self, moment: datetime) -> None:
        self.current = max(self.current, moment)

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Run:
    """One execution, its open invocation (if any) and the token a handler would hold."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.store = Store(":memory:")
        self.service = LocalService(self.store, self.clock)
        self.arn = self.service.start_execution("fn", "{}").unwrap()
        self.execution_id = self.arn.rsplit("/", 1)[1]
        self.ticket: InvocationTicket | None = None
        self.token = ""
        self.spent: list[str] = []
        self.begin()

    def begin(self) -> None:
        ticket = self.service.begin_invocation(self.arn)
        if is_successful(ticket):
            self.ticket = ticket.unwrap()
            self.token = self.ticket.event.checkpoint_token

    def token_for(self, kind: str) -> str:
        if kind == "stale" and self.spent:
            return self.spent[-1]
        if kind == "garbage":
            return encode_token(TokenClaims(self.execution_id, invocation=99, sequence=0))
        return self.token

    def views_agree(self) -> None:
        """The service's view is what the store holds."""
        service, store = self.service, self.store
        assert list(service.operations(self.arn).unwrap()) == store.operations(self.arn)
        history = list(service.history(self.arn).unwrap())
        assert history == store.events(self.arn)
        assert [e.event_id for e in history] == list(range(1, len(history) + 1))


@FUZZ
@given(MOVES)
def test_fuzz_checkpoint_sequences_answer_results_and_a_rejection_changes_nothing(moves: list[Any]) -> None:
    run = Run()
    for kind, first, second in moves:
        if kind == "checkpoint":
            before = run.store.dump()
            seen = run.service.operations(run.arn).unwrap()
            answer = run.service.checkpoint(run.arn, run.token_for(first), second)
            match answer:
                case Success(out):
                    if out.checkpoint_token is not None:
                        run.spent.append(run.token)
                        run.token = out.checkpoint_token
                case _:
                    error = answer.failure()
                    assert error.http_status in (400, 404) and error.code in (
                        "InvalidParameterValueException", "ResourceNotFoundException"
                    ), error
                    assert run.store.dump() == before, error
                    assert run.service.operations(run.arn).unwrap() == seen
        elif kind == "end" and run.ticket is not None:
            output = InvocationOutput(first, result=second if first is InvocationStatus.SUCCEEDED else None)
            run.service.finish_invocation(run.ticket, Success(output))
            run.ticket = None
        elif kind == "begin":
            run.service.advance(run.arn)
            run.begin()
        elif kind == "time":
            run.clock.advance(first)
        run.views_agree()
    run.store.close()


def test_regression_a_wait_or_retry_beyond_the_model_bound_is_rejected_not_raised() -> None:
    """Found by the 100 000-example run: a WAIT of 251 635 075 200 s overflowed the date."""
    for update in (
        OperationUpdate("a", OperationType.WAIT, OperationAction.START, wait_options=WaitOptions(251_635_075_200)),
        OperationUpdate("a", OperationType.WAIT, OperationAction.START, wait_options=WaitOptions(31_622_401)),
        OperationUpdate("s", OperationType.STEP, OperationAction.RETRY, step_options=StepOptions(2**40)),
    ):
        run = Run()
        before = run.store.dump()
        answer = run.service.checkpoint(run.arn, run.token, [update])
        error = answer.failure()
        assert (error.code, error.http_status) == ("InvalidParameterValueException", 400)
        assert run.store.dump() == before
        run.views_agree()
        run.store.close()


def test_regression_a_callback_timer_longer_than_any_execution_is_never_due() -> None:
    run = Run()
    huge = CallbackOptions(timeout_seconds=2**40, heartbeat_timeout_seconds=2**40)
    start = OperationUpdate("c", OperationType.CALLBACK, OperationAction.START, callback_options=huge)
    answer = run.service.checkpoint(run.arn, run.token, [start])
    assert is_successful(answer)
    run.clock.advance(300 * 24 * 3600)
    run.service.advance(run.arn)
    (callback,) = [op for op in run.service.operations(run.arn).unwrap() if op.id == "c"]
    assert callback.status.value == "STARTED"
    run.views_agree()
    run.store.close()
