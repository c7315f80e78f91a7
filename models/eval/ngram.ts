/**
 * @module The n-gram (Markov) baseline of the melody generator: per-genre token n-grams with
 * interpolated absolute discounting, giving next-token logits like the LSTM does.
 */

/** A trained per-genre n-gram model over token ids. */
export class NGram {
  readonly order: number;
  readonly vocab: number;
  /** counts[genre][k]: context of k tokens (joined ids) -> next id -> count. */
  #counts: Array<Array<Map<string, Map<number, number>>>>;
  #discount = 0.75;

  constructor(order: number, vocab: number, genres: number) {
    this.order = order;
    this.vocab = vocab;
    this.#counts = Array.from(
      { length: genres },
      () => Array.from({ length: order }, () => new Map()),
    );
  }

  /** Counts every position of a line (ids starting with `<bos>`). */
  add(genre: number, ids: readonly number[]): void {
    const tables = this.#counts[genre]!;
    for (let i = 1; i < ids.length; i++) {
      for (let k = 0; k < this.order; k++) {
        if (i - k < 0) break;
        const ctx = ids.slice(i - k, i).join(",");
        const table = tables[k]!;
        let next = table.get(ctx);
        if (!next) table.set(ctx, next = new Map());
        next.set(ids[i]!, (next.get(ids[i]!) ?? 0) + 1);
      }
    }
  }

  /** Next-token log-probabilities after `ids` for `genre`. */
  logits(genre: number, ids: readonly number[]): Float32Array {
    let p = new Float64Array(this.vocab).fill(1 / this.vocab);
    const tables = this.#counts[genre]!;
    for (let k = 0; k < this.order && k <= ids.length; k++) {
      const next = tables[k]!.get(ids.slice(ids.length - k).join(","));
      if (!next) break;
      let total = 0;
      for (const c of next.values()) total += c;
      const lambda = (this.#discount * next.size) / total;
      const q = p.map((v) => lambda * v);
      for (const [id, c] of next) q[id]! += Math.max(0, c - this.#discount) / total;
      p = q;
    }
    return Float32Array.from(p, (v) => Math.log(v));
  }
}
