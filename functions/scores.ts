/**
 * The library's scores: `POST /v1/scores` stores and indexes a file, `GET /v1/scores` lists,
 * `GET /v1/scores/{id}` shows one, `GET /v1/scores/{id}/excerpts/{position}` shows (or engraves)
 * one of its excerpts, `DELETE /v1/scores/{id}` removes it and its objects. Uploads
 * need a key with the scope `write`; deletes need `admin`, since a score has no owner (the same
 * bytes uploaded twice are one score) and deleting it takes it from every client.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  deleteScore,
  getExcerpt,
  getScore,
  listScores,
  type ScoreView,
  storeUpload,
} from "../shared/library/mod.ts";
import { Problem } from "../shared/problem.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";
import {
  ANSWER_FORMAT_NAMES,
  ANSWER_FORMATS,
  chooseFormat,
  renderScore,
  type ScoreAnswerFormat,
} from "./http/score_answer.ts";

const Score = z.object({
  id: z.uuid(),
  title: z.string(),
  metadata: z.record(z.string(), z.string()).openapi({ example: { composer: "Trad." } }),
  status: z.enum(["pending", "indexed", "failed"]),
  source: z.enum(["upload", "hook"]),
  format: z.enum(["musicxml", "mxl", "mei", "abc", "humdrum", "image"]).nullable(),
  contentType: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  objectKey: z.string(),
  excerptCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).openapi("Score");

const ScoreDetail = Score.extend({
  job: z.object({
    id: z.uuid(),
    status: z.enum(["pending", "running", "done", "failed"]),
    step: z.string().nullable(),
    attempts: z.number().int(),
    error: z.string().nullable(),
  }).nullable().openapi({ description: "The latest index job" }),
}).openapi("ScoreDetail");

const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: crypto.randomUUID() }),
});

// The file is read by the handler; the validator must not coerce it.
const bytesSchema = z.any().openapi({ type: "string", format: "binary" });

/** Metadata fields: a few short strings under lower-case names. */
const METADATA_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_METADATA_FIELDS = 20;
const MAX_METADATA_VALUE = 1000;

/** Form text the database can store: Postgres text and JSON hold no U+0000. */
const storable = (s: string) => !s.includes("\u0000");
const NUL_MESSAGE = "must not contain U+0000 (NUL)";

const uploadRoute = createRoute(withAccess("write", {
  method: "post",
  path: "/scores",
  // Before the validators (and after the scope check, which `withAccess` puts first): a missing
  // key is a 401 and a wrong type a 415, whatever the body.
  middleware: [requireMediaType("multipart/form-data")] as const,
  summary: "Store and index a score",
  description: "Multipart fields: `file` (MusicXML, compressed MusicXML, MEI, ABC, Humdrum, or a " +
    "PNG, JPEG or WebP image of a page, which is recognized), `title`, and optional metadata " +
    "fields (lower-case names, string values). The score is parsed before anything is stored " +
    "and indexed before the answer. The same file again answers 200 with the first score.",
  request: {
    body: {
      required: true,
      content: {
        "multipart/form-data": {
          schema: z.object({
            file: bytesSchema,
            title: z.string().trim().min(1).max(500).refine(storable, NUL_MESSAGE),
          }).catchall(z.string().max(MAX_METADATA_VALUE).refine(storable, NUL_MESSAGE)),
        },
      },
    },
  },
  responses: {
    201: {
      description: "Stored and indexed (see `status`)",
      content: { "application/json": { schema: ScoreDetail } },
    },
    200: {
      description: "The same file was stored before: that score",
      content: { "application/json": { schema: ScoreDetail } },
    },
    400: problem("Missing file or title, or bad metadata"),
    413: problem("File or image too large"),
    415: problem("Not a score file"),
    422: problem("Unreadable score"),
  },
}));

const listRoute = createRoute(withAccess("read", {
  method: "get",
  path: "/scores",
  summary: "List scores, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(200).optional().openapi({
        description: "`nextCursor` of the previous page",
      }),
    }),
  },
  responses: {
    200: {
      description: "One page",
      content: {
        "application/json": {
          schema: z.object({
            scores: z.array(Score).readonly(),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    400: problem("Bad limit or cursor"),
  },
}));

const getRoute = createRoute(withAccess("read", {
  method: "get",
  path: "/scores/{id}",
  summary: "One score: metadata, indexing status, excerpt count",
  request: { params: IdParam },
  responses: {
    200: { description: "The score", content: { "application/json": { schema: ScoreDetail } } },
    400: problem("Not a score id"),
    404: problem("No such score"),
  },
}));

const Excerpt = z.object({
  scoreId: z.uuid(),
  position: z.number().int().openapi({ description: "0-based order among the score's excerpts" }),
  firstMeasure: z.number().int(),
  lastMeasure: z.number().int(),
  tokens: z.array(z.string()).readonly().openapi({
    description: "PrIMuS semantic tokens, starting with the clef, key and meter in force",
    example: ["clef-G2", "keySignature-DM", "timeSignature-4/4", "note-D4_eighth", "barline"],
  }),
}).openapi("Excerpt");

const binary = { schema: z.any().openapi({ type: "string", format: "binary" }) };

const excerptRoute = createRoute(withAccess("read", {
  method: "get",
  path: "/scores/{id}/excerpts/{position}",
  summary: "One excerpt of a score: its tokens, or its MusicXML, MEI, MIDI or SVG",
  description: "What a search result's `excerpts` name: the measures of the score's first voice " +
    "that were matched, restating the clef, key and meter in force.",
  request: {
    params: IdParam.extend({
      position: z.coerce.number().int().min(0).max(1_000_000).openapi({
        param: { name: "position", in: "path" },
        example: 0,
      }),
    }),
    query: z.object({
      format: z.enum(ANSWER_FORMAT_NAMES).optional().openapi({
        description: "Output format; otherwise chosen from Accept, JSON by default",
      }),
    }),
  },
  responses: {
    200: {
      description: "The excerpt",
      content: {
        "application/json": { schema: Excerpt },
        "application/vnd.recordare.musicxml+xml": binary,
        "application/mei+xml": binary,
        "audio/midi": binary,
        "image/svg+xml": binary,
      },
    },
    400: problem("Not a score id or position, or an unknown format"),
    404: problem("No such score or excerpt"),
    422: problem("The excerpt's tokens cannot be engraved"),
  },
}));

const deleteRoute = createRoute(withAccess("admin", {
  method: "delete",
  path: "/scores/{id}",
  summary: "Delete a score, its excerpts and its stored file",
  description: "Needs the scope `admin`: scores have no owner, so a delete affects every client.",
  request: { params: IdParam },
  responses: {
    204: { description: "Deleted" },
    400: problem("Not a score id"),
    404: problem("No such score"),
  },
}));

const badField = (field: string, detail: string) =>
  new Problem(400, `Invalid form: ${field}: ${detail}`, {
    slug: "invalid-request",
    extensions: { field },
  });

/** The metadata fields of the form: every field but `file` and `title`. */
function metadataOf(form: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(form).filter(([name]) => name !== "file" && name !== "title");
  if (entries.length > MAX_METADATA_FIELDS) {
    throw badField("(root)", `at most ${MAX_METADATA_FIELDS} metadata fields`);
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!METADATA_NAME.test(name)) {
      throw badField(name, "metadata names are lower-case letters, digits and _ (up to 40)");
    }
    if (typeof value !== "string") throw badField(name, "expected one text value");
    metadata[name] = value.trim();
  }
  return metadata;
}

async function scoreOrThrow(db: Parameters<typeof getScore>[0], id: string) {
  const score = await getScore(db, id);
  if (score === undefined) {
    throw new Problem(404, `No score "${id}"`, { slug: "no-score" });
  }
  return score;
}

const location = (score: ScoreView) => `/v1/scores/${score.id}`;

/** The scores function. */
export const scores = createFunctionApp()
  .openapi(uploadRoute, async (c) => {
    const form = c.req.valid("form") as Record<string, unknown>;
    const file = form.file;
    if (!(file instanceof File)) throw badField("file", "expected a file");
    const title = (form.title as string).trim();
    const services = c.var.services;
    const stored = await storeUpload(services, {
      bytes: new Uint8Array(await file.arrayBuffer()),
      fileName: file.name,
      contentType: file.type,
      title,
      metadata: metadataOf(form),
    });
    const score = await scoreOrThrow(services.database.db, stored.scoreId);
    c.header("location", location(score));
    return stored.created ? c.json(score, 201) : c.json(score, 200);
  })
  .openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    return c.json(await listScores(c.var.services.database.db, { limit, cursor }), 200);
  })
  .openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await scoreOrThrow(c.var.services.database.db, id), 200);
  })
  .openapi(excerptRoute, async (c) => {
    const { id, position } = c.req.valid("param");
    const excerpt = await getExcerpt(c.var.services.database.db, id, position);
    if (excerpt === undefined) {
      throw new Problem(404, `No excerpt ${position} of score "${id}"`, { slug: "no-excerpt" });
    }
    const format = chooseFormat(c.req.valid("query").format, c.req.header("accept"));
    if (format === "json") return c.json(excerpt, 200);
    let body: string | Uint8Array<ArrayBuffer>;
    try {
      body = await renderScore(format as ScoreAnswerFormat, excerpt.tokens);
    } catch (error) {
      // Stored tokens came from a parser that may admit what the writers refuse.
      throw new Problem(
        422,
        `Excerpt ${position} cannot be engraved: ${(error as Error).message}`,
        {
          slug: "invalid-tokens",
        },
      );
    }
    return c.body(body, 200, { "content-type": ANSWER_FORMATS[format] });
  })
  .openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    if (!await deleteScore(c.var.services, id)) {
      throw new Problem(404, `No score "${id}"`, { slug: "no-score" });
    }
    return c.body(null, 204);
  });
