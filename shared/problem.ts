/**
 * The one error type that carries an HTTP meaning: a problem in RFC 9457 terms. Domain code in
 * `shared/` throws it (or a built-in error the HTTP layer maps); the app's `onError` turns it
 * into an `application/problem+json` answer.
 *
 * @module
 */

/** Options for a {@linkcode Problem}. */
export interface ProblemOptions {
  /** A short slug naming the kind of problem; becomes the `type` URI `urn:stave:problem:<slug>`. */
  readonly slug?: string;
  /** Extra members of the problem document (e.g. `field`, `limit`). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** The error that caused this one, kept for logs only. */
  readonly cause?: unknown;
  /** Response headers to add, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The JSON body of an `application/problem+json` answer. */
export interface ProblemDocument {
  /** A URI naming the kind of problem. */
  readonly type: string;
  /** A short summary of the kind of problem. */
  readonly title: string;
  /** The HTTP status. */
  readonly status: number;
  /** What went wrong with this request. */
  readonly detail: string;
  /** Extension members. */
  readonly [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The standard reason phrase for `status`, or `"Error"` for one without a table entry. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? "Error";
}

/**
 * An error with an HTTP status and a detail that names what was wrong.
 *
 * @example
 * ```ts
 * import { Problem } from "./problem.ts";
 * const problem = new Problem(415, "Unsupported content type \"text/plain\": expected an image", {
 *   slug: "unsupported-media-type",
 * });
 * console.assert(problem.toDocument().type === "urn:stave:problem:unsupported-media-type");
 * ```
 */
export class Problem extends Error {
  /** The HTTP status, 400-599. */
  readonly status: number;
  /** The problem type URI. */
  readonly type: string;
  /** The short title. */
  readonly title: string;
  /** Extension members. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Headers to add to the response. */
  readonly headers: Readonly<Record<string, string>>;

  /** Creates a problem with `status` and a `detail` message. */
  constructor(status: number, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause });
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`Invalid problem status ${status}: expected 400-599`);
    }
    this.name = "Problem";
    this.status = status;
    this.title = statusTitle(status);
    this.type = options.slug === undefined ? "about:blank" : `urn:stave:problem:${options.slug}`;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** The problem as the JSON document of an answer. */
  toDocument(): ProblemDocument {
    return {
      ...this.extensions,
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.message,
    };
  }
}
