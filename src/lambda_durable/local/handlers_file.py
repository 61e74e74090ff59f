"""Registering a handlers file on a backend by function name (``serve``).

The file has the conformance runner's shape: ``HANDLERS: dict[str, handler]`` (durable
functions) and optionally ``FUNCTIONS: dict[str, handler]`` (durable when marked by
``@durable_handler``, else plain), and optionally ``TIMEOUTS: dict[str, float]``, the
invocation timeout of some functions in seconds (at most Lambda's 900).

A ``HANDLERS`` entry may also be a ``Command``: a durable function written in any
language, whose program runs once per invocation and reaches the service over HTTP at
``endpoint`` (``invoke.command``); its relative paths are the handlers file's folder's.

With a worker ``pool`` every durable handler runs in a warm worker process: one written
with our SDK gets the service injected over the worker's pipe; any other (the official
SDK's, another SDK's) reaches the service over HTTP at ``endpoint``, as it would on
Lambda. An invocation that outlives its timeout is killed. Without a pool, a handler
written with our SDK runs in this process (no timeout: nothing can stop it) and any
other in a fresh subprocess per invocation. ``isolated`` sends every durable handler to
a fresh subprocess per invocation over HTTP. Plain functions run in this process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.invoke.command import Command, CommandInvoker, prepare
from lambda_durable.local.invoke.handler_ref import HandlerRef, module_from_file
from lambda_durable.local.invoke.invokers import INVOCATION_TIMEOUT_SECONDS, Invoker
from lambda_durable.local.invoke.isolated import ProcessInvoker
from lambda_durable.local.invoke.pool import WorkerPool

MAX_TIMEOUT = INVOCATION_TIMEOUT_SECONDS
"""Lambda's largest function timeout, in seconds."""

HANDLERS = "HANDLERS"
FUNCTIONS = "FUNCTIONS"
TIMEOUTS = "TIMEOUTS"


@frozen
class Registered:
    """What a handlers file registered: Python handlers by reference, and commands."""

    refs: dict[str, HandlerRef]
    commands: dict[str, Command]

    @property
    def names(self) -> list[str]:
        return sorted([*self.refs, *self.commands])


def _entries(module: Any, attribute: str) -> Result[dict[str, Any], str]:
    value = getattr(module, attribute, None)
    if value is None:
        return Success({})
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        return Failure(f"{attribute} must map function names to handlers")
    for name, entry in value.items():
        if isinstance(entry, Command) and attribute != HANDLERS:
            return Failure(f"{attribute}[{name!r}] is a Command: commands are durable functions, put it in {HANDLERS}")
        if not isinstance(entry, Command) and not callable(entry):
            kinds = "a handler or a Command" if attribute == HANDLERS else "a handler"
            return Failure(f"{attribute}[{name!r}] is not {kinds}: {entry!r}")
    return Success(dict(value))


def _timeouts(module: Any) -> Result[dict[str, float], str]:
    value = getattr(module, TIMEOUTS, None)
    if value is None:
        return Success({})
    if not isinstance(value, Mapping):
        return Failure(f"{TIMEOUTS} must map function names to seconds")
    found: dict[str, float] = {}
    for name, seconds in value.items():
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 < seconds <= MAX_TIMEOUT:
            return Failure(f"{TIMEOUTS}[{name!r}] must be a number of seconds in (0, {MAX_TIMEOUT}], not {seconds!r}")
        found[str(name)] = float(seconds)
    return Success(found)


def _invoker(
    backend: LocalBackend,
    ref: HandlerRef,
    *,
    ours: bool,
    endpoint: str,
    isolated: bool,
    pool: WorkerPool | None,
    timeout: float,
) -> Invoker | None:
    """How a durable handler runs (None: in this process)."""
    keep = backend.keep_stdout
    if isolated or (pool is None and not ours):
        return ProcessInvoker(ref, keep_stdout=keep, endpoint=endpoint, timeout=timeout)
    if pool is None:
        return None
    return pool.invoker(ref, timeout=timeout, endpoint=None if ours else endpoint, keep_stdout=keep)


def _register_command(
    backend: LocalBackend, name: str, command: Command, folder: Path, endpoint: str, timeout: float
) -> Result[Command, str]:
    """Register a ``HANDLERS`` entry that is a program, run from ``folder`` by default."""
    prepared = prepare(command, folder)
    if not is_successful(prepared):
        return Failure(f"{HANDLERS}[{name!r}]: {prepared.failure()}")
    runner = CommandInvoker(prepared.unwrap(), endpoint, timeout=timeout, keep_stdout=backend.keep_stdout)
    backend.register(name, prepared.unwrap(), invoker=runner)
    return prepared


def register_handler_file(
    backend: LocalBackend,
    path: str | Path,
    *,
    endpoint: str,
    isolated: bool = False,
    pool: WorkerPool | None = None,
    timeout: float = INVOCATION_TIMEOUT_SECONDS,
) -> Result[Registered, str]:
    """Register every entry of the file; what was registered, or why not.
    ``timeout``: the invocation timeout of functions ``TIMEOUTS`` does not name."""
    resolved = Path(path).resolve()
    loaded = module_from_file(resolved)
    if not is_successful(loaded):
        return Failure(loaded.failure())
    module = loaded.unwrap()
    timeouts = _timeouts(module)
    if not is_successful(timeouts):
        return Failure(timeouts.failure())
    refs: dict[str, HandlerRef] = {}
    commands: dict[str, Command] = {}
    for attribute, force_durable in ((FUNCTIONS, None), (HANDLERS, True)):
        entries = _entries(module, attribute)
        if not is_successful(entries):
            return Failure(entries.failure())
        for name, handler in entries.unwrap().items():
            seconds = timeouts.unwrap().get(name, timeout)
            if isinstance(handler, Command):
                registered_command = _register_command(backend, name, handler, resolved.parent, endpoint, seconds)
                if not is_successful(registered_command):
                    return Failure(registered_command.failure())
                refs.pop(name, None)
                commands[name] = registered_command.unwrap()
                continue
            ref = HandlerRef(str(resolved), attribute, name)
            ours = getattr(handler, "__durable_handler__", False) is True
            durable = force_durable if force_durable is not None else ours
            invoker = (
                _invoker(backend, ref, ours=ours, endpoint=endpoint, isolated=isolated, pool=pool, timeout=seconds)
                if durable
                else None
            )
            try:
                if invoker is not None:
                    backend.register(name, ref, durable=True, invoker=invoker)
                else:
                    backend.register(name, handler, durable=durable)
            except ValueError as exc:
                return Failure(f"{name}: {exc}")
            refs[name] = ref
    registered = Registered(refs, commands)
    if not registered.names:
        return Failure(f"{path} defines no {HANDLERS} (or {FUNCTIONS})")
    unknown = sorted(set(timeouts.unwrap()) - set(registered.names))
    if unknown:
        return Failure(f"{TIMEOUTS} names functions the file does not define: {', '.join(unknown)}")
    return Success(registered)
