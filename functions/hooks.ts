/**
 * `POST /v1/hooks/object-created`: S3 object-created event notifications for scores put straight
 * into the bucket, authenticated only by an HMAC-SHA256 signature (see
 * `shared/library/hook_signature.ts`). Idempotent per object version.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import {
  HOOK_SIGNATURE_HEADER,
  HOOK_TIMESTAMP_HEADER,
  ingestObjects,
  rememberDelivery,
  type VerifiedDelivery,
  verifyHookSignature,
} from "../shared/library/mod.ts";
import { Problem } from "../shared/problem.ts";
import type { AppEnv } from "./http/app_env.ts";
import { createFunctionApp } from "./http/function_app.ts";
import { requireMediaType } from "./http/media_type.ts";
import { problem } from "./http/problem_schema.ts";
import { withAccess } from "./http/route_access.ts";

/** Records per delivery: S3 sends one; a relay batching more is held to a few. */
const MAX_RECORDS = 10;

const EventRecord = z.object({
  eventName: z.string().min(1).max(100).openapi({ example: "ObjectCreated:Put" }),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1).max(255) }),
    object: z.object({
      key: z.string().min(1).max(4096).openapi({
        description: "URL-encoded, as S3 sends it",
        example: "inbox/the+kesh.abc",
      }),
      eTag: z.string().min(1).max(200).optional(),
      size: z.number().int().min(0).optional(),
    }),
  }),
});

const S3Event = z.object({
  Records: z.array(EventRecord).min(1).max(MAX_RECORDS),
}).openapi("S3Event");

const Result = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string().optional(),
  outcome: z.enum(["indexed", "pending", "failed", "duplicate", "skipped"]),
  scoreId: z.uuid().optional(),
  jobId: z.uuid().optional(),
  reason: z.string().optional(),
}).openapi("HookResult");

const Answer = z.object({ results: z.array(Result) });

type HookEnv = AppEnv & { Variables: { delivery: VerifiedDelivery } };

/**
 * Checks the signature over the raw body before anything reads it as JSON, so an unsigned
 * malformed body is a 401, never a 400.
 */
function verifySignature(): MiddlewareHandler<HookEnv> {
  return async function verifySignatureMiddleware(c, next) {
    const { secret, windowSeconds } = c.var.services.config.hooks;
    if (secret === undefined) {
      throw new Problem(503, "The object-created hook is not configured: set STAVE_HOOK_SECRET", {
        slug: "hook-disabled",
      });
    }
    // Hono caches the body, so the JSON validator reads these same bytes.
    const body = new Uint8Array(await c.req.arrayBuffer());
    const delivery = await verifyHookSignature(
      secret,
      {
        timestamp: c.req.header(HOOK_TIMESTAMP_HEADER),
        signature: c.req.header(HOOK_SIGNATURE_HEADER),
      },
      body,
      { windowSeconds },
    );
    c.set("delivery", delivery);
    await next();
  };
}

// Exempt from keys and rate limits: the signature is its only authentication.
const route = createRoute(withAccess("exempt", {
  method: "post",
  path: "/hooks/object-created",
  middleware: [verifySignature(), requireMediaType("application/json")] as const,
  summary: "Index scores put straight into the bucket (S3 event notifications)",
  description: "The AWS S3 event notification JSON, signed: `X-Stave-Timestamp: <Unix seconds>` " +
    'and `X-Stave-Signature: sha256=<hex HMAC-SHA256 of timestamp + "." + body>` with the ' +
    "shared secret. Deliveries outside the timestamp window, or replayed, are refused. Each " +
    "object version (bucket, key, ETag) is indexed once; a redelivered event changes nothing.",
  request: {
    headers: z.object({
      [HOOK_TIMESTAMP_HEADER]: z.string().openapi({ example: "1767225600" }),
      [HOOK_SIGNATURE_HEADER]: z.string().openapi({ example: `sha256=${"0".repeat(64)}` }),
    }),
    body: { required: true, content: { "application/json": { schema: S3Event } } },
  },
  responses: {
    202: {
      description: "New object versions were indexed (or queued)",
      content: { "application/json": { schema: Answer } },
    },
    200: {
      description: "Nothing new: every record was a duplicate or not for this hook",
      content: { "application/json": { schema: Answer } },
    },
    400: problem("Malformed JSON, not an S3 event, or a key that is not URL-encoded"),
    401: problem("Unsigned, badly signed or stale delivery"),
    409: problem("Replayed delivery, or an object changed since its event"),
    413: problem("Object too large"),
    415: problem("Not JSON, or an object that is not a score file"),
    422: problem("Another bucket or prefix, a missing object, or an unreadable score"),
    503: problem("The hook is not configured"),
  },
}));

/** The hooks function. */
export const hooks = createFunctionApp().openapi(route, async (c) => {
  const event = c.req.valid("json");
  const services = c.var.services;
  const remembered = await rememberDelivery(
    services.database.db,
    c.var.delivery,
    services.config.hooks.windowSeconds,
  );
  if (!remembered) {
    throw new Problem(409, "Replayed delivery: this signature was already received; re-sign", {
      slug: "replayed-delivery",
    });
  }
  const results = await ingestObjects(
    services,
    event.Records.map((r) => ({
      eventName: r.eventName,
      bucket: r.s3.bucket.name,
      key: r.s3.object.key,
      eTag: r.s3.object.eTag,
      size: r.s3.object.size,
    })),
  );
  const fresh = results.some((r) => r.outcome !== "duplicate" && r.outcome !== "skipped");
  return fresh ? c.json({ results }, 202) : c.json({ results }, 200);
});
