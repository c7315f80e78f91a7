/**
 * The library over a real listening server, with its store on s3rver: an API upload, a file put
 * straight into the bucket whose event s3rver emits and the relay signs and POSTs, a listing and
 * a delete.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createApp } from "../../app.ts";
import { relayS3Event } from "../../infra/local/hook_relay.ts";
import { startS3Server } from "../../infra/local/s3_server.ts";
import { S3ObjectStore } from "../../shared/storage/mod.ts";
import { BUCKET, HOOK_SECRET, keysIn, PREFIX, s3Env } from "../support/library.ts";
import { ABC_REEL, MUSICXML_WALTZ } from "../support/scores.ts";
import { openTestServices } from "../support/services.ts";

const API_KEY = "server-test-api-key-42";

Deno.test("a listening server stores, indexes, lists and deletes scores on S3", async () => {
  const events: unknown[] = [];
  const server = await startS3Server({ buckets: [BUCKET], onEvent: (e) => events.push(e) });
  const services = await openTestServices({ ...s3Env(server), STAVE_API_KEY: API_KEY });
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createApp(services).fetch,
  );
  const bucket = new S3ObjectStore({ bucket: BUCKET, connection: server.connection });
  const base = `http://127.0.0.1:${http.addr.port}/v1`;
  const auth = { authorization: `Bearer ${API_KEY}` };
  try {
    const form = new FormData();
    form.set("file", new File([ABC_REEL], "reel.abc"));
    form.set("title", "Reel");
    const uploaded = await fetch(`${base}/scores`, { method: "POST", body: form, headers: auth });
    assert.equal(uploaded.status, 201);
    const reel = await uploaded.json();
    assert.equal(reel.status, "indexed");

    await bucket.put(`${PREFIX}inbox/waltz.musicxml`, MUSICXML_WALTZ, {
      metadata: { title: "Waltz", composer: "Test" },
    });
    const hooked = await relayS3Event(events.at(-1), {
      url: `${base}/hooks/object-created`,
      secret: HOOK_SECRET,
    });
    assert.equal(hooked.status, 202);
    const { results: [result] } = await hooked.json();
    assert.equal(result.outcome, "indexed");

    const list = await (await fetch(`${base}/scores`)).json();
    assert.deepEqual(list.scores.map((s: { title: string }) => s.title), ["Waltz", "Reel"]);
    assert.deepEqual(list.scores[0].metadata, { composer: "Test" });

    const deleted = await fetch(`${base}/scores/${result.scoreId}`, {
      method: "DELETE",
      headers: auth,
    });
    assert.equal(deleted.status, 204);
    await deleted.body?.cancel();
    assert.deepEqual(await keysIn(bucket), [`${PREFIX}${reel.objectKey}`]);
    const gone = await fetch(`${base}/scores/${result.scoreId}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.headers.get("content-type"), "application/problem+json");
    await gone.body?.cancel();
  } finally {
    await bucket.close();
    await http.shutdown();
    await services.close();
    await server.close();
  }
});
