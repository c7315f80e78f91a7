/**
 * Health checks of a process's dependencies, each timed and bounded.
 *
 * @module
 */
import type { ModelStatus } from "./models/mod.ts";
import type { Services } from "./services.ts";

/** One dependency's state. */
export interface HealthCheck {
  /** `ok` when it answered in time. */
  readonly status: "ok" | "failing";
  /** Which implementation runs (e.g. `pglite`, `s3`, `web`). */
  readonly kind: string;
  /** How long the check took. */
  readonly latencyMs: number;
  /** Why it failed (the error message; never secrets). */
  readonly error?: string;
}

/** The whole report. */
export interface HealthReport {
  /** `ok` when every check is. */
  readonly status: "ok" | "failing";
  /** Seconds since the process started. */
  readonly uptimeSeconds: number;
  /** Per dependency. */
  readonly checks: {
    readonly database: HealthCheck;
    readonly store: HealthCheck;
    readonly models: HealthCheck & { readonly models: readonly ModelStatus[] };
  };
}

const CHECK_TIMEOUT_MS = 2_000;
/** A timer this late means the event loop stalled. */
const STALL_MS = 100;
const started = performance.now();

async function timed(
  kind: string,
  check: (signal: AbortSignal) => Promise<void>,
): Promise<HealthCheck> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    const arm = (ms: number) => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        // A timer that fires late was held up by this thread (a model load runs synchronously
        // for seconds), not by the dependency, whose answer may be waiting behind it: give it
        // a short turn again instead of failing a healthy instance.
        if (performance.now() - due > STALL_MS) return arm(STALL_MS);
        controller.abort();
        reject(new Error(`No answer within ${CHECK_TIMEOUT_MS} ms`));
      }, ms);
    };
    arm(CHECK_TIMEOUT_MS);
  });
  const t0 = performance.now();
  try {
    // A check that ignores its signal still cannot hold the report past the timeout.
    await Promise.race([check(controller.signal), expired]);
    return { status: "ok", kind, latencyMs: round(performance.now() - t0) };
  } catch (error) {
    return {
      status: "failing",
      kind,
      latencyMs: round(performance.now() - t0),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Checks the database, the object store and the model manifest concurrently.
 *
 * @example
 * ```ts ignore
 * const report = await checkHealth(services);
 * console.log(report.status);
 * ```
 */
export async function checkHealth(services: Services): Promise<HealthReport> {
  const [database, store, models] = await Promise.all([
    timed(services.database.kind, (signal) => services.database.ping(signal)),
    timed(services.store.kind, (signal) => services.store.ping(signal)),
    timed(services.config.onnx.backend, async () => {
      await services.models.manifest();
    }),
  ]);
  const status = [database, store, models].every((check) => check.status === "ok")
    ? "ok"
    : "failing";
  const { models: states } = await services.models.status();
  return {
    status,
    uptimeSeconds: Math.round((performance.now() - started) / 1000),
    checks: { database, store, models: { ...models, models: states } },
  };
}
