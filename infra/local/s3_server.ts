/**
 * An S3-compatible server (s3rver) in this process, for tests and the local dev script.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import S3rver from "s3rver";
import type { S3Connection } from "../../shared/config.ts";

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = {
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
} as const;

/** Options for {@linkcode startS3Server}. */
export interface S3ServerOptions {
  /** Buckets created before the server answers. */
  readonly buckets?: readonly string[];
  /** Interface to bind; loopback by default. */
  readonly hostname?: string;
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Where objects are kept; a temporary folder, removed by `close`, when unset. */
  readonly directory?: string;
  /** Log every request (off by default). */
  readonly verbose?: boolean;
  /**
   * Receives each S3 event notification (`{ Records: [...] }`, as AWS sends them) that s3rver
   * emits for puts, copies and deletes; s3rver itself sends them nowhere.
   */
  readonly onEvent?: (event: unknown) => void;
}

/** A running server. */
export interface S3Server {
  /** Base URL for `S3Connection.endpoint`, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** The bound port. */
  readonly port: number;
  /** Connection settings for a client of this server (path style, s3rver's credentials). */
  readonly connection: S3Connection;
  /** The data folder. */
  readonly directory: string;
  /** Stops the server; removes the data folder when it was a temporary one. */
  close(): Promise<void>;
  /** Same as `close`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The little of s3rver's untyped API used here. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(name: "event", listener: (event: unknown) => void): void;
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, which Deno's node:crypto lacks
 * ("Unknown cipher"), so every truncated listing fails with a 500. The token is opaque to
 * clients, so a reversible stand-in is enough: this fills in `des` only (every other algorithm
 * still goes to Deno), and only in the process that runs s3rver.
 */
function shimDesForS3rver(): void {
  const crypto = createRequire(import.meta.url)("crypto") as Record<string, unknown> & {
    [shimmed]?: true;
  };
  if (crypto[shimmed]) return;
  const passThrough = () => ({
    update: (data: string | Uint8Array, encoding?: BufferEncoding) =>
      typeof data === "string" ? Buffer.from(data, encoding) : Buffer.from(data),
    final: () => Buffer.alloc(0),
  });
  for (const name of ["createCipheriv", "createDecipheriv"]) {
    const original = crypto[name] as (algorithm: string, ...rest: unknown[]) => unknown;
    crypto[name] = (algorithm: string, ...rest: unknown[]) =>
      algorithm === "des" ? passThrough() : original(algorithm, ...rest);
  }
  crypto[shimmed] = true;
}
const shimmed = Symbol("stave.s3rverDesShim");

/**
 * Starts s3rver on loopback with path-style addressing and the {@linkcode S3RVER_CREDENTIALS}.
 *
 * @example
 * ```ts ignore
 * import { startS3Server } from "./s3_server.ts";
 * await using server = await startS3Server({ buckets: ["stave"] });
 * console.log(server.endpoint);
 * ```
 */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  shimDesForS3rver();
  const hostname = options.hostname ?? "127.0.0.1";
  const temporary = options.directory === undefined;
  const directory = options.directory ?? await Deno.makeTempDir({ prefix: "stave-s3-" });
  if (!temporary) await Deno.mkdir(directory, { recursive: true });
  const Server = S3rver as unknown as new (options: Record<string, unknown>) => S3rverInstance;
  const server = new Server({
    address: hostname,
    port: options.port ?? 0,
    directory,
    silent: !options.verbose,
    // Buckets are addressed by path; the vhost middleware would otherwise read the Host header.
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  if (options.onEvent !== undefined) server.on("event", options.onEvent);
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    if (temporary) await Deno.remove(directory, { recursive: true }).catch(() => {});
    throw error;
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      await server.close();
      if (temporary) await Deno.remove(directory, { recursive: true });
    })();
  const endpoint = `http://${host}:${address.port}`;
  return {
    endpoint,
    port: address.port,
    connection: { endpoint, region: "us-east-1", forcePathStyle: true, ...S3RVER_CREDENTIALS },
    directory,
    close,
    [Symbol.asyncDispose]: close,
  };
}
