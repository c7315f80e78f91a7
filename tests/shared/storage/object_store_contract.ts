/**
 * The contract every {@linkcode ObjectStore} passes; each store's test file registers it.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  InvalidObjectKeyError,
  type ObjectInfo,
  type ObjectStore,
} from "../../../shared/storage/mod.ts";
import { sha256Hex as sha256 } from "../../../shared/sha256.ts";

/** A fresh, empty store and how to dispose of it. */
export interface StoreFixture {
  /** The store under test. */
  readonly store: ObjectStore;
  /** Closes the store and removes whatever the fixture made. */
  close(): Promise<void>;
}

/** What the contract may expect of a particular store. */
export interface ContractOptions {
  /** The store's etag is the hex sha256 of the content. */
  readonly sha256Etags?: boolean;
  /**
   * The backend lists keys in UTF-8 byte order even across folders (`a-b` before `a/b`), as S3
   * does; default true. s3rver walks folders depth-first instead, so its test turns this off.
   */
  readonly bytewiseFolderOrder?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A stream of `chunks`, then the end. */
export function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

/** A stream that yields `chunks`, then fails, as an upload cut off midway would. */
export function failingStream(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from((async function* () {
    yield* chunks;
    throw new Error("Upload interrupted");
  })());
}

/** `size` bytes of deterministic, not compressible content. */
export function noise(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** Every item of `list`, in order. */
export async function collect(list: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  return await Array.fromAsync(list);
}

/** Keys that every store rejects, with why. */
export const INVALID_KEYS: readonly string[] = [
  "",
  "../x",
  "a/../../b",
  "a/./b",
  ".",
  "/abs",
  "a\\b",
  "a\0b",
  "a//b",
  "a/",
  "tab\there",
  "space here",
  "tilde~meta.json",
  "x".repeat(1025),
];

/** Registers the contract tests for the store that `makeStore` builds, titled with `name`. */
export function objectStoreContract(
  name: string,
  makeStore: () => Promise<StoreFixture>,
  options: ContractOptions = {},
): void {
  const test = (title: string, body: (store: ObjectStore) => Promise<void>) =>
    Deno.test(`${name}: ${title}`, async () => {
      const fixture = await makeStore();
      try {
        await body(fixture.store);
      } finally {
        await fixture.close();
      }
    });

  test("put() then getBytes() round-trips bytes, strings and streams", async (store) => {
    const bytes = noise(1000);
    await store.put("bytes.bin", bytes);
    assert.deepEqual(await store.getBytes("bytes.bin"), bytes);
    await store.put("text.txt", "hello stave");
    assert.equal(decoder.decode((await store.getBytes("text.txt"))!), "hello stave");
    await store.put("stream.bin", streamOf(bytes.subarray(0, 10), bytes.subarray(10)));
    assert.deepEqual(await store.getBytes("stream.bin"), bytes);
    await store.put("empty", new Uint8Array());
    assert.deepEqual(await store.getBytes("empty"), new Uint8Array());
  });

  test("put() returns the info that head() and get() report", async (store) => {
    const before = Date.now();
    const put = await store.put("scores/a.txt", "abc");
    const head = await store.head("scores/a.txt");
    assert.ok(head);
    assert.equal(head.key, "scores/a.txt");
    assert.equal(head.size, 3);
    assert.equal(head.contentType, "application/octet-stream");
    assert.deepEqual(head.metadata, {});
    assert.equal(head.etag, put.etag);
    assert.ok(head.etag.length > 0 && !head.etag.includes('"'));
    if (options.sha256Etags) assert.equal(head.etag, await sha256(encoder.encode("abc")));
    // Whole seconds on S3, and clocks differ a little.
    assert.ok(Math.abs(head.lastModified.getTime() - before) < 60_000);
    const got = await store.get("scores/a.txt");
    assert.ok(got);
    assert.deepEqual({ ...got.info, lastModified: 0 }, { ...head, lastModified: 0 });
    assert.equal(await new Response(got.body).text(), "abc");
  });

  test("put() keeps content type and metadata", async (store) => {
    const put = await store.put("meta.png", noise(10), {
      contentType: "image/png",
      metadata: { "page-count": "3", source_name: "Bach BWV 846.png" },
    });
    assert.equal(put.contentType, "image/png");
    for (const info of [put, await store.head("meta.png"), (await store.get("meta.png"))?.info]) {
      assert.ok(info);
      assert.equal(info.contentType, "image/png");
      assert.deepEqual(info.metadata, { "page-count": "3", source_name: "Bach BWV 846.png" });
    }
    await (await store.get("meta.png"))!.body.cancel();
    const [listed] = await collect(store.list());
    assert.equal(listed?.contentType, "image/png");
    assert.deepEqual(listed?.metadata, { "page-count": "3", source_name: "Bach BWV 846.png" });
  });

  test("put() rejects bad metadata and content types", async (store) => {
    await assert.rejects(store.put("m", "x", { metadata: { "Upper": "x" } }), TypeError);
    await assert.rejects(store.put("m", "x", { metadata: { "k": "caf\u00e9" } }), TypeError);
    await assert.rejects(store.put("m", "x", { contentType: "not a type" }), TypeError);
    await assert.rejects(store.put("m", "x", { metadata: { k: "x".repeat(3000) } }), RangeError);
    assert.equal(await store.head("m"), null);
  });

  test("put() replaces an object, content type and metadata included", async (store) => {
    await store.put("o", "first version", { contentType: "text/plain", metadata: { a: "1" } });
    const second = await store.put("o", "2nd", { metadata: { b: "2" } });
    assert.equal(decoder.decode((await store.getBytes("o"))!), "2nd");
    const head = await store.head("o");
    assert.equal(head?.size, 3);
    assert.equal(head?.contentType, "application/octet-stream");
    assert.deepEqual(head?.metadata, { b: "2" });
    assert.equal(head?.etag, second.etag);
  });

  test("list() yields keys in byte order, filtered by prefix and limit", async (store) => {
    const keys = ["b", "a/c", "a/b/c", "a0", "c.txt", "ab", "A"];
    for (const key of keys) await store.put(key, key);
    const listed = await collect(store.list());
    assert.deepEqual(listed.map((info) => info.key), [
      "A",
      "a/b/c",
      "a/c",
      "a0",
      "ab",
      "b",
      "c.txt",
    ]);
    assert.deepEqual(listed.map((info) => info.size), [1, 5, 3, 2, 2, 1, 5]);
    const keysOf = async (list: AsyncIterable<ObjectInfo>) =>
      (await collect(list)).map((i) => i.key);
    assert.deepEqual(await keysOf(store.list({ prefix: "a/" })), ["a/b/c", "a/c"]);
    assert.deepEqual(await keysOf(store.list({ prefix: "a/b" })), ["a/b/c"]);
    assert.deepEqual(await keysOf(store.list({ prefix: "a" })), ["a/b/c", "a/c", "a0", "ab"]);
    assert.deepEqual(await keysOf(store.list({ prefix: "zzz" })), []);
    assert.deepEqual(await keysOf(store.list({ limit: 3 })), ["A", "a/b/c", "a/c"]);
    assert.deepEqual(await keysOf(store.list({ prefix: "a", limit: 1 })), ["a/b/c"]);
    assert.deepEqual(await keysOf(store.list({ limit: 0 })), []);
    if (options.bytewiseFolderOrder === false) return;
    // "-" and "." sort before "/", so these come before the folder "a/".
    await store.put("a-b", "a-b");
    await store.put("a.b", "a.b");
    assert.deepEqual(await keysOf(store.list({ prefix: "a" })), [
      "a-b",
      "a.b",
      "a/b/c",
      "a/c",
      "a0",
      "ab",
    ]);
  });

  test("delete() removes an object and is idempotent", async (store) => {
    await store.put("d/x", "x");
    await store.delete("d/x");
    assert.equal(await store.head("d/x"), null);
    assert.equal(await store.get("d/x"), null);
    await store.delete("d/x");
    await store.delete("never/there");
    assert.deepEqual(await collect(store.list()), []);
  });

  test("get(), getBytes() and head() of a missing key are null", async (store) => {
    assert.equal(await store.get("missing"), null);
    assert.equal(await store.getBytes("missing/deeper"), null);
    assert.equal(await store.head("missing"), null);
  });

  test("put() of a stream that fails leaves no object", async (store) => {
    await assert.rejects(store.put("f", failingStream(noise(100))), /Upload interrupted/);
    assert.equal(await store.head("f"), null);
    await store.put("g", "old");
    await assert.rejects(store.put("g", failingStream(noise(100))), /Upload interrupted/);
    assert.equal(decoder.decode((await store.getBytes("g"))!), "old");
    assert.deepEqual((await collect(store.list())).map((info) => info.key), ["g"]);
  });

  test("put() aborted by its signal leaves no object", async (store) => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(stream) {
        stream.enqueue(noise(100));
      },
      pull() {
        // Never ends: only the abort gets the put out of here.
        controller.abort(new Error("Client went away"));
        return new Promise(() => {});
      },
    });
    await assert.rejects(store.put("aborted", stream, { signal: controller.signal }), /went away/);
    assert.equal(await store.head("aborted"), null);
    await assert.rejects(store.put("x", "x", { signal: AbortSignal.abort() }));
    assert.equal(await store.head("x"), null);
  });

  test("every method rejects invalid keys", async (store) => {
    for (const key of INVALID_KEYS) {
      const label = JSON.stringify(key.slice(0, 20));
      await assert.rejects(store.put(key, "x"), InvalidObjectKeyError, `put ${label}`);
      await assert.rejects(store.get(key), InvalidObjectKeyError, `get ${label}`);
      await assert.rejects(store.getBytes(key), InvalidObjectKeyError, `getBytes ${label}`);
      await assert.rejects(store.head(key), InvalidObjectKeyError, `head ${label}`);
      await assert.rejects(store.delete(key), InvalidObjectKeyError, `delete ${label}`);
    }
    assert.deepEqual(await collect(store.list()), []);
  });

  test("put() and get() stream a 6 MiB object", async (store) => {
    const content = noise(6 * 1024 * 1024, 7);
    const chunks = [];
    for (let i = 0; i < content.length; i += 64 * 1024) {
      chunks.push(content.subarray(i, i + 64 * 1024));
    }
    const put = await store.put("big/score.tiff", streamOf(...chunks), {
      contentType: "image/tiff",
    });
    assert.equal(put.size, content.length);
    if (options.sha256Etags) assert.equal(put.etag, await sha256(content));
    const got = await store.get("big/score.tiff");
    assert.ok(got);
    assert.equal(got.info.size, content.length);
    const received = new Uint8Array(content.length);
    let offset = 0;
    for await (const chunk of got.body) {
      assert.ok(offset + chunk.byteLength <= content.length, "more bytes than were put");
      received.set(chunk, offset);
      offset += chunk.byteLength;
    }
    assert.equal(offset, content.length);
    assert.equal(await sha256(received), await sha256(content));
  });

  test("put() stores unicode text as UTF-8", async (store) => {
    const text = "\u{1D11E} Stave \u2014 \u2669\u266A\u266B \u00FCber";
    const put = await store.put("unicode.txt", text, { contentType: "text/plain; charset=utf-8" });
    assert.equal(put.size, encoder.encode(text).length);
    assert.equal(decoder.decode((await store.getBytes("unicode.txt"))!), text);
  });

  test("concurrent put() calls on one key leave one whole version", async (store) => {
    const versions = [1, 2, 3, 4, 5].map((seed) => noise(1000 * seed, seed));
    await Promise.all(versions.map((content) => store.put("race", content)));
    const stored = (await store.getBytes("race"))!;
    assert.ok(versions.some((content) => content.length === stored.length));
    const head = (await store.head("race"))!;
    assert.equal(head.size, stored.length);
    if (options.sha256Etags) assert.equal(head.etag, await sha256(stored));
  });

  test("ping() succeeds on a working store", async (store) => {
    await store.ping();
  });
}
