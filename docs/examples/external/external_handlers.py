"""Durable functions in other languages, for ``lambda-durable serve --handlers external_handlers.py``.

Each ``Command`` runs once per invocation, in this file's folder: ``orders`` is JavaScript
written with the official SDK (``npm install @aws/durable-execution-sdk-js`` here first),
``greeter`` a shell script using jq and the AWS CLI.
"""

from lambda_durable.local import Command

HANDLERS = {
    "orders": Command(["node", "run.cjs", "orders.cjs"]),
    "greeter": Command(["sh", "greet.sh"]),
}
TIMEOUTS = {"greeter": 60}
