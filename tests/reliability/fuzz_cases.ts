/**
 * One generator of hostile requests per endpoint: each starts from a valid request and mutates
 * it, or sends random or malformed input. Case `i` of seed `s` is always the same request.
 *
 * @module
 */
import { type Rng, rngFor } from "../../shared/prng.ts";
import {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  signHookBody,
} from "../../shared/library/mod.ts";
import { pngHeaderOnly } from "../support/images.ts";
import {
  type Corpus,
  HOSTILE_STRINGS,
  hostileValue,
  multipart,
  mutateBytes,
  mutateJson,
  type Part,
  randomBytes,
  withDimensions,
} from "./fuzz_inputs.ts";

/** The write key and hook secret the fuzzed app is configured with. */
export const FUZZ_API_KEY = "fuzz-api-key-0123456789";
export const FUZZ_HOOK_SECRET = "fuzz-hook-secret-0123456789";

/** One request to send through `app.request()`. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array<ArrayBuffer> | string;
  /** What kind of case this is, for replays. */
  readonly note: string;
}

type Generator = (rng: Rng, corpus: Corpus) => FuzzRequest | Promise<FuzzRequest>;

const json = (value: unknown) => JSON.stringify(value);
const auth = (rng: Rng): Record<string, string> =>
  rng.chance(0.85)
    ? { authorization: `Bearer ${FUZZ_API_KEY}` }
    : rng.pick<Record<string, string>>([
      {},
      { authorization: "Bearer nope" },
      { authorization: rng.pick(HOSTILE_STRINGS) },
    ]);
const enc = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80"; // a lone surrogate as UTF-8 bytes
  }
};
const query = (rng: Rng, names: readonly string[], values: readonly string[]) =>
  rng.chance(0.5)
    ? ""
    : "?" + Array.from({ length: rng.int(1, 3) }, () =>
      `${rng.pick(names)}=${enc(rng.chance(0.6) ? rng.pick(values) : rng.pick(HOSTILE_STRINGS))}`)
      .join("&");

function image(
  rng: Rng,
  c: Corpus,
): { bytes: Uint8Array<ArrayBuffer>; type: string; note: string } {
  // The big real staff is the costly case (decode and inference): a tenth of the images.
  const base = rng.chance(0.1) ? c.png : rng.pick([c.smallPng, c.jpeg, c.webp]);
  const type = base[0] === 0x89 ? "image/png" : base[0] === 0xff ? "image/jpeg" : "image/webp";
  switch (rng.int(0, 6)) {
    case 0:
      return { bytes: base, type, note: "valid image" };
    case 1: {
      const side = rng.pick([0, 1, 65_535, 100_000, 2 ** 31 - 1, 2 ** 32 - 1]);
      return { bytes: withDimensions(base, side, rng.pick([side, 1, 0])), type, note: "bomb dims" };
    }
    case 2: {
      const side = rng.pick([0, 1, 50_000, 2 ** 31 - 1]);
      return { bytes: pngHeaderOnly(side, side), type: "image/png", note: "png header only" };
    }
    case 3:
      return { bytes: base.slice(0, rng.int(0, base.length)), type, note: "truncated image" };
    case 4:
      return { bytes: randomBytes(rng, rng.int(0, 2_000)), type, note: "random bytes" };
    default:
      return { bytes: mutateBytes(rng, base), type, note: "mutated image" };
  }
}

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "text/plain", "", "*/*"];

const recognize: Generator = (rng, c) => {
  const img = image(rng, c);
  const q = query(rng, ["format", "layout", "decoder", "beam", "x"], [
    "json",
    "musicxml",
    "mei",
    "midi",
    "svg",
    "page",
    "staff",
    "beam",
    "greedy",
    "0",
    "8",
    "999",
  ]);
  const type = rng.chance(0.8) ? img.type : rng.pick(IMAGE_TYPES);
  if (rng.chance(0.3)) {
    const boundary = rng.chance(0.9) ? "fuzzBoundary" : rng.pick(HOSTILE_STRINGS);
    let body = multipart("fuzzBoundary", [
      { name: rng.pick(["image", "image", "file", ""]), value: img.bytes, filename: "s.png", type },
    ]);
    if (rng.chance(0.3)) body = mutateBytes(rng, body);
    const header = rng.chance(0.9)
      ? `multipart/form-data; boundary=${boundary}`
      : "multipart/form-data";
    return {
      method: "POST",
      path: `/v1/recognize${q}`,
      headers: { "content-type": header },
      body,
      note: `multipart ${img.note}`,
    };
  }
  return {
    method: "POST",
    path: `/v1/recognize${q}`,
    headers: type ? { "content-type": type } : {} as Record<string, string>,
    body: img.bytes,
    note: img.note,
  };
};

const SCORE_TYPES = ["text/plain", "application/xml", "application/octet-stream", "image/png", ""];

const upload: Generator = (rng, c) => {
  const [format, text] = rng.pick(Object.entries(c.scores));
  const bytes = new TextEncoder().encode(text);
  const file = rng.chance(0.15)
    ? randomBytes(rng, rng.int(0, 3_000))
    : rng.chance(0.6)
    ? mutateBytes(rng, bytes)
    : bytes;
  const parts: Part[] = [];
  if (rng.chance(0.9)) {
    parts.push({
      name: "file",
      value: file,
      filename: rng.chance(0.5) ? `tune.${format}` : rng.pick(HOSTILE_STRINGS).slice(0, 300),
      type: rng.pick(SCORE_TYPES),
    });
  }
  if (rng.chance(0.85)) {
    parts.push({ name: "title", value: rng.chance(0.6) ? "Fuzz" : rng.pick(HOSTILE_STRINGS) });
  }
  for (let n = rng.int(0, 3); n > 0; n--) {
    const name = rng.chance(0.8)
      ? rng.pick(["composer", "key", "source_id"])
      : rng.pick(HOSTILE_STRINGS).slice(0, 60);
    parts.push({
      name,
      value: rng.chance(0.3) ? "x".repeat(rng.int(900, 5_000)) : rng.pick(HOSTILE_STRINGS),
    });
  }
  let body = multipart("fuzzBoundary", parts);
  if (rng.chance(0.15)) body = mutateBytes(rng, body);
  const type = rng.chance(0.9)
    ? "multipart/form-data; boundary=fuzzBoundary"
    : rng.pick(SCORE_TYPES);
  return {
    method: "POST",
    path: "/v1/scores",
    headers: { ...auth(rng), "content-type": type },
    body,
    note: `upload ${format}`,
  };
};

const ID_LIKE = ["00000000-0000-0000-0000-000000000000", "1130d6ad-0000-4000-8000-000000000000"];
const randomId = (rng: Rng) =>
  rng.chance(0.3)
    ? rng.pick(ID_LIKE)
    : rng.chance(0.5)
    ? Array.from({ length: 36 }, () => rng.pick([..."0123456789abcdef-"])).join("")
    : enc(rng.pick(HOSTILE_STRINGS).slice(0, 200));

const scoreGet: Generator = (rng) =>
  rng.chance(0.3)
    ? {
      method: "GET",
      path: `/v1/scores${
        query(rng, ["limit", "cursor", "status"], ["0", "1", "100", "101", "-5", "abc"])
      }`,
      headers: {},
      note: "list",
    }
    : { method: "GET", path: `/v1/scores/${randomId(rng)}`, headers: {}, note: "get" };

const scoreDelete: Generator = (rng) => ({
  method: "DELETE",
  path: `/v1/scores/${randomId(rng)}`,
  headers: auth(rng),
  note: "delete",
});

const hook: Generator = async (rng) => {
  const record = {
    eventName: "ObjectCreated:Put",
    s3: {
      bucket: { name: "stave" },
      object: {
        key: rng.pick(["inbox/a.abc", ...HOSTILE_STRINGS]).slice(0, 300),
        eTag: "a0e3ef66bb6b75590789e8243a0d45ce",
        size: rng.pick([56, 0, -1, 1e12]),
      },
    },
  };
  let event: unknown = { Records: [record] };
  if (rng.chance(0.5)) {
    event = mutateJson(rng, { Records: [rng.chance(0.5) ? mutateJson(rng, record) : record] });
  }
  let body = rng.chance(0.1)
    ? rng.pick(["", "{", "null", "[]", "NaN", '{"Records":Infinity}'])
    : json(event);
  if (rng.chance(0.1)) {
    body = new TextDecoder().decode(mutateBytes(rng, new TextEncoder().encode(body)));
  }
  // Signed with the current time (so not deterministic to the byte) unless this case spoils it.
  const now = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": rng.chance(0.9) ? "application/json" : rng.pick(SCORE_TYPES),
    [HOOK_TIMESTAMP_HEADER]: String(now),
    [HOOK_SIGNATURE_HEADER]: await signHookBody(FUZZ_HOOK_SECRET, now, body),
  };
  if (rng.chance(0.3)) {
    const spoiled = rng.pick([HOOK_TIMESTAMP_HEADER, HOOK_SIGNATURE_HEADER]);
    const stale = now + rng.pick([-10_000, 10_000, -now]);
    switch (rng.int(0, 2)) {
      case 0:
        delete headers[spoiled];
        break;
      case 1:
        headers[HOOK_TIMESTAMP_HEADER] = String(stale);
        headers[HOOK_SIGNATURE_HEADER] = await signHookBody(FUZZ_HOOK_SECRET, stale, body);
        break;
      default:
        headers[spoiled] = rng.pick([
          "",
          "sha256=",
          `sha256=${"0".repeat(64)}`,
          ...HOSTILE_STRINGS,
        ]);
    }
  }
  return { method: "POST", path: "/v1/hooks/object-created", headers, body, note: "hook" };
};

const RAW_JSON = [
  "",
  "{",
  "[]",
  "null",
  "1",
  '"x"',
  '{"genre":NaN}',
  '{"seed":Infinity}',
  '{"measures":-Infinity}',
  '{"genre":"irish-folk","measures":1e999}',
  '{"a":1,}',
  "\u0000",
];

const generate: Generator = (rng) => {
  const valid = {
    genre: rng.pick(["irish-folk", "bach-chorale"]),
    measures: rng.int(1, 2),
    seed: rng.int(0, 1_000),
  };
  let body: string;
  const kind = rng.next();
  if (kind < 0.1) body = rng.pick(RAW_JSON);
  else if (kind < 0.2) {
    body = json({
      ...valid,
      primer: Array.from(
        { length: rng.pick([10, 1_000, 50_000]) },
        () => rng.pick(["n:D5", "d:eighth", "bar", "key:1", "meter:6/8", ...HOSTILE_STRINGS]),
      ),
    });
  } else body = json(rng.chance(0.85) ? mutateJson(rng, valid) : valid);
  const q = query(rng, ["format"], ["json", "musicxml", "mei", "midi", "svg", "pdf"]);
  const type = rng.chance(0.9) ? "application/json" : rng.pick(SCORE_TYPES);
  return {
    method: "POST",
    path: `/v1/generate${q}`,
    headers: { "content-type": type },
    body,
    note: "generate",
  };
};

const CLASSIFY_TYPES: Record<string, string> = {
  abc: "text/vnd.abc",
  musicxml: "application/xml",
  mei: "application/xml",
  kern: "text/x-humdrum",
};

/** A list of semantic and melody tokens mixed with hostile strings, empty to very long. */
const tokenList = (rng: Rng): string[] =>
  Array.from(
    { length: rng.pick([0, 1, 20, 2_000]) },
    () =>
      rng.pick([
        "clef-G2",
        "note-D5_eighth",
        "barline",
        "n:D5",
        "d:quarter",
        "bar",
        "key:1",
        ...HOSTILE_STRINGS,
      ]),
  );

const classify: Generator = (rng, c) => {
  const pick = rng.int(0, 3);
  if (pick === 0) {
    const tokens = tokenList(rng);
    const body = rng.chance(0.3) ? json(mutateJson(rng, { tokens })) : json({ tokens });
    return {
      method: "POST",
      path: "/v1/classify",
      headers: { "content-type": "application/json" },
      body,
      note: "tokens",
    };
  }
  if (pick === 1) {
    return {
      method: "POST",
      path: "/v1/classify",
      headers: { "content-type": rng.pick(["audio/midi", "audio/x-midi"]) },
      body: rng.chance(0.8) ? mutateBytes(rng, c.midi) : c.midi,
      note: "midi",
    };
  }
  const [format, text] = rng.pick(Object.entries(c.scores));
  const bytes = new TextEncoder().encode(text);
  const type = rng.chance(0.85)
    ? CLASSIFY_TYPES[format]!
    : rng.pick([...SCORE_TYPES, "application/vnd.recordare.musicxml"]);
  return {
    method: "POST",
    path: "/v1/classify",
    headers: { "content-type": type },
    body: rng.chance(0.8) ? mutateBytes(rng, bytes) : bytes,
    note: `score ${format}`,
  };
};

const SEARCH_FILE_TYPES = ["", "audio/wav", "audio/mpeg", "image/png", "audio/midi", "text/plain"];

const search: Generator = (rng, c) => {
  const path = `/v1/search${
    query(rng, ["limit", "filter[composer]", "filter", "filter[Key]", "filters[x]"], [
      "1",
      "10",
      "50",
      "51",
      "0",
      "-1",
      "trad",
      "",
    ])
  }`;
  if (rng.chance(0.3)) {
    const notes = tokenList(rng);
    const body = rng.chance(0.3) ? json(mutateJson(rng, { notes })) : json({ notes });
    return {
      method: "POST",
      path,
      headers: { "content-type": "application/json" },
      body,
      note: "notes",
    };
  }
  let value: Uint8Array<ArrayBuffer>;
  let note: string;
  switch (rng.int(0, 3)) {
    case 0: {
      const img = image(rng, c);
      [value, note] = [img.bytes, `sheet ${img.note}`];
      break;
    }
    case 1:
      [value, note] = [rng.chance(0.7) ? mutateBytes(rng, c.wav) : c.wav, "wav"];
      break;
    case 2:
      [value, note] = [rng.chance(0.5) ? mutateBytes(rng, c.midi) : c.midi, "midi"];
      break;
    default: {
      const [format, text] = rng.pick(Object.entries(c.scores));
      const bytes = new TextEncoder().encode(text);
      [value, note] = [rng.chance(0.5) ? mutateBytes(rng, bytes) : bytes, `score ${format}`];
    }
  }
  const type = rng.chance(0.8)
    ? rng.pick(SEARCH_FILE_TYPES)
    : rng.pick(HOSTILE_STRINGS).slice(0, 100);
  let body = multipart("fuzzBoundary", [
    { name: rng.chance(0.9) ? "file" : "image", value, filename: "query", type },
  ]);
  if (rng.chance(0.15)) body = mutateBytes(rng, body);
  const header = rng.chance(0.9)
    ? "multipart/form-data; boundary=fuzzBoundary"
    : rng.pick(["audio/wav", "image/png", "text/plain", ""]);
  return { method: "POST", path, headers: { "content-type": header }, body, note: `file ${note}` };
};

const genres: Generator = (rng) => ({
  method: rng.pick(["GET", "GET", "HEAD", "POST"]),
  path: `/v1/genres${query(rng, ["genre"], ["x"])}`,
  headers: {},
  note: "genres",
});

const MODEL_FILES = [
  "manifest.json",
  "omr/omr-int8.onnx",
  "gen/genre.onnx",
  "../manifest.json",
  "..%2F..%2Fdeno.json",
  "%2e%2e/%2e%2e/deno.json",
  "omr/../../deno.json",
  "omr//omr.onnx",
  "nope.onnx",
  "%00",
  "a".repeat(5_000),
];

const models: Generator = (rng) => {
  const file = rng.chance(0.6)
    ? rng.pick(MODEL_FILES)
    : enc(rng.pick(HOSTILE_STRINGS).slice(0, 500));
  const headers: Record<string, string> = rng.chance(0.3)
    ? {
      "if-none-match": rng.pick(['"x"', "*", ...HOSTILE_STRINGS.slice(0, 10)]),
      range: "bytes=0-10",
    }
    : {};
  return rng.chance(0.2) ? { method: "GET", path: "/v1/models", headers, note: "catalogue" } : {
    method: rng.pick(["GET", "GET", "HEAD"]),
    path: `/v1/models/${file}`,
    headers,
    note: "file",
  };
};

const health: Generator = (rng) => ({
  method: rng.pick(["GET", "HEAD"]),
  path: "/v1/health",
  headers: {},
  note: "health",
});

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PURGE", "PROPFIND"];
const PATHS = [
  "/v1/",
  "/v1/nope",
  "/v1/scores/",
  "/v1/recognize/x",
  "/v1//generate",
  "/v1/openapi.json",
  "/v1/docs",
  "/v2/recognize",
  "/v1/hooks/",
  "/v1/models/",
];

const random: Generator = (rng) => {
  const path = rng.chance(0.6)
    ? rng.pick(PATHS)
    : `/v1/${enc(rng.pick(HOSTILE_STRINGS).slice(0, 2_000))}`;
  const headers: Record<string, string> = {};
  if (rng.chance(0.5)) headers["x-huge"] = "h".repeat(rng.pick([1_000, 64_000, 500_000]));
  if (rng.chance(0.3)) headers["x-request-id"] = rng.pick(["r".repeat(10_000), "id\u00ff", "ok"]);
  if (rng.chance(0.3)) {
    headers["content-type"] = rng.pick([
      "application/json",
      "multipart/form-data",
      "text/plain; charset=utf-9",
    ]);
  }
  if (rng.chance(0.3)) headers["origin"] = rng.pick(["https://evil.example", "null"]);
  const method = rng.pick(METHODS);
  const body = method === "GET" || method === "HEAD"
    ? undefined
    : rng.chance(0.5)
    ? json(hostileValue(rng))
    : randomBytes(rng, rng.int(0, 1_000));
  return { method, path, headers, body, note: "random method/path" };
};

/** The endpoints fuzzed, in the round-robin order cases are dealt to them. */
export const ENDPOINTS: Readonly<Record<string, { generate: Generator; allows503: boolean }>> = {
  "POST /v1/recognize": { generate: recognize, allows503: true },
  "POST /v1/scores": { generate: upload, allows503: false },
  "GET /v1/scores/{id}": { generate: scoreGet, allows503: false },
  "DELETE /v1/scores/{id}": { generate: scoreDelete, allows503: false },
  "POST /v1/hooks/object-created": { generate: hook, allows503: true },
  "POST /v1/generate": { generate, allows503: true },
  "POST /v1/classify": { generate: classify, allows503: true },
  "POST /v1/search": { generate: search, allows503: true },
  "GET /v1/genres": { generate: genres, allows503: true },
  "GET /v1/models{/file}": { generate: models, allows503: true },
  "GET /v1/health": { generate: health, allows503: true },
  "random method and path": { generate: random, allows503: false },
};

/** The endpoint of case `index`. */
export function endpointOf(index: number): string {
  const names = Object.keys(ENDPOINTS);
  return names[index % names.length]!;
}

/** The request of case `index` of `seed`: always the same one. */
export async function caseFor(seed: number, index: number, corpus: Corpus): Promise<FuzzRequest> {
  const endpoint = endpointOf(index);
  const request = await ENDPOINTS[endpoint]!.generate(rngFor(seed, index, endpoint), corpus);
  const headers = Object.entries(request.headers).map(([name, value]) => [name, byteString(value)]);
  return { ...request, headers: Object.fromEntries(headers) };
}

/**
 * A header value as a server reads hostile bytes: UTF-8 as Latin-1, without CR, LF or NUL (which
 * no HTTP parser lets through, and `Request` refuses).
 */
function byteString(value: string): string {
  const bytes = new TextEncoder().encode(value.replace(/[\r\n\0]/g, " "));
  return Array.from(bytes, (b) => String.fromCharCode(b)).join("");
}
