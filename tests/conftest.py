"""Test-wide setup."""

import os
import sys

# pytest-mypy-plugins runs the `mypy` executable: make the one next to this
# interpreter visible even when the venv is not activated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")

# Hypothesis' default 200 ms deadline per example is a timed assertion: on a loaded
# machine a correct example can take seconds (test_dumps_matches_the_iso_converter took
# 2.26 s once). What a property test checks is the property, never the time.
from hypothesis import settings  # noqa: E402

settings.register_profile("lambda-durable", deadline=None)
settings.load_profile("lambda-durable")
