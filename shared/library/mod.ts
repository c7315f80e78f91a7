/**
 * The library: stored scores, their excerpts, and the durable jobs that index and delete them,
 * fed by uploads and by signed object-created webhooks.
 *
 * @example
 * ```ts ignore
 * import { getScore, storeUpload } from "./mod.ts";
 * const { scoreId } = await storeUpload(services, { bytes, title: "The Kesh" });
 * console.log((await getScore(services.database.db, scoreId))?.excerptCount);
 * ```
 *
 * @module
 */
export { deleteScore } from "./delete_score.ts";
export { type ExcerptDraft, splitExcerpts } from "./excerpts.ts";
export { type ExcerptView, getExcerpt } from "./excerpt_view.ts";
export { rememberDelivery } from "./hook_deliveries.ts";
export {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  signHookBody,
  type VerifiedDelivery,
  verifyHookSignature,
} from "./hook_signature.ts";
export type { IndexPayload } from "./index_job.ts";
export {
  ingestObjects,
  type IngestOutcome,
  type IngestResult,
  type ObjectEventRecord,
} from "./ingest_objects.ts";
export type { LibraryServices } from "./jobs.ts";
export { reembed, type ReembedResult } from "./reembed.ts";
export { reindex } from "./reindex.ts";
export { runJob, type RunJobOptions } from "./run_job.ts";
export { type SweepOptions, type SweepResult, sweepUploads } from "./sweep_uploads.ts";
export { type DetectedScore, detectScoreFormat } from "./score_format.ts";
export { getScore, type JobView, listScores, type ScorePage, type ScoreView } from "./scores.ts";
export {
  type StoredUpload,
  storeUpload,
  type StoreUploadOptions,
  type Upload,
  UPLOAD_PREFIX,
  type UploadPoint,
} from "./upload.ts";
