/**
 * Every edge function, by name. Each is a Hono app mounted under `/v1`; a deployment may mount
 * any subset (`STAVE_FUNCTIONS`), since none keeps state across requests besides caches.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./http/app_env.ts";
import { classify } from "./classify.ts";
import { generate } from "./generate.ts";
import { genres } from "./genres.ts";
import { health } from "./health.ts";
import { hooks } from "./hooks.ts";
import { models } from "./models.ts";
import { recognize } from "./recognize.ts";
import { scores } from "./scores.ts";
import { search } from "./search.ts";

/** The functions this build ships. */
export const FUNCTIONS: Readonly<Record<string, OpenAPIHono<AppEnv>>> = {
  health,
  models,
  recognize,
  scores,
  search,
  hooks,
  generate,
  classify,
  genres,
};
