"use strict";
// Runs one invocation of a JavaScript Lambda handler under `lambda-durable serve`:
//   node run.cjs MODULE [EXPORT]        (EXPORT defaults to "handler")
// serve writes the invocation event on stdin and reads the handler's output from the last
// line of stdout; everything else the handler prints stays its log. A throw exits with
// status 1 after printing the error on stderr (serve records a failed invocation).
// The Lambda context comes from the variables serve sets for each invocation.
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [modulePath, exportName = "handler"] = process.argv.slice(2);
  if (!modulePath) throw new Error("usage: node run.cjs MODULE [EXPORT]");
  const handler = require(path.resolve(modulePath))[exportName];
  if (typeof handler !== "function") throw new Error(`${modulePath} exports no function ${exportName}`);
  const event = JSON.parse(fs.readFileSync(0, "utf8"));
  const env = process.env;
  const deadline = Number(env.LAMBDA_DURABLE_DEADLINE_MS);
  const context = {
    awsRequestId: env.LAMBDA_DURABLE_REQUEST_ID,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: env.LAMBDA_DURABLE_FUNCTION_ARN,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const output = await handler(event, context);
  // a line of its own, even after a handler's unfinished line; exit once it is written
  process.stdout.write(`\n${JSON.stringify(output === undefined ? null : output)}\n`, () => process.exit(0));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
