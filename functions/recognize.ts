/**
 * `POST /v1/recognize`: a photo or scan of one staff in; PrIMuS tokens with confidences (JSON),
 * MusicXML, MEI, MIDI or a re-rendered SVG out.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Problem } from "../shared/problem.ts";
import { decodeImage } from "../shared/image/decode_image.ts";
import { type HeadResult, recognizeStaff } from "../shared/recognize.ts";
import { recognizePage } from "../shared/recognize_page.ts";
import type { AppEnv } from "./http/app_env.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { mediaType, requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";
import {
  ANSWER_FORMAT_NAMES,
  ANSWER_FORMATS as FORMATS,
  chooseFormat,
  renderScore,
  type ScoreAnswerFormat,
} from "./http/score_answer.ts";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];

const Head = z.object({
  tokens: z.array(z.string()).openapi({ example: ["clef-G2", "keySignature-DM", "barline"] }),
  confidence: z.array(z.number()).openapi({ description: "Per token, in [0, 1]" }),
  sequenceConfidence: z.number().openapi({ description: "P(whole sequence | image)" }),
});

const Timing = z.object({
  decodeMs: z.number(),
  preprocessMs: z.number(),
  inferenceMs: z.number(),
  ctcMs: z.number(),
});
const Model = z.object({ name: z.string(), version: z.string(), sha256: z.string() });
const Staff = z.object({ skewDegrees: z.number(), width: z.number(), located: z.boolean() });

const Result = z.object({
  semantic: Head.optional(),
  agnostic: Head.optional(),
  timing: Timing,
  model: Model,
  staff: Staff,
}).openapi("Recognition");

const Band = z.object({
  top: z.number(),
  bottom: z.number(),
  left: z.number(),
  right: z.number(),
  lineTop: z.number(),
  lineBottom: z.number(),
  spacing: z.number(),
  skewDegrees: z.number(),
}).openapi({ description: "The staff's band on the deskewed page, in pixels" });

const PageResult = z.object({
  staves: z.array(z.object({
    semantic: Head.optional(),
    agnostic: Head.optional(),
    timing: Timing,
    staff: Staff,
    band: Band,
  })).openapi({ description: "The staves in reading order" }),
  combined: z.object({ semantic: z.array(z.string()) }).openapi({
    description: "The page as one score: restated clefs, keys and meters dropped",
  }),
  timing: z.object({
    decodeMs: z.number(),
    layoutMs: z.number(),
    recognitionMs: z.number(),
  }),
  model: Model,
}).openapi("PageRecognition");

const Query = z.object({
  format: z.enum(ANSWER_FORMAT_NAMES).optional().openapi({
    description: "Output format; otherwise chosen from Accept, JSON by default",
  }),
  decoder: z.enum(["greedy", "beam"]).default("greedy"),
  beam: z.coerce.number().int().min(1).default(8).openapi({ description: "Beam width" }),
  layout: z.enum(["staff", "page"]).default("staff").openapi({
    description: "`staff`: the image holds one staff; `page`: find every staff on a page",
  }),
});

// Bytes are parsed by the handler (the validator must not coerce them), so the schema is loose.
const bytesSchema = z.any().openapi({ type: "string", format: "binary" });
const binary = { schema: bytesSchema };

const route = createRoute(withAccess("read", {
  method: "post",
  path: "/recognize",
  // Before the validators, so an unsupported type is a 415 that names what was sent.
  middleware: [requireMediaType(...IMAGE_TYPES, "multipart/form-data")] as const,
  summary: "Recognize one staff",
  description: "Send a PNG, JPEG or WebP photo or scan of one staff, as the raw body or as the " +
    "multipart field `image`. JPEG EXIF orientation is honoured.",
  request: {
    query: Query,
    body: {
      // Not `required`: that would make the validator parse every content type as a form.
      required: false,
      content: {
        "image/png": binary,
        "image/jpeg": binary,
        "image/webp": binary,
        "multipart/form-data": {
          schema: z.object({ image: bytesSchema }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "The staff's (or page's) tokens, or its MusicXML, MEI, MIDI or SVG",
      content: {
        "application/json": { schema: z.union([Result, PageResult]) },
        "application/vnd.recordare.musicxml+xml": binary,
        "application/mei+xml": binary,
        "audio/midi": binary,
        "image/svg+xml": binary,
      },
    },
    400: problem("Bad query or multipart body"),
    413: problem("Body or image too large"),
    415: problem("Not a PNG, JPEG or WebP image"),
    422: problem("Unreadable image, no staff found, or tokens that do not form a staff"),
    503: problem("The model is unavailable"),
  },
}));

/** The image: the raw body, or the multipart field `image` (the media type is already checked). */
async function imageBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  const type = mediaType(c.req.header("content-type"));
  if (type === "multipart/form-data") {
    // Parsed (and cached) by the route's form validator already.
    const form = await c.req.parseBody();
    const image = form.image;
    if (!(image instanceof File)) {
      throw new Problem(400, 'Missing multipart field "image": expected an image file', {
        slug: "bad-multipart",
        extensions: { field: "image" },
      });
    }
    return new Uint8Array(await image.arrayBuffer());
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

/**
 * The answer in a score format. Recognized tokens need not make sense (a tie before a rest, a
 * clef missing), so a conversion that fails is a 422 naming the tokens, not a server error.
 */
async function scoreBody(format: ScoreAnswerFormat, tokens: readonly string[]) {
  try {
    return await renderScore(format, tokens);
  } catch (error) {
    throw new Problem(
      422,
      `The recognized tokens do not form a staff: ${
        error instanceof Error ? error.message : error
      }`,
      { slug: "invalid-tokens", extensions: { semantic: tokens } },
    );
  }
}

/** A head's tokens and confidences as the answer lists them. */
function head(h: HeadResult | undefined) {
  return h && {
    tokens: h.tokens.map((t) => t.token),
    confidence: h.tokens.map((t) => t.confidence),
    sequenceConfidence: h.confidence,
  };
}

/** The recognize function. */
export const recognize = createFunctionApp().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const { recognize: settings } = c.var.services.config;
  if (query.beam > settings.maxBeamWidth) {
    throw new Problem(400, `Invalid query: beam must be at most ${settings.maxBeamWidth}`, {
      slug: "invalid-request",
      extensions: { field: "beam" },
    });
  }
  const format = chooseFormat(query.format, c.req.header("accept"));
  const bytes = await imageBytes(c);
  const options = {
    model: settings.model,
    decoder: query.decoder,
    beamWidth: query.beam,
  };
  const score = async (tokens: readonly string[]) =>
    c.body(await scoreBody(format as ScoreAnswerFormat, tokens), 200, {
      "content-type": FORMATS[format],
    });
  if (query.layout === "page") {
    const t0 = performance.now();
    const gray = await decodeImage(bytes, { maxPixels: settings.maxPixels });
    const decodeMs = Math.round((performance.now() - t0) * 10) / 10;
    const page = await recognizePage(gray, c.var.services.models, options);
    if (format !== "json") return await score(page.combined.semantic);
    return c.json({
      staves: page.staves.map((s) => ({
        semantic: head(s.semantic),
        agnostic: head(s.agnostic),
        timing: s.timing,
        staff: s.staff,
        band: s.band,
      })),
      combined: page.combined,
      timing: {
        decodeMs,
        layoutMs: page.timing.layoutMs,
        recognitionMs: page.timing.recognitionMs,
      },
      model: page.staves[0]!.model,
    }, 200);
  }
  const result = await recognizeStaff(bytes, c.var.services.models, {
    ...options,
    maxPixels: settings.maxPixels,
  });
  if (format !== "json") return await score(result.semantic?.tokens.map((t) => t.token) ?? []);
  return c.json(
    { ...result, semantic: head(result.semantic), agnostic: head(result.agnostic) },
    200,
  );
});
