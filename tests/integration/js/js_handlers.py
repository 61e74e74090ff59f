"""A handlers file for ``lambda-durable serve`` whose durable functions are JavaScript.

Each entry of ``HANDLERS`` named after an export of ``handlers.cjs`` is a ``Command``:
``serve`` runs that export once per invocation in a node process, through the runner of
docs/examples/external (``run.cjs``: the invocation event on stdin, the output on the
last line of stdout), with ``AWS_ENDPOINT_URL_LAMBDA`` and credentials in its
environment. The JavaScript SDK then talks to ``serve`` itself, over HTTP, as on Lambda;
node finds it through ``NODE_PATH`` (see ``js_sdk.py``). ``py_double`` is a Python
durable function the JavaScript handlers invoke.
"""

from __future__ import annotations

from pathlib import Path

from js_sdk import node_modules
from returns.result import Result

from lambda_durable import DurableContext, DurableError, DurableHandler, durable_handler
from lambda_durable.local import Command

HERE = Path(__file__).resolve().parent
RUNNER = HERE.parents[2] / "docs" / "examples" / "external" / "run.cjs"

JS_EXPORTS = (
    "steps",
    "wait",
    "create_callback",
    "wait_for_callback",
    "callback_failed",
    "invoke_python",
    "map",
    "parallel",
    "child",
    "wait_for_condition",
    "promises",
    "retried_step",
    "failing",
)


@durable_handler
def py_double(event: dict[str, int], ctx: DurableContext) -> Result[int, DurableError]:
    """Invoked by the JavaScript ``invoke_python`` handler."""
    n = int(event["n"])
    return ctx.step(lambda _: n * 2, name="double")


HANDLERS: dict[str, Command | DurableHandler[dict[str, int], int]] = {
    name: Command(["node", str(RUNNER), "handlers.cjs", name], env={"NODE_PATH": str(node_modules())})
    for name in JS_EXPORTS
}
HANDLERS["py_double"] = py_double
