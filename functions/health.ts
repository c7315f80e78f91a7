/**
 * `GET /v1/health`: whether the database, the object store and the models can serve.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createFunctionApp } from "./http/function_app.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";
import { checkHealth } from "../shared/health.ts";

const Check = z.object({
  status: z.enum(["ok", "failing"]),
  kind: z.string(),
  latencyMs: z.number(),
  error: z.string().optional(),
});

const Health = z.object({
  status: z.enum(["ok", "failing"]),
  uptimeSeconds: z.number(),
  checks: z.object({
    database: Check,
    store: Check,
    models: Check.extend({
      models: z.array(z.object({
        name: z.string(),
        version: z.string(),
        state: z.enum(["idle", "loading", "ready"]),
      })).readonly(),
    }),
  }),
}).openapi("Health");

// Exempt: probes must answer without a key and are never rate limited.
const route = createRoute(withAccess("exempt", {
  method: "get",
  path: "/health",
  summary: "Service health",
  description: "Checks the database, the object store and the model manifest. 503 when any fails.",
  responses: {
    200: { description: "Everything answers", content: { "application/json": { schema: Health } } },
    503: {
      description: "A dependency fails",
      content: { "application/json": { schema: Health } },
    },
    500: problem("Unexpected failure"),
  },
}));

/** The health function. */
export const health = createFunctionApp().openapi(route, async (c) => {
  const report = await checkHealth(c.var.services);
  c.header("cache-control", "no-store");
  return report.status === "ok" ? c.json(report, 200) : c.json(report, 503);
});
