"""Where the official JavaScript SDK lives for the tests, and installing it there.

``npm install`` puts ``@aws/durable-execution-sdk-js`` into a cache folder outside the
repository (``$LAMBDA_DURABLE_JS_CACHE``, default ``~/.cache/lambda-durable/npm``), once
per pinned version; node finds it through ``NODE_PATH``. Standard library only, so CI can
run ``python3 tests/integration/js/js_sdk.py`` before any virtualenv exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = "@aws/durable-execution-sdk-js"
VERSION = "2.4.0"
INSTALL_SECONDS = 300


def cache_dir() -> Path:
    configured = os.environ.get("LAMBDA_DURABLE_JS_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "lambda-durable" / "npm"


def node_modules() -> Path:
    return cache_dir() / "node_modules"


def installed_version() -> str | None:
    manifest = node_modules() / PACKAGE / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def ensure_installed() -> str | None:
    """Install the pinned SDK unless it is there; None when ready, else why it is not."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH: the JavaScript SDK tests need node and npm"
    if installed_version() == VERSION:
        return None
    cache_dir().mkdir(parents=True, exist_ok=True)
    command = [
        "npm", "install", "--prefix", str(cache_dir()), "--no-audit", "--no-fund", "--prefer-offline",
        "--loglevel=error", f"{PACKAGE}@{VERSION}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return f"npm install {PACKAGE}@{VERSION} took more than {INSTALL_SECONDS} s"
    if done.returncode != 0 or installed_version() != VERSION:
        return f"npm install {PACKAGE}@{VERSION} failed: {done.stderr.strip()[-400:]}"
    return None


if __name__ == "__main__":
    problem = ensure_installed()
    print(problem or f"{PACKAGE}@{VERSION} is in {node_modules()}", file=sys.stderr)
    sys.exit(0)  # a machine without node or a network skips these tests; it does not fail CI
