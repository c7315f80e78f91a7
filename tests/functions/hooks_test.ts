/**
 * `POST /v1/hooks/object-created` through `app.request`, with the store on a real S3 server
 * (s3rver on 127.0.0.1) whose own event notifications are the deliveries.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { startS3Server } from "../../infra/local/s3_server.ts";
import { HOOK_SIGNATURE_HEADER, HOOK_TIMESTAMP_HEADER } from "../../shared/library/mod.ts";
import { S3ObjectStore } from "../../shared/storage/mod.ts";
import {
  BUCKET,
  countRows,
  createdEvent,
  PREFIX,
  resetLibrary,
  s3Env,
  signedHook,
} from "../support/library.ts";
import { ABC_REEL, HUMDRUM_MINUET } from "../support/scores.ts";
import { openTestServices, type TestServices } from "../support/services.ts";

const HOOK = "/v1/hooks/object-created";
const PROBLEM = "application/problem+json";

type App = ReturnType<typeof createApp>;

interface Fixture {
  app: App;
  services: TestServices;
  bucket: S3ObjectStore;
  events: unknown[];
}

/** Puts a file straight into the bucket and returns the JSON of the event s3rver emitted. */
async function put(f: Fixture, key: string, body: string, title?: string): Promise<string> {
  await f.bucket.put(`${PREFIX}${key}`, body, { metadata: title ? { title } : {} });
  return JSON.stringify(f.events.at(-1));
}

async function problemOf(response: Response, status: number, detail: RegExp) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), PROBLEM);
  const document = await response.json();
  assert.match(document.detail, detail);
  return document;
}

function steps(list: Record<string, (f: Fixture) => Promise<void>>) {
  return async (t: Deno.TestContext) => {
    const events: unknown[] = [];
    const server = await startS3Server({ buckets: [BUCKET], onEvent: (e) => events.push(e) });
    const services = await openTestServices(s3Env(server));
    const bucket = new S3ObjectStore({ bucket: BUCKET, connection: server.connection });
    try {
      for (const [name, body] of Object.entries(list)) {
        await resetLibrary(services.database.db, services.store);
        await t.step(name, () => body({ app: createApp(services), services, bucket, events }));
      }
    } finally {
      await bucket.close();
      await services.close();
      await server.close();
    }
  };
}

Deno.test(
  "POST /v1/hooks/object-created",
  steps({
    "indexes a signed event's object once; a redelivery changes nothing": async (f) => {
      const event = await put(f, "inbox/reel.abc", ABC_REEL, "The Reel");
      const response = await f.app.request(HOOK, await signedHook(event));
      assert.equal(response.status, 202);
      const { results: [result] } = await response.json();
      assert.equal(result.outcome, "indexed");
      assert.equal(result.key, `${PREFIX}inbox/reel.abc`);
      const score = await (await f.app.request(`/v1/scores/${result.scoreId}`)).json();
      assert.equal(score.title, "The Reel");
      assert.equal(score.source, "hook");
      assert.equal(score.excerptCount, 2);

      // Redelivered (signed afresh, as a sender's retry is).
      const timestamp = Math.floor(Date.now() / 1000) + 1;
      const redelivery = await f.app.request(HOOK, await signedHook(event, { timestamp }));
      assert.equal(redelivery.status, 200);
      const { results: [again] } = await redelivery.json();
      assert.deepEqual(again, { ...result, outcome: "duplicate" });
      const counts = await countRows(f.services.database.db);
      assert.deepEqual(counts, { scores: 1, excerpts: 2, jobs: 1, deliveries: 2 });
    },

    "refuses unsigned, badly signed, stale, tampered and replayed deliveries": async (f) => {
      const event = await put(f, "inbox/minuet.krn", HUMDRUM_MINUET);
      const signed = await signedHook(event);
      const headers = signed.headers as Record<string, string>;
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, RequestInit, RegExp][] = [
        [
          "unsigned",
          { method: "POST", body: event, headers: { "content-type": "application/json" } },
          /Unsigned delivery/,
        ],
        [
          "unsigned and malformed",
          { method: "POST", body: "{oops", headers: { "content-type": "application/json" } },
          /Unsigned delivery/,
        ],
        [
          "wrong secret",
          await signedHook(event, { secret: "not-the-shared-secret" }),
          /Invalid signature/,
        ],
        ["stale", await signedHook(event, { timestamp: now - 400 }), /Stale delivery/],
        ["from the future", await signedHook(event, { timestamp: now + 400 }), /Stale delivery/],
        [
          "tampered body",
          { ...signed, body: event.replace("minuet", "minuit") },
          /Invalid signature/,
        ],
        [
          "moved timestamp",
          { ...signed, headers: { ...headers, [HOOK_TIMESTAMP_HEADER]: String(now - 1) } },
          /Invalid signature/,
        ],
        [
          "malformed signature",
          { ...signed, headers: { ...headers, [HOOK_SIGNATURE_HEADER]: "md5=abc" } },
          /expected sha256=/,
        ],
      ];
      for (const [name, init, detail] of cases) {
        const response = await f.app.request(HOOK, init);
        assert.equal(response.status, 401, name);
        await problemOf(response, 401, detail);
      }
      assert.deepEqual(await countRows(f.services.database.db), {
        scores: 0,
        excerpts: 0,
        jobs: 0,
        deliveries: 0,
      });

      assert.equal((await f.app.request(HOOK, signed)).status, 202);
      const replay = await f.app.request(HOOK, signed);
      const problem = await problemOf(replay, 409, /Replayed delivery/);
      assert.equal(problem.type, "urn:stave:problem:replayed-delivery");
      assert.deepEqual(await countRows(f.services.database.db), {
        scores: 1,
        excerpts: 1,
        jobs: 1,
        deliveries: 1,
      });
    },

    "bad deliveries answer a problem naming them, with nothing indexed": async (f) => {
      const good = await put(f, "inbox/reel.abc", ABC_REEL);
      const pdf = await put(f, "inbox/scan.pdf", "%PDF-1.7\n");
      const silent = await put(f, "inbox/silent.abc", "X:1\nT:Rest\nK:C\nz4|\n");
      const { size, eTag } = JSON.parse(good).Records[0].s3.object;
      const cases: [string, RequestInit, number, RegExp][] = [
        ["malformed JSON", await signedHook("{oops"), 400, /Malformed JSON/],
        ["not an event", await signedHook('{"Records": []}'), 400, /Records/],
        ["wrong shape", await signedHook('{"Records": [{"eventName": "x"}]}'), 400, /s3/],
        ["not JSON", await signedHook(good, { contentType: "text/plain" }), 415, /text\/plain/],
        [
          "another bucket",
          await signedHook(
            JSON.stringify(createdEvent(`${PREFIX}inbox/reel.abc`, eTag, size, "other-bucket")),
          ),
          422,
          /Bucket "other-bucket"/,
        ],
        [
          "missing object",
          await signedHook(JSON.stringify(createdEvent(`${PREFIX}inbox/gone.abc`, eTag, size))),
          422,
          /not in the store/,
        ],
        ["unsupported file", await signedHook(pdf), 415, /Unsupported score file/],
        ["unreadable score", await signedHook(silent), 422, /no notes/],
      ];
      for (const [name, init, status, detail] of cases) {
        const response = await f.app.request(HOOK, init);
        assert.equal(response.status, status, name);
        await problemOf(response, status, detail);
      }
      const counts = await countRows(f.services.database.db);
      // Deliveries that passed the signature and shape checks are remembered, nothing else.
      assert.deepEqual(counts, { scores: 0, excerpts: 0, jobs: 0, deliveries: 4 });
    },

    "an AWS-encoded key is decoded before it is read": async (f) => {
      await put(f, "inbox/Reel(1)+D.abc", ABC_REEL);
      const info = (await f.bucket.head(`${PREFIX}inbox/Reel(1)+D.abc`))!;
      const body = JSON.stringify(
        createdEvent(`${PREFIX}inbox/Reel(1)+D.abc`, info.etag, info.size),
      );
      assert.match(body, /Reel%281%29%2BD\.abc/);
      const response = await f.app.request(HOOK, await signedHook(body));
      assert.equal(response.status, 202);
      const { results: [result] } = await response.json();
      assert.equal(result.key, `${PREFIX}inbox/Reel(1)+D.abc`);
      assert.equal(result.outcome, "indexed");
    },

    "answers 503 when no secret is configured": async (f) => {
      const config = { ...f.services.config, hooks: { windowSeconds: 300 } };
      const app = createApp({ ...f.services, config });
      const event = await put(f, "inbox/reel.abc", ABC_REEL);
      await problemOf(await app.request(HOOK, await signedHook(event)), 503, /STAVE_HOOK_SECRET/);
    },
  }),
);
