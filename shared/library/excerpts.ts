/**
 * The excerpt step's work: a score's first voice cut into runs of N measures, each as PrIMuS
 * semantic tokens that stand alone (they restate the clef, key and meter in force), like the
 * incipits the recognizer was trained on. The embed step embeds these for search.
 *
 * @module
 */
import type { MeiEvent, MeiMeasure } from "../music/mei_events.ts";
import { readMeiVoices } from "../music/mei_reader.ts";
import { voiceToSemantic } from "../music/mei_to_semantic.ts";
import { formatToken } from "../music/semantic_tokens.ts";

/** One excerpt before it is written. */
export interface ExcerptDraft {
  /** 0-based order among the score's excerpts. */
  readonly position: number;
  /** 1-based index of the first measure in the voice. */
  readonly firstMeasure: number;
  /** 1-based index of the last measure, inclusive. */
  readonly lastMeasure: number;
  /** The excerpt's semantic tokens. */
  readonly tokens: readonly string[];
}

type Definition = Extract<MeiEvent, { kind: "clef" | "key" | "meter" }>;
const DEFINITION_KINDS = ["clef", "key", "meter"] as const;

const isDefinition = (event: MeiEvent): event is Definition =>
  (DEFINITION_KINDS as readonly string[]).includes(event.kind);

/**
 * The first measure of an excerpt with the definitions in force put before its music: its own
 * leading clef, key or meter wins over the one carried in, and the order is clef, key, meter.
 */
function withDefinitions(measure: MeiMeasure, inForce: Map<string, Definition>): MeiMeasure {
  let lead = 0;
  while (lead < measure.events.length && isDefinition(measure.events[lead]!)) lead++;
  const own = new Map(measure.events.slice(0, lead).map((e) => [e.kind, e as Definition]));
  const header = DEFINITION_KINDS.flatMap((kind) => {
    const event = own.get(kind) ?? inForce.get(kind);
    return event === undefined ? [] : [event];
  });
  return { ...measure, events: [...header, ...measure.events.slice(lead)] };
}

/**
 * Cuts the first voice of `mei` into excerpts of `measuresPerExcerpt` measures (the last may be
 * shorter). Excerpts without a note (rests only, or measures where the voice is silent) are left
 * out, so positions count the kept ones while measure numbers say where each lies.
 *
 * @example
 * ```ts
 * import { splitExcerpts } from "./excerpts.ts";
 * const measure = '<measure><staff n="1"><layer n="1"><note pname="c" oct="5" dur="2"/><note pname="d" oct="5" dur="2"/></layer></staff></measure>';
 * const mei = `<mei><music><body><mdiv><score><scoreDef meter.count="2" meter.unit="2"><staffGrp><staffDef n="1" clef.shape="G" clef.line="2"/></staffGrp></scoreDef><section>${measure.repeat(3)}</section></score></mdiv></body></music></mei>`;
 * const [first, second] = splitExcerpts(mei, 2);
 * console.assert(first!.lastMeasure === 2 && second!.firstMeasure === 3);
 * console.assert(second!.tokens.join(" ") === "clef-G2 timeSignature-2/2 note-C5_half note-D5_half barline");
 * ```
 * @throws {SyntaxError} when the MEI has no score or no staff layer.
 * @throws {RangeError} for a duration PrIMuS has no token for.
 */
export function splitExcerpts(mei: string, measuresPerExcerpt: number): ExcerptDraft[] {
  if (!Number.isInteger(measuresPerExcerpt) || measuresPerExcerpt < 1) {
    throw new RangeError(`Invalid measures per excerpt ${measuresPerExcerpt}: expected 1 or more`);
  }
  const voice = readMeiVoices(mei)[0];
  if (voice === undefined) throw new SyntaxError("Cannot read MEI: no staff layer");
  const excerpts: ExcerptDraft[] = [];
  const inForce = new Map<string, Definition>();
  for (let start = 0; start < voice.measures.length; start += measuresPerExcerpt) {
    const chunk = voice.measures.slice(start, start + measuresPerExcerpt);
    const measures = [withDefinitions(chunk[0]!, inForce), ...chunk.slice(1)];
    const tokens = voiceToSemantic({ ...voice, measures }).map(formatToken);
    for (const event of chunk.flatMap((m) => m.events)) {
      if (isDefinition(event)) inForce.set(event.kind, event);
    }
    if (!tokens.some((token) => token.startsWith("note-") || token.startsWith("gracenote-"))) {
      continue;
    }
    excerpts.push({
      position: excerpts.length,
      firstMeasure: start + 1,
      lastMeasure: start + chunk.length,
      tokens,
    });
  }
  return excerpts;
}
