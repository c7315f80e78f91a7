/**
 * Tests of `LocalObjectStore`: the shared contract on a temporary folder, then what only a
 * folder can get wrong (escapes through symlinks, leftovers, sidecars).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createObjectStore,
  InvalidObjectKeyError,
  LocalObjectStore,
} from "../../../shared/storage/mod.ts";
import { collect, failingStream, noise, objectStoreContract } from "./object_store_contract.ts";
import { sha256Hex } from "../../../shared/sha256.ts";

objectStoreContract("LocalObjectStore", async () => {
  const root = await Deno.makeTempDir({ prefix: "stave-local-store-" });
  const store = new LocalObjectStore(join(root, "objects"));
  return {
    store,
    close: async () => {
      await store.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}, { sha256Etags: true });

/** Runs `body` with a store in a fresh temp folder (`root/objects`) and a folder beside it. */
async function withStore(
  body: (store: LocalObjectStore, paths: { objects: string; outside: string }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "stave-local-store-" });
  const objects = join(root, "objects");
  const outside = join(root, "outside");
  await Deno.mkdir(objects);
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  try {
    await body(new LocalObjectStore(objects), { objects, outside });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Every file name under `dir`, relative, sorted. */
async function filesUnder(dir: string, base = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const name = `${base}${entry.name}`;
    if (entry.isDirectory) names.push(...await filesUnder(join(dir, entry.name), `${name}/`));
    else names.push(name);
  }
  return names.sort();
}

Deno.test("LocalObjectStore creates its root on first use", async () => {
  await withStore(async (_, { objects }) => {
    const store = new LocalObjectStore(join(objects, "deeper", "still"));
    await store.put("a.txt", "a");
    assert.equal(await Deno.readTextFile(join(objects, "deeper", "still", "a.txt")), "a");
  });
});

Deno.test("LocalObjectStore does not follow a symlinked folder out of its root", async () => {
  await withStore(async (store, { objects, outside }) => {
    await Deno.symlink(outside, join(objects, "link"));
    await assert.rejects(store.get("link/secret.txt"), /resolves outside the store root/);
    await assert.rejects(store.head("link/secret.txt"), /resolves outside the store root/);
    await assert.rejects(store.getBytes("link/secret.txt"), /resolves outside the store root/);
    await assert.rejects(store.delete("link/secret.txt"), /resolves outside the store root/);
    await assert.rejects(store.put("link/new.txt", "x"), /resolves outside the store root/);
    await assert.rejects(store.put("link/sub/new.txt", "x"), /resolves outside the store root/);
    assert.deepEqual(await filesUnder(outside), ["secret.txt"]);
    assert.deepEqual(await collect(store.list()), []);
  });
});

Deno.test("LocalObjectStore does not read or replace a symlinked file", async () => {
  await withStore(async (store, { objects, outside }) => {
    await Deno.symlink(join(outside, "secret.txt"), join(objects, "file-link"));
    await assert.rejects(store.get("file-link"), /resolves outside the store root/);
    await assert.rejects(store.put("file-link", "overwrite"), /is a symbolic link/);
    assert.equal(await Deno.readTextFile(join(outside, "secret.txt")), "secret");
  });
});

Deno.test("LocalObjectStore keys cannot name sidecars or temp files", async () => {
  await withStore(async (store) => {
    await store.put("a.txt", "a", { contentType: "text/plain" });
    await assert.rejects(store.get("a.txt~meta.json"), InvalidObjectKeyError);
    await assert.rejects(store.put("a.txt~meta.json", "{}"), InvalidObjectKeyError);
  });
});

Deno.test("LocalObjectStore keeps sidecars out of list()", async () => {
  await withStore(async (store, { objects }) => {
    await store.put("dir/a.txt", "a", { contentType: "text/plain", metadata: { k: "v" } });
    assert.deepEqual(await filesUnder(objects), ["dir/a.txt", "dir/a.txt~meta.json"]);
    assert.deepEqual((await collect(store.list())).map((info) => info.key), ["dir/a.txt"]);
    await store.delete("dir/a.txt");
    assert.deepEqual(await filesUnder(objects), []);
  });
});

Deno.test("LocalObjectStore leaves no temp file after a failed put()", async () => {
  await withStore(async (store, { objects }) => {
    await store.put("keep.bin", "keep");
    await assert.rejects(store.put("keep.bin", failingStream(noise(70_000))), /interrupted/);
    await assert.rejects(store.put("new/x.bin", failingStream(noise(10))), /interrupted/);
    const controller = new AbortController();
    const stream = ReadableStream.from((async function* () {
      yield noise(10);
      controller.abort(new Error("Cancelled"));
      yield noise(10);
    })());
    await assert.rejects(
      store.put("new/y.bin", stream, { signal: controller.signal }),
      /Cancelled/,
    );
    assert.deepEqual(await filesUnder(objects), ["keep.bin", "keep.bin~meta.json"]);
  });
});

Deno.test("LocalObjectStore skips files whose names are not keys", async () => {
  await withStore(async (store, { objects }) => {
    await Deno.writeTextFile(join(objects, "has space.txt"), "x");
    await Deno.writeTextFile(join(objects, "~orphan.tmp"), "x");
    await store.put("ok.txt", "ok");
    assert.deepEqual((await collect(store.list())).map((info) => info.key), ["ok.txt"]);
  });
});

Deno.test("LocalObjectStore trusts the data over a sidecar written for another file", async () => {
  await withStore(async (store, { objects }) => {
    await store.put("page.png", "old", { contentType: "image/png", metadata: { a: "1" } });
    // As if the process died after renaming a new data file but before its sidecar.
    const fresh = join(objects, "fresh.tmp");
    await Deno.writeTextFile(fresh, "new!");
    await Deno.rename(fresh, join(objects, "page.png"));
    const head = await store.head("page.png");
    assert.equal(head?.size, 4);
    assert.equal(head?.contentType, "application/octet-stream");
    assert.deepEqual(head?.metadata, {});
    assert.equal(head?.etag, await sha256Hex("new!"));
    // A missing sidecar reads the same way.
    await Deno.remove(join(objects, "page.png~meta.json"));
    assert.equal((await store.head("page.png"))?.etag, head?.etag);
  });
});

Deno.test("LocalObjectStore refuses a key that is also a folder of objects", async () => {
  await withStore(async (store) => {
    await store.put("a/b", "b");
    await assert.rejects(store.put("a", "a"), /a folder of objects has that name/);
    await store.put("c", "c");
    await assert.rejects(store.put("c/d", "d"), /an object has the name of one of its folders/);
    assert.equal(await store.head("a"), null);
    assert.equal(await store.get("a"), null);
    await store.delete("a");
    assert.deepEqual((await collect(store.list())).map((info) => info.key), ["a/b", "c"]);
  });
});

Deno.test("createObjectStore() builds a LocalObjectStore for a local config", async () => {
  await withStore(async (_, { objects }) => {
    const store = createObjectStore({ kind: "local", root: objects });
    assert.ok(store instanceof LocalObjectStore);
    assert.equal(store.kind, "local");
    await store.ping();
    assert.deepEqual(await filesUnder(objects), []);
  });
});
