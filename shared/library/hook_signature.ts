/**
 * Signed webhook deliveries: HMAC-SHA256 over `<timestamp>.<body>` with a shared secret, sent as
 * `X-Stave-Timestamp: <Unix seconds>` and `X-Stave-Signature: sha256=<hex>`. A delivery is
 * accepted only within a window around its timestamp; the replay cache (see
 * `hook_deliveries.ts`) refuses the same signature twice within it.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { Problem } from "../problem.ts";

/** The header carrying the Unix time (seconds) the delivery was signed at. */
export const HOOK_TIMESTAMP_HEADER = "x-stave-timestamp";
/** The header carrying `sha256=<hex HMAC>`. */
export const HOOK_SIGNATURE_HEADER = "x-stave-signature";

/** A delivery whose signature checked out. */
export interface VerifiedDelivery {
  /** The hex HMAC, the key of the replay cache. */
  readonly signature: string;
  /** When it was signed. */
  readonly signedAt: Date;
}

/** The headers as received (`null` or `undefined` when absent). */
export interface SignatureHeaders {
  /** `X-Stave-Timestamp`. */
  readonly timestamp?: string | null;
  /** `X-Stave-Signature`. */
  readonly signature?: string | null;
}

const encoder = new TextEncoder();

async function hmac(secret: string, timestamp: string, body: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const prefix = encoder.encode(`${timestamp}.`);
  const message = new Uint8Array(prefix.byteLength + body.byteLength);
  message.set(prefix);
  message.set(body, prefix.byteLength);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The `X-Stave-Signature` value for `body` signed at `timestamp` (Unix seconds): what a sender
 * computes.
 *
 * @example
 * ```ts
 * import { signHookBody } from "./hook_signature.ts";
 * const signature = await signHookBody("a shared secret!", 1700000000, '{"Records":[]}');
 * console.assert(/^sha256=[0-9a-f]{64}$/.test(signature));
 * ```
 */
export async function signHookBody(
  secret: string,
  timestamp: number,
  body: Uint8Array | string,
): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  return `sha256=${hex(await hmac(secret, String(timestamp), bytes))}`;
}

const unauthorized = (detail: string, slug: string) =>
  new Problem(401, detail, {
    slug,
    // RFC 9110 wants a challenge with every 401; this names the scheme the hook expects.
    headers: { "www-authenticate": 'StaveSignature realm="hooks"' },
  });

/**
 * Checks a delivery's signature headers against `body` (the raw bytes as received).
 *
 * @example
 * ```ts
 * import { signHookBody, verifyHookSignature } from "./hook_signature.ts";
 * const body = new TextEncoder().encode('{"Records":[]}');
 * const now = 1700000000;
 * const signature = await signHookBody("a shared secret!", now, body);
 * const delivery = await verifyHookSignature("a shared secret!", { timestamp: String(now), signature }, body, {
 *   windowSeconds: 300,
 *   now: now * 1000,
 * });
 * console.assert(delivery.signedAt.getTime() === now * 1000);
 * ```
 * @throws {Problem} 401 when a header is missing or malformed, the timestamp is outside the
 * window, or the signature does not match (compared in constant time).
 */
export async function verifyHookSignature(
  secret: string,
  headers: SignatureHeaders,
  body: Uint8Array,
  options: { readonly windowSeconds: number; readonly now?: number },
): Promise<VerifiedDelivery> {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) {
    throw unauthorized(
      "Unsigned delivery: X-Stave-Timestamp and X-Stave-Signature are required",
      "unsigned",
    );
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw unauthorized("Invalid X-Stave-Timestamp: expected Unix seconds", "bad-signature");
  }
  const given = /^sha256=([0-9a-fA-F]{64})$/.exec(signature)?.[1]?.toLowerCase();
  if (given === undefined) {
    throw unauthorized(
      "Invalid X-Stave-Signature: expected sha256=<64 hex digits>",
      "bad-signature",
    );
  }
  const seconds = Number(timestamp);
  const skew = Math.round((options.now ?? Date.now()) / 1000 - seconds);
  if (Math.abs(skew) > options.windowSeconds) {
    throw unauthorized(
      `Stale delivery: signed ${Math.abs(skew)} s ${skew > 0 ? "ago" : "ahead"}, ` +
        `outside the window of ${options.windowSeconds} s`,
      "stale-delivery",
    );
  }
  const expected = await hmac(secret, timestamp, body);
  const received = Uint8Array.from(given.match(/../g)!, (pair) => parseInt(pair, 16));
  if (!timingSafeEqual(expected, received)) {
    throw unauthorized("Invalid signature for this body and timestamp", "bad-signature");
  }
  return { signature: given, signedAt: new Date(seconds * 1000) };
}
