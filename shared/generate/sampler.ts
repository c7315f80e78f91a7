/**
 * @module Seeded sampling of the next token from a model's logits: temperature, then nucleus
 * (top-p) over the tokens the grammar allows, one draw of {@linkcode Rng} per token.
 */
import type { Rng } from "../prng.ts";

/** How to sample. */
export interface SamplingParameters {
  /** Divides the logits: below 1 sharpens, above 1 flattens; must be > 0. */
  readonly temperature: number;
  /** Keeps the most likely tokens whose probabilities sum to at least this, in (0, 1]. */
  readonly topP: number;
}

/**
 * The next token's id: the logits of the allowed tokens (`mask[id]` truthy) divided by the
 * temperature and softmaxed in float64, cut to the nucleus of mass `topP` (most likely first,
 * ties by id), then one draw from `rng`. Everything but the draw is deterministic, so a seed gives
 * the same tokens wherever the logits are the same.
 *
 * @example
 * ```ts
 * import { sampleToken } from "./sampler.ts";
 * import { Rng } from "../prng.ts";
 * const logits = new Float32Array([5, 1, 9]);
 * const mask = new Uint8Array([1, 1, 0]);
 * console.assert(sampleToken(logits, mask, { temperature: 1, topP: 0.5 }, new Rng("x")) === 0);
 * ```
 * @throws {RangeError} when no token is allowed or a parameter is out of range.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  mask: ArrayLike<number>,
  { temperature, topP }: SamplingParameters,
  rng: Rng,
): number {
  if (!(temperature > 0) || !(topP > 0 && topP <= 1)) {
    throw new RangeError(`Invalid sampling: temperature ${temperature}, top_p ${topP}`);
  }
  const ids: number[] = [];
  let max = -Infinity;
  for (let id = 0; id < mask.length; id++) {
    if (!mask[id]) continue;
    ids.push(id);
    const logit = logits[id]!;
    if (Number.isFinite(logit) && logit > max) max = logit;
  }
  if (ids.length === 0) throw new RangeError("Cannot sample: the grammar allows no token");
  // Non-finite logits weigh nothing; when none is finite, the allowed tokens are equally likely.
  const weights = ids.map((id) => {
    const logit = logits[id]!;
    if (max === -Infinity) return 1;
    return Number.isFinite(logit) ? Math.exp((logit - max) / temperature) : 0;
  });
  const order = ids.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
  const total = weights.reduce((a, b) => a + b, 0);
  let kept = 0;
  let count = 0;
  while (count < order.length && (count === 0 || kept < topP * total)) {
    kept += weights[order[count]!]!;
    count++;
  }
  let draw = rng.next() * kept;
  for (let k = 0; k < count; k++) {
    draw -= weights[order[k]!]!;
    if (draw < 0) return ids[order[k]!]!;
  }
  return ids[order[count - 1]!]!;
}
