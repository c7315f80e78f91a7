/**
 * Runs one job to the end, from the step after the last committed one.
 *
 * @module
 */
import type { Job, JobKind } from "../db/schema.ts";
import { DELETE_JOB } from "./delete_job.ts";
import { INDEX_JOB } from "./index_job.ts";
import {
  claimJob,
  commitStep,
  failJob,
  findJob,
  type JobKindSpec,
  JobLostError,
  type LibraryServices,
  type PreparedScore,
} from "./jobs.ts";

const KINDS: Readonly<Record<JobKind, JobKindSpec>> = { index: INDEX_JOB, delete: DELETE_JOB };

/** Options of {@linkcode runJob}. */
export interface RunJobOptions {
  /** The score already parsed and cut (index jobs), so the steps skip reading it back. */
  readonly prepared?: PreparedScore;
  /** Seconds after which a running job's claim may be taken over (default: the config's). */
  readonly staleSeconds?: number;
  /** Called after each committed step, e.g. to report progress. */
  readonly afterStep?: (step: string, job: Job) => void | Promise<void>;
}

/**
 * Claims job `id` and runs its remaining steps. A failing step marks the job failed with the
 * error's message (a later run resumes at that step); a lost claim stops quietly. Returns the job
 * as it then stands (`undefined` when it no longer exists). A job that cannot be claimed (done, or
 * running elsewhere) is returned untouched.
 *
 * @example
 * ```ts ignore
 * const job = await runJob(services, id);
 * console.log(job?.status); // "done", or "failed" with job.error
 * ```
 */
export async function runJob(
  services: LibraryServices,
  id: string,
  options: RunJobOptions = {},
): Promise<Job | undefined> {
  const db = services.database.db;
  const staleSeconds = options.staleSeconds ?? services.config.library.jobStaleSeconds;
  const job = await claimJob(db, id, staleSeconds);
  if (job === undefined) return await findJob(db, id);
  const spec = KINDS[job.kind];
  // An unknown step (renamed in a later version) starts over: every step can run again.
  const start = spec.steps.findIndex((step) => step.name === job.step) + 1;
  try {
    for (let i = start; i < spec.steps.length; i++) {
      const step = spec.steps[i]!;
      const last = i === spec.steps.length - 1;
      await step.run({
        job,
        services,
        prepared: options.prepared,
        commit: (write) => commitStep(db, job, step.name, last, write),
      });
      await options.afterStep?.(step.name, job);
    }
  } catch (error) {
    if (!(error instanceof JobLostError)) await failJob(db, job, error, spec.onFail);
  }
  return await findJob(db, id);
}
