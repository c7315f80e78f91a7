/**
 * The library with its store on a real S3 server (s3rver on 127.0.0.1): uploads and deletes
 * under the prefix, and objects put straight into the bucket indexed from the object-created
 * events s3rver itself emits.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type S3Server, startS3Server } from "../../../infra/local/s3_server.ts";
import {
  deleteScore,
  getScore,
  ingestObjects,
  type ObjectEventRecord,
  storeUpload,
} from "../../../shared/library/mod.ts";
import { Problem } from "../../../shared/problem.ts";
import { S3ObjectStore } from "../../../shared/storage/mod.ts";
import { BUCKET, countRows, keysIn, PREFIX, resetLibrary, s3Env } from "../../support/library.ts";
import { ABC_REEL, MEI_CHORALE, MUSICXML_WALTZ } from "../../support/scores.ts";
import { openTestServices, type TestServices } from "../../support/services.ts";

interface S3Record {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; eTag?: string; size?: number } };
}

/** The records of an event as the hook passes them on. */
const recordsOf = (event: unknown): ObjectEventRecord[] =>
  (event as { Records: S3Record[] }).Records.map((r) => ({
    eventName: r.eventName,
    bucket: r.s3.bucket.name,
    key: r.s3.object.key,
    eTag: r.s3.object.eTag,
    size: r.s3.object.size,
  }));

interface Fixture {
  services: TestServices;
  server: S3Server;
  /** The whole bucket, as a client putting files straight into it sees it. */
  bucket: S3ObjectStore;
  /** Every event s3rver emitted, in order. */
  events: unknown[];
}

/** Puts `body` at `key` in the bucket and returns the records of the event it caused. */
async function putAndEvent(
  f: Fixture,
  key: string,
  body: string,
  metadata: Record<string, string> = {},
): Promise<ObjectEventRecord[]> {
  const before = f.events.length;
  await f.bucket.put(key, body, { contentType: "text/plain", metadata });
  assert.equal(f.events.length, before + 1);
  return recordsOf(f.events.at(-1));
}

const status = (expected: number, message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof Problem, String(error));
  assert.equal(error.status, expected, error.message);
  assert.match(error.message, message);
  return true;
};

function steps(list: Record<string, (f: Fixture) => Promise<void>>) {
  return async (t: Deno.TestContext) => {
    const events: unknown[] = [];
    const server = await startS3Server({ buckets: [BUCKET], onEvent: (e) => events.push(e) });
    const services = await openTestServices({ ...s3Env(server), STAVE_EXCERPT_MEASURES: "2" });
    const bucket = new S3ObjectStore({ bucket: BUCKET, connection: server.connection });
    try {
      for (const [name, body] of Object.entries(list)) {
        await resetLibrary(services.database.db, services.store);
        await t.step(name, () => body({ services, server, bucket, events }));
      }
    } finally {
      await bucket.close();
      await services.close();
      await server.close();
    }
  };
}

Deno.test(
  "the library on an S3 server",
  steps({
    "storeUpload() and deleteScore() write and remove the object under the prefix": async (f) => {
      const { scoreId } = await storeUpload(f.services, {
        bytes: new TextEncoder().encode(ABC_REEL),
        title: "Reel",
      });
      const score = (await getScore(f.services.database.db, scoreId))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.excerptCount, 4);
      assert.deepEqual(await keysIn(f.bucket), [`${PREFIX}${score.objectKey}`]);
      assert.equal(await deleteScore(f.services, scoreId), true);
      assert.deepEqual(await keysIn(f.bucket), []);
      assert.deepEqual(await countRows(f.services.database.db), {
        scores: 0,
        excerpts: 0,
        jobs: 1,
        deliveries: 0,
      });
    },

    "ingestObjects() indexes an object put into the bucket, once per version": async (f) => {
      const db = f.services.database.db;
      const key = `${PREFIX}inbox/the-reel.abc`;
      const v1 = await putAndEvent(f, key, ABC_REEL, { title: "The Reel", composer: "Trad" });
      const [first] = await ingestObjects(f.services, v1);
      assert.equal(first?.outcome, "indexed");
      const score = (await getScore(db, first!.scoreId!))!;
      assert.equal(score.title, "The Reel");
      assert.deepEqual(score.metadata, { composer: "Trad" });
      assert.equal(score.source, "hook");
      assert.equal(score.objectKey, "inbox/the-reel.abc");
      assert.equal(score.excerptCount, 4);

      // The same event again changes nothing.
      const [again] = await ingestObjects(f.services, v1);
      assert.deepEqual(again, { ...first, outcome: "duplicate" });
      assert.deepEqual(await countRows(db), { scores: 1, excerpts: 4, jobs: 1, deliveries: 0 });

      // A new version of the key re-indexes the same score.
      const v2 = await putAndEvent(
        f,
        key,
        ABC_REEL.replace("|:fdAF DFAd|gebg e2 fg|afdf gece|d2 f2 d4:|\n", ""),
      );
      const [second] = await ingestObjects(f.services, v2);
      assert.equal(second?.outcome, "indexed");
      assert.equal(second?.scoreId, first?.scoreId);
      assert.notEqual(second?.etag, first?.etag);
      const updated = (await getScore(db, first!.scoreId!))!;
      assert.equal(updated.excerptCount, 2);
      assert.equal(updated.title, "the-reel");
      assert.deepEqual(await countRows(db), { scores: 1, excerpts: 2, jobs: 2, deliveries: 0 });
    },

    "ingestObjects() skips removals and the echo of the API's own uploads": async (f) => {
      const key = `${PREFIX}inbox/gone.mei`;
      await putAndEvent(f, key, MEI_CHORALE);
      await f.bucket.delete(key);
      const removed = recordsOf(f.events.at(-1));
      await storeUpload(f.services, { bytes: new TextEncoder().encode(ABC_REEL), title: "Own" });
      const echo = recordsOf(f.events.at(-1));
      const results = await ingestObjects(f.services, [...removed, ...echo]);
      assert.deepEqual(results.map((r) => r.outcome), ["skipped", "skipped"]);
      assert.match(results[0]!.reason!, /ObjectRemoved:Delete is not an object-created event/);
      assert.match(results[1]!.reason!, /uploads through the API index themselves/);
      assert.equal((await countRows(f.services.database.db)).jobs, 1);
    },

    "ingestObjects() refuses a delivery with one bad record and writes nothing": async (f) => {
      const db = f.services.database.db;
      const good = await putAndEvent(f, `${PREFIX}inbox/good.xml`, MUSICXML_WALTZ);
      const changed = await putAndEvent(f, `${PREFIX}inbox/changed.abc`, ABC_REEL);
      await putAndEvent(f, `${PREFIX}inbox/changed.abc`, MEI_CHORALE);
      const pdf = await putAndEvent(f, `${PREFIX}inbox/scan.pdf`, "%PDF-1.7\n");
      const silent = await putAndEvent(f, `${PREFIX}inbox/silent.abc`, "X:1\nT:Rest\nK:C\nz4|\n");
      const outside = await putAndEvent(f, "elsewhere/tune.abc", ABC_REEL);
      const cases: [ObjectEventRecord[], number, RegExp][] = [
        [[{ ...good[0]!, bucket: "another-bucket" }], 422, /Bucket "another-bucket" is not/],
        [outside, 422, /outside this service's prefix "library\/"/],
        [[{ ...good[0]!, key: `${PREFIX}inbox/nothing.abc` }], 422, /is not in the store/],
        [[{ ...good[0]!, key: `${PREFIX}inbox/100%` }], 400, /not URL-encoded/],
        [[{ ...good[0]!, key: `${PREFIX}inbox/a+b~c` }], 422, /Invalid object key/],
        [[{ ...good[0]!, size: 1e9 }], 413, /over the limit/],
        [changed, 409, /changed since the event/],
        [pdf, 415, /Unsupported score file "library\/inbox\/scan\.pdf"/],
        [silent, 422, /Unreadable score: its first voice has no notes/],
      ];
      for (const [records, expected, message] of cases) {
        // The good record first: it must not be indexed when a later one is refused.
        await assert.rejects(
          ingestObjects(f.services, [...good, ...records]),
          status(expected, message),
        );
      }
      assert.deepEqual(await countRows(db), { scores: 0, excerpts: 0, jobs: 0, deliveries: 0 });
      const [indexed] = await ingestObjects(f.services, good);
      assert.equal(indexed?.outcome, "indexed");
    },
  }),
);
