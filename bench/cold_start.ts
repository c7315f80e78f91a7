/**
 * Times a server process from spawn to its first 200 on a URL, against a bare `Deno.serve`
 * process started the same way as the baseline, and reads the server's peak RSS.
 *
 * @module
 */
import { peakRssMiB } from "./timing.ts";

/** One timed start. */
export interface StartTiming {
  /** Spawn to first 200, in milliseconds. */
  readonly readyMs: number;
  /** Peak resident memory of the process (VmHWM), in MiB, read before it is stopped. */
  readonly peakRssMiB: number;
}

const BARE_SERVER = `Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT")),
  onListen() {} }, () => new Response("ok"));`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A request sent once the server is ready, timed as its first. */
export interface FirstRequest {
  /** Path and query. */
  readonly path: string;
  /** Method, body and headers. */
  readonly init: RequestInit;
}

/** {@linkcode StartTiming} plus the first request's latency. */
export interface FirstRequestTiming extends StartTiming {
  /** Milliseconds from sending the first request to its whole answer. */
  readonly firstRequestMs: number;
  /** Its status. */
  readonly status: number;
}

/**
 * Spawns `args` with `env` (plus a free `PORT`), polls `path` until 200, then stops it. With
 * `first`, that request is then sent and timed before the process is stopped.
 */
export async function timeStart(
  args: string[],
  env: Record<string, string>,
  path: string,
  limitMs?: number,
): Promise<StartTiming>;
export async function timeStart(
  args: string[],
  env: Record<string, string>,
  path: string,
  limitMs: number,
  first: FirstRequest,
): Promise<FirstRequestTiming>;
export async function timeStart(
  args: string[],
  env: Record<string, string>,
  path: string,
  limitMs = 60_000,
  first?: FirstRequest,
): Promise<StartTiming | FirstRequestTiming> {
  const port = freePort();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { ...env, PORT: String(port) },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    while (performance.now() - t0 < limitMs) {
      const ok = await fetch(`http://127.0.0.1:${port}${path}`)
        .then(async (r) => {
          await r.body?.cancel();
          return r.status === 200;
        })
        .catch(() => false);
      if (ok) {
        const readyMs = Math.round(performance.now() - t0);
        if (first === undefined) return { readyMs, peakRssMiB: await peakRssMiB(child.pid) };
        const t1 = performance.now();
        const response = await fetch(`http://127.0.0.1:${port}${first.path}`, first.init);
        await response.arrayBuffer();
        const firstRequestMs = Math.round(performance.now() - t1);
        return {
          readyMs,
          firstRequestMs,
          status: response.status,
          peakRssMiB: await peakRssMiB(child.pid),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`No 200 from ${path} within ${limitMs} ms`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

/** Times a bare `Deno.serve` hello-world process: the floor any Deno server pays. */
export async function timeBareStart(): Promise<StartTiming> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, BARE_SERVER);
    return await timeStart(["run", "-A", file], {}, "/");
  } finally {
    await Deno.remove(file);
  }
}
