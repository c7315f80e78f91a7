/**
 * `GET /v1/models`: which model recognizes staves and where its files are, and
 * `GET /v1/models/{file}`: the manifest or a model file it lists, read-only, so that clients
 * (the web app, the mobile apps) can run the same model on the device.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { Problem } from "../shared/problem.ts";
import { etagMatches, etagOf } from "./http/etag.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";

/** Where the files are served, as the app mounts this function. */
const FILES = "/v1/models/";
const MANIFEST = "manifest.json";

const Catalogue = z.object({
  manifest: z.string().openapi({ example: "/v1/models/manifest.json" }),
  recognize: z.object({
    model: z.string().openapi({ description: "The model `POST /v1/recognize` runs" }),
    maxPixels: z.number().int().openapi({ description: "Largest image it decodes" }),
  }),
  models: z.array(z.object({
    name: z.string(),
    version: z.string(),
    task: z.string(),
    quantization: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
    url: z.string().openapi({ example: "/v1/models/omr/omr-int8.onnx" }),
  })),
}).openapi("ModelCatalogue");

const catalogueRoute = createRoute(withAccess("read", {
  method: "get",
  path: "/models",
  summary: "The models and their files",
  description: "The model recognition runs, and every model of the manifest with its file's URL.",
  responses: {
    200: { description: "The catalogue", content: { "application/json": { schema: Catalogue } } },
    503: problem("The model manifest cannot be read"),
  },
}));

/** The models function. */
export const models = createFunctionApp().openapi(catalogueRoute, async (c) => {
  const { config, models: registry } = c.var.services;
  const manifest = await registry.manifest();
  c.header("cache-control", "no-cache");
  return c.json({
    manifest: FILES + MANIFEST,
    recognize: { model: config.recognize.model, maxPixels: config.recognize.maxPixels },
    models: manifest.models.map((m) => ({
      name: m.name,
      version: m.version,
      task: m.task,
      quantization: m.quantization,
      bytes: m.bytes,
      sha256: m.sha256,
      url: FILES + m.file,
    })),
  }, 200);
});

// File paths hold slashes, which an OpenAPI path parameter cannot: the route is documented here
// and registered with Hono's own pattern below.
models.openAPIRegistry.registerPath(withAccess("read", {
  method: "get",
  path: "/models/{file}",
  summary: "A model file or the manifest",
  description: "The bytes of `manifest.json` or of a file it lists (e.g. `omr/omr-int8.onnx`), " +
    "with the SHA-256 as a strong ETag; `If-None-Match` answers 304.",
  request: { params: z.object({ file: z.string().openapi({ example: "omr/omr-int8.onnx" }) }) },
  responses: {
    200: {
      description: "The file",
      content: {
        "application/json": { schema: z.any() },
        "application/octet-stream": {
          schema: z.any().openapi({ type: "string", format: "binary" }),
        },
      },
    },
    304: { description: "The client's copy is current" },
    404: problem("Neither the manifest nor a file it lists"),
    503: problem("The file is missing or differs from the manifest"),
  },
}));

models.get("/models/:file{.+}", async (c) => {
  const file = c.req.param("file");
  const artifact = await c.var.services.models.artifact(file, c.req.raw.signal);
  if (artifact === null) {
    throw new Problem(404, `No model file "${file}": only the manifest and the files it lists`, {
      slug: "no-model-file",
    });
  }
  const etag = etagOf(artifact.sha256);
  // Revalidate every time: a retrained model keeps its file name, never its hash.
  const headers = { etag, "cache-control": "no-cache" };
  if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304, headers);
  const type = file === MANIFEST ? "application/json" : "application/octet-stream";
  return c.body(artifact.bytes as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    "content-type": type,
  });
});
