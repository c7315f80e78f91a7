/**
 * Serves the files of one flat folder (a built web app) with their content types, a strong
 * SHA-256 ETag (so a revalidation is a 304), `Cache-Control: no-cache`, extra headers, and a
 * gzipped copy (`name.gz`) where there is one and the client accepts it.
 *
 * @module
 */
import type { Context } from "hono";
import { Problem } from "../../shared/problem.ts";
import { sha256Hex } from "../../shared/sha256.ts";
import { etagMatches, etagOf } from "./etag.ts";

/** Options of {@linkcode staticFiles}. */
export interface StaticFilesOptions {
  /** The folder served; only files directly in it, never below or above. */
  readonly root: string;
  /** Headers added to every file answer, e.g. a `Content-Security-Policy`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Detail of the 503 answered while `root` does not exist. */
  readonly missingRoot: string;
}

/** Content types by file extension; other files are not served. */
const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
};

/** The first of `paths` that exists, opened; `null` when none does. */
async function openFirst(paths: string[]): Promise<{ file: Deno.FsFile; path: string } | null> {
  for (const path of paths) {
    try {
      return { file: await Deno.open(path), path };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return null;
}

/** The file answer for `name`, or a problem; the caller picks `name` from the request. */
export type StaticFileHandler = (c: Context, name: string) => Promise<Response>;

/**
 * A handler for the files in `options.root`. ETags (of the bytes sent, so the gzipped copy has
 * its own) are computed once per file version (its modification time and size), then each
 * answer streams the file.
 *
 * @example
 * ```ts ignore
 * const files = staticFiles({ root: "web/dist", missingRoot: "Run deno task build:web" });
 * app.get("/app/:file", (c) => files(c, c.req.param("file")));
 * ```
 */
export function staticFiles(options: StaticFilesOptions): StaticFileHandler {
  const etags = new Map<string, { version: string; etag: string }>();
  const noFile = (name: string) =>
    new Problem(404, `No file "${name}" in the web app`, { slug: "no-route" });
  return async function serveStaticFile(c, name) {
    const type = TYPES[name.slice(name.lastIndexOf(".") + 1)];
    if (type === undefined || /[/\\]/.test(name) || name.startsWith(".")) throw noFile(name);
    // A gzipped copy beside the file (the build writes them) is served to clients that take it.
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    const opened = await openFirst([
      ...(gzip ? [`${options.root}/${name}.gz`] : []),
      `${options.root}/${name}`,
    ]);
    if (opened === null) {
      const built = await Deno.stat(options.root).then(() => true, () => false);
      throw built
        ? noFile(name)
        : new Problem(503, options.missingRoot, { slug: "web-app-not-built" });
    }
    const { file, path } = opened;
    try {
      const info = await file.stat();
      const version = `${info.mtime?.getTime()}-${info.size}`;
      let cached = etags.get(path);
      if (cached?.version !== version) {
        cached = { version, etag: etagOf(await sha256Hex(await Deno.readFile(path))) };
        etags.set(path, cached);
      }
      const headers = {
        ...options.headers,
        etag: cached.etag,
        "cache-control": "no-cache",
        vary: "accept-encoding",
      };
      if (etagMatches(c.req.header("if-none-match"), cached.etag)) {
        file.close();
        return c.body(null, 304, headers);
      }
      const found: Record<string, string> = {
        ...headers,
        "content-type": type,
        "content-length": String(info.size),
      };
      if (path.endsWith(".gz")) found["content-encoding"] = "gzip";
      if (c.req.method === "HEAD") {
        file.close(); // Hono would drop the stream unread
        return c.body(null, 200, found);
      }
      return c.body(file.readable, 200, found);
    } catch (error) {
      file.close();
      throw error;
    }
  };
}
