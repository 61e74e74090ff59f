"""A flaky step retried with an explicit ``RetryStrategy``.

The step fails on its first two attempts. Each failure is checkpointed as a RETRY with the
delay the strategy chose; the invocation ends (nothing sleeps inside Lambda) and the
service re-invokes the function once the delay has passed. ``StepContext.attempt`` says
which attempt is running (1-based).

    python docs/examples/retries.py
"""

from __future__ import annotations

from returns.result import Result

from lambda_durable import (
    DurableContext,
    DurableError,
    Duration,
    JitterStrategy,
    RetryDecision,
    RetryStrategy,
    StepConfig,
    StepContext,
    durable_handler,
)


class UpstreamUnavailable(Exception):
    """A transient failure worth retrying."""


class BadRequest(Exception):
    """A permanent failure: retrying cannot help."""


FLAKY_RETRIES = RetryStrategy(
    max_attempts=4,
    initial_delay=Duration.seconds(2),
    backoff_rate=3,
    max_delay=Duration.seconds(30),
    jitter=JitterStrategy.NONE,  # exact delays: 2 s, then 6 s
)


def only_transient(error: BaseException, attempt: int) -> RetryDecision:
    """The function form of a strategy: retry UpstreamUnavailable up to 3 attempts."""
    if isinstance(error, UpstreamUnavailable) and attempt < 3:
        return RetryDecision.retry_after(Duration.seconds(1))
    return RetryDecision.stop()


def fetch_quote(step: StepContext) -> float:
    """Pretend the upstream service is down for the first two attempts."""
    step.logger.info("fetching quote", extra={"attempt": step.attempt})
    if step.attempt < 3:
        raise UpstreamUnavailable(f"upstream unavailable on attempt {step.attempt}")
    return 42.0


def validate(step: StepContext) -> str:
    raise BadRequest("quote rejected")


@durable_handler
def handler(event: dict[str, object], ctx: DurableContext) -> Result[str, DurableError]:
    """Fetch a quote with retries, then try a validation that fails for good and
    recover from it: a step's final failure is a ``Failure`` the caller can handle."""
    return (
        ctx.step(fetch_quote, name="fetch-quote", config=StepConfig(retry_strategy=FLAKY_RETRIES))
        .bind(
            lambda quote: ctx.step(
                validate, name="validate", config=StepConfig(retry_strategy=only_transient)
            )
            .lash(
                lambda error: ctx.step(
                    lambda _: f"{quote} (unvalidated: {error.error.error_message})", name="fallback"
                )
            )
        )
    )


if __name__ == "__main__":
    from lambda_durable.local import run_local

    outcome = run_local(handler, {})
    print(f"status: {outcome.status.value}, result: {outcome.result}")
    for event in outcome.events:
        retry = ""
        if (details := event.details.retry_details) is not None:
            retry = f"  attempt {details.current_attempt}"
            if details.next_attempt_delay_seconds is not None:
                retry += f", next in {details.next_attempt_delay_seconds} s"
        print(f"  {event.event_id:>2} {event.event_type.value} {event.name or ''}{retry}".rstrip())
