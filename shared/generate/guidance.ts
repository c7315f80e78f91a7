/**
 * @module Genre guidance: sharpens what sets the genre asked apart, by contrasting its stream's
 * next-token distribution with the mixture of every genre's stream. This is classifier-free
 * guidance with the mixture standing in for the unconditional model: the generator has no
 * unconditional mode, and the mixture of its genres is the music it knows with no genre asked.
 *
 * Guidance buys a clearer genre at the cost of fidelity (it sharpens the line's distributions),
 * so each genre's default weight is calibrated per model (`deno task calibrate:gen`, recorded in
 * the manifest entry's `preprocess.genres[].guidance`): the smallest that makes the classifier
 * agree with the genre asked, 0 where the generator alone does.
 */

/** The largest guidance weight a request may ask for. */
export const MAX_GUIDANCE = 16;

/**
 * Guided log-probabilities for the line in `genre`: with `p_g` the softmax of row `g` of `logits`
 * (`[genres, vocabulary]`, one row per genre's stream, each fed the same line) and `m` their mean,
 * `log p_genre + weight * (log p_genre - log m)`. Weight 0 gives the genre's own distribution; a
 * larger weight favours tokens more likely in the genre asked than in the genres together.
 *
 * @example
 * ```ts
 * import { guideLogits } from "./guidance.ts";
 * // Two tokens, two genres: token 1 is likelier in genre 0 than in genre 1.
 * const logits = new Float32Array([0, 1, 0, -1]);
 * const plain = guideLogits(logits, 2, 0, 0);
 * const guided = guideLogits(logits, 2, 0, 4);
 * console.assert(guided[1]! - guided[0]! > plain[1]! - plain[0]!);
 * ```
 * @throws {RangeError} when `logits` is not whole rows, `genre` is not a row, or `weight` is
 * negative or not finite.
 */
export function guideLogits(
  logits: ArrayLike<number>,
  vocabulary: number,
  genre: number,
  weight: number,
): Float64Array {
  const rows = logits.length / vocabulary;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`${logits.length} logits are not rows of ${vocabulary}`);
  }
  if (!Number.isInteger(genre) || genre < 0 || genre >= rows) {
    throw new RangeError(`Genre row ${genre} is not one of ${rows}`);
  }
  if (!(weight >= 0 && Number.isFinite(weight))) {
    throw new RangeError(`Invalid guidance weight ${weight}: expected a finite number >= 0`);
  }
  const logSoftmax = (row: number) => {
    const x = Float64Array.from({ length: vocabulary }, (_, v) => logits[row * vocabulary + v]!);
    const max = x.reduce((a, b) => Math.max(a, b), -Infinity);
    const z = max + Math.log(x.reduce((s, v) => s + Math.exp(v - max), 0));
    return x.map((v) => v - z);
  };
  const own = logSoftmax(genre);
  if (weight === 0) return own;
  const all = Array.from({ length: rows }, (_, g) => g === genre ? own : logSoftmax(g));
  return own.map((lp, v) => {
    const max = all.reduce((a, row) => Math.max(a, row[v]!), -Infinity);
    const mixture = max + Math.log(all.reduce((s, row) => s + Math.exp(row[v]! - max), 0) / rows);
    return lp + weight * (lp - mixture);
  });
}
