/**
 * Middleware guarding the write endpoints with the deployment's API key, when one is configured
 * (`STAVE_API_KEY`): `Authorization: Bearer <key>`. Scoped keys per client are issue 10's.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { Problem } from "../../shared/problem.ts";
import { sha256Hex } from "../../shared/sha256.ts";
import type { AppEnv } from "./app_env.ts";

/**
 * Requires the configured API key as a bearer token; lets every request through when no key is
 * configured. Keys are compared as sha256 digests in constant time, so neither their content nor
 * their length leaks through timing.
 *
 * @example
 * ```ts ignore
 * app.delete("/scores/:id", requireApiKey(), handler);
 * ```
 */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function requireApiKeyMiddleware(c, next) {
    const key = c.var.services.config.auth.apiKey;
    if (key !== undefined) {
      const header = c.req.header("authorization");
      const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
      const ok = given !== undefined && timingSafeEqual(
        new TextEncoder().encode(await sha256Hex(given)),
        new TextEncoder().encode(await sha256Hex(key)),
      );
      if (!ok) {
        const detail = header === undefined
          ? "Missing API key: send Authorization: Bearer <key>"
          : given === undefined
          ? "Invalid Authorization header: expected Bearer <key>"
          : "Invalid API key";
        throw new Problem(401, detail, {
          slug: "unauthorized",
          headers: { "www-authenticate": 'Bearer realm="stave"' },
        });
      }
    }
    await next();
  };
}
