/**
 * The model registry: reads the manifest, loads each model once on first use (verifying its
 * size and sha256), caches the session for the process and runs it.
 *
 * It reads only through a {@linkcode ModelSource}, so the browser imports this same module with
 * a source over HTTP; `create_model_registry.ts` builds the server's from the configuration.
 *
 * @module
 */

import { abortable } from "../abortable.ts";
import type { OnnxBackend } from "../config.ts";
import { sha256Hex } from "../sha256.ts";
import { type Manifest, type ModelEntry, parseManifest } from "./manifest.ts";
import {
  createSession,
  type OnnxSession,
  type RunOptions,
  type Tensor,
  type Tensors,
} from "./onnx_runtime.ts";

/** Where model bytes come from: an object store rooted at the models folder or S3 prefix. */
export interface ModelSource {
  /** The whole object at `key`, or `null` when there is none. */
  getBytes(key: string, signal?: AbortSignal): Promise<Uint8Array | null>;
  /** Releases the source's connections, if it has any. */
  close?(): Promise<void>;
}

/** Options for {@linkcode ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Where the manifest and model files are read from. */
  readonly source: ModelSource;
  /** Runtime settings; `threads` defaults to 1 and `webgpu` to off. */
  readonly onnx: {
    readonly backend: OnnxBackend;
    readonly threads?: number;
    readonly webgpu?: boolean;
  };
  /** Key of the manifest in the source; `manifest.json` by default. */
  readonly manifestKey?: string;
  /** Close the source in {@linkcode ModelRegistry.close} (set by `createModelRegistry`). */
  readonly ownsSource?: boolean;
}

/** What {@linkcode ModelRegistry.status} reports about one model. */
export interface ModelStatus {
  /** The manifest name. */
  readonly name: string;
  /** The manifest version. */
  readonly version: string;
  /** `idle` (not loaded yet), `loading` or `ready`. */
  readonly state: "idle" | "loading" | "ready";
}

/** A file served to clients by {@linkcode ModelRegistry.artifact}. */
export interface ModelArtifact {
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** Their lower-case hex SHA-256. */
  readonly sha256: string;
}

/** A health summary of the registry. */
export interface RegistryStatus {
  /** The backend sessions run on. */
  readonly backend: OnnxBackend;
  /** Whether the manifest has been read. */
  readonly manifest: boolean;
  /** Every manifest model with its state; empty until the manifest is read. */
  readonly models: readonly ModelStatus[];
}

/** The manifest has no model of that name. */
export class ModelNotFoundError extends Error {
  /** The name asked for. */
  readonly model: string;

  /** Creates the error for `model`, listing the names that exist. */
  constructor(model: string, known: readonly string[]) {
    super(
      `Unknown model "${model}": the manifest lists ${known.length ? known.join(", ") : "none"}`,
    );
    this.name = "ModelNotFoundError";
    this.model = model;
  }
}

/** A model file is missing or differs from the manifest (size or sha256). */
export class ModelIntegrityError extends Error {
  /** The model's manifest name. */
  readonly model: string;
  /** The file's key in the source. */
  readonly file: string;

  /** Creates the error for `model`'s `file` with what differs. */
  constructor(model: string, file: string, detail: string) {
    super(`Model "${model}" file "${file}" failed verification: ${detail}`);
    this.name = "ModelIntegrityError";
    this.model = model;
    this.file = file;
  }
}

/**
 * Loads models named in the manifest lazily and keeps one session per model for the process.
 * Concurrent callers share one load; a failed load is forgotten, so the next call retries.
 *
 * @example
 * ```ts
 * import { ModelRegistry } from "./model_registry.ts";
 * import { LocalObjectStore } from "../storage/mod.ts";
 * const registry = new ModelRegistry({
 *   source: new LocalObjectStore("tests/fixtures/models"),
 *   onnx: { backend: "web" },
 * });
 * const image = { dtype: "float32", dims: [1, 1, 8, 6], data: new Float32Array(48) } as const;
 * const { logits } = await registry.run("tiny", { image });
 * console.assert(logits?.dims.join() === "3,1,5");
 * await registry.close();
 * ```
 */
export class ModelRegistry {
  readonly #options: ModelRegistryOptions;
  #manifest?: Promise<Manifest>;
  readonly #sessions = new Map<string, Promise<OnnxSession>>();
  readonly #ready = new Set<string>();
  #loads = 0;
  #closed = false;

  /** Creates a registry; nothing is read until first use. */
  constructor(options: ModelRegistryOptions) {
    this.#options = options;
  }

  /** The parsed manifest, read once; a failed read is retried on the next call. */
  manifest(): Promise<Manifest> {
    if (!this.#manifest) {
      const load = this.#readManifest();
      this.#manifest = load;
      load.catch(() => {
        if (this.#manifest === load) this.#manifest = undefined;
      });
    }
    return this.#manifest;
  }

  async #readManifest(): Promise<Manifest> {
    const key = this.#options.manifestKey ?? "manifest.json";
    const bytes = await this.#options.source.getBytes(key);
    if (bytes === null) throw new Error(`Cannot read model manifest "${key}": not found`);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new SyntaxError(`Cannot parse model manifest "${key}": ${(error as Error).message}`);
    }
    return parseManifest(json);
  }

  /** The manifest entry for `name`. @throws {ModelNotFoundError} when there is none. */
  async model(name: string): Promise<ModelEntry> {
    const manifest = await this.manifest();
    const entry = manifest.models.find((model) => model.name === name);
    if (!entry) throw new ModelNotFoundError(name, manifest.models.map((model) => model.name));
    return entry;
  }

  /**
   * The session for `name`, loaded and verified on first use and then cached.
   *
   * @throws {ModelNotFoundError} for a name the manifest does not list.
   * @throws {ModelIntegrityError} when the file is missing or its size or sha256 differ.
   */
  session(name: string): Promise<OnnxSession> {
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot load model "${name}": registry closed`));
    }
    let session = this.#sessions.get(name);
    if (!session) {
      const load = this.#load(name);
      session = load;
      this.#sessions.set(name, load);
      load.then(
        () => {
          if (this.#sessions.get(name) === load) this.#ready.add(name);
        },
        () => {
          if (this.#sessions.get(name) === load) this.#sessions.delete(name);
        },
      );
    }
    return session;
  }

  /**
   * How many loads have started: one per model while its session is cached, one more after each
   * failed load that a later call retried. Concurrent first callers share one load.
   */
  get loads(): number {
    return this.#loads;
  }

  async #load(name: string): Promise<OnnxSession> {
    this.#loads++;
    const entry = await this.model(name);
    const bytes = await this.#verifiedBytes(entry);
    const { backend, threads, webgpu } = this.#options.onnx;
    return await createSession(bytes, {
      backend,
      threads,
      webgpu,
      inputs: entry.inputs,
      outputs: entry.outputs,
      label: name,
    });
  }

  /** The bytes of `entry`'s file. @throws {ModelIntegrityError} unless size and sha256 match. */
  async #verifiedBytes(entry: ModelEntry, signal?: AbortSignal): Promise<Uint8Array> {
    const bytes = await this.#options.source.getBytes(entry.file, signal);
    if (bytes === null) throw new ModelIntegrityError(entry.name, entry.file, "not found");
    if (bytes.byteLength !== entry.bytes) {
      throw new ModelIntegrityError(
        entry.name,
        entry.file,
        `expected ${entry.bytes} bytes, got ${bytes.byteLength}`,
      );
    }
    const actual = await sha256Hex(bytes);
    if (actual !== entry.sha256) {
      throw new ModelIntegrityError(
        entry.name,
        entry.file,
        `expected sha256 ${entry.sha256}, got ${actual}`,
      );
    }
    return bytes;
  }

  /**
   * A file for clients that run the models themselves: the manifest, or a model file it lists
   * (verified like a load). Any other key is `null`, so nothing else in the source is exposed.
   *
   * @throws {ModelIntegrityError} when a listed file is missing or differs from the manifest.
   */
  async artifact(key: string, signal?: AbortSignal): Promise<ModelArtifact | null> {
    const manifestKey = this.#options.manifestKey ?? "manifest.json";
    if (key === manifestKey) {
      const bytes = await this.#options.source.getBytes(key, signal);
      return bytes && { bytes, sha256: await sha256Hex(bytes) };
    }
    const entry = (await this.manifest()).models.find((model) => model.file === key);
    if (entry === undefined) return null;
    return { bytes: await this.#verifiedBytes(entry, signal), sha256: entry.sha256 };
  }

  /** Runs model `name` on `feeds` (loading it if needed) and returns its outputs. */
  async run(
    name: string,
    feeds: Tensors,
    options: RunOptions = {},
  ): Promise<Record<string, Tensor>> {
    const session = await abortable(this.session(name), options.signal);
    return await session.run(feeds, options);
  }

  /** Names of the models whose sessions are loaded, for health checks. */
  loaded(): string[] {
    return [...this.#ready].sort();
  }

  /** The backend, whether the manifest is read, and each model's state. */
  async status(): Promise<RegistryStatus> {
    let manifest: Manifest | undefined;
    try {
      manifest = this.#manifest ? await this.#manifest : undefined;
    } catch {
      manifest = undefined; // the failed read is reported as "manifest: false"
    }
    return {
      backend: this.#options.onnx.backend,
      manifest: manifest !== undefined,
      models: (manifest?.models ?? []).map((model) => ({
        name: model.name,
        version: model.version,
        state: this.#ready.has(model.name)
          ? "ready"
          : this.#sessions.has(model.name)
          ? "loading"
          : "idle",
      })),
    };
  }

  /** Releases every session (waiting for loads and runs in flight); later loads are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loads = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#ready.clear();
    const results = await Promise.allSettled(loads);
    await Promise.all(
      results.map((result) => result.status === "fulfilled" ? result.value.release() : undefined),
    );
    if (this.#options.ownsSource) await this.#options.source.close?.();
  }
}
