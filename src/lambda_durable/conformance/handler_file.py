"""The handlers file: ``HANDLERS`` keyed by requirement id, optional ``FUNCTIONS``.

It is imported by path (it is usually a test module, not an installed package), with
its directory put on ``sys.path`` so it can import its siblings. The same path is what
an isolated (crash-simulating) invocation re-imports in its own process.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from attrs import frozen
from returns.result import Failure, Result, Success

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


def _import_by_path(path: Path) -> ModuleType:
    name = f"_lambda_durable_conformance_handlers_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


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
    try:
        module = _import_by_path(resolved)
    except Exception as exc:  # the user's module may raise anything while importing
        return Failure(f"cannot import handlers file {path}: {type(exc).__name__}: {exc}")
    return _handler_map(module, HANDLERS_ATTRIBUTE, required=True).bind(
        lambda handlers: _handler_map(module, FUNCTIONS_ATTRIBUTE, required=False).map(
            lambda functions: HandlerFile(resolved, handlers, functions)
        )
    ).alt(lambda message: f"{path}: {message}")
