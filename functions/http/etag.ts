/**
 * Entity tags for files served as they are (web app assets, model files): a strong tag from
 * the content's SHA-256, and the `If-None-Match` test that turns a repeat fetch into a 304.
 *
 * @module
 */

/** The strong entity tag for content whose hex SHA-256 is `sha256`. */
export function etagOf(sha256: string): string {
  return `"${sha256}"`;
}

/**
 * Whether `ifNoneMatch` (the request header) names `etag`, by the weak comparison RFC 9110
 * prescribes for it: `W/` prefixes are ignored, since Deno weakens the tags of responses it
 * compresses and clients send those back.
 *
 * @example
 * ```ts
 * import { etagMatches } from "./etag.ts";
 * console.assert(etagMatches('W/"abc", "def"', '"abc"'));
 * ```
 */
export function etagMatches(ifNoneMatch: string | undefined | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}
