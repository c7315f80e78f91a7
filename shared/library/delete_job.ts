/**
 * The delete job: removes a deleted score's objects from the store. Its rows are gone already
 * (see `deleteScore`); the job makes the object removal survive a crash.
 *
 * @module
 */
import type { Job } from "../db/schema.ts";
import type { JobKindSpec, JobRun } from "./jobs.ts";

/** What a delete job carries. */
export interface DeletePayload {
  /** The store keys to remove. */
  readonly objectKeys: readonly string[];
}

/** The payload of a delete job, checked. */
function deletePayload(job: Job): DeletePayload {
  const keys = (job.payload as { objectKeys?: unknown }).objectKeys;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === "string")) {
    throw new TypeError(`Invalid payload of job "${job.id}": objectKeys must be strings`);
  }
  return { objectKeys: keys };
}

/** Deletes each object (deleting a missing one is no error), then marks the job done. */
async function removeObjects(run: JobRun): Promise<void> {
  for (const key of deletePayload(run.job).objectKeys) await run.services.store.delete(key);
  await run.commit(() => Promise.resolve());
}

/** The delete job's one step. */
export const DELETE_JOB: JobKindSpec = { steps: [{ name: "objects", run: removeObjects }] };
