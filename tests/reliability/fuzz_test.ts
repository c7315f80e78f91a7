/**
 * The CI fuzz run: 1,000 seeded hostile requests across every endpoint of the in-process app,
 * on real PGlite, a real local store and the committed models. `deno task test:fuzz` is the long
 * version that writes `REPORT.md`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { judge, openFuzzTarget, replayCommand, runFuzz } from "./fuzz.ts";
import { caseFor, ENDPOINTS } from "./fuzz_cases.ts";
import { loadCorpus } from "./fuzz_inputs.ts";

const SEED = 20_261_128;
const COUNT = 1_000;
/**
 * RSS may grow by this much over the run: the models load lazily during it, and the JS heap swings
 * by hundreds of MiB. `deno task test:fuzz` judges the second half of a long run instead.
 */
const MAX_RSS_GROWTH = 1536 * 1024 * 1024;

const PROBLEM = "application/problem+json";
const range = (from: number, to: number, step: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
const problem = (status: number, detail: unknown = "Bad") => JSON.stringify({ status, detail });

Deno.test("judge() passes answers below 500 and problem+json 4xx with a detail", () => {
  assert.equal(judge("POST /v1/generate", "POST", 200, "application/json", "{}"), undefined);
  assert.equal(judge("POST /v1/generate", "POST", 400, PROBLEM, problem(400)), undefined);
  assert.equal(judge("GET /v1/models{/file}", "HEAD", 404, PROBLEM, ""), undefined);
  assert.equal(judge("POST /v1/recognize", "POST", 503, PROBLEM, problem(503)), undefined);
  assert.equal(judge("GET /v1/health", "GET", 503, "application/json", "{}"), undefined);
});

Deno.test("judge() fails 5xx, undocumented 503s and 4xx that are not complete problems", () => {
  const fails = (...args: Parameters<typeof judge>) => assert.ok(judge(...args), args.join(" "));
  fails("POST /v1/generate", "POST", 500, PROBLEM, problem(500));
  fails("POST /v1/scores", "POST", 503, PROBLEM, problem(503));
  fails("random method and path", "GET", 502, PROBLEM, problem(502));
  fails("POST /v1/classify", "POST", 400, "application/json", problem(400));
  fails("POST /v1/classify", "POST", 400, PROBLEM, "not json");
  fails("POST /v1/classify", "POST", 422, PROBLEM, problem(400));
  fails("POST /v1/classify", "POST", 422, PROBLEM, problem(422, " "));
  fails("POST /v1/classify", "POST", 422, PROBLEM, problem(422, null));
  fails("GET /v1/models{/file}", "HEAD", 404, "text/plain", "");
});

Deno.test("caseFor() deals every endpoint the same requests for the same seed", async () => {
  const corpus = await loadCorpus();
  const names = Object.keys(ENDPOINTS);
  const seen = new Set<string>();
  for (let i = 0; i < names.length * 4; i++) {
    const [a, b, other] = await Promise.all([
      caseFor(SEED, i, corpus),
      caseFor(SEED, i, corpus),
      caseFor(SEED + 1, i, corpus),
    ]);
    assert.deepEqual([a.method, a.path, a.body, a.note], [b.method, b.path, b.body, b.note]);
    seen.add(`${a.method} ${a.path} ${a.body?.length} | ${other.path} ${other.body?.length}`);
  }
  assert.ok(seen.size > names.length * 3, "different seeds and indices give different requests");
});

Deno.test({
  name: `runFuzz(): ${COUNT} hostile requests, no 5xx, only problem 4xx, no crash, bounded RSS`,
  fn: async () => {
    const target = await openFuzzTarget();
    try {
      const result = await runFuzz(target, { seed: SEED, count: COUNT });
      const messages = result.failures.map((f) =>
        `case ${f.index} [${f.endpoint}, ${f.note}]: ${f.message}\n  ${replayCommand(SEED, f)}`
      );
      assert.deepEqual(messages, [], `seed ${SEED}`);
      assert.deepEqual(result.crashes, []);
      for (const [endpoint, stats] of Object.entries(result.endpoints)) {
        assert.ok(stats.tried >= Math.floor(COUNT / Object.keys(ENDPOINTS).length), endpoint);
        assert.equal(stats.serverErrors, 0, endpoint);
        // Every endpoint is reached past its checks of key, type and size at least once.
        const past = Object.keys(stats.statuses).filter((s) => ![400, 401, 413, 415].includes(+s));
        assert.ok(past.length > 0, endpoint);
      }
      const growth = result.rss.end - result.rss.start;
      assert.ok(growth < MAX_RSS_GROWTH, `RSS grew by ${(growth / 2 ** 20).toFixed(0)} MiB`);
      // Memory is sampled before the first case and every 10th after, naming its WASM memories.
      assert.deepEqual(result.samples.map((s) => s.cases), range(0, COUNT, 10));
      const owners = result.samples.at(-1)!.wasmOwners.map((o) => o.owner);
      for (const owner of ["@electric-sql/pglite", "onnxruntime-web", "verovio"]) {
        assert.ok(owners.includes(owner), `${owner} in ${owners.join(", ")}`);
      }
    } finally {
      await target.close();
    }
  },
});
