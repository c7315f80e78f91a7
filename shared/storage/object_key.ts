/**
 * Validation of object keys and of the metadata stored with objects, shared by every store.
 *
 * @module
 */

/**
 * A key is 1 to 1024 characters of ASCII letters, digits and `-_.=+@!()`, in `/`-separated
 * segments. No leading `/`, no empty segment (`a//b`, `a/`), no `.` or `..` segment.
 *
 * ASCII only on purpose: keys become file names in the local store, and non-ASCII names meet
 * Unicode normalisation (macOS stores NFD) and case folding that would make two keys one file.
 * The characters left out (`\`, `:`, `*`, `?`, `"`, `<`, `>`, `|`, `~`, `#`, `%`, spaces and
 * controls) are the ones that are unsafe on some file system or need escaping in URLs; the local
 * store reserves `~` for its own files.
 */
const KEY_CHARS = /^[A-Za-z0-9\-_.=+@!()/]+$/;

/** The longest key accepted, in bytes of UTF-8 (S3's own limit). */
export const MAX_OBJECT_KEY_BYTES = 1024;

/** A key or metadata that no store accepts; the HTTP layer maps it to a 400. */
export class InvalidObjectKeyError extends TypeError {
  /** The rejected key. */
  readonly key: string;

  /** Creates the error for `key`; `reason` says what is wrong with it. */
  constructor(key: string, reason: string) {
    super(`Invalid object key "${printable(key)}": ${reason}`);
    this.name = "InvalidObjectKeyError";
    this.key = key;
  }
}

/** ASCII control characters, NUL included: never part of a key, never echoed into logs. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

/** Quotes a key for an error message without letting control characters into logs. */
function printable(key: string): string {
  const escaped = key.replace(CONTROL_CHARS, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}...` : escaped;
}

/**
 * Throws unless `key` is a valid object key (see the rule above).
 *
 * @example
 * ```ts
 * import { validateObjectKey } from "./object_key.ts";
 * validateObjectKey("scores/2024/page-1.png");
 * let rejected = false;
 * try { validateObjectKey("../etc/passwd"); } catch { rejected = true; }
 * console.assert(rejected);
 * ```
 * @throws {InvalidObjectKeyError} when the key breaks a rule; the message names the rule.
 */
export function validateObjectKey(key: string): void {
  if (typeof key !== "string") {
    throw new InvalidObjectKeyError(String(key), "expected a string");
  }
  if (key === "") throw new InvalidObjectKeyError(key, "must not be empty");
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > MAX_OBJECT_KEY_BYTES) {
    throw new InvalidObjectKeyError(key, `${bytes} bytes is over ${MAX_OBJECT_KEY_BYTES}`);
  }
  if (key.search(CONTROL_CHARS) !== -1) {
    throw new InvalidObjectKeyError(key, "control characters are not allowed");
  }
  if (key.includes("\\")) throw new InvalidObjectKeyError(key, "backslashes are not allowed");
  if (key.startsWith("/")) throw new InvalidObjectKeyError(key, "must not start with /");
  const segments = key.split("/");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    throw new InvalidObjectKeyError(key, 'segments "." and ".." are not allowed');
  }
  if (segments.some((segment) => segment === "")) {
    throw new InvalidObjectKeyError(key, "empty segments (// or a trailing /) are not allowed");
  }
  if (!KEY_CHARS.test(key)) {
    throw new InvalidObjectKeyError(key, "only ASCII letters, digits and -_.=+@!()/ are allowed");
  }
}

/** Whether `key` is a valid object key; the non-throwing twin of {@linkcode validateObjectKey}. */
export function isValidObjectKey(key: string): boolean {
  try {
    validateObjectKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Metadata keys: lower-case, so that S3 (which lower-cases header names) returns them as given. */
const METADATA_KEY = /^[a-z0-9][a-z0-9_-]*$/;
/** Metadata values travel as HTTP headers on S3: printable ASCII only. */
const METADATA_VALUE = /^[\x20-\x7e]*$/;
/** S3's limit on all user metadata of one object, in bytes. */
const MAX_METADATA_BYTES = 2048;
/** A MIME type like `image/png` or `text/plain; charset=utf-8`. */
const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/i;

/**
 * Throws unless `metadata` and `contentType` can be stored by every store unchanged.
 *
 * @example
 * ```ts
 * import { validatePutOptions } from "./object_key.ts";
 * validatePutOptions({ contentType: "image/png", metadata: { "page-count": "3" } });
 * ```
 * @throws {TypeError} when a metadata key or value, or the content type, has the wrong shape.
 * @throws {RangeError} when the metadata is over 2 KiB.
 */
export function validatePutOptions(
  options: { readonly contentType?: string; readonly metadata?: Readonly<Record<string, string>> },
): void {
  const { contentType, metadata = {} } = options;
  if (contentType !== undefined && (contentType.length > 255 || !CONTENT_TYPE.test(contentType))) {
    throw new TypeError(`Invalid content type "${printable(contentType)}": expected type/subtype`);
  }
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(name)) {
      throw new TypeError(
        `Invalid metadata key "${printable(name)}": expected lower-case letters, digits, - and _`,
      );
    }
    if (typeof value !== "string" || !METADATA_VALUE.test(value) || value.trim() !== value) {
      throw new TypeError(
        `Invalid metadata value for "${name}": expected printable ASCII without outer spaces`,
      );
    }
    bytes += name.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new RangeError(`Metadata too large: ${bytes} bytes is over ${MAX_METADATA_BYTES}`);
  }
}
