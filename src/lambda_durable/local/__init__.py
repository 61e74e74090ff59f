"""The embedded local backend: an emulator of the durable-execution service on SQLite.

``run_local(handler, input)`` runs one execution to its end; ``LocalBackend`` gives
control over functions (also chained-invoke targets), executions, callbacks, histories
and logs. ``Command`` registers a durable function written in any language (``serve``).
"""

from lambda_durable.local.api import (
    CallbackHook,
    CallbackSender,
    ExecutionOutcome,
    LocalBackend,
    run_local,
)
from lambda_durable.local.engine.callbacks import CallbackStartedInfo
from lambda_durable.local.engine.clock import Clock, RealClock, SkippingClock
from lambda_durable.local.errors import LocalBackendError
from lambda_durable.local.invoke.command import Command
from lambda_durable.local.invoke.handler_ref import HandlerRef, load_handler

__all__ = [
    "CallbackHook",
    "CallbackSender",
    "CallbackStartedInfo",
    "Clock",
    "Command",
    "ExecutionOutcome",
    "HandlerRef",
    "LocalBackend",
    "LocalBackendError",
    "RealClock",
    "SkippingClock",
    "load_handler",
    "run_local",
]
