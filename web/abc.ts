/**
 * Typed notes as the ABC tune the search reads: what a person types is often just the notes
 * (`DFAF dFAF|GBdB GBdB|`), while an ABC file needs its `X:` and `K:` header lines.
 *
 * @module
 */

/**
 * `text` as one ABC tune: an `X:` line is added when missing, and when there is no `K:` line
 * the notes are read in C with eighth notes as the unit (`L:1/8`, `K:C`) after any header fields
 * typed before them.
 *
 * @example
 * ```ts
 * import { abcTune } from "./abc.ts";
 * console.assert(abcTune("DFAF dFAF|") === "X:1\nL:1/8\nK:C\nDFAF dFAF|\n");
 * console.assert(abcTune("K:D\nDFAF|") === "X:1\nK:D\nDFAF|\n");
 * ```
 */
export function abcTune(text: string): string {
  const lines = text.trim().split(/\r?\n/).map((line) => line.trimEnd());
  if (!lines.some((line) => /^X:/.test(line))) lines.unshift("X:1");
  if (!lines.some((line) => /^K:/.test(line))) {
    // Header fields (`M:3/4`, `L:1/4`, ...) stay before the key; the notes follow it.
    const body = lines.findIndex((line) => !/^[A-Za-z]:/.test(line));
    const at = body === -1 ? lines.length : body;
    const header = lines.slice(0, at);
    const unit = header.some((line) => /^L:/.test(line)) ? [] : ["L:1/8"];
    lines.splice(at, 0, ...unit, "K:C");
  }
  return `${lines.join("\n")}\n`;
}
