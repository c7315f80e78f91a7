import assert from "node:assert/strict";
import { readMeiVoices } from "../../../shared/music/mei_reader.ts";
import { voiceToSemantic } from "../../../shared/music/mei_to_semantic.ts";
import {
  formatPitch,
  parseLabelFile,
  parseToken,
  type SemanticToken,
} from "../../../shared/music/semantic_tokens.ts";
import { tokensToMusicXml } from "../../../shared/music/tokens_to_musicxml.ts";
import { type SourceFormat, Verovio } from "../../../shared/music/verovio.ts";
import { parseXml, walkXml, type XmlElement } from "../../../shared/music/xml.ts";
import { importProblems, museScore, xsdErrors } from "../../support/musicxml.ts";

const DATA = new URL("../../../../shared/data/", import.meta.url);

/**
 * Staves covering every token kind: clefs, keys, C and C/ and odd meters, every duration, one and two
 * dots, ties, graces, fermatas, rests, lone whole rests, multirests, empty and unclosed measures.
 */
const STAVES = [
  "clef-G2 keySignature-DM timeSignature-3/4 note-F#5_quarter note-E5_eighth. note-D5_sixteenth " +
  "note-C5_quarter barline note-C#5_half. tie barline note-C#5_quarter rest-half barline",
  "clef-F4 keySignature-AbM timeSignature-C note-Ab2_half note-Bb2_quarter note-A2_quarter barline " +
  "note-Ab2_quarter note-C2_eighth note-Db2_eighth note-E3_half_fermata barline multirest-12 barline",
  "clef-C1 keySignature-C#M timeSignature-6/8 gracenote-B#4_eighth note-C#5_eighth note-D#5_eighth " +
  "note-E#5_eighth note-F#5_quarter. barline note-B4_eighth note-B#4_eighth note-B4_eighth rest-quarter. barline",
  "clef-C3 keySignature-GbM timeSignature-C/ note-Cb4_whole barline note-Fb4_half note-F4_half barline " +
  "rest-whole_fermata barline",
  "clef-C4 keySignature-BM timeSignature-2/4 note-A#3_sixteenth note-G#3_sixteenth note-F#3_sixteenth " +
  "note-E3_sixteenth note-D#3_eighth.. note-C#3_thirty_second barline note-B2_quarter rest-eighth. rest-sixteenth " +
  "note-B2_hundred_twenty_eighth..",
  "clef-G1 keySignature-CbM timeSignature-4/1 note-Cb5_quadruple_whole_fermata barline " +
  "note-D5_double_whole. note-D5_whole barline note-Dbb5_whole note-D##5_whole note-D5_whole rest-whole barline",
  "clef-F3 timeSignature-1/4 note-C3_sixty_fourth note-D3_sixty_fourth. note-E3_hundred_twenty_eighth " +
  "note-F3_thirty_second.. note-G3_sixteenth.. note-A3_thirty_second note-B3_hundred_twenty_eighth tie " +
  "barline note-B3_quarter barline rest-sixty_fourth rest-hundred_twenty_eighth " +
  "rest-hundred_twenty_eighth rest-thirty_second rest-sixteenth rest-eighth barline",
  "clef-C2 keySignature-FM timeSignature-3/4 note-B4_half note-Bb4_quarter tie barline note-C5_quarter " +
  "rest-half barline timeSignature-2/3 rest-whole barline multirest-2 barline keySignature-EM " +
  "timeSignature-3/8 clef-G2 note-F5_eighth gracenote-G5_sixteenth note-F5_eighth_fermata note-E5_eighth",
  "clef-C5 timeSignature-12/16 note-D4_quarter. note-D4_quarter. barline clef-F5 note-D3_half. barline",
  "keySignature-BbM note-Bb4_quarter barline barline clef-G2 rest-quarter_fermata",
].map((s) => s.split(" ").map(parseToken));

/** The real PrIMuS sample's label: clef-C1 EbM 2/4 multirest-23 ... */
const PRIMUS_SAMPLE = parseLabelFile(
  Deno.readTextFileSync(new URL("primus/example/000051652-1_2_1.semantic", DATA)),
).map(parseToken);

/** A note read back from MusicXML. */
interface ReadNote {
  pitch: string;
  grace: boolean;
  duration: number;
  type: string;
  dots: number;
  accidental: string;
  ties: string[];
  notations: string[];
}

const child = (el: XmlElement, name: string) => el.children.find((c) => c.name === name);
const ALTER_SIGN: Record<string, string> = { "-2": "bb", "-1": "b", "0": "", "1": "#", "2": "##" };

function readNote(n: XmlElement): ReadNote {
  const p = child(n, "pitch");
  const pitch = p
    ? `${child(p, "step")!.text}${ALTER_SIGN[child(p, "alter")?.text ?? "0"]}${
      child(p, "octave")!.text
    }`
    : "rest";
  return {
    pitch,
    grace: child(n, "grace") !== undefined,
    duration: Number(child(n, "duration")?.text ?? 0),
    type: child(n, "type")?.text ?? "",
    dots: n.children.filter((c) => c.name === "dot").length,
    accidental: child(n, "accidental")?.text ?? "",
    ties: n.children.filter((c) => c.name === "tie").map((c) => c.attrs.type!),
    notations: (child(n, "notations")?.children ?? []).map((c) => `${c.name}:${c.attrs.type}`),
  };
}

/** Measures of a MusicXML document: their notes, divisions and meter in force, measure-style. */
function readMeasures(xml: string) {
  let divisions = 0;
  let meter = "";
  return parseXml(xml).children.find((c) => c.name === "part")!.children.map((m) => {
    const el = [...walkXml(m)];
    const d = el.find((e) => e.name === "divisions");
    if (d) divisions = Number(d.text);
    const time = el.find((e) => e.name === "time");
    if (time) meter = `${child(time, "beats")!.text}/${child(time, "beat-type")!.text}`;
    return {
      divisions,
      meter,
      notes: m.children.filter((c) => c.name === "note").map(readNote),
      multiRest: el.find((e) => e.name === "multiple-rest")?.text,
      clefs: el.filter((e) => e.name === "clef").map((c) =>
        `${child(c, "sign")!.text}${child(c, "line")!.text}`
      ),
    };
  });
}

/** Pitches of the note tokens in order, the way `readNote` spells them. */
const tokenPitches = (tokens: SemanticToken[]) =>
  tokens.flatMap((t) => t.kind === "note" ? [formatPitch(t.pitch)] : []);
const readPitches = (xml: string) =>
  readMeasures(xml).flatMap((m) => m.notes.filter((n) => n.pitch !== "rest").map((n) => n.pitch));

/** Measures between barlines (a trailing one opens none) plus the extra measures of multirests. */
function expectedMeasures(tokens: SemanticToken[]): number {
  let n = 1;
  tokens.forEach((t, i) => {
    if (t.kind === "barline" && i < tokens.length - 1) n++;
    if (t.kind === "multirest") n += t.measures - 1;
  });
  return n;
}

Deno.test("tokensToMusicXml() output for staves of every token kind validates against the MusicXML XSD", async () => {
  const docs = STAVES.map((s, i) => tokensToMusicXml(s, { title: `Staff ${i} <&> "x"` }));
  assert.deepEqual(await xsdErrors(docs), []);
  assert.deepEqual(await xsdErrors([tokensToMusicXml([])]), []);
});

Deno.test("the XSD check rejects MusicXML whose note children are out of order", async () => {
  const good = tokensToMusicXml(STAVES[0]!);
  const bad = good.replace(
    /<duration>(\d+)<\/duration><voice>1<\/voice>/,
    "<voice>1</voice><duration>$1</duration>",
  );
  assert.notEqual(bad, good);
  const errors = await xsdErrors([bad]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /Element 'voice': This element is not expected/);
});

Deno.test("tokensToMusicXml() writes pitches, durations, measures, ties, graces and fermatas the tokens say", () => {
  for (const tokens of STAVES) {
    const xml = tokensToMusicXml(tokens);
    const measures = readMeasures(xml);
    assert.equal(measures.length, expectedMeasures(tokens));
    assert.deepEqual(readPitches(xml), tokenPitches(tokens));
    // Every measure but a staff's incomplete last one fills its time signature exactly.
    measures.forEach((m, i) => {
      const [beats, unit] = m.meter.split("/").map(Number);
      const total = m.notes.reduce((s, n) => s + n.duration, 0);
      if (m.meter && (i < measures.length - 1 || tokens.at(-1)?.kind === "barline")) {
        assert.equal(total, m.divisions * beats! * 4 / unit!, `measure ${i + 1} of ${xml}`);
      }
      for (const n of m.notes) assert.ok(Number.isInteger(n.duration) && n.duration >= 0);
    });
  }
  const [m1, m2, m3] = readMeasures(tokensToMusicXml(STAVES[0]!));
  assert.deepEqual(m1!.notes.map((n) => [n.type, n.dots, n.duration / m1!.divisions]), [
    ["quarter", 0, 1],
    ["eighth", 1, 0.75],
    ["16th", 0, 0.25],
    ["quarter", 0, 1],
  ]);
  // F# and C# are in the key of D: C5 needs a natural, which the barline cancels for C#5.
  assert.deepEqual(m1!.notes.map((n) => n.accidental), ["", "", "", "natural"]);
  assert.deepEqual(m2!.notes.map((n) => [n.accidental, n.ties, n.notations]), [
    ["", ["start"], ["tied:start"]],
  ]);
  assert.deepEqual(m3!.notes[0]!.ties, ["stop"]);
  assert.deepEqual(m3!.notes[0]!.accidental, "");

  const six = readMeasures(tokensToMusicXml(STAVES[5]!));
  assert.deepEqual(six[0]!.notes[0]!.notations, ["fermata:upright"]);
  assert.deepEqual(six[0]!.notes[0]!.type, "long");
  assert.deepEqual(six[2]!.notes.map((n) => n.accidental), [
    "flat-flat",
    "double-sharp",
    "natural",
    "",
  ]);

  const [first, second] = readMeasures(tokensToMusicXml(STAVES[2]!));
  const grace = first!.notes[0]!;
  assert.deepEqual([grace.grace, grace.duration, grace.type, grace.accidental], [
    true,
    0,
    "eighth",
    "",
  ]);
  // B is sharp in C# major: B4 needs a natural, B#4 then a sharp again.
  assert.deepEqual(second!.notes.map((n) => n.accidental), ["natural", "sharp", "natural", ""]);
});

Deno.test("tokensToMusicXml() writes C and C/, multirests, lone whole rests, slurs and clef changes", () => {
  const two = tokensToMusicXml(STAVES[1]!);
  assert.match(two, /<time symbol="common"><beats>4<\/beats><beat-type>4<\/beat-type><\/time>/);
  assert.match(tokensToMusicXml(STAVES[3]!), /<time symbol="cut"><beats>2<\/beats>/);
  const measures = readMeasures(two);
  assert.equal(measures.length, 14);
  assert.equal(measures[2]!.multiRest, "12");
  for (const m of measures.slice(2)) {
    assert.deepEqual(m.notes.map((n) => [n.pitch, n.duration]), [["rest", 4 * m.divisions]]);
  }
  assert.equal((two.match(/<rest measure="yes"\/>/g) ?? []).length, 12);

  // 2/3 needs thirds of a quarter; a lone rest-whole fills the 2/3 measure, not four quarters.
  const eight = readMeasures(tokensToMusicXml(STAVES[7]!));
  assert.equal(eight[0]!.divisions % 3, 0);
  assert.deepEqual(eight[2]!.notes.map((n) => n.duration), [eight[0]!.divisions * 8 / 3]);
  // Bb4 tie C5: a tie needs equal pitches, so it is kept as a slur.
  assert.deepEqual(eight[0]!.notes.map((n) => n.notations), [[], ["slur:start"]]);
  assert.deepEqual(eight[1]!.notes[0]!.notations, ["slur:stop"]);
  assert.deepEqual(eight[0]!.notes.map((n) => n.accidental), ["natural", "flat"]);
  assert.deepEqual(eight.map((m) => m.clefs), [["C2"], [], [], [], [], ["G2"]]);
  assert.match(
    tokensToMusicXml(STAVES[7]!),
    /<barline><bar-style>none<\/bar-style><\/barline><\/measure>\n<\/part>/,
  );

  const nine = readMeasures(tokensToMusicXml(STAVES[8]!));
  assert.deepEqual(nine.map((m) => m.clefs), [["C5"], ["F5"]]);
  // Two barlines in a row leave an empty measure; no barline at all is one measure.
  assert.deepEqual(readMeasures(tokensToMusicXml(STAVES[9]!)).map((m) => m.notes.length), [
    1,
    0,
    1,
  ]);
  assert.equal(readMeasures(tokensToMusicXml(STAVES[6]!.slice(0, 4))).length, 1);
  assert.match(tokensToMusicXml([], { title: "A & B" }), /<work-title>A &amp; B<\/work-title>/);
  assert.deepEqual(tokensToMusicXml([]).split("\n").slice(0, 3), [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" ' +
    '"http://www.musicxml.org/dtds/partwise.dtd">',
    '<score-partwise version="4.0">',
  ]);
});

/** Cuts a voice's tokens into staves of `size` measures, each opening with the clef, key and meter. */
function cutStaves(tokens: SemanticToken[], size: number): SemanticToken[][] {
  const staves: SemanticToken[][] = [];
  const header = new Map<string, SemanticToken>();
  let staff: SemanticToken[] = [];
  let bars = 0;
  for (const t of tokens) {
    if (t.kind === "clef" || t.kind === "keySignature" || t.kind === "timeSignature") {
      header.set(t.kind, t);
    }
    staff.push(t);
    if (t.kind === "barline" && ++bars % size === 0) {
      staves.push(staff);
      staff = [...header.values()];
    }
  }
  if (staff.some((t) => t.kind === "note" || t.kind === "rest")) staves.push(staff);
  return staves;
}

/** The PrIMuS sample and staves cut from the kit's melodies (folk, chorales, medieval, renaissance). */
async function realStaves(): Promise<SemanticToken[][]> {
  const staves = [PRIMUS_SAMPLE];
  const vrv = await Verovio.create();
  const load = async (rel: string, format: SourceFormat, split?: boolean) => {
    const bytes = Deno.readFileSync(new URL(`melodies/${rel}`, DATA));
    const text = new TextDecoder().decode(bytes);
    const pieces = split
      ? text.split(/\n(?=X:)/).filter((t) => t.startsWith("X:"))
      : [format === "mxl" ? bytes : text];
    for (const piece of pieces) {
      for (const voice of readMeiVoices(await vrv.toMei(piece, format))) {
        staves.push(...cutStaves(voiceToSemantic(voice), 4));
      }
    }
  };
  await load("irish-folk/0001-0050.abc", "abc", true);
  for (const f of ["bwv1.6.mxl", "bwv10.7.mxl", "bwv101.7.mxl", "bwv102.7.mxl"]) {
    await load(`bach-chorale/${f}`, "mxl");
  }
  await load("medieval/Fava_Dicant_nunc_iudei.xml", "musicxml");
  await load("renaissance/Agnus.krn", "humdrum");
  return staves;
}

Deno.test("tokensToMusicXml() of hundreds of real staves validates and keeps their notes and measures", async () => {
  const staves = await realStaves();
  assert.ok(staves.length >= 300, `only ${staves.length} staves`);
  const docs = staves.map((s) => tokensToMusicXml(s));
  assert.deepEqual(await xsdErrors(docs), []);
  docs.forEach((xml, i) => {
    assert.deepEqual(readPitches(xml), tokenPitches(staves[i]!));
    assert.equal(readMeasures(xml).length, expectedMeasures(staves[i]!));
  });
});

Deno.test("MuseScore 3 reads, engraves and re-exports tokensToMusicXml() staves with every note kept", async () => {
  for (const tokens of [...STAVES, PRIMUS_SAMPLE]) {
    const xml = tokensToMusicXml(tokens);
    const r = await museScore(xml);
    assert.ok(r.success, r.log);
    assert.deepEqual(importProblems(r.log), []);
    assert.equal(new TextDecoder().decode(r.pdf.subarray(0, 5)), "%PDF-");
    assert.ok(r.pdf.length > 1000, `PDF of ${r.pdf.length} bytes`);
    assert.match(r.exported, /<software>MuseScore 3/);
    assert.deepEqual(readPitches(r.exported), tokenPitches(tokens), r.exported);
    // The same measures, and per measure the same notes, durations, graces and ties. MuseScore fills
    // empty and short measures with rests of its own, so rests are left out, and counts 480 ticks a
    // quarter, so a double-dotted 128th (26.25 ticks) comes back as 26.
    const mine = readMeasures(xml), theirs = readMeasures(r.exported);
    assert.equal(theirs.length, mine.length);
    const marks = (ms: typeof mine) =>
      ms.map((m) =>
        m.notes.filter((n) => n.pitch !== "rest")
          .map((n) =>
            `${n.pitch} ${Math.round(n.duration * 480 / m.divisions)}${n.grace ? " grace" : ""}${
              n.ties.map((t) => ` ${t}`).join("")
            }`
          )
      );
    assert.deepEqual(marks(theirs), marks(mine));
  }
});

Deno.test("the MuseScore check reports a MusicXML file with note children out of order", async () => {
  const bad = tokensToMusicXml(STAVES[0]!).replace(
    /<duration>(\d+)<\/duration><voice>1<\/voice>/,
    "<voice>1</voice><duration>$1</duration>",
  );
  const r = await museScore(bad);
  assert.match(importProblems(r.log).join("\n"), /is not a valid MusicXML file/);
});
