import assert from "node:assert/strict";
import type { Kysely } from "kysely";
import type { Tables } from "../../../shared/db/schema.ts";
import { searchExcerpts } from "../../../shared/search/search_excerpts.ts";
import { vectorText } from "../../../shared/search/vector_text.ts";
import { openTestServices } from "../../support/services.ts";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);

/** A unit vector at `angle` from the query direction, in the plane of the first two axes. */
function at(angle: number): Float32Array {
  const v = new Float32Array(128);
  v[0] = Math.cos(angle);
  v[1] = Math.sin(angle);
  return v;
}
const QUERY = at(0);

interface TestScore {
  title: string;
  angles: (number | null)[];
  metadata?: Record<string, string>;
  sha256?: string | null;
  status?: "pending" | "indexed" | "failed";
}

/** Writes scores with excerpts at the given angles (`null`: not embedded); answers their ids. */
async function write(db: Kysely<Tables>, scores: TestScore[]): Promise<string[]> {
  const ids = [];
  for (const [i, score] of scores.entries()) {
    const { id } = await db.insertInto("scores").values({
      title: score.title,
      object_key: `scores/${i}.abc`,
      content_type: "text/vnd.abc",
      sha256: "0".repeat(64),
      bytes: 1,
      metadata: score.metadata ?? {},
      status: score.status ?? "indexed",
      embedding_sha256: score.sha256 === undefined ? SHA : score.sha256,
    }).returning("id").executeTakeFirstOrThrow();
    await db.insertInto("excerpts").values(score.angles.map((angle, position) => ({
      score_id: id,
      position,
      first_measure: position * 4 + 1,
      last_measure: position * 4 + 4,
      tokens: ["clef-G2", "note-C5_whole"],
      embedding: angle === null ? null : vectorText(at(angle)),
    }))).execute();
    ids.push(id);
  }
  return ids;
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-5;

Deno.test("searchExcerpts() answers the nearest scores, each with its best excerpts", async (t) => {
  const services = await openTestServices();
  const db = services.database.db;
  try {
    const [a, b, c] = await write(db, [
      { title: "A", angles: [0.5, 0.1, 1.2, 0.9], metadata: { composer: "Bach" } },
      { title: "B", angles: [null, 0.3], metadata: { composer: "bach", genre: "Chorale" } },
      { title: "C", angles: [Math.PI], metadata: {} },
      { title: "other model", angles: [0], sha256: OTHER },
      { title: "never embedded", angles: [0], sha256: null },
      { title: "pending", angles: [0], status: "pending" },
      { title: "failed", angles: [0], status: "failed" },
    ]);

    await t.step("ordered by their best excerpt, similarity 1 - cosine distance", async () => {
      const found = await searchExcerpts(db, QUERY, { limit: 10, embeddingSha256: SHA });
      assert.deepEqual(found.map((s) => s.title), ["A", "B", "C"]);
      const [first, second, third] = found;
      assert.equal(first!.scoreId, a);
      assert.deepEqual(first!.metadata, { composer: "Bach" });
      assert.deepEqual(first!.excerpts.map((e) => e.position), [1, 0, 3]);
      assert.deepEqual(first!.excerpts[0], {
        position: 1,
        firstMeasure: 5,
        lastMeasure: 8,
        similarity: first!.similarity,
      });
      assert.ok(close(first!.similarity, Math.cos(0.1)));
      assert.ok(close(first!.excerpts[2]!.similarity, Math.cos(0.9)));
      assert.equal(second!.scoreId, b);
      assert.deepEqual(second!.excerpts.map((e) => e.position), [1]);
      assert.equal(third!.scoreId, c);
      assert.ok(close(third!.similarity, -1));
    });

    await t.step("limit and excerpts per score bound the answer", async () => {
      const two = await searchExcerpts(db, QUERY, {
        limit: 2,
        embeddingSha256: SHA,
        excerptsPerScore: 1,
      });
      assert.deepEqual(two.map((s) => [s.title, s.excerpts.length]), [["A", 1], ["B", 1]]);
    });

    await t.step("filters compare metadata ignoring case, all of them", async () => {
      const titles = async (filters: Record<string, string>) =>
        (await searchExcerpts(db, QUERY, { limit: 10, embeddingSha256: SHA, filters }))
          .map((s) => s.title);
      assert.deepEqual(await titles({ composer: "BACH" }), ["A", "B"]);
      assert.deepEqual(await titles({ composer: "bach", genre: "chorale" }), ["B"]);
      assert.deepEqual(await titles({ genre: "reel" }), []);
      assert.deepEqual(await titles({ "composer' OR 1=1 --": "x" }), []);
    });

    await t.step("only the scores the asking model embedded are compared", async () => {
      const other = await searchExcerpts(db, QUERY, { limit: 10, embeddingSha256: OTHER });
      assert.deepEqual(other.map((s) => s.title), ["other model"]);
    });
  } finally {
    await services.close();
  }
});

Deno.test("searchExcerpts() finds other scores past one whose excerpts fill the nearest places", async () => {
  const services = await openTestServices();
  const db = services.database.db;
  try {
    // 60 excerpts of one score nearer the query than any other score's (the HNSW index is
    // approximate, so the near ones are spread to keep the test exact).
    const near = Array.from({ length: 60 }, (_, i) => 0.01 + i * 0.004);
    await write(db, [
      { title: "long", angles: near },
      { title: "far", angles: [0.9] },
      { title: "farther", angles: [1.5] },
    ]);
    const found = await searchExcerpts(db, QUERY, { limit: 2, embeddingSha256: SHA });
    assert.deepEqual(found.map((s) => s.title), ["long", "far"]);
    assert.equal(found[0]!.excerpts.length, 3);
  } finally {
    await services.close();
  }
});
