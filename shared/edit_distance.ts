/**
 * Levenshtein distance between token sequences: the numerator of the symbol error rate (SER)
 * that evaluation and tests report.
 *
 * @module
 */

/**
 * The fewest insertions, deletions and substitutions that turn `a` into `b`.
 *
 * @example
 * ```ts
 * import { editDistance } from "./edit_distance.ts";
 * console.assert(editDistance(["clef-G2", "barline"], ["clef-G2"]) === 1);
 * ```
 */
export function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
