/**
 * `sweepUploads()` on real PGlite and a real local store: what an abandoned upload leaves goes,
 * anything a row or a job still names stays, and nothing younger than the grace period is touched.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createJob } from "../../../shared/library/jobs.ts";
import { storeUpload, sweepUploads } from "../../../shared/library/mod.ts";
import { keysIn } from "../../support/library.ts";
import { ABC_REEL } from "../../support/scores.ts";
import { openTestServices } from "../../support/services.ts";

const uploadJob = (key: string, objectKey: string, source = "upload") => ({
  kind: "index" as const,
  idempotencyKey: key,
  scoreId: crypto.randomUUID(),
  payload: {
    source,
    objectKey,
    title: key,
    metadata: {},
    contentType: "text/vnd.abc",
    format: "abc",
    sha256: "0".repeat(64),
    bytes: 3,
  },
});

Deno.test("sweepUploads() drops abandoned uploads and keeps what is named or young", async () => {
  const services = await openTestServices({ STAVE_EXCERPT_MEASURES: "2" });
  const db = services.database.db;
  const store = services.store;
  try {
    const { scoreId } = await storeUpload(services, {
      bytes: new TextEncoder().encode(ABC_REEL),
      title: "Reel",
    });
    const lost = await createJob(db, uploadJob("upload:lost", "scores/lost.abc"));
    const hooked = await createJob(db, uploadJob("hook:gone", "inbox/gone.abc", "hook"));
    const waiting = await createJob(db, uploadJob("upload:waiting", "scores/waiting.abc"));
    await store.put("scores/waiting.abc", "abc");
    await store.put("scores/orphan.abc", "abc");
    await store.put("scores/doomed.abc", "abc");
    await createJob(db, {
      kind: "delete",
      idempotencyKey: "delete:doomed",
      scoreId: crypto.randomUUID(),
      payload: { objectKeys: ["scores/doomed.abc"] },
    });
    await store.put("inbox/theirs.abc", "abc");
    // Object modification times are compared with the clock in milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 20));

    assert.deepEqual(await sweepUploads(services, { graceSeconds: 3600 }), {
      droppedJobs: [],
      removedObjects: [],
    });
    const swept = await sweepUploads(services, { graceSeconds: 0 });
    assert.deepEqual(swept, {
      droppedJobs: [lost.job.id],
      removedObjects: ["scores/orphan.abc"],
    });

    const jobs = await db.selectFrom("jobs").select("id").orderBy("id").execute();
    const score = await db.selectFrom("scores").select(["id", "object_key"])
      .executeTakeFirstOrThrow();
    assert.equal(score.id, scoreId);
    assert.equal(jobs.length, 4);
    assert.ok(jobs.some((j) => j.id === hooked.job.id), "a hook job is reindex's to fail");
    assert.ok(jobs.some((j) => j.id === waiting.job.id), "a job whose object landed stays");
    assert.deepEqual(
      await keysIn(store),
      ["inbox/theirs.abc", score.object_key, "scores/doomed.abc", "scores/waiting.abc"].sort(),
    );
    assert.deepEqual(await sweepUploads(services, { graceSeconds: 0 }), {
      droppedJobs: [],
      removedObjects: [],
    });
  } finally {
    await services.close();
  }
});
