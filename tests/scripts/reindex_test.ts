/**
 * `deno task reindex` as a process on a PGlite folder and a local store: what it reports and its
 * exit status. Recovery after a real SIGKILL at every step is `tests/reliability/crash_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../shared/config.ts";
import { createJob } from "../../shared/library/jobs.ts";
import { storeUpload } from "../../shared/library/mod.ts";
import { openServices, type Services } from "../../shared/services.ts";
import { countRows } from "../support/library.ts";
import { ABC_REEL } from "../support/scores.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TIMEOUT_MS = 180_000;

async function reindexScript(env: Record<string, string>, ...args: string[]) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/reindex.ts", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).output();
  return { code: run.code, out: new TextDecoder().decode(run.stdout) };
}

async function withLibrary(env: Record<string, string>, body: (s: Services) => Promise<void>) {
  const services = await openServices(loadConfig(env));
  try {
    await body(services);
  } finally {
    await services.close();
  }
}

Deno.test("deno task reindex fails a young upload job without its object, then drops it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-reindex-" });
  const env = { STAVE_DATA_DIR: dir, STAVE_MODELS: FIXTURES, STAVE_EXCERPT_MEASURES: "2" };
  try {
    await withLibrary(env, async (s) => {
      await createJob(s.database.db, {
        kind: "index",
        idempotencyKey: "upload:lost",
        scoreId: crypto.randomUUID(),
        payload: {
          source: "upload",
          objectKey: "scores/lost.abc",
          title: "Lost",
          metadata: {},
          contentType: "text/vnd.abc",
          format: "abc",
          sha256: "0".repeat(64),
          bytes: 10,
        },
      });
    });
    // Within the stale period the upload may still be in flight: the job runs, fails, and says so.
    const young = await reindexScript(env);
    assert.equal(young.code, 1);
    assert.match(young.out, /^0 abandoned upload\(s\) dropped/m);
    assert.match(young.out, /missing: its upload never completed[\s\S]*1 failed/);

    const stale = await reindexScript(env, "--stale-seconds", "0");
    assert.equal(stale.code, 0, stale.out);
    assert.match(stale.out, /: dropped: its upload never landed\n1 abandoned upload\(s\) dropped/);
    assert.match(stale.out, /^0 unfinished job\(s\) run, 0 failed$/m);
    await withLibrary(env, async (s) => {
      assert.deepEqual(await countRows(s.database.db), {
        scores: 0,
        excerpts: 0,
        jobs: 0,
        deliveries: 0,
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task reindex embeds again a score another search model embedded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-reindex-" });
  const env = { STAVE_DATA_DIR: dir, STAVE_MODELS: FIXTURES, STAVE_EXCERPT_MEASURES: "2" };
  try {
    await withLibrary(env, async (s) => {
      await storeUpload(s, { bytes: new TextEncoder().encode(ABC_REEL), title: "Reel" });
      await s.database.db.updateTable("scores").set({ embedding_sha256: "0".repeat(64) })
        .execute();
    });
    const run = await reindexScript(env);
    assert.equal(run.code, 0, run.out);
    assert.match(
      run.out,
      /0 unfinished job\(s\) run, 0 failed\n1 score\(s\) embedded again with search-notes, 0 failed/,
    );
    await withLibrary(env, async (s) => {
      const model = await s.models.model(s.config.search.models.notes);
      const score = await s.database.db.selectFrom("scores").select("embedding_sha256")
        .executeTakeFirstOrThrow();
      assert.equal(score.embedding_sha256, model.sha256);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
