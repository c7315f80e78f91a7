/**
 * Turns every failure into an RFC 9457 `application/problem+json` answer: thrown
 * {@linkcode Problem}s, Hono's HTTP exceptions (body limit, malformed JSON, timeouts),
 * failed schema validation, unknown routes, and, last, unexpected errors as a logged 500.
 *
 * @module
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Hook } from "@hono/zod-openapi";
import { AudioFormatError } from "../../shared/audio/wav.ts";
import { ImageFormatError } from "../../shared/image/image_header.ts";
import { ModelIntegrityError, ModelNotFoundError } from "../../shared/models/mod.ts";
import { Problem, type ProblemDocument } from "../../shared/problem.ts";
import { InvalidObjectKeyError } from "../../shared/storage/mod.ts";
import type { AppEnv } from "./app_env.ts";

/** The media type of problem answers. */
export const PROBLEM_JSON = "application/problem+json";

/** Writes `problem` as the response, with its headers and the request id. */
export function problemResponse(c: Context, problem: Problem): Response {
  const requestId: string | undefined = c.get("requestId");
  const document: ProblemDocument = { ...problem.toDocument(), instance: c.req.path, requestId };
  // newResponse keeps headers set earlier on the context (security headers, CORS).
  const response = c.newResponse(JSON.stringify(document), problem.status as 400, {
    ...problem.headers,
    "content-type": PROBLEM_JSON,
  });
  if (requestId !== undefined) response.headers.set("x-request-id", requestId);
  return response;
}

/** Maps known errors to a {@linkcode Problem}; anything unknown becomes `undefined`. */
export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof HTTPException) {
    const detail = error.message === "" ? `HTTP ${error.status}` : error.message;
    return new Problem(error.status, detail, { slug: slugFor(error.status), cause: error });
  }
  if (error instanceof InvalidObjectKeyError) {
    return new Problem(400, error.message, { slug: "invalid-key", cause: error });
  }
  if (error instanceof ImageFormatError) {
    return error.unsupported
      ? new Problem(415, error.message, { slug: "unsupported-image", cause: error })
      : new Problem(422, error.message, { slug: "unreadable-image", cause: error });
  }
  if (error instanceof AudioFormatError) {
    return new Problem(415, error.message, { slug: "unsupported-audio", cause: error });
  }
  if (error instanceof ModelNotFoundError || error instanceof ModelIntegrityError) {
    // The deployment's models are at fault, not the request: the client may retry later.
    return new Problem(503, error.message, { slug: "model-unavailable", cause: error });
  }
  return undefined;
}

function slugFor(status: number): string {
  switch (status) {
    case 400:
      return "bad-request";
    case 413:
      return "body-too-large";
    case 415:
      return "unsupported-media-type";
    case 503:
    case 504:
      return "timeout";
    default:
      return `http-${status}`;
  }
}

/** The app's `onError`: known errors as problems, others as a 500 that reveals nothing. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const problem = toProblem(error);
  if (problem !== undefined) return problemResponse(c, problem);
  console.error(`Unhandled error in ${c.req.method} ${c.req.path} [${c.get("requestId")}]`, error);
  return problemResponse(
    c,
    new Problem(500, "The server failed to handle this request; quote the request id", {
      slug: "internal",
    }),
  );
};

/** The app's `notFound`: names the method and path that matched nothing. */
export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(
    c,
    new Problem(404, `No route for ${c.req.method} ${c.req.path}`, { slug: "no-route" }),
  );

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * The schema-validation hook of every route: a failed parse becomes a 400 naming each field.
 * `target` is where the value came from (`json`, `query`, `param`, `header`, `form`).
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const issues = (result.error as { issues: readonly Issue[] }).issues;
  const errors = issues.map((issue) => ({
    location: result.target,
    field: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  const list = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return problemResponse(
    c,
    new Problem(400, `Invalid ${result.target}: ${list}`, {
      slug: "invalid-request",
      extensions: { errors },
    }),
  );
};
