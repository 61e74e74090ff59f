"""Placeholders: ``Variables`` resolution, the shared bindings, substitution.

One ``Bindings`` value flows through a requirement's evaluation: it starts with the
resolved ``Variables`` and grows as the history matcher binds ``${ID1}``-style names,
so a later ``${ID1}`` in ``ExpectedLogs`` means the id the history showed
(docs/protocol.md §10.1/§10.2). It is immutable: binding returns a new value, so a failed match cannot
leave half-made bindings behind.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator, Mapping

from attrs import field, frozen

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${NAME}`` anywhere in a string."""

WHOLE_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
"""A string that is exactly one ``${NAME}``: binds (or checks) a value of any type."""

WHOLE_REGEX = re.compile(r"^\$\{/(.+)/\}$", re.DOTALL)
"""A string that is exactly ``${/regex/}``."""

GEN_STR = re.compile(r"^\$\{GEN_STR:(\d+)\}$")
_GEN_ALPHABET = string.ascii_lowercase + string.digits


def _frozen_mapping(value: Mapping[str, object]) -> Mapping[str, object]:
    return dict(value)


@frozen
class Bindings:
    """Placeholder name -> value. ``bind`` never overwrites; it returns a new value."""

    values: Mapping[str, object] = field(factory=dict, converter=_frozen_mapping)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __getitem__(self, name: str) -> object:
        return self.values[name]

    def bind(self, name: str, value: object) -> Bindings:
        return Bindings({**self.values, name: value})


def generated_string(length: int, rng: random.Random) -> str:
    """``${GEN_STR:N}``: N characters of ``[a-z0-9]``."""
    return "".join(rng.choice(_GEN_ALPHABET) for _ in range(length))


def resolve_variables(variables: Mapping[str, object], rng: random.Random) -> Bindings:
    """Resolve a requirement's ``Variables`` block into the initial bindings.

    ``${GEN_STR:N}`` draws a fresh random string; anything else is bound literally,
    non-strings through ``str()`` (they are substituted into text).
    """
    resolved: dict[str, object] = {}
    for name, raw in variables.items():
        text = raw if isinstance(raw, str) else str(raw)
        gen = GEN_STR.match(text)
        resolved[str(name)] = generated_string(int(gen.group(1)), rng) if gen else text
    return Bindings(resolved)


def substitute_text(text: str, bindings: Bindings) -> str:
    """Replace every bound ``${NAME}`` inside ``text``; unbound names stay as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(bindings[name]) if name in bindings else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def substitute(value: object, bindings: Bindings) -> object:
    """Deep substitution into a YAML value (Input, ExpectedResult, CallbackActions, logs).

    A string that is exactly one bound ``${NAME}`` becomes the bound value itself, so a
    binding keeps its type; ``${/regex/}`` strings are left alone.
    """
    if isinstance(value, str):
        if WHOLE_REGEX.match(value):
            return value
        whole = WHOLE_PLACEHOLDER.match(value)
        if whole and whole.group(1) in bindings:
            return bindings[whole.group(1)]
        return substitute_text(value, bindings)
    if isinstance(value, Mapping):
        return {key: substitute(item, bindings) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, bindings) for item in value]
    return value
