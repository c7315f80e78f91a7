/**
 * Stave's configuration: read once from the environment into a frozen, typed object.
 *
 * Every setting has an embedded default so that `deno task start` works on a fresh clone:
 * PGlite under `./data/pg`, a local object store under `./data/objects`, models from `models/`.
 * A bad value stops start-up with a {@linkcode ConfigError} that names the variable.
 *
 * @module
 */
import { readSearchConfig, type SearchConfig } from "./search/search_config.ts";

/** Where the database lives: embedded PGlite in a folder, or a Postgres server by URL. */
export type DatabaseConfig =
  | { readonly kind: "pglite"; readonly dir: string }
  | { readonly kind: "postgres"; readonly url: string };

/** Connection settings shared by every S3 client Stave builds (objects and models). */
export interface S3Connection {
  /** Custom endpoint for S3-compatible servers; `undefined` means AWS. */
  readonly endpoint?: string;
  /** AWS region; S3-compatible servers usually accept any. */
  readonly region: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  readonly forcePathStyle: boolean;
  /** Static credentials; when both are unset the AWS default provider chain is used. */
  readonly accessKeyId?: string;
  /** Static secret; set together with `accessKeyId`. */
  readonly secretAccessKey?: string;
}

/** A place in S3: a bucket, a key prefix and how to reach it. */
export interface S3Location {
  /** Marks the S3 variant of a location union. */
  readonly kind: "s3";
  /** The bucket. */
  readonly bucket: string;
  /** Prepended to every key. */
  readonly prefix: string;
  /** How to reach the server. */
  readonly s3: S3Connection;
}

/** Where uploaded scores and other objects live. */
export type StoreConfig = { readonly kind: "local"; readonly root: string } | S3Location;

/** Where the model manifest and ONNX files are read from. */
export type ModelsConfig = { readonly kind: "local"; readonly dir: string } | S3Location;

/** Which onnxruntime runs the models. */
export type OnnxBackend = "web" | "node";

/** The whole configuration of a Stave process. */
export interface Config {
  /** TCP port the server listens on (`PORT`). */
  readonly port: number;
  /** Interface the server binds (`STAVE_HOST`). */
  readonly host: string;
  /** Root of the embedded defaults (`STAVE_DATA_DIR`). */
  readonly dataDir: string;
  /** Database location. */
  readonly database: DatabaseConfig;
  /** Object store location. */
  readonly store: StoreConfig;
  /** Model artifacts location. */
  readonly models: ModelsConfig;
  /** ONNX runtime settings. */
  readonly onnx: {
    /** `web` (WASM, default, runs on edge hosts) or `node` (N-API addon, servers only). */
    readonly backend: OnnxBackend;
    /** Try WebGPU when `navigator.gpu` exists (web backend only). */
    readonly webgpu: boolean;
    /** WASM threads; 1 was fastest on 2 cores. */
    readonly threads: number;
  };
  /** Load the models the mounted functions run in the background at start (`main.ts` only). */
  readonly preloadModels: boolean;
  /** HTTP settings. */
  readonly http: {
    /** Largest request body accepted, in bytes. */
    readonly maxBodyBytes: number;
    /** Origins allowed by CORS; empty means same-origin only, `["*"]` means any. */
    readonly corsOrigins: readonly string[];
    /** Upper bound on the time one request may take, in milliseconds. */
    readonly requestTimeoutMs: number;
  };
  /** Staff recognition settings. */
  readonly recognize: {
    /** Manifest name of the OMR model used by default. */
    readonly model: string;
    /** Largest image (width x height) decoded; checked from the header, before decoding. */
    readonly maxPixels: number;
    /** Largest beam width a request may ask for. */
    readonly maxBeamWidth: number;
  };
  /** Melody generation (`POST /v1/generate`): the model and the bounds of one request. */
  readonly generate: {
    /** Manifest name of the generator (task `generate`). */
    readonly model: string;
    /** Most measures a request may ask for. */
    readonly maxMeasures: number;
    /** Highest sampling temperature a request may ask for. */
    readonly maxTemperature: number;
    /** Most tokens in one line, primer included; past it the line ends at its last bar. */
    readonly maxTokens: number;
    /** Time one generation may take, in milliseconds; past it the line ends at its last bar. */
    readonly timeoutMs: number;
  };
  /** Genre classification (`POST /v1/classify`). */
  readonly classify: {
    /** Manifest name of the classifier (task `classify`). */
    readonly model: string;
    /** Most piano-roll windows one piece may fill (a window is eight 4/4 bars). */
    readonly maxWindows: number;
  };
  /** Search: the encoders and the bounds of `POST /v1/search` (`search/search_config.ts`). */
  readonly search: SearchConfig;
  /** The library: stored scores, their excerpts and the jobs that index them. */
  readonly library: {
    /** Measures per excerpt of a score's first voice. */
    readonly excerptMeasures: number;
    /** Seconds after which a running job whose heartbeat stopped may be run again. */
    readonly jobStaleSeconds: number;
  };
  /** The signed object-created webhook. */
  readonly hooks: {
    /** Shared HMAC-SHA256 secret; unset means the webhook accepts nothing. */
    readonly secret?: string;
    /** Largest distance between a delivery's timestamp and now, in seconds. */
    readonly windowSeconds: number;
  };
  /** Who may do what: API keys (stored in `api_keys`, scoped) and the public reads. */
  readonly auth: {
    /** The bootstrap admin key from the environment; unset means stored keys only. */
    readonly apiKey?: string;
    /** Whether read endpoints answer without a key; when not, they need the `read` scope. */
    readonly publicRead: boolean;
    /** Reverse proxies in front whose `X-Forwarded-For` entries name the client; 0 trusts none. */
    readonly trustedProxies: number;
  };
  /** Token-bucket rate limits per process; a rate of 0 turns one off. */
  readonly rateLimits: {
    /** Requests with a valid key, per key. */
    readonly perKey: RateLimitConfig;
    /** Requests without a valid key, per client address (an IPv6 /64). */
    readonly perIp: RateLimitConfig;
  };
  /** The web app. */
  readonly web: {
    /** Folder of the built web app (`deno task build:web` writes it), served at `/`. */
    readonly dir: string;
  };
  /** Functions mounted under `/v1`; `undefined` means all of them. */
  readonly functions?: readonly string[];
}

/** One rate limit: a sustained rate and the burst allowed above it. */
export interface RateLimitConfig {
  /** Requests a minute; 0 means unlimited. */
  readonly perMinute: number;
  /** Requests allowed at once after a quiet spell. */
  readonly burst: number;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  /** The environment variable at fault. */
  readonly key: string;

  /** Creates the error for `key` with a message that says what is wrong. */
  constructor(key: string, message: string) {
    super(`Invalid configuration ${key}: ${message}`);
    this.name = "ConfigError";
    this.key = key;
  }
}

/** An environment as a plain record, so tests can pass their own. */
export type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, key: string): string | undefined {
  const value = env[key]?.trim();
  return value === "" ? undefined : value;
}

function integer(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = text(env, key);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(key, `expected an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(key, `expected ${min}..${max}, got ${value}`);
  }
  return value;
}

function decimal(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = text(env, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) {
    throw new ConfigError(key, `expected a number in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: Env, key: string, fallback: boolean): boolean {
  const raw = text(env, key)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(key, `expected true or false, got "${raw}"`);
}

/** A secret of at least `minLength` characters, or `undefined` when unset. */
function secret(env: Env, key: string, minLength: number): string | undefined {
  const value = text(env, key);
  if (value !== undefined && value.length < minLength) {
    // The value itself is never part of the message.
    throw new ConfigError(key, `expected at least ${minLength} characters`);
  }
  return value;
}

function list(env: Env, key: string): string[] | undefined {
  const raw = text(env, key);
  if (raw === undefined) return undefined;
  return raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** `<prefix>_PER_MINUTE` (0 = off) and `<prefix>_BURST`. */
function rateLimit(env: Env, prefix: string, perMinute: number, burst: number): RateLimitConfig {
  return {
    perMinute: integer(env, `${prefix}_PER_MINUTE`, perMinute, 0, 1_000_000),
    burst: integer(env, `${prefix}_BURST`, burst, 1, 1_000_000),
  };
}

function join(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

function s3Connection(env: Env): S3Connection {
  const endpoint = text(env, "STAVE_S3_ENDPOINT");
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new ConfigError("STAVE_S3_ENDPOINT", `expected a URL, got "${endpoint}"`);
  }
  const accessKeyId = text(env, "STAVE_S3_ACCESS_KEY_ID");
  const secretAccessKey = text(env, "STAVE_S3_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      accessKeyId === undefined ? "STAVE_S3_ACCESS_KEY_ID" : "STAVE_S3_SECRET_ACCESS_KEY",
      "set both STAVE_S3_ACCESS_KEY_ID and STAVE_S3_SECRET_ACCESS_KEY, or neither",
    );
  }
  return {
    endpoint,
    region: text(env, "STAVE_S3_REGION") ?? "us-east-1",
    forcePathStyle: boolean(env, "STAVE_S3_FORCE_PATH_STYLE", endpoint !== undefined),
    accessKeyId,
    secretAccessKey,
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bucketName(key: string, value: string): string {
  if (!BUCKET.test(value)) throw new ConfigError(key, `"${value}" is not a valid bucket name`);
  return value;
}

function databaseConfig(env: Env, dataDir: string): DatabaseConfig {
  const url = text(env, "STAVE_DATABASE_URL");
  if (url === undefined) return { kind: "pglite", dir: join(dataDir, "pg") };
  if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url)) {
    throw new ConfigError("STAVE_DATABASE_URL", "expected a postgres:// or postgresql:// URL");
  }
  return { kind: "postgres", url };
}

function storeConfig(env: Env, dataDir: string): StoreConfig {
  const bucket = text(env, "STAVE_S3_BUCKET");
  if (bucket === undefined) return { kind: "local", root: join(dataDir, "objects") };
  return {
    kind: "s3",
    bucket: bucketName("STAVE_S3_BUCKET", bucket),
    prefix: text(env, "STAVE_S3_PREFIX") ?? "",
    s3: s3Connection(env),
  };
}

function modelsConfig(env: Env): ModelsConfig {
  const raw = text(env, "STAVE_MODELS") ?? "models";
  if (!raw.startsWith("s3://")) return { kind: "local", dir: raw };
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(raw);
  if (match === null) {
    throw new ConfigError("STAVE_MODELS", `expected s3://bucket/prefix, got "${raw}"`);
  }
  return {
    kind: "s3",
    bucket: bucketName("STAVE_MODELS", match[1]!),
    prefix: match[2]!,
    s3: s3Connection(env),
  };
}

/**
 * Reads the configuration from `env` (the process environment by default).
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const config = loadConfig({ PORT: "9000" });
 * console.assert(config.port === 9000 && config.database.kind === "pglite");
 * ```
 * @throws {ConfigError} when a variable holds a value that cannot be used.
 */
export function loadConfig(env: Env = Deno.env.toObject()): Config {
  const dataDir = text(env, "STAVE_DATA_DIR") ?? "data";
  const backend = text(env, "STAVE_ONNX_BACKEND") ?? "web";
  if (backend !== "web" && backend !== "node") {
    throw new ConfigError("STAVE_ONNX_BACKEND", `expected web or node, got "${backend}"`);
  }
  const corsOrigins = list(env, "STAVE_CORS_ORIGINS") ?? [];
  for (const origin of corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError("STAVE_CORS_ORIGINS", `"${origin}" is not an origin like https://host`);
    }
  }
  const config: Config = {
    port: integer(env, "PORT", 8000, 0, 65535),
    host: text(env, "STAVE_HOST") ?? "127.0.0.1",
    dataDir,
    database: databaseConfig(env, dataDir),
    store: storeConfig(env, dataDir),
    models: modelsConfig(env),
    onnx: {
      backend,
      webgpu: boolean(env, "STAVE_WEBGPU", false),
      threads: integer(env, "STAVE_ORT_THREADS", 1, 1, 64),
    },
    preloadModels: boolean(env, "STAVE_PRELOAD_MODELS", true),
    http: {
      maxBodyBytes: integer(env, "STAVE_MAX_BODY_BYTES", 10 * 1024 * 1024, 1024, 1024 ** 3),
      corsOrigins,
      requestTimeoutMs: integer(env, "STAVE_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    },
    recognize: {
      model: text(env, "STAVE_OMR_MODEL") ?? "omr-lowrank-int8",
      maxPixels: integer(env, "STAVE_MAX_IMAGE_PIXELS", 40_000_000, 1, 1_000_000_000),
      maxBeamWidth: integer(env, "STAVE_MAX_BEAM_WIDTH", 32, 1, 1024),
    },
    generate: {
      // fp32: at batch 1 the int8 form's per-step input quantization makes it 2.1x slower in WASM
      // (bench/REPORT.md), and the file is 3.7 MB.
      model: text(env, "STAVE_GENERATE_MODEL") ?? "melody",
      maxMeasures: integer(env, "STAVE_GENERATE_MAX_MEASURES", 64, 1, 1024),
      maxTemperature: decimal(env, "STAVE_GENERATE_MAX_TEMPERATURE", 2, 0.1, 10),
      maxTokens: integer(env, "STAVE_GENERATE_MAX_TOKENS", 8192, 512, 1_000_000),
      timeoutMs: integer(env, "STAVE_GENERATE_TIMEOUT_MS", 20_000, 10, 600_000),
    },
    classify: {
      model: text(env, "STAVE_CLASSIFY_MODEL") ?? "genre",
      maxWindows: integer(env, "STAVE_CLASSIFY_MAX_WINDOWS", 512, 1, 100_000),
    },
    search: readSearchConfig({
      text: (key) => text(env, key),
      integer: (key, fallback, min, max) => integer(env, key, fallback, min, max),
    }),
    library: {
      excerptMeasures: integer(env, "STAVE_EXCERPT_MEASURES", 4, 1, 64),
      jobStaleSeconds: integer(env, "STAVE_JOB_STALE_SECONDS", 600, 1, 86_400),
    },
    hooks: {
      secret: secret(env, "STAVE_HOOK_SECRET", 16),
      windowSeconds: integer(env, "STAVE_HOOK_WINDOW_SECONDS", 300, 1, 3_600),
    },
    auth: {
      apiKey: secret(env, "STAVE_API_KEY", 16),
      publicRead: boolean(env, "STAVE_PUBLIC_READ", true),
      trustedProxies: integer(env, "STAVE_TRUSTED_PROXIES", 0, 0, 10),
    },
    rateLimits: {
      perKey: rateLimit(env, "STAVE_RATE_LIMIT_KEY", 600, 60),
      perIp: rateLimit(env, "STAVE_RATE_LIMIT_IP", 120, 30),
    },
    web: { dir: text(env, "STAVE_WEB_DIR") ?? "web/dist" },
    functions: list(env, "STAVE_FUNCTIONS"),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
