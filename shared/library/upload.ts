/**
 * Stores an uploaded score: its bytes under a content-addressed key, its row, its excerpts.
 *
 * Order, and what a crash at each point leaves: (1) the file is parsed and cut in memory, so an
 * unreadable one is refused with nothing written; (2) the index job is written, carrying
 * everything the score row needs; (3) the bytes are put under `scores/<sha256>.<ext>`; (4) the job
 * runs. A crash after (2) leaves a job that `reindex` finishes once the object is there, or fails
 * ("upload never completed") when it is not; sending the same file again resumes it. Once older
 * than the grace period, such a job with no object is dropped by `sweepUploads` (see
 * `sweep_uploads.ts`), as is an object under `scores/` that no row or job names.
 *
 * @module
 */
import type { ScoreMetadata } from "../db/schema.ts";
import { sha256Hex } from "../sha256.ts";
import { type IndexPayload, prepareScore } from "./index_job.ts";
import { createJob, findJobByKey, type LibraryServices } from "./jobs.ts";
import { runJob, type RunJobOptions } from "./run_job.ts";
import { detectScoreFormat } from "./score_format.ts";

/** The prefix of content-addressed uploads in the store. */
export const UPLOAD_PREFIX = "scores/";

/** An uploaded file and what the uploader said about it. */
export interface Upload {
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** Its name, for messages only. */
  readonly fileName?: string;
  /** Its declared media type, for messages only. */
  readonly contentType?: string;
  /** The score's title. */
  readonly title: string;
  /** Descriptive fields. */
  readonly metadata?: ScoreMetadata;
}

/** The points an upload passes before its job runs: parsed in memory, job written, object written. */
export type UploadPoint = "prepared" | "job" | "object";

/** Options of {@linkcode storeUpload}, for progress reports and crash tests. */
export interface StoreUploadOptions extends Pick<RunJobOptions, "afterStep"> {
  /** Called at each {@linkcode UploadPoint} of a new upload, in order. */
  readonly reached?: (point: UploadPoint) => void | Promise<void>;
}

/** What {@linkcode storeUpload} did. */
export interface StoredUpload {
  /** The score's id. */
  readonly scoreId: string;
  /** False when the same bytes were already indexed: nothing was written. */
  readonly created: boolean;
}

/**
 * Stores and indexes `upload`. The same bytes twice make one score: the second call answers the
 * first score (with its title) and writes nothing, or finishes it when its job did not.
 *
 * @example
 * ```ts ignore
 * const { scoreId } = await storeUpload(services, { bytes, title: "The Kesh" });
 * ```
 * @throws {import("../problem.ts").Problem} 415 for an unsupported file, 422 for an unreadable score.
 */
export async function storeUpload(
  services: LibraryServices,
  upload: Upload,
  options: StoreUploadOptions = {},
): Promise<StoredUpload> {
  const db = services.database.db;
  const detected = detectScoreFormat(upload.bytes, upload);
  const sha256 = await sha256Hex(upload.bytes);
  const idempotencyKey = `upload:${sha256}`;
  const existing = await findJobByKey(db, idempotencyKey);
  if (existing?.status === "done") return { scoreId: existing.score_id, created: false };

  const prepared = await prepareScore(services, upload.bytes, detected.format);
  await options.reached?.("prepared");
  const payload: IndexPayload = {
    source: "upload",
    objectKey: `${UPLOAD_PREFIX}${sha256}.${detected.extension}`,
    title: upload.title,
    metadata: upload.metadata ?? {},
    contentType: detected.contentType,
    format: detected.format,
    sha256,
    bytes: upload.bytes.byteLength,
  };
  const { job } = await createJob(db, {
    kind: "index",
    idempotencyKey,
    scoreId: crypto.randomUUID(),
    payload: { ...payload },
  });
  await options.reached?.("job");
  // The job's own payload wins: a resumed upload keeps the key and title it started with.
  const { objectKey, contentType } = job.payload as unknown as IndexPayload;
  await services.store.put(objectKey, upload.bytes, { contentType });
  await options.reached?.("object");
  await runJob(services, job.id, { prepared, afterStep: options.afterStep });
  return { scoreId: job.score_id, created: true };
}
