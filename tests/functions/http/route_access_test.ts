/**
 * The OpenAPI document's access description (`withAccess()`), checked against the document and
 * against what the app does when a request comes without a key, or with one of too low a scope.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApiKey } from "../../../shared/access/mod.ts";
import { withTestApp } from "../../support/services.ts";

const PROBLEM = "application/problem+json";

type Security = Record<string, string[]>[];

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly security?: Security;
  readonly responses: Record<string, {
    content?: Record<string, unknown>;
    headers?: Record<string, unknown>;
  }>;
}

interface Document {
  readonly security?: Security;
  readonly components: { securitySchemes?: Record<string, Record<string, unknown>> };
  readonly paths: Record<string, Record<string, Omit<Operation, "method" | "path">>>;
}

function operations(document: Document): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method, path, ...operation }))
  );
}

/** The operation's own security, else the document's: what a client must send. */
const effective = (document: Document, op: Operation) => op.security ?? document.security ?? [];
/** Whether a request without a key may be admitted (an empty requirement, or none at all). */
const keyOptional = (security: Security) =>
  security.length === 0 || security.some((s) => Object.keys(s).length === 0);

const EXEMPT = ["get /v1/health", "post /v1/hooks/object-created"];
const name = (op: Operation) => `${op.method} ${op.path}`;

/** A request for `op` without a body: enough for the access checks, which run first. */
function requestFor(op: Operation, headers: Record<string, string> = {}): [string, RequestInit] {
  const path = op.path
    .replace("{id}", "00000000-0000-4000-8000-000000000000")
    .replace("{position}", "0")
    .replace("{file}", "manifest.json");
  return [path, { method: op.method.toUpperCase(), headers }];
}

async function documentOf(app: { request: (path: string) => Response | Promise<Response> }) {
  const response = await app.request("/v1/openapi.json");
  assert.equal(response.status, 200);
  return await response.json() as Document;
}

Deno.test("the OpenAPI document declares the bearerAuth HTTP bearer scheme", async () => {
  await withTestApp({}, async (app) => {
    const document = await documentOf(app);
    const scheme = document.components.securitySchemes?.bearerAuth;
    assert.equal(scheme?.type, "http");
    assert.equal(scheme?.scheme, "bearer");
    assert.match(String(scheme?.description), /Authorization: Bearer <key>/);
  });
});

Deno.test("every write operation requires bearerAuth with its scope, and says 401 and 403", async () => {
  await withTestApp({ STAVE_API_KEY: "bootstrap-admin-key-0123456789" }, async (app, services) => {
    const document = await documentOf(app);
    const writes = operations(document).filter((op) => !keyOptional(effective(document, op)));
    assert.deepEqual(writes.map(name).sort(), ["delete /v1/scores/{id}", "post /v1/scores"]);
    const reader = (await createApiKey(services.database.db, { name: "r", scopes: ["read"] }))
      .secret;
    for (const op of writes) {
      const scope = op.path === "/v1/scores" ? "write" : "admin";
      assert.deepEqual(op.security, [{ bearerAuth: [scope] }], name(op));
      for (const status of ["401", "403"]) {
        assert.ok(op.responses[status]?.content?.[PROBLEM], `${name(op)} ${status}`);
        assert.ok(op.responses[status]?.headers?.["WWW-Authenticate"], `${name(op)} ${status}`);
      }
      // What the document says is what the app does.
      const keyless = await app.request(...requestFor(op));
      assert.equal(keyless.status, 401, name(op));
      assert.equal(keyless.headers.get("content-type"), PROBLEM);
      await keyless.body?.cancel();
      const low = await app.request(...requestFor(op, { authorization: `Bearer ${reader}` }));
      assert.equal(low.status, 403, name(op));
      assert.equal((await low.json()).requiredScope, scope);
    }
  });
});

Deno.test("every rate-limited operation declares 429 as problem+json with Retry-After", async () => {
  await withTestApp({}, async (app) => {
    const document = await documentOf(app);
    const ops = operations(document);
    assert.ok(ops.length >= 12);
    for (const op of ops) {
      const tooMany = op.responses["429"];
      if (EXEMPT.includes(name(op))) {
        // Probes and the signed webhook are outside keys and rate limits, and say so.
        assert.equal(tooMany, undefined, name(op));
        assert.deepEqual(op.security, [], name(op));
        continue;
      }
      assert.ok(tooMany?.content?.[PROBLEM], name(op));
      const headers = tooMany.headers as Record<string, { schema: { type: string } }>;
      assert.equal(headers["Retry-After"]?.schema.type, "integer", name(op));
      assert.ok(headers.RateLimit && headers["RateLimit-Policy"], name(op));
      // Even a public read refuses a malformed, unknown or revoked key.
      assert.ok(op.responses["401"]?.content?.[PROBLEM], name(op));
    }
  });
});

for (const publicRead of [true, false]) {
  Deno.test(`read operations' security follows STAVE_PUBLIC_READ=${publicRead}`, async () => {
    await withTestApp({ STAVE_PUBLIC_READ: String(publicRead) }, async (app) => {
      const document = await documentOf(app);
      assert.deepEqual(
        document.security,
        publicRead ? [{}, { bearerAuth: [] }] : [{ bearerAuth: ["read"] }],
      );
      const reads = operations(document).filter((op) =>
        op.security === undefined && !EXEMPT.includes(name(op))
      );
      // models (2), recognize, scores (3: list, one, an excerpt), search, generate, classify, genres
      assert.equal(reads.length, 10);
      for (const op of reads) {
        // Every read answers a keyless request as its inherited security says.
        const response = await app.request(...requestFor(op));
        await response.body?.cancel();
        if (publicRead) assert.notEqual(response.status, 401, name(op));
        else assert.equal(response.status, 401, name(op));
      }
    });
  });
}
