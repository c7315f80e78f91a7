/**
 * The Hono environment shared by every function: typed per-request variables.
 *
 * @module
 */
import type { RequestIdVariables } from "hono/request-id";
import type { Services } from "../../shared/services.ts";

/** Hono `Env` of Stave's apps: `c.var.services` and `c.var.requestId`. */
export interface AppEnv {
  /** Per-request variables. */
  Variables: RequestIdVariables & {
    /** The process's dependencies. */
    services: Services;
  };
}
