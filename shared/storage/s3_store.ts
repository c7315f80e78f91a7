/**
 * The object store on S3 or an S3-compatible server, through @aws-sdk/client-s3.
 *
 * @module
 */

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { S3Connection } from "../config.ts";
import {
  type ListOptions,
  type ObjectBody,
  type ObjectInfo,
  type ObjectStore,
  type PutBody,
  type PutOptions,
  readObjectBytes,
} from "./object_store.ts";
import { isValidObjectKey, validateObjectKey, validatePutOptions } from "./object_key.ts";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** S3's smallest part (except the last) in a multipart upload. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's largest number of parts in one upload. */
const MAX_PARTS = 10_000;
/** How many HeadObject calls `list` runs at once to fill in content types and metadata. */
const HEAD_CONCURRENCY = 8;

/**
 * Builds an {@linkcode S3Client} for `connection`; the caller destroys it.
 *
 * Checksums are sent only where an operation requires them: newer SDKs add CRC32 trailers by
 * default, which several S3-compatible servers (s3rver, older MinIO, some gateways) reject.
 *
 * @example
 * ```ts
 * import { createS3Client } from "./s3_store.ts";
 * const client = createS3Client({ region: "us-east-1", forcePathStyle: true });
 * client.destroy();
 * ```
 */
export function createS3Client(connection: S3Connection): S3Client {
  const { endpoint, region, forcePathStyle, accessKeyId, secretAccessKey } = connection;
  return new S3Client({
    endpoint,
    region,
    forcePathStyle,
    credentials: accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey }
      : undefined,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Options for {@linkcode S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** The bucket; it must exist. */
  readonly bucket: string;
  /** Prepended to every key; a `/` is added when missing (`scores` means `scores/`). */
  readonly prefix?: string;
  /** How to reach S3; the store builds a client and destroys it on `close`. */
  readonly connection?: S3Connection;
  /** A client to use instead of `connection`; the caller keeps ownership of it. */
  readonly client?: S3Client;
  /** Bytes per part when a streamed `put` turns into a multipart upload (default 8 MiB). */
  readonly partSize?: number;
  /** Keys per ListObjectsV2 page, 1 to 1000 (default 1000); small values are for tests. */
  readonly pageSize?: number;
}

/**
 * An {@linkcode ObjectStore} in an S3 bucket under a key prefix.
 *
 * Streamed puts buffer one part (8 MiB by default) in memory: a stream that ends within it is one
 * PutObject, a longer one becomes a multipart upload, aborted when the stream fails so that no
 * object appears. `list` calls HeadObject for each key, since ListObjectsV2 reports neither
 * content type nor metadata; keys under the prefix that are not valid object keys are skipped.
 *
 * @example
 * ```ts ignore
 * import { S3ObjectStore } from "./s3_store.ts";
 * const store = new S3ObjectStore({
 *   bucket: "stave",
 *   prefix: "objects",
 *   connection: { endpoint: "http://127.0.0.1:4569", region: "us-east-1", forcePathStyle: true },
 * });
 * await store.put("hello.txt", "hi");
 * await store.close();
 * ```
 */
export class S3ObjectStore implements ObjectStore {
  /** Always `s3`. */
  readonly kind = "s3" as const;
  readonly #client: S3Client;
  readonly #ownsClient: boolean;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #pageSize: number;

  /** A store on `options.bucket`; throws when neither a client nor a connection is given. */
  constructor(options: S3ObjectStoreOptions) {
    if (options.client === undefined && options.connection === undefined) {
      throw new TypeError("S3ObjectStore needs a client or a connection");
    }
    const partSize = options.partSize ?? 8 * 1024 * 1024;
    if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new RangeError(`Invalid part size ${partSize}: S3 needs at least ${MIN_PART_SIZE}`);
    }
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new RangeError(`Invalid page size ${pageSize}: expected 1 to 1000`);
    }
    this.#pageSize = pageSize;
    this.#client = options.client ?? createS3Client(options.connection!);
    this.#ownsClient = options.client === undefined;
    this.#bucket = options.bucket;
    const prefix = (options.prefix ?? "").replace(/^\/+/, "");
    this.#prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.#partSize = partSize;
  }

  /** Uploads `body`: one PutObject, or a multipart upload for streams longer than a part. */
  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    validateObjectKey(key);
    validatePutOptions(options);
    const { signal } = options;
    signal?.throwIfAborted();
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    const metadata = { ...options.metadata };
    const target = {
      Bucket: this.#bucket,
      Key: this.#prefix + key,
      ContentType: contentType,
      Metadata: metadata,
    };
    let size: number;
    let etag: string | undefined;
    if (body instanceof ReadableStream) {
      const uploaded = await this.#putStream(target, body, signal);
      size = uploaded.size;
      etag = uploaded.etag;
    } else {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      size = bytes.byteLength;
      const output = await this.#client.send(
        new PutObjectCommand({ ...target, Body: bytes }),
        { abortSignal: signal },
      );
      etag = output.ETag;
    }
    // PutObject does not return the server's time; the client's is close enough for a receipt.
    return { key, size, contentType, etag: unquote(etag), lastModified: new Date(), metadata };
  }

  /** Streams the object; the SDK's Node stream is converted to a web stream. */
  async get(key: string, signal?: AbortSignal): Promise<ObjectBody | null> {
    validateObjectKey(key);
    try {
      const output = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
        { abortSignal: signal },
      );
      if (output.Body === undefined) throw new Error(`S3 returned no body for object "${key}"`);
      const info = toInfo(key, output);
      return { info, body: output.Body.transformToWebStream() as ReadableStream<Uint8Array> };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Reads the whole object into memory. */
  async getBytes(key: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    return await readObjectBytes(await this.get(key, signal));
  }

  /** HeadObject; a 404 (missing key, or missing bucket, which S3 does not tell apart) is `null`. */
  async head(key: string, signal?: AbortSignal): Promise<ObjectInfo | null> {
    validateObjectKey(key);
    try {
      const output = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
        { abortSignal: signal },
      );
      return toInfo(key, output);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Pages through ListObjectsV2 and heads each key, in S3's byte order of keys. */
  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const { prefix = "", limit = Infinity } = options;
    let remaining = limit;
    let token: string | undefined;
    while (remaining > 0) {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: this.#prefix + prefix,
          ContinuationToken: token,
          // Ask for a few spare keys: some may be skipped as invalid or vanish before the head.
          MaxKeys: Math.min(this.#pageSize, remaining + 8),
        }),
      );
      const keys = (page.Contents ?? [])
        .map((object) => object.Key?.slice(this.#prefix.length) ?? "")
        .filter(isValidObjectKey);
      for (let start = 0; start < keys.length && remaining > 0; start += HEAD_CONCURRENCY) {
        const batch = keys.slice(start, start + HEAD_CONCURRENCY);
        const infos = await Promise.all(batch.map((key) => this.head(key)));
        for (const info of infos) {
          if (info === null || remaining <= 0) continue;
          remaining--;
          yield info;
        }
      }
      if (!page.IsTruncated || page.NextContinuationToken === undefined) return;
      token = page.NextContinuationToken;
    }
  }

  /** DeleteObject, which S3 answers with success for missing keys too. */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    validateObjectKey(key);
    await this.#client.send(
      new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }),
      { abortSignal: signal },
    );
  }

  /** HeadBucket: proves the endpoint, the credentials and the bucket. */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }), {
      abortSignal: signal,
    });
  }

  /** Destroys the client when the store built it (closing its sockets). */
  close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
    return Promise.resolve();
  }

  async #putStream(
    target: { Bucket: string; Key: string; ContentType: string; Metadata: Record<string, string> },
    body: ReadableStream<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<{ size: number; etag?: string }> {
    const parts = readParts(body, this.#partSize, signal);
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        const bytes = first.done ? new Uint8Array() : first.value;
        const output = await this.#client.send(new PutObjectCommand({ ...target, Body: bytes }), {
          abortSignal: signal,
        });
        return { size: bytes.byteLength, etag: output.ETag };
      }
      const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand(target), {
        abortSignal: signal,
      });
      const upload = { Bucket: target.Bucket, Key: target.Key, UploadId };
      try {
        const done: { PartNumber: number; ETag?: string }[] = [];
        let size = 0;
        let part: IteratorResult<Uint8Array> = first;
        for (let PartNumber = 1; !part.done; PartNumber++) {
          if (PartNumber > MAX_PARTS) {
            throw new RangeError(`Object "${target.Key}" is too large: over ${MAX_PARTS} parts`);
          }
          const output = await this.#client.send(
            new UploadPartCommand({ ...upload, PartNumber, Body: part.value }),
            { abortSignal: signal },
          );
          done.push({ PartNumber, ETag: output.ETag });
          size += part.value.byteLength;
          part = PartNumber === 1 ? second : await parts.next();
        }
        const output = await this.#client.send(
          new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: done } }),
          { abortSignal: signal },
        );
        return { size, etag: output.ETag };
      } catch (error) {
        // Without the abort S3 keeps (and bills) the parts; no signal, it must run after an abort.
        await this.#client.send(new AbortMultipartUploadCommand(upload)).catch(() => {});
        throw error;
      }
    } finally {
      await parts.return(undefined);
    }
  }
}

/** Cuts `body` into chunks of exactly `size` bytes (the last may be shorter). */
async function* readParts(
  body: ReadableStream<Uint8Array>,
  size: number,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    let buffer = new Uint8Array(size);
    let filled = 0;
    while (true) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      let offset = 0;
      while (offset < value.byteLength) {
        const take = Math.min(size - filled, value.byteLength - offset);
        buffer.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === size) {
          yield buffer;
          buffer = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    finished = true;
    if (filled > 0) yield buffer.subarray(0, filled);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

interface ObjectOutput {
  ContentLength?: number;
  ContentType?: string;
  ETag?: string;
  LastModified?: Date;
  Metadata?: Record<string, string>;
}

function toInfo(key: string, output: ObjectOutput): ObjectInfo {
  return {
    key,
    size: output.ContentLength ?? 0,
    contentType: output.ContentType ?? DEFAULT_CONTENT_TYPE,
    etag: unquote(output.ETag),
    lastModified: output.LastModified ?? new Date(0),
    metadata: { ...output.Metadata },
  };
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^(W\/)?"(.*)"$/, "$2");
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === "NoSuchKey" || error.name === "NotFound" ||
    (status === 404 && error.name !== "NoSuchBucket");
}
