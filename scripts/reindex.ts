/**
 * `deno task reindex`: drops the uploads a crash abandoned (a job whose object never landed, an
 * object under `scores/` nothing names, both older than the stale period), runs every unfinished
 * job of the configured library (pending, failed, or running with a heartbeat older than
 * `STAVE_JOB_STALE_SECONDS`, or `--stale-seconds`), each from the step after its last committed
 * one, then embeds again the indexed scores another search model embedded. Exits 1 when a job or
 * a score still fails afterwards.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configOrExit } from "../main.ts";
import { reembed, reindex, sweepUploads } from "../shared/library/mod.ts";
import { openServices } from "../shared/services.ts";

if (import.meta.main) {
  const { values } = parseArgs({ options: { "stale-seconds": { type: "string" } } });
  const raw = values["stale-seconds"];
  const staleSeconds = raw === undefined ? undefined : Number(raw);
  if (staleSeconds !== undefined && !(Number.isInteger(staleSeconds) && staleSeconds >= 0)) {
    console.error(`Invalid --stale-seconds "${raw}": expected a whole number of seconds`);
    Deno.exit(2);
  }
  const services = await openServices(configOrExit());
  let failed = 0;
  try {
    const swept = await sweepUploads(services, {
      graceSeconds: staleSeconds ?? services.config.library.jobStaleSeconds,
    });
    for (const id of swept.droppedJobs) {
      console.log(`index ${id}: dropped: its upload never landed`);
    }
    for (const key of swept.removedObjects) console.log(`object ${key}: removed: nothing names it`);
    console.log(
      `${swept.droppedJobs.length} abandoned upload(s) dropped, ` +
        `${swept.removedObjects.length} orphaned object(s) removed`,
    );
    const jobs = await reindex(services, {
      staleSeconds,
      afterStep: (step, job) =>
        console.log(`${job.kind} ${job.id} (score ${job.score_id}): ${step}`),
    });
    for (const job of jobs) {
      if (job.status === "failed") failed++;
      console.log(`${job.kind} ${job.id}: ${job.status}${job.error ? `: ${job.error}` : ""}`);
    }
    console.log(`${jobs.length} unfinished job(s) run, ${failed} failed`);
    const again = await reembed(services);
    for (const { scoreId, error } of again.failed) {
      console.log(`embed ${scoreId}: failed: ${error}`);
    }
    console.log(
      `${again.embedded.length} score(s) embedded again with ${again.model}, ` +
        `${again.failed.length} failed`,
    );
    failed += again.failed.length;
  } finally {
    await services.close();
  }
  if (failed > 0) Deno.exit(1);
}
