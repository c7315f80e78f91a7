/**
 * CTC decoding of a recognizer's per-frame scores: greedy (best path) and prefix beam search,
 * each with per-token confidences and the sequence's posterior probability.
 *
 * Confidences are probabilities the model itself assigns:
 * - a token's confidence is the geometric mean, over the frames the best alignment gives it,
 *   of the token's per-frame posterior;
 * - the sequence confidence is P(labelling | image), summed over every CTC alignment by the
 *   forward algorithm, so it does not shrink just because a staff is long.
 *
 * @module
 */

/** Per-frame log-probabilities: `data[t * classes + c]` for frame `t`, class `c`. */
export interface FrameScores {
  /** Row-major `[frames, classes]` log-probabilities (use {@linkcode logSoftmax} on logits). */
  readonly data: Float32Array | Float64Array;
  /** Number of frames (time steps). */
  readonly frames: number;
  /** Number of classes, blank included. */
  readonly classes: number;
}

/** A decoded sequence. */
export interface Decoded {
  /** Class indices of the tokens, blanks removed and repeats merged. */
  readonly tokens: number[];
  /** Per token, the geometric-mean posterior over its aligned frames, in [0, 1]. */
  readonly confidences: number[];
  /** Per token, the `[first, last]` frame of its alignment. */
  readonly spans: [number, number][];
  /** P(tokens | input) under the model, in [0, 1]. */
  readonly confidence: number;
}

/** Options of {@linkcode decodeBeam}. */
export interface BeamOptions {
  /** Prefixes kept per frame; 1 behaves like a best-path search. Default 8. */
  readonly beamWidth?: number;
  /** Class index of the CTC blank. Default 0. */
  readonly blank?: number;
  /** Classes tried per frame, the most likely first; the rest are pruned. Default 16. */
  readonly topClasses?: number;
}

function check(scores: FrameScores, blank: number): void {
  const { data, frames, classes } = scores;
  if (!Number.isInteger(frames) || !Number.isInteger(classes) || frames < 0 || classes < 1) {
    throw new RangeError(`Invalid CTC scores shape [${frames}, ${classes}]`);
  }
  if (data.length !== frames * classes) {
    throw new RangeError(
      `Invalid CTC scores: ${data.length} values for shape [${frames}, ${classes}]`,
    );
  }
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) {
    throw new RangeError(`Invalid CTC blank ${blank}: expected 0..${classes - 1}`);
  }
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Log-softmax of each frame of row-major `[frames, classes]` logits.
 *
 * @example
 * ```ts
 * import { logSoftmax } from "./ctc_decode.ts";
 * const scores = logSoftmax(new Float32Array([0, 0]), 1, 2);
 * console.assert(Math.abs(scores.data[0] - Math.log(0.5)) < 1e-6);
 * ```
 */
export function logSoftmax(logits: ArrayLike<number>, frames: number, classes: number) {
  const data = new Float64Array(frames * classes);
  for (let t = 0; t < frames; t++) {
    const row = t * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c]! - max);
    const log = max + Math.log(sum);
    for (let c = 0; c < classes; c++) data[row + c] = logits[row + c]! - log;
  }
  return { data, frames, classes } satisfies FrameScores;
}

/**
 * Log P(tokens | input): the CTC forward algorithm over every alignment of `tokens`.
 * Returns `-Infinity` when no alignment fits in the frames.
 */
export function sequenceLogProb(scores: FrameScores, tokens: readonly number[], blank = 0) {
  check(scores, blank);
  const { data, frames, classes } = scores;
  const states = 2 * tokens.length + 1;
  const label = (s: number) => (s % 2 === 0 ? blank : tokens[(s - 1) / 2]!);
  if (frames === 0) return tokens.length === 0 ? 0 : -Infinity;
  let alpha = new Float64Array(states).fill(-Infinity);
  alpha[0] = data[blank]!;
  if (states > 1) alpha[1] = data[label(1)]!;
  for (let t = 1; t < frames; t++) {
    const next = new Float64Array(states).fill(-Infinity);
    for (let s = 0; s < states; s++) {
      let sum = logAdd(alpha[s]!, s > 0 ? alpha[s - 1]! : -Infinity);
      // Skipping a blank is allowed between two different tokens only.
      if (s > 1 && s % 2 === 1 && label(s) !== label(s - 2)) sum = logAdd(sum, alpha[s - 2]!);
      next[s] = sum + data[t * classes + label(s)]!;
    }
    alpha = next;
  }
  return logAdd(alpha[states - 1]!, states > 1 ? alpha[states - 2]! : -Infinity);
}

/** The most likely alignment of `tokens` (Viterbi): the frame span of each token. */
function align(scores: FrameScores, tokens: readonly number[], blank: number): [number, number][] {
  const { data, frames, classes } = scores;
  const states = 2 * tokens.length + 1;
  if (tokens.length === 0 || frames === 0) return [];
  const label = (s: number) => (s % 2 === 0 ? blank : tokens[(s - 1) / 2]!);
  const from = new Int32Array(frames * states).fill(-1);
  let delta = new Float64Array(states).fill(-Infinity);
  delta[0] = data[blank]!;
  delta[1] = data[label(1)]!;
  for (let t = 1; t < frames; t++) {
    const next = new Float64Array(states).fill(-Infinity);
    for (let s = 0; s < states; s++) {
      let best = delta[s]!, arg = s;
      if (s > 0 && delta[s - 1]! > best) [best, arg] = [delta[s - 1]!, s - 1];
      if (s > 1 && s % 2 === 1 && label(s) !== label(s - 2) && delta[s - 2]! > best) {
        [best, arg] = [delta[s - 2]!, s - 2];
      }
      next[s] = best + data[t * classes + label(s)]!;
      from[t * states + s] = arg;
    }
    delta = next;
  }
  let s = delta[states - 1]! >= delta[states - 2]! ? states - 1 : states - 2;
  const spans: [number, number][] = tokens.map(() => [frames, -1]);
  for (let t = frames - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const span = spans[(s - 1) / 2]!;
      span[0] = Math.min(span[0], t);
      span[1] = Math.max(span[1], t);
    }
    if (t > 0) s = from[t * states + s]!;
  }
  return spans;
}

function finish(scores: FrameScores, tokens: number[], blank: number): Decoded {
  const { data, classes } = scores;
  const spans = align(scores, tokens, blank);
  const confidences = tokens.map((token, i) => {
    const [first, last] = spans[i]!;
    let sum = 0;
    for (let t = first; t <= last; t++) sum += data[t * classes + token]!;
    return Math.exp(sum / (last - first + 1));
  });
  const confidence = Math.exp(sequenceLogProb(scores, tokens, blank));
  return { tokens, confidences, spans, confidence };
}

/**
 * Best-path decoding: the most likely class per frame, repeats merged, blanks removed.
 *
 * @example
 * ```ts
 * import { decodeGreedy, logSoftmax } from "./ctc_decode.ts";
 * // Frames favour: 1, 1, blank, 1 -> tokens [1, 1].
 * const scores = logSoftmax([0, 5, 0, 0, 5, 0, 5, 0, 0, 0, 5, 0], 4, 3);
 * console.assert(decodeGreedy(scores).tokens.join() === "1,1");
 * ```
 */
export function decodeGreedy(scores: FrameScores, blank = 0): Decoded {
  check(scores, blank);
  const { data, frames, classes } = scores;
  const tokens: number[] = [];
  let previous = blank;
  for (let t = 0; t < frames; t++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (data[t * classes + c]! > data[t * classes + best]!) best = c;
    }
    if (best !== blank && best !== previous) tokens.push(best);
    previous = best;
  }
  return finish(scores, tokens, blank);
}

interface Beam {
  readonly tokens: number[];
  /** log P(prefix, ending in blank). */
  blank: number;
  /** log P(prefix, ending in its last token). */
  token: number;
}

/**
 * Prefix beam search: keeps the `beamWidth` most probable labellings (summed over their
 * alignments) frame by frame, and returns the best.
 */
export function decodeBeam(scores: FrameScores, options: BeamOptions = {}): Decoded {
  const blank = options.blank ?? 0;
  const width = options.beamWidth ?? 8;
  const top = Math.min(options.topClasses ?? 16, scores.classes);
  check(scores, blank);
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`Invalid beam width ${width}: expected an integer >= 1`);
  }
  const { data, frames, classes } = scores;
  let beams = new Map<string, Beam>([["", { tokens: [], blank: 0, token: -Infinity }]]);
  const order = Array.from({ length: classes }, (_, c) => c);
  for (let t = 0; t < frames; t++) {
    const row = t * classes;
    const candidates = order.filter((c) => c !== blank)
      .sort((a, b) => data[row + b]! - data[row + a]!).slice(0, top);
    const next = new Map<string, Beam>();
    const entry = (tokens: number[], key: string) => {
      let beam = next.get(key);
      if (beam === undefined) next.set(key, beam = { tokens, blank: -Infinity, token: -Infinity });
      return beam;
    };
    for (const [key, beam] of beams) {
      const total = logAdd(beam.blank, beam.token);
      const stay = entry(beam.tokens, key);
      stay.blank = logAdd(stay.blank, total + data[row + blank]!);
      const last = beam.tokens.at(-1);
      if (last !== undefined) {
        // Repeating the last token without a blank between extends the same token.
        stay.token = logAdd(stay.token, beam.token + data[row + last]!);
      }
      for (const c of candidates) {
        const tokens = [...beam.tokens, c];
        const grown = entry(tokens, key === "" ? String(c) : `${key},${c}`);
        // After the same token, only a path that ended in blank starts a new token.
        const from = c === last ? beam.blank : total;
        grown.token = logAdd(grown.token, from + data[row + c]!);
      }
    }
    beams = new Map(
      [...next].sort(([, a], [, b]) => logAdd(b.blank, b.token) - logAdd(a.blank, a.token))
        .slice(0, width),
    );
  }
  const best = beams.values().next().value!;
  return finish(scores, best.tokens, blank);
}
