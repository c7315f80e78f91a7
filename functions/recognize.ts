/**
 * `POST /v1/recognize`: a photo or scan of one staff in; PrIMuS tokens with confidences (JSON),
 * MEI or a re-rendered SVG out.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseToken, tokensToMei } from "../shared/music/mod.ts";
import { Problem } from "../shared/problem.ts";
import { type Recognition, recognizeStaff } from "../shared/recognize.ts";
import { renderMeiSvg } from "../shared/music/render_svg.ts";
import type { AppEnv } from "./http/app_env.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { mediaType, requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const FORMATS = {
  json: "application/json",
  mei: "application/mei+xml",
  svg: "image/svg+xml",
} as const;
type Format = keyof typeof FORMATS;

const Head = z.object({
  tokens: z.array(z.string()).openapi({ example: ["clef-G2", "keySignature-DM", "barline"] }),
  confidence: z.array(z.number()).openapi({ description: "Per token, in [0, 1]" }),
  sequenceConfidence: z.number().openapi({ description: "P(whole sequence | image)" }),
});

const Result = z.object({
  semantic: Head.optional(),
  agnostic: Head.optional(),
  timing: z.object({
    decodeMs: z.number(),
    preprocessMs: z.number(),
    inferenceMs: z.number(),
    ctcMs: z.number(),
  }),
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
  staff: z.object({ skewDegrees: z.number(), width: z.number(), located: z.boolean() }),
}).openapi("Recognition");

const Query = z.object({
  format: z.enum(["json", "mei", "svg"]).optional().openapi({
    description: "Output format; otherwise chosen from Accept, JSON by default",
  }),
  decoder: z.enum(["greedy", "beam"]).default("greedy"),
  beam: z.coerce.number().int().min(1).default(8).openapi({ description: "Beam width" }),
});

// Bytes are parsed by the handler (the validator must not coerce them), so the schema is loose.
const bytesSchema = z.any().openapi({ type: "string", format: "binary" });
const binary = { schema: bytesSchema };

const route = createRoute({
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
      description: "The staff's tokens, or its MEI or SVG",
      content: {
        "application/json": { schema: Result },
        "application/mei+xml": binary,
        "image/svg+xml": binary,
      },
    },
    400: problem("Bad query or multipart body"),
    413: problem("Body or image too large"),
    415: problem("Not a PNG, JPEG or WebP image"),
    422: problem("Unreadable image, no staff found, or tokens that do not form a staff"),
    503: problem("The model is unavailable"),
  },
});

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

function chooseFormat(query: Format | undefined, accept: string | undefined): Format {
  if (query !== undefined) return query;
  for (const part of (accept ?? "").split(",")) {
    const type = mediaType(part);
    const found = (Object.keys(FORMATS) as Format[]).find((f) => FORMATS[f] === type);
    if (found !== undefined) return found;
  }
  return "json";
}

function meiOf(result: Recognition): string {
  const tokens = result.semantic?.tokens.map((t) => t.token) ?? [];
  try {
    return tokensToMei(tokens.map(parseToken));
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
  const result = await recognizeStaff(bytes, c.var.services.models, {
    model: settings.model,
    decoder: query.decoder,
    beamWidth: query.beam,
    maxPixels: settings.maxPixels,
  });
  if (format === "mei") return c.body(meiOf(result), 200, { "content-type": FORMATS.mei });
  if (format === "svg") {
    return c.body(await renderMeiSvg(meiOf(result)), 200, { "content-type": FORMATS.svg });
  }
  const head = (h: Recognition["semantic"]) =>
    h && {
      tokens: h.tokens.map((t) => t.token),
      confidence: h.tokens.map((t) => t.confidence),
      sequenceConfidence: h.confidence,
    };
  return c.json(
    { ...result, semantic: head(result.semantic), agnostic: head(result.agnostic) },
    200,
  );
});
