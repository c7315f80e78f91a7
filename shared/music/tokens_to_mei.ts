/**
 * @module The one converter from PrIMuS semantic tokens to MEI (training data and /v1/recognize share it).
 */
import { type Duration, keyAlter, type SemanticToken } from "./semantic_tokens.ts";
import { escapeXml } from "./xml.ts";

/** MEI `@dur` for each PrIMuS duration. */
export const MEI_DUR: Record<Duration, string> = {
  quadruple_whole: "long",
  double_whole: "breve",
  whole: "1",
  half: "2",
  quarter: "4",
  eighth: "8",
  sixteenth: "16",
  thirty_second: "32",
  sixty_fourth: "64",
  hundred_twenty_eighth: "128",
};

/**
 * Marks that printed music carries but semantic tokens do not encode. Indices are token indices;
 * each mark names the note (or notes) it hangs on. They change the image, never the label.
 */
export interface EngravingMarks {
  slurs?: Array<{ from: number; to: number; curve?: "above" | "below" }>;
  dynamics?: Array<{ at: number; text: string }>;
  hairpins?: Array<{ from: number; to: number; form: "cres" | "dim" }>;
  artics?: Array<{ at: number; artic: string }>;
  tuplets?: Array<{ from: number; to: number; num: number; numbase: number }>;
  fingerings?: Array<{ at: number; text: string }>;
  lyrics?: Array<{ at: number; text: string }>;
  tempo?: string;
}

/** Engraving choices that change the picture but not the semantic tokens. */
export interface Engraving {
  /** Beam groups as token indices of their notes (in order, inside one measure). */
  beams?: number[][];
  /** Forced stem directions by token index; others are left to Verovio. */
  stems?: Record<number, "up" | "down">;
  /** Draw grace notes with a slash (acciaccatura) instead of without (appoggiatura). */
  graceSlash?: boolean;
  marks?: EngravingMarks;
}

const ACCID: Record<string, string> = { "-2": "ff", "-1": "f", "0": "n", "1": "s", "2": "x" };

function meterXml(meter: string): string {
  if (meter === "C") return '<meterSig sym="common" count="4" unit="4"/>';
  if (meter === "C/") return '<meterSig sym="cut" count="2" unit="2"/>';
  const [count, unit] = meter.split("/");
  return `<meterSig count="${count}" unit="${unit}"/>`;
}

function keyXml(fifths: number): string {
  const sig = fifths === 0 ? "0" : `${Math.abs(fifths)}${fifths > 0 ? "s" : "f"}`;
  return `<keySig sig="${sig}"/>`;
}

/** One measure under construction: its token indices and whether a barline closed it. */
interface MeasureSpan {
  items: number[];
  closed: boolean;
}

/**
 * Converts semantic tokens (one staff) to an MEI 5 document. Displayed accidentals follow the key
 * signature and the measure (an accidental holds to the barline; tied continuations show none).
 *
 * @example
 * ```ts
 * import { tokensToMei } from "./tokens_to_mei.ts";
 * import { parseToken } from "./semantic_tokens.ts";
 * const mei = tokensToMei(["clef-G2", "keySignature-DM", "note-F#5_quarter", "barline"].map(parseToken));
 * console.assert(mei.includes('accid.ges="s"'));
 * ```
 */
export function tokensToMei(tokens: readonly SemanticToken[], engraving: Engraving = {}): string {
  let start = 0;
  let clef = "";
  let fifths = 0;
  let meter = "";
  // The staff header is everything before the first musical event.
  for (; start < tokens.length; start++) {
    const t = tokens[start]!;
    if (t.kind === "clef") clef = `<clef shape="${t.clef.shape}" line="${t.clef.line}"/>`;
    else if (t.kind === "keySignature") fifths = t.fifths;
    else if (t.kind === "timeSignature") meter = meterXml(t.meter);
    else break;
  }
  const measures: MeasureSpan[] = [{ items: [], closed: false }];
  for (let i = start; i < tokens.length; i++) {
    if (tokens[i]!.kind === "barline") {
      measures.at(-1)!.closed = true;
      measures.push({ items: [], closed: false });
    } else measures.at(-1)!.items.push(i);
  }
  if (measures.length > 1 && measures.at(-1)!.items.length === 0) measures.pop();

  const ties = tieTargets(tokens);
  const accids = displayedAccidentals(tokens, start, fifths, ties);
  const marks = engraving.marks ?? {};
  const out: string[] = [];
  measures.forEach((m, mi) => {
    const body: string[] = [];
    const control: string[] = [];
    for (const i of m.items) {
      const t = tokens[i]!;
      body.push(itemXml(tokens, i, accids, engraving, marks));
      if (t.kind === "note" || t.kind === "rest") {
        const to = ties.get(i);
        if (to !== undefined) control.push(`<tie startid="#t${i}" endid="#t${to}"/>`);
        if (t.fermata) control.push(`<fermata startid="#t${i}" place="above"/>`);
      }
    }
    control.push(...controlMarks(m.items, marks, mi === 0));
    const layer = nest(m.items, body, engraving, marks);
    const right = m.closed ? "single" : "invis";
    out.push(
      `<measure n="${mi + 1}" right="${right}"><staff n="1"><layer n="1">${layer}</layer></staff>${
        control.join("")
      }</measure>`,
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mei xmlns="http://www.music-encoding.org/ns/mei" meiversion="5.0">',
    "<meiHead><fileDesc><titleStmt><title/></titleStmt><pubStmt/></fileDesc></meiHead>",
    "<music><body><mdiv><score><scoreDef><staffGrp>",
    `<staffDef n="1" lines="5">${clef}${keyXml(fifths)}${meter}</staffDef>`,
    "</staffGrp></scoreDef><section>",
    out.join(""),
    "</section></score></mdiv></body></music></mei>",
  ].join("");
}

/** Maps the token index of each tied-from note to the token index of the note it is tied to. */
export function tieTargets(tokens: readonly SemanticToken[]): Map<number, number> {
  const ties = new Map<number, number>();
  let last = -1;
  let pending = -1;
  tokens.forEach((t, i) => {
    if (t.kind === "tie") pending = last;
    else if (t.kind === "note" && !t.grace) {
      if (pending !== -1) ties.set(pending, i);
      pending = -1;
      last = i;
    } else if (t.kind === "rest" || t.kind === "multirest") pending = last = -1;
  });
  return ties;
}

/**
 * Which accidental each note shows (`s`, `f`, `n`, `x`, `ff`), by token index: shown when the note's
 * alteration differs from what the key and earlier notes of the measure imply; never on tied continuations.
 */
export function displayedAccidentals(
  tokens: readonly SemanticToken[],
  start: number,
  fifths: number,
  ties: Map<number, number>,
): Map<number, string> {
  const shown = new Map<number, string>();
  const tiedTo = new Set(ties.values());
  let key = fifths;
  let state = new Map<string, number>();
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "barline") state = new Map();
    else if (t.kind === "keySignature") key = t.fifths;
    else if (t.kind === "note") {
      const k = `${t.pitch.step}${t.pitch.octave}`;
      // A tied-over note shows no accidental and sets none: a later note of the new measure
      // restates its accidental, as engravers do.
      if (tiedTo.has(i)) continue;
      const implied = state.get(k) ?? keyAlter(key, t.pitch.step);
      if (t.pitch.alter !== implied) shown.set(i, ACCID[String(t.pitch.alter)]!);
      state.set(k, t.pitch.alter);
    }
  }
  return shown;
}

function itemXml(
  tokens: readonly SemanticToken[],
  i: number,
  accids: Map<number, string>,
  engraving: Engraving,
  marks: EngravingMarks,
): string {
  const t = tokens[i]!;
  switch (t.kind) {
    case "note": {
      const a = [
        `xml:id="t${i}"`,
        `pname="${t.pitch.step.toLowerCase()}"`,
        `oct="${t.pitch.octave}"`,
      ];
      a.push(`dur="${MEI_DUR[t.duration]}"`);
      if (t.dots) a.push(`dots="${t.dots}"`);
      const shown = accids.get(i);
      if (shown) a.push(`accid="${shown}"`);
      if (t.pitch.alter !== 0) a.push(`accid.ges="${ACCID[String(t.pitch.alter)]}"`);
      if (t.grace) a.push(`grace="${engraving.graceSlash ? "unacc" : "acc"}"`, 'stem.dir="up"');
      else if (engraving.stems?.[i]) a.push(`stem.dir="${engraving.stems[i]}"`);
      const kids = (marks.artics ?? []).filter((m) => m.at === i)
        .map((m) => `<artic artic="${m.artic}"/>`);
      for (const l of (marks.lyrics ?? []).filter((m) => m.at === i)) {
        kids.push(`<verse n="1"><syl>${escapeXml(l.text)}</syl></verse>`);
      }
      return kids.length
        ? `<note ${a.join(" ")}>${kids.join("")}</note>`
        : `<note ${a.join(" ")}/>`;
    }
    case "rest":
      return `<rest xml:id="t${i}" dur="${MEI_DUR[t.duration]}"${
        t.dots ? ` dots="${t.dots}"` : ""
      }/>`;
    case "multirest":
      return `<multiRest xml:id="t${i}" num="${t.measures}"/>`;
    case "clef":
      return `<clef xml:id="t${i}" shape="${t.clef.shape}" line="${t.clef.line}"/>`;
    case "keySignature":
      return keyXml(t.fifths).replace("<keySig", `<keySig xml:id="t${i}"`);
    case "timeSignature":
      return meterXml(t.meter).replace("<meterSig", `<meterSig xml:id="t${i}"`);
    default:
      return "";
  }
}

/** Control events for marks that start in this measure (tempo goes on the first one). */
function controlMarks(items: number[], marks: EngravingMarks, first: boolean): string[] {
  const has = new Set(items);
  const out: string[] = [];
  if (first && marks.tempo && items.length) {
    out.push(`<tempo startid="#t${items[0]}" place="above">${escapeXml(marks.tempo)}</tempo>`);
  }
  for (const s of marks.slurs ?? []) {
    if (!has.has(s.from)) continue;
    const curve = s.curve ? ` curvedir="${s.curve}"` : "";
    out.push(`<slur startid="#t${s.from}" endid="#t${s.to}"${curve}/>`);
  }
  for (const d of marks.dynamics ?? []) {
    if (has.has(d.at)) {
      out.push(`<dynam startid="#t${d.at}" place="below">${escapeXml(d.text)}</dynam>`);
    }
  }
  for (const h of marks.hairpins ?? []) {
    if (has.has(h.from)) {
      out.push(`<hairpin form="${h.form}" startid="#t${h.from}" endid="#t${h.to}" place="below"/>`);
    }
  }
  for (const f of marks.fingerings ?? []) {
    if (has.has(f.at)) {
      out.push(`<fing startid="#t${f.at}" place="above">${escapeXml(f.text)}</fing>`);
    }
  }
  return out;
}

/**
 * Wraps measure items into `<tuplet>` and `<beam>` containers. Containers must nest; one that
 * partly overlaps another is dropped (it would be invalid MEI), tuplets go outside equal beams.
 */
function nest(
  items: number[],
  body: string[],
  engraving: Engraving,
  marks: EngravingMarks,
): string {
  type Box = { from: number; to: number; open: string; close: string };
  const pos = new Map(items.map((tok, k) => [tok, k]));
  const boxes: Box[] = [];
  for (const t of marks.tuplets ?? []) {
    const a = pos.get(t.from), b = pos.get(t.to);
    if (a === undefined || b === undefined) continue;
    boxes.push({
      from: a,
      to: b,
      open:
        `<tuplet num="${t.num}" numbase="${t.numbase}" num.visible="true" bracket.visible="false">`,
      close: "</tuplet>",
    });
  }
  for (const g of engraving.beams ?? []) {
    const a = pos.get(g[0]!), b = pos.get(g.at(-1)!);
    if (a === undefined || b === undefined || b <= a) continue;
    boxes.push({ from: a, to: b, open: "<beam>", close: "</beam>" });
  }
  const kept: Box[] = [];
  for (const box of boxes) {
    const clash = kept.some((k) =>
      (box.from > k.from && box.from <= k.to && box.to > k.to) ||
      (box.from < k.from && box.to >= k.from && box.to < k.to)
    );
    if (!clash) kept.push(box);
  }
  const opens = body.map(() => "");
  const closes = body.map(() => "");
  // Outer boxes open first and close last: sort by start, then by length descending (tuplets first on ties).
  kept.sort((x, y) => x.from - y.from || (y.to - y.from) - (x.to - x.from));
  for (const b of kept) {
    opens[b.from] += b.open;
    closes[b.to] = b.close + closes[b.to];
  }
  return body.map((x, k) => opens[k] + x + closes[k]).join("");
}
