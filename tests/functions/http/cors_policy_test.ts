/**
 * CORS through the whole app: no origin by default, the configured ones only, `*` only when
 * configured; preflights from other origins refused.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../../app.ts";
import { openTestServices } from "../../support/services.ts";

const ALLOWED = "https://app.example";
const OTHER = "https://evil.example";

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
  },
});

async function assertRefusedPreflight(response: Response, origin: string) {
  assert.equal(response.status, 403);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const document = await response.json();
  assert.equal(document.type, "urn:stave:problem:origin-not-allowed");
  assert.equal(document.detail, `Cross-origin requests from "${origin}" are not allowed`);
  assert.equal(response.headers.get("access-control-allow-origin"), null);
  assert.equal(response.headers.get("access-control-allow-methods"), null);
}

Deno.test("CORS follows STAVE_CORS_ORIGINS", async (t) => {
  const services = await openTestServices();
  const appFor = (origins: string[]) =>
    createApp({
      ...services,
      config: { ...services.config, http: { ...services.config.http, corsOrigins: origins } },
    });
  try {
    await t.step("by default no origin is allowed, and never *", async () => {
      const app = createApp(services);
      assert.deepEqual(services.config.http.corsOrigins, []);
      await assertRefusedPreflight(await app.request("/v1/scores", preflight(ALLOWED)), ALLOWED);
      const read = await app.request("/v1/scores", { headers: { origin: ALLOWED } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("access-control-allow-origin"), null);
    });

    await t.step("a configured origin gets its preflight and its answers' headers", async () => {
      const app = appFor([ALLOWED]);
      const response = await app.request("/v1/scores", preflight(ALLOWED));
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("access-control-allow-origin"), ALLOWED);
      assert.match(response.headers.get("access-control-allow-methods")!, /\bPOST\b/);
      assert.match(response.headers.get("access-control-allow-headers")!, /\bauthorization\b/);
      assert.equal(response.headers.get("access-control-max-age"), "600");
      assert.match(response.headers.get("vary")!, /Origin/);

      const read = await app.request("/v1/scores", { headers: { origin: ALLOWED } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("access-control-allow-origin"), ALLOWED);
      const exposed = read.headers.get("access-control-expose-headers")!.split(",");
      for (const header of ["x-request-id", "retry-after", "ratelimit", "ratelimit-policy"]) {
        assert.ok(exposed.includes(header), header);
      }
      // A problem answer carries the header too, so the page can read it.
      const missing = await app.request("/v1/nowhere", { headers: { origin: ALLOWED } });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get("access-control-allow-origin"), ALLOWED);
    });

    await t.step("other origins: preflight refused, answers without the allow header", async () => {
      const app = appFor([ALLOWED]);
      for (const origin of [OTHER, "http://app.example", `${ALLOWED}:8443`, "null"]) {
        await assertRefusedPreflight(await app.request("/v1/scores", preflight(origin)), origin);
        const read = await app.request("/v1/scores", { headers: { origin } });
        assert.equal(read.headers.get("access-control-allow-origin"), null, origin);
      }
      // An OPTIONS request that is not a preflight is not CORS's business.
      assert.equal((await app.request("/v1/scores", { method: "OPTIONS" })).status, 404);
    });

    await t.step("* is honoured only when configured", async () => {
      const app = appFor(["*"]);
      const response = await app.request("/v1/scores", preflight(OTHER));
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
    });
  } finally {
    await services.close();
  }
});
