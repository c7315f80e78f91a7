/**
 * @module The search settings of the configuration (`shared/config.ts` reads them through
 * {@linkcode readSearchConfig}): the encoder per modality and the bounds of one request.
 */
import type { SearchModality } from "./search_model.ts";

/** Search (`POST /v1/search` and the index job's embed step). */
export interface SearchConfig {
  /** Manifest names of the encoders (task `search`), one per modality. */
  readonly models: Readonly<Record<SearchModality, string>>;
  /** Scores answered when a request does not say. */
  readonly defaultLimit: number;
  /** Most scores a request may ask for. */
  readonly maxLimit: number;
  /** Longest recording a query may be, in seconds. */
  readonly maxAudioSeconds: number;
}

/** How the configuration reads one variable; both throw a `ConfigError` naming it. */
export interface ConfigReaders {
  /** The trimmed value of `key`, `undefined` when unset or empty. */
  text(key: string): string | undefined;
  /** The integer value of `key` in `min..max`, `fallback` when unset. */
  integer(key: string, fallback: number, min: number, max: number): number;
}

/**
 * Reads `STAVE_SEARCH_MODEL_NOTES`, `_AUDIO` and `_SHEET` (the fp32 encoders by default),
 * `STAVE_SEARCH_MAX_LIMIT` (50), `STAVE_SEARCH_DEFAULT_LIMIT` (10, at most the maximum) and
 * `STAVE_SEARCH_MAX_AUDIO_SECONDS` (600).
 *
 * @example
 * ```ts
 * import { readSearchConfig } from "./search_config.ts";
 * const search = readSearchConfig({ text: () => undefined, integer: (_, fallback) => fallback });
 * console.assert(search.models.notes === "search-notes" && search.defaultLimit === 10);
 * ```
 */
export function readSearchConfig(read: ConfigReaders): SearchConfig {
  const maxLimit = read.integer("STAVE_SEARCH_MAX_LIMIT", 50, 1, 1000);
  return {
    models: {
      notes: read.text("STAVE_SEARCH_MODEL_NOTES") ?? "search-notes",
      audio: read.text("STAVE_SEARCH_MODEL_AUDIO") ?? "search-audio",
      sheet: read.text("STAVE_SEARCH_MODEL_SHEET") ?? "search-sheet",
    },
    defaultLimit: read.integer("STAVE_SEARCH_DEFAULT_LIMIT", Math.min(10, maxLimit), 1, maxLimit),
    maxLimit,
    maxAudioSeconds: read.integer("STAVE_SEARCH_MAX_AUDIO_SECONDS", 600, 1, 86_400),
  };
}
