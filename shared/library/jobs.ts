/**
 * Durable jobs: a job row is written before its effects, and each step commits its rows together
 * with the job's progress, so a process that dies mid-job leaves a row saying where to resume.
 *
 * A runner claims a job by moving it to `running` and counting the attempt; the attempt count is
 * the claim's fencing token, so a runner whose claim was taken over (its heartbeat went stale) or
 * whose job was deleted commits nothing more.
 *
 * @module
 */
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from "kysely";
import type { Job, JobKind, JobPayload, Tables } from "../db/schema.ts";
import type { Services } from "../services.ts";
import type { ExcerptDraft } from "./excerpts.ts";

/** What the library's operations use. */
export type LibraryServices = Pick<Services, "config" | "database" | "store" | "models">;

/** A score already parsed and cut in memory, so the steps need not read it back. */
export interface PreparedScore {
  /** The score as MEI. */
  readonly mei: string;
  /** Its excerpts. */
  readonly excerpts: readonly ExcerptDraft[];
}

/** One claimed run of a job, as its steps see it. */
export interface JobRun {
  /** The job as claimed. */
  readonly job: Job;
  /** Where to read and write. */
  readonly services: LibraryServices;
  /** The prepared score, when the caller has it. */
  readonly prepared?: PreparedScore;
  /**
   * Runs `write` in one transaction that also records this step as done (and the job as done
   * after its last step); nothing is written when the claim was lost.
   */
  commit<T>(write: (tx: Transaction<Tables>) => Promise<T>): Promise<T>;
}

/** One step of a job; running it again after a crash must be harmless. */
export interface JobStep {
  /** Recorded in `jobs.step` once its rows are committed. */
  readonly name: string;
  /** Does the step's work and ends with one `run.commit`. */
  run(run: JobRun): Promise<void>;
}

/** How a kind of job runs. */
export interface JobKindSpec {
  /** The steps, in order. */
  readonly steps: readonly JobStep[];
  /** Writes what a failure means beyond the job row, in the same transaction. */
  onFail?(tx: Transaction<Tables>, job: Job): Promise<void>;
}

/** A job to create. */
export interface NewJob {
  /** What it does. */
  readonly kind: JobKind;
  /** At most one job per key. */
  readonly idempotencyKey: string;
  /** The score it is about. */
  readonly scoreId: string;
  /** What its steps need. */
  readonly payload: JobPayload;
}

/** The claim on a job is gone: it was deleted, or another runner took it over. */
export class JobLostError extends Error {
  /** Creates the error for the job `id`. */
  constructor(id: string) {
    super(`Job "${id}" is no longer this runner's: it was deleted or claimed again`);
    this.name = "JobLostError";
  }
}

/** The job with `key`, if any. */
export async function findJobByKey(db: Kysely<Tables>, key: string): Promise<Job | undefined> {
  return await db.selectFrom("jobs").selectAll().where("idempotency_key", "=", key)
    .executeTakeFirst();
}

/** The job `id`, if it still exists. */
export async function findJob(db: Kysely<Tables>, id: string): Promise<Job | undefined> {
  return await db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Creates `job` unless a job has its idempotency key; either way returns the job holding the key
 * and whether this call created it.
 */
export async function createJob(
  db: Kysely<Tables> | Transaction<Tables>,
  job: NewJob,
): Promise<{ job: Job; created: boolean }> {
  const inserted = await db.insertInto("jobs").values({
    kind: job.kind,
    idempotency_key: job.idempotencyKey,
    score_id: job.scoreId,
    payload: job.payload,
  }).onConflict((oc) => oc.column("idempotency_key").doNothing()).returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return { job: inserted, created: true };
  const existing = await findJobByKey(db, job.idempotencyKey);
  if (existing === undefined) {
    throw new Error(`Job "${job.idempotencyKey}" vanished while being created: try again`);
  }
  return { job: existing, created: false };
}

/** Jobs a runner may claim: pending, failed, or running without a heartbeat for `staleSeconds`. */
const claimable = (staleSeconds: number) => (eb: ExpressionBuilder<Tables, "jobs">) =>
  eb.or([
    eb("status", "in", ["pending", "failed"]),
    eb.and([
      eb("status", "=", "running"),
      eb("updated_at", "<", sql<Date>`now() - make_interval(secs => ${staleSeconds})`),
    ]),
  ]);

/**
 * Claims job `id` when it is pending, failed, or running with a heartbeat older than
 * `staleSeconds`; returns it as claimed, or `undefined` when it is done, running elsewhere or gone.
 */
export async function claimJob(
  db: Kysely<Tables>,
  id: string,
  staleSeconds: number,
): Promise<Job | undefined> {
  return await db.updateTable("jobs")
    .set((eb) => ({
      status: "running",
      attempts: eb("attempts", "+", 1),
      error: null,
      updated_at: sql<Date>`now()`,
      finished_at: null,
    }))
    .where("id", "=", id)
    .where(claimable(staleSeconds))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Runs `write` in a transaction that first records `step` on the claimed `job` (and the job as
 * done when `last`); throws {@linkcode JobLostError}, writing nothing, when the claim is gone.
 */
export async function commitStep<T>(
  db: Kysely<Tables>,
  job: Job,
  step: string,
  last: boolean,
  write: (tx: Transaction<Tables>) => Promise<T>,
): Promise<T> {
  return await db.transaction().execute(async (tx) => {
    // The fence goes first: it also locks the job row against a concurrent delete.
    const fenced = await tx.updateTable("jobs")
      .set({
        step,
        status: last ? "done" : "running",
        updated_at: sql<Date>`now()`,
        finished_at: last ? sql<Date>`now()` : null,
      })
      .where("id", "=", job.id)
      .where("attempts", "=", job.attempts)
      .where("status", "=", "running")
      .returning("id")
      .executeTakeFirst();
    if (fenced === undefined) throw new JobLostError(job.id);
    return await write(tx);
  });
}

/** Longest error message kept on a job row. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Marks the claimed `job` failed with `error`'s message, and lets `onFail` write what that means,
 * in one transaction; does nothing when the claim is gone.
 */
export async function failJob(
  db: Kysely<Tables>,
  job: Job,
  error: unknown,
  onFail?: JobKindSpec["onFail"],
): Promise<void> {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  await db.transaction().execute(async (tx) => {
    const failed = await tx.updateTable("jobs")
      .set({ status: "failed", error: message.slice(0, MAX_ERROR_LENGTH), updated_at: sql`now()` })
      .where("id", "=", job.id)
      .where("attempts", "=", job.attempts)
      .where("status", "=", "running")
      .returningAll()
      .executeTakeFirst();
    if (failed !== undefined) await onFail?.(tx, failed);
  });
}

/**
 * Ids of the jobs a recovery run should take, oldest first: pending, failed, and running with a
 * heartbeat older than `staleSeconds`.
 */
export async function unfinishedJobIds(
  db: Kysely<Tables>,
  staleSeconds: number,
): Promise<string[]> {
  const rows = await db.selectFrom("jobs").select("id")
    .where(claimable(staleSeconds))
    .orderBy("created_at").orderBy("id")
    .execute();
  return rows.map((row) => row.id);
}
