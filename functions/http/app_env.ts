/**
 * The Hono environment shared by every function: typed per-request variables.
 *
 * @module
 */
import type { RequestIdVariables } from "hono/request-id";
import type { Principal } from "../../shared/access/mod.ts";
import type { Services } from "../../shared/services.ts";

/** Hono `Env` of Stave's apps: `c.var.services`, `c.var.requestId` and `c.var.principal`. */
export interface AppEnv {
  /** Per-request variables. */
  Variables: RequestIdVariables & {
    /** The process's dependencies. */
    services: Services;
    /** The holder of the request's API key; unset when it sent none. */
    principal?: Principal;
  };
}
