/**
 * The library on real PGlite and a real local store: storing, indexing, listing and deleting
 * scores, and recovery from failures and crashes between the steps.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  deleteScore,
  getScore,
  listScores,
  reembed,
  reindex,
  storeUpload,
  type Upload,
} from "../../../shared/library/mod.ts";
import { Problem } from "../../../shared/problem.ts";
import { sha256Hex } from "../../../shared/sha256.ts";
import type { ObjectStore } from "../../../shared/storage/mod.ts";
import { assertNothingWritten, countRows, keysIn, resetLibrary } from "../../support/library.ts";
import {
  ABC_REEL,
  HUMDRUM_MINUET,
  MEI_CHORALE,
  MUSICXML_WALTZ,
  MUSICXML_WALTZ_EXCERPTS,
} from "../../support/scores.ts";
import { startPostgresServer } from "../../support/pglite_server.ts";
import { openTestServices, type TestServices } from "../../support/services.ts";

/** The untrained OMR fixture: real structure and vocabularies, meaningless answers. */
const OMR_FIXTURE = new URL("../../fixtures/omr/", import.meta.url).pathname;
const PRIMUS_PNG =
  new URL("../../../../shared/data/primus/example/000051652-1_2_1.png", import.meta.url)
    .pathname;

const text = (s: string) => new TextEncoder().encode(s);
const upload = (body: string, title = "A tune"): Upload => ({ bytes: text(body), title });

/** The same services with the store's methods in `overrides` replaced. */
function withStore(services: TestServices, overrides: Partial<ObjectStore>): TestServices {
  const store = new Proxy(services.store, {
    get(target, name: keyof ObjectStore) {
      const own = overrides[name] ?? target[name];
      return typeof own === "function" && !(name in overrides) ? own.bind(target) : own;
    },
  });
  return { ...services, store };
}

/** Services shared by the steps of one test (opening them costs seconds); each step starts empty. */
function withServices(
  steps: Record<string, (services: TestServices) => Promise<void>>,
  env: Record<string, string> = {},
) {
  return async (t: Deno.TestContext) => {
    const services = await openTestServices({ STAVE_EXCERPT_MEASURES: "2", ...env });
    try {
      for (const [name, body] of Object.entries(steps)) {
        await resetLibrary(services.database.db, services.store);
        await t.step(name, () => body(services));
      }
    } finally {
      await services.close();
    }
  };
}

/** The excerpts' embeddings (pgvector text), in order. */
async function embeddings(services: TestServices, scoreId: string): Promise<(string | null)[]> {
  const rows = await services.database.db.selectFrom("excerpts").select("embedding")
    .where("score_id", "=", scoreId).orderBy("position").execute();
  return rows.map((row) => row.embedding);
}

async function excerptTokens(services: TestServices, scoreId: string): Promise<string[]> {
  const rows = await services.database.db.selectFrom("excerpts").select("tokens")
    .where("score_id", "=", scoreId).orderBy("position").execute();
  return rows.map((row) => row.tokens.join(" "));
}

Deno.test(
  "the library on PGlite and a local folder",
  withServices({
    "storeUpload() stores, parses and cuts each notation format": async (services) => {
      const cases = [
        { name: "MusicXML", body: MUSICXML_WALTZ, format: "musicxml", ext: "musicxml", count: 2 },
        { name: "ABC", body: ABC_REEL, format: "abc", ext: "abc", count: 4 },
        { name: "MEI", body: MEI_CHORALE, format: "mei", ext: "mei", count: 1 },
        { name: "Humdrum", body: HUMDRUM_MINUET, format: "humdrum", ext: "krn", count: 2 },
      ];
      for (const c of cases) {
        const stored = await storeUpload(services, {
          ...upload(c.body, `${c.name} test`),
          metadata: { composer: "Test" },
        });
        assert.equal(stored.created, true, c.name);
        const score = (await getScore(services.database.db, stored.scoreId))!;
        assert.equal(score.status, "indexed", c.name);
        assert.equal(score.format, c.format);
        assert.equal(score.title, `${c.name} test`);
        assert.deepEqual(score.metadata, { composer: "Test" });
        assert.equal(score.excerptCount, c.count, c.name);
        assert.equal(score.sha256, await sha256Hex(c.body));
        assert.equal(score.objectKey, `scores/${score.sha256}.${c.ext}`);
        assert.deepEqual(await services.store.getBytes(score.objectKey), text(c.body));
        assert.deepEqual(score.job && { ...score.job, id: "" }, {
          id: "",
          status: "done",
          step: "embed",
          attempts: 1,
          error: null,
        });
        const tokens = await excerptTokens(services, stored.scoreId);
        assert.equal(tokens.length, c.count);
        assert.ok(tokens.every((t) => t.startsWith("clef-")), c.name);
      }
    },
    "excerpts restate the clef, key and meter and carry measure numbers": async (services) => {
      const { scoreId } = await storeUpload(services, upload(MUSICXML_WALTZ));
      assert.deepEqual(await excerptTokens(services, scoreId), MUSICXML_WALTZ_EXCERPTS);
      const ranges = await services.database.db.selectFrom("excerpts")
        .select(["position", "first_measure", "last_measure"]).where("score_id", "=", scoreId)
        .orderBy("position").execute();
      assert.deepEqual(ranges, [
        { position: 0, first_measure: 1, last_measure: 2 },
        { position: 1, first_measure: 3, last_measure: 3 },
      ]);
    },
    "storeUpload() of the same bytes twice makes one score and one job": async (services) => {
      const first = await storeUpload(services, upload(ABC_REEL, "First"));
      const again = await storeUpload(services, upload(ABC_REEL, "Second"));
      assert.deepEqual(again, { scoreId: first.scoreId, created: false });
      assert.equal((await getScore(services.database.db, first.scoreId))!.title, "First");
      const counts = await countRows(services.database.db);
      assert.deepEqual(counts, { scores: 1, excerpts: 4, jobs: 1, deliveries: 0 });
      assert.equal((await keysIn(services.store)).length, 1);
    },
    "storeUpload() refuses unsupported and unreadable files with nothing written": async (
      services,
    ) => {
      const cases: [string, Uint8Array, number, RegExp][] = [
        ["GIF", text("GIF89a\x01\x00\x01\x00"), 415, /Unsupported score file/],
        ["PDF", text("%PDF-1.7\n"), 415, /expected MusicXML, MEI, ABC, Humdrum/],
        ["HTML", text("<!doctype html><html></html>"), 415, /Unsupported/],
        ["empty", new Uint8Array(), 422, /empty/],
        ["two tunes", text(`${ABC_REEL}\n${ABC_REEL.replace("X:1", "X:2")}`), 422, /2 tunes/],
        ["no notes", text("X:1\nT:Silence\nK:C\n"), 422, /no notes|Unreadable/],
        ["broken XML", text('<score-partwise version="4.0"><part-list>'), 422, /Unreadable score/],
        [
          "corrupt PNG",
          new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]),
          422,
          /PNG/,
        ],
      ];
      for (const [name, bytes, status, message] of cases) {
        await assert.rejects(
          storeUpload(services, { bytes, title: name }),
          (error: Error) => {
            const got = error instanceof Problem ? error.status : 422;
            assert.equal(got, status, `${name}: ${error.message}`);
            assert.match(error.message, message, name);
            return true;
          },
        );
      }
      await assertNothingWritten(services.database.db, services.store);
    },
    "storeUpload() recognizes an image of a page into a score": async (services) => {
      const png = await Deno.readFile(PRIMUS_PNG);
      const { scoreId } = await storeUpload(services, { bytes: png, title: "Photo" });
      const score = (await getScore(services.database.db, scoreId))!;
      assert.equal(score.format, "image");
      assert.equal(score.contentType, "image/png");
      assert.equal(score.status, "indexed");
      assert.ok(score.excerptCount >= 1);
    },
    "a failure between steps is finished by reindex(), without duplicates": async (services) => {
      const stored = await storeUpload(services, upload(ABC_REEL), {
        afterStep: (step) => {
          if (step === "parse") throw new Error("Simulated crash after parse");
        },
      });
      const failed = (await getScore(services.database.db, stored.scoreId))!;
      assert.equal(failed.status, "failed");
      assert.equal(failed.excerptCount, 0);
      assert.equal(failed.job?.status, "failed");
      assert.equal(failed.job?.step, "parse");
      assert.match(failed.job?.error ?? "", /Simulated crash after parse/);

      const steps: string[] = [];
      const jobs = await reindex(services, { afterStep: (step) => void steps.push(step) });
      assert.deepEqual(jobs.map((job) => job.status), ["done"]);
      // It resumed after the committed step.
      assert.deepEqual(steps, ["excerpt", "embed"]);
      const score = (await getScore(services.database.db, stored.scoreId))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.excerptCount, 4);
      assert.equal(score.job?.attempts, 2);
      assert.equal(score.job?.error, null);
      assert.deepEqual(await countRows(services.database.db), {
        scores: 1,
        excerpts: 4,
        jobs: 1,
        deliveries: 0,
      });
      // Nothing is left to do.
      assert.deepEqual(await reindex(services), []);
    },
    "a failure after excerpt, before embed, is finished by reindex()": async (services) => {
      const db = services.database.db;
      const stored = await storeUpload(services, upload(ABC_REEL), {
        afterStep: (step) => {
          if (step === "excerpt") throw new Error("Simulated crash after excerpt");
        },
      });
      const failed = (await getScore(db, stored.scoreId))!;
      assert.equal(failed.status, "failed");
      assert.equal(failed.job?.step, "excerpt");
      assert.equal(failed.excerptCount, 4);
      assert.deepEqual(await embeddings(services, stored.scoreId), [null, null, null, null]);

      const steps: string[] = [];
      const jobs = await reindex(services, { afterStep: (step) => void steps.push(step) });
      assert.deepEqual(jobs.map((job) => job.status), ["done"]);
      assert.deepEqual(steps, ["embed"]);
      const score = (await getScore(db, stored.scoreId))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.job?.step, "embed");
      const written = await embeddings(services, stored.scoreId);
      assert.ok(written.every((e) => e !== null && e.startsWith("[")), "every excerpt embedded");
      assert.deepEqual(await countRows(db), { scores: 1, excerpts: 4, jobs: 1, deliveries: 0 });
    },
    "reembed() embeds again what another model embedded, and leaves other scores": async (
      services,
    ) => {
      const db = services.database.db;
      const stale = await storeUpload(services, upload(ABC_REEL));
      const current = await storeUpload(services, upload(MEI_CHORALE));
      const { sha256 } = await services.models.model("search-notes");
      const before = await embeddings(services, stale.scoreId);
      await db.updateTable("scores").set({ embedding_sha256: "0".repeat(64) })
        .where("id", "=", stale.scoreId).execute();
      await db.updateTable("excerpts").set({ embedding: null })
        .where("score_id", "=", stale.scoreId).execute();
      const failed = await storeUpload(services, upload(HUMDRUM_MINUET), {
        afterStep: (step) => {
          if (step === "excerpt") throw new Error("Simulated crash after excerpt");
        },
      });

      const result = await reembed(services);
      assert.deepEqual(result, { model: "search-notes", embedded: [stale.scoreId], failed: [] });
      assert.deepEqual(await embeddings(services, stale.scoreId), before);
      const rows = await db.selectFrom("scores").select(["id", "embedding_sha256", "status"])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.equal(byId.get(stale.scoreId)?.embedding_sha256, sha256);
      assert.equal(byId.get(current.scoreId)?.embedding_sha256, sha256);
      // A failed index job is reindex()'s to finish, not reembed()'s.
      assert.equal(byId.get(failed.scoreId)?.status, "failed");
      assert.equal(byId.get(failed.scoreId)?.embedding_sha256, null);
      assert.deepEqual(await reembed(services), {
        model: "search-notes",
        embedded: [],
        failed: [],
      });
    },
    "a crash between the object write and the rows is finished by reindex()": async (services) => {
      // The put lands, then the process "dies" before any row.
      const dying = withStore(services, {
        put: async (...args) => {
          await services.store.put(...args);
          throw new Error("Simulated crash after the object write");
        },
      });
      await assert.rejects(storeUpload(dying, upload(MEI_CHORALE)), /Simulated crash/);
      assert.deepEqual(await countRows(services.database.db), {
        scores: 0,
        excerpts: 0,
        jobs: 1,
        deliveries: 0,
      });
      assert.equal((await keysIn(services.store)).length, 1);

      const [job] = await reindex(services);
      assert.equal(job?.status, "done");
      const score = (await getScore(services.database.db, job!.score_id))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.excerptCount, 1);
      assert.equal(score.title, "A tune");
    },
    "an upload whose object never landed fails in reindex() and resumes on resend": async (
      services,
    ) => {
      const broken = withStore(services, {
        put: () => Promise.reject(new Error("Simulated crash before the object write")),
      });
      await assert.rejects(storeUpload(broken, upload(HUMDRUM_MINUET)), /Simulated crash/);
      const [job] = await reindex(services);
      assert.equal(job?.status, "failed");
      assert.match(job?.error ?? "", /missing: its upload never completed/);
      assert.equal((await countRows(services.database.db)).scores, 0);

      const resent = await storeUpload(services, upload(HUMDRUM_MINUET));
      assert.equal(resent.scoreId, job!.score_id);
      const score = (await getScore(services.database.db, resent.scoreId))!;
      assert.equal(score.status, "indexed");
      assert.equal(score.job?.attempts, 2);
      assert.equal((await countRows(services.database.db)).jobs, 1);
    },
    "reindex() takes over a running job only once its heartbeat is stale": async (services) => {
      const db = services.database.db;
      const { scoreId } = await storeUpload(services, upload(ABC_REEL), {
        afterStep: (step) => {
          if (step === "record") throw new Error("Simulated crash after record");
        },
      });
      // As if a process claimed it a minute ago and died.
      await db.updateTable("jobs")
        .set({ status: "running", updated_at: sql<Date>`now() - interval '60 seconds'` })
        .execute();
      assert.deepEqual(await reindex(services, { staleSeconds: 3600 }), []);
      const [job] = await reindex(services, { staleSeconds: 30 });
      assert.equal(job?.status, "done");
      assert.equal((await getScore(db, scoreId))!.excerptCount, 4);
    },
    "a score deleted while its job runs stays deleted": async (services) => {
      let deleted = false;
      const stored = await storeUpload(services, upload(ABC_REEL), {
        afterStep: async (step, job) => {
          if (step === "record") deleted = await deleteScore(services, job.score_id);
        },
      });
      assert.equal(deleted, true);
      assert.equal(await getScore(services.database.db, stored.scoreId), undefined);
      const counts = await countRows(services.database.db);
      // Only the finished delete job is left.
      assert.deepEqual(counts, { scores: 0, excerpts: 0, jobs: 1, deliveries: 0 });
      assert.deepEqual(await keysIn(services.store), []);
    },
    "deleteScore() removes the rows and the object; a crash is finished by reindex()": async (
      services,
    ) => {
      const db = services.database.db;
      const kept = await storeUpload(services, upload(MEI_CHORALE));
      const { scoreId } = await storeUpload(services, upload(ABC_REEL));
      const failingDelete = withStore(services, {
        delete: () => Promise.reject(new Error("Simulated crash before the object delete")),
      });
      assert.equal(await deleteScore(failingDelete, scoreId), true);
      assert.equal(await getScore(db, scoreId), undefined);
      assert.equal(
        (await db.selectFrom("excerpts").select("position").where("score_id", "=", scoreId)
          .execute()).length,
        0,
      );
      assert.equal((await keysIn(services.store)).length, 2);

      const [job] = await reindex(services);
      assert.equal(job?.kind, "delete");
      assert.equal(job?.status, "done");
      const left = (await getScore(db, kept.scoreId))!;
      assert.deepEqual(await keysIn(services.store), [left.objectKey]);
      assert.equal(await deleteScore(services, scoreId), false);

      // The same file may be stored again as a new score.
      const again = await storeUpload(services, upload(ABC_REEL));
      assert.equal(again.created, true);
      assert.notEqual(again.scoreId, scoreId);
    },
    "listScores() pages newest first and refuses a foreign cursor": async (services) => {
      const db = services.database.db;
      const ids = [];
      for (const body of [ABC_REEL, MEI_CHORALE, HUMDRUM_MINUET]) {
        ids.push((await storeUpload(services, upload(body))).scoreId);
      }
      const first = await listScores(db, { limit: 2 });
      assert.deepEqual(first.scores.map((s) => s.id), [ids[2], ids[1]]);
      assert.ok(first.nextCursor !== null);
      const second = await listScores(db, { limit: 2, cursor: first.nextCursor });
      assert.deepEqual(second.scores.map((s) => s.id), [ids[0]]);
      assert.equal(second.nextCursor, null);
      assert.deepEqual((await listScores(db, { limit: 3 })).nextCursor, null);
      for (const cursor of ["nonsense", btoa("1.x"), "!!"]) {
        await assert.rejects(listScores(db, { limit: 2, cursor }), /Invalid cursor/);
      }
    },
  }, { STAVE_MODELS: OMR_FIXTURE }),
);

Deno.test("the library on a Postgres server over a socket", async () => {
  const server = await startPostgresServer();
  const services = await openTestServices({
    STAVE_DATABASE_URL: server.url,
    STAVE_EXCERPT_MEASURES: "2",
  });
  try {
    const db = services.database.db;
    const failed = await storeUpload(services, {
      ...upload(ABC_REEL),
      metadata: { composer: "Trad" },
    }, {
      afterStep: (step) => {
        if (step === "record") throw new Error("Simulated crash after record");
      },
    });
    await db.updateTable("jobs")
      .set({ status: "running", updated_at: sql<Date>`now() - interval '60 seconds'` })
      .execute();
    const [job] = await reindex(services, { staleSeconds: 30 });
    assert.equal(job?.status, "done");
    const score = (await getScore(db, failed.scoreId))!;
    assert.deepEqual(score.metadata, { composer: "Trad" });
    assert.equal(score.excerptCount, 4);
    assert.match((await excerptTokens(services, failed.scoreId))[0]!, /^clef-G2 keySignature-DM/);
    const other = await storeUpload(services, upload(MEI_CHORALE));
    const page = await listScores(db, { limit: 1 });
    assert.deepEqual(page.scores.map((s) => s.id), [other.scoreId]);
    const next = await listScores(db, { limit: 1, cursor: page.nextCursor! });
    assert.deepEqual(next.scores.map((s) => s.id), [failed.scoreId]);
    assert.equal(await deleteScore(services, failed.scoreId), true);
    assert.deepEqual(await countRows(db), { scores: 1, excerpts: 1, jobs: 2, deliveries: 0 });
  } finally {
    await services.close();
    await server.close();
  }
});
