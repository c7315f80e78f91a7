import assert from "node:assert/strict";
import { type OmrOptions, runOmr } from "../../../models/data/omr.ts";
import { splitAbc } from "../../../models/data/sources.ts";
import { pieceSplit } from "../../../models/data/split.ts";
import {
  parseLabelFile,
  parseToken,
  parseVocabulary,
} from "../../../shared/music/semantic_tokens.ts";

const MELODIES = new URL("../../../../shared/data/melodies/", import.meta.url).pathname;
const PRIMUS = new URL("../../../../shared/data/primus", import.meta.url).pathname;

/**
 * A small source folder: real O'Neill tunes renumbered so that train, val and test all get pieces,
 * one tune that makes Verovio throw and one unreadable MusicXML file.
 */
async function fixture(dir: string): Promise<void> {
  const tunes = splitAbc(Deno.readTextFileSync(`${MELODIES}/irish-folk/0001-0050.abc`)).slice(
    0,
    12,
  );
  const want: Record<string, number> = { train: 4, val: 2, test: 2 };
  const numbers: number[] = [];
  for (let n = 1; numbers.length < 8; n++) {
    const s = pieceSplit(`folk/tunes#${n}`);
    if (want[s]! > 0) {
      want[s]!--;
      numbers.push(n);
    }
  }
  // This O'Neill tune makes Verovio 6.3 throw a WASM exception (with or without chord symbols).
  const crash = splitAbc(Deno.readTextFileSync(`${MELODIES}/irish-folk/1781-1800.abc`))[3]!.text;
  const abc = numbers.map((n, i) => tunes[i]!.text.replace(/^X:\s*\S+/, `X: ${n}`)).join("\n") +
    "\n" + crash.replace(/^X:\s*\S+/, "X: 999") + "\n";
  await Deno.mkdir(`${dir}/folk`, { recursive: true });
  await Deno.writeTextFile(`${dir}/folk/tunes.abc`, abc);
  await Deno.writeTextFile(
    `${dir}/folk/broken.xml`,
    "<?xml version='1.0'?><score-partwise><part id=",
  );
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...listFiles(`${dir}/${e.name}`).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out.sort();
}

Deno.test("runOmr() writes a complete, deterministic, split-by-piece set and skips bad sources", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "stave-omr-test-" });
  try {
    await fixture(`${tmp}/src`);
    const base: OmrOptions = {
      out: `${tmp}/a`,
      count: 40,
      seed: 7,
      workers: 2,
      sources: `${tmp}/src`,
      cache: `${tmp}/cache`,
      primus: PRIMUS,
    };
    const m = await runOmr(base);
    assert.deepEqual(m.splits, { train: 34, val: 2, test: 2, test_camera: 2 });

    // Bad input: the unreadable file and the tune Verovio throws on are skipped, logged and counted.
    const skipped = m.sources.skipped.map((s) => s.piece).sort();
    assert.deepEqual(skipped, ["folk/broken", "folk/tunes#999"]);
    assert.equal(m.sources.styles.folk!.skipped, 2);
    assert.equal(m.sources.styles.folk!.pieces, 8);

    // Every sample is whole (four files, no temporary names) and every label parses.
    const files = listFiles(`${tmp}/a`);
    assert.equal(files.filter((f) => f.includes(".tmp")).length, 0);
    const semanticVocab = parseVocabulary(
      Deno.readTextFileSync(`${PRIMUS}/vocabulary_semantic.txt`),
    );
    const agnosticVocab = parseVocabulary(
      Deno.readTextFileSync(`${PRIMUS}/vocabulary_agnostic.txt`),
    );
    const splitsOfPiece = new Map<string, Set<string>>();
    for (const f of files.filter((f) => f.endsWith(".semantic"))) {
      const stem = f.slice(0, -".semantic".length);
      for (const ext of ["png", "agnostic", "mei"]) {
        assert.ok(files.includes(`${stem}.${ext}`), `${stem}.${ext}`);
      }
      const semantic = parseLabelFile(Deno.readTextFileSync(`${tmp}/a/${f}`));
      for (const t of semantic) {
        parseToken(t);
        assert.ok(
          semanticVocab.has(t) || t in m.tokens.outOfVocabulary.semantic,
          `unlisted token ${t}`,
        );
      }
      for (const t of parseLabelFile(Deno.readTextFileSync(`${tmp}/a/${stem}.agnostic`))) {
        assert.ok(
          agnosticVocab.has(t) || t in m.tokens.outOfVocabulary.agnostic,
          `unlisted token ${t}`,
        );
      }
      const piece = /source="([^"]+)"/.exec(Deno.readTextFileSync(`${tmp}/a/${stem}.mei`))![1]!;
      const split = stem.split("/")[0]!;
      // Split by piece: the camera split draws on test pieces, every other split on its own.
      assert.equal(
        pieceSplit(piece),
        split === "test_camera" ? "test" : split,
        `${piece} in ${split}`,
      );
      if (!splitsOfPiece.has(piece)) splitsOfPiece.set(piece, new Set());
      splitsOfPiece.get(piece)!.add(split === "test_camera" ? "test" : split);
    }
    for (const [piece, splits] of splitsOfPiece) assert.equal(splits.size, 1, `${piece} leaks`);

    // Same seed and count, one worker instead of two: byte-identical labels and MEI. (Images are
    // compared loosely: Verovio 6.3 can place a slur a few units differently after other renders.)
    await runOmr({ ...base, out: `${tmp}/b`, workers: 1 });
    assert.deepEqual(listFiles(`${tmp}/b`), files);
    for (const f of files.filter((f) => /\.(semantic|agnostic|mei)$/.test(f))) {
      assert.deepEqual(Deno.readFileSync(`${tmp}/b/${f}`), Deno.readFileSync(`${tmp}/a/${f}`), f);
    }

    // Resume: a sample missing one file (and a stale temporary file) is made again; others are kept.
    await Deno.remove(`${tmp}/a/train/0000003.png`);
    await Deno.writeTextFile(`${tmp}/a/train/0000004.png.tmp`, "half");
    const again = await runOmr(base);
    assert.equal(again.run.samplesMade, 1);
    const png = Deno.readFileSync(`${tmp}/a/train/0000003.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(listFiles(`${tmp}/a`).filter((f) => f.endsWith(".tmp")).length, 0);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
