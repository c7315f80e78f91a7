/**
 * @module PrIMuS semantic tokens (one staff) to a MusicXML 4.0 partwise score: one part, one voice.
 */
import { type Clef, type Duration, DURATIONS, type SemanticToken } from "./semantic_tokens.ts";
import { displayedAccidentals, tieTargets } from "./tokens_to_mei.ts";
import { escapeXml } from "./xml.ts";

/** MusicXML `<type>` for each PrIMuS duration. */
export const MUSICXML_TYPE: Record<Duration, string> = {
  quadruple_whole: "long",
  double_whole: "breve",
  whole: "whole",
  half: "half",
  quarter: "quarter",
  eighth: "eighth",
  sixteenth: "16th",
  thirty_second: "32nd",
  sixty_fourth: "64th",
  hundred_twenty_eighth: "128th",
};

/** Options for {@linkcode tokensToMusicXml}. */
export interface MusicXmlOptions {
  /** Written as the work title; omitted when absent. */
  title?: string;
}

/** `displayedAccidentals` codes to MusicXML accidental values. */
const ACCIDENTAL: Record<string, string> = {
  s: "sharp",
  f: "flat",
  n: "natural",
  x: "double-sharp",
  ff: "flat-flat",
};

/** A length in quarter notes as a fraction; meters such as 2/3 are not binary fractions. */
type Quarters = readonly [num: number, den: number];

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function noteQuarters(duration: Duration, dots: number): Quarters {
  const e = 4 - DURATIONS.indexOf(duration); // log2 of the undotted length in quarters
  return [(2 ** (dots + 1) - 1) * 2 ** Math.max(0, e), 2 ** (Math.max(0, -e) + dots)];
}

function meterQuarters(meter: string): Quarters {
  if (meter === "C" || meter === "C/") return [4, 1];
  const [count, unit] = meter.split("/").map(Number);
  return [count! * 4, unit!];
}

/** The smallest divisions per quarter that make every note, rest and whole measure an integer. */
function divisionsFor(tokens: readonly SemanticToken[]): number {
  let div = 1;
  for (const t of tokens) {
    let q: Quarters | undefined;
    if ((t.kind === "note" && !t.grace) || t.kind === "rest") q = noteQuarters(t.duration, t.dots);
    else if (t.kind === "timeSignature") q = meterQuarters(t.meter);
    if (!q) continue;
    const den = q[1] / gcd(q[0], q[1]);
    div = div * den / gcd(div, den);
  }
  return div;
}

function ticks(q: Quarters, divisions: number): number {
  return q[0] * divisions / q[1];
}

function timeXml(meter: string): string {
  if (meter === "C") return '<time symbol="common"><beats>4</beats><beat-type>4</beat-type></time>';
  if (meter === "C/") return '<time symbol="cut"><beats>2</beats><beat-type>2</beat-type></time>';
  const [count, unit] = meter.split("/");
  return `<time><beats>${count}</beats><beat-type>${unit}</beat-type></time>`;
}

/** Clef, key and time tokens waiting to be written as one `<attributes>`. */
interface PendingAttributes {
  key?: number;
  time?: string;
  clef?: Clef;
  multiRest?: number;
}

/** Writes `<attributes>` children in the XSD's order (divisions, key, time, clef, measure-style). */
function attributesXml(a: PendingAttributes, divisions?: number): string {
  let s = divisions === undefined ? "" : `<divisions>${divisions}</divisions>`;
  if (a.key !== undefined) s += `<key><fifths>${a.key}</fifths><mode>major</mode></key>`;
  if (a.time !== undefined) s += timeXml(a.time);
  if (a.clef) s += `<clef><sign>${a.clef.shape}</sign><line>${a.clef.line}</line></clef>`;
  if (a.multiRest !== undefined) {
    s += `<measure-style><multiple-rest>${a.multiRest}</multiple-rest></measure-style>`;
  }
  return s === "" ? "" : `<attributes>${s}</attributes>`;
}

const FERMATA = '<fermata type="upright"/>';

/** A rest that fills its measure whatever the meter; `notations` holds e.g. its fermata. */
function measureRestXml(length: number, notations = ""): string {
  const n = notations ? `<notations>${notations}</notations>` : "";
  return `<note><rest measure="yes"/><duration>${length}</duration><voice>1</voice>${n}</note>`;
}

/** Token indices of each measure and whether a barline closed it; a trailing barline opens none. */
function splitMeasures(
  tokens: readonly SemanticToken[],
): Array<{ items: number[]; closed: boolean }> {
  const measures = [{ items: [] as number[], closed: false }];
  tokens.forEach((t, i) => {
    if (t.kind !== "barline") measures.at(-1)!.items.push(i);
    else {
      measures.at(-1)!.closed = true;
      measures.push({ items: [], closed: false });
    }
  });
  if (measures.length > 1 && measures.at(-1)!.items.length === 0) measures.pop();
  return measures;
}

/**
 * Converts semantic tokens (one staff) to a MusicXML 4.0 `score-partwise` document. Measures end at
 * barlines; accidentals are displayed where `displayedAccidentals` says (as in the MEI); a lone
 * whole rest fills its measure; `multirest-N` becomes N measure rests under one `<multiple-rest>`.
 *
 * @example
 * ```ts
 * import { tokensToMusicXml } from "./tokens_to_musicxml.ts";
 * import { parseToken } from "./semantic_tokens.ts";
 * const tokens = ["clef-G2", "keySignature-DM", "note-F#5_quarter", "barline"].map(parseToken);
 * const xml = tokensToMusicXml(tokens);
 * console.assert(xml.includes("<alter>1</alter>") && !xml.includes("<accidental>"));
 * ```
 */
export function tokensToMusicXml(
  tokens: readonly SemanticToken[],
  options: MusicXmlOptions = {},
): string {
  const ties = tieTargets(tokens);
  const tiedFrom = new Map([...ties].map(([from, to]) => [to, from]));
  // Starting at 0 with no key is the same as starting after the header: its key token sets the key.
  const accids = displayedAccidentals(tokens, 0, 0, ties);
  const divisions = divisionsFor(tokens);
  let measureLength = ticks([4, 1], divisions);
  let number = 0;
  const out: string[] = [];

  for (const [mi, span] of splitMeasures(tokens).entries()) {
    const body: string[] = [];
    let pending: PendingAttributes = {};
    let wroteDivisions = mi > 0;
    const flush = () => {
      body.push(attributesXml(pending, wroteDivisions ? undefined : divisions));
      wroteDivisions = true;
      pending = {};
    };
    const timed = span.items.filter((i) => {
      const t = tokens[i]!;
      return (t.kind === "note" && !t.grace) || t.kind === "rest";
    });
    const only = timed.length === 1 ? tokens[timed[0]!]! : undefined;
    // PrIMuS writes a whole-measure rest as rest-whole whatever the meter.
    const measureRest = only?.kind === "rest" && only.duration === "whole" && only.dots === 0;
    let extraRests = 0;
    for (const i of span.items) {
      const t = tokens[i]!;
      // A kind seen twice in a row (two clefs) needs its own <attributes> to keep both.
      if (t.kind === "clef") {
        if (pending.clef) flush();
        pending.clef = t.clef;
        continue;
      }
      if (t.kind === "keySignature") {
        if (pending.key !== undefined) flush();
        pending.key = t.fifths;
        continue;
      }
      if (t.kind === "timeSignature") {
        if (pending.time !== undefined) flush();
        pending.time = t.meter;
        measureLength = ticks(meterQuarters(t.meter), divisions);
        continue;
      }
      if (t.kind === "tie" || t.kind === "barline") continue;
      if (t.kind === "multirest") pending.multiRest = t.measures;
      flush();
      if (t.kind === "multirest") {
        body.push(measureRestXml(measureLength));
        extraRests += t.measures - 1;
      } else if (t.kind === "rest" && measureRest) {
        body.push(measureRestXml(measureLength, t.fermata ? FERMATA : ""));
      } else body.push(noteXml(tokens, i, divisions, ties, tiedFrom, accids));
    }
    if (!wroteDivisions || Object.keys(pending).length > 0) flush();
    const measures = [body.join(""), ...Array(extraRests).fill(measureRestXml(measureLength))];
    // A staff that stops without a barline shows none, as the MEI converter draws it.
    if (!span.closed) {
      measures[measures.length - 1] += "<barline><bar-style>none</bar-style></barline>";
    }
    for (const m of measures) out.push(`<measure number="${++number}">${m}</measure>`);
  }

  const work = options.title === undefined
    ? ""
    : `<work><work-title>${escapeXml(options.title)}</work-title></work>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">',
    '<score-partwise version="4.0">',
    work,
    // MuseScore reports a part without a score-instrument as an import error.
    '<part-list><score-part id="P1"><part-name>Music</part-name>' +
    '<score-instrument id="P1-I1"><instrument-name>Music</instrument-name></score-instrument>' +
    "</score-part></part-list>",
    '<part id="P1">',
    ...out,
    "</part>",
    "</score-partwise>",
  ].filter((l) => l !== "").join("\n") + "\n";
}

/**
 * One note or rest, children in the XSD's order: grace, pitch|rest, duration, tie, voice, type, dot,
 * accidental, notations.
 */
function noteXml(
  tokens: readonly SemanticToken[],
  i: number,
  divisions: number,
  ties: Map<number, number>,
  tiedFrom: Map<number, number>,
  accids: Map<number, string>,
): string {
  const t = tokens[i]!;
  if (t.kind !== "note" && t.kind !== "rest") return "";
  const s: string[] = [];
  const notations: string[] = [];
  if (t.kind === "note") {
    if (t.grace) s.push("<grace/>");
    const p = t.pitch;
    const alter = p.alter === 0 ? "" : `<alter>${p.alter}</alter>`;
    s.push(`<pitch><step>${p.step}</step>${alter}<octave>${p.octave}</octave></pitch>`);
  } else s.push("<rest/>");
  if (!(t.kind === "note" && t.grace)) {
    s.push(`<duration>${ticks(noteQuarters(t.duration, t.dots), divisions)}</duration>`);
  }
  // A MusicXML tie joins equal pitches only; a PrIMuS tie between different ones is kept as a slur.
  const from = tiedFrom.get(i), to = ties.get(i);
  const stop = from !== undefined && samePitch(tokens[from]!, t);
  const start = to !== undefined && samePitch(t, tokens[to]!);
  if (stop) s.push('<tie type="stop"/>');
  if (start) s.push('<tie type="start"/>');
  if (stop) notations.push('<tied type="stop"/>');
  else if (from !== undefined) notations.push('<slur type="stop" number="1"/>');
  if (start) notations.push('<tied type="start"/>');
  else if (to !== undefined) notations.push('<slur type="start" number="1"/>');
  s.push("<voice>1</voice>", `<type>${MUSICXML_TYPE[t.duration]}</type>`);
  s.push("<dot/>".repeat(t.dots));
  const shown = accids.get(i);
  if (shown) s.push(`<accidental>${ACCIDENTAL[shown]}</accidental>`);
  if (t.fermata) notations.push(FERMATA);
  if (notations.length) s.push(`<notations>${notations.join("")}</notations>`);
  return `<note>${s.join("")}</note>`;
}

function samePitch(a: SemanticToken, b: SemanticToken): boolean {
  return a.kind === "note" && b.kind === "note" && a.pitch.step === b.pitch.step &&
    a.pitch.alter === b.pitch.alter && a.pitch.octave === b.pitch.octave;
}
