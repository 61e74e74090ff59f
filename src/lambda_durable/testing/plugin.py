"""The pytest plugin (entry point ``pytest11``): the ``durable_backend`` fixture.

pytest loads it once lambda-durable is installed, so a project's tests get a fresh
in-memory backend per test without a conftest. Everything a test needs is a method of
``LocalBackend``: ``register`` (handlers and invoke targets), ``on_callback_started``
(answer a callback as soon as it starts), ``start``, ``run_until_settled`` /
``run_until_idle`` (to the end, or to the next suspension) and ``advance_clock``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lambda_durable.local.api import LocalBackend


@pytest.fixture
def durable_backend() -> Iterator[LocalBackend]:
    """A fresh in-memory ``LocalBackend`` (virtual clock), closed after the test."""
    with LocalBackend() as backend:
        yield backend
