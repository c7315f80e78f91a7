/**
 * @module Source music: lists the melody files, reads each piece through Verovio into voices, caches them.
 */
import { type MeiVoice, readMeiVoices } from "../../shared/music/mei_reader.ts";
import { type SourceFormat, type Verovio, VerovioError } from "../../shared/music/verovio.ts";
import { hash32 } from "../../shared/prng.ts";

/** Bump when parsing changes, so cached voices are rebuilt. */
export const SOURCE_CACHE_VERSION = 2;

/** One file of `shared/data/melodies`. */
export interface SourceFile {
  style: string;
  /** Path relative to the melodies folder, e.g. `bach-chorale/bwv1.6.mxl`. */
  rel: string;
  format: SourceFormat;
}

/** One piece as parsed (or refused) from a source file. */
export interface ParsedPiece {
  /** Piece identity for splitting: variants and re-transcriptions of one piece share it. */
  key: string;
  /** Index of the tune inside an ABC collection file, 0 otherwise. */
  tune: number;
  voices: MeiVoice[];
  /** Why Verovio or the reader refused it; such pieces are skipped and counted. */
  error?: string;
}

const FORMATS: Record<string, SourceFormat> = {
  abc: "abc",
  krn: "humdrum",
  xml: "musicxml",
  musicxml: "musicxml",
  mxl: "mxl",
};

/**
 * Lists source files under the melodies folder, sorted. The Bach and Beethoven `**kern` files are left
 * out: SOURCES.md records them as duplicates of `.mxl` files of the same pieces.
 */
export function listSourceFiles(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) walk(`${dir}/${e.name}`, r);
      else {
        const ext = e.name.split(".").pop()!.toLowerCase();
        const format = FORMATS[ext];
        if (!format || !rel) continue;
        const style = r.split("/")[0]!;
        if (format === "humdrum" && (style === "bach-chorale" || style === "classical")) continue;
        out.push({ style, rel: r, format });
      }
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * The piece identity used for splitting. O'Neill tunes are keyed by their O'Neill number (several files
 * transcribe the same tunes), Bach chorale variants (`-a`, `-lz`, ...) by their BWV number, quartet
 * movements by their work.
 */
export function pieceKey(file: SourceFile, tuneNumber: string): string {
  const base = file.rel.replace(/\.[^.]+$/, "");
  const name = base.split("/").pop()!;
  switch (file.style) {
    case "irish-folk":
      return `irish-folk/oneill-${tuneNumber}`;
    case "bach-chorale":
      return `bach-chorale/${name.replace(/-.*$/, "")}`;
    case "classical": {
      const parts = base.split("/");
      return parts.length > 3 ? parts.slice(0, 3).join("/") : base;
    }
    default:
      return file.format === "abc" ? `${base}#${tuneNumber}` : base;
  }
}

/** Splits an ABC collection into tunes (Verovio reads one tune at a time), with their `X:` numbers. */
export function splitAbc(text: string): Array<{ number: string; text: string }> {
  return text.split(/^(?=X:)/m).filter((t) => t.startsWith("X:")).map((t) => ({
    number: /^X:\s*(\S+)/.exec(t)?.[1] ?? "0",
    text: t,
  }));
}

/** Decodes a text file, honouring a UTF-16 byte order mark (some MusicXML exports are UTF-16). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  }
  return new TextDecoder().decode(bytes);
}

/** Reads one source file into pieces with Verovio (no cache); unreadable pieces carry an `error`. */
export async function parseSourceFile(
  vrv: Verovio,
  root: string,
  file: SourceFile,
): Promise<ParsedPiece[]> {
  const path = `${root}/${file.rel}`;
  const bytes = Deno.readFileSync(path);
  if (file.format === "abc") {
    const out: ParsedPiece[] = [];
    for (const [tune, t] of splitAbc(decodeText(bytes)).entries()) {
      out.push({
        key: pieceKey(file, t.number),
        tune,
        ...(await readVoices(() => abcToMei(vrv, t.text))),
      });
    }
    return out;
  }
  // The XML declaration must agree with the (now UTF-8) text Verovio receives.
  const data = file.format === "mxl" ? bytes : decodeText(bytes).replace(
    /^\s*<\?xml([^>]*?)encoding=["'][^"']*["']/,
    "<?xml$1encoding='UTF-8'",
  );
  return [{
    key: pieceKey(file, "0"),
    tune: 0,
    ...(await readVoices(() => vrv.toMei(data, file.format))),
  }];
}

/**
 * Loads one ABC tune. Verovio 6.3's ABC importer throws on some chord symbols (`"G"` before a volta
 * bracket, in the Nottingham set); they are harmony text we do not engrave, so a tune that fails is
 * retried without them.
 */
async function abcToMei(vrv: Verovio, tune: string): Promise<string> {
  try {
    return await vrv.toMei(tune, "abc");
  } catch (e) {
    if (!(e instanceof VerovioError) || !tune.includes('"')) throw e;
    const body = tune.split("\n").map((
      l,
    ) => (/^[A-Za-z]:/.test(l) ? l : l.replace(/"[^"\n]*"/g, "")));
    return await vrv.toMei(body.join("\n"), "abc");
  }
}

async function readVoices(
  load: () => Promise<string>,
): Promise<{ voices: MeiVoice[]; error?: string }> {
  try {
    const voices = readMeiVoices(await load());
    if (voices.length === 0) return { voices, error: "no staff layer" };
    return { voices };
  } catch (e) {
    return { voices: [], error: e instanceof Error ? e.message : "unknown error" };
  }
}

/** Cache file of one source file: keyed by path, size, mtime and the parser version. */
export function cachePath(cacheDir: string, root: string, file: SourceFile): string {
  const st = Deno.statSync(`${root}/${file.rel}`);
  const id = hash32(`${SOURCE_CACHE_VERSION}|${file.rel}|${st.size}|${st.mtime?.getTime() ?? 0}`);
  const safe = file.rel.replace(/[^A-Za-z0-9._-]+/g, "_").slice(-80);
  return `${cacheDir}/${safe}.${id.toString(16)}.json`;
}

/** Reads a source file through the cache, parsing and writing the cache (atomically) on a miss. */
export async function loadSourceFile(
  vrv: Verovio,
  root: string,
  cacheDir: string,
  file: SourceFile,
): Promise<ParsedPiece[]> {
  const cp = cachePath(cacheDir, root, file);
  try {
    return JSON.parse(Deno.readTextFileSync(cp)) as ParsedPiece[];
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const pieces = await parseSourceFile(vrv, root, file);
  Deno.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${cp}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(tmp, JSON.stringify(pieces, (k, v) => (k === "id" ? undefined : v)));
  Deno.renameSync(tmp, cp);
  return pieces;
}
