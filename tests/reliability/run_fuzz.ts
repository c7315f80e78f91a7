/**
 * `deno task test:fuzz [--count N] [--seed S] [--only I,J] [--samples FILE] [--no-report]`: fuzzes
 * every endpoint and writes `tests/reliability/REPORT.md` (a full run) or prints each replayed case
 * (`--only`); `--samples` also writes the memory samples as JSON. Exits 1 on any failure, printing
 * the seed and case index that replay it, or when memory grew past its bound.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type FuzzResult, MEMORY_LIMITS, openFuzzTarget, replayCommand, runFuzz } from "./fuzz.ts";
import { type MemoryVerdict, memoryVerdict, sampleMemory } from "./memory.ts";
import { existingReport, REPORT, withSection } from "./report_section.ts";

const MIB = 1024 * 1024;
/**
 * Shorter runs get figures but no memory verdict: over the first thousand-odd cases the models
 * load, and in shorter windows RSS's floor moves by about as much as a leak moves it.
 */
const JUDGED_FROM = 10_000;

const { values } = parseArgs({
  args: Deno.args,
  allowNegative: true,
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    only: { type: "string" },
    samples: { type: "string" },
    report: { type: "boolean", default: true },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1) {
  throw new RangeError(`Invalid --count "${values.count}": expected a positive integer`);
}
if (!Number.isInteger(seed) || seed < 0) {
  throw new RangeError(`Invalid --seed "${values.seed}": expected a non-negative integer`);
}
const only = values.only?.split(",").map(Number);
const command = `deno task test:fuzz --count ${count} --seed ${seed}`;

const target = await openFuzzTarget();
let result: FuzzResult;
try {
  result = await runFuzz(target, {
    seed,
    count,
    only,
    onCase(index, request, status, failure) {
      if (only !== undefined) {
        console.log(
          `#${index} ${request.method} ${
            request.path.slice(0, 200)
          } (${request.note}) -> ${status}`,
        );
        console.log(`  headers: ${JSON.stringify(request.headers).slice(0, 500)}`);
        console.log(`  body: ${request.body?.length ?? 0} bytes`);
        if (failure) console.log(`  FAIL: ${failure}`);
      } else if (index % 500 === 499) {
        const m = sampleMemory(index + 1);
        console.error(
          `${index + 1}/${count} cases, RSS ${mib(m.rss)}, JS heap used ${mib(m.heapUsed)}, ` +
            `WASM ${mib(m.wasm)} (${
              m.wasmOwners.map((o) => `${o.owner} ${o.live}/${o.created} ${mib(o.bytes)}`)
                .join(", ")
            })`,
        );
      }
    },
  });
} finally {
  await target.close();
}

for (const failure of result.failures) {
  console.error(
    `FAIL seed ${seed} case ${failure.index} [${failure.endpoint}, ${failure.note}]: ${failure.message}`,
  );
  console.error(`  replay: ${replayCommand(seed, failure)}`);
}
for (const crash of result.crashes) console.error(`CRASH ${crash}`);
const judged = only === undefined && count >= JUDGED_FROM;
const verdict: MemoryVerdict | undefined = result.samples.length >= 4
  ? memoryVerdict(result.samples, MEMORY_LIMITS)
  : undefined;
if (verdict) {
  const outcome = !judged
    ? `not judged (under ${JUDGED_FROM} cases)`
    : verdict.pass
    ? "bounded"
    : "NOT bounded";
  console.error(
    `Memory ${outcome}: RSS grew by ${mib(verdict.rss.growth)} over the second half (limit ${
      mib(verdict.limits.rss)
    }); growing WASM memories: ${verdict.growingWasm.join(", ") || "none"}`,
  );
}
if (values.samples !== undefined) {
  await Deno.writeTextFile(values.samples, JSON.stringify(result.samples));
}
if (only === undefined && values.report) {
  if (!verdict) throw new RangeError(`Too few cases (${count}) for a report`);
  await Deno.writeTextFile(
    REPORT,
    withSection(await existingReport(), "## Fuzz", report(result, verdict)),
  );
  console.error(`Wrote ${REPORT.pathname}`);
}
const failed = result.failures.length + result.crashes.length > 0 ||
  (judged && verdict?.pass === false);
Deno.exit(failed ? 1 : 0);

function mib(n: number): string {
  return `${(n / MIB).toFixed(0)} MiB`;
}

/** The memory part of the report: the verdict, samples every 1,000 cases, and what grew. */
function memoryLines(r: FuzzResult, v: MemoryVerdict): string {
  const signed = (n: number) => `${n >= 0 ? "+" : "−"}${mib(Math.abs(n))}`;
  const cases = ([a, b]: readonly [number, number]) =>
    `${a.toLocaleString("en-US")}–${b.toLocaleString("en-US")}`;
  const row = (name: string, t: { mid: number; end: number; growth: number }) =>
    `| ${name} | ${mib(t.mid)} | ${mib(t.end)} | ${signed(t.growth)} |`;
  const last = r.samples.at(-1)!;
  const everyThousand = r.samples.filter((s) => s.cases > 0 && s.cases % 1_000 === 0)
    .map((s) => `${s.cases}: ${mib(s.rss)} (${mib(s.heapUsed)}, ${mib(s.wasm)})`);
  const outcome = !judged
    ? `not judged (under ${JUDGED_FROM.toLocaleString("en-US")} cases)`
    : v.pass
    ? "pass"
    : "FAIL";
  const owners = v.wasmOwners.map((o) =>
    row(`WASM: ${o.owner}, largest (${o.live} uncollected, ${o.created} made)`, o)
  );
  const growing = v.growingWasm.length === 0 ? "none" : v.growingWasm.join(", ");
  return `- RSS: ${mib(r.rss.start)} at start, ${mib(r.rss.end)} at end, ${mib(r.rss.peak)} peak
- Memory bounded: **${outcome}**: over the second half, RSS ${signed(v.rss.growth)} (limit ${
    mib(v.limits.rss)
  }), the lowest
  sample at cases ${cases(v.endCases)} against the lowest at cases ${cases(v.midCases)} (memory
  sampled every ${r.sampleEvery} cases); WASM memories that grew by ${
    mib(v.limits.wasm)
  } or more: ${growing}
- Every 1,000 cases, RSS (JS heap used, WASM memories): ${everyThousand.join(", ")}

What the memory is: the lowest sample of each figure in those two windows. The JS heap, and RSS
with it, rises and falls by hundreds of MiB for a thousand cases at a time, as garbage of large
requests waits for a major collection; the floor is what stays. A WASM memory is counted at its
committed size (an upper bound on how much of it is resident) and never shrinks: it is its
module's high-water mark. Per package, the largest memory; "uncollected" counts the package's
memories still reachable or not yet garbage-collected, "made" every one it created (Verovio starts
a fresh module after a WASM exception).

| Memory | Cases ${cases(v.midCases)} | Cases ${cases(v.endCases)} | Growth |
| --- | ---: | ---: | ---: |
${row("RSS", v.rss)}
${row("JS heap used", v.heapUsed)}
${row("External (ArrayBuffers outside the heap)", v.external)}
${row("WASM memories, all", v.wasm)}
${owners.join("\n")}

Stored by the fuzz by the end, in the in-memory PGlite: ${mib(last.databaseBytes)} of database,
${Object.entries(last.rows).map(([table, n]) => `${n} ${table.replace("_", " ")}`).join(", ")}.`;
}

function report(r: FuzzResult, v: MemoryVerdict): string {
  const rows = Object.entries(r.endpoints).map(([endpoint, s]) => {
    const codes = Object.entries(s.statuses).sort(([a], [b]) => Number(a) - Number(b))
      .map(([code, n]) => `${code}: ${n}`).join(", ");
    return `| ${endpoint} | ${s.tried} | ${codes} | ${s.serverErrors} |`;
  });
  const failures = r.failures.length === 0
    ? "None."
    : r.failures.slice(0, 50).map((f) =>
      `- case ${f.index} (${f.endpoint}, ${f.note}): ${
        f.message.replaceAll("\n", " ").slice(0, 200)
      }`
    ).join("\n");
  return `## Fuzz

Generated by \`tests/reliability/run_fuzz.ts\`; do not edit.

Command: \`${command}\` (${
    new Date().toISOString().slice(0, 10)
  }, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs)

Seed ${r.seed}, ${r.count} cases dealt round-robin to the endpoints, in ${
    (r.durationMs / 1000).toFixed(1)
  } s.
Every answer must be below 500 (a 503 only where the endpoint documents one) and every 4xx an
\`application/problem+json\` with its status and a non-empty \`detail\`.

| Endpoint | Inputs | Status codes (count) | 5xx |
| --- | ---: | --- | ---: |
${rows.join("\n")}

- 5xx answers: ${Object.values(r.endpoints).reduce((s, e) => s + e.serverErrors, 0)} (target 0)
- Oracle failures: ${r.failures.length}
- Crashes and unhandled rejections: ${r.crashes.length}${
    r.crashes.map((c) => `\n  - ${c}`).join("")
  }
${memoryLines(r, v)}

### Failures

${failures}
`;
}
