#!/bin/sh
# A durable function in shell: one step, checkpointed with the AWS CLI, replayed from the
# log when the step already succeeded. Needs jq and the AWS CLI; serve puts
# AWS_ENDPOINT_URL_LAMBDA and credentials in the environment, so `aws` reaches it.
set -eu
event=$(cat)                                  # the invocation event, on stdin
arn=$(printf '%s' "$event" | jq -r .DurableExecutionArn)
token=$(printf '%s' "$event" | jq -r .CheckpointToken)
operations=$(printf '%s' "$event" | jq -c .InitialExecutionState.Operations)
name=$(printf '%s' "$operations" | jq -r '.[] | select(.Type == "EXECUTION") | .ExecutionDetails.InputPayload | fromjson | .name')

greeting=$(printf '%s' "$operations" | jq -r '.[] | select(.Id == "greet" and .Status == "SUCCEEDED") | .StepDetails.Result | fromjson')
if [ -z "$greeting" ]; then
  greeting="Hello, $name!"
  echo "greeting $name" >&2                   # stderr is the function's log
  update=$(jq -nc --arg g "$greeting" '[{Id: "greet", Type: "STEP", SubType: "Step", Action: "SUCCEED", Name: "greet", Payload: ($g | tojson)}]')
  aws lambda checkpoint-durable-execution --durable-execution-arn "$arn" --checkpoint-token "$token" \
    --updates "$update" > /dev/null
fi
jq -nc --arg g "$greeting" '{Status: "SUCCEEDED", Result: ($g | tojson)}'   # the output: the last line
