/**
 * Cross-modal search: notes, recordings and images of staves drawn as one pitch-by-time roll
 * (`roll.ts`), embedded by the encoder of their modality into one space, and matched against the
 * library's excerpts by cosine similarity in pgvector.
 *
 * @example
 * ```ts
 * import { tokensQuery } from "./mod.ts";
 * const query = tokensQuery(["clef-G2", "note-C5_half", "note-D5_half", "barline"]);
 * console.assert(query.modality === "notes" && query.notes.length === 2);
 * ```
 *
 * @module
 */
export * from "./roll.ts";
export * from "./search_model.ts";
export * from "./search_config.ts";
export * from "./embed_rolls.ts";
export * from "./tolerant_notes.ts";
export * from "./embed_excerpts.ts";
export * from "./search_query.ts";
export * from "./query_roll.ts";
export * from "./vector_text.ts";
export * from "./search_excerpts.ts";
export * from "./search_library.ts";
