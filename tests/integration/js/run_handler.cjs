"use strict";
// One invocation of a handler from handlers.cjs, as the Lambda runtime would run it:
//   node run_handler.cjs EXPORT OUTPUT_FILE  (the invocation event on stdin)
// The handler's return value is written to OUTPUT_FILE as JSON (stdout stays the
// handler's own); a throw exits with status 1 after printing the error to stderr.
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [name, outputFile] = process.argv.slice(2);
  const handlers = require(path.join(__dirname, "handlers.cjs"));
  const handler = handlers[name];
  if (typeof handler !== "function") throw new Error(`handlers.cjs exports no handler ${name}`);
  const event = JSON.parse(fs.readFileSync(0, "utf8"));
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME || name;
  const deadline = Date.now() + 15 * 60 * 1000;
  const context = {
    awsRequestId: process.env.LAMBDA_DURABLE_REQUEST_ID || "local-request",
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION || "us-east-1"}:123456789012:function:${functionName}`,
    memoryLimitInMB: "128",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const output = await handler(event, context);
  fs.writeFileSync(outputFile, JSON.stringify(output === undefined ? null : output));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
  },
);
