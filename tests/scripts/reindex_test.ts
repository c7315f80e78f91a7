/**
 * `deno task reindex` as a process, after a real crash: a subprocess storing a score is killed
 * (SIGKILL) between two steps, and the reindex script, run as its own process on the same PGlite
 * folder and store, finishes the job.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../shared/config.ts";
import { createJob } from "../../shared/library/jobs.ts";
import { getScore } from "../../shared/library/mod.ts";
import { openServices } from "../../shared/services.ts";
import { CRASH_POINT } from "../support/crash_upload.ts";
import { countRows, keysIn } from "../support/library.ts";
import { ABC_REEL } from "../support/scores.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TIMEOUT_MS = 180_000;

function deno(args: string[], env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

/** Runs the upload subprocess until it reports the crash point, then kills it. */
async function crashAfter(step: string, file: string, env: Record<string, string>) {
  const child = deno(["tests/support/crash_upload.ts", file, step], env).spawn();
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let pending = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    if (lines.includes(CRASH_POINT)) break;
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL", `the child ended on its own: ${await stderr}`);
  await stderr;
  return lines;
}

async function withLibrary<T>(
  env: Record<string, string>,
  body: (s: Awaited<ReturnType<typeof openServices>>) => Promise<T>,
) {
  const services = await openServices(loadConfig(env));
  try {
    return await body(services);
  } finally {
    await services.close();
  }
}

Deno.test("deno task reindex finishes a job whose process was killed between steps", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-reindex-" });
  const env = { STAVE_DATA_DIR: dir, STAVE_MODELS: FIXTURES, STAVE_EXCERPT_MEASURES: "2" };
  try {
    const file = `${dir}/reel.abc`;
    await Deno.writeTextFile(file, ABC_REEL);
    const lines = await crashAfter("parse", file, env);
    assert.deepEqual(lines, ["committed record", "committed parse", CRASH_POINT]);

    const before = await withLibrary(env, async (s) => {
      const job = await s.database.db.selectFrom("jobs").selectAll().executeTakeFirstOrThrow();
      assert.equal(job.status, "running");
      assert.equal(job.step, "parse");
      assert.deepEqual(await countRows(s.database.db), {
        scores: 1,
        excerpts: 0,
        jobs: 1,
        deliveries: 0,
      });
      return job;
    });

    const run = await deno(["scripts/reindex.ts", "--stale-seconds", "0"], env).output();
    const out = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(out, new RegExp(`index ${before.id} \\(score ${before.score_id}\\): excerpt`));
    assert.match(out, /1 unfinished job\(s\) run, 0 failed/);

    await withLibrary(env, async (s) => {
      const score = (await getScore(s.database.db, before.score_id))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.excerptCount, 4);
      assert.equal(score.job?.attempts, 2);
      assert.deepEqual(await countRows(s.database.db), {
        scores: 1,
        excerpts: 4,
        jobs: 1,
        deliveries: 0,
      });
      assert.deepEqual(await keysIn(s.store), [score.objectKey]);

      // A job whose upload never landed stays failed, and the task says so.
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
    const failing = await deno(["scripts/reindex.ts"], env).output();
    assert.equal(failing.code, 1);
    assert.match(
      new TextDecoder().decode(failing.stdout),
      /missing: its upload never completed[\s\S]*1 failed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task reindex embeds a score whose process was killed after excerpt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-reindex-" });
  const env = { STAVE_DATA_DIR: dir, STAVE_MODELS: FIXTURES, STAVE_EXCERPT_MEASURES: "2" };
  try {
    const file = `${dir}/reel.abc`;
    await Deno.writeTextFile(file, ABC_REEL);
    const lines = await crashAfter("excerpt", file, env);
    assert.deepEqual(lines, [
      "committed record",
      "committed parse",
      "committed excerpt",
      CRASH_POINT,
    ]);
    const embeddings = (s: Awaited<ReturnType<typeof openServices>>) =>
      s.database.db.selectFrom("excerpts").select("embedding").orderBy("position").execute();

    const before = await withLibrary(env, async (s) => {
      const job = await s.database.db.selectFrom("jobs").selectAll().executeTakeFirstOrThrow();
      assert.equal(job.step, "excerpt");
      const score = (await getScore(s.database.db, job.score_id))!;
      assert.equal(score.status, "pending");
      assert.equal(score.excerptCount, 4);
      assert.ok((await embeddings(s)).every((row) => row.embedding === null));
      return job;
    });

    const run = await deno(["scripts/reindex.ts", "--stale-seconds", "0"], env).output();
    const out = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(out, new RegExp(`index ${before.id} \\(score ${before.score_id}\\): embed`));
    assert.doesNotMatch(out, /: excerpt\n/);
    assert.match(out, /1 unfinished job\(s\) run, 0 failed/);
    assert.match(out, /0 score\(s\) embedded again with search-notes, 0 failed/);

    await withLibrary(env, async (s) => {
      const score = (await getScore(s.database.db, before.score_id))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.job?.step, "embed");
      assert.ok((await embeddings(s)).every((row) => row.embedding?.startsWith("[")));
      // A score another model embedded is embedded again by the next run.
      await s.database.db.updateTable("scores").set({ embedding_sha256: "0".repeat(64) })
        .execute();
    });
    const again = await deno(["scripts/reindex.ts"], env).output();
    assert.equal(again.code, 0, new TextDecoder().decode(again.stderr));
    assert.match(
      new TextDecoder().decode(again.stdout),
      /0 unfinished job\(s\) run, 0 failed\n1 score\(s\) embedded again with search-notes, 0 failed/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
