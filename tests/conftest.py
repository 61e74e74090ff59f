"""Test-wide setup."""

import os
import sys

# pytest-mypy-plugins runs the `mypy` executable: make the one next to this
# interpreter visible even when the venv is not activated.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
