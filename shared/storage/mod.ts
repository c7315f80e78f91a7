/**
 * The object store: the interface, key rules, the local and S3 implementations and a factory.
 *
 * @module
 */

import type { StoreConfig } from "../config.ts";
import { LocalObjectStore } from "./local_store.ts";
import type { ObjectStore } from "./object_store.ts";
import { S3ObjectStore } from "./s3_store.ts";

export type {
  ListOptions,
  ObjectBody,
  ObjectInfo,
  ObjectStore,
  PutBody,
  PutOptions,
} from "./object_store.ts";
export {
  InvalidObjectKeyError,
  isValidObjectKey,
  MAX_OBJECT_KEY_BYTES,
  validateObjectKey,
  validatePutOptions,
} from "./object_key.ts";
export { LocalObjectStore } from "./local_store.ts";
export { createS3Client, S3ObjectStore, type S3ObjectStoreOptions } from "./s3_store.ts";

/**
 * Builds the store that `config` describes; call `close()` on it at shutdown.
 *
 * @example
 * ```ts
 * import { createObjectStore } from "./mod.ts";
 * const root = await Deno.makeTempDir();
 * const store = createObjectStore({ kind: "local", root });
 * await store.ping();
 * await store.close?.();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function createObjectStore(config: StoreConfig): ObjectStore {
  switch (config.kind) {
    case "local":
      return new LocalObjectStore(config.root);
    case "s3":
      return new S3ObjectStore({
        bucket: config.bucket,
        prefix: config.prefix,
        connection: config.s3,
      });
  }
}
