"""What the fuzz tests share: how many examples, and strategies for JSON-ish input.

The default run tries ``DEFAULT_EXAMPLES`` examples per fuzz test; the long run is
``LAMBDA_DURABLE_FUZZ_EXAMPLES=100000 pytest tests/reliability -k fuzz``.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DEFAULT_EXAMPLES = 150
EXAMPLES = int(os.environ.get("LAMBDA_DURABLE_FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES)))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= DEFAULT_EXAMPLES,  # the default run tries the same examples every time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    database=None,
)
"""Settings of every fuzz test. The short run is derandomised so a red default run is
reproducible; the long run explores (hypothesis prints the failing example)."""

IDS = st.sampled_from(["a", "b", "c", "1", "x-y_z"]) | st.text(max_size=70)
"""Operation ids: a few that collide on purpose, and anything at all."""

SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=40)

JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
"""Any JSON value (NaN and the infinities included: Python's json writes them)."""


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The strategy's value, or any JSON value instead (the wrong type, null, ...)."""
    return st.one_of(strategy, strategy, JSON)


def fields(
    spec: dict[str, st.SearchStrategy[Any]], loose: bool = True, required: tuple[str, ...] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of some of these keys. ``loose``: values of any type too, and maybe a stray
    key; else each value from its own strategy, the ``required`` keys always there."""
    if not loose:
        always = {key: value for key, value in spec.items() if key in required}
        return st.fixed_dictionaries(always, optional={k: v for k, v in spec.items() if k not in required})
    return st.fixed_dictionaries({}, optional={key: maybe(value) for key, value in spec.items()}) | st.builds(
        lambda chosen, extra: {**chosen, **extra},
        st.fixed_dictionaries({key: maybe(value) for key, value in spec.items()}),
        st.dictionaries(st.text(max_size=10), JSON, max_size=2),
    )
