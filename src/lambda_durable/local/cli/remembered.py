"""The function a ``run`` execution belongs to, and loading its handler again later.

``run`` registers the handler under a function name made of the file (or module) and
the attribute, ``orders-handler`` for ``orders.py:handler``, so two handlers called
``handler`` in different files never share executions; a name already remembered for
another file gets a short digest of the path. The store remembers the reference, and
``resume`` and ``callback`` load it from there in a later process. Loading checks
everything before the store is touched: an unknown reference or a handler that moved
is a one-line reason, the store as it was.
"""

from __future__ import annotations

import hashlib
import os
import re

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.invoke.handler_ref import HandlerRef, resolve_handler

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")
_LONGEST = 64


def run_function_name(ref: HandlerRef, backend: LocalBackend) -> str:
    """``<file stem or module>-<attribute>[-<key>]``, unique among the handlers this
    store remembers (a digest of the target is added when another one took the name)."""
    where = os.path.splitext(os.path.basename(ref.target))[0] if ref.is_file else ref.target
    parts = [where, ref.attribute, *([ref.key] if ref.key is not None else [])]
    name = _UNSAFE.sub("-", "-".join(parts)).strip("-")[:_LONGEST] or "handler"
    known = backend.remembered(name)
    if known is None or _same_target(known, ref):
        return name
    digest = hashlib.sha1(_target(ref).encode()).hexdigest()[:8]
    return f"{name[: _LONGEST - 9]}-{digest}"


def _target(ref: HandlerRef) -> str:
    return os.path.abspath(ref.target) if ref.is_file else ref.target


def _same_target(known: HandlerRef, ref: HandlerRef) -> bool:
    return (known.target, known.attribute, known.key) == (_target(ref), ref.attribute, ref.key)


@frozen
class NotResumable:
    """Why an execution cannot be resumed from the command line, in one line."""

    message: str
    foreign: bool = False
    """Started by a program (not ``run``): that program resumes it, nothing is wrong."""


def load_remembered(backend: LocalBackend, arn: str) -> Result[str, NotResumable]:
    """Register the handler ``run`` remembered for ``arn``'s root execution (the one
    whose chained invokes started it, or itself) and return the root's ARN; or why
    not. Writes nothing to the store."""
    root = backend.root_execution(arn)
    record = backend.store.execution(root)
    if record is None:
        return Failure(NotResumable(f"no execution {root}"))
    ref = backend.remembered(record.function_name)
    if ref is None:
        message = f"execution {root} was not started by 'lambda-durable run'; the program that started it resumes it"
        return Failure(NotResumable(message, foreign=True))
    loaded = resolve_handler(ref)
    if not is_successful(loaded):
        message = f"cannot load {ref} to resume {root}: {loaded.failure()} (was the file moved or renamed?)"
        return Failure(NotResumable(message))
    handler = loaded.unwrap()
    if getattr(handler, "__durable_handler__", False) is not True:
        return Failure(NotResumable(f"{ref} is no longer a durable handler (decorate it with @durable_handler)"))
    backend.register(record.function_name, handler)  # a callable: nothing is written
    return Success(root)
