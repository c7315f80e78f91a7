import assert from "node:assert/strict";
import { runSoak } from "./soak.ts";

Deno.test("a short soak: concurrent clients get every endpoint answered with no error", async () => {
  const r = await runSoak(4, 4);
  assert.deepEqual(r.errors, {});
  for (const [name, l] of Object.entries(r.latency)) {
    assert.ok(l.count > 0, `${name} answered nothing`);
    assert.ok(l.p50 > 0 && l.p50 <= l.p95 && l.p95 <= l.p99, `${name}: ${JSON.stringify(l)}`);
  }
  assert.equal(Object.keys(r.latency).length, 4);
  assert.ok(r.peakRssMiB > 50, `peak RSS ${r.peakRssMiB} MiB`);
});
