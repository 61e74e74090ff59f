"use strict";
// Durable handlers written with the official JavaScript SDK (@aws/durable-execution-sdk-js).
// serve runs one of them per invocation, in its own node process, through
// docs/examples/external/run.cjs (js_handlers.py registers each as a Command); the SDK
// reaches serve through AWS_ENDPOINT_URL_LAMBDA; test_js_sdk_on_serve.py drives them.
const { withDurableExecution } = require("@aws/durable-execution-sdk-js");

const noRetry = { retryStrategy: () => ({ shouldRetry: false }) };

exports.steps = withDurableExecution(async (event, ctx) => {
  let total = 0;
  for (const i of [1, 2, 3]) {
    const before = total;
    total = await ctx.step(`add-${i}`, async () => before + i);
  }
  return total;
});

exports.wait = withDurableExecution(async (event, ctx) => {
  await ctx.wait("pause", { seconds: 30 });
  return await ctx.step("after", async () => "woke");
});

exports.create_callback = withDurableExecution(async (event, ctx) => {
  const [answer, callbackId] = await ctx.createCallback("approval", {
    timeout: { hours: 1 },
    heartbeatTimeout: { minutes: 30 }, // timeouts pass in real time: generous on a busy machine
  });
  const value = await answer;
  return { callbackIdSeen: typeof callbackId === "string", value };
});

// A timeout and no heartbeat: the update that used to fail decoding (issue 21).
exports.wait_for_callback = withDurableExecution(async (event, ctx) => {
  const value = await ctx.waitForCallback(
    "approval",
    async (callbackId, submitCtx) => {
      submitCtx.logger.info(`submitting ${callbackId}`);
    },
    { timeout: { hours: 1 } },
  );
  return { value };
});

exports.callback_failed = withDurableExecution(async (event, ctx) => {
  const [answer] = await ctx.createCallback("approval");
  try {
    await answer;
    return "not failed";
  } catch (error) {
    return { failedWith: error.message };
  }
});

exports.invoke_python = withDurableExecution(async (event, ctx) => {
  const doubled = await ctx.invoke("double", "py_double", { n: 21 });
  return { doubled };
});

exports.map = withDurableExecution(async (event, ctx) => {
  const batch = await ctx.map("tens", [1, 2, 3], async (child, item) => child.step(async () => item * 10));
  return batch.getResults();
});

exports.parallel = withDurableExecution(async (event, ctx) => {
  const batch = await ctx.parallel("branches", [
    { name: "left", func: async (child) => child.step("l", async () => "L") },
    { name: "right", func: async (child) => child.step("r", async () => "R") },
  ]);
  return batch.getResults();
});

exports.child = withDurableExecution(async (event, ctx) => {
  const inner = await ctx.runInChildContext("child", async (child) => {
    const twenty = await child.step("twenty", async () => 20);
    await child.wait("breath", { seconds: 5 });
    return await child.step("plus-one", async () => twenty + 1);
  });
  return inner * 2;
});

exports.wait_for_condition = withDurableExecution(async (event, ctx) => {
  const state = await ctx.waitForCondition("poll", async (current) => ({ polls: current.polls + 1 }), {
    initialState: { polls: 0 },
    waitStrategy: (current) =>
      current.polls >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 2 } },
  });
  return state.polls;
});

exports.promises = withDurableExecution(async (event, ctx) => {
  const all = await ctx.promise.all("all", [ctx.step("a", async () => 1), ctx.step("b", async () => 2)]);
  const race = await ctx.promise.race("race", [ctx.step("c", async () => 3)]);
  const any = await ctx.promise.any("any", [
    ctx.step("d", async () => { throw new Error("d failed"); }, noRetry),
    ctx.step("e", async () => 5),
  ]);
  const settled = await ctx.promise.allSettled("settled", [
    ctx.step("f", async () => 6),
    ctx.step("g", async () => { throw new Error("g failed"); }, noRetry),
  ]);
  return { all, race, any, settled: settled.map((s) => s.status) };
});

exports.retried_step = withDurableExecution(async (event, ctx) => {
  return await ctx.step(
    "flaky",
    async (stepCtx) => {
      if (stepCtx.attempt < 3) throw new Error(`attempt ${stepCtx.attempt} failed`);
      return `succeeded on attempt ${stepCtx.attempt}`;
    },
    { retryStrategy: (error, attempt) => ({ shouldRetry: attempt < 5, delay: { seconds: 2 } }) },
  );
});

exports.failing = withDurableExecution(async (event, ctx) => {
  await ctx.step("before", async () => "fine");
  throw new Error("the order cannot be shipped");
});
