/**
 * `POST /v1/search`: a photo of a staff, a recording or a few notes in; the library's nearest
 * scores out, each with its best matching excerpts. A read: it needs the scope `read` only where
 * reads are not public.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Problem } from "../shared/problem.ts";
import {
  fileQuery,
  type SearchFilters,
  searchLibrary,
  type SearchQuery,
  tokensQuery,
} from "../shared/search/mod.ts";
import type { AppEnv } from "./http/app_env.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { mediaType, requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";

const Notes = z.object({
  notes: z.array(z.string().max(100)).min(1).max(10_000).openapi({
    description: "PrIMuS semantic tokens (as `/v1/recognize` answers) or melody tokens (as " +
      "`/v1/generate` answers), told apart by the first token",
    example: ["clef-G2", "keySignature-GM", "timeSignature-3/4", "note-G4_quarter", "barline"],
  }),
}).strict().openapi("SearchNotes");

const Query = z.object({
  limit: z.coerce.number().int().min(1).optional().openapi({
    description: "Scores answered: 1 to `STAVE_SEARCH_MAX_LIMIT` (50); " +
      "`STAVE_SEARCH_DEFAULT_LIMIT` (10) when absent",
    example: 10,
  }),
  filter: z.record(z.string(), z.string()).optional().openapi({
    param: { style: "deepObject", explode: true },
    description: "Metadata the scores must have, as `filter[composer]=Bach`: lower-case field " +
      "names as uploaded, values compared ignoring case; several filters must all hold",
    example: { composer: "Trad" },
  }),
});

const Excerpt = z.object({
  position: z.number().int().openapi({ description: "0-based order among the score's excerpts" }),
  firstMeasure: z.number().int(),
  lastMeasure: z.number().int(),
  similarity: z.number().openapi({ description: "1 - cosine distance, in [-1, 1]" }),
});

const Answer = z.object({
  modality: z.enum(["notes", "audio", "sheet"]),
  input: z.string().openapi({
    description: "What the query was read from: `semantic` or `melody` tokens, `musicxml`, " +
      "`mxl`, `abc`, `humdrum`, `midi`, `wav`, `png`, `jpeg` or `webp`",
  }),
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  results: z.array(z.object({
    scoreId: z.uuid(),
    title: z.string(),
    metadata: z.record(z.string(), z.string()),
    similarity: z.number().openapi({ description: "Its best excerpt's similarity" }),
    excerpts: z.array(Excerpt).readonly().openapi({
      description: "Its best matching excerpts (up to 3), best first",
    }),
  })).readonly().openapi({ description: "The nearest scores, nearest first" }),
  timing: z.object({ rollMs: z.number(), embedMs: z.number(), searchMs: z.number() }),
}).openapi("SearchResults");

const bytesSchema = z.any().openapi({ type: "string", format: "binary" });

const route = createRoute(withAccess("read", {
  method: "post",
  path: "/search",
  // Before the validators, so an unsupported type is a 415 that names what was sent.
  middleware: [requireMediaType("multipart/form-data", "application/json")] as const,
  summary: "Find scores by a photo, a recording or a few notes",
  description: "Send the multipart field `file`: a PNG, JPEG or WebP image of one staff (read " +
    "by the recognizer), a WAV recording (PCM or float), or notes (MusicXML, compressed " +
    'MusicXML, ABC, Humdrum, MIDI); or JSON `{"notes": [...]}`. The kind is read from the ' +
    "bytes. Only scores indexed by the configured notes model are compared.",
  request: {
    query: Query,
    body: {
      // Not `required`: each validator must only parse its own media type.
      required: false,
      content: {
        "application/json": { schema: Notes },
        "multipart/form-data": { schema: z.object({ file: bytesSchema }) },
      },
    },
  },
  responses: {
    200: { description: "The nearest scores", content: { "application/json": { schema: Answer } } },
    400: problem("Bad limit or filter, malformed JSON, notes not a list, or no file field"),
    413: problem("Body, image or recording too large"),
    415: problem("Not multipart or JSON, or a file that is neither an image, WAV nor notes"),
    422: problem("An empty or unreadable file, silent or too short audio, or no notes read"),
    503: problem("A model is unavailable"),
  },
}));

/** Metadata field names, as uploads write them. */
const FIELD = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_FILTERS = 20;

const badQuery = (field: string, detail: string) =>
  new Problem(400, `Invalid query: ${field}: ${detail}`, {
    slug: "invalid-request",
    extensions: { field },
  });

/** The `filter[name]=value` parameters of the URL. */
function filtersOf(url: string): SearchFilters {
  const filters: Record<string, string> = {};
  for (const [key, value] of new URL(url).searchParams) {
    if (!key.startsWith("filter")) continue;
    const name = /^filter\[([^\]]*)\]$/.exec(key)?.[1];
    if (name === undefined) throw badQuery(key, "expected filter[name]=value");
    if (!FIELD.test(name)) {
      throw badQuery(key, "field names are lower-case letters, digits and _ (up to 40)");
    }
    if (name in filters) throw badQuery(key, "given twice");
    if (value.length > 1000 || value.includes("\u0000")) {
      throw badQuery(key, "values are up to 1000 characters, without U+0000");
    }
    filters[name] = value;
  }
  if (Object.keys(filters).length > MAX_FILTERS) {
    throw badQuery("filter", `at most ${MAX_FILTERS} filters`);
  }
  return filters;
}

/** The query of the request: JSON notes, or the multipart file. */
async function queryOf(c: Context<AppEnv>, notes: string[] | undefined): Promise<SearchQuery> {
  if (notes !== undefined) return tokensQuery(notes);
  // Parsed (and cached) by the route's form validator already.
  const file = (await c.req.parseBody()).file;
  if (!(file instanceof File)) {
    throw new Problem(400, 'Missing multipart field "file": expected an image, WAV or notes file', {
      slug: "bad-multipart",
      extensions: { field: "file" },
    });
  }
  return await fileQuery(new Uint8Array(await file.arrayBuffer()), {
    fileName: file.name,
    contentType: file.type,
    maxAudioSeconds: c.var.services.config.search.maxAudioSeconds,
  });
}

/** The search function. */
export const search = createFunctionApp().openapi(route, async (c) => {
  const settings = c.var.services.config.search;
  const limit = c.req.valid("query").limit ?? settings.defaultLimit;
  if (limit > settings.maxLimit) throw badQuery("limit", `must be at most ${settings.maxLimit}`);
  const filters = filtersOf(c.req.url);
  const json = mediaType(c.req.header("content-type")) === "application/json";
  // JSON is parsed and validated by the route's schema.
  const notes = json ? (c.req.valid("json") as z.infer<typeof Notes>).notes : undefined;
  const query = await queryOf(c, notes);
  const answer = await searchLibrary(c.var.services, query, {
    limit,
    filters,
    signal: c.req.raw.signal,
  });
  return c.json(answer, 200);
});
