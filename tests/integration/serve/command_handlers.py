"""A handlers file whose durable functions are programs, not Python handlers
(``lambda_durable.local.Command``): shell one-liners, and one Python one-liner that
speaks the protocol with boto3 against ``AWS_ENDPOINT_URL_LAMBDA``.

The breaking ones break on their first invocation of each execution only (a marker
file per execution under ``MARKERS``), so the test sees the failed invocation recorded
and the execution going on.
"""

from __future__ import annotations

import sys
import tempfile

from lambda_durable.local import Command

MARKERS = tempfile.mkdtemp(prefix="lambda-durable-command-tests-")
HUNG_SECONDS = 1.0

_READ_ARN = """event=$(cat)
arn=$(printf '%s' "$event" | sed -n 's/.*"DurableExecutionArn": *"\\([^"]*\\)".*/\\1/p' | tr -c 'a-zA-Z0-9-\\n' _)
marker="$MARKERS/$arn"
"""
_SUCCEED = """printf '%s\\n' '{"Status": "SUCCEEDED", "Result": "\\"survived\\""}'"""


def _breaks_first_time(breaking: str) -> Command:
    """A shell script that runs ``breaking`` on the first invocation of each execution."""
    script = f"""{_READ_ARN}if [ ! -e "$marker" ]; then
  : > "$marker"
  echo "breaking $AWS_LAMBDA_FUNCTION_NAME" >&2
  {breaking}
fi
{_SUCCEED}
"""
    return Command(["sh", "-c", script], env={"MARKERS": MARKERS})


def _always(output: str) -> Command:
    """A shell script that prints ``output`` (its whole stdout) on every invocation."""
    return Command(["sh", "-c", f"cat > /dev/null; {output}"])


# One wait, then the input doubled: a first invocation checkpoints a WAIT START and
# answers PENDING; the next (once the wait has fired) answers SUCCEEDED.
_WAITS = """
import json, sys, boto3
event = json.load(sys.stdin)
ops = {op["Id"]: op for op in event["InitialExecutionState"]["Operations"]}
execution = next(op for op in ops.values() if op["Type"] == "EXECUTION")
n = json.loads(execution["ExecutionDetails"]["InputPayload"])["n"]
print("invoked for", n)
if ops.get("nap", {}).get("Status") != "SUCCEEDED":
    if "nap" not in ops:
        boto3.client("lambda").checkpoint_durable_execution(
            DurableExecutionArn=event["DurableExecutionArn"], CheckpointToken=event["CheckpointToken"],
            Updates=[{"Id": "nap", "Type": "WAIT", "Action": "START", "SubType": "Wait", "Name": "nap",
                      "WaitOptions": {"WaitSeconds": 60}}])
    print(json.dumps({"Status": "PENDING"}))
else:
    print(json.dumps({"Status": "SUCCEEDED", "Result": json.dumps(2 * n)}))
"""

HANDLERS = {
    "waits": Command([sys.executable, "-c", _WAITS]),
    "greets": _always("""echo 'a line the program printed'; echo '{"Status": "SUCCEEDED", "Result": "\\"hello\\""}'"""),
    "exits": _breaks_first_time("exit 3"),
    "killed": _breaks_first_time("kill -9 $$"),
    "hangs": _breaks_first_time('sleep 3600 & echo $! > "$marker.sleeper"; wait'),
    "not_json": _always("echo 'this is not JSON'"),
    "wrong_shape": _always("""echo '{"Status": "DONE"}'"""),
    "silent": _always("true"),
    "fails": _always(
        """echo '{"Status": "FAILED", "Error": {"ErrorType": "OrderRejected", "ErrorMessage": "no stock"}}'"""
    ),
}
TIMEOUTS = {"hangs": HUNG_SECONDS}
