/**
 * A function used only by tests to drive the shared HTTP machinery (JSON validation, media
 * types, errors, timeouts) the way real functions do.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createFunctionApp } from "../../functions/http/function_app.ts";
import { requireMediaType } from "../../functions/http/media_type.ts";

const Note = z.object({
  title: z.string().min(1).max(50),
  bars: z.number().int().min(1).max(16),
});

const echoRoute = createRoute({
  method: "post",
  path: "/echo",
  middleware: [requireMediaType("application/json")] as const,
  request: { body: { content: { "application/json": { schema: Note } }, required: true } },
  responses: {
    200: { description: "The body", content: { "application/json": { schema: Note } } },
  },
});

/** `POST /echo` returns its validated JSON; `GET /boom` throws; `GET /slow` sleeps 1 s. */
export const echo = createFunctionApp();
echo.openapi(echoRoute, (c) => c.json(c.req.valid("json"), 200));
echo
  .get("/boom", () => {
    throw new Error("secret internal detail");
  })
  .get("/slow", async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return c.text("late");
  });
