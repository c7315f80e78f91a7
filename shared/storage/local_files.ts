/**
 * File helpers of the local object store: the sorted walk, hashed writes and stats that
 * treat a missing path as `null`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { isValidObjectKey } from "./object_key.ts";
import type { PutBody } from "./object_store.ts";

/** Yields the keys under `dir` in byte order, visiting only folders that can match `prefix`. */
export async function* walk(dir: string, base: string, prefix: string): AsyncGenerator<string> {
  const entries: { name: string; sortKey: string; isDirectory: boolean }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    // Sidecars, temp files and symlinks are not objects.
    if (entry.name.includes("~") || entry.isSymlink) continue;
    // A folder sorts as "name/", which puts "a-b" < "a/..." < "a0" as in the keys' byte order.
    const sortKey = entry.isDirectory ? `${entry.name}/` : entry.name;
    entries.push({ name: entry.name, sortKey, isDirectory: entry.isDirectory });
  }
  entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  for (const entry of entries) {
    const key = `${base}${entry.sortKey}`;
    if (entry.isDirectory) {
      if (key.startsWith(prefix) || prefix.startsWith(key)) {
        yield* walk(join(dir, entry.name), key, prefix);
      }
    } else if (key.startsWith(prefix) && isValidObjectKey(key)) {
      yield key;
    }
  }
}

/** Streams `body` into a new file at `path`, hashing on the way; the caller removes it on error. */
export async function writeHashed(
  path: string,
  body: PutBody,
  signal?: AbortSignal,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        while (true) {
          signal?.throwIfAborted();
          const { done, value } = await reader.read();
          if (done) break;
          signal?.throwIfAborted();
          hash.update(value);
          size += value.byteLength;
          await writeAll(file, value);
        }
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        throw error;
      } finally {
        signal?.removeEventListener("abort", onAbort);
        reader.releaseLock();
      }
    } else {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      hash.update(bytes);
      size = bytes.byteLength;
      await writeAll(file, bytes);
    }
    // The rename must not expose data that is still only in the page cache after a crash.
    await file.sync();
  } finally {
    file.close();
  }
  return { size, sha256: hash.digest("hex") };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await file.write(bytes.subarray(offset));
}

/** Hex sha256 of the file at `path`, read as a stream. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  // The readable closes the file when it ends or errors.
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** `Deno.stat`, with `null` for a path that does not exist (or runs through a file). */
export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw error;
  }
}

/** `Deno.lstat` (does not follow a final symlink), with `null` for a missing path. */
export async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Removes the file at `path`; a missing one is not an error. */
export async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
