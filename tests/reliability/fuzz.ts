/**
 * The fuzzer: builds the whole app in-process on real services (PGlite, a local store in a temp
 * folder, the committed models), sends seeded hostile requests to every endpoint through
 * `app.request()`, and judges each answer with {@linkcode judge}.
 *
 * @module
 */
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

/** The committed models: OMR, generator and classifier. */
const MODELS = new URL("../../models/", import.meta.url).pathname;

/** The app under fuzz and what it runs on; `close()` frees both. */
export interface FuzzTarget {
  readonly app: ReturnType<typeof createApp>;
  readonly services: TestServices;
  readonly corpus: Corpus;
  close(): Promise<void>;
}

/** Opens the app with a write key, a hook secret and no rate limits (they would answer 429s). */
export async function openFuzzTarget(): Promise<FuzzTarget> {
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

/** What a run saw. */
export interface FuzzResult {
  readonly seed: number;
  readonly count: number;
  readonly endpoints: Record<string, EndpointStats>;
  readonly failures: FuzzFailure[];
  readonly crashes: string[];
  /** Bytes; `samples` every 1,000 cases (`[cases done, RSS, JS heap used]`). */
  readonly rss: { start: number; end: number; peak: number; samples: [number, number, number][] };
  durationMs: number;
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  readonly seed: number;
  /** Cases `0 .. count - 1`, dealt round-robin to the endpoints. */
  readonly count: number;
  /** Only these case indices (replays). */
  readonly only?: readonly number[];
  /** Called after each case (progress, replays). */
  readonly onCase?: (index: number, request: FuzzRequest, status: number, failure?: string) => void;
}

/** Sends the cases to `target.app` and judges every answer; unhandled rejections count as crashes. */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const rss = Deno.memoryUsage().rss;
  const result: FuzzResult = {
    seed: options.seed,
    count: options.count,
    endpoints: Object.fromEntries(
      Object.keys(ENDPOINTS).map((e) => [e, { tried: 0, statuses: {}, serverErrors: 0 }]),
    ),
    failures: [],
    crashes: [],
    rss: { start: rss, end: rss, peak: rss, samples: [] },
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
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  try {
    const indices = options.only ?? Array.from({ length: options.count }, (_, i) => i);
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
      if (index % 1_000 === 999) {
        const { rss, heapUsed } = Deno.memoryUsage();
        result.rss.samples.push([index + 1, rss, heapUsed]);
      }
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

/** How `failure` is replayed from the command line. */
export function replayCommand(seed: number, failure: FuzzFailure): string {
  return `deno task test:fuzz --seed ${seed} --only ${failure.index}`;
}
