/**
 * What the fuzzer's memory is made of, read cheaply while it runs: `Deno.memoryUsage()` and the
 * WASM linear memories the process has created, each named after the package that instantiated it
 * (PGlite, onnxruntime-web, Verovio, the image codecs). WASM memories live outside the JS heap and
 * only grow, so they are the RSS that `heapUsed` does not show.
 *
 * {@linkcode trackWasmMemories} must run before the packages instantiate their modules.
 *
 * @module
 */

/** One owner's live WASM memories. */
export interface WasmOwner {
  /** Package that instantiated them, e.g. `@electric-sql/pglite`. */
  readonly owner: string;
  /** Memories still reachable. */
  readonly live: number;
  /** Memories created so far, collected or not. */
  readonly created: number;
  /** Sum of the live memories' sizes (their high-water marks: a WASM memory never shrinks). */
  readonly bytes: number;
  /** Size of the largest live memory: its growth is the module's, whatever collection lags. */
  readonly largest: number;
}

/** One sample of the process's memory. */
export interface MemorySample {
  /** Fuzz cases done when it was taken. */
  readonly cases: number;
  /** Resident set size. */
  readonly rss: number;
  /** V8 heap reserved and in use. */
  readonly heapTotal: number;
  readonly heapUsed: number;
  /** Memory of JS objects held outside the V8 heap (ArrayBuffers among them). */
  readonly external: number;
  /** All live WASM memories together. */
  readonly wasm: number;
  /** Live WASM memories by owner. */
  readonly wasmOwners: readonly WasmOwner[];
}

interface Tracked {
  readonly owner: string;
  readonly memory: WeakRef<WebAssembly.Memory>;
}

const tracked: Tracked[] = [];
// The originals: after install, `WebAssembly.Memory` is a subclass that exported memories are not.
const OriginalMemory = WebAssembly.Memory;
const OriginalInstance = WebAssembly.Instance;
const seen = new WeakSet<WebAssembly.Memory>();
let installed = false;

/** The package in `stack` that is neither this file nor a runtime frame, or `unknown`. */
export function ownerOf(stack: string): string {
  for (const line of stack.split("\n").slice(1)) {
    if (line.includes("/tests/reliability/memory.ts")) continue;
    // Deno's npm folder: node_modules/.deno/@scope+name@version/... or name@version/...
    const npm = /node_modules\/\.deno\/(@?[^/@]+)@/.exec(line);
    if (npm) return npm[1]!.replace("+", "/");
    const local = /\/(shared|functions|tests)\/([^:]+?)\.ts:/.exec(line);
    if (local) return `${local[1]}/${local[2]}.ts`;
  }
  return "unknown";
}

function remember(memory: WebAssembly.Memory, owner: string): void {
  if (seen.has(memory)) return;
  seen.add(memory);
  tracked.push({ owner, memory: new WeakRef(memory) });
}

function rememberExports(instance: WebAssembly.Instance, owner: string): void {
  for (const value of Object.values(instance.exports)) {
    if (value instanceof OriginalMemory) remember(value, owner);
  }
}

/**
 * Wraps `WebAssembly.Memory`, `Instance`, `instantiate` and `instantiateStreaming` so that every
 * linear memory created from now on (imported or exported) is recorded with its owner. Recorded
 * through weak references, so tracking keeps nothing alive. Installing twice is a no-op.
 */
export function trackWasmMemories(): void {
  if (installed) return;
  installed = true;
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly);
  const instantiateStreaming = WebAssembly.instantiateStreaming?.bind(WebAssembly);
  // Subclasses, whose `instanceof` still accepts what the originals make (exported memories).
  wasm.Memory = class extends OriginalMemory {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      super(descriptor);
      remember(this, ownerOf(new Error().stack ?? ""));
    }
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof OriginalMemory;
    }
  };
  wasm.Instance = class extends OriginalInstance {
    constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
      super(module, imports);
      rememberExports(this, ownerOf(new Error().stack ?? ""));
    }
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof OriginalInstance;
    }
  };
  const record = <T>(result: T, owner: string): T => {
    const instance = (result as { instance?: WebAssembly.Instance }).instance ?? result;
    if (instance instanceof OriginalInstance) rememberExports(instance, owner);
    return result;
  };
  wasm.instantiate = (source: unknown, imports?: WebAssembly.Imports) => {
    const owner = ownerOf(new Error().stack ?? "");
    return instantiate(source as BufferSource, imports).then((r: unknown) => record(r, owner));
  };
  if (instantiateStreaming) {
    wasm.instantiateStreaming = (
      source: Response | PromiseLike<Response>,
      imports?: WebAssembly.Imports,
    ) => {
      const owner = ownerOf(new Error().stack ?? "");
      return instantiateStreaming(source, imports).then((r) => record(r, owner));
    };
  }
}

/** Live WASM memories by owner, largest first. */
export function wasmMemories(): WasmOwner[] {
  const owners = new Map<
    string,
    { live: number; created: number; bytes: number; largest: number }
  >();
  for (const { owner, memory } of tracked) {
    const entry = owners.get(owner) ?? { live: 0, created: 0, bytes: 0, largest: 0 };
    entry.created++;
    const live = memory.deref();
    if (live) {
      entry.live++;
      entry.bytes += live.buffer.byteLength;
      entry.largest = Math.max(entry.largest, live.buffer.byteLength);
    }
    owners.set(owner, entry);
  }
  return [...owners].map(([owner, e]) => ({ owner, ...e })).sort((a, b) => b.bytes - a.bytes);
}

/** A sample of the process's memory now, tagged with `cases` done. */
export function sampleMemory(cases: number): MemorySample {
  const { rss, heapTotal, heapUsed, external } = Deno.memoryUsage();
  const wasmOwners = wasmMemories();
  const wasm = wasmOwners.reduce((sum, o) => sum + o.bytes, 0);
  return { cases, rss, heapTotal, heapUsed, external, wasm, wasmOwners };
}

/** How one figure moved between the two windows of {@linkcode memoryVerdict}: their floors. */
export interface Trend {
  /** Lowest value in the window that ends half way through the run. */
  readonly mid: number;
  /** Lowest value in the window that ends the run. */
  readonly end: number;
  /** `end - mid`. */
  readonly growth: number;
}

/** Growth allowed over the second half of a run, in bytes. */
export interface MemoryLimits {
  /** Of RSS (the floors of the windows). */
  readonly rss: number;
  /** Of each package's largest WASM memory. */
  readonly wasm: number;
}

/** Whether memory stayed bounded over the second half of a run, with the figures behind it. */
export interface MemoryVerdict {
  /** RSS and every package's largest WASM memory grew less than their limits. */
  readonly pass: boolean;
  /** The limits applied. */
  readonly limits: MemoryLimits;
  /** Packages whose largest WASM memory grew past `limits.wasm`. */
  readonly growingWasm: readonly string[];
  /** Cases done at the first and last sample of each window. */
  readonly midCases: readonly [number, number];
  readonly endCases: readonly [number, number];
  readonly rss: Trend;
  readonly heapUsed: Trend;
  readonly external: Trend;
  readonly wasm: Trend;
  /** Each owner's largest WASM memory, plus live and created counts at the last sample. */
  readonly wasmOwners: readonly (Trend & { owner: string; live: number; created: number })[];
}

/**
 * Judges the second half of a run: compares the lowest sample in the window that ends half way
 * through (a tenth of the samples by default) with the lowest in the last window. RSS swings by
 * hundreds of MiB for a thousand cases at a time, as garbage of large requests piles up in the JS
 * heap until a major collection; the floor under those swings is what the process keeps, and what
 * a leak raises. A WASM memory has no such noise
 * (it only grows, in 64 KiB pages), so a package's largest one growing at all past the first half
 * is a module still taking memory it does not give back, however small next to RSS.
 *
 * @throws {RangeError} with fewer than 4 samples, too few to have two windows.
 */
export function memoryVerdict(
  samples: readonly MemorySample[],
  limits: MemoryLimits,
  window = 0.1,
): MemoryVerdict {
  if (samples.length < 4) {
    throw new RangeError(`Cannot judge memory on ${samples.length} samples: expected 4 or more`);
  }
  const size = Math.max(2, Math.round(samples.length * window));
  const half = Math.floor(samples.length / 2);
  const mid = samples.slice(Math.max(0, half - size), half);
  const end = samples.slice(-size);
  const trend = (pick: (s: MemorySample) => number): Trend => {
    const [a, b] = [Math.min(...mid.map(pick)), Math.min(...end.map(pick))];
    return { mid: a, end: b, growth: b - a };
  };
  const last = samples.at(-1)!;
  const owners = [...new Set(samples.flatMap((s) => s.wasmOwners.map((o) => o.owner)))];
  const largest = (owner: string) => (s: MemorySample) =>
    s.wasmOwners.find((o) => o.owner === owner)?.largest ?? 0;
  const rss = trend((s) => s.rss);
  const wasmOwners = owners.map((owner) => {
    const now = last.wasmOwners.find((o) => o.owner === owner);
    return { owner, ...trend(largest(owner)), live: now?.live ?? 0, created: now?.created ?? 0 };
  }).sort((a, b) => b.end - a.end);
  const growingWasm = wasmOwners.filter((o) => o.growth >= limits.wasm).map((o) => o.owner);
  return {
    pass: rss.growth < limits.rss && growingWasm.length === 0,
    limits,
    growingWasm,
    midCases: [mid[0]!.cases, mid.at(-1)!.cases],
    endCases: [end[0]!.cases, end.at(-1)!.cases],
    rss,
    heapUsed: trend((s) => s.heapUsed),
    external: trend((s) => s.external),
    wasm: trend((s) => s.wasm),
    wasmOwners,
  };
}
