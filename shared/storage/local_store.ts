/**
 * The object store in a local folder: the embedded default, one file per object.
 *
 * Layout: the object `a/b.png` is the file `<root>/a/b.png`, so the folder can be browsed.
 * Its content type, metadata and sha256 live in the sidecar `<root>/a/b.png~meta.json`;
 * writes go through `~<uuid>.tmp` files in the same folder and are renamed into place.
 * Keys cannot contain `~`, so no key names a sidecar or a temporary file, and `list` skips them.
 *
 * @module
 */

import { join, resolve, sep } from "node:path";
import {
  type ListOptions,
  type ObjectBody,
  type ObjectInfo,
  type ObjectStore,
  type PutBody,
  type PutOptions,
  readObjectBytes,
} from "./object_store.ts";
import { validateObjectKey, validatePutOptions } from "./object_key.ts";
import {
  hashFile,
  lstatOrNull,
  removeIfExists,
  statOrNull,
  walk,
  writeHashed,
} from "./local_files.ts";

const SIDECAR = "~meta.json";
const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** What the sidecar records; `ino` and `size` tie it to the data file it describes. */
interface Sidecar {
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly sha256: string;
  readonly size: number;
  readonly ino: number | null;
}

/**
 * An {@linkcode ObjectStore} in a folder; the folder is created on first use.
 *
 * A write renames the sidecar into place, then the data file. A crash between the two leaves the
 * old data with a sidecar for another inode: readers notice the mismatch and fall back to
 * `application/octet-stream`, no metadata and a freshly computed sha256, never to wrong metadata.
 * Within one process a per-key lock keeps readers out of that window. A key cannot be both an
 * object and a folder of objects here (`a` and `a/b`); such a `put` fails with a clear error.
 *
 * @example
 * ```ts
 * import { LocalObjectStore } from "./local_store.ts";
 * const root = await Deno.makeTempDir();
 * const store = new LocalObjectStore(root);
 * await store.put("hello.txt", "hi", { contentType: "text/plain" });
 * console.assert(new TextDecoder().decode((await store.getBytes("hello.txt"))!) === "hi");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export class LocalObjectStore implements ObjectStore {
  /** Always `local`. */
  readonly kind = "local" as const;
  readonly #root: string;
  #realRoot?: Promise<string>;
  /** Per-key commits in flight, so readers in this process never see a half-renamed pair. */
  readonly #commits = new Map<string, Promise<unknown>>();

  /** A store rooted at `root` (relative paths resolve against the working directory). */
  constructor(root: string) {
    this.#root = resolve(root);
  }

  /** Writes `body` to a temp file while hashing it, then renames sidecar and data into place. */
  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<ObjectInfo> {
    validateObjectKey(key);
    validatePutOptions(options);
    options.signal?.throwIfAborted();
    const path = await this.#writablePath(key);
    const dir = join(path, "..");
    const id = crypto.randomUUID();
    const dataTemp = join(dir, `~${id}.tmp`);
    const metaTemp = join(dir, `~${id}.meta.tmp`);
    try {
      const { size, sha256 } = await writeHashed(dataTemp, body, options.signal);
      const { ino } = await Deno.stat(dataTemp);
      const sidecar: Sidecar = {
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        metadata: { ...options.metadata },
        sha256,
        size,
        ino,
      };
      await Deno.writeTextFile(metaTemp, JSON.stringify(sidecar));
      options.signal?.throwIfAborted();
      await this.#exclusive(key, async () => {
        await Deno.rename(metaTemp, `${path}${SIDECAR}`);
        await Deno.rename(dataTemp, path);
      });
      const { mtime } = await Deno.stat(path);
      return info(key, sidecar, mtime ?? new Date());
    } finally {
      // After a successful rename these are gone; after a failure they must not stay behind.
      await removeIfExists(dataTemp);
      await removeIfExists(metaTemp);
    }
  }

  /** Opens the object for streaming; the stream closes the file when consumed or cancelled. */
  async get(key: string, signal?: AbortSignal): Promise<ObjectBody | null> {
    validateObjectKey(key);
    signal?.throwIfAborted();
    const path = await this.#readablePath(key);
    if (path === null) return null;
    await this.#commits.get(key);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
    try {
      const stat = await file.stat();
      if (!stat.isFile) {
        file.close();
        return null;
      }
      const objectInfo = await this.#info(key, path, stat);
      return { info: objectInfo, body: file.readable };
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Reads the whole object into memory. */
  async getBytes(key: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    return await readObjectBytes(await this.get(key, signal));
  }

  /** The object's info from a stat and its sidecar. */
  async head(key: string, signal?: AbortSignal): Promise<ObjectInfo | null> {
    validateObjectKey(key);
    signal?.throwIfAborted();
    const path = await this.#readablePath(key);
    if (path === null) return null;
    await this.#commits.get(key);
    const stat = await statOrNull(path);
    if (stat === null || !stat.isFile) return null;
    return await this.#info(key, path, stat);
  }

  /** Walks the folder depth-first with entries sorted so that keys come out in byte order. */
  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const { prefix = "", limit = Infinity } = options;
    if (limit <= 0) return;
    const root = await this.#ensureRoot();
    let count = 0;
    for await (const key of walk(root, "", prefix)) {
      const objectInfo = await this.head(key);
      // An object deleted during the walk is simply not listed.
      if (objectInfo === null) continue;
      yield objectInfo;
      if (++count >= limit) return;
    }
  }

  /** Removes the data file, then its sidecar; folders left empty stay (a concurrent put may need them). */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    validateObjectKey(key);
    signal?.throwIfAborted();
    const path = await this.#readablePath(key);
    if (path === null) return;
    await this.#exclusive(key, async () => {
      const stat = await statOrNull(path);
      if (stat?.isFile) await removeIfExists(path);
      await removeIfExists(`${path}${SIDECAR}`);
    });
  }

  /** Creates the root if needed and proves it writable with a temp file. */
  async ping(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const root = await this.#ensureRoot();
    const probe = await Deno.makeTempFile({ dir: root, prefix: "~ping-" });
    await Deno.remove(probe);
  }

  /** Nothing to release; here so callers can close every store alike. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #ensureRoot(): Promise<string> {
    this.#realRoot ??= (async () => {
      await Deno.mkdir(this.#root, { recursive: true });
      return await Deno.realPath(this.#root);
    })();
    // A failed creation is not cached, so a later call can succeed.
    this.#realRoot.catch(() => this.#realRoot = undefined);
    return this.#realRoot;
  }

  /** The real path for `key`, or `null` when it does not exist; throws when it leaves the root. */
  async #readablePath(key: string): Promise<string | null> {
    const root = await this.#ensureRoot();
    const path = join(root, ...key.split("/"));
    let real: string;
    try {
      real = await Deno.realPath(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
        return null;
      }
      throw error;
    }
    assertInside(root, real, key);
    return real;
  }

  /** The path to write `key` to, its folder created; throws when a symlink leads out of root. */
  async #writablePath(key: string): Promise<string> {
    const root = await this.#ensureRoot();
    const segments = key.split("/");
    const name = segments.pop()!;
    // Check the deepest existing folder before mkdir, which follows symlinks.
    let existing = root;
    for (const segment of segments) {
      const next = join(existing, segment);
      if ((await statOrNull(next)) === null) break;
      existing = next;
    }
    assertInside(root, await Deno.realPath(existing), key);
    const dir = join(root, ...segments);
    try {
      await Deno.mkdir(dir, { recursive: true });
    } catch (error) {
      if (
        error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory
      ) {
        throw new Error(
          `Cannot write object "${key}": an object has the name of one of its folders`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    const realDir = await Deno.realPath(dir);
    assertInside(root, realDir, key);
    const path = join(realDir, name);
    const target = await lstatOrNull(path);
    if (target?.isDirectory) {
      throw new Error(`Cannot write object "${key}": a folder of objects has that name`);
    }
    // Replacing a symlink would be harmless (rename replaces the link itself), but refuse it so
    // that a planted link is noticed rather than silently overwritten.
    if (target?.isSymlink) {
      throw new Error(`Cannot write object "${key}": the path is a symbolic link`);
    }
    return path;
  }

  async #info(key: string, path: string, stat: Deno.FileInfo): Promise<ObjectInfo> {
    const sidecar = await readSidecar(`${path}${SIDECAR}`);
    const mtime = stat.mtime ?? new Date();
    if (sidecar !== null && sidecar.size === stat.size && sidecar.ino === stat.ino) {
      return info(key, sidecar, mtime);
    }
    // No sidecar, or one for another file (a crash between the two renames): trust the data.
    const sha256 = await hashFile(path);
    const fallback: Sidecar = {
      contentType: DEFAULT_CONTENT_TYPE,
      metadata: {},
      sha256,
      size: stat.size,
      ino: stat.ino,
    };
    return info(key, fallback, mtime);
  }

  async #exclusive(key: string, task: () => Promise<void>): Promise<void> {
    while (this.#commits.has(key)) await this.#commits.get(key);
    const running = task();
    const settled = running.catch(() => {});
    this.#commits.set(key, settled);
    try {
      await running;
    } finally {
      this.#commits.delete(key);
    }
  }
}

function info(key: string, sidecar: Sidecar, lastModified: Date): ObjectInfo {
  return {
    key,
    size: sidecar.size,
    contentType: sidecar.contentType,
    etag: sidecar.sha256,
    lastModified,
    metadata: { ...sidecar.metadata },
  };
}

function assertInside(root: string, real: string, key: string): void {
  if (real !== root && !real.startsWith(root + sep)) {
    throw new Error(`Cannot use object key "${key}": its path resolves outside the store root`);
  }
}

async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Sidecar;
  } catch (error) {
    // A missing or unreadable sidecar degrades to default metadata (see LocalObjectStore).
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return null;
    throw error;
  }
}
