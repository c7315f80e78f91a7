/**
 * Relays S3 event notifications to Stave's object-created hook, signed as the hook expects: what
 * a deployment's notification relay (a queue consumer, a function) does, for local development
 * with s3rver, which emits events but sends them nowhere.
 *
 * @module
 */
import {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  signHookBody,
} from "../../shared/library/hook_signature.ts";

/** Where and how to relay. */
export interface HookRelay {
  /** The hook's URL, e.g. `http://127.0.0.1:8000/v1/hooks/object-created`. */
  readonly url: string;
  /** The shared secret (`STAVE_HOOK_SECRET` of the receiving service). */
  readonly secret: string;
}

/**
 * POSTs `event` (the notification JSON) to the hook, signed now; returns the hook's answer.
 *
 * @example
 * ```ts ignore
 * const server = await startS3Server({
 *   buckets: ["stave"],
 *   onEvent: (event) => void relayS3Event(event, { url, secret }),
 * });
 * ```
 */
export async function relayS3Event(event: unknown, relay: HookRelay): Promise<Response> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  return await fetch(relay.url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      [HOOK_TIMESTAMP_HEADER]: String(timestamp),
      [HOOK_SIGNATURE_HEADER]: await signHookBody(relay.secret, timestamp, body),
    },
  });
}
