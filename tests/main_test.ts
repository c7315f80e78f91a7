import assert from "node:assert/strict";
import { openDatabase, readMigrations } from "../shared/db/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

interface Running {
  readonly base: string;
  readonly child: Deno.ChildProcess;
  readonly startMs: number;
}

/** Starts `deno run main.ts` on a free port and waits for its "listening" line. */
async function start(env: Record<string, string>): Promise<Running> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { PORT: "0", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Server exited before listening: ${seen}`);
    seen += value;
    const match = /listening on (http:\/\/[^/\s]+)\//.exec(seen);
    if (match) {
      // Keep draining stdout so the child never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done);
      })();
      return { base: match[1]!, child, startMs: performance.now() - t0 };
    }
  }
}

async function stop(running: Running): Promise<Deno.CommandStatus> {
  running.child.kill("SIGTERM");
  return await running.child.status;
}

Deno.test("main.ts stops at start-up with the variable named when config is bad", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { PORT: "eighty" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.match(new TextDecoder().decode(output.stderr), /Invalid configuration PORT: /);
});

Deno.test("main.ts serves on embedded defaults, stops on SIGTERM and keeps its data", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "stave-main-" });
  try {
    const env = { STAVE_DATA_DIR: dataDir };
    const first = await start(env);
    const health = await fetch(`${first.base}/v1/health`);
    assert.equal(health.status, 200);
    const report = await health.json();
    assert.equal(report.checks.database.kind, "pglite");
    assert.equal(report.checks.store.kind, "local");
    const missing = await fetch(`${first.base}/v1/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-type"), "application/problem+json");
    await missing.body?.cancel();
    assert.equal((await stop(first)).code, 0);
    assert.ok((await Deno.stat(`${dataDir}/pg`)).isDirectory);

    const second = await start(env);
    const again = await fetch(`${second.base}/v1/health`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
    assert.equal((await stop(second)).code, 0);

    // Two starts on one folder applied each migration exactly once.
    const database = await openDatabase({ kind: "pglite", dir: `${dataDir}/pg` });
    try {
      const rows = await database.db.selectFrom("stave_migrations").select("id").execute();
      assert.equal(rows.length, (await readMigrations()).length);
    } finally {
      await database.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

interface ModelState {
  readonly name: string;
  readonly state: "idle" | "loading" | "ready";
}

async function modelStates(base: string): Promise<ModelState[]> {
  const health = await fetch(`${base}/v1/health`);
  const report = await health.json();
  assert.equal(health.status, 200, JSON.stringify(report.checks));
  return report.checks.models.models;
}

Deno.test("main.ts answers health while it preloads the served models, then has them ready", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "stave-main-" });
  // Two functions keep the load short: the recognizer (the slowest) and the classifier.
  const env = { STAVE_DATA_DIR: dataDir, STAVE_FUNCTIONS: "health,recognize,classify" };
  try {
    const running = await start(env);
    try {
      const served = ["genre", "omr-lowrank-int8"];
      const first = await modelStates(running.base);
      // Answered while loading: the recognizer takes over a second, this answer milliseconds.
      assert.ok(first.some((model) => model.state === "loading"), JSON.stringify(first));
      const deadline = Date.now() + 60_000;
      let states = first;
      while (!served.every((name) => states.some((m) => m.name === name && m.state === "ready"))) {
        assert.ok(Date.now() < deadline, `Models not ready in 60 s: ${JSON.stringify(states)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        states = await modelStates(running.base);
      }
      // Only the served models: the other functions are not mounted.
      assert.deepEqual(states.filter((m) => m.state !== "idle").map((m) => m.name).sort(), served);
    } finally {
      assert.equal((await stop(running)).code, 0);
    }

    const cold = await start({ ...env, STAVE_PRELOAD_MODELS: "false" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok((await modelStates(cold.base)).every((model) => model.state === "idle"));
    } finally {
      assert.equal((await stop(cold)).code, 0);
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
