/**
 * @module Music domain code shared by the OMR data pipeline and /v1/recognize: PrIMuS tokens, the
 * tokens-to-MEI and tokens-to-MusicXML converters, MEI readers for semantic and agnostic labels,
 * and the Verovio owner.
 *
 * @example
 * ```ts
 * import { meiToSemantic, parseToken, tokensToMei } from "./mod.ts";
 * const tokens = ["clef-G2", "keySignature-DM", "timeSignature-3/4", "note-F#5_quarter", "barline"];
 * console.assert(meiToSemantic(tokensToMei(tokens.map(parseToken))).join(" ") === tokens.join(" "));
 * ```
 */
export * from "./semantic_tokens.ts";
export * from "./staff_position.ts";
export * from "./tokens_to_mei.ts";
export * from "./tokens_to_musicxml.ts";
export * from "./mei_reader.ts";
export * from "./mei_to_semantic.ts";
export * from "./mei_to_agnostic.ts";
export * from "./combine_staves.ts";
export * from "./verovio.ts";
export { escapeXml, parseXml, type XmlElement } from "./xml.ts";
