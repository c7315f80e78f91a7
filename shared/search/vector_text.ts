/**
 * @module Embeddings as pgvector's text form (`[0.1,0.2,...]`), how they are written to and
 * compared in the database by both drivers.
 */

/**
 * The pgvector text of `embedding`.
 *
 * @example
 * ```ts
 * import { vectorText } from "./vector_text.ts";
 * console.assert(vectorText(new Float32Array([0.5, -1])) === "[0.5,-1]");
 * ```
 * @throws {RangeError} when a value is not finite (pgvector refuses NaN and infinities).
 */
export function vectorText(embedding: ArrayLike<number>): string {
  const values = Array.from(embedding);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`Invalid embedding: value ${bad} is ${values[bad]}`);
  return `[${values.join(",")}]`;
}
