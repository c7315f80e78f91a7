import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../shared/config.ts";

Deno.test("loadConfig() gives the embedded defaults for an empty environment", () => {
  const config = loadConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.host, "127.0.0.1");
  assert.deepEqual(config.database, { kind: "pglite", dir: "data/pg" });
  assert.deepEqual(config.store, { kind: "local", root: "data/objects" });
  assert.deepEqual(config.models, { kind: "local", dir: "models" });
  assert.deepEqual(config.onnx, { backend: "web", webgpu: false, threads: 1 });
  assert.equal(config.preloadModels, true);
  assert.equal(loadConfig({ STAVE_PRELOAD_MODELS: "false" }).preloadModels, false);
  assert.deepEqual(config.http.corsOrigins, []);
  assert.deepEqual(config.web, { dir: "web/dist" });
  assert.equal(config.functions, undefined);
});

Deno.test("loadConfig() returns a deeply frozen object", () => {
  const config = loadConfig({});
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.http));
  assert.throws(() => {
    (config.http as { maxBodyBytes: number }).maxBodyBytes = 1;
  }, TypeError);
});

Deno.test("loadConfig() reads a Postgres URL, S3 store and S3 models", () => {
  const config = loadConfig({
    STAVE_DATA_DIR: "/srv/stave",
    STAVE_DATABASE_URL: "postgres://stave:pw@db:5432/stave",
    STAVE_S3_BUCKET: "stave-objects",
    STAVE_S3_PREFIX: "uploads/",
    STAVE_S3_ENDPOINT: "http://127.0.0.1:4569",
    STAVE_S3_ACCESS_KEY_ID: "id",
    STAVE_S3_SECRET_ACCESS_KEY: "secret",
    STAVE_MODELS: "s3://stave-models/v1",
    STAVE_FUNCTIONS: "health, recognize",
    STAVE_CORS_ORIGINS: "https://app.stave.test,http://localhost:5173",
  });
  assert.deepEqual(config.database, { kind: "postgres", url: "postgres://stave:pw@db:5432/stave" });
  assert.equal(config.store.kind, "s3");
  if (config.store.kind === "s3") {
    assert.equal(config.store.bucket, "stave-objects");
    assert.equal(config.store.prefix, "uploads/");
    assert.equal(config.store.s3.forcePathStyle, true);
    assert.equal(config.store.s3.region, "us-east-1");
  }
  assert.equal(config.models.kind, "s3");
  if (config.models.kind === "s3") {
    assert.equal(config.models.bucket, "stave-models");
    assert.equal(config.models.prefix, "v1");
  }
  assert.deepEqual(config.functions, ["health", "recognize"]);
  assert.deepEqual(config.http.corsOrigins, ["https://app.stave.test", "http://localhost:5173"]);
});

const bad: [Record<string, string>, string, RegExp][] = [
  [{ PORT: "eighty" }, "PORT", /expected an integer, got "eighty"/],
  [{ PORT: "70000" }, "PORT", /expected 0\.\.65535/],
  [{ STAVE_DATABASE_URL: "mysql://x" }, "STAVE_DATABASE_URL", /postgres:\/\//],
  [{ STAVE_S3_BUCKET: "Bad_Bucket" }, "STAVE_S3_BUCKET", /not a valid bucket name/],
  [{ STAVE_S3_BUCKET: "ok-bucket", STAVE_S3_ENDPOINT: "not a url" }, "STAVE_S3_ENDPOINT", /URL/],
  [
    { STAVE_S3_BUCKET: "ok-bucket", STAVE_S3_ACCESS_KEY_ID: "id" },
    "STAVE_S3_SECRET_ACCESS_KEY",
    /both/,
  ],
  [{ STAVE_MODELS: "s3://" }, "STAVE_MODELS", /s3:\/\/bucket\/prefix/],
  [{ STAVE_ONNX_BACKEND: "cuda" }, "STAVE_ONNX_BACKEND", /expected web or node/],
  [{ STAVE_WEBGPU: "maybe" }, "STAVE_WEBGPU", /true or false/],
  [{ STAVE_ORT_THREADS: "0" }, "STAVE_ORT_THREADS", /1\.\.64/],
  [{ STAVE_PRELOAD_MODELS: "later" }, "STAVE_PRELOAD_MODELS", /true or false/],
  [{ STAVE_MAX_BODY_BYTES: "-1" }, "STAVE_MAX_BODY_BYTES", /integer/],
  [{ STAVE_CORS_ORIGINS: "app.stave.test" }, "STAVE_CORS_ORIGINS", /not an origin/],
  [{ STAVE_GENERATE_MAX_TEMPERATURE: "hot" }, "STAVE_GENERATE_MAX_TEMPERATURE", /0\.1\.\.10/],
  [{ STAVE_GENERATE_MAX_TEMPERATURE: "11" }, "STAVE_GENERATE_MAX_TEMPERATURE", /got "11"/],
  [{ STAVE_GENERATE_MAX_TOKENS: "100" }, "STAVE_GENERATE_MAX_TOKENS", /512\.\./],
];

for (const [env, key, message] of bad) {
  Deno.test(`loadConfig() rejects ${key}=${Object.values(env).at(-1)} naming the variable`, () => {
    assert.throws(() => loadConfig(env), (caught: unknown) => {
      assert.ok(caught instanceof ConfigError);
      assert.equal(caught.key, key);
      assert.match(caught.message, new RegExp(`^Invalid configuration ${key}: `));
      assert.match(caught.message, message);
      return true;
    });
  });
}

Deno.test("loadConfig() treats blank values as unset", () => {
  const config = loadConfig({ PORT: " ", STAVE_DATABASE_URL: "" });
  assert.equal(config.port, 8000);
  assert.equal(config.database.kind, "pglite");
});

Deno.test("loadConfig() reads the library, hook and API key settings", () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.library, { excerptMeasures: 4, jobStaleSeconds: 600 });
  assert.deepEqual(defaults.hooks, { secret: undefined, windowSeconds: 300 });
  assert.deepEqual(defaults.auth, { apiKey: undefined, publicRead: true, trustedProxies: 0 });
  const config = loadConfig({
    STAVE_EXCERPT_MEASURES: "8",
    STAVE_JOB_STALE_SECONDS: "120",
    STAVE_HOOK_SECRET: "0123456789abcdef",
    STAVE_HOOK_WINDOW_SECONDS: "60",
    STAVE_API_KEY: "key-of-sixteen-c",
  });
  assert.deepEqual(config.library, { excerptMeasures: 8, jobStaleSeconds: 120 });
  assert.deepEqual(config.hooks, { secret: "0123456789abcdef", windowSeconds: 60 });
  assert.deepEqual(config.auth, {
    apiKey: "key-of-sixteen-c",
    publicRead: true,
    trustedProxies: 0,
  });
});

Deno.test("loadConfig() reads the access settings: public reads, proxies, rate limits", () => {
  assert.deepEqual(loadConfig({}).rateLimits, {
    perKey: { perMinute: 600, burst: 60 },
    perIp: { perMinute: 120, burst: 30 },
  });
  const config = loadConfig({
    STAVE_PUBLIC_READ: "false",
    STAVE_TRUSTED_PROXIES: "2",
    STAVE_RATE_LIMIT_KEY_PER_MINUTE: "0",
    STAVE_RATE_LIMIT_KEY_BURST: "5",
    STAVE_RATE_LIMIT_IP_PER_MINUTE: "30",
    STAVE_RATE_LIMIT_IP_BURST: "3",
  });
  assert.equal(config.auth.publicRead, false);
  assert.equal(config.auth.trustedProxies, 2);
  assert.deepEqual(config.rateLimits, {
    perKey: { perMinute: 0, burst: 5 },
    perIp: { perMinute: 30, burst: 3 },
  });
  assert.throws(() => loadConfig({ STAVE_PUBLIC_READ: "maybe" }), /STAVE_PUBLIC_READ/);
  assert.throws(() => loadConfig({ STAVE_TRUSTED_PROXIES: "11" }), /STAVE_TRUSTED_PROXIES/);
  assert.throws(() => loadConfig({ STAVE_RATE_LIMIT_IP_BURST: "0" }), /STAVE_RATE_LIMIT_IP_BURST/);
  assert.throws(() => loadConfig({ STAVE_RATE_LIMIT_KEY_PER_MINUTE: "-1" }), /KEY_PER_MINUTE/);
});

Deno.test("loadConfig() refuses a short secret without repeating it", () => {
  for (const key of ["STAVE_HOOK_SECRET", "STAVE_API_KEY"]) {
    assert.throws(() => loadConfig({ [key]: "hunter2" }), (caught: unknown) => {
      assert.ok(caught instanceof ConfigError);
      assert.equal(caught.key, key);
      assert.match(caught.message, /at least 16 characters/);
      assert.doesNotMatch(caught.message, /hunter2/);
      return true;
    });
  }
  assert.throws(() => loadConfig({ STAVE_EXCERPT_MEASURES: "0" }), /1\.\.64/);
});

Deno.test("loadConfig() reads the generation and classification settings", () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.generate, {
    model: "melody",
    maxMeasures: 64,
    maxTemperature: 2,
    maxTokens: 8192,
    timeoutMs: 20_000,
  });
  assert.deepEqual(defaults.classify, { model: "genre", maxWindows: 512 });
  const config = loadConfig({
    STAVE_GENERATE_MODEL: "melody",
    STAVE_GENERATE_MAX_MEASURES: "16",
    STAVE_GENERATE_MAX_TEMPERATURE: "1.5",
    STAVE_GENERATE_MAX_TOKENS: "1024",
    STAVE_GENERATE_TIMEOUT_MS: "5000",
    STAVE_CLASSIFY_MODEL: "genre-2",
    STAVE_CLASSIFY_MAX_WINDOWS: "64",
  });
  assert.deepEqual(config.generate, {
    model: "melody",
    maxMeasures: 16,
    maxTemperature: 1.5,
    maxTokens: 1024,
    timeoutMs: 5000,
  });
  assert.deepEqual(config.classify, { model: "genre-2", maxWindows: 64 });
});
