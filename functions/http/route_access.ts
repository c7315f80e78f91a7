/**
 * Who may call a route, declared once per route definition: {@linkcode withAccess} adds the
 * scope check and describes it in the OpenAPI document (the `bearerAuth` scheme, the operation's
 * `security`, and its 401, 403 and 429 answers), so enforcement and documentation cannot drift.
 *
 * @module
 */
import type { RouteConfig } from "@hono/zod-openapi";
import type { Scope } from "../../shared/access/mod.ts";
import { requireScope } from "./access.ts";
import { problem } from "./problem_schema.ts";

/**
 * What a route needs: `read` (nothing while reads are public, else the scope `read`), `write` or
 * `admin` (a key with that scope), or `exempt` (outside keys and rate limits: health probes, and
 * the webhook, which its signature authenticates).
 */
export type RouteAccess = Scope | "exempt";

/** Name of the API key scheme in `components.securitySchemes`. */
export const BEARER_AUTH = "bearerAuth";

/** The API key scheme: `Authorization: Bearer <key>`. */
export const BEARER_AUTH_SCHEME = {
  type: "http",
  scheme: "bearer",
  description: "An API key (`stv_...`, from `deno task keys create`) as " +
    "`Authorization: Bearer <key>`. Scopes are ranked: `admin` includes `write`, which includes " +
    "`read`. A malformed, unknown or revoked key is refused wherever it is sent (401).",
} as const;

/**
 * The document's default `security`, which read routes inherit: a key is optional while reads
 * are public (`{}` admits requests without one), else required.
 */
export function readSecurity(publicRead: boolean): Record<string, string[]>[] {
  return publicRead ? [{}, { [BEARER_AUTH]: [] }] : [{ [BEARER_AUTH]: ["read"] }];
}

const integer = { type: "integer", minimum: 0 } as const;

const WWW_AUTHENTICATE = {
  "WWW-Authenticate": {
    description: 'The scheme and, for a refused key, why: `Bearer realm="stave", error="..."`',
    schema: { type: "string" },
  },
} as const;

/** Answers every rate-limited route may give; the route's own entries take precedence. */
function accessResponses(access: Scope) {
  const keyNeeded = access === "read"
    ? "An invalid or revoked API key, or none where reads need one (`STAVE_PUBLIC_READ=false`)"
    : `Missing, invalid or revoked API key (this needs the scope \`${access}\`)`;
  return {
    401: { ...problem(keyNeeded), headers: WWW_AUTHENTICATE },
    ...(access === "read" ? {} : {
      403: {
        ...problem(`The key lacks the scope \`${access}\` (problem \`insufficient-scope\`)`),
        headers: WWW_AUTHENTICATE,
      },
    }),
    429: {
      ...problem("Rate limited (problem `rate-limited`): per API key, or per client address"),
      headers: {
        "Retry-After": { description: "Seconds until a request is admitted", schema: integer },
        "RateLimit": {
          description: 'The limit that refused it: `"key"` or `"ip"`, `r` requests left, `t` ' +
            "seconds until the burst is refilled",
          schema: { type: "string", example: '"ip";r=0;t=15' },
        },
        "RateLimit-Policy": {
          description: "The limit's burst (`q`) and the seconds to refill it (`w`)",
          schema: { type: "string", example: '"ip";q=30;w=15' },
        },
      },
    },
  };
}

/**
 * `route` with its access declared: for `write` and `admin`, the scope check runs first (before
 * body validators, so a missing key is a 401 whatever the body) and the operation requires the
 * bearer scheme; `read` routes inherit the document's {@linkcode readSecurity}; every route but
 * an `exempt` one documents its 401, 403 (scoped routes) and 429 answers as problem+json.
 *
 * @example
 * ```ts ignore
 * const upload = createRoute(withAccess("write", { method: "post", path: "/scores", ... }));
 * ```
 */
export function withAccess<R extends RouteConfig>(access: RouteAccess, route: R): R {
  // `[]` overrides the document's default read security: these routes never look at a key.
  if (access === "exempt") return { ...route, security: [] };
  const scoped = access !== "read";
  const middleware = route.middleware === undefined
    ? []
    : Array.isArray(route.middleware)
    ? route.middleware
    : [route.middleware];
  return {
    ...route,
    ...(scoped
      ? {
        middleware: [requireScope(access), ...middleware],
        security: [{ [BEARER_AUTH]: [access] }],
      }
      : {}),
    responses: { ...accessResponses(access), ...route.responses },
  };
}
