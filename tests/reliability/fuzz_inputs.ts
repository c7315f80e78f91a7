/**
 * Raw material for the fuzzer: hostile strings, byte and JSON mutations, a multipart writer that
 * can be made to lie, and the valid seed inputs (images, scores, MIDI, WAV) that mutations start
 * from.
 *
 * @module
 */
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import type { Rng } from "../../shared/prng.ts";
import { grayPng } from "../support/images.ts";
import { midiFile } from "../support/midi.ts";
import { ABC_REEL, HUMDRUM_MINUET, MEI_CHORALE, MUSICXML_WALTZ } from "../support/scores.ts";
import { synthesize, wavFile } from "../support/wav.ts";

const encoder = new TextEncoder();

/** Strings that have broken servers before: traversal, SQL, unicode edge cases, sizes. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e/%2e%2e/etc/passwd",
  "/etc/passwd",
  "..\\..\\windows\\win.ini",
  "scores/../../../secret",
  "'; DROP TABLE scores; --",
  "' OR '1'='1",
  "1; select pg_sleep(10)",
  "\u202Egnp.exe",
  "\u200B\u200C\u200D\uFEFF",
  "\uD800",
  "\uDFFF\uD800",
  "a\u0000b",
  "\u0000",
  "%00",
  "%",
  "%zz",
  "🎼𝄞𝄢",
  "e\u0301\u0301\u0301\u0301",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "null",
  "NaN",
  "-1",
  "1e309",
  "0x7fffffff",
  "irish-folk",
  "clef-G2",
  "A".repeat(1_000),
  "B".repeat(70_000),
  "\r\nx-injected: 1",
];

/** JSON values of every type, including awkward numbers. */
export function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, 9)) {
    case 0:
      return rng.pick(HOSTILE_STRINGS);
    case 1:
      return rng.pick([0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, 0.5, -0.0, 64, 65]);
    case 2:
      return rng.pick([true, false, null]);
    case 3:
      return depth > 3
        ? []
        : Array.from({ length: rng.int(0, 4) }, () => hostileValue(rng, depth + 1));
    case 4:
      return depth > 3 ? {} : { [rng.pick(HOSTILE_STRINGS)]: hostileValue(rng, depth + 1) };
    case 5:
      return Array.from({ length: rng.pick([1, 100, 5_000]) }, () => rng.pick(HOSTILE_STRINGS));
    case 6:
      return nested(rng.int(10, 400));
    default:
      return rng.int(-100, 100);
  }
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: [value] };
  return value;
}

/** A copy of `bytes` with one to three random mutations (flips, cuts, inserts, splices). */
export function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let out = new Uint8Array(bytes);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const at = out.length === 0 ? 0 : rng.int(0, out.length - 1);
    switch (rng.int(0, 5)) {
      case 0: // flip bits
        for (let k = rng.int(1, 16); k > 0 && out.length > 0; k--) {
          const i = rng.int(0, out.length - 1);
          out[i] = out[i]! ^ (1 << rng.int(0, 7));
        }
        break;
      case 1: // truncate
        out = out.slice(0, at);
        break;
      case 2: // insert random bytes
        out = concat(out.slice(0, at), randomBytes(rng, rng.int(1, 64)), out.slice(at));
        break;
      case 3: // delete a run
        out = concat(out.slice(0, at), out.slice(at + rng.int(1, 256)));
        break;
      case 4: // overwrite with boundary bytes
        for (let k = rng.int(1, 8); k > 0 && at + k < out.length; k--) {
          out[at + k] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xfe]);
        }
        break;
      default: // duplicate a run
        out = concat(out.slice(0, at), out.slice(at, at + rng.int(1, 512)), out.slice(at));
    }
  }
  return out;
}

/** A copy of `value` (a JSON object) with fields replaced, removed or added at random. */
export function mutateJson(rng: Rng, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  const keys = Object.keys(out);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const choice = rng.int(0, 3);
    if (choice === 0 && keys.length > 0) delete out[rng.pick(keys)];
    else if (choice === 1) out[rng.pick(HOSTILE_STRINGS).slice(0, 50)] = hostileValue(rng);
    else if (keys.length > 0) out[rng.pick(keys)] = hostileValue(rng);
  }
  return out;
}

/**
 * A copy of a PNG, JPEG or WebP whose header claims `width` x `height` (a decompression bomb when
 * large): the PNG IHDR, the JPEG start-of-frame, or the lossy WebP frame header is rewritten.
 */
export function withDimensions(
  bytes: Uint8Array,
  width: number,
  height: number,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  if (out[0] === 0x89 && out.length >= 24) {
    view.setUint32(16, width);
    view.setUint32(20, height);
  } else if (out[0] === 0xff) {
    for (let i = 2; i + 8 < out.length; i++) {
      if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
        view.setUint16(i + 5, Math.min(height, 0xffff));
        view.setUint16(i + 7, Math.min(width, 0xffff));
        break;
      }
    }
  } else if (out.length >= 30) {
    view.setUint16(26, Math.min(width, 0x3fff), true);
    view.setUint16(28, Math.min(height, 0x3fff), true);
  }
  return out;
}

/** `n` random bytes. */
export function randomBytes(rng: Rng, n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(0, 255);
  return out;
}

/** The bytes of `parts` joined. */
export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One multipart field: a string, or a file with a name and type. */
export interface Part {
  readonly name: string;
  readonly value: string | Uint8Array;
  readonly filename?: string;
  readonly type?: string;
}

/** A multipart/form-data body written by hand (so names and bytes can be anything). */
export function multipart(boundary: string, parts: readonly Part[]): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const file = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    const type = part.type === undefined ? "" : `\r\ncontent-type: ${part.type}`;
    chunks.push(encoder.encode(
      `--${boundary}\r\ncontent-disposition: form-data; name="${part.name}"${file}${type}\r\n\r\n`,
    ));
    chunks.push(typeof part.value === "string" ? encoder.encode(part.value) : part.value);
    chunks.push(encoder.encode("\r\n"));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  return concat(...chunks);
}

/** Valid inputs the mutations start from. */
export interface Corpus {
  readonly png: Uint8Array<ArrayBuffer>;
  readonly smallPng: Uint8Array<ArrayBuffer>;
  readonly jpeg: Uint8Array<ArrayBuffer>;
  readonly webp: Uint8Array<ArrayBuffer>;
  readonly midi: Uint8Array<ArrayBuffer>;
  readonly wav: Uint8Array<ArrayBuffer>;
  readonly scores: Readonly<Record<"abc" | "musicxml" | "mei" | "kern", string>>;
}

/** A real PrIMuS staff image. */
const PRIMUS_PNG = new URL(
  "../../../shared/data/primus/example/000051652-1_2_1.png",
  import.meta.url,
);

/** Loads the real staff image and encodes the small synthetic ones. */
export async function loadCorpus(): Promise<Corpus> {
  const paint = (x: number, y: number) => (y % 8 === 0 || (x % 17 === 0 && y > 4) ? 0 : 255);
  const smallPng = await grayPng(96, 40, paint);
  const data = new Uint8ClampedArray(96 * 40 * 4);
  for (let i = 0; i < 96 * 40; i++) {
    const v = paint(i % 96, Math.floor(i / 96));
    data.set([v, v, v, 255], i * 4);
  }
  const image = { width: 96, height: 40, data, colorSpace: "srgb" } as ImageData;
  return {
    png: await Deno.readFile(PRIMUS_PNG),
    smallPng,
    jpeg: new Uint8Array(await encodeJpeg(image, { quality: 80 })),
    webp: new Uint8Array(await encodeWebp(image, { quality: 80 })),
    midi: midiFile([[60, 62, 64, 65, 67, 69, 71, 72].map((pitch, i) => ({
      pitch,
      start: i * 48,
      ticks: 48,
    }))]),
    wav: new Uint8Array(wavFile(synthesize([60, 64, 67, 72].map((pitch, i) => ({
      pitch,
      start: i * 48,
      ticks: 48,
    }))))),
    scores: { abc: ABC_REEL, musicxml: MUSICXML_WALTZ, mei: MEI_CHORALE, kern: HUMDRUM_MINUET },
  };
}
