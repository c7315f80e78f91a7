/**
 * @module Train/validation/test split by source piece, so no piece leaks across splits.
 */
import { hash32 } from "../../shared/prng.ts";

/** The splits a sample can belong to; `test_camera` draws on test pieces with camera degradations. */
export type Split = "train" | "val" | "test" | "test_camera";

/** Piece-level split: a piece is in `val` or `test` by a stable hash of its key, never by seed. */
export type PieceSplit = "train" | "val" | "test";

/** Percent of pieces in validation and test (the rest train). */
export const PIECE_SPLIT_PERCENT = { val: 5, test: 5 } as const;

/**
 * Assigns a piece to a split from its key alone, so every run, seed and count agrees.
 *
 * @example
 * ```ts
 * import { pieceSplit } from "./split.ts";
 * console.assert(pieceSplit("bach-chorale/bwv1.6") === pieceSplit("bach-chorale/bwv1.6"));
 * ```
 */
export function pieceSplit(pieceKey: string): PieceSplit {
  const h = hash32(`stave-omr-split/${pieceKey}`) % 100;
  if (h < PIECE_SPLIT_PERCENT.val) return "val";
  if (h < PIECE_SPLIT_PERCENT.val + PIECE_SPLIT_PERCENT.test) return "test";
  return "train";
}

/**
 * Split of sample `index`: out of every 20 samples, 17 train, 1 val, 1 test, 1 camera test.
 * Fixed by index so counts are exact and resuming a run keeps every sample where it was.
 */
export function sampleSplit(index: number): Split {
  const r = index % 20;
  if (r === 17) return "val";
  if (r === 18) return "test";
  if (r === 19) return "test_camera";
  return "train";
}

/** Which piece split a sample split draws its music from. */
export function piecePoolOf(split: Split): PieceSplit {
  return split === "test_camera" ? "test" : split;
}
