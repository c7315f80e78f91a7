/**
 * @module Reads MEI (Verovio's or PrIMuS's) into voices: one event list per staff layer, per measure.
 */
import { type Clef, keyAlter, type Step } from "./semantic_tokens.ts";
import { localName, parseXml, walkXml, type XmlElement } from "./xml.ts";

export type { MeiEvent, MeiMeasure, MeiVoice, NoteEvent } from "./mei_events.ts";
import type { MeiEvent, MeiVoice, NoteEvent } from "./mei_events.ts";

const ALTER: Record<string, number> = { s: 1, f: -1, n: 0, x: 2, ss: 2, ff: -2, nf: -1, ns: 1 };

function keyFromSig(sig: string | undefined): number | undefined {
  if (sig === undefined || sig === "" || sig === "mixed") return undefined;
  if (sig === "0") return 0;
  const m = /^(\d)([sf])$/.exec(sig);
  return m ? Number(m[1]) * (m[2] === "s" ? 1 : -1) : undefined;
}

function meterFrom(count?: string, unit?: string, sym?: string): string | undefined {
  if (sym === "common") return "C";
  if (sym === "cut") return "C/";
  return count && unit ? `${count}/${unit}` : undefined;
}

/** Definitions read from a scoreDef or staffDef (attributes and child elements, MEI 4 and 5 forms). */
function readDef(el: XmlElement): { clef?: Clef; fifths?: number; meter?: string } {
  const a = el.attrs;
  const out: { clef?: Clef; fifths?: number; meter?: string } = {};
  if (a["clef.shape"] && a["clef.line"]) out.clef = toClef(a["clef.shape"], a["clef.line"]);
  out.fifths = keyFromSig(a["key.sig"] ?? a["keysig"]);
  out.meter = meterFrom(a["meter.count"], a["meter.unit"], a["meter.sym"]);
  for (const c of el.children) {
    const n = localName(c);
    if (n === "clef" && c.attrs.shape && c.attrs.line) {
      out.clef = toClef(c.attrs.shape, c.attrs.line);
    }
    if (n === "keySig") out.fifths = keyFromSig(c.attrs.sig) ?? out.fifths;
    if (n === "meterSig") {
      out.meter = meterFrom(c.attrs.count, c.attrs.unit, c.attrs.sym) ?? out.meter;
    }
  }
  return out;
}

function toClef(shape: string, line: string): Clef {
  const s = shape === "GG" ? "G" : shape;
  return { shape: (["G", "F", "C"].includes(s) ? s : "G") as Clef["shape"], line: Number(line) };
}

/** Mutable state while reading one voice. */
interface VoiceState {
  voice: MeiVoice;
  fifths: number;
  accidState: Map<string, number>;
  lastAlter: number;
  pendingTie: boolean;
}

/**
 * Reads every staff layer of an MEI document into voices.
 *
 * @example
 * ```ts
 * import { readMeiVoices } from "./mei_reader.ts";
 * const voices = readMeiVoices('<mei><music><body><mdiv><score><scoreDef key.sig="1s"/><section><measure><staff n="1"><layer n="1"><note pname="f" oct="4" dur="4"/></layer></staff></measure></section></score></mdiv></body></music></mei>');
 * console.assert(voices[0]?.measures[0]?.events[0]?.kind === "note");
 * ```
 */
export function readMeiVoices(mei: string): MeiVoice[] {
  const root = parseXml(mei);
  const tieStarts = new Set<string>();
  const tieEnds = new Set<string>();
  const fermatas = new Set<string>();
  const ref = (s?: string) => (s ?? "").replace(/^#/, "");
  let score: XmlElement | undefined;
  for (const el of walkXml(root)) {
    const n = localName(el);
    if (n === "tie") {
      tieStarts.add(ref(el.attrs.startid));
      tieEnds.add(ref(el.attrs.endid));
    } else if (n === "fermata") fermatas.add(ref(el.attrs.startid));
    else if (n === "score" && !score) score = el;
  }
  if (!score) throw new SyntaxError("Cannot read MEI: no score element");

  const voices = new Map<string, VoiceState>();
  let fifths = 0;
  let measureCount = 0;
  const staffDefs = new Map<string, { clef?: Clef; fifths?: number; meter?: string }>();
  /** Definition events waiting for the next measure, per staff ("*" = all staves). */
  let pendingDefs: Array<{ staff: string; ev: MeiEvent }> = [];

  const onDef = (el: XmlElement, staff: string) => {
    const d = readDef(el);
    if (d.fifths !== undefined) {
      if (staff === "*") fifths = d.fifths;
      pendingDefs.push({ staff, ev: { kind: "key", fifths: d.fifths } });
    }
    if (d.meter) pendingDefs.push({ staff, ev: { kind: "meter", meter: d.meter } });
    if (d.clef) pendingDefs.push({ staff, ev: { kind: "clef", clef: d.clef } });
    staffDefs.set(staff, d);
  };
  const visitDefs = (el: XmlElement) => {
    const n = localName(el);
    if (n === "scoreDef") onDef(el, "*");
    else if (n === "staffDef") onDef(el, el.attrs.n ?? "1");
    for (const c of el.children) if (["staffGrp", "staffDef"].includes(localName(c))) visitDefs(c);
  };

  const visit = (el: XmlElement) => {
    for (const c of el.children) {
      const n = localName(c);
      if (n === "scoreDef" || n === "staffDef") visitDefs(c);
      else if (n === "section" || n === "ending") visit(c);
      else if (n === "measure") {
        readMeasure(c, measureCount++);
        pendingDefs = [];
      }
    }
  };

  const readMeasure = (m: XmlElement, index: number) => {
    const seen = new Set<string>();
    for (const staff of m.children.filter((c) => localName(c) === "staff")) {
      const sn = staff.attrs.n ?? "1";
      for (const layer of staff.children.filter((c) => localName(c) === "layer")) {
        const key = `${sn}/${layer.attrs.n ?? "1"}`;
        let st = voices.get(key);
        if (!st) {
          st = {
            voice: { staff: sn, layer: layer.attrs.n ?? "1", measures: [] },
            fifths,
            accidState: new Map(),
            lastAlter: 0,
            pendingTie: false,
          };
          voices.set(key, st);
          // A voice that starts late inherits the current definitions.
          const all = staffDefs.get("*"), own = staffDefs.get(sn);
          const clef = own?.clef ?? all?.clef;
          const meter = all?.meter ?? own?.meter;
          while (st.voice.measures.length < index) {
            st.voice.measures.push({ events: [], right: "single", present: false });
          }
          const init: MeiEvent[] = [];
          if (clef) init.push({ kind: "clef", clef });
          init.push({ kind: "key", fifths: own?.fifths ?? fifths });
          if (meter) init.push({ kind: "meter", meter });
          pendingDefsFor(st, init);
        }
        seen.add(key);
        const events = takeDefs(st, sn);
        st.accidState = new Map();
        readLayer(layer, st, events, { beam: false, tuplet: false });
        st.voice.measures.push({ events, right: m.attrs.right ?? "single", present: true });
      }
    }
    for (const [key, st] of voices) {
      if (!seen.has(key)) st.voice.measures.push({ events: [], right: "single", present: false });
    }
  };

  const initial = new WeakMap<VoiceState, MeiEvent[]>();
  const pendingDefsFor = (st: VoiceState, evs: MeiEvent[]) => initial.set(st, evs);
  const takeDefs = (st: VoiceState, staff: string): MeiEvent[] => {
    const out = initial.get(st) ?? [];
    initial.delete(st);
    for (const p of pendingDefs) {
      if (p.staff === "*" || p.staff === staff) {
        if (p.ev.kind === "key") st.fifths = p.ev.fifths;
        // Drop exact repeats of what the initial definitions already said.
        if (!out.some((e) => JSON.stringify(e) === JSON.stringify(p.ev))) out.push(p.ev);
      }
    }
    return out;
  };

  const readLayer = (
    el: XmlElement,
    st: VoiceState,
    out: MeiEvent[],
    ctx: { beam: boolean; tuplet: boolean },
  ) => {
    const startLen = out.length;
    for (const c of el.children) {
      const n = localName(c);
      const a = c.attrs;
      if (n === "beam" || n === "tuplet" || n === "graceGrp" || n === "ftrem" || n === "btrem") {
        readLayer(c, st, out, {
          beam: ctx.beam || n === "beam",
          tuplet: ctx.tuplet || n === "tuplet",
        });
      } else if (n === "note" || n === "chord") {
        const note = n === "note" ? c : topNote(c);
        if (!note) continue;
        out.push(
          readNote(note, c, st, ctx.tuplet, n === "chord", { tieStarts, tieEnds, fermatas }),
        );
      } else if (n === "rest") {
        out.push({
          kind: "rest",
          id: a["xml:id"] ?? "",
          dur: a.dur ?? "4",
          dots: Number(a.dots ?? 0),
          fermata: fermatas.has(a["xml:id"] ?? "-") || a.fermata !== undefined,
          tuplet: ctx.tuplet,
        });
        st.pendingTie = false;
      } else if (n === "space") {
        out.push({ kind: "space", dur: a.dur ?? "4", dots: Number(a.dots ?? 0) });
      } else if (n === "mRest") {
        out.push({
          kind: "mrest",
          fermata: fermatas.has(a["xml:id"] ?? "-") || a.fermata !== undefined,
        });
      } else if (n === "multiRest") out.push({ kind: "multirest", num: Number(a.num ?? 1) });
      else if (n === "clef" && a.shape && a.line) {
        out.push({ kind: "clef", clef: toClef(a.shape, a.line) });
      } else if (n === "keySig") {
        const f = keyFromSig(a.sig);
        if (f !== undefined) {
          st.fifths = f;
          out.push({ kind: "key", fifths: f });
        }
      } else if (n === "meterSig") {
        const mtr = meterFrom(a.count, a.unit, a.sym);
        if (mtr) out.push({ kind: "meter", meter: mtr });
      }
    }
    if (n(el) === "beam") markBeam(out.slice(startLen));
  };
  visit(score);
  return [...voices.values()].map((v) => v.voice);
}

const n = (el: XmlElement) => localName(el);

/** Gives beamed notes their roles: first `Right`, middle `Both`, last `Left` (grace notes excluded). */
function markBeam(events: MeiEvent[]): void {
  const notes = events.filter((e): e is NoteEvent => e.kind === "note" && !e.grace);
  if (notes.length < 2) return;
  notes.forEach((e, k) => {
    e.beam = k === 0 ? "Right" : k === notes.length - 1 ? "Left" : "Both";
  });
}

function topNote(chord: XmlElement): XmlElement | undefined {
  const notes = chord.children.filter((c) => localName(c) === "note");
  const height = (x: XmlElement) =>
    Number(x.attrs.oct ?? 4) * 7 + "cdefgab".indexOf(x.attrs.pname ?? "c");
  return notes.sort((x, y) => height(y) - height(x))[0];
}

function readNote(
  note: XmlElement,
  holder: XmlElement,
  st: VoiceState,
  tuplet: boolean,
  chord: boolean,
  ctl: { tieStarts: Set<string>; tieEnds: Set<string>; fermatas: Set<string> },
): NoteEvent {
  const a = note.attrs;
  const h = holder.attrs;
  let accid = a.accid;
  let ges = a["accid.ges"];
  for (const c of note.children) {
    if (localName(c) !== "accid") continue;
    accid ??= c.attrs.accid;
    ges ??= c.attrs["accid.ges"];
  }
  const step = (a.pname ?? "c").toUpperCase() as Step;
  const octave = Number(a.oct ?? 4);
  const key = `${step}${octave}`;
  const id = a["xml:id"] ?? "";
  const hid = h["xml:id"] ?? "";
  const tieEnd = st.pendingTie || a.tie === "t" || a.tie === "m" || ctl.tieEnds.has(id);
  let alter: number;
  if (ges !== undefined) alter = ALTER[ges] ?? 0;
  else if (accid !== undefined) alter = ALTER[accid] ?? 0;
  else if (tieEnd) alter = st.lastAlter;
  else alter = st.accidState.get(key) ?? keyAlter(st.fifths, step);
  if (accid !== undefined) st.accidState.set(key, alter);
  const grace = a.grace !== undefined || h.grace !== undefined;
  const tieStart = a.tie === "i" || a.tie === "m" || ctl.tieStarts.has(id) ||
    ctl.tieStarts.has(hid);
  if (!grace) {
    st.pendingTie = tieStart;
    st.lastAlter = alter;
  }
  return {
    kind: "note",
    id,
    pitch: { step, alter, octave },
    accid,
    dur: h.dur ?? a.dur ?? "4",
    dots: Number(h.dots ?? a.dots ?? 0),
    grace,
    fermata: ctl.fermatas.has(id) || ctl.fermatas.has(hid) || a.fermata !== undefined ||
      h.fermata !== undefined,
    tieStart,
    tieEnd,
    tuplet,
    chord,
  };
}
