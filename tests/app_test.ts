import assert from "node:assert/strict";
import { createApp } from "../app.ts";
import { FUNCTIONS } from "../functions/mod.ts";
import { echo } from "./support/echo_function.ts";
import { openTestServices } from "./support/services.ts";

const PROBLEM = "application/problem+json";

async function withApp(
  env: Record<string, string>,
  body: (app: ReturnType<typeof createApp>) => Promise<void>,
) {
  const services = await openTestServices(env);
  try {
    await body(createApp(services, { ...FUNCTIONS, echo }));
  } finally {
    await services.close();
  }
}

async function problemOf(response: Response, status: number) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), PROBLEM);
  const document = await response.json();
  assert.equal(document.status, status);
  assert.equal(typeof document.title, "string");
  assert.match(document.type, /^(urn:stave:problem:|about:blank)/);
  return document;
}

const json = (body: string, headers: Record<string, string> = {}) => ({
  method: "POST",
  body,
  headers: { "content-type": "application/json", ...headers },
});

Deno.test("createApp() answers GET /v1/health with every check ok", async () => {
  await withApp({}, async (app) => {
    const response = await app.request("/v1/health");
    assert.equal(response.status, 200);
    const report = await response.json();
    assert.equal(report.status, "ok");
    assert.equal(report.checks.database.kind, "pglite");
    assert.equal(report.checks.store.kind, "local");
    assert.deepEqual(report.checks.models.models.map((m: { name: string }) => m.name), [
      "tiny",
      "tiny-int8",
      "search-notes",
      "search-audio",
      "search-sheet",
    ]);
    assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  });
});

Deno.test("createApp() reports 503 when the model manifest cannot be read", async () => {
  await withApp({ STAVE_MODELS: "/nonexistent/models" }, async (app) => {
    const response = await app.request("/v1/health");
    assert.equal(response.status, 503);
    const report = await response.json();
    assert.equal(report.checks.models.status, "failing");
    assert.equal(report.checks.database.status, "ok");
  });
});

Deno.test("createApp() answers an unknown route with a 404 problem naming it", async () => {
  await withApp({}, async (app) => {
    const document = await problemOf(await app.request("/v1/nope", { method: "DELETE" }), 404);
    assert.equal(document.detail, "No route for DELETE /v1/nope");
    assert.equal(document.instance, "/v1/nope");
  });
});

Deno.test("createApp() answers malformed JSON with a 400 problem", async () => {
  await withApp({}, async (app) => {
    const document = await problemOf(await app.request("/v1/echo", json("{not json")), 400);
    assert.match(document.detail, /JSON/i);
  });
});

Deno.test("createApp() answers a wrong content type with a 415 problem naming it", async () => {
  await withApp({}, async (app) => {
    const response = await app.request("/v1/echo", {
      method: "POST",
      body: "title=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    const document = await problemOf(response, 415);
    assert.match(document.detail, /application\/x-www-form-urlencoded/);
    assert.deepEqual(document.accepted, ["application/json"]);
    await problemOf(await app.request("/v1/echo", { method: "POST", body: "{}" }), 415);
  });
});

Deno.test("createApp() answers a schema violation with a 400 naming each field", async () => {
  await withApp({}, async (app) => {
    const response = await app.request("/v1/echo", json('{"title": 7, "bars": 99}'));
    const document = await problemOf(response, 400);
    const fields = document.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ["bars", "title"]);
    assert.match(document.detail, /^Invalid json: /);
  });
});

Deno.test("createApp() passes a valid JSON body through", async () => {
  await withApp({}, async (app) => {
    const response = await app.request("/v1/echo", json('{"title": "Reel", "bars": 8}'));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { title: "Reel", bars: 8 });
  });
});

Deno.test("createApp() answers an over-limit body with a 413 problem", async () => {
  await withApp({ STAVE_MAX_BODY_BYTES: "2048" }, async (app) => {
    const big = JSON.stringify({ title: "x".repeat(4096), bars: 1 });
    const document = await problemOf(await app.request("/v1/echo", json(big)), 413);
    assert.equal(document.limit, 2048);
  });
});

Deno.test("createApp() hides an unexpected error behind a 500 problem", async () => {
  await withApp({}, async (app) => {
    const original = console.error;
    console.error = () => {};
    try {
      const response = await app.request("/v1/boom");
      const document = await problemOf(response, 500);
      assert.doesNotMatch(JSON.stringify(document), /secret/);
      assert.equal(document.requestId, response.headers.get("x-request-id"));
    } finally {
      console.error = original;
    }
  });
});

Deno.test("createApp() bounds request time with a 503 problem", async () => {
  await withApp({ STAVE_REQUEST_TIMEOUT_MS: "100" }, async (app) => {
    const document = await problemOf(await app.request("/v1/slow"), 503);
    assert.match(document.detail, /100 ms/);
    // Let the abandoned handler finish so no timer outlives the test.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  });
});

Deno.test("createApp() keeps a sane incoming request id and replaces a hostile one", async () => {
  await withApp({}, async (app) => {
    const kept = await app.request("/v1/health", { headers: { "x-request-id": "abc-123" } });
    assert.equal(kept.headers.get("x-request-id"), "abc-123");
    await kept.body?.cancel();
    const replaced = await app.request("/v1/health", {
      headers: { "x-request-id": "x".repeat(500) },
    });
    assert.notEqual(replaced.headers.get("x-request-id"), "x".repeat(500));
    await replaced.body?.cancel();
  });
});

Deno.test("createApp() allows only configured CORS origins", async () => {
  await withApp({}, async (app) => {
    const response = await app.request("/v1/health", { headers: { origin: "https://evil.test" } });
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    await response.body?.cancel();
  });
  await withApp({ STAVE_CORS_ORIGINS: "https://app.stave.test" }, async (app) => {
    const preflight = await app.request("/v1/health", {
      method: "OPTIONS",
      headers: { origin: "https://app.stave.test", "access-control-request-method": "GET" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.stave.test");
    const other = await app.request("/v1/health", { headers: { origin: "https://evil.test" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    await other.body?.cancel();
  });
});

Deno.test("createApp() serves an OpenAPI 3.1 document and a docs page of its routes", async () => {
  await withApp({}, async (app) => {
    const spec = await (await app.request("/v1/openapi.json")).json();
    assert.equal(spec.openapi, "3.1.0");
    assert.ok(spec.paths["/v1/health"].get);
    assert.ok(spec.paths["/v1/echo"].post.requestBody);
    const page = await app.request("/v1/docs");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    const html = await page.text();
    assert.match(html, /GET \/v1\/health/);
    assert.doesNotMatch(html, /<script/);
  });
});

Deno.test("createApp() mounts only the functions the config names", async () => {
  await withApp({ STAVE_FUNCTIONS: "echo" }, async (app) => {
    await problemOf(await app.request("/v1/health"), 404);
    const response = await app.request("/v1/echo", json('{"title": "Jig", "bars": 2}'));
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });
  const services = await openTestServices({ STAVE_FUNCTIONS: "health,nonesuch" });
  try {
    assert.throws(() => createApp(services), /Unknown function "nonesuch"/);
  } finally {
    await services.close();
  }
});
