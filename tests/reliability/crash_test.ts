/**
 * Every crash-recovery case of `crash.ts`, each a real SIGKILL of a subprocess on a PGlite folder
 * and local store, recovered by `deno task reindex` as its own process.
 *
 * @module
 */
import assert from "node:assert/strict";
import { INDEX_JOB } from "../../shared/library/index_job.ts";
import { crashCases, createTemplate, type LibraryCounts, runCrashCase } from "./crash.ts";

/** Excerpts of the reel stored before the crash, and of the minuet the crash interrupts. */
const BASELINE_EXCERPTS = 4;
const CRASHED_EXCERPTS = 2;

/** What the kill leaves beyond the baseline score (1 row, its excerpts, 1 job, 1 object). */
const LEFT_AT: Record<string, Partial<LibraryCounts>> = {
  prepared: {},
  job: { jobs: 1 },
  object: { jobs: 1, objects: 1 },
  record: { jobs: 1, objects: 1, scores: 1 },
  parse: { jobs: 1, objects: 1, scores: 1 },
  excerpt: { jobs: 1, objects: 1, scores: 1, excerpts: CRASHED_EXCERPTS },
  embed: { jobs: 1, objects: 1, scores: 1, excerpts: CRASHED_EXCERPTS },
};

const baseline = { scores: 1, excerpts: BASELINE_EXCERPTS, jobs: 1, objects: 1, strayFiles: 0 };
const plus = (extra: Partial<LibraryCounts>): LibraryCounts => ({
  scores: baseline.scores + (extra.scores ?? 0),
  excerpts: baseline.excerpts + (extra.excerpts ?? 0),
  jobs: baseline.jobs + (extra.jobs ?? 0),
  objects: baseline.objects + (extra.objects ?? 0),
  strayFiles: 0,
});

const steps = INDEX_JOB.steps.map((step) => step.name);

Deno.test("the crash cases cover every upload point and every index job step", () => {
  assert.deepEqual(crashCases().map((c) => c.point), Object.keys(LEFT_AT));
  assert.deepEqual(steps, Object.keys(LEFT_AT).slice(3));
});

Deno.test("deno task reindex recovers a SIGKILL at every point of an upload and its index job", async (t) => {
  const template = await createTemplate();
  try {
    for (const c of crashCases()) {
      await t.step(c.name, async () => {
        const outcome = await runCrashCase(c, template);
        assert.deepEqual(outcome.failures, [], outcome.recoveryLog);
        assert.equal(outcome.recovered, true);
        assert.equal(outcome.baselineExcerpts, BASELINE_EXCERPTS);
        assert.deepEqual(outcome.before, plus(LEFT_AT[c.point]!));

        if (c.expect === "dropped") {
          assert.deepEqual(outcome.after, baseline);
          assert.deepEqual(outcome.resumedSteps, []);
          const dropped = c.point === "job" ? 1 : 0;
          assert.match(
            outcome.recoveryLog,
            new RegExp(`^${dropped} abandoned upload\\(s\\) dropped`, "m"),
          );
          assert.match(outcome.recoveryLog, /^0 unfinished job\(s\) run, 0 failed$/m);
          return;
        }
        assert.equal(outcome.crashedExcerpts, CRASHED_EXCERPTS);
        assert.deepEqual(
          outcome.after,
          plus({ scores: 1, excerpts: CRASHED_EXCERPTS, jobs: 1, objects: 1 }),
        );
        // Exactly the steps after the last committed one run again: none twice, none skipped.
        assert.deepEqual(outcome.resumedSteps, steps.slice(steps.indexOf(c.point) + 1));
        const unfinished = outcome.resumedSteps.length > 0 ? 1 : 0;
        assert.match(
          outcome.recoveryLog,
          new RegExp(`^${unfinished} unfinished job\\(s\\) run, 0 failed$`, "m"),
        );
        assert.match(outcome.recoveryLog, /^0 abandoned upload\(s\) dropped, 0 orphaned object/m);
      });
    }
  } finally {
    await template.remove();
  }
});
