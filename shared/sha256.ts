/**
 * Hex SHA-256 of bytes or text, the digest Stave uses for model files, migrations and objects.
 *
 * @module
 */

/**
 * Returns the lower-case hex SHA-256 of `data` (text is hashed as UTF-8).
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./sha256.ts";
 * console.assert((await sha256Hex("")).startsWith("e3b0c442"));
 * ```
 */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  // WebCrypto wants an ArrayBuffer-backed view; a SharedArrayBuffer-backed one is copied.
  const view = bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
  const digest = await crypto.subtle.digest("SHA-256", view);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
