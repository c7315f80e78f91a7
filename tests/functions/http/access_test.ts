/**
 * Access control through the whole app, on real PGlite with keys made by `createApiKey()`: scopes
 * on each write endpoint, revoked keys, public reads on and off, rate limits (in process with a
 * connection's address, and over a real server for `X-Forwarded-For`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../../app.ts";
import { createApiKey, revokeApiKey } from "../../../shared/access/mod.ts";
import type { Config } from "../../../shared/config.ts";
import { countRows, keysIn, resetLibrary } from "../../support/library.ts";
import { ABC_REEL } from "../../support/scores.ts";
import { openTestServices, type TestServices } from "../../support/services.ts";

const BOOTSTRAP = "bootstrap-admin-key-0123456789";
const PROBLEM = "application/problem+json";

type App = ReturnType<typeof createApp>;

interface Keys {
  reader: string;
  writer: string;
  admin: string;
  revoked: string;
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

function upload(headers: Record<string, string> = {}): RequestInit {
  const body = new FormData();
  body.append("file", new File([ABC_REEL], "reel.abc"));
  body.append("title", "Reel");
  return { method: "POST", body, headers };
}

async function problemOf(response: Response, status: number, detail: RegExp) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), PROBLEM);
  const document = await response.json();
  assert.match(document.detail, detail);
  assert.equal(document.status, status);
  return document;
}

/** The app over `services` with configuration changes, sharing the database and store. */
function appWith(services: TestServices, change: (config: Config) => Partial<Config>): App {
  return createApp({ ...services, config: { ...services.config, ...change(services.config) } });
}

/** A connection's info as `Deno.serve` passes it, for in-process requests from `hostname`. */
const from = (hostname: string) => ({
  remoteAddr: { transport: "tcp" as const, hostname, port: 40_000 },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function storeOne(app: App): Promise<string> {
  const response = await app.request("/v1/scores", upload(bearer(BOOTSTRAP)));
  assert.equal(response.status, 201);
  return (await response.json()).id;
}

Deno.test("access: API keys, scopes, public reads and rate limits", async (t) => {
  const services = await openTestServices({ STAVE_API_KEY: BOOTSTRAP });
  const db = services.database.db;
  const make = async (name: string, scopes: string) =>
    (await createApiKey(db, { name, scopes })).secret;
  const keys: Keys = {
    reader: await make("reader", "read"),
    writer: await make("writer", "write"),
    admin: await make("admin", "admin"),
    revoked: await make("revoked", "admin"),
  };
  const revokedId = (await db.selectFrom("api_keys").select("id").where("name", "=", "revoked")
    .executeTakeFirstOrThrow()).id;
  await revokeApiKey(db, revokedId);
  const app = createApp(services);
  const step = (name: string, body: () => Promise<void>) =>
    t.step(name, async () => {
      await resetLibrary(db, services.store);
      await body();
    });

  try {
    await step(
      "POST /v1/scores: 401 without a valid key, 403 with read, 201 with write",
      async () => {
        const missing = await app.request("/v1/scores", upload());
        const document = await problemOf(missing, 401, /Missing API key.*"write"/);
        assert.equal(document.type, "urn:stave:problem:unauthorized");
        assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="stave"');

        const wrong = await app.request("/v1/scores", upload(bearer(`stv_${"A".repeat(43)}`)));
        await problemOf(wrong, 401, /^Invalid API key$/);
        assert.equal(
          wrong.headers.get("www-authenticate"),
          'Bearer realm="stave", error="invalid_token"',
        );
        await problemOf(
          await app.request("/v1/scores", upload({ authorization: keys.writer })),
          401,
          /expected Bearer <key>/,
        );

        const forbidden = await app.request("/v1/scores", upload(bearer(keys.reader)));
        const refused = await problemOf(forbidden, 403, /lacks the scope "write": it has read/);
        assert.equal(refused.type, "urn:stave:problem:insufficient-scope");
        assert.equal(refused.requiredScope, "write");
        assert.deepEqual(refused.scopes, ["read"]);
        assert.equal(
          forbidden.headers.get("www-authenticate"),
          'Bearer realm="stave", error="insufficient_scope", scope="write"',
        );
        assert.ok(!JSON.stringify(refused).includes(keys.reader), "the key is not echoed");
        assert.deepEqual(await countRows(db), { scores: 0, excerpts: 0, jobs: 0, deliveries: 0 });
        assert.deepEqual(await keysIn(services.store), []);

        for (const secret of [keys.writer, keys.admin, BOOTSTRAP]) {
          await resetLibrary(db, services.store);
          assert.equal((await app.request("/v1/scores", upload(bearer(secret)))).status, 201);
        }
      },
    );

    await step(
      "DELETE /v1/scores/{id}: 401 without a key, 403 below admin, 204 with admin",
      async () => {
        const id = await storeOne(app);
        const remove = (headers: Record<string, string> = {}) =>
          app.request(`/v1/scores/${id}`, { method: "DELETE", headers });
        await problemOf(await remove(), 401, /Missing API key.*"admin"/);
        await problemOf(await remove(bearer(keys.reader)), 403, /lacks the scope "admin"/);
        await problemOf(await remove(bearer(keys.writer)), 403, /lacks the scope "admin"/);
        assert.equal((await app.request(`/v1/scores/${id}`)).status, 200, "still there");
        assert.equal((await remove(bearer(keys.admin))).status, 204);
        assert.equal((await app.request(`/v1/scores/${id}`)).status, 404);
        // The environment's key is an admin key too.
        const other = await storeOne(app);
        const byBootstrap = await app.request(`/v1/scores/${other}`, {
          method: "DELETE",
          headers: bearer(BOOTSTRAP),
        });
        assert.equal(byBootstrap.status, 204);
      },
    );

    await step("a revoked key is refused everywhere, public reads included", async () => {
      const id = await storeOne(app);
      for (
        const [path, init] of [
          ["/v1/scores", upload(bearer(keys.revoked))],
          [`/v1/scores/${id}`, { method: "DELETE", headers: bearer(keys.revoked) }],
          ["/v1/scores", { headers: bearer(keys.revoked) }],
        ] as const
      ) {
        const response = await app.request(path, init);
        await problemOf(response, 401, /^Revoked API key$/);
        assert.match(response.headers.get("www-authenticate")!, /error="invalid_token"/);
      }
      assert.equal((await app.request(`/v1/scores/${id}`)).status, 200);
      assert.equal((await countRows(db)).scores, 1);
    });

    await step("reads are public by default; the webhook and health are outside keys", async () => {
      assert.equal((await app.request("/v1/scores")).status, 200);
      assert.equal((await app.request("/v1/models")).status, 200);
      assert.equal((await app.request("/v1/scores", { headers: bearer(keys.reader) })).status, 200);
      await problemOf(
        await app.request("/v1/scores", { headers: bearer(`stv_${"B".repeat(43)}`) }),
        401,
        /Invalid API key/,
      );
      // A key sent to the webhook is not looked at: its own check answers (no secret here: 503).
      const hook = await app.request("/v1/hooks/object-created", {
        method: "POST",
        headers: { ...bearer("not-a-key"), "content-type": "application/json" },
        body: "{}",
      });
      await problemOf(hook, 503, /STAVE_HOOK_SECRET/);
      assert.equal((await app.request("/v1/health", { headers: bearer("nope") })).status, 200);
    });

    await step("with STAVE_PUBLIC_READ=false every read needs the scope read", async () => {
      const closed = appWith(services, (c) => ({ auth: { ...c.auth, publicRead: false } }));
      const id = await storeOne(closed);
      const reads = ["/v1/scores", `/v1/scores/${id}`, "/v1/models", "/v1/models/manifest.json"];
      for (const path of reads) {
        const response = await closed.request(path);
        await problemOf(response, 401, /Missing API key.*"read"/);
        assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="stave"');
        for (const secret of [keys.reader, keys.writer, keys.admin, BOOTSTRAP]) {
          assert.equal((await closed.request(path, { headers: bearer(secret) })).status, 200);
        }
      }
      // Recognition reads nothing stored but is a read all the same.
      await problemOf(
        await closed.request("/v1/recognize", {
          method: "POST",
          body: new Uint8Array(8),
          headers: { "content-type": "image/png" },
        }),
        401,
        /"read"/,
      );
      await problemOf(await closed.request("/v1/nowhere"), 401, /"read"/);
      // Probes and the API's description stay open.
      for (const path of ["/v1/health", "/v1/openapi.json", "/v1/docs"]) {
        assert.equal((await closed.request(path)).status, 200, path);
      }
      // And the default app, on the same database, still answers reads without a key.
      assert.equal((await app.request(`/v1/scores/${id}`)).status, 200);
    });

    await step(
      "per-address limit: 429 with Retry-After past the burst, then recovery",
      async () => {
        const limited = appWith(services, (c) => ({
          // A token every 2 s: the three requests come well within that, and the wait is short.
          rateLimits: { ...c.rateLimits, perIp: { perMinute: 30, burst: 2 } },
        }));
        const client = from("203.0.113.7");
        const first = await limited.request("/v1/scores", {}, client);
        assert.equal(first.status, 200);
        assert.equal(first.headers.get("ratelimit-policy"), '"ip";q=2;w=4');
        assert.equal(first.headers.get("ratelimit"), '"ip";r=1;t=2');
        assert.equal((await limited.request("/v1/scores", {}, client)).status, 200);
        const refused = await limited.request("/v1/scores", {}, client);
        const document = await problemOf(refused, 429, /per client address is 30 a minute/);
        assert.equal(document.type, "urn:stave:problem:rate-limited");
        const retryAfter = Number(refused.headers.get("retry-after"));
        assert.equal(retryAfter, 2);
        assert.equal(document.retryAfter, 2);
        assert.match(refused.headers.get("ratelimit")!, /^"ip";r=0;t=\d+$/);
        // Other addresses have their own buckets; in-process requests have no address to count.
        assert.equal((await limited.request("/v1/scores", {}, from("198.51.100.1"))).status, 200);
        for (let i = 0; i < 5; i++) assert.equal((await limited.request("/v1/scores")).status, 200);
        // Health is exempt.
        assert.equal((await limited.request("/v1/health", {}, client)).status, 200);

        await sleep(retryAfter * 1000);
        assert.equal((await limited.request("/v1/scores", {}, client)).status, 200);
      },
    );

    await step(
      "per-key limit: a key has its own bucket; refused keys count against the address",
      async () => {
        const limited = appWith(services, () => ({
          // A token every 10 s: nothing refills while the step runs.
          rateLimits: { perKey: { perMinute: 6, burst: 1 }, perIp: { perMinute: 6, burst: 2 } },
        }));
        const client = from("203.0.113.8");
        const read = (headers: Record<string, string> = {}) =>
          limited.request("/v1/scores", { headers }, client);
        // Two wrong keys use up the address's burst: the third try is a 429, not a 401.
        await problemOf(await read(bearer("wrong-key-0123456789")), 401, /Invalid API key/);
        await problemOf(await read(bearer("wrong-key-0123456789")), 401, /Invalid API key/);
        await problemOf(await read(bearer("wrong-key-0123456789")), 429, /per client address/);
        await problemOf(await read(), 429, /per client address/);
        // A valid key from the same address counts against the key, not the address.
        const ok = await read(bearer(keys.reader));
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.get("ratelimit-policy"), '"key";q=1;w=10');
        const refused = await read(bearer(keys.reader));
        await problemOf(refused, 429, /per API key is 6 a minute with bursts of 1; retry in 10 s/);
        assert.equal(refused.headers.get("retry-after"), "10");
        assert.equal((await read(bearer(keys.writer))).status, 200, "another key, another bucket");
      },
    );
  } finally {
    await services.close();
  }
});

Deno.test("access over a real server: X-Forwarded-For counts only behind trusted proxies", async () => {
  const services = await openTestServices();
  const serve = (trustedProxies: number) => {
    const app = appWith(services, (c) => ({
      auth: { ...c.auth, trustedProxies },
      rateLimits: { ...c.rateLimits, perIp: { perMinute: 1, burst: 1 } },
    }));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
    const get = async (forwardedFor?: string) => {
      const headers: Record<string, string> = forwardedFor
        ? { "x-forwarded-for": forwardedFor }
        : {};
      const response = await fetch(`http://127.0.0.1:${server.addr.port}/v1/scores`, { headers });
      await response.body?.cancel();
      return response.status;
    };
    return { server, get };
  };
  const direct = serve(0);
  const proxied = serve(1);
  try {
    // Untrusted: every request is 127.0.0.1's, whatever the header claims.
    assert.equal(await direct.get("203.0.113.1"), 200);
    assert.equal(await direct.get("203.0.113.2"), 429);
    assert.equal(await direct.get(), 429);

    // Trusted: the entry the proxy appended is the client; earlier entries are the client's claims.
    assert.equal(await proxied.get("203.0.113.1"), 200);
    assert.equal(await proxied.get("203.0.113.1"), 429);
    assert.equal(await proxied.get("6.6.6.6, 203.0.113.1"), 429);
    assert.equal(await proxied.get("203.0.113.2"), 200);
    assert.equal(await proxied.get(), 200, "without the header, the connection's address");
    assert.equal(await proxied.get("not-an-address"), 429, "a bad entry falls back to it");
  } finally {
    await direct.server.shutdown();
    await proxied.server.shutdown();
    await services.close();
  }
});
