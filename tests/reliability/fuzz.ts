/**
 * The fuzzer: builds the whole app in-process on real services (PGlite, a local store in a temp
 * folder, the committed models), sends seeded hostile requests to every endpoint through
 * `app.request()`, and judges each answer with {@linkcode judge}.
 *
 * @module
 */
import { sql } from "kysely";
import { createApp } from "../../app.ts";
import { openTestServices, type TestServices } from "../support/services.ts";
import {
  caseFor,
  endpointOf,
  ENDPOINTS,
  FUZZ_API_KEY,
  FUZZ_HOOK_SECRET,
  type FuzzRequest,
} from "./fuzz_cases.ts";
import { type Corpus, loadCorpus } from "./fuzz_inputs.ts";
import { type MemoryLimits, type MemorySample, sampleMemory, trackWasmMemories } from "./memory.ts";

/** The committed models: OMR, generator and classifier. */
const MODELS = new URL("../../models/", import.meta.url).pathname;

/**
 * Growth allowed over the second half of a run of 10,000 cases or more (see `memoryVerdict`). By
 * then every model and codec has loaded: with seed 1 each WASM memory reaches its high-water mark
 * in the first 1,000 cases and none moves after (to the byte) but a leaking one, which grows
 * steadily (@jsquash/png's shared instance: 21 MiB over the second half of 20,000 cases). The floor
 * of RSS moved by -54 to +81 MiB over the second half of runs of 4,000 to 20,000 cases; Verovio's
 * kept toolkits, its one leak, moved it by +253 to +371 MiB from 8,000 cases on (+79 at 6,000).
 */
export const MEMORY_LIMITS: MemoryLimits = { rss: 192 * 1024 * 1024, wasm: 4 * 1024 * 1024 };

/** The app under fuzz and what it runs on; `close()` frees both. */
export interface FuzzTarget {
  readonly app: ReturnType<typeof createApp>;
  readonly services: TestServices;
  readonly corpus: Corpus;
  close(): Promise<void>;
}

/**
 * Opens the app with a write key, a hook secret and no rate limits (they would answer 429s).
 * WASM memories are tracked from here on, for the run's memory samples.
 */
export async function openFuzzTarget(): Promise<FuzzTarget> {
  trackWasmMemories();
  const services = await openTestServices({
    STAVE_MODELS: MODELS,
    STAVE_API_KEY: FUZZ_API_KEY,
    STAVE_HOOK_SECRET: FUZZ_HOOK_SECRET,
    STAVE_RATE_LIMIT_KEY_PER_MINUTE: "0",
    STAVE_RATE_LIMIT_IP_PER_MINUTE: "0",
    STAVE_GENERATE_MAX_MEASURES: "16",
  });
  return {
    app: createApp(services),
    services,
    corpus: await loadCorpus(),
    close: () => services.close(),
  };
}

/**
 * Why an answer fails the oracle, or `undefined` when it passes: below 500 (a 503 only where the
 * endpoint documents one), and every 4xx an `application/problem+json` with its status and a
 * non-empty `detail`.
 */
export function judge(
  endpoint: string,
  method: string,
  status: number,
  contentType: string | null,
  body: string,
): string | undefined {
  const problem = () => {
    if (contentType?.split(";")[0]?.trim() !== "application/problem+json") {
      return `${status} is ${contentType ?? "untyped"}, not application/problem+json`;
    }
    // A HEAD answer has the headers of its GET and no body.
    if (method === "HEAD") return undefined;
    let document: { status?: unknown; detail?: unknown };
    try {
      document = JSON.parse(body);
    } catch {
      return `${status} problem is not JSON: ${JSON.stringify(body.slice(0, 80))}`;
    }
    if (document.status !== status) {
      return `${status} problem says status ${String(document.status)}`;
    }
    if (typeof document.detail !== "string" || document.detail.trim() === "") {
      return `${status} problem has no detail`;
    }
    return undefined;
  };
  if (status >= 500) {
    if (status !== 503 || !ENDPOINTS[endpoint]?.allows503) {
      return `server error ${status}: ${body.slice(0, 200)}`;
    }
    // Health answers its report (JSON) with 503; every other 503 is a problem.
    return endpoint === "GET /v1/health" ? undefined : problem();
  }
  return status >= 400 ? problem() : undefined;
}

/** A case that failed the oracle, or threw. */
export interface FuzzFailure {
  readonly index: number;
  readonly endpoint: string;
  readonly note: string;
  readonly message: string;
}

/** Counts per endpoint. */
export interface EndpointStats {
  tried: number;
  statuses: Record<number, number>;
  serverErrors: number;
}

/** Rows in the tables the fuzz writes to. */
export interface FuzzRows {
  readonly scores: number;
  readonly excerpts: number;
  readonly jobs: number;
  readonly hook_deliveries: number;
}

/** A memory sample of a run, with what the fuzz had stored by then. */
export interface FuzzSample extends MemorySample {
  readonly rows: FuzzRows;
  /** `pg_database_size()`: the in-memory PGlite holds all of it. */
  readonly databaseBytes: number;
}

/** What a run saw. */
export interface FuzzResult {
  readonly seed: number;
  readonly count: number;
  readonly endpoints: Record<string, EndpointStats>;
  readonly failures: FuzzFailure[];
  readonly crashes: string[];
  /** RSS in bytes: before the first case, after the last, and the most seen (every 25 cases). */
  readonly rss: { start: number; end: number; peak: number };
  /** Memory before the first case and every `sampleEvery` cases after. */
  readonly samples: FuzzSample[];
  readonly sampleEvery: number;
  durationMs: number;
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  readonly seed: number;
  /** Cases `0 .. count - 1`, dealt round-robin to the endpoints. */
  readonly count: number;
  /** Cases between memory samples; by default a 200th of `count`, at least 10. */
  readonly sampleEvery?: number;
  /** Only these case indices (replays). */
  readonly only?: readonly number[];
  /** Called after each case (progress, replays). */
  readonly onCase?: (index: number, request: FuzzRequest, status: number, failure?: string) => void;
}

/** Sends the cases to `target.app` and judges every answer; unhandled rejections count as crashes. */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const rss = Deno.memoryUsage().rss;
  const sampleEvery = options.sampleEvery ?? Math.max(10, Math.round(options.count / 200));
  const result: FuzzResult = {
    seed: options.seed,
    count: options.count,
    endpoints: Object.fromEntries(
      Object.keys(ENDPOINTS).map((e) => [e, { tried: 0, statuses: {}, serverErrors: 0 }]),
    ),
    failures: [],
    crashes: [],
    rss: { start: rss, end: rss, peak: rss },
    samples: [],
    sampleEvery,
    durationMs: 0,
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    result.crashes.push(`Unhandled rejection: ${String(event.reason).slice(0, 300)}`);
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    result.crashes.push(`Uncaught error: ${String(event.error).slice(0, 300)}`);
  };
  const sample = async (cases: number) =>
    result.samples.push({ ...sampleMemory(cases), ...await stored(target) });
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  try {
    const indices = options.only ?? Array.from({ length: options.count }, (_, i) => i);
    if (options.only === undefined) await sample(0);
    for (const index of indices) {
      const endpoint = endpointOf(index);
      const request = await caseFor(options.seed, index, target.corpus);
      const stats = result.endpoints[endpoint]!;
      stats.tried++;
      let status = 0;
      let failure: string | undefined;
      try {
        const response = await target.app.request(request.path, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        status = response.status;
        const body = await response.text();
        failure = judge(
          endpoint,
          request.method,
          status,
          response.headers.get("content-type"),
          body,
        );
      } catch (error) {
        failure = `threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
      }
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status >= 500) stats.serverErrors++;
      if (failure !== undefined) {
        result.failures.push({
          index,
          endpoint,
          note: request.note,
          message: failure.slice(0, 500),
        });
      }
      options.onCase?.(index, request, status, failure);
      if (index % 25 === 0) result.rss.peak = Math.max(result.rss.peak, Deno.memoryUsage().rss);
      if (options.only === undefined && (index + 1) % sampleEvery === 0) await sample(index + 1);
    }
    // Let stray promises of the last cases settle, so their rejections are seen.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  }
  result.rss.end = Deno.memoryUsage().rss;
  result.rss.peak = Math.max(result.rss.peak, result.rss.end);
  result.durationMs = performance.now() - started;
  return result;
}

/** What the fuzz has stored so far. */
async function stored(target: FuzzTarget): Promise<{ rows: FuzzRows; databaseBytes: number }> {
  const { rows } = await sql<FuzzRows & { database_bytes: number }>`select
    (select count(*) from scores)::int as scores,
    (select count(*) from excerpts)::int as excerpts,
    (select count(*) from jobs)::int as jobs,
    (select count(*) from hook_deliveries)::int as hook_deliveries,
    pg_database_size(current_database())::float8 as database_bytes`.execute(
    target.services.database.db,
  );
  const { database_bytes, ...counts } = rows[0]!;
  return { rows: counts, databaseBytes: database_bytes };
}

/** How `failure` is replayed from the command line. */
export function replayCommand(seed: number, failure: FuzzFailure): string {
  return `deno task test:fuzz --seed ${seed} --only ${failure.index}`;
}
