/**
 * Access control of the API: API keys (`Authorization: Bearer <key>`), scopes, public reads and
 * rate limits. {@linkcode access} runs once per request before the functions; write routes add
 * {@linkcode requireScope}.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import {
  addressBucket,
  authenticate,
  clientIp,
  grants,
  type Principal,
  type Scope,
  TokenBuckets,
} from "../../shared/access/mod.ts";
import type { Config, RateLimitConfig } from "../../shared/config.ts";
import { Problem } from "../../shared/problem.ts";
import type { AppEnv } from "./app_env.ts";

/** Options of {@linkcode access}. */
export interface AccessOptions {
  /** The bootstrap key, public reads and trusted proxies. */
  readonly auth: Config["auth"];
  /** Rates per key and per client address. */
  readonly rateLimits: Config["rateLimits"];
  /**
   * Paths outside keys and limits altogether (health probes; the webhook, which its signature
   * authenticates): exact paths, or prefixes ending in `/`.
   */
  readonly exempt?: readonly string[];
  /** Paths answered without a key even when reads are not public (the API's own description). */
  readonly alwaysPublic?: readonly string[];
}

const REALM = 'Bearer realm="stave"';

function unauthorized(detail: string, error?: "invalid_request" | "invalid_token"): Problem {
  return new Problem(401, detail, {
    slug: "unauthorized",
    headers: { "www-authenticate": error === undefined ? REALM : `${REALM}, error="${error}"` },
  });
}

/** A 401 without a key, a 403 naming `scope` when the key lacks it. */
function checkScope(principal: Principal | undefined, scope: Scope): void {
  if (principal === undefined) {
    throw unauthorized(
      `Missing API key: this needs the scope "${scope}"; send Authorization: Bearer <key>`,
    );
  }
  if (!grants(principal.scopes, scope)) {
    throw new Problem(
      403,
      `This API key lacks the scope "${scope}": it has ${principal.scopes.join(", ")}`,
      {
        slug: "insufficient-scope",
        extensions: { requiredScope: scope, scopes: principal.scopes },
        headers: {
          "www-authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"`,
        },
      },
    );
  }
}

const matches = (paths: readonly string[], path: string) =>
  paths.some((p) => p.endsWith("/") ? path.startsWith(p) : path === p);

/** The connection's peer; in-process requests (`app.request`) have none. */
function peerAddress(c: Context): string | undefined {
  const env = c.env as { remoteAddr?: Deno.Addr } | undefined;
  if (env?.remoteAddr === undefined) return undefined;
  return getConnInfo(c).remote.address;
}

/** Buckets for one rate, or `undefined` when the rate is 0 (unlimited). */
function bucketsFor(limit: RateLimitConfig): TokenBuckets | undefined {
  return limit.perMinute > 0 ? new TokenBuckets(limit) : undefined;
}

/** Takes a token from `key`'s bucket, sets the RateLimit headers, and throws a 429 when empty. */
function charge(c: Context, buckets: TokenBuckets, policy: "key" | "ip", key: string): void {
  const { perMinute, burst } = buckets.limit;
  const decision = buckets.take(key);
  c.header("ratelimit-policy", `"${policy}";q=${burst};w=${Math.ceil((burst * 60) / perMinute)}`);
  c.header("ratelimit", `"${policy}";r=${decision.remaining};t=${decision.resetSeconds}`);
  if (decision.allowed) return;
  const seconds = decision.retryAfterSeconds;
  const per = policy === "key" ? "per API key" : "per client address";
  throw new Problem(
    429,
    `Too many requests: the limit ${per} is ${perMinute} a minute with bursts of ${burst}; ` +
      `retry in ${seconds} s`,
    {
      slug: "rate-limited",
      headers: { "retry-after": String(seconds) },
      extensions: { retryAfter: seconds, limit: { perMinute, burst } },
    },
  );
}

/**
 * Admits each request: reads its API key (a 401 for a malformed, unknown or revoked one), counts
 * it against its key's rate or, without a valid key, its client address's (a 429 past either),
 * and, when reads are not public, requires the scope `read`. The key's holder is `c.var.principal`.
 * Requests that reach the app without a connection (in process) have no address to count.
 *
 * @example
 * ```ts ignore
 * app.use("/v1/*", access({ ...config, exempt: ["/v1/health"] }));
 * ```
 */
export function access(options: AccessOptions): MiddlewareHandler<AppEnv> {
  const { auth, exempt = [], alwaysPublic = [] } = options;
  const perKey = bucketsFor(options.rateLimits.perKey);
  const perIp = bucketsFor(options.rateLimits.perIp);
  return async function accessMiddleware(c, next) {
    const path = c.req.path;
    if (matches(exempt, path)) return await next();
    const header = c.req.header("authorization");
    let principal: Principal | undefined;
    let refusal: Problem | undefined;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      if (token === undefined) {
        refusal = unauthorized(
          "Invalid Authorization header: expected Bearer <key>",
          "invalid_request",
        );
      } else {
        const found = await authenticate(c.var.services.database.db, token, {
          bootstrapKey: auth.apiKey,
        });
        if (found.ok) principal = found.principal;
        else {
          refusal = unauthorized(
            found.reason === "revoked" ? "Revoked API key" : "Invalid API key",
            "invalid_token",
          );
        }
      }
    }
    // Refused keys count against the address, so guessing keys is limited too.
    if (principal !== undefined) {
      if (perKey !== undefined) charge(c, perKey, "key", principal.id);
    } else if (perIp !== undefined) {
      const address = clientIp(
        peerAddress(c),
        c.req.header("x-forwarded-for"),
        auth.trustedProxies,
      );
      if (address !== undefined) charge(c, perIp, "ip", addressBucket(address));
    }
    if (refusal !== undefined) throw refusal;
    c.set("principal", principal);
    if (!auth.publicRead && !matches(alwaysPublic, path)) checkScope(principal, "read");
    await next();
  };
}

/**
 * Requires a key with `scope` (or a higher one): a 401 without a key, a 403 naming the scope.
 * Runs after {@linkcode access}, which admits the key.
 *
 * @example
 * ```ts ignore
 * createRoute({ method: "post", path: "/scores", middleware: [requireScope("write")] as const });
 * ```
 */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScopeMiddleware(c, next) {
    checkScope(c.var.principal, scope);
    await next();
  };
}
