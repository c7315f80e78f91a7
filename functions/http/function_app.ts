/**
 * The factory every function uses for its Hono app, so all share the validation hook.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app_env.ts";
import { validationHook } from "./problem_response.ts";

/** A new OpenAPI-aware Hono app whose schema failures answer 400 problem+json. */
export function createFunctionApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
