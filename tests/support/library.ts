/**
 * Helpers for library tests: row counts, every object in a store, the check that nothing was written, the environment of services on
 * an s3rver bucket, and signed webhook requests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import type { Tables } from "../../shared/db/schema.ts";
import type { ObjectStore } from "../../shared/storage/mod.ts";
import {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  signHookBody,
} from "../../shared/library/mod.ts";
import type { S3Server } from "../../infra/local/s3_server.ts";

/** The bucket library tests use. */
export const BUCKET = "stave-library";
/** The store's key prefix inside {@linkcode BUCKET}. */
export const PREFIX = "library/";
/** The hook secret of the test services. */
export const HOOK_SECRET = "test-hook-secret-0123456789";

/** Rows in each library table. */
export async function countRows(db: Kysely<Tables>) {
  const count = async (table: "scores" | "excerpts" | "jobs" | "hook_deliveries") =>
    Number(
      (await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()).n,
    );
  return {
    scores: await count("scores"),
    excerpts: await count("excerpts"),
    jobs: await count("jobs"),
    deliveries: await count("hook_deliveries"),
  };
}

/** Every key in `store`, in order. */
export async function keysIn(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list()) keys.push(info.key);
  return keys;
}

/** Asserts that the library holds nothing: no row in any of its tables, no object in `store`. */
export async function assertNothingWritten(db: Kysely<Tables>, store: ObjectStore): Promise<void> {
  assert.deepEqual(await countRows(db), { scores: 0, excerpts: 0, jobs: 0, deliveries: 0 });
  assert.deepEqual(await keysIn(store), []);
}

/** Configuration variables for services whose store is `server`'s bucket under the prefix. */
export function s3Env(server: S3Server): Record<string, string> {
  return {
    STAVE_S3_BUCKET: BUCKET,
    STAVE_S3_PREFIX: PREFIX,
    STAVE_S3_ENDPOINT: server.endpoint,
    STAVE_S3_ACCESS_KEY_ID: server.connection.accessKeyId!,
    STAVE_S3_SECRET_ACCESS_KEY: server.connection.secretAccessKey!,
    STAVE_HOOK_SECRET: HOOK_SECRET,
  };
}

/** Options of {@linkcode signedHook}. */
export interface SignOptions {
  /** Signing secret (default {@linkcode HOOK_SECRET}). */
  readonly secret?: string;
  /** Unix seconds (default now). */
  readonly timestamp?: number;
  /** Content type (default JSON). */
  readonly contentType?: string;
}

/** A `RequestInit` posting `body` with a valid signature (unless the options spoil it). */
export async function signedHook(body: string, options: SignOptions = {}): Promise<RequestInit> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    method: "POST",
    body,
    headers: {
      "content-type": options.contentType ?? "application/json",
      [HOOK_TIMESTAMP_HEADER]: String(timestamp),
      [HOOK_SIGNATURE_HEADER]: await signHookBody(options.secret ?? HOOK_SECRET, timestamp, body),
    },
  };
}

/** A key URL-encoded as S3 event notifications encode it: `/` kept, a space as `+`. */
const awsEncode = (key: string) =>
  encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/").replace(/%20/g, "+");

/** An S3 object-created event as AWS sends it, for one object (the key is URL-encoded here). */
export function createdEvent(
  key: string,
  eTag: string,
  size: number,
  bucket = BUCKET,
): { Records: unknown[] } {
  return {
    Records: [{
      eventVersion: "2.1",
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: awsEncode(key),
          eTag,
          size,
        },
      },
    }],
  };
}

/** Empties the library's tables and `store`, so test steps can share one set of services. */
export async function resetLibrary(db: Kysely<Tables>, store: ObjectStore): Promise<void> {
  await sql`truncate scores, excerpts, jobs, hook_deliveries`.execute(db);
  for (const key of await keysIn(store)) await store.delete(key);
}
