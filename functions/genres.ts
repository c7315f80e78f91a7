/**
 * `GET /v1/genres`: the genres `POST /v1/generate` writes and `POST /v1/classify` scores, with
 * their descriptions and how many samples each model learnt from.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { genreCatalogue } from "../shared/genres.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";

const Genre = z.object({
  id: z.string().openapi({ example: "irish-folk" }),
  description: z.string().nullable().openapi({
    example: "Irish traditional dance tunes and airs (O'Neill's, 1850)",
  }),
  excerpts: z.number().int().nullable().openapi({
    description: "Training excerpts of the genre; null when the manifest does not record them",
  }),
  pieces: z.number().int().nullable().openapi({ description: "Pieces the excerpts come from" }),
  generate: z.boolean().openapi({ description: "`POST /v1/generate` writes it" }),
  guidance: z.number().nullable().openapi({
    description: "`POST /v1/generate`'s default `guidance` for it; null when it does not write it",
  }),
  classify: z.boolean().openapi({ description: "`POST /v1/classify` scores it" }),
}).openapi("Genre");

const route = createRoute(withAccess("read", {
  method: "get",
  path: "/genres",
  summary: "The genres",
  description: "Every genre of the generator and the classifier, with sample counts.",
  responses: {
    200: {
      description: "The genres, in the generator's label order",
      content: {
        "application/json": {
          schema: z.object({
            genres: z.array(Genre),
            models: z.object({ generate: z.string(), classify: z.string() }),
          }),
        },
      },
    },
    503: problem("The model manifest cannot be read or lists neither model"),
  },
}));

/** The genres function. */
export const genres = createFunctionApp().openapi(route, async (c) => {
  const { config, models } = c.var.services;
  const sources = { generate: config.generate.model, classify: config.classify.model };
  const list = await genreCatalogue(models, sources);
  c.header("cache-control", "no-cache");
  return c.json({ genres: list, models: sources }, 200);
});
