"""Naming a handler by reference (``FILE_OR_MODULE:ATTR``) and loading it.

A reference, not a callable, is what crosses into a child process, and what the CLI
receives. Loading never raises: every problem is a one-line message.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from attrs import frozen
from returns.pipeline import is_successful
from returns.result import Failure, Result, Success

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@frozen
class HandlerRef:
    """``target`` is a file path (``.py`` or containing a slash) or a module name;
    ``attribute`` names the handler in it, or a mapping holding it under ``key``."""

    target: str
    attribute: str
    key: str | None = None

    @property
    def is_file(self) -> bool:
        return self.target.endswith(".py") or "/" in self.target or os.sep in self.target

    def __str__(self) -> str:
        suffix = f"[{self.key}]" if self.key is not None else ""
        return f"{self.target}:{self.attribute}{suffix}"

    @classmethod
    def parse(cls, text: str) -> Result[HandlerRef, str]:
        """``FILE_OR_MODULE:ATTR`` or ``FILE_OR_MODULE:ATTR[KEY]``."""
        target, sep, attribute = text.rpartition(":")
        if not sep or not target or not attribute:
            return Failure(f"expected FILE_OR_MODULE:HANDLER, got {text!r}")
        key: str | None = None
        if attribute.endswith("]") and "[" in attribute:
            attribute, _, rest = attribute.partition("[")
            key = rest[:-1]
        if not attribute.isidentifier():
            return Failure(f"{attribute!r} is not a Python name")
        return Success(cls(target, attribute, key))

    @classmethod
    def of(cls, handler: Callable[..., Any]) -> Result[HandlerRef, str]:
        """The reference of a module-level function (or decorated handler) defined in a file."""
        name = getattr(handler, "__qualname__", None) or getattr(handler, "__name__", "")
        if not isinstance(name, str) or not name.isidentifier():
            return Failure(f"{name or handler!r} is not a module-level function; pass a HandlerRef")
        try:
            path = inspect.getsourcefile(inspect.unwrap(handler))
        except TypeError:
            path = None
        if path is None:
            return Failure(f"cannot find the file that defines {name}; pass a HandlerRef")
        return Success(cls(str(Path(path).resolve()), name))


def module_from_file(path: Path, *, fresh: bool = False) -> Result[ModuleType, str]:
    """Import a Python file under a name that is the same in every process (its stem,
    or a digest of its path when the stem is taken), so tags naming its classes resolve.
    ``fresh`` runs the file again even if this process imported it before."""
    if not path.is_file():
        return Failure(f"no such file: {path}")
    resolved = path.resolve()
    name = resolved.stem
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) == str(resolved):
        if not fresh:
            return Success(existing)
        existing = None
    if existing is not None or not name.isidentifier():
        digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
        name = f"_handler_{digest}"
        if name in sys.modules and not fresh:
            return Success(sys.modules[name])
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        return Failure(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    folder = str(resolved.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # user code: report, never crash the loader
        del sys.modules[name]
        return Failure(f"cannot import {path}: {type(exc).__name__}: {exc}")
    return Success(module)


def _module(name: str) -> Result[ModuleType, str]:
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return Success(importlib.import_module(name))
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return Failure(f"no module named {name!r}")
        return Failure(f"cannot import {name}: {type(exc).__name__}: {exc}")
    except Exception as exc:  # user code: report, never crash the loader
        return Failure(f"cannot import {name}: {type(exc).__name__}: {exc}")


def resolve_handler(ref: HandlerRef) -> Result[Handler, str]:
    """Import the target and fetch the handler it names."""
    loaded = module_from_file(Path(ref.target)) if ref.is_file else _module(ref.target)
    if not is_successful(loaded):
        return Failure(loaded.failure())
    module = loaded.unwrap()
    if not hasattr(module, ref.attribute):
        return Failure(f"{ref.target} has no attribute {ref.attribute!r}")
    found: Any = getattr(module, ref.attribute)
    if ref.key is not None:
        if not isinstance(found, Mapping):
            return Failure(f"{ref.target}:{ref.attribute} is not a mapping")
        if ref.key not in found:
            return Failure(f"{ref.target}:{ref.attribute} has no key {ref.key!r}")
        found = found[ref.key]
    if not callable(found):
        return Failure(f"{ref} is not callable")
    handler: Handler = found
    return Success(handler)


def load_handler(text: str) -> Result[Handler, str]:
    """``FILE_OR_MODULE:ATTR`` -> the handler, or a one-line reason it cannot be loaded."""
    return HandlerRef.parse(text).bind(resolve_handler)
