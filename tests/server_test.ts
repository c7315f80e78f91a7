import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { FUNCTIONS } from "../functions/mod.ts";
import { echo } from "./support/echo_function.ts";
import { openTestServices } from "./support/services.ts";

async function withServer(env: Record<string, string>, body: (base: string) => Promise<void>) {
  const services = await openTestServices(env);
  const app = createApp(services, { ...FUNCTIONS, echo });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    await body(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
    await services.close();
  }
}

async function expectProblem(response: Response, status: number): Promise<{ detail: string }> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.ok(response.headers.get("x-request-id"));
  return await response.json();
}

Deno.test("a listening server answers health, and bad input with problem+json", async () => {
  await withServer({}, async (base) => {
    const health = await fetch(`${base}/v1/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");

    await expectProblem(await fetch(`${base}/v1/missing`), 404);
    const malformed = await fetch(`${base}/v1/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"title": ',
    });
    assert.match((await expectProblem(malformed, 400)).detail, /JSON/i);
    const wrongType = await fetch(`${base}/v1/echo`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    assert.match((await expectProblem(wrongType, 415)).detail, /text\/plain/);
  });
});

Deno.test("a listening server refuses an over-limit body with or without Content-Length", async () => {
  await withServer({ STAVE_MAX_BODY_BYTES: "4096" }, async (base) => {
    const sized = await fetch(`${base}/v1/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(10_000), bars: 1 }),
    });
    await expectProblem(sized, 413);

    // A chunked body has no Content-Length: the limit counts the streamed bytes.
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 16) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const chunked = await fetch(`${base}/v1/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    await expectProblem(chunked, 413);
  });
});
