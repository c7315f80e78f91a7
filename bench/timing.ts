/**
 * Timing helpers the bench scripts share: repeated runs after a warm-up, latency percentiles and
 * the `--name value` arguments of a bench subprocess.
 *
 * @module
 */

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Milliseconds to one decimal. */
export const round = (ms: number) => Math.round(ms * 10) / 10;

/** p50 and p95 of `times` (milliseconds). */
export function percentiles(times: number[]): Percentiles {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50Ms: round(at(0.5)), p95Ms: round(at(0.95)) };
}

/** Milliseconds of `runs` calls of `body`, after `warmup` untimed calls (two by default). */
export async function timeRuns(
  runs: number,
  body: () => Promise<unknown>,
  warmup = 2,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await body();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await body();
    times.push(performance.now() - t0);
  }
  return times;
}

/** The value after `--name` in the process arguments, or `fallback`. */
export function cliArg(name: string, fallback: string): string {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1]! : fallback;
}

/** Peak resident memory (VmHWM) of process `pid` (this one by default) in MiB; NaN once it is
 * gone. */
export async function peakRssMiB(pid: number | "self" = "self"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}
