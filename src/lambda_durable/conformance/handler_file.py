"""The handlers file: ``HANDLERS`` keyed by requirement id, optional ``FUNCTIONS``.

It is imported by path (it is usually a test module, not an installed package), with
its directory put on ``sys.path`` so it can import its siblings. The same path is what
an isolated (crash-simulating) invocation re-imports in its own process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from attrs import frozen
from returns.result import Failure, Result, Success

from lambda_durable.local.invoke.handler_ref import module_from_file

Handler = Callable[[Any, Any], Any]
"""A Lambda-style handler ``(event, context) -> output``, durable or plain."""

HANDLERS_ATTRIBUTE = "HANDLERS"
FUNCTIONS_ATTRIBUTE = "FUNCTIONS"


@frozen
class HandlerFile:
    """What a handlers file offers: requirement handlers and invoke targets by name."""

    path: Path
    handlers: Mapping[str, Handler]
    functions: Mapping[str, Handler]


def _handler_map(module: ModuleType, attribute: str, required: bool) -> Result[dict[str, Handler], str]:
    value = getattr(module, attribute, None)
    if value is None:
        return Failure(f"defines no {attribute}") if required else Success({})
    if not isinstance(value, Mapping):
        return Failure(f"{attribute} must be a dict, got {type(value).__name__}")
    bad = [str(k) for k, v in value.items() if not isinstance(k, str) or not callable(v)]
    if bad:
        return Failure(f"{attribute} entries must map str to a callable: {', '.join(bad)}")
    return Success(dict(value))


def load_handler_file(path: Path) -> Result[HandlerFile, str]:
    """Import the file and read its maps; any import failure is one line of text."""
    resolved = path.resolve()
    if not resolved.is_file():
        return Failure(f"handlers file not found: {path}")
    return module_from_file(resolved, fresh=True).alt(lambda message: f"handlers file: {message}").bind(
        lambda module: _read_maps(module, resolved)
    ).alt(lambda message: f"{path}: {message}")


def _read_maps(module: ModuleType, resolved: Path) -> Result[HandlerFile, str]:
    return _handler_map(module, HANDLERS_ATTRIBUTE, required=True).bind(
        lambda handlers: _handler_map(module, FUNCTIONS_ATTRIBUTE, required=False).map(
            lambda functions: HandlerFile(resolved, handlers, functions)
        )
    )
