/**
 * What an API key may do. Scopes are ranked: `admin` includes `write`, which includes `read`.
 *
 * @module
 */
import type { ApiKeyScope } from "../db/schema.ts";

/** A scope: `read`, `write` or `admin`. */
export type Scope = ApiKeyScope;

/** Every scope, lowest first. */
export const SCOPES: readonly Scope[] = Object.freeze(["read", "write", "admin"]);

/**
 * The scopes named in `text` (comma-separated), without repeats, lowest first.
 *
 * @example
 * ```ts
 * import { parseScopes } from "./scopes.ts";
 * console.assert(parseScopes("write, read,write").join() === "read,write");
 * ```
 * @throws {RangeError} when `text` names no scope or one that does not exist.
 */
export function parseScopes(text: string): Scope[] {
  const names = text.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) {
    throw new RangeError(`Invalid scopes "${text}": expected some of ${SCOPES.join(", ")}`);
  }
  for (const name of names) {
    if (!(SCOPES as readonly string[]).includes(name)) {
      throw new RangeError(`Unknown scope "${name}": expected ${SCOPES.join(", ")}`);
    }
  }
  return SCOPES.filter((scope) => names.includes(scope));
}

/**
 * Whether holding `held` allows what `needed` guards: `needed` itself or a higher scope.
 *
 * @example
 * ```ts
 * import { grants } from "./scopes.ts";
 * console.assert(grants(["admin"], "write") && !grants(["read"], "write"));
 * ```
 */
export function grants(held: readonly Scope[], needed: Scope): boolean {
  const rank = SCOPES.indexOf(needed);
  return held.some((scope) => SCOPES.indexOf(scope) >= rank);
}
