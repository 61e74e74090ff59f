"use strict";
// A durable function written with the official JavaScript SDK
// (npm install @aws/durable-execution-sdk-js), run by `lambda-durable serve` through run.cjs.
const { withDurableExecution } = require("@aws/durable-execution-sdk-js");

exports.handler = withDurableExecution(async (event, ctx) => {
  const order = await ctx.step("reserve", async () => ({ id: event.orderId, items: event.items.length }));
  await ctx.wait("cool-off", { seconds: 3600 }); // skipped by serve unless --real-time
  return await ctx.step("ship", async () => `order ${order.id} shipped with ${order.items} items`);
});
