/**
 * The load soak of issue 10: a real `main.ts` process on 127.0.0.1 (its own temp data folder, the
 * committed models, rate limits off so capacity is measured, not the limiter), and concurrent
 * clients that mix recognize, search (by notes and by a staff photo, in a library of one uploaded
 * tune), generate and classify requests for a bounded time.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const PRIMUS = new URL("../../../shared/data/primus/example/000051652-1_2_1.png", import.meta.url);
/** The bootstrap admin key the soak server starts with, to upload the library searched. */
const ADMIN_KEY = "soak-admin-key-0123456789abcdef";
/** The tune uploaded before the clock starts, and a bar of it searched by notes. */
const TUNE = `X:1
T:Soak Reel
M:4/4
L:1/8
K:D
|:DFAF dFAF|GBdB gBdB|AFDF A2 FA|BGEG F2 ED:|
`;
const TUNE_NOTES = [
  "clef-G2",
  "keySignature-DM",
  "timeSignature-4/4",
  "note-D4_eighth",
  "note-F#4_eighth",
  "note-A4_eighth",
  "note-F#4_eighth",
  "note-D5_eighth",
  "note-F#4_eighth",
  "note-A4_eighth",
  "note-F#4_eighth",
  "barline",
];

/** One kind of request the clients send. */
interface RequestKind {
  readonly name: string;
  readonly make: (i: number) => Request;
}

/** Figures of one soak. */
export interface SoakResult {
  clients: number;
  seconds: number;
  requests: number;
  throughput: number;
  /** Answers that were not 2xx, or requests that failed, by endpoint and status. */
  errors: Record<string, Record<string, number>>;
  latency: Record<string, { count: number; p50: number; p95: number; p99: number }>;
  /** Peak resident memory of the server process (VmHWM), MiB. */
  peakRssMiB: number;
}

function kinds(base: string, png: Uint8Array<ArrayBuffer>): RequestKind[] {
  const json = (path: string, body: unknown) =>
    new Request(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const genres = ["irish-folk", "bach-chorale", "renaissance", "classical", "medieval"];
  return [
    {
      name: "POST /v1/recognize",
      make: () =>
        new Request(`${base}/v1/recognize`, {
          method: "POST",
          headers: { "content-type": "image/png" },
          body: png,
        }),
    },
    {
      name: "POST /v1/search",
      make: (i) => {
        if (i % 2 === 0) return json("/v1/search", { notes: TUNE_NOTES });
        const form = new FormData();
        form.append("file", new File([png], "staff.png", { type: "image/png" }));
        return new Request(`${base}/v1/search`, { method: "POST", body: form });
      },
    },
    {
      name: "POST /v1/generate",
      make: (i) => json("/v1/generate", { genre: genres[i % 5], measures: 8, seed: i }),
    },
    {
      name: "POST /v1/classify",
      make: () =>
        json("/v1/classify", {
          tokens: [
            "key:1",
            "meter:6/8",
            "n:D5",
            "d:eighth",
            "n:E5",
            "d:eighth",
            "n:F#5",
            "d:eighth",
            "n:G5",
            "d:quarter.",
            "bar",
          ],
        }),
    },
  ];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10;
}

/** Starts `main.ts` on a free port with a temp data folder; resolves once health answers 200. */
async function startServer(): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const dataDir = await Deno.makeTempDir({ prefix: "stave-soak-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`],
    env: {
      PORT: String(port),
      STAVE_HOST: "127.0.0.1",
      STAVE_DATA_DIR: dataDir,
      STAVE_RATE_LIMIT_IP_PER_MINUTE: "0",
      STAVE_RATE_LIMIT_KEY_PER_MINUTE: "0",
      STAVE_API_KEY: ADMIN_KEY,
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(dataDir, { recursive: true });
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${base}/v1/health`);
      await r.body?.cancel();
      if (r.status === 200) return { base, pid: child.pid, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error("Soak server did not answer /v1/health within 60 s");
}

function peakRss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Uploads the tune the search requests look for; resolves once it is indexed. */
async function uploadTune(base: string): Promise<void> {
  const form = new FormData();
  form.append("file", new File([TUNE], "reel.abc", { type: "text/vnd.abc" }));
  form.append("title", "Soak Reel");
  const r = await fetch(`${base}/v1/scores`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    body: form,
  });
  const body = await r.json();
  if (r.status !== 201 || body.status !== "indexed") {
    throw new Error(`Soak upload failed: ${r.status} ${JSON.stringify(body)}`);
  }
}

/** Runs `clients` concurrent clients for `seconds` against a fresh server and measures them. */
export async function runSoak(clients: number, seconds: number): Promise<SoakResult> {
  const server = await startServer();
  try {
    await uploadTune(server.base);
    const all = kinds(server.base, await Deno.readFile(PRIMUS));
    // Each kind (both forms of a search) before the clock starts: model loading is not load.
    for (const k of all) for (const i of [0, 1]) await (await fetch(k.make(i))).body?.cancel();
    const latencies: Record<string, number[]> = Object.fromEntries(all.map((k) => [k.name, []]));
    const errors: SoakResult["errors"] = {};
    const end = performance.now() + seconds * 1000;
    let sent = 0;
    const client = async (c: number) => {
      // Each client walks the kinds in turn, starting at its own.
      for (let i = c, turn = c; performance.now() < end; i += clients, turn++) {
        const kind = all[turn % all.length]!;
        const t0 = performance.now();
        let status: string;
        try {
          const r = await fetch(kind.make(i));
          await r.arrayBuffer();
          status = String(r.status);
        } catch (e) {
          status = e instanceof Error ? e.name : "error";
        }
        sent++;
        if (status.startsWith("2")) latencies[kind.name]!.push(performance.now() - t0);
        else (errors[kind.name] ??= {})[status] = (errors[kind.name]?.[status] ?? 0) + 1;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    const elapsed = (performance.now() - t0) / 1000;
    return {
      clients,
      seconds: Math.round(elapsed * 10) / 10,
      requests: sent,
      throughput: Math.round((sent / elapsed) * 10) / 10,
      errors,
      latency: Object.fromEntries(
        Object.entries(latencies).map(([name, xs]) => {
          const s = xs.sort((a, b) => a - b);
          return [name, {
            count: s.length,
            p50: percentile(s, 0.5),
            p95: percentile(s, 0.95),
            p99: percentile(s, 0.99),
          }];
        }),
      ),
      peakRssMiB: peakRss(server.pid),
    };
  } finally {
    await server.stop();
  }
}
