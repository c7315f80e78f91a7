/**
 * The index job: `record` (the score row, once the object is there), `parse` (the score as MEI),
 * `excerpt` (its excerpts), `embed` (their search embeddings; the score is then indexed and the
 * job done). Each step commits in one transaction and can run again: rows are upserted or
 * replaced, never added twice.
 *
 * @module
 */
import { sql } from "kysely";
import type { Job, ScoreFormat, ScoreSource } from "../db/schema.ts";
import { sha256Hex } from "../sha256.ts";
import { embedScore, writeEmbeddings } from "./embed_score.ts";
import { type ExcerptDraft, splitExcerpts } from "./excerpts.ts";
import type { JobKindSpec, JobRun, LibraryServices, PreparedScore } from "./jobs.ts";
import { parseScore } from "./parse_score.ts";
import { unreadableScore as unreadable } from "./score_format.ts";

/** What an index job carries: everything needed to write the score row and read its bytes. */
export interface IndexPayload {
  /** How the bytes arrived. */
  readonly source: ScoreSource;
  /** The bytes' key in the object store. */
  readonly objectKey: string;
  /** The score's title. */
  readonly title: string;
  /** Its descriptive fields. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The media type of the bytes. */
  readonly contentType: string;
  /** What the bytes are. */
  readonly format: ScoreFormat;
  /** Hex sha256 of the bytes. */
  readonly sha256: string;
  /** Their size. */
  readonly bytes: number;
  /** The entity tag the bytes must still have (hook events name one). */
  readonly etag?: string;
}

/** The payload of an index job, checked, since job rows outlive code versions. */
function indexPayload(job: Job): IndexPayload {
  const p = job.payload as Partial<Record<keyof IndexPayload, unknown>>;
  const strings = ["source", "objectKey", "title", "contentType", "format", "sha256"] as const;
  for (const key of strings) {
    if (typeof p[key] !== "string") {
      throw new TypeError(`Invalid payload of job "${job.id}": ${key} must be a string`);
    }
  }
  if (typeof p.bytes !== "number" || typeof p.metadata !== "object" || p.metadata === null) {
    throw new TypeError(`Invalid payload of job "${job.id}": bytes and metadata are required`);
  }
  return p as unknown as IndexPayload;
}

/** Cuts `mei` into excerpts; a score with nothing to search is unreadable. */
function excerptsOf(mei: string, measures: number): ExcerptDraft[] {
  let excerpts: ExcerptDraft[];
  try {
    excerpts = splitExcerpts(mei, measures);
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof RangeError)) throw error;
    throw unreadable(error.message, error);
  }
  if (excerpts.length === 0) throw unreadable("its first voice has no notes");
  return excerpts;
}

/**
 * Parses and cuts a score in memory, before anything is written, so that an unreadable file is
 * refused with nothing half-stored.
 *
 * @throws {Problem} 422 (413) when the file is not a readable score; see `parseScore`.
 */
export async function prepareScore(
  services: LibraryServices,
  bytes: Uint8Array,
  format: ScoreFormat,
): Promise<PreparedScore> {
  const mei = await parseScore(bytes, format, services);
  return { mei, excerpts: excerptsOf(mei, services.config.library.excerptMeasures) };
}

/** The score row, written once its object is in the store (an upload writes the job first). */
async function record(run: JobRun): Promise<void> {
  const p = indexPayload(run.job);
  const info = await run.services.store.head(p.objectKey);
  if (info === null) {
    throw new Error(`Object "${p.objectKey}" is missing: its upload never completed`);
  }
  if (p.etag !== undefined && info.etag !== p.etag) {
    throw new Error(`Object "${p.objectKey}" changed: ETag ${info.etag}, expected ${p.etag}`);
  }
  if (info.size !== p.bytes) {
    throw new Error(`Object "${p.objectKey}" has ${info.size} bytes, expected ${p.bytes}`);
  }
  const row = {
    title: p.title,
    object_key: p.objectKey,
    content_type: p.contentType,
    sha256: p.sha256,
    bytes: p.bytes,
    metadata: p.metadata,
    status: "pending" as const,
    source: p.source,
    format: p.format,
    etag: info.etag,
  };
  await run.commit(async (tx) => {
    // A new version of a hooked object re-indexes the same score; its old MEI goes.
    await tx.insertInto("scores").values({ id: run.job.score_id, ...row })
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({
          ...row,
          mei: null,
          embedding_sha256: null,
          updated_at: sql`now()`,
        })
      )
      .execute();
  });
}

/** The score's MEI: prepared by the caller, or parsed from the stored bytes. */
async function parse(run: JobRun): Promise<void> {
  const p = indexPayload(run.job);
  let mei = run.prepared?.mei;
  if (mei === undefined) {
    const bytes = await run.services.store.getBytes(p.objectKey);
    if (bytes === null) throw new Error(`Object "${p.objectKey}" is missing`);
    if (await sha256Hex(bytes) !== p.sha256) {
      throw new Error(`Object "${p.objectKey}" changed: its sha256 differs from the job's`);
    }
    mei = await parseScore(bytes, p.format, run.services);
  }
  const parsed = mei;
  await run.commit(async (tx) => {
    await tx.updateTable("scores").set({ mei: parsed, updated_at: sql`now()` })
      .where("id", "=", run.job.score_id).execute();
  });
}

/** Rows per insert statement, well under Postgres' 65,535 parameters. */
const EXCERPT_BATCH = 500;

/** The score's excerpts, replacing any from an earlier attempt or version (not yet embedded). */
async function excerpt(run: JobRun): Promise<void> {
  const scoreId = run.job.score_id;
  let excerpts = run.prepared?.excerpts;
  if (excerpts === undefined) {
    const score = await run.services.database.db.selectFrom("scores").select("mei")
      .where("id", "=", scoreId).executeTakeFirst();
    if (score?.mei == null) throw new Error(`Score "${scoreId}" has no MEI to cut`);
    excerpts = excerptsOf(score.mei, run.services.config.library.excerptMeasures);
  }
  const rows = excerpts.map((e) => ({
    score_id: scoreId,
    position: e.position,
    first_measure: e.firstMeasure,
    last_measure: e.lastMeasure,
    tokens: [...e.tokens],
  }));
  await run.commit(async (tx) => {
    await tx.deleteFrom("excerpts").where("score_id", "=", scoreId).execute();
    for (let i = 0; i < rows.length; i += EXCERPT_BATCH) {
      await tx.insertInto("excerpts").values(rows.slice(i, i + EXCERPT_BATCH)).execute();
    }
    await tx.updateTable("scores")
      .set({ excerpt_count: rows.length, embedding_sha256: null, updated_at: sql`now()` })
      .where("id", "=", scoreId).execute();
  });
}

/** The excerpts' search embeddings, overwriting any earlier ones; the score is indexed. */
async function embed(run: JobRun): Promise<void> {
  const embedded = await embedScore(run.services, run.job.score_id);
  await run.commit((tx) => writeEmbeddings(tx, embedded));
}

/** The index job's steps, and a failure marks its score failed. */
export const INDEX_JOB: JobKindSpec = {
  steps: [
    { name: "record", run: record },
    { name: "parse", run: parse },
    { name: "excerpt", run: excerpt },
    { name: "embed", run: embed },
  ],
  async onFail(tx, job) {
    await tx.updateTable("scores").set({ status: "failed", updated_at: sql`now()` })
      .where("id", "=", job.score_id).execute();
  },
};
