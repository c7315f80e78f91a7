/// <reference lib="dom" />
/**
 * The web app's calls to the service: the fetch every flow goes through, recognition in JSON and
 * in score formats, and the problem+json errors they may answer, as {@linkcode ProblemError}s.
 *
 * @module
 */

/** A failure to show: the problem's title and detail, from the server or from the device. */
export class ProblemError extends Error {
  /** The short title, e.g. `Unsupported Media Type`. */
  readonly title: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;

  /** Creates the error with its `title` and `detail` (the message). */
  constructor(title: string, detail: string, status?: number) {
    super(detail);
    this.name = "ProblemError";
    this.title = title;
    this.status = status;
  }
}

/** The problem in a failed `response` (or its status line when the body is not a problem). */
export async function problemOf(response: Response): Promise<ProblemError> {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/problem+json")) {
    const problem = await response.json();
    return new ProblemError(String(problem.title), String(problem.detail), response.status);
  }
  return new ProblemError(
    response.statusText || `HTTP ${response.status}`,
    `The server answered ${response.status} without a problem document`,
    response.status,
  );
}

/**
 * Fetches `path` of the service; a failure to connect or an answer that is not 2xx becomes a
 * {@linkcode ProblemError}, so every flow shows errors alike.
 */
export async function send(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ProblemError("Cannot reach the server", (error as Error).message);
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

/** A POST of `body` as JSON, with `headers` besides its type. */
export function jsonBody(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    body: JSON.stringify(body),
    headers: { ...headers, "content-type": "application/json" },
  };
}

async function post(image: Blob, query: string): Promise<Response> {
  return await send(`/v1/recognize${query}`, {
    method: "POST",
    body: image,
    // The raw body with the file's own type: anything but an image is a clear 415.
    headers: { "content-type": image.type || "application/octet-stream" },
  });
}

/** One head of a recognition as `POST /v1/recognize` answers it. */
export interface HeadAnswer {
  /** The tokens in reading order. */
  readonly tokens: string[];
  /** Per token, in [0, 1]. */
  readonly confidence: number[];
}

/** The JSON answer of `POST /v1/recognize` for one staff (the fields the app shows). */
export interface RecognitionAnswer {
  /** Semantic tokens. */
  readonly semantic?: HeadAnswer;
  /** Milliseconds per stage on the server. */
  readonly timing: {
    readonly decodeMs: number;
    readonly preprocessMs: number;
    readonly inferenceMs: number;
    readonly ctcMs: number;
  };
  /** The model that answered. */
  readonly model: { readonly name: string; readonly version: string };
}

/** Recognizes the staff in `image` on the server. @throws {ProblemError} */
export async function recognizeOnServer(image: Blob): Promise<RecognitionAnswer> {
  return await (await post(image, "")).json();
}

/** The score formats the server renders. */
export type ScoreFormat = "svg" | "musicxml" | "mei" | "midi";

/** The staff in `image` recognized and rendered as `format`. @throws {ProblemError} */
export async function scoreOnServer(image: Blob, format: ScoreFormat): Promise<Blob> {
  return await (await post(image, `?format=${format}`)).blob();
}
