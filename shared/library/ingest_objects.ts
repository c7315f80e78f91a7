/**
 * Indexes objects put straight into the bucket, as S3 object-created events announce them.
 *
 * A delivery is handled in three passes so that a bad record refuses the whole delivery with
 * nothing written: checks that need no I/O, then reading and parsing each object in memory, then
 * the writes (a job per object, then its steps). Each object version is indexed once: the job's
 * idempotency key is `s3:<bucket>/<key>@<etag>`, so a redelivered event changes nothing. A new
 * version of a key re-indexes the same score.
 *
 * @module
 */
import { InvalidObjectKeyError, validateObjectKey } from "../storage/mod.ts";
import { readObjectBytes } from "../storage/object_store.ts";
import { Problem } from "../problem.ts";
import { sha256Hex } from "../sha256.ts";
import { type IndexPayload, prepareScore } from "./index_job.ts";
import { createJob, findJobByKey, type LibraryServices, type PreparedScore } from "./jobs.ts";
import { runJob } from "./run_job.ts";
import { detectScoreFormat } from "./score_format.ts";
import { UPLOAD_PREFIX } from "./upload.ts";

/** One record of an S3 event notification, as the event says it. */
export interface ObjectEventRecord {
  /** E.g. `ObjectCreated:Put`; other events are skipped. */
  readonly eventName: string;
  /** The bucket. */
  readonly bucket: string;
  /** The key, URL-encoded as S3 events encode it (a space is `+`). */
  readonly key: string;
  /** The new object's entity tag (absent from some events, e.g. copies on some servers). */
  readonly eTag?: string;
  /** Its size in bytes. */
  readonly size?: number;
}

/** What happened to one record. */
export type IngestOutcome = "indexed" | "pending" | "failed" | "duplicate" | "skipped";

/** The answer for one record. */
export interface IngestResult {
  /** The bucket. */
  readonly bucket: string;
  /** The decoded key in the bucket. */
  readonly key: string;
  /** The entity tag indexed. */
  readonly etag?: string;
  /** `duplicate`: that version already has a job; `skipped`: not for this hook (see reason). */
  readonly outcome: IngestOutcome;
  /** The score. */
  readonly scoreId?: string;
  /** The index job. */
  readonly jobId?: string;
  /** Why a record was skipped, or why its job failed. */
  readonly reason?: string;
}

/** A record that passed the checks, with its key in the store. */
interface Candidate {
  readonly bucket: string;
  readonly key: string;
  readonly storeKey: string;
  readonly eTag?: string;
}

/** A candidate read and parsed, ready to write. */
interface Ready {
  readonly candidate: Candidate;
  readonly idempotencyKey: string;
  readonly payload: IndexPayload;
  readonly prepared: PreparedScore;
}

const unquote = (etag: string) => etag.replace(/^(W\/)?"(.*)"$/, "$2");

/** The key as stored: S3 events URL-encode it, with `+` for a space. */
function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new Problem(400, `Invalid event: key "${key.slice(0, 200)}" is not URL-encoded`, {
      slug: "invalid-event",
    });
  }
}

/** Longest title taken from an object's metadata or name. */
const MAX_TITLE = 500;

/** The title of a hooked object: its `title` metadata, else its file name without extension. */
function titleOf(key: string, metadata: Readonly<Record<string, string>>): string {
  const name = key.slice(key.lastIndexOf("/") + 1).replace(/\.[^.]+$/, "") || key;
  return (metadata.title?.trim() || name).slice(0, MAX_TITLE);
}

/** Pass 1: which records concern this service, checked without I/O. */
function check(
  services: LibraryServices,
  records: readonly ObjectEventRecord[],
): { candidates: Candidate[]; results: Map<number, IngestResult> } {
  const { store, http } = services.config;
  const candidates: Candidate[] = [];
  const results = new Map<number, IngestResult>();
  const prefix = store.kind === "s3" ? store.prefix.replace(/^\/+/, "") : "";
  const rooted = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  records.forEach((record, index) => {
    const key = decodeEventKey(record.key);
    const skip = (reason: string) =>
      results.set(index, { bucket: record.bucket, key, outcome: "skipped", reason });
    if (!record.eventName.startsWith("ObjectCreated:")) {
      return skip(`${record.eventName} is not an object-created event`);
    }
    if (store.kind !== "s3" || record.bucket !== store.bucket) {
      const why = store.kind === "s3" ? "" : " (its store is a local folder)";
      throw new Problem(422, `Bucket "${record.bucket}" is not this service's object store${why}`, {
        slug: "foreign-bucket",
      });
    }
    if (!key.startsWith(rooted)) {
      throw new Problem(422, `Key "${key}" is outside this service's prefix "${rooted}"`, {
        slug: "foreign-key",
      });
    }
    const storeKey = key.slice(rooted.length);
    try {
      validateObjectKey(storeKey);
    } catch (error) {
      if (!(error instanceof InvalidObjectKeyError)) throw error;
      throw new Problem(422, error.message, { slug: "unsupported-key", cause: error });
    }
    // POST /v1/scores wrote these itself and indexes them; their events are its echo.
    if (storeKey.startsWith(UPLOAD_PREFIX)) return skip("uploads through the API index themselves");
    if (record.size !== undefined && record.size > http.maxBodyBytes) {
      throw new Problem(
        413,
        `Object "${key}" has ${record.size} bytes, over the limit of ${http.maxBodyBytes}`,
        { slug: "object-too-large", extensions: { limit: http.maxBodyBytes } },
      );
    }
    candidates.push({ bucket: record.bucket, key, storeKey, eTag: record.eTag });
  });
  return { candidates, results };
}

const jobKey = (c: Candidate, etag: string) => `s3:${c.bucket}/${c.key}@${etag}`;

/** Pass 2: reads and parses one candidate, or says its version already has a job. */
async function read(services: LibraryServices, c: Candidate): Promise<Ready | IngestResult> {
  const db = services.database.db;
  const known = c.eTag === undefined
    ? undefined
    : await findJobByKey(db, jobKey(c, unquote(c.eTag)));
  if (known !== undefined) return duplicate(c, unquote(c.eTag!), known);
  const object = await services.store.get(c.storeKey);
  if (object === null) {
    throw new Problem(422, `Object "${c.key}" is not in the store`, { slug: "object-missing" });
  }
  const { info } = object;
  if (c.eTag !== undefined && info.etag !== unquote(c.eTag)) {
    await object.body.cancel();
    const detail = `Object "${c.key}" changed since the event: its ETag is now ${info.etag}`;
    throw new Problem(409, detail, { slug: "object-changed" });
  }
  if (info.size > services.config.http.maxBodyBytes) {
    await object.body.cancel();
    throw new Problem(413, `Object "${c.key}" has ${info.size} bytes, over the limit`, {
      slug: "object-too-large",
      extensions: { limit: services.config.http.maxBodyBytes },
    });
  }
  const idempotencyKey = jobKey(c, info.etag);
  const existing = c.eTag === undefined ? await findJobByKey(db, idempotencyKey) : undefined;
  if (existing !== undefined) {
    await object.body.cancel();
    return duplicate(c, info.etag, existing);
  }
  const bytes = (await readObjectBytes(object))!;
  const detected = detectScoreFormat(bytes, { fileName: c.key, contentType: info.contentType });
  const prepared = await prepareScore(services, bytes, detected.format);
  const { title: _, ...metadata } = info.metadata;
  return {
    candidate: c,
    idempotencyKey,
    prepared,
    payload: {
      source: "hook",
      objectKey: c.storeKey,
      title: titleOf(c.key, info.metadata),
      metadata,
      contentType: detected.contentType,
      format: detected.format,
      sha256: await sha256Hex(bytes),
      bytes: bytes.byteLength,
      etag: info.etag,
    },
  };
}

function duplicate(
  c: Candidate,
  etag: string,
  job: { id: string; score_id: string },
): IngestResult {
  return {
    bucket: c.bucket,
    key: c.key,
    etag,
    outcome: "duplicate",
    scoreId: job.score_id,
    jobId: job.id,
  };
}

/** Pass 3: the job (superseding older unfinished versions of the key), then its steps. */
async function write(services: LibraryServices, ready: Ready): Promise<IngestResult> {
  const db = services.database.db;
  const { candidate: c, payload } = ready;
  const { job, created } = await db.transaction().execute(async (tx) => {
    const score = await tx.selectFrom("scores").select("id")
      .where("object_key", "=", payload.objectKey).executeTakeFirst();
    const scoreId = score?.id ?? crypto.randomUUID();
    const made = await createJob(tx, {
      kind: "index",
      idempotencyKey: ready.idempotencyKey,
      scoreId,
      payload: { ...payload },
    });
    if (made.created) {
      // An older version's unfinished job would fail on the changed object and fail the score.
      await tx.deleteFrom("jobs").where("score_id", "=", scoreId).where("kind", "=", "index")
        .where("status", "!=", "done").where("id", "!=", made.job.id).execute();
    }
    return made;
  });
  if (!created) return duplicate(c, payload.etag!, job);
  const ran = await runJob(services, job.id, { prepared: ready.prepared });
  const outcome = ran?.status === "done"
    ? "indexed"
    : ran?.status === "failed"
    ? "failed"
    : "pending";
  return {
    bucket: c.bucket,
    key: c.key,
    etag: payload.etag,
    outcome,
    scoreId: job.score_id,
    jobId: job.id,
    ...(ran?.error ? { reason: ran.error } : {}),
  };
}

/**
 * Indexes the objects that `records` announce, in order.
 *
 * @example
 * ```ts ignore
 * const results = await ingestObjects(services, [
 *   { eventName: "ObjectCreated:Put", bucket: "stave", key: "inbox/reel.abc", eTag: "9b2c...", size: 812 },
 * ]);
 * ```
 * @throws {Problem} for the whole delivery, with nothing written: 400 for a key that is not
 * URL-encoded, 409 when an object changed since its event, 413 for one over the body limit, 415
 * for a file that is not a score, 422 for another bucket or prefix, a missing object or an
 * unreadable score.
 */
export async function ingestObjects(
  services: LibraryServices,
  records: readonly ObjectEventRecord[],
): Promise<IngestResult[]> {
  const { candidates, results } = check(services, records);
  const readied: (Ready | IngestResult)[] = [];
  for (const candidate of candidates) readied.push(await read(services, candidate));
  const written: IngestResult[] = [];
  for (const item of readied) {
    written.push("idempotencyKey" in item ? await write(services, item) : item);
  }
  // Back into the records' order: skipped ones held their index, the rest fill the gaps.
  const out: IngestResult[] = [];
  let next = 0;
  for (let i = 0; i < records.length; i++) out.push(results.get(i) ?? written[next++]!);
  return out;
}
