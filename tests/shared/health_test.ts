import assert from "node:assert/strict";
import { checkHealth } from "../../shared/health.ts";
import { openTestServices } from "../support/services.ts";

/** Holds this thread the way a model load does (onnxruntime-web creates sessions synchronously). */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

Deno.test("checkHealth() stays ok when a synchronous stall past its timeout holds the answers", async () => {
  const services = await openTestServices();
  try {
    const report = checkHealth(services);
    stall(2_300);
    const { status, checks } = await report;
    assert.equal(status, "ok", JSON.stringify(checks));
  } finally {
    await services.close();
  }
});

Deno.test("checkHealth() still fails a store that never answers, after its timeout", async () => {
  // A real S3 endpoint that accepts connections and never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) connections.push(conn);
  })();
  const services = await openTestServices({
    STAVE_S3_BUCKET: "silent-bucket",
    STAVE_S3_ENDPOINT: `http://127.0.0.1:${listener.addr.port}`,
    STAVE_S3_ACCESS_KEY_ID: "test",
    STAVE_S3_SECRET_ACCESS_KEY: "test-secret",
  });
  try {
    const t0 = performance.now();
    const { status, checks } = await checkHealth(services);
    assert.equal(status, "failing");
    assert.equal(checks.store.status, "failing");
    assert.match(checks.store.error ?? "", /No answer within 2000 ms/);
    assert.equal(checks.database.status, "ok");
    assert.ok(performance.now() - t0 < 3_000);
  } finally {
    await services.close();
    listener.close();
    connections.forEach((conn) => conn.close());
    await accepting;
  }
});
