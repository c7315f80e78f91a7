/**
 * `POST /v1/classify`: notes in (melody or semantic tokens as JSON, MusicXML, ABC or MIDI), the
 * probability of each genre out.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  classifyNotes,
  NOTES_MEDIA_TYPES,
  type NotesFileKind,
  notesFromFile,
  notesFromTokens,
} from "../shared/classify/mod.ts";
import type { TimedNote } from "../shared/music/timeline.ts";
import type { AppEnv } from "./http/app_env.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { mediaType, requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";

/** Body media types and what each holds. */
const BODY_TYPES: Readonly<Record<string, NotesFileKind | "json">> = {
  "application/json": "json",
  ...NOTES_MEDIA_TYPES,
};

const Tokens = z.object({
  tokens: z.array(z.string().max(100)).min(1).max(100_000).openapi({
    description: "Melody tokens (as `/v1/generate` answers) or PrIMuS semantic tokens (as " +
      "`/v1/recognize` answers), told apart by the first token",
    example: ["clef-G2", "keySignature-DM", "timeSignature-6/8", "note-D5_eighth", "barline"],
  }),
}).strict().openapi("ClassifyTokens");

const bytes = { schema: z.any().openapi({ type: "string", format: "binary" }) };

const Classification = z.object({
  genres: z.array(z.object({ genre: z.string(), probability: z.number() })).openapi({
    description: "Every genre, most probable first: the mean over windows of their softmax",
  }),
  best: z.string(),
  windows: z.number().int().openapi({ description: "Piano-roll windows (eight 4/4 bars each)" }),
  notes: z.number().int().openapi({
    description: "Notes classified (one line: a MIDI file's " +
      "skyline, a score's first voice)",
  }),
  input: z.enum(["melody", "semantic", "musicxml", "mxl", "abc", "humdrum", "midi"]),
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  timing: z.object({ loadMs: z.number(), rollMs: z.number(), inferenceMs: z.number() }),
}).openapi("Classification");

const route = createRoute(withAccess("read", {
  method: "post",
  path: "/classify",
  middleware: [requireMediaType(...Object.keys(BODY_TYPES))] as const,
  summary: "Classify notes by genre",
  description: 'Send `{"tokens": [...]}` as JSON, or a MusicXML (plain or compressed), ABC ' +
    "(the first tune) or MIDI file as the body with its media type.",
  request: {
    body: {
      // Not `required`: the validator must only parse JSON bodies.
      required: false,
      content: {
        "application/json": { schema: Tokens },
        "application/vnd.recordare.musicxml+xml": bytes,
        "application/xml": bytes,
        "text/xml": bytes,
        "application/vnd.recordare.musicxml": bytes,
        "text/vnd.abc": bytes,
        "text/x-humdrum": bytes,
        "audio/midi": bytes,
        "audio/x-midi": bytes,
      },
    },
  },
  responses: {
    200: {
      description: "Each genre's probability",
      content: { "application/json": { schema: Classification } },
    },
    400: problem("Malformed JSON or tokens of the wrong type"),
    413: problem("Body too large, or a piece longer than the window limit"),
    415: problem("Not JSON, MusicXML, ABC or MIDI"),
    422: problem("Notes that cannot be read, naming what failed"),
    503: problem("The model is unavailable"),
  },
}));

/** The notes of a file body of `kind`. */
async function fileNotes(c: Context<AppEnv>, kind: NotesFileKind): Promise<TimedNote[]> {
  return await notesFromFile(new Uint8Array(await c.req.arrayBuffer()), kind);
}

/** The classify function. */
export const classify = createFunctionApp().openapi(route, async (c) => {
  const kind = BODY_TYPES[mediaType(c.req.header("content-type"))]!;
  // JSON is parsed and validated by the route's schema.
  const { kind: input, notes } = kind === "json"
    ? notesFromTokens(c.req.valid("json").tokens)
    : { kind, notes: await fileNotes(c, kind) };
  const { model, maxWindows } = c.var.services.config.classify;
  const result = await classifyNotes(c.var.services.models, notes, {
    model,
    maxWindows,
    signal: c.req.raw.signal,
  });
  return c.json({ ...result, input }, 200);
});
