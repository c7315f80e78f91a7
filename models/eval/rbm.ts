/**
 * @module The RBM baseline (trained by `models/train/gen_rbm.py`): exact next-token logits of
 * the last slot of its window given the others and the genre.
 */

/** The JSON the Python job writes. */
export interface RbmWeights {
  window: number;
  hidden: number;
  vocab: string[];
  genres: string[];
  /** `[visible, hidden]` row-major; visible = window slots of the vocabulary, then genres. */
  W: number[];
  b: number[];
  c: number[];
}

/** Next-token logits of a trained RBM. */
export class Rbm {
  readonly #w: RbmWeights;
  readonly #W: Float32Array;

  constructor(weights: RbmWeights) {
    this.#w = weights;
    this.#W = Float32Array.from(weights.W);
  }

  /**
   * logit_k = b_k + sum_j softplus(a_j + W_jk) with a = c + W v (the other slots and the genre):
   * the free energy of each completion of the window, up to a constant.
   */
  logits(genre: number, ids: readonly number[]): Float32Array {
    const { window: S, hidden: H, vocab, genres } = this.#w;
    const V = vocab.length;
    const ctx = [...new Array(Math.max(0, S - 1 - ids.length)).fill(0), ...ids.slice(-(S - 1))];
    const a = Float64Array.from(this.#w.c);
    const addRow = (row: number) => {
      const off = row * H;
      for (let j = 0; j < H; j++) a[j]! += this.#W[off + j]!;
    };
    for (const [slot, id] of ctx.entries()) addRow(slot * V + id);
    addRow(S * V + Math.min(genre, genres.length - 1));
    const out = new Float32Array(V);
    const last = (S - 1) * V;
    for (let k = 0; k < V; k++) {
      let s = this.#w.b[last + k]!;
      const off = (last + k) * H;
      for (let j = 0; j < H; j++) {
        const x = a[j]! + this.#W[off + j]!;
        s += x > 20 ? x : Math.log1p(Math.exp(x));
      }
      out[k] = s;
    }
    return out;
  }
}
