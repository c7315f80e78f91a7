/**
 * The search bench, run by `deno task bench` in a process of its own (or alone:
 * `deno run -A bench/search.ts [--sizes 1000,10000,100000] [--queries 200] [--uploads 40]`);
 * prints a {@linkcode SearchBench} as JSON. Everything runs on the embedded defaults: a PGlite
 * folder, the local store and the committed search encoders.
 *
 * 1. Index throughput: real scores of `../shared/data/melodies` stored one by one through the
 *    library's upload path (store, parse, excerpt, embed, index), against the baseline of embedding
 *    the same excerpts alone.
 * 2. Search latency at each library size: the library is filled with real excerpts (every
 *    melody's excerpts in 12 transpositions, each transposition one score) embedded by the notes
 *    encoder, then held-out excerpts are searched through `searchExcerpts` over the HNSW index,
 *    against the baseline of the same search with index scans off (an exact scan), which also
 *    gives the index's recall.
 *
 * @module
 */
import { sql } from "kysely";
import { loadConfig } from "../shared/config.ts";
import { splitExcerpts, storeUpload } from "../shared/library/mod.ts";
import { detectScoreFormat } from "../shared/library/score_format.ts";
import { parseScore } from "../shared/library/parse_score.ts";
import { Rng } from "../shared/prng.ts";
import {
  embedExcerpts,
  embedRolls,
  loadSearchModel,
  notesRoll,
  searchExcerpts,
  type SearchModel,
  tolerantNotes,
  vectorText,
} from "../shared/search/mod.ts";
import { openServices, type Services } from "../shared/services.ts";
import { sha256Hex } from "../shared/sha256.ts";
import { decodeText, listSourceFiles, splitAbc } from "../models/data/sources.ts";
import { cliArg, peakRssMiB, type Percentiles, percentiles, round } from "./timing.ts";

/** Where the melodies are: the team kit's real music. */
const MELODIES = new URL("../../shared/data/melodies/", import.meta.url).pathname;
/** Transpositions of every excerpt, in semitones: each is one more score of the library. */
const TRANSPOSITIONS = [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5];
/** Scores answered per search, as a client asks by default. */
const LIMIT = 10;
/** Rows per insert statement while the library is filled. */
const INSERT_BATCH = 500;

/** The index figures. */
export interface IndexThroughput {
  /** Scores stored and indexed (files the library refused are not counted). */
  readonly scores: number;
  /** Their excerpts. */
  readonly excerpts: number;
  /** Files refused with a 4xx problem (unreadable as scores). */
  readonly refused: number;
  /** Excerpts per second through the whole upload path. */
  readonly uploadExcerptsPerS: number;
  /** Scores per second through the whole upload path. */
  readonly uploadScoresPerS: number;
  /** Excerpts per second embedding the same excerpts alone (the baseline). */
  readonly embedExcerptsPerS: number;
}

/** The search figures at one library size. */
export interface SearchAtSize {
  /** Excerpts in the library. */
  readonly excerpts: number;
  /** Scores in the library. */
  readonly scores: number;
  /** Excerpts per second written while filling up to this size, HNSW index kept up to date. */
  readonly insertPerS: number;
  /** `searchExcerpts` over the HNSW index. */
  readonly hnsw: Percentiles;
  /** The same search with index scans off: an exact scan (the baseline). */
  readonly exact: Percentiles;
  /** Share of the exact top-`LIMIT` scores that the HNSW search also answered. */
  readonly recall: number;
}

/** What the bench prints. */
export interface SearchBench {
  readonly index: IndexThroughput;
  /** Embedding one query roll with the notes encoder (part of every notes search). */
  readonly queryEmbed: Percentiles;
  readonly sizes: SearchAtSize[];
  /** Held-out queries per size. */
  readonly queries: number;
  /** Peak resident memory of the bench process. */
  readonly peakRssMiB: number;
}

/** One score of the corpus: a melody file, or one tune of a many-tune ABC file. */
interface Piece {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The melodies, round robin over the style folders so that any prefix mixes the styles. */
async function melodyPieces(): Promise<Piece[]> {
  const byStyle = new Map<string, Piece[]>();
  for (const file of listSourceFiles(MELODIES)) {
    const bytes = await Deno.readFile(MELODIES + file.rel);
    const pieces = file.format !== "abc"
      ? [{ name: file.rel, bytes }]
      : splitAbc(decodeText(bytes)).map((tune, i) => ({
        name: `${file.rel}#${i + 1}`,
        bytes: new TextEncoder().encode(tune.text),
      }));
    byStyle.set(file.style, [...byStyle.get(file.style) ?? [], ...pieces]);
  }
  const folders = [...byStyle.values()];
  const out: Piece[] = [];
  const total = folders.reduce((n, f) => n + f.length, 0);
  for (let i = 0; out.length < total; i++) {
    for (const pieces of folders) if (i < pieces.length) out.push(pieces[i]!);
  }
  return out;
}

/** Excerpt tokens of one piece as the library cuts them, or none when it cannot be read. */
async function excerptsOf(services: Services, piece: Piece): Promise<string[][]> {
  try {
    const { format } = detectScoreFormat(piece.bytes, {
      fileName: piece.name.replace(/#\d+$/, ""),
    });
    const mei = await parseScore(piece.bytes, format, services);
    return splitExcerpts(mei, services.config.library.excerptMeasures).map((e) => [...e.tokens]);
  } catch {
    return [];
  }
}

async function indexThroughput(services: Services, files: Piece[]): Promise<IndexThroughput> {
  const model = await loadSearchModel(
    services.models,
    services.config.search.models.notes,
    "notes",
  );
  await embedExcerpts(services.models, model, [["clef-G2", "note-C5_quarter"]]); // warm session
  await excerptsOf(services, files[0]!); // warm Verovio: its first load is a cold start
  let refused = 0;
  const t0 = performance.now();
  for (const piece of files) {
    try {
      await storeUpload(services, {
        bytes: piece.bytes,
        fileName: piece.name.replace(/#\d+$/, ""),
        title: piece.name,
      });
    } catch (error) {
      if ((error as { status?: number }).status === undefined) throw error;
      console.error(`search bench: ${piece.name} refused: ${(error as Error).message}`);
      refused++;
    }
  }
  const uploadS = (performance.now() - t0) / 1000;
  const db = services.database.db;
  const rows = await db.selectFrom("excerpts").innerJoin("scores", "scores.id", "excerpts.score_id")
    .select("excerpts.tokens").where("scores.status", "=", "indexed").execute();
  const scores = await db.selectFrom("scores").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("status", "=", "indexed").executeTakeFirstOrThrow();
  const t1 = performance.now();
  await embedExcerpts(services.models, model, rows.map((r) => r.tokens));
  const embedS = (performance.now() - t1) / 1000;
  return {
    scores: Number(scores.n),
    excerpts: rows.length,
    refused,
    uploadExcerptsPerS: Math.round(rows.length / uploadS),
    uploadScoresPerS: round(Number(scores.n) / uploadS),
    embedExcerptsPerS: Math.round(rows.length / embedS),
  };
}

/** One score of the library to be: a file's excerpts in one transposition, embedded. */
interface LibraryScore {
  readonly key: string;
  readonly tokens: string[][];
  readonly embeddings: Float32Array[];
}

/** Rolls of `tokens` moved by `semitones` (excerpts with no sounding note are dropped). */
function transposedRolls(model: SearchModel, tokens: string[][], semitones: number) {
  return tokens.flatMap((t) => {
    const notes = tolerantNotes(t).map((n) => ({ ...n, pitch: n.pitch + semitones }));
    return notes.some((n) => n.ticks > 0)
      ? [{ tokens: t, roll: notesRoll(notes, model.spec) }]
      : [];
  });
}

async function insertScores(services: Services, sha: string, scores: LibraryScore[]) {
  const db = services.database.db;
  const rows = await Promise.all(scores.map(async (s) => ({
    title: s.key,
    object_key: `bench/${s.key}`,
    content_type: "text/plain",
    sha256: await sha256Hex(new TextEncoder().encode(s.key)),
    bytes: 0,
    status: "indexed" as const,
    embedding_sha256: sha,
    excerpt_count: s.tokens.length,
  })));
  const ids = await db.insertInto("scores").values(rows).returning("id").execute();
  const excerpts = scores.flatMap((s, i) =>
    s.tokens.map((tokens, position) =>
      sql`(${ids[i]!.id}::uuid, ${position}::integer, ${position + 1}::integer,
        ${position + 1}::integer, ${tokens}::text[], ${
        vectorText(s.embeddings[position]!)
      }::vector)`
    )
  );
  for (let i = 0; i < excerpts.length; i += INSERT_BATCH) {
    await sql`INSERT INTO excerpts (score_id, position, first_measure, last_measure, tokens, embedding)
      VALUES ${sql.join(excerpts.slice(i, i + INSERT_BATCH))}`.execute(db);
  }
}

async function searchTimes(
  services: Services,
  sha: string,
  queries: Float32Array[],
  exact: boolean,
): Promise<{ times: number[]; answers: string[][] }> {
  const db = services.database.db;
  // PGlite has one connection: a session setting holds for the searches that follow.
  await sql.raw(`SET enable_indexscan = ${exact ? "off" : "on"}`).execute(db);
  try {
    const search = (q: Float32Array) =>
      searchExcerpts(db, q, { limit: LIMIT, embeddingSha256: sha });
    for (const q of queries.slice(0, 5)) await search(q);
    const times: number[] = [];
    const answers: string[][] = [];
    for (const q of queries) {
      const t0 = performance.now();
      const found = await search(q);
      times.push(performance.now() - t0);
      answers.push(found.map((s) => s.scoreId));
    }
    return { times, answers };
  } finally {
    await sql.raw("RESET enable_indexscan").execute(db);
  }
}

async function searchLatency(
  services: Services,
  files: Piece[],
  sizes: number[],
  queryCount: number,
): Promise<{ sizes: SearchAtSize[]; queryEmbed: Percentiles }> {
  const model = await loadSearchModel(
    services.models,
    services.config.search.models.notes,
    "notes",
  );
  const sha = model.entry.sha256;
  const rng = new Rng("stave-bench/search");
  // Queries: excerpts of files kept out of the library, in a random transposition.
  const queryRolls: Float32Array[] = [];
  let next = 0;
  while (queryRolls.length < queryCount && next < files.length) {
    const tokens = await excerptsOf(services, files[next++]!);
    const semitones = TRANSPOSITIONS[Math.floor(rng.next() * TRANSPOSITIONS.length)]!;
    for (const { roll } of transposedRolls(model, tokens, semitones)) {
      if (queryRolls.length < queryCount) queryRolls.push(roll);
    }
  }
  await embedRolls(services.models, model, [queryRolls[0]!]); // warm session
  const queryEmbedTimes: number[] = [];
  const queries: Float32Array[] = [];
  for (const roll of queryRolls) {
    const t0 = performance.now();
    queries.push((await embedRolls(services.models, model, [roll]))[0]!);
    queryEmbedTimes.push(performance.now() - t0);
  }
  const out: SearchAtSize[] = [];
  let inserted = 0;
  let scoreCount = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    let insertS = 0;
    const before = inserted;
    while (inserted < size && next < files.length) {
      const piece = files[next++]!;
      const tokens = await excerptsOf(services, piece);
      const batch: LibraryScore[] = [];
      for (const semitones of TRANSPOSITIONS) {
        if (inserted >= size) break;
        const drawn = transposedRolls(model, tokens, semitones).slice(0, size - inserted);
        if (drawn.length === 0) continue;
        const embeddings = await embedRolls(services.models, model, drawn.map((d) => d.roll));
        batch.push({
          key: `${piece.name}@${semitones}`,
          tokens: drawn.map((d) => d.tokens),
          embeddings,
        });
        inserted += drawn.length;
      }
      const t0 = performance.now();
      if (batch.length) await insertScores(services, sha, batch);
      insertS += (performance.now() - t0) / 1000;
      scoreCount += batch.length;
    }
    if (inserted < size) throw new Error(`The melodies give only ${inserted} excerpts`);
    // PGlite runs no autovacuum: fresh statistics, as a maintenance run would leave them.
    await sql`ANALYZE excerpts`.execute(services.database.db);
    await sql`ANALYZE scores`.execute(services.database.db);
    const hnsw = await searchTimes(services, sha, queries, false);
    const exact = await searchTimes(services, sha, queries, true);
    const recall = exact.answers.reduce((sum, truth, i) => {
      const got = new Set(hnsw.answers[i]);
      return sum + truth.filter((id) => got.has(id)).length / Math.max(1, truth.length);
    }, 0) / queries.length;
    out.push({
      excerpts: inserted,
      scores: scoreCount,
      insertPerS: Math.round((inserted - before) / insertS),
      hnsw: percentiles(hnsw.times),
      exact: percentiles(exact.times),
      recall: Math.round(recall * 1000) / 1000,
    });
    console.error(`search bench: ${inserted} excerpts done`);
  }
  return { sizes: out, queryEmbed: percentiles(queryEmbedTimes) };
}

/** Runs the bench on fresh embedded storage. */
export async function searchBench(
  sizes: number[],
  queries: number,
  uploads: number,
): Promise<SearchBench> {
  const files = await melodyPieces();
  const run = async <T>(body: (s: Services) => Promise<T>) => {
    const dataDir = await Deno.makeTempDir({ prefix: "stave-bench-search-" });
    const services = await openServices(loadConfig({ STAVE_DATA_DIR: dataDir }));
    try {
      return await body(services);
    } finally {
      await services.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  };
  const index = await run((s) => indexThroughput(s, files.slice(0, uploads)));
  const search = await run((s) => searchLatency(s, files.slice(uploads), sizes, queries));
  return { index, ...search, queries, peakRssMiB: await peakRssMiB() };
}

if (import.meta.main) {
  const sizes = cliArg("sizes", "1000,10000,100000").split(",").map(Number);
  const result = await searchBench(
    sizes,
    Number(cliArg("queries", "200")),
    Number(cliArg("uploads", "40")),
  );
  console.log(JSON.stringify(result));
}
