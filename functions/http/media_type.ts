/**
 * Middleware that admits only the request media types a route understands: anything else is a
 * 415 naming what was sent and what is accepted.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { Problem } from "../../shared/problem.ts";
import type { AppEnv } from "./app_env.ts";

/** The media type of `header` without parameters, lower-cased; `""` when absent. */
export function mediaType(header: string | undefined | null): string {
  return (header ?? "").split(";", 1)[0]!.trim().toLowerCase();
}

/**
 * Accepts requests whose `Content-Type` is one of `accepted` (`image/*` style wildcards allowed).
 *
 * @example
 * ```ts ignore
 * app.post("/notes", requireMediaType("application/json"), handler);
 * ```
 */
export function requireMediaType(...accepted: string[]): MiddlewareHandler<AppEnv> {
  return async function requireMediaTypeMiddleware(c, next) {
    const type = mediaType(c.req.header("content-type"));
    const ok = accepted.some((want) =>
      want.endsWith("/*") ? type.startsWith(want.slice(0, -1)) : type === want
    );
    if (!ok) {
      const sent = type === "" ? "no Content-Type" : `Content-Type "${type}"`;
      throw new Problem(415, `Unsupported ${sent}: expected ${accepted.join(" or ")}`, {
        slug: "unsupported-media-type",
        extensions: { accepted },
      });
    }
    await next();
  };
}
