/**
 * Melody generation: the grammar that keeps every line well-formed, the seeded sampler, the
 * generator model's step, and {@linkcode generateMelody} which ties them together.
 *
 * @example
 * ```ts
 * import { MelodyGrammar, sampleToken } from "./mod.ts";
 * import { Rng } from "../prng.ts";
 * const vocabulary = ["<pad>", "<bos>", "key:0", "meter:C", "bar", "rest", "d:whole"];
 * const grammar = new MelodyGrammar(vocabulary, { measures: 1 });
 * const rng = new Rng("example");
 * while (!grammar.done) {
 *   grammar.accept(sampleToken(new Float32Array(7), grammar.mask(), { temperature: 1, topP: 1 }, rng));
 * }
 * ```
 *
 * @module
 */
export * from "./grammar.ts";
export * from "./sampler.ts";
export * from "./request.ts";
export * from "./melody_model.ts";
export * from "./generate.ts";
export * from "./guidance.ts";
