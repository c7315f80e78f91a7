/**
 * The object store contract: one interface for uploads and artifacts, with a local-folder
 * implementation (the embedded default) and an S3 implementation.
 *
 * @module
 */

/** What the store knows about one object. */
export interface ObjectInfo {
  /** The object's key, as given to {@linkcode ObjectStore.put}. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** MIME type given at `put`, or `application/octet-stream`. */
  readonly contentType: string;
  /** Hex sha256 of the content where the store knows it, else an opaque entity tag. */
  readonly etag: string;
  /** Last write time. */
  readonly lastModified: Date;
  /** User metadata given at `put` (lower-case keys). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Options for {@linkcode ObjectStore.put}. */
export interface PutOptions {
  /** MIME type stored with the object. */
  readonly contentType?: string;
  /** User metadata stored with the object (lower-case ASCII keys and values). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Aborts the write; a cancelled write leaves no object behind. */
  readonly signal?: AbortSignal;
}

/** An object's body as a stream, with its info. */
export interface ObjectBody {
  /** What the store knows about the object. */
  readonly info: ObjectInfo;
  /** The content; the caller must consume or cancel it. */
  readonly body: ReadableStream<Uint8Array>;
}

/** Options for {@linkcode ObjectStore.list}. */
export interface ListOptions {
  /** Only keys starting with this prefix. */
  readonly prefix?: string;
  /** Stop after this many objects. */
  readonly limit?: number;
}

/** Bytes or a stream to write. */
export type PutBody = Uint8Array | string | ReadableStream<Uint8Array>;

/** A place to keep objects by key. Writes are all-or-nothing: a failed `put` leaves no object. */
export interface ObjectStore {
  /** `local` or `s3`, for health reports. */
  readonly kind: "local" | "s3";
  /** Writes (or replaces) the object at `key`. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<ObjectInfo>;
  /** Streams the object at `key`, or `null` when there is none. */
  get(key: string, signal?: AbortSignal): Promise<ObjectBody | null>;
  /** Reads the whole object at `key` into memory, or `null` when there is none. */
  getBytes(key: string, signal?: AbortSignal): Promise<Uint8Array | null>;
  /** The object's info, or `null` when there is none. */
  head(key: string, signal?: AbortSignal): Promise<ObjectInfo | null>;
  /** Lists objects in key order. */
  list(options?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Deletes the object at `key`; deleting a missing key is not an error. */
  delete(key: string, signal?: AbortSignal): Promise<void>;
  /** Checks that the store is reachable and writable enough to serve; throws when not. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Releases what the store holds (the S3 client's sockets); optional so fakes need not. */
  close?(): Promise<void>;
}

/** The whole body of `object` (as `get` returns it) in memory, or `null` when there is none. */
export async function readObjectBytes(object: ObjectBody | null): Promise<Uint8Array | null> {
  if (object === null) return null;
  return new Uint8Array(await new Response(object.body).arrayBuffer());
}
