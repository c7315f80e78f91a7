/**
 * `POST /v1/generate`: a melody in a chosen genre, sampled token by token by the generator under
 * a grammar that keeps it well-formed; melody and semantic tokens (JSON), or MusicXML, MEI, MIDI
 * or SVG of it.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { generateMelody, MAX_GUIDANCE, MAX_SEED } from "../shared/generate/mod.ts";
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

const Request = z.object({
  genre: z.string().min(1).max(100).openapi({
    description: "A genre id of `GET /v1/genres`",
    example: "irish-folk",
  }),
  measures: z.number().int().min(1).default(8).openapi({
    description: "Measures of the whole line, primer included (a pickup counts as one); at most " +
      "`STAVE_GENERATE_MAX_MEASURES` (64)",
  }),
  temperature: z.number().gt(0).default(1).openapi({
    description: "Sampling temperature in (0, `STAVE_GENERATE_MAX_TEMPERATURE`] (2)",
  }),
  top_p: z.number().gt(0).max(1).default(0.95).openapi({ description: "Nucleus mass in (0, 1]" }),
  guidance: z.number().min(0).max(MAX_GUIDANCE).optional().openapi({
    description: "Genre guidance: how strongly the line is pushed toward what sets its genre " +
      "apart from the others, at some cost in fidelity (0: the genre's own distribution, one " +
      "model row a step; above 0, one row per genre). Default: the genre's calibrated weight, " +
      "listed by `GET /v1/genres`",
  }),
  seed: z.number().int().min(0).max(MAX_SEED).optional().openapi({
    description: "The same seed and parameters give the same line; random when omitted (answered)",
    example: 7,
  }),
  primer: z.array(z.string().max(100)).optional().openapi({
    description: "The line's first melody tokens, continued by the model",
    example: ["key:1", "meter:6/8", "n:D5", "d:eighth"],
  }),
  key: z.number().int().min(-7).max(7).optional().openapi({ description: "Key in fifths" }),
  meter: z.string().max(10).optional().openapi({ example: "6/8" }),
}).strict().openapi("GenerateRequest");

const Model = z.object({ name: z.string(), version: z.string(), sha256: z.string() });

const Generation = z.object({
  tokens: z.array(z.string()).openapi({
    description: "Melody tokens after `<bos>`",
    example: ["key:1", "meter:6/8", "n:D5", "d:quarter.", "n:B4", "d:quarter.", "bar"],
  }),
  semantic: z.array(z.string()).openapi({ description: "The line as PrIMuS semantic tokens" }),
  genre: z.string(),
  seed: z.number().int(),
  key: z.number().int(),
  meter: z.string(),
  measures: z.number().int(),
  guidance: z.number(),
  finish: z.enum(["measures", "length", "time"]).openapi({
    description: "`measures`: complete; `length` or `time`: the token or time bound ended the " +
      "line at its last bar, with fewer measures than asked",
  }),
  parameters: z.object({
    measures: z.number().int(),
    temperature: z.number(),
    top_p: z.number(),
    guidance: z.number(),
    primer: z.array(z.string()).optional(),
    key: z.number().int().optional(),
    meter: z.string().optional(),
  }),
  model: Model,
  timing: z.object({
    loadMs: z.number(),
    generateMs: z.number(),
    steps: z.number().int(),
    tokensPerSecond: z.number(),
  }),
}).openapi("Generation");

const binary = { schema: z.any().openapi({ type: "string", format: "binary" }) };

const route = createRoute(withAccess("read", {
  method: "post",
  path: "/generate",
  middleware: [requireMediaType("application/json")] as const,
  summary: "Generate a melody in a genre",
  description: "Samples a melody with temperature and top-p under a grammar that keeps every " +
    "measure whole. Score formats carry the seed and finish in `X-Stave-Seed` and " +
    "`X-Stave-Finish`.",
  request: {
    query: z.object({
      format: z.enum(ANSWER_FORMAT_NAMES).optional().openapi({
        description: "Output format; otherwise chosen from Accept, JSON by default",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: Request } } },
  },
  responses: {
    200: {
      description: "The melody's tokens, or its MusicXML, MEI, MIDI or SVG",
      content: {
        "application/json": { schema: Generation },
        "application/vnd.recordare.musicxml+xml": binary,
        "application/mei+xml": binary,
        "audio/midi": binary,
        "image/svg+xml": binary,
      },
    },
    400: problem("Malformed JSON, or a field of the wrong type or out of range"),
    415: problem("Not JSON"),
    422: problem("A genre, key or meter the model does not know, or a primer it cannot continue"),
    503: problem("The model is unavailable, or no measure was complete in time"),
  },
}));

/** The generate function. */
export const generate = createFunctionApp().openapi(route, async (c) => {
  const body = c.req.valid("json");
  const settings = c.var.services.config.generate;
  const format = chooseFormat(c.req.valid("query").format, c.req.header("accept"));
  const line = await generateMelody(c.var.services.models, { ...body, topP: body.top_p }, {
    ...settings,
    signal: c.req.raw.signal,
  });
  if (format !== "json") {
    const score = await renderScore(format as ScoreAnswerFormat, line.semantic);
    return c.body(score, 200, {
      "content-type": ANSWER_FORMATS[format],
      "x-stave-seed": String(line.seed),
      "x-stave-finish": line.finish,
    });
  }
  const { measures, temperature, top_p, primer, key, meter } = body;
  const parameters = { measures, temperature, top_p, guidance: line.guidance, primer, key, meter };
  return c.json({ ...line, parameters }, 200);
});
