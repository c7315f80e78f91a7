/**
 * The crash-recovery suite: for each point an upload passes (before its job exists, with only its
 * job, with its object) and after each step of the index job, a real subprocess storing a score on
 * a PGlite folder and a local store is killed with SIGKILL at that point; `deno task reindex`
 * recovers as a separate process; then the library is reopened and checked: the score indexed
 * exactly once, or (an upload killed before its object landed) nothing of it left; the score
 * stored before the crash still there and found by search. Each case starts from a copy of one
 * migrated, empty PGlite folder (see {@linkcode createTemplate}), so initdb runs once.
 *
 * @module
 */
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../../shared/config.ts";
import type { UploadPoint } from "../../shared/library/mod.ts";
import { getScore } from "../../shared/library/mod.ts";
import { INDEX_JOB } from "../../shared/library/index_job.ts";
import { searchLibrary, tokensQuery } from "../../shared/search/mod.ts";
import { openServices, type Services } from "../../shared/services.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";
import { CRASH_POINT, reachedLine } from "../support/crash_upload.ts";
import { countRows, keysIn } from "../support/library.ts";
import { ABC_REEL, HUMDRUM_MINUET } from "../support/scores.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Bound on each subprocess: a hung one fails the case instead of the whole run. */
const TIMEOUT_MS = 180_000;
/** Measures per excerpt: short excerpts give the small fixture scores several each. */
const EXCERPT_MEASURES = "2";
/** The score stored in full before the crash, and the one the crash interrupts. */
const BEFORE_FILE = "before.abc";
const CRASH_FILE = "crash.krn";

/** One crash point and what recovery must leave. */
export interface CrashCase {
  /** A short name for reports and test titles. */
  readonly name: string;
  /** Where the subprocess is killed: an upload point, or the index job step just committed. */
  readonly point: string;
  /** `indexed`: the score must end indexed exactly once; `dropped`: nothing of it may remain. */
  readonly expect: "indexed" | "dropped";
}

/** Rows and objects of the library at one moment. */
export interface LibraryCounts {
  /** Rows in `scores`. */
  readonly scores: number;
  /** Rows in `excerpts`. */
  readonly excerpts: number;
  /** Rows in `jobs`. */
  readonly jobs: number;
  /** Objects listed by the store. */
  readonly objects: number;
  /** Files of the local store that are no object and no sidecar (interrupted writes). */
  readonly strayFiles: number;
}

/** What one case did and found. */
export interface CrashOutcome {
  /** The case's name. */
  readonly name: string;
  /** Where the subprocess was killed. */
  readonly point: string;
  /** True when recovery exited 0 and every invariant held. */
  readonly recovered: boolean;
  /** Invariants that failed, in words (empty when recovered). */
  readonly failures: readonly string[];
  /** The library right after the kill. */
  readonly before: LibraryCounts;
  /** The library after recovery. */
  readonly after: LibraryCounts;
  /** Excerpts of the score stored before the crash. */
  readonly baselineExcerpts: number;
  /** Excerpts the interrupted score has once recovered (0 when dropped). */
  readonly crashedExcerpts: number;
  /** Index job steps recovery ran, in order. */
  readonly resumedSteps: readonly string[];
  /** Wall-clock milliseconds of the recovery process. */
  readonly recoverMs: number;
  /** The recovery process's standard output. */
  readonly recoveryLog: string;
}

/** The cases: the upload points, then one after each step the index job spec declares. */
export function crashCases(): CrashCase[] {
  const upload: [UploadPoint, string, CrashCase["expect"]][] = [
    ["prepared", "upload parsed, before its job exists", "dropped"],
    ["job", "upload job written, object not", "dropped"],
    ["object", "object written, before the score row", "indexed"],
  ];
  return [
    ...upload.map(([point, name, expect]) => ({ name, point, expect })),
    ...INDEX_JOB.steps.map(({ name }) => ({
      name: `after step ${name}`,
      point: name,
      expect: "indexed" as const,
    })),
  ];
}

/** The index job steps left after `point` (all of them after an upload point). */
function stepsAfter(point: string): string[] {
  const names = INDEX_JOB.steps.map((step) => step.name);
  return names.slice(names.indexOf(point) + 1);
}

/** The environment of every process of a case: its own PGlite folder and store, fixture models. */
export function caseEnv(dataDir: string): Record<string, string> {
  return {
    STAVE_DATA_DIR: dataDir,
    STAVE_MODELS: FIXTURES,
    STAVE_EXCERPT_MEASURES: EXCERPT_MEASURES,
    NO_COLOR: "1",
  };
}

/** The commands a case runs, as a person would type them from the repository root. */
export function caseCommands(point: string): { crash: string; recover: string } {
  const env = `STAVE_DATA_DIR=$DIR STAVE_MODELS=tests/fixtures/models/ ` +
    `STAVE_EXCERPT_MEASURES=${EXCERPT_MEASURES}`;
  return {
    crash: `${env} deno run -A tests/support/crash_upload.ts ${point} $DIR/${BEFORE_FILE} ` +
      `$DIR/${CRASH_FILE}`,
    recover: `${env} deno task reindex --stale-seconds 0`,
  };
}

/** A migrated, empty library that cases copy; `remove()` deletes it. */
export interface CrashTemplate {
  /** Its data folder (the PGlite folder is `pg` inside). */
  readonly dir: string;
  /** Deletes the folder. */
  remove(): Promise<void>;
}

/**
 * Creates the template: opening services on an empty folder runs initdb and the migrations, which
 * take seconds that every case would otherwise spend again.
 */
export async function createTemplate(): Promise<CrashTemplate> {
  const dir = await Deno.makeTempDir({ prefix: "stave-crash-template-" });
  await withLibrary(dir, () => Promise.resolve());
  return { dir, remove: () => Deno.remove(dir, { recursive: true }) };
}

/** Runs the crash subprocess until it reports the crash point, then kills it with SIGKILL. */
async function crashAt(point: string, dir: string): Promise<string[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "tests/support/crash_upload.ts",
      point,
      join(dir, BEFORE_FILE),
      join(dir, CRASH_FILE),
    ],
    cwd: ROOT,
    env: caseEnv(dir),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let pending = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop()!;
    lines.push(...parts);
    if (lines.includes(CRASH_POINT)) break;
  }
  // Killing a process that already exited throws; its status below says what happened.
  if (lines.includes(CRASH_POINT)) child.kill("SIGKILL");
  const status = await child.status;
  if (status.signal !== "SIGKILL") {
    throw new Error(`Crash process for "${point}" ended on its own: ${await stderr}`);
  }
  await stderr;
  return lines;
}

/** Opens the case's library in this process, runs `body`, and closes it. */
async function withLibrary<T>(dir: string, body: (s: Services) => Promise<T>): Promise<T> {
  const services = await openServices(loadConfig(caseEnv(dir)));
  try {
    return await body(services);
  } finally {
    await services.close();
  }
}

/** Files under the local store's root whose names mark an unfinished write (`~<uuid>.tmp`). */
async function strayFiles(root: string): Promise<number> {
  let count = 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.startsWith("~") && entry.name.endsWith(".tmp")) count++;
    }
  };
  try {
    await walk(root);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return count;
}

async function countsOf(s: Services): Promise<LibraryCounts> {
  const rows = await countRows(s.database.db);
  const root = s.config.store.kind === "local" ? s.config.store.root : undefined;
  return {
    scores: rows.scores,
    excerpts: rows.excerpts,
    jobs: rows.jobs,
    objects: (await keysIn(s.store)).length,
    strayFiles: root === undefined ? 0 : await strayFiles(root),
  };
}

/** The score stored before the crash: its id and excerpt count, from the crash process's run. */
async function baselineOf(s: Services) {
  const row = await s.database.db.selectFrom("scores").select(["id", "excerpt_count"])
    .where("title", "=", BEFORE_FILE).executeTakeFirst();
  if (row === undefined) throw new Error("The score stored before the crash is gone");
  return { id: row.id, excerpts: row.excerpt_count };
}

/** Checks the library after recovery; returns the broken invariants in words. */
async function checkRecovered(
  s: Services,
  c: CrashCase,
  baseline: { id: string; excerpts: number },
): Promise<{ failures: string[]; crashedExcerpts: number }> {
  const failures: string[] = [];
  const check = (ok: boolean, message: string) => void (ok || failures.push(message));
  const db = s.database.db;

  // The score indexed before the crash: still there, unchanged, and found by its own notes.
  const before = await getScore(db, baseline.id);
  check(before?.status === "indexed", `baseline score is ${before?.status ?? "gone"}`);
  check(before?.excerptCount === baseline.excerpts, "baseline excerpt count changed");
  const first = await db.selectFrom("excerpts").select("tokens")
    .where("score_id", "=", baseline.id).orderBy("position").executeTakeFirst();
  if (first === undefined) {
    check(false, "baseline score has no excerpts");
  } else {
    const answer = await searchLibrary(s, tokensQuery(first.tokens), { limit: 5 });
    check(
      answer.results[0]?.scoreId === baseline.id,
      `search by the baseline's first excerpt answers ${answer.results[0]?.title ?? "nothing"}`,
    );
  }

  const others = await db.selectFrom("scores").selectAll().where("id", "!=", baseline.id)
    .execute();
  const keys = await keysIn(s.store);
  const jobs = await db.selectFrom("jobs").selectAll().execute();
  if (c.expect === "dropped") {
    check(others.length === 0, `${others.length} score row(s) of the interrupted upload remain`);
    check(jobs.length === 1, `${jobs.length} job rows, expected the baseline's one`);
    check(
      keys.length === 1 && keys[0] === before?.objectKey,
      `objects ${JSON.stringify(keys)}, expected the baseline's one`,
    );
    return { failures, crashedExcerpts: 0 };
  }

  check(others.length === 1, `${others.length} rows for the interrupted score, expected 1`);
  const score = others[0];
  if (score === undefined) return { failures, crashedExcerpts: 0 };
  check(score.status === "indexed", `the interrupted score is ${score.status}`);
  const excerpts = await db.selectFrom("excerpts").select(["position", "embedding"])
    .where("score_id", "=", score.id).orderBy("position").execute();
  check(excerpts.length > 0, "the interrupted score has no excerpts");
  check(excerpts.length === score.excerpt_count, "excerpt rows differ from excerpt_count");
  check(
    excerpts.every((e, i) => e.position === i),
    `excerpt positions ${excerpts.map((e) => e.position)} are not 0..n-1 once each`,
  );
  check(excerpts.every((e) => e.embedding !== null), "an excerpt has no embedding");
  const model = await s.models.model(s.config.search.models.notes);
  check(score.embedding_sha256 === model.sha256, "the score is not embedded by the notes model");
  const own = jobs.filter((j) => j.score_id === score.id);
  check(own.length === 1, `${own.length} jobs for the interrupted score, expected 1`);
  const last = INDEX_JOB.steps.at(-1)!.name;
  check(
    own[0]?.status === "done" && own[0].step === last,
    `its job is ${own[0]?.status} at ${own[0]?.step}`,
  );
  check(jobs.length === 2, `${jobs.length} job rows, expected 2`);
  check(
    JSON.stringify(keys) === JSON.stringify([before?.objectKey, score.object_key].sort()),
    `objects ${JSON.stringify(keys)}, expected one per score`,
  );
  return { failures, crashedExcerpts: excerpts.length };
}

/**
 * Runs case `c` in a fresh temp folder (removed after) holding a copy of `template`'s database:
 * store a score in full, kill the process storing a second one at `c.point`, recover with
 * `deno task reindex`, check the library.
 */
export async function runCrashCase(c: CrashCase, template: CrashTemplate): Promise<CrashOutcome> {
  const dir = await Deno.makeTempDir({ prefix: "stave-crash-" });
  try {
    await cp(join(template.dir, "pg"), join(dir, "pg"), { recursive: true });
    await Deno.writeTextFile(join(dir, BEFORE_FILE), ABC_REEL);
    await Deno.writeTextFile(join(dir, CRASH_FILE), HUMDRUM_MINUET);
    const lines = await crashAt(c.point, dir);
    const failures: string[] = [];
    if (!lines.includes(reachedLine(c.point))) failures.push(`never reached ${c.point}`);

    const { before, baseline } = await withLibrary(dir, async (s) => ({
      before: await countsOf(s),
      baseline: await baselineOf(s),
    }));

    const t0 = performance.now();
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["task", "reindex", "--stale-seconds", "0"],
      cwd: ROOT,
      env: caseEnv(dir),
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).output();
    const recoverMs = Math.round(performance.now() - t0);
    const recoveryLog = new TextDecoder().decode(run.stdout);
    if (run.code !== 0) {
      failures.push(`reindex exited ${run.code}: ${new TextDecoder().decode(run.stderr)}`);
    }
    const resumedSteps = [...recoveryLog.matchAll(/^index \S+ \(score \S+\): (\w+)$/gm)]
      .map((m) => m[1]!);
    const expected = c.expect === "dropped" ? [] : stepsAfter(c.point);
    if (resumedSteps.join() !== expected.join()) {
      failures.push(`recovery ran steps [${resumedSteps}], expected [${expected}]`);
    }

    const { after, checked } = await withLibrary(dir, async (s) => ({
      after: await countsOf(s),
      checked: await checkRecovered(s, c, baseline),
    }));
    failures.push(...checked.failures);
    if (after.strayFiles > 0) failures.push(`${after.strayFiles} stray files in the store`);
    return {
      name: c.name,
      point: c.point,
      recovered: failures.length === 0,
      failures,
      before,
      after,
      baselineExcerpts: baseline.excerpts,
      crashedExcerpts: checked.crashedExcerpts,
      resumedSteps,
      recoverMs,
      recoveryLog,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
