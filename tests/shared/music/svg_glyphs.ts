/**
 * @module Test helper: reads glyph staff positions back from Verovio's SVG of one staff.
 */
import { parseXml, walkXml, type XmlElement } from "../../../shared/music/xml.ts";

/** Staff positions (steps above the bottom line) of the glyphs of one rendered staff, in drawing order. */
export interface SvgGlyphs {
  clefs: number[];
  keyAccids: number[];
  /** Noteheads of notes and grace notes, in document order. */
  notes: number[];
}

function classOf(el: XmlElement): string[] {
  return (el.attrs.class ?? "").split(/\s+/);
}

function useY(el: XmlElement): number | undefined {
  for (const x of walkXml(el)) {
    if (x.name !== "use") continue;
    const m = /translate\(\s*[-\d.]+,\s*([-\d.]+)\)/.exec(x.attrs.transform ?? "");
    if (m) return Number(m[1]);
    if (x.attrs.y !== undefined) return Number(x.attrs.y);
  }
  return undefined;
}

/** Measures glyph positions against the five staff lines of the first staff in the SVG. */
export function svgGlyphs(svg: string): SvgGlyphs {
  const root = parseXml(svg);
  const staves = [...walkXml(root)].filter((e) => classOf(e).includes("staff"));
  const lines: number[] = [];
  for (const st of staves) {
    for (const p of st.children) {
      const m = /^M\s*[-\d.]+\s+([-\d.]+)\s+L\s*[-\d.]+\s+([-\d.]+)\s*$/.exec(p.attrs.d ?? "");
      if (p.name === "path" && m && m[1] === m[2]) lines.push(Number(m[1]));
    }
    if (lines.length >= 5) break;
  }
  if (lines.length < 5) throw new Error(`Cannot find staff lines in SVG: found ${lines.length}`);
  const bottom = Math.max(...lines.slice(0, 5));
  const half = (bottom - Math.min(...lines.slice(0, 5))) / 8;
  const step = (y: number) => Math.round((bottom - y) / half);
  const out: SvgGlyphs = { clefs: [], keyAccids: [], notes: [] };
  for (const el of walkXml(root)) {
    const c = classOf(el);
    if (c.includes("clef")) out.clefs.push(step(useY(el)!));
    else if (c.includes("keyAccid")) out.keyAccids.push(step(useY(el)!));
    else if (c.includes("notehead")) out.notes.push(step(useY(el)!));
  }
  return out;
}

/** The same positions read from agnostic tokens (`L`/`S` names back to steps). */
export function agnosticGlyphs(tokens: string[]): SvgGlyphs {
  const step = (pos: string) => {
    const n = Number(pos.slice(1));
    return pos[0] === "L" ? 2 * (n - 1) : 2 * n - 1;
  };
  const out: SvgGlyphs = { clefs: [], keyAccids: [], notes: [] };
  let inKey = false;
  for (const t of tokens) {
    const [glyph, pos] = [t.slice(0, t.indexOf("-")), t.slice(t.indexOf("-") + 1)];
    if (glyph.startsWith("clef.")) {
      out.clefs.push(step(pos));
      inKey = true;
      continue;
    }
    if (inKey && glyph.startsWith("accidental.")) out.keyAccids.push(step(pos));
    else inKey = false;
    if (glyph.startsWith("note.") || glyph.startsWith("gracenote.")) out.notes.push(step(pos));
  }
  return out;
}
