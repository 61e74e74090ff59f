"""Registering a handlers file on a backend by function name (``serve``).

The file has the conformance runner's shape: ``HANDLERS: dict[str, handler]`` (durable
functions) and optionally ``FUNCTIONS: dict[str, handler]`` (durable when marked by
``@durable_handler``, else plain). A handler written with our SDK runs in this process
with the service injected; any other (the official SDK's, another SDK's) runs in a
subprocess that reaches the service over HTTP at ``endpoint``, as it would on Lambda.
``isolated`` sends every handler that way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

from lambda_durable.local.api import LocalBackend
from lambda_durable.local.invoke.handler_ref import HandlerRef, module_from_file

HANDLERS = "HANDLERS"
FUNCTIONS = "FUNCTIONS"


def _entries(module: Any, attribute: str) -> Result[dict[str, Any], str]:
    value = getattr(module, attribute, None)
    if value is None:
        return Success({})
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and callable(v) for k, v in value.items()):
        return Failure(f"{attribute} must map function names to handlers")
    return Success(dict(value))


def register_handler_file(
    backend: LocalBackend, path: str | Path, *, endpoint: str, isolated: bool = False
) -> Result[dict[str, HandlerRef], str]:
    """Register every entry of the file; the references by function name, or why not."""
    resolved = Path(path).resolve()
    loaded = module_from_file(resolved)
    if not is_successful(loaded):
        return Failure(loaded.failure())
    module = loaded.unwrap()
    refs: dict[str, HandlerRef] = {}
    for attribute, force_durable in ((FUNCTIONS, None), (HANDLERS, True)):
        entries = _entries(module, attribute)
        if not is_successful(entries):
            return Failure(entries.failure())
        for name, handler in entries.unwrap().items():
            ref = HandlerRef(str(resolved), attribute, name)
            ours = getattr(handler, "__durable_handler__", False) is True
            durable = force_durable if force_durable is not None else ours
            remote = durable and (isolated or not ours)
            try:
                if remote:
                    backend.register(name, ref, isolated=True, durable=True, endpoint=endpoint)
                else:
                    backend.register(name, handler, durable=durable)
            except ValueError as exc:
                return Failure(f"{name}: {exc}")
            refs[name] = ref
    if not refs:
        return Failure(f"{path} defines no {HANDLERS} (or {FUNCTIONS})")
    return Success(refs)
