/**
 * CORS restricted to the configured origins (`STAVE_CORS_ORIGINS`): none by default, so only
 * same-origin pages call the API; `*` only when configured. A preflight from any other origin is
 * refused with a 403 problem rather than answered without the allow headers.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { Problem } from "../../shared/problem.ts";
import type { AppEnv } from "./app_env.ts";

/** Options of {@linkcode corsPolicy}. */
export interface CorsPolicyOptions {
  /** Allowed origins (`https://host[:port]`), or `["*"]`; empty allows none. */
  readonly origins: readonly string[];
  /** Request headers a cross-origin caller may send. */
  readonly allowHeaders: readonly string[];
  /** Response headers a cross-origin caller may read. */
  readonly exposeHeaders: readonly string[];
  /** Seconds a browser may cache a preflight answer. */
  readonly maxAge: number;
}

/**
 * Answers preflights from allowed origins and adds the CORS headers to their requests; refuses
 * preflights from others. Requests from other origins still run (a browser sends simple ones
 * without asking) but carry no allow header, so their pages cannot read the answer.
 *
 * @example
 * ```ts ignore
 * app.use(corsPolicy({ origins: ["https://app.example"], allowHeaders: [], exposeHeaders: [], maxAge: 600 }));
 * ```
 */
export function corsPolicy(options: CorsPolicyOptions): MiddlewareHandler<AppEnv> {
  const any = options.origins.includes("*");
  const allowed = (origin: string) => any || options.origins.includes(origin);
  const inner = options.origins.length === 0 ? undefined : cors({
    origin: any ? "*" : [...options.origins],
    allowHeaders: [...options.allowHeaders],
    exposeHeaders: [...options.exposeHeaders],
    maxAge: options.maxAge,
  });
  return async function corsPolicyMiddleware(c, next) {
    const origin = c.req.header("origin");
    const preflight = c.req.method === "OPTIONS" && origin !== undefined &&
      c.req.header("access-control-request-method") !== undefined;
    if (preflight && !allowed(origin)) {
      const shown = origin.length > 200 ? `${origin.slice(0, 200)}...` : origin;
      throw new Problem(403, `Cross-origin requests from "${shown}" are not allowed`, {
        slug: "origin-not-allowed",
      });
    }
    // Hono's cors answers every OPTIONS request; one that is not a preflight is not CORS's.
    if (inner === undefined || (c.req.method === "OPTIONS" && !preflight)) return await next();
    return await inner(c, next);
  };
}
