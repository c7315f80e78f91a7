/**
 * Tests of `S3ObjectStore` against a real S3-compatible server (s3rver) on 127.0.0.1: the
 * shared contract under a key prefix, then multipart uploads, pagination and prefixes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  createObjectStore,
  createS3Client,
  S3ObjectStore,
  type S3ObjectStoreOptions,
} from "../../../shared/storage/mod.ts";
import { type S3Server, startS3Server } from "../../../infra/local/s3_server.ts";
import { collect, failingStream, noise, objectStoreContract } from "./object_store_contract.ts";

const BUCKET = "stave-test";
/** The smallest part S3 allows, so that the contract's 6 MiB object goes multipart. */
const PART_SIZE = 5 * 1024 * 1024;

/** Runs `body` with a fresh server and a store on it; both are closed afterwards. */
async function withStore(
  options: Partial<S3ObjectStoreOptions>,
  body: (store: S3ObjectStore, server: S3Server) => Promise<void>,
): Promise<void> {
  const server = await startS3Server({ buckets: [BUCKET] });
  const store = new S3ObjectStore({
    bucket: BUCKET,
    prefix: "tenant/objects",
    connection: server.connection,
    partSize: PART_SIZE,
    ...options,
  });
  try {
    await body(store, server);
  } finally {
    await store.close();
    await server.close();
  }
}

objectStoreContract("S3ObjectStore", async () => {
  const server = await startS3Server({ buckets: [BUCKET] });
  const store = new S3ObjectStore({
    bucket: BUCKET,
    prefix: "tenant/objects",
    connection: server.connection,
    partSize: PART_SIZE,
    pageSize: 3,
  });
  return {
    store,
    close: async () => {
      await store.close();
      await server.close();
    },
  };
}, { bytewiseFolderOrder: false });

Deno.test("S3ObjectStore keeps objects under its prefix", async () => {
  await withStore({}, async (store, server) => {
    await store.put("a.txt", "a");
    const other = new S3ObjectStore({
      bucket: BUCKET,
      prefix: "other/",
      connection: server.connection,
    });
    const root = new S3ObjectStore({ bucket: BUCKET, connection: server.connection });
    try {
      assert.equal(await other.head("a.txt"), null);
      assert.deepEqual(await collect(other.list()), []);
      assert.equal(new TextDecoder().decode((await root.getBytes("tenant/objects/a.txt"))!), "a");
      assert.deepEqual((await collect(root.list())).map((info) => info.key), [
        "tenant/objects/a.txt",
      ]);
    } finally {
      await other.close();
      await root.close();
    }
  });
});

Deno.test("S3ObjectStore list() pages through ListObjectsV2", async () => {
  await withStore({ pageSize: 2 }, async (store) => {
    const keys = Array.from({ length: 7 }, (_, i) => `page/${i}`);
    for (const key of keys) await store.put(key, key);
    assert.deepEqual((await collect(store.list())).map((info) => info.key), keys);
    assert.deepEqual(
      (await collect(store.list({ limit: 5 }))).map((info) => info.key),
      keys.slice(0, 5),
    );
  });
});

Deno.test("S3ObjectStore list() skips keys under its prefix that are not valid keys", async () => {
  await withStore({}, async (store, server) => {
    const client = createS3Client(server.connection);
    try {
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: "tenant/objects/has space", Body: "x" }),
      );
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: "tenant/objects/a~b", Body: "x" }),
      );
    } finally {
      client.destroy();
    }
    await store.put("ok", "ok");
    assert.deepEqual((await collect(store.list())).map((info) => info.key), ["ok"]);
  });
});

Deno.test("S3ObjectStore aborts a multipart upload whose stream fails after a part", async () => {
  await withStore({}, async (store) => {
    const failing = failingStream(noise(PART_SIZE), noise(PART_SIZE, 2), noise(100, 3));
    await assert.rejects(store.put("big", failing), /Upload interrupted/);
    assert.equal(await store.head("big"), null);
    assert.deepEqual(await collect(store.list()), []);
  });
});

Deno.test("S3ObjectStore put() of a stream of exactly one part is a single PutObject", async () => {
  await withStore({}, async (store) => {
    const content = noise(PART_SIZE);
    const put = await store.put("one-part", ReadableStream.from([content]));
    assert.equal(put.size, PART_SIZE);
    assert.equal((await store.head("one-part"))?.etag, put.etag);
  });
});

Deno.test("S3ObjectStore ping() fails for a missing bucket", async () => {
  await withStore({ bucket: "no-such-bucket" }, async (store) => {
    await assert.rejects(store.ping());
  });
});

Deno.test("S3ObjectStore rejects part sizes S3 would refuse", () => {
  const client = createS3Client({ region: "us-east-1", forcePathStyle: true });
  try {
    assert.throws(() => new S3ObjectStore({ bucket: BUCKET, client, partSize: 1024 }), RangeError);
    assert.throws(() => new S3ObjectStore({ bucket: BUCKET, client, pageSize: 0 }), RangeError);
    assert.throws(() => new S3ObjectStore({ bucket: BUCKET }), TypeError);
  } finally {
    client.destroy();
  }
});

Deno.test("createObjectStore() builds an S3ObjectStore for an s3 config", async () => {
  const server = await startS3Server({ buckets: [BUCKET] });
  const store = createObjectStore({
    kind: "s3",
    bucket: BUCKET,
    prefix: "p",
    s3: server.connection,
  });
  try {
    assert.ok(store instanceof S3ObjectStore);
    assert.equal(store.kind, "s3");
    await store.ping();
    await store.put("x", "x");
    assert.equal((await store.head("x"))?.size, 1);
  } finally {
    await store.close?.();
    await server.close();
  }
});
